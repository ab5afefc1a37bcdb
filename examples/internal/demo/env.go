package demo

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// Env is what a running demo needs: its configuration (with Issuers filled
// in, and with the development issuer its introspection settings), the
// embedded development issuer (nil when -issuer was given), the key sources
// (one per issuer, in the order of Config.Issuers) and the validator. Close
// releases them in order.
type Env struct {
	Config    Config
	Dev       *DevIssuer
	Keys      []*jwks.Remote
	Validator *middleware.Validator
	// Metrics records validations and key fetches in Registry, served by
	// MetricsHandler (adapters/promguard).
	Metrics  *promguard.Metrics
	Registry *prometheus.Registry
	// TLS is the server's TLS configuration (nil: plain HTTP), and DevTLS
	// the certificates -dev-tls generated (see tls.go).
	TLS    *tls.Config
	DevTLS *DevTLS
	// Redis is the client of Config.Redis, and Revocations the revocation
	// list kept there; nil without -redis. IntrospectionCache is the
	// shared cache for introspect.WithSharedCache, for a demo that
	// introspects.
	Redis              *redis.Client
	Revocations        *redisguard.Revocation
	IntrospectionCache *redisguard.IntrospectionCache
}

// Start builds the demo's Env from cfg. With no cfg.Issuers it first
// starts the embedded development issuer on loopback and trusts it: its
// JWTs, and its opaque tokens by introspection at its endpoint. Each issuer
// gets a key source of its own (see KeySource), so a token is verified only
// with the keys of the issuer it names, and a token of an issuer not listed
// is refused without a request to it. With cfg.Issuers, opaque tokens of
// the first are introspected when cfg.IntrospectionURL is set. Start never
// waits for the network: keys arrive in the background, and until every
// issuer's have, the validator answers its tokens ErrKeysUnavailable (503)
// and Ready reports false. Introspection does not change readiness.
func Start(cfg Config) (*Env, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	env := &Env{Config: cfg}
	env.Config.Issuers = slices.Clone(cfg.Issuers)
	if len(cfg.Issuers) == 0 {
		dev, err := StartDevIssuer(cfg)
		if err != nil {
			return nil, err
		}
		env.Dev = dev
		env.Config.Issuers = []string{dev.URL()}
		env.Config.IntrospectionURL = dev.IntrospectionURL()
		env.Config.IntrospectionClientID = jwtguardtest.DefaultIntrospectionClientID
		env.Config.IntrospectionClientSecret = jwtguardtest.DefaultIntrospectionClientSecret
	}
	if err := env.startTLS(); err != nil {
		env.Close()
		return nil, err
	}
	env.Registry = prometheus.NewRegistry()
	m, err := promguard.New(env.Registry)
	if err != nil {
		env.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	env.Metrics = m
	opts := []middleware.Option{middleware.WithObserver(m)}
	for i, iss := range env.Config.Issuers {
		keys, err := KeySource(env.Config, iss, jwks.WithObserver(m))
		if err != nil {
			env.Close()
			return nil, err
		}
		env.Keys = append(env.Keys, keys)
		if i == 0 {
			opts = append(opts, middleware.WithKeys(keys))
		} else {
			opts = append(opts, middleware.WithIssuer(iss, keys))
		}
	}
	if cfg.Logger != nil {
		opts = append(opts, middleware.WithLogger(cfg.Logger))
	}
	if cfg.Namespace != "" {
		opts = append(opts, middleware.WithNamespace(cfg.Namespace))
	}
	opts = append(opts, cfg.tlsOptions()...)
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
	if o := env.introspection(); o != nil {
		opts = append(opts, o)
	}
	v, err := middleware.New(env.Config.Issuers[0], cfg.Audience, opts...)
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
	var opts []introspect.Option
	if e.IntrospectionCache != nil {
		// With -redis the replicas share introspection answers. The
		// cache's key is derived from the client secret, which every
		// replica has and nobody else does.
		key := sha256.Sum256([]byte("jwtguard demo introspection cache\x00" + e.Config.IntrospectionClientSecret))
		opts = append(opts, introspect.WithSharedCache(e.IntrospectionCache, key[:]))
	}
	return middleware.WithIntrospectionEndpoint(e.Config.IntrospectionURL,
		e.Config.IntrospectionClientID, e.Config.IntrospectionClientSecret, opts...)
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

// KeySource returns the key source of issuer: jwks.NewRemote(cfg.JWKSURI)
// when set; otherwise jwks.Discover(issuer) (OIDC discovery, then RFC 8414),
// falling back to Auth0's "<issuer without trailing slash>/.well-known/jwks.json"
// when discovery fails. -jwks-refresh maps to jwks.WithRefreshInterval and
// -jwks-min-refresh to jwks.WithMinRefreshInterval. The caller closes it.
func KeySource(cfg Config, issuer string, extra ...jwks.Option) (*jwks.Remote, error) {
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
	if issuer == "" {
		return nil, fmt.Errorf("demo: no issuer to discover keys from")
	}
	fallback := strings.TrimSuffix(issuer, "/") + "/.well-known/jwks.json"
	src, err := jwks.Discover(issuer, append(opts, jwks.WithFallbackJWKS(fallback))...)
	if err != nil {
		return nil, fmt.Errorf("demo: -issuer: %w", err)
	}
	return src, nil
}

// MetricsHandler serves the demo's Prometheus metrics (for /metrics).
func (e *Env) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(e.Registry, promhttp.HandlerOpts{})
}

// Ready reports whether every issuer's keys are loaded, and no issuer's
// discovery document names another issuer (for /readyz).
func (e *Env) Ready() bool { return e.Validator != nil && e.Validator.Ready() }

// Prime waits until every issuer's keys are loaded or ctx ends (see
// middleware.Validator.Prime).
func (e *Env) Prime(ctx context.Context) error { return e.Validator.Prime(ctx) }

// Close stops the validator, the key sources and the development issuer.
func (e *Env) Close() {
	if e.Validator != nil {
		e.Validator.Close()
	}
	for _, k := range e.Keys {
		k.Close()
	}
	if e.Dev != nil {
		e.Dev.Close()
	}
	e.closeTLS()
	if e.Revocations != nil {
		e.Revocations.Close()
	}
	if e.Redis != nil {
		e.Redis.Close()
	}
}
