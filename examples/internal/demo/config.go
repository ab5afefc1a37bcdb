package demo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
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
	str(&c.Redis, "redis", "JWTGUARD_REDIS", "redis:// URL of a Redis shared by the replicas: DPoP replay store and revocation list")
	str(&c.DPoPNonceSecret, "dpop-nonce-secret", "JWTGUARD_DPOP_NONCE_SECRET", "require DPoP nonces derived from this secret (at least 32 bytes), shared by the replicas")
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
// one second), a -redis that is not a redis:// or rediss:// URL, or a DPoP
// nonce secret shorter than 32 bytes.
func (c Config) Check() error {
	switch {
	case c.Addr == "":
		return errors.New("demo: -addr is empty")
	case c.Audience == "":
		return errors.New("demo: -audience is empty")
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
