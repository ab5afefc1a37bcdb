package introspect

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Defaults of a Client. Each has an option or a Config field.
const (
	// DefaultLeeway is the clock skew tolerated on exp, nbf and iat when
	// Config.Leeway is 0, as in package middleware.
	DefaultLeeway = 60 * time.Second
	// DefaultTimeout bounds one Introspect call that has to ask the
	// endpoint: waiting for a free slot (WithConcurrency), discovery and
	// the request itself. It is also the Timeout of the Client's own
	// http.Client.
	DefaultTimeout = 5 * time.Second
	// DefaultCacheSize is the number of answers a Client remembers.
	DefaultCacheSize = 4096
	// DefaultPositiveTTL bounds how long an active answer is reused; it is
	// never reused past the token's exp. It is also how long a revoked
	// token can go on being accepted (see Invalidate).
	DefaultPositiveTTL = 60 * time.Second
	// DefaultNegativeTTL is how long a refused token (inactive, expired,
	// another audience...) is refused without asking again.
	DefaultNegativeTTL = 5 * time.Second
	// DefaultConcurrency bounds the requests in flight to the endpoint.
	DefaultConcurrency = 16
	// DefaultRate and DefaultBurst are the token bucket of requests to the
	// endpoint: DefaultRate per second, DefaultBurst at once.
	DefaultRate  = 50
	DefaultBurst = 100

	// MaxResponseBytes caps the answer's body; a longer one is
	// KindBadResponse.
	MaxResponseBytes = 64 << 10
	// MaxTokenBytes caps the token; a longer one is KindMalformedToken and
	// never sent.
	MaxTokenBytes = 4 << 10

	maxLeeway = 5 * time.Minute
	// maxRedirects bounds redirects of a discovery fetch. The
	// introspection request itself never follows a redirect.
	maxRedirects = 3
	// discoveryRetry is the smallest gap between two discoveries after a
	// failed one; in between, Introspect fails at once with the last error.
	discoveryRetry = 10 * time.Second
	// cacheEntryCost is the memory budget of the cache per entry: an
	// answer is charged twice its size (the raw JSON and its decoded
	// strings) plus a fixed overhead, and the cache holds at most
	// size × cacheEntryCost bytes.
	cacheEntryCost = 4 << 10
)

// AuthMethod is how the Client authenticates to the introspection endpoint
// (RFC 7662 section 2.1 requires authorization; RFC 6749 section 2.3.1 and
// the "token_endpoint_auth_method" names of RFC 7591 section 2).
type AuthMethod string

// The client authentication methods.
const (
	// ClientSecretBasic sends the client_id and client_secret in an
	// Authorization: Basic header, each form-urlencoded before base64
	// (RFC 6749 section 2.3.1). The default.
	ClientSecretBasic AuthMethod = "client_secret_basic"
	// ClientSecretPost sends client_id and client_secret in the form body.
	ClientSecretPost AuthMethod = "client_secret_post"
	// NoClientAuth sends no credentials, for an endpoint protected by other
	// means, such as ORY Hydra's admin port on a private network.
	NoClientAuth AuthMethod = "none"
)

// Config is what a Client checks answers against and how it reaches the
// endpoint.
type Config struct {
	// Issuer is the trusted issuer identifier, compared exactly (a
	// trailing slash matters) with the answer's iss and with the issuer of
	// the discovery document. Required; https (plain http only to a
	// loopback host unless InsecureAllowHTTP).
	Issuer string
	// Endpoint is the introspection endpoint URL. "" discovers it on first
	// use from the issuer's metadata (see DiscoverEndpoint), retried at
	// most every 10 s after a failure. Same scheme rule as Issuer.
	Endpoint string

	// ClientID and ClientSecret are the API's own credentials at the
	// authorization server. Required unless AuthMethod is NoClientAuth.
	ClientID     string
	ClientSecret string
	// AuthMethod is how they are sent; "" means ClientSecretBasic.
	AuthMethod AuthMethod

	// Audiences are the identifiers of this API: an answer's aud must
	// contain one of them. At least one is required.
	Audiences []string
	// AllowMissingAudience accepts answers without aud (or with an empty
	// one): Keycloak and ORY Hydra leave aud out unless the client asked
	// for an audience. Default false: such answers are refused
	// (KindMissingAud). A present aud is always checked.
	AllowMissingAudience bool
	// Leeway is the clock skew tolerated on exp, nbf and iat, at most
	// 5 min. 0 means DefaultLeeway (60 s).
	Leeway time.Duration
}

