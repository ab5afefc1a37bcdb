package demo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
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
	// Issuers are the exact iss values to accept, each used as given,
	// trailing slash included, and each verified only with its own keys
	// (-issuer, repeated for several; JWTGUARD_ISSUER, a comma-separated
	// list). Empty: the embedded development issuer.
	Issuers []string
	// JWKSURI overrides discovery (-jwks-uri, JWTGUARD_JWKS_URI); with one
	// issuer only.
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
	// Redis is a redis:// (or rediss://) URL (-redis, JWTGUARD_REDIS):
	// the DPoP replay store and the revocation list live there, shared by
	// every demo process started with the same URL (adapters/redisguard).
	// Empty: both stay in the process.
	Redis string
	// DPoPNonceSecret makes the API require DPoP server nonces derived
	// from it (-dpop-nonce-secret, JWTGUARD_DPOP_NONCE_SECRET; at least 32
	// bytes): processes started with the same secret accept each other's
	// nonces. Empty: no nonces.
	DPoPNonceSecret string
	// Logger, when set, receives the key source's warnings (failed
	// refreshes) and key-set changes. Not a flag; nil logs nothing.
	Logger *slog.Logger

	// TLSCert and TLSKey are PEM files of the server's certificate
	// (chain) and key (-tls-cert, JWTGUARD_TLS_CERT; -tls-key,
	// JWTGUARD_TLS_KEY): the demo serves HTTPS. ClientCA is a PEM file of
	// CA certificates (-client-ca, JWTGUARD_CLIENT_CA): clients may
	// present a certificate, verified against them, for certificate-bound
	// tokens (RFC 8705). DevTLS (-dev-tls, JWTGUARD_DEV_TLS) generates all
	// of it instead. See tls.go.
	TLSCert, TLSKey, ClientCA string
	DevTLS                    bool
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
	var errs []error
	str(&c.Addr, "addr", "JWTGUARD_ADDR", "listen address")
	if v := getenv("JWTGUARD_ISSUER"); v != "" {
		list, err := splitIssuers(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.Issuers = list
	}
	fs.Var(&issuerFlag{list: &c.Issuers}, "issuer",
		"exact iss to accept, trailing slash included; repeat for several (default: embedded development issuer) [JWTGUARD_ISSUER, comma-separated]")
	str(&c.JWKSURI, "jwks-uri", "JWTGUARD_JWKS_URI", "JWKS URL, with one issuer only (default: OIDC discovery from the issuer, then <issuer>/.well-known/jwks.json)")
	str(&c.Audience, "audience", "JWTGUARD_AUDIENCE", "API identifier that aud must contain")
	str(&c.Namespace, "namespace", "JWTGUARD_NAMESPACE", "custom-claim namespace")
	str(&c.IntrospectionURL, "introspection-url", "JWTGUARD_INTROSPECTION_URL",
		"token introspection endpoint (RFC 7662) for opaque tokens of -issuer (default: opaque tokens are refused)")
	str(&c.IntrospectionClientID, "introspection-client-id", "JWTGUARD_INTROSPECTION_CLIENT_ID", "client ID of this API at the introspection endpoint")
	str(&c.IntrospectionClientSecret, "introspection-client-secret", "JWTGUARD_INTROSPECTION_CLIENT_SECRET",
		"client secret of this API at the introspection endpoint (prefer the environment variable: flags show in ps)")
	str(&c.Redis, "redis", "JWTGUARD_REDIS", "redis:// URL of a Redis shared by the replicas: DPoP replay store and revocation list")
	str(&c.DPoPNonceSecret, "dpop-nonce-secret", "JWTGUARD_DPOP_NONCE_SECRET", "require DPoP nonces derived from this secret (at least 32 bytes), shared by the replicas")
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
	c.tlsFlags(fs, getenv, &errs)
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
// audience, an empty or repeated issuer, -jwks-uri with several issuers,
// negative durations, durations the key source refuses (under one second),
// TLS flags that do not go together, an incomplete introspection
// configuration, a -redis that is not a redis:// or rediss:// URL, or a
// DPoP nonce secret shorter than 32 bytes.
func (c Config) Check() error {
	if err := c.checkTLS(); err != nil {
		return err
	}
	if err := c.checkIntrospection(); err != nil {
		return err
	}
	for i, iss := range c.Issuers {
		switch {
		case iss == "":
			return errors.New("demo: -issuer is empty")
		case slices.Contains(c.Issuers[:i], iss):
			return fmt.Errorf("demo: -issuer %s is given twice", iss)
		}
	}
	switch {
	case c.Addr == "":
		return errors.New("demo: -addr is empty")
	case c.Audience == "":
		return errors.New("demo: -audience is empty")
	case c.JWKSURI != "" && len(c.Issuers) > 1:
		return fmt.Errorf("demo: -jwks-uri names the keys of one issuer, and %d issuers are given: "+
			"leave it out, and each issuer's keys are found by its discovery document", len(c.Issuers))
	case c.JWKSRefresh != 0 && c.JWKSRefresh < time.Second:
		return fmt.Errorf("demo: -jwks-refresh %s: must be at least 1s", c.JWKSRefresh)
	case c.JWKSMinRefresh != 0 && c.JWKSMinRefresh < time.Second:
		return fmt.Errorf("demo: -jwks-min-refresh %s: must be at least 1s", c.JWKSMinRefresh)
	case c.Redis != "" && !strings.HasPrefix(c.Redis, "redis://") && !strings.HasPrefix(c.Redis, "rediss://"):
		return errors.New("demo: -redis must be a redis:// or rediss:// URL")
	case c.DPoPNonceSecret != "" && len(c.DPoPNonceSecret) < 32:
		return fmt.Errorf("demo: -dpop-nonce-secret: %d bytes; at least 32 are needed", len(c.DPoPNonceSecret))
	}
	return nil
}

// issuerFlag is -issuer: each occurrence adds an issuer; the first one
// replaces the list JWTGUARD_ISSUER gave.
type issuerFlag struct {
	list *[]string
	set  bool
}

func (f *issuerFlag) String() string {
	if f.list == nil {
		return ""
	}
	return strings.Join(*f.list, ",")
}

func (f *issuerFlag) Set(v string) error {
	if !f.set {
		*f.list, f.set = nil, true
	}
	*f.list = append(*f.list, v)
	return nil
}

// splitIssuers reads JWTGUARD_ISSUER: issuers separated by commas, spaces
// around each ignored, none empty.
func splitIssuers(v string) ([]string, error) {
	var list []string
	for _, iss := range strings.Split(v, ",") {
		iss = strings.TrimSpace(iss)
		if iss == "" {
			return nil, fmt.Errorf("demo: JWTGUARD_ISSUER %q: an issuer of the comma-separated list is empty", v)
		}
		list = append(list, iss)
	}
	return list, nil
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
	case len(c.Issuers) == 0:
		return errors.New("demo: -introspection-url needs -issuer (the development issuer introspects its own opaque tokens)")
	}
	u, err := url.Parse(c.IntrospectionURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("demo: -introspection-url %q: not an absolute https URL", c.IntrospectionURL)
	}
	return nil
}
