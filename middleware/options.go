package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// Defaults of a Validator.
const (
	DefaultLeeway       = 60 * time.Second
	DefaultMaxTokenSize = 16 << 10 // 16 KiB
	maxLeeway           = 5 * time.Minute
)

// Option configures a Validator.
type Option func(*config) error

// issuerConfig is one trusted issuer as the Validator uses it: every
// setting filled in (the Validator's own where the issuer has none), so
// that validation reads it without fallbacks. See issuers.go.
type issuerConfig struct {
	issuer string
	keys   jwks.Source
	owned  bool // created by New: closed by Validator.Close

	settings  IssuerConfig // as configured (static) or resolved
	audiences []string
	algs      []jwks.Alg
	// namespaces are the custom-claim namespaces of its tokens.
	namespaces []string
	label      string  // ValidationEvent.Issuer of its tokens
	discovery  string  // the issuer its key source discovers, "" when none
	aliasOf    string  // the issuer it is an alias of (WithIssuerAliases)
	expires    float64 // verified tokens are not cached past it (resolved issuers)
	primary    bool    // the issuer given to New
}

type config struct {
	issuers    []issuerConfig
	audiences  []string
	algs       []jwks.Alg
	leeway     time.Duration
	maxSize    int
	strictType bool
	namespaces []string
	now        func() time.Time
	keyOpts    []jwks.Option
	cacheSize  int
	observer   Observer
	logger     *slog.Logger
	dpop       dpopConfig
	metadata   string // RFC 9728 resource metadata URL
	aliases    []issuerAliases
	resolver   IssuerResolver
	resolving  ResolverSettings
	certBound  bool // WithCertificateBoundTokens

	introspection introspectionConfig
	revocation    Revocation
}

// WithKeys sets the key source of the primary issuer (the one given to New).
// Without it, New discovers the issuer's keys (OIDC discovery, then RFC 8414
// metadata) with jwks.Discover.
func WithKeys(src jwks.Source) Option {
	return func(c *config) error {
		if src == nil {
			return errors.New("middleware: WithKeys given a nil source")
		}
		c.issuers[0].keys = src
		return nil
	}
}

// WithKeyOptions passes options to the jwks.Discover source New creates when
// WithKeys is not given (refresh intervals, HTTP client, logger...).
func WithKeyOptions(opts ...jwks.Option) Option {
	return func(c *config) error {
		c.keyOpts = append(c.keyOpts, opts...)
		return nil
	}
}

// WithIssuer trusts another issuer with its own key source, which the
// caller owns. Keys are bound to their issuer: a key of one issuer never
// verifies a token claiming another. See WithIssuers and WithIssuerConfig.
func WithIssuer(issuer string, src jwks.Source) Option {
	return func(c *config) error {
		if issuer == "" || src == nil {
			return errors.New("middleware: WithIssuer needs an issuer and a key source")
		}
		c.issuers = append(c.issuers, issuerConfig{issuer: issuer, keys: src, settings: IssuerConfig{Keys: src}})
		return nil
	}
}

// WithAudiences accepts more audiences besides the one given to New.
func WithAudiences(aud ...string) Option {
	return func(c *config) error {
		for _, a := range aud {
			if a == "" {
				return errors.New("middleware: empty audience")
			}
		}
		c.audiences = append(c.audiences, aud...)
		return nil
	}
}

// WithAlgorithms sets the algorithm allowlist. The default is every
// asymmetric algorithm (jwks.AsymmetricAlgs): keys are bound to one
// algorithm each, so allowing several cannot mix them up. HS256/384/512 are
// allowed only when listed here and only ever verify with a key made by
// jwks.NewHMACKey (RFC 8725 section 3.1). "none" does not exist here.
func WithAlgorithms(algs ...jwks.Alg) Option {
	return func(c *config) error {
		if len(algs) == 0 {
			return errors.New("middleware: WithAlgorithms needs at least one algorithm")
		}
		for _, a := range algs {
			if _, ok := jwks.ParseAlg(string(a)); !ok {
				return fmt.Errorf("middleware: unsupported algorithm %q", a)
			}
		}
		c.algs = append([]jwks.Alg(nil), algs...)
		return nil
	}
}

// WithLeeway sets the clock skew tolerated on exp, nbf and iat (RFC 7519
// section 4.1.4). Default 60 s; at most 5 minutes.
func WithLeeway(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > maxLeeway {
			return fmt.Errorf("middleware: leeway must be within [0, %s]", maxLeeway)
		}
		c.leeway = d
		return nil
	}
}

// WithMaxTokenSize sets the largest token accepted, in bytes; larger tokens
// are refused before any decoding. Default 16 KiB.
func WithMaxTokenSize(n int) Option {
	return func(c *config) error {
		if n < 64 {
			return errors.New("middleware: max token size must be at least 64 bytes")
		}
		c.maxSize = n
		return nil
	}
}

// WithStrictTokenType requires the RFC 9068 section 4 header typ "at+jwt"
// (or "application/at+jwt"). By default "JWT" and an absent typ are
// accepted too, because Auth0 and others type access tokens "JWT".
func WithStrictTokenType() Option {
	return func(c *config) error { c.strictType = true; return nil }
}

// WithNamespace declares the namespaces of custom claims, Auth0 style
// ("https://myapp.example.com/"), so Custom and DecodeCustom find
// "https://myapp.example.com/favorite_color" by its short name.
func WithNamespace(ns ...string) Option {
	return func(c *config) error {
		for _, n := range ns {
			if n == "" {
				return errors.New("middleware: empty namespace")
			}
		}
		c.namespaces = append(c.namespaces, ns...)
		return nil
	}
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("middleware: nil clock")
		}
		c.now = now
		return nil
	}
}

func checkIssuer(iss string) error {
	if iss == "" {
		return errors.New("middleware: an issuer is required")
	}
	if strings.TrimSpace(iss) != iss {
		return fmt.Errorf("middleware: issuer %q has surrounding spaces", iss)
	}
	return nil
}

// WithTokenCache sets how many verified tokens the Validator remembers so
// that a repeated token skips the signature check. Default
// DefaultCacheSize; 0 turns the cache off. A cached token is compared in
// full (never by hash alone), never outlives its exp (plus leeway), and is
// forgotten as soon as the key that verified it leaves its issuer's key set.
// Every other check depends only on the token, so a cached answer is the
// answer Validate would give. Claims returned from the cache are shared:
// treat Claims as read-only.
func WithTokenCache(size int) Option {
	return func(c *config) error {
		if size < 0 || size > 1<<20 {
			return errors.New("middleware: token cache size must be within [0, 1048576]")
		}
		c.cacheSize = size
		return nil
	}
}
