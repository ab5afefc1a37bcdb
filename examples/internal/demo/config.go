package demo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"
)

// Defaults of the demo configuration (issue 3's contract).
const (
	DefaultAddr      = "127.0.0.1:8080"
	DefaultAudience  = "https://contacts.example.com"
	DefaultNamespace = "https://myapp.example.com/"
)

// Config is the demo configuration. Each field has a flag and an
// environment variable with the same meaning; a flag given on the command
// line wins over the environment, which wins over the default.
type Config struct {
	// Addr is the listen address (-addr, JWTGUARD_ADDR).
	Addr string
	// Issuer is the exact iss to accept, used as given, trailing slash
	// included (-issuer, JWTGUARD_ISSUER). Empty: the embedded development
	// issuer.
	Issuer string
	// JWKSURI overrides discovery (-jwks-uri, JWTGUARD_JWKS_URI).
	JWKSURI string
	// Audience is the API identifier that aud must contain (-audience,
	// JWTGUARD_AUDIENCE).
	Audience string
	// Namespace is the Auth0 custom-claim namespace (-namespace,
	// JWTGUARD_NAMESPACE); empty means none.
	Namespace string
	// JWKSRefresh is the background key refresh interval (-jwks-refresh,
	// JWTGUARD_JWKS_REFRESH); 0 means the jwks default (Cache-Control, else
	// 15 min).
	JWKSRefresh time.Duration
	// JWKSMinRefresh is the minimum gap between unknown-kid refreshes
	// (-jwks-min-refresh, JWTGUARD_JWKS_MIN_REFRESH); 0 means the jwks
	// default (10 s).
	JWKSMinRefresh time.Duration
	// IntrospectionURL is the token introspection endpoint (RFC 7662) at
	// which opaque access tokens of Issuer are validated, authenticated
	// with client_secret_basic as IntrospectionClientID and
	// IntrospectionClientSecret (-introspection-url,
	// JWTGUARD_INTROSPECTION_URL; -introspection-client-id,
	// JWTGUARD_INTROSPECTION_CLIENT_ID; -introspection-client-secret,
	// JWTGUARD_INTROSPECTION_CLIENT_SECRET). All three or none; they need
	// -issuer, since the development issuer introspects its own tokens.
	// Empty: opaque tokens are refused (opaque_token).
	IntrospectionURL          string
	IntrospectionClientID     string
	IntrospectionClientSecret string
	// Logger, when set, receives the key source's warnings (failed
	// refreshes) and key-set changes. Not a flag; nil logs nothing.
	Logger *slog.Logger
}

// DefaultConfig returns the contract's defaults: 127.0.0.1:8080, the
// embedded development issuer, audience https://contacts.example.com and
// namespace https://myapp.example.com/.
func DefaultConfig() Config {
	return Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace}
}

// Parse overrides c with the JWTGUARD_* variables getenv returns, then with
// the flags in args. name is the program name in usage messages, which go
// to usage (nil: standard error). It returns flag.ErrHelp for -h, and a
// clear error for a bad flag, a bad duration or a stray argument.
func (c *Config) Parse(name string, args []string, getenv func(string) string, usage io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if usage != nil {
		fs.SetOutput(usage)
	}
	str := func(p *string, flagName, env, help string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, flagName, *p, help+" ["+env+"]")
	}
	str(&c.Addr, "addr", "JWTGUARD_ADDR", "listen address")
	str(&c.Issuer, "issuer", "JWTGUARD_ISSUER", "exact iss to accept, trailing slash included (empty: embedded development issuer)")
	str(&c.JWKSURI, "jwks-uri", "JWTGUARD_JWKS_URI", "JWKS URL (default: OIDC discovery from the issuer, then <issuer>/.well-known/jwks.json)")
	str(&c.Audience, "audience", "JWTGUARD_AUDIENCE", "API identifier that aud must contain")
	str(&c.Namespace, "namespace", "JWTGUARD_NAMESPACE", "custom-claim namespace")
	str(&c.IntrospectionURL, "introspection-url", "JWTGUARD_INTROSPECTION_URL",
		"token introspection endpoint (RFC 7662) for opaque tokens of -issuer (default: opaque tokens are refused)")
	str(&c.IntrospectionClientID, "introspection-client-id", "JWTGUARD_INTROSPECTION_CLIENT_ID", "client ID of this API at the introspection endpoint")
	str(&c.IntrospectionClientSecret, "introspection-client-secret", "JWTGUARD_INTROSPECTION_CLIENT_SECRET",
		"client secret of this API at the introspection endpoint (prefer the environment variable: flags show in ps)")
	var errs []error
	dur := func(p *time.Duration, flagName, env, help string) {
		if v := getenv(env); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("demo: %s: %w", env, err))
			}
			*p = d
		}
		fs.DurationVar(p, flagName, *p, help+" ["+env+"]")
	}
	dur(&c.JWKSRefresh, "jwks-refresh", "JWTGUARD_JWKS_REFRESH", "background JWKS refresh interval (default: Cache-Control, else 15m)")
	dur(&c.JWKSMinRefresh, "jwks-min-refresh", "JWTGUARD_JWKS_MIN_REFRESH", "minimum gap between unknown-kid JWKS refreshes (default 10s)")
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("demo: %s: unexpected arguments %q", name, fs.Args())
	}
	return c.Check()
}

// Check reports a configuration that cannot work: no listen address, no
// audience, negative durations, durations the key source refuses (under
// one second), or an incomplete introspection configuration.
func (c Config) Check() error {
	if err := c.checkIntrospection(); err != nil {
		return err
	}
	switch {
	case c.Addr == "":
		return errors.New("demo: -addr is empty")
	case c.Audience == "":
		return errors.New("demo: -audience is empty")
	case c.JWKSRefresh != 0 && c.JWKSRefresh < time.Second:
		return fmt.Errorf("demo: -jwks-refresh %s: must be at least 1s", c.JWKSRefresh)
	case c.JWKSMinRefresh != 0 && c.JWKSMinRefresh < time.Second:
		return fmt.Errorf("demo: -jwks-min-refresh %s: must be at least 1s", c.JWKSMinRefresh)
	}
	return nil
}

// checkIntrospection: the three introspection settings come together, with
// an -issuer, and the URL is an absolute http(s) URL (introspect.New
// requires https unless the host is loopback).
func (c Config) checkIntrospection() error {
	if c.IntrospectionURL == "" && c.IntrospectionClientID == "" && c.IntrospectionClientSecret == "" {
		return nil
	}
	switch {
	case c.IntrospectionURL == "":
		return errors.New("demo: -introspection-client-id and -introspection-client-secret need -introspection-url")
	case c.IntrospectionClientID == "" || c.IntrospectionClientSecret == "":
		return errors.New("demo: -introspection-url needs -introspection-client-id and -introspection-client-secret")
	case c.Issuer == "":
		return errors.New("demo: -introspection-url needs -issuer (the development issuer introspects its own opaque tokens)")
	}
	u, err := url.Parse(c.IntrospectionURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("demo: -introspection-url %q: not an absolute https URL", c.IntrospectionURL)
	}
	return nil
}
