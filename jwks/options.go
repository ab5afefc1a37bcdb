package jwks

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of a Remote source. Each has an option.
const (
	// DefaultRefreshInterval is how often keys are refreshed in the
	// background when the response has no usable Cache-Control or Expires.
	DefaultRefreshInterval = 15 * time.Minute
	// MinCacheTTL and MaxCacheTTL clamp a TTL taken from Cache-Control
	// max-age or Expires. An interval set with WithRefreshInterval is used
	// as given.
	MinCacheTTL = time.Minute
	MaxCacheTTL = 24 * time.Hour
	// DefaultMinRefreshInterval is the smallest gap between two fetches
	// triggered by an unknown kid.
	DefaultMinRefreshInterval = 10 * time.Second
	// DefaultMaxWait bounds how long a request waits for a fetch it joined
	// (unknown kid, or no keys yet), whatever its own context allows.
	DefaultMaxWait = 2 * time.Second
	// DefaultHTTPTimeout is the timeout of the source's own HTTP client.
	DefaultHTTPTimeout = 10 * time.Second
	// maxRedirects bounds redirects on a key or discovery fetch.
	maxRedirects = 3
	// maxBackoff bounds the retry delay after failed fetches.
	maxBackoff = 5 * time.Minute
)

// Option configures a Remote or Discover source.
type Option func(*remoteConfig) error

type remoteConfig struct {
	client      *http.Client
	refresh     time.Duration // 0: from cache headers, else DefaultRefreshInterval
	minRefresh  time.Duration
	maxWait     time.Duration
	algs        []Alg
	fallback    string
	insecureURL bool
	logger      *slog.Logger
	logged      bool // WithLogger was given
	observer    Observer
	name        string
}

func newRemoteConfig(opts []Option) (*remoteConfig, error) {
	c := &remoteConfig{
		minRefresh: DefaultMinRefreshInterval,
		maxWait:    DefaultMaxWait,
		algs:       AsymmetricAlgs,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.client == nil {
		c.client = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	// Redirects: few, and never from https down to plain http.
	cl := *c.client
	insecure := c.insecureURL
	cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("jwks: more than %d redirects", maxRedirects)
		}
		return checkRedirect(req.URL, via, insecure)
	}
	c.client = &cl
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// WithHTTPClient sets the HTTP client used for discovery and key fetches.
// Its Timeout should be set; the default client has a 10 s timeout. The
// source adds its own redirect policy, replacing the client's: at most 3
// redirects, each to a URL the source could be configured with, and never
// from https to anything else (see InsecureAllowHTTP).
func WithHTTPClient(c *http.Client) Option {
	return func(rc *remoteConfig) error {
		if c == nil {
			return errors.New("jwks: nil HTTP client")
		}
		rc.client = c
		return nil
	}
}

// WithRefreshInterval sets the background refresh interval, used as given
// (down to one second) instead of the TTL of Cache-Control or Expires.
// Default: the response's TTL clamped to [MinCacheTTL, MaxCacheTTL], else
// DefaultRefreshInterval (15 min). A little jitter is taken off each wait so
// that replicas do not fetch in step.
func WithRefreshInterval(d time.Duration) Option {
	return func(rc *remoteConfig) error {
		if d < time.Second {
			return errors.New("jwks: refresh interval must be at least 1s")
		}
		rc.refresh = d
		return nil
	}
}

// WithMinRefreshInterval sets the smallest gap between two fetches that an
// unknown kid triggers (default 10 s, at least 1 s). Within the gap a token
// with an unknown kid is refused without a fetch, so a flood of made-up kids
// cannot hammer the IdP.
func WithMinRefreshInterval(d time.Duration) Option {
	return func(rc *remoteConfig) error {
		if d < time.Second {
			return errors.New("jwks: minimum refresh interval must be at least 1s")
		}
		rc.minRefresh = d
		return nil
	}
}

// WithMaxWait bounds how long a request waits for a key fetch it joined
// (default 2 s); the request's own context may end the wait sooner.
func WithMaxWait(d time.Duration) Option {
	return func(rc *remoteConfig) error {
		if d <= 0 {
			return errors.New("jwks: max wait must be positive")
		}
		rc.maxWait = d
		return nil
	}
}

// WithAlgorithms sets the algorithms keys may be bound to (default
// AsymmetricAlgs). HMAC algorithms are refused: symmetric keys never come
// from a JWKS (RFC 8725 section 3.2).
func WithAlgorithms(algs []Alg) Option {
	return func(rc *remoteConfig) error {
		var out []Alg
		for _, a := range algs {
			if _, ok := ParseAlg(string(a)); !ok {
				return fmt.Errorf("jwks: unsupported algorithm %q", a)
			}
			if !a.IsHMAC() {
				out = append(out, a)
			}
		}
		if len(out) == 0 {
			return errors.New("jwks: no asymmetric algorithm allowed; HMAC keys never come from a JWKS")
		}
		rc.algs = out
		return nil
	}
}

// WithFallbackJWKS names the JWKS URL a Discover source uses when neither
// discovery document can be fetched, such as Auth0's
// "<issuer>/.well-known/jwks.json".
func WithFallbackJWKS(url string) Option {
	return func(rc *remoteConfig) error {
		rc.fallback = url
		return nil
	}
}

// InsecureAllowHTTP lets the source fetch over plain http from hosts other
// than loopback. Keys fetched over plain http can be swapped by anyone on
// the path, which lets them mint tokens. Default: https required, except for
// localhost and loopback addresses. Even with this option a fetch that
// started on https never follows a redirect to plain http, and an https
// issuer's jwks_uri must be https.
func InsecureAllowHTTP() Option {
	return func(rc *remoteConfig) error { rc.insecureURL = true; return nil }
}

// WithLogger sets the logger: failed fetches and dropped keys at warn, an
// issuer whose discovery document names another issuer at error (see
// IssuerMismatch), key-set changes (kids added and removed) at info, a
// fetch cut short by Close at debug. Default: only failed fetches and the
// issuer mismatch are logged, to slog.Default() as it is at the time;
// failed fetches at most once every 5 minutes per source (the record then
// counts the ones held back), a mismatch once when it is found.
func WithLogger(l *slog.Logger) Option {
	return func(rc *remoteConfig) error {
		if l == nil {
			return errors.New("jwks: nil logger")
		}
		rc.logger, rc.logged = l, true
		return nil
	}
}

// WithObserver reports fetches and unknown-kid refreshes to o (metrics).
func WithObserver(o Observer) Option {
	return func(rc *remoteConfig) error {
		if o == nil {
			return errors.New("jwks: nil observer")
		}
		rc.observer = o
		return nil
	}
}

// WithName sets the source's name in logs and observer events. Default:
// the issuer for Discover, the JWKS URL for NewRemote. Names come only from
// configuration, so they are safe as metric labels.
func WithName(name string) Option {
	return func(rc *remoteConfig) error { rc.name = name; return nil }
}
