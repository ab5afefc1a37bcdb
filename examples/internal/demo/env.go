package demo

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// Env is what a running demo needs: its configuration (with Issuer filled
// in, and with the development issuer its introspection settings), the
// embedded development issuer (nil when -issuer was given), the key source
// and the validator. Close releases them in order.
type Env struct {
	Config    Config
	Dev       *DevIssuer
	Keys      *jwks.Remote
	Validator *middleware.Validator
	// Metrics records validations and key fetches in Registry, served by
	// MetricsHandler (adapters/promguard).
	Metrics  *promguard.Metrics
	Registry *prometheus.Registry
}

// Start builds the demo's Env from cfg. With no cfg.Issuer it first starts
// the embedded development issuer on loopback and trusts it: its JWTs,
// and its opaque tokens by introspection at its endpoint. With cfg.Issuer,
// opaque tokens are introspected when cfg.IntrospectionURL is set. It
// never waits for the network: keys arrive in the background, and until
// then the validator answers ErrKeysUnavailable (503) and Ready reports
// false. Introspection does not change readiness.
func Start(cfg Config) (*Env, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	env := &Env{Config: cfg}
	if cfg.Issuer == "" {
		dev, err := StartDevIssuer(cfg)
		if err != nil {
			return nil, err
		}
		env.Dev = dev
		env.Config.Issuer = dev.URL()
		env.Config.IntrospectionURL = dev.IntrospectionURL()
		env.Config.IntrospectionClientID = jwtguardtest.DefaultIntrospectionClientID
		env.Config.IntrospectionClientSecret = jwtguardtest.DefaultIntrospectionClientSecret
	}
	env.Registry = prometheus.NewRegistry()
	m, err := promguard.New(env.Registry)
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	env.Metrics = m
	keys, err := KeySource(env.Config, jwks.WithObserver(m))
	if err != nil {
		env.Close()
		return nil, err
	}
	env.Keys = keys
	opts := []middleware.Option{middleware.WithKeys(keys), middleware.WithObserver(m)}
	if cfg.Logger != nil {
		opts = append(opts, middleware.WithLogger(cfg.Logger))
	}
	if cfg.Namespace != "" {
		opts = append(opts, middleware.WithNamespace(cfg.Namespace))
	}
	if o := env.introspection(); o != nil {
		opts = append(opts, o)
	}
	v, err := middleware.New(env.Config.Issuer, cfg.Audience, opts...)
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	env.Validator = v
	return env, nil
}

// introspection is the option that validates opaque tokens (RFC 7662) at
// Config.IntrospectionURL, or nil when it is empty. The client reports to
// the demo's Metrics (promguard implements introspect.Observer).
func (e *Env) introspection() middleware.Option {
	if e.Config.IntrospectionURL == "" {
		return nil
	}
	return middleware.WithIntrospectionEndpoint(e.Config.IntrospectionURL,
		e.Config.IntrospectionClientID, e.Config.IntrospectionClientSecret)
}

// KeySource returns the key source of cfg: jwks.NewRemote(cfg.JWKSURI) when
// set; otherwise jwks.Discover(cfg.Issuer) (OIDC discovery, then RFC 8414),
// falling back to Auth0's "<issuer without trailing slash>/.well-known/jwks.json"
// when discovery fails. -jwks-refresh maps to jwks.WithRefreshInterval and
// -jwks-min-refresh to jwks.WithMinRefreshInterval. The caller closes it.
func KeySource(cfg Config, extra ...jwks.Option) (*jwks.Remote, error) {
	opts := extra
	if cfg.JWKSRefresh > 0 {
		opts = append(opts, jwks.WithRefreshInterval(cfg.JWKSRefresh))
	}
	if cfg.JWKSMinRefresh > 0 {
		opts = append(opts, jwks.WithMinRefreshInterval(cfg.JWKSMinRefresh))
	}
	if cfg.Logger != nil {
		opts = append(opts, jwks.WithLogger(cfg.Logger))
	}
	if cfg.JWKSURI != "" {
		src, err := jwks.NewRemote(cfg.JWKSURI, opts...)
		if err != nil {
			return nil, fmt.Errorf("demo: -jwks-uri: %w", err)
		}
		return src, nil
	}
	if cfg.Issuer == "" {
		return nil, fmt.Errorf("demo: no issuer to discover keys from")
	}
	fallback := strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/jwks.json"
	src, err := jwks.Discover(cfg.Issuer, append(opts, jwks.WithFallbackJWKS(fallback))...)
	if err != nil {
		return nil, fmt.Errorf("demo: -issuer: %w", err)
	}
	return src, nil
}

// MetricsHandler serves the demo's Prometheus metrics (for /metrics).
func (e *Env) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(e.Registry, promhttp.HandlerOpts{})
}

// Ready reports whether the key source has usable keys (for /readyz).
func (e *Env) Ready() bool { return e.Keys != nil && e.Keys.Ready() }

// Close stops the validator, the key source and the development issuer.
func (e *Env) Close() {
	if e.Validator != nil {
		e.Validator.Close()
	}
	if e.Keys != nil {
		e.Keys.Close()
	}
	if e.Dev != nil {
		e.Dev.Close()
	}
}
