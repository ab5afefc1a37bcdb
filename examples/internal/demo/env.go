package demo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// Env is what a running demo needs: its configuration (with Issuer filled
// in), the embedded development issuer (nil when -issuer was given), the
// key source and the validator. Close releases them in order.
type Env struct {
	Config    Config
	Dev       *DevIssuer
	Keys      *jwks.Remote
	Validator *middleware.Validator
	// Metrics records validations and key fetches in Registry, served by
	// MetricsHandler (adapters/promguard).
	Metrics  *promguard.Metrics
	Registry *prometheus.Registry
	// Redis is the client of Config.Redis, and Revocations the revocation
	// list kept there; nil without -redis. IntrospectionCache is the
	// shared cache for introspect.WithSharedCache, for a demo that
	// introspects.
	Redis              *redis.Client
	Revocations        *redisguard.Revocation
	IntrospectionCache *redisguard.IntrospectionCache
}

// Start builds the demo's Env from cfg. With no cfg.Issuer it first starts
// the embedded development issuer on loopback and trusts it. It never waits
// for the network: keys arrive in the background, and until then the
// validator answers ErrKeysUnavailable (503) and Ready reports false.
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
	if cfg.DPoPNonceSecret != "" {
		opts = append(opts, middleware.WithDPoPNonce([]byte(cfg.DPoPNonceSecret), 0))
	}
	if cfg.Redis != "" {
		shared, err := env.startRedis(cfg.Redis)
		if err != nil {
			env.Close()
			return nil, err
		}
		opts = append(opts, shared...)
	}
	v, err := middleware.New(env.Config.Issuer, cfg.Audience, opts...)
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	env.Validator = v
	return env, nil
}

// startRedis connects to the Redis of -redis and returns the validator
// options that keep the DPoP replay store and the revocation list there.
// It waits (5 s at most) for the revocation list's first load: a demo
// started while Redis is unreachable stops with an error. Afterwards,
// while Redis is unreachable, DPoP requests get 503 with Retry-After (a
// proof that cannot be checked for replay is never accepted) and Bearer
// requests are unaffected: the revocation list answers from the snapshot
// taken before the outage (redisguard.WithMaxStaleness(0)); revocations
// cannot be written to Redis meanwhile anyway.
func (e *Env) startRedis(url string) ([]middleware.Option, error) {
	c, err := redisguard.NewClient(url)
	if err != nil {
		return nil, fmt.Errorf("demo: -redis: %w", err)
	}
	e.Redis = c
	store, err := redisguard.NewReplayStore(c)
	if err != nil {
		return nil, fmt.Errorf("demo: -redis: %w", err)
	}
	if e.IntrospectionCache, err = redisguard.NewIntrospectionCache(c); err != nil {
		return nil, fmt.Errorf("demo: -redis: %w", err)
	}
	rev, err := redisguard.NewRevocation(c, redisguard.WithMaxStaleness(0))
	if err != nil {
		return nil, fmt.Errorf("demo: -redis: %w", err)
	}
	e.Revocations = rev
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rev.WaitReady(ctx); err != nil {
		return nil, fmt.Errorf("demo: -redis: Redis unreachable at start: %w", err)
	}
	return []middleware.Option{middleware.WithDPoPReplayStore(store), middleware.WithRevocation(rev)}, nil
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
	if e.Revocations != nil {
		e.Revocations.Close()
	}
	if e.Redis != nil {
		e.Redis.Close()
	}
}