// Option configures a Client (and DiscoverEndpoint, which uses
// WithHTTPClient, WithTimeout and InsecureAllowHTTP).
type Option func(*options) error

type options struct {
	client      *http.Client // nil: the Client builds its own
	timeout     time.Duration
	cacheSize   int
	positiveTTL time.Duration
	negativeTTL time.Duration
	concurrency int
	rate        float64
	burst       int
	observer    Observer
	now         func() time.Time
	insecure    bool
	// shared is the cache replicas share (WithSharedCache); nil: none.
	shared       SharedCache
	sharedSecret []byte
}

func newOptions(opts []Option) (*options, error) {
	o := &options{
		timeout:     DefaultTimeout,
		cacheSize:   DefaultCacheSize,
		positiveTTL: DefaultPositiveTTL,
		negativeTTL: DefaultNegativeTTL,
		concurrency: DefaultConcurrency,
		rate:        DefaultRate,
		burst:       DefaultBurst,
		now:         time.Now,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithHTTPClient sets the HTTP client used for discovery and introspection
// (a client with mTLS certificates, a proxy, tracing). The Client works on
// a copy with its own redirect policy: the introspection request never
// follows a redirect, and a discovery fetch follows at most 3, never from
// https to plain http. Default: a client of its own with a Timeout of
// WithTimeout's value and up to WithConcurrency idle connections.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("introspect: nil HTTP client")
		}
		o.client = c
		return nil
	}
}

// WithTimeout bounds one Introspect call that asks the endpoint, waiting
// for a free slot included (default DefaultTimeout, 5 s). The request's own
// context may end it sooner. Past it the call fails with KindUnavailable
// (KindRateLimited when it was still waiting for a slot).
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("introspect: timeout must be positive")
		}
		o.timeout = d
		return nil
	}
}

// WithCache sets the answer cache: at most size answers (and about size ×
// 4 KiB of memory), active answers reused for positiveTTL but never past
// their exp, refused tokens refused again for negativeTTL without a
// request. Defaults: 4096, 60 s, 5 s. size 0 disables the cache (concurrent
// requests for one token are still joined); a TTL of 0 disables caching of
// that kind of answer. Unavailable errors are never cached.
func WithCache(size int, positiveTTL, negativeTTL time.Duration) Option {
	return func(o *options) error {
		if size < 0 || positiveTTL < 0 || negativeTTL < 0 {
			return errors.New("introspect: cache size and TTLs must not be negative")
		}
		o.cacheSize, o.positiveTTL, o.negativeTTL = size, positiveTTL, negativeTTL
		return nil
	}
}

// WithConcurrency bounds the requests in flight to the endpoint (default
// 16). A request that finds every slot taken waits for one within
// WithTimeout, then fails with KindRateLimited.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("introspect: concurrency must be at least 1")
		}
		o.concurrency = n
		return nil
	}
}

// WithRateLimit sets the token bucket of requests to the endpoint: rps
// requests per second on average, burst at once (defaults 50 and 100). Over
// the limit Introspect fails at once with KindRateLimited (503): a flood of
// made-up tokens can neither reach the authorization server faster nor get
// accepted. Answers from the cache and joined requests do not count.
func WithRateLimit(rps float64, burst int) Option {
	return func(o *options) error {
		if !(rps > 0) || burst < 1 {
			return fmt.Errorf("introspect: rate limit needs rps > 0 and burst >= 1, got %v and %d", rps, burst)
		}
		o.rate, o.burst = rps, burst
		return nil
	}
}

// WithObserver reports requests and cache lookups to obs (metrics).
// Default: none, at no cost.
func WithObserver(obs Observer) Option {
	return func(o *options) error {
		if obs == nil {
			return errors.New("introspect: nil observer")
		}
		o.observer = obs
		return nil
	}
}

// WithClock sets the clock used for exp, nbf and iat, cache lifetimes and
// the rate limit (tests). Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("introspect: nil clock")
		}
		o.now = now
		return nil
	}
}

// InsecureAllowHTTP lets the Client use plain http to hosts other than
// loopback, for the issuer's metadata and the endpoint. The token and the
// client secret then cross the network in clear. Default: https required,
// except for localhost and loopback addresses.
func InsecureAllowHTTP() Option {
	return func(o *options) error { o.insecure = true; return nil }
}
