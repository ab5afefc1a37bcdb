package introspect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/internal/jose"
)

// Client validates opaque access tokens at an RFC 7662 introspection
// endpoint, with a cache, single flight and flood limits. Create it with
// New; it is safe for concurrent use and starts no goroutines.
type Client struct {
	cfg    Config
	policy policy
	opts   *options
	client *http.Client
	obs    Observer
	basic  string // the Authorization header for ClientSecretBasic

	endpoint atomic.Pointer[string]
	disc     chan struct{} // one discovery at a time; guards discErr, discAt
	discErr  *Error
	discAt   time.Time

	keys   keyer
	cache  *cache
	gen    atomic.Uint64 // bumped by Invalidate and Purge
	bucket *bucket
	sem    chan struct{}
	shared *shared // nil without WithSharedCache
}

// New checks cfg and returns a Client. It does no I/O: with an empty
// Config.Endpoint, discovery happens on the first Introspect.
func New(cfg Config, opts ...Option) (*Client, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := checkIssuer(cfg.Issuer, o.insecure); err != nil {
		return nil, err
	}
	c := &Client{
		opts:   o,
		client: o.httpClient(),
		obs:    o.observer,
		disc:   make(chan struct{}, 1),
		keys:   newKeyer(),
		cache:  newCache(o.cacheSize),
		bucket: newBucket(o.rate, o.burst),
		sem:    make(chan struct{}, o.concurrency),
	}
	if cfg.Endpoint != "" {
		if err := checkURL(cfg.Endpoint, o.insecure); err != nil {
			return nil, fmt.Errorf("introspect: endpoint: %w", err)
		}
		ep := cfg.Endpoint
		c.endpoint.Store(&ep)
	}
	switch cfg.AuthMethod {
	case "", ClientSecretBasic, ClientSecretPost:
		if cfg.AuthMethod == "" {
			cfg.AuthMethod = ClientSecretBasic
		}
		if cfg.ClientID == "" || cfg.ClientSecret == "" {
			return nil, fmt.Errorf("introspect: %s needs a ClientID and a ClientSecret", cfg.AuthMethod)
		}
	case NoClientAuth:
		if cfg.ClientID != "" || cfg.ClientSecret != "" {
			return nil, errors.New("introspect: NoClientAuth with client credentials; use ClientSecretBasic or ClientSecretPost to send them")
		}
	default:
		return nil, fmt.Errorf("introspect: unsupported client authentication method %q", cfg.AuthMethod)
	}
	if cfg.AuthMethod == ClientSecretBasic {
		// RFC 6749 section 2.3.1: both are form-urlencoded (Appendix B)
		// before they are joined and base64-encoded.
		c.basic = "Basic " + base64.StdEncoding.EncodeToString(
			[]byte(url.QueryEscape(cfg.ClientID)+":"+url.QueryEscape(cfg.ClientSecret)))
	}
	if len(cfg.Audiences) == 0 || slices.Contains(cfg.Audiences, "") {
		return nil, errors.New("introspect: Audiences must name this API (at least one, none empty)")
	}
	cfg.Audiences = slices.Clone(cfg.Audiences)
	switch {
	case cfg.Leeway < 0 || cfg.Leeway > maxLeeway:
		return nil, fmt.Errorf("introspect: leeway must be within [0, %s]", maxLeeway)
	case cfg.Leeway == 0:
		cfg.Leeway = DefaultLeeway
	}
	c.cfg = cfg
	if o.shared != nil {
		c.shared = newShared(o.shared, o.sharedSecret, &c.cfg)
	}
	c.policy = policy{
		issuer:     cfg.Issuer,
		audiences:  cfg.Audiences,
		allowNoAud: cfg.AllowMissingAudience,
		leeway:     cfg.Leeway,
	}
	return c, nil
}

// errMalformedToken is shared: a refusal that costs nothing.
var errMalformedToken = refused(KindMalformedToken, "the token is empty, longer than 4 KiB or not an RFC 6750 b64token")

// Introspect returns the answer for an access token, from the cache or
// from the endpoint, when the token is active and passes every check;
// otherwise an *Error that wraps ErrInactive (refuse the token: 401) or
// ErrUnavailable (no answer: 503, never accept). Concurrent calls for one
// token that misses the cache make one request. The Result and the error
// may be shared with other callers: do not modify them.
func (c *Client) Introspect(ctx context.Context, token string) (*Result, error) {
	if !validToken(token) {
		return nil, errMalformedToken
	}
	k := c.keys.key(token)
	s := c.cache.shard(k)
	reported := false
	for {
		now := c.opts.now().UnixNano()
		s.mu.Lock()
		if e := s.getLocked(k, now); e != nil {
			res, err := e.res, e.err
			s.mu.Unlock()
			if c.obs != nil {
				c.obs.CacheLookup(true, kindOf(err))
			}
			return outcome(res, err)
		}
		cl := s.calls[k]
		leader := cl == nil
		if leader {
			cl = &call{done: make(chan struct{})}
			s.calls[k] = cl
		}
		gen := c.gen.Load()
		s.mu.Unlock()
		if c.obs != nil && !reported && !s.disabled {
			c.obs.CacheLookup(false, "")
		}
		reported = true
		if leader {
			return c.lead(ctx, token, k, s, cl, gen)
		}
		select {
		case <-cl.done:
			if cl.retry && ctx.Err() == nil {
				continue // the leader gave up; ask again
			}
			return outcome(cl.res, cl.err)
		case <-ctx.Done():
			return nil, unavailable(KindUnavailable, "the request ended while waiting for the introspection answer", ctx.Err())
		}
	}
}

// lead makes the request for a call and hands the outcome to everyone
// waiting for it, caching it when allowed.
func (c *Client) lead(ctx context.Context, token string, k cacheKey, s *shard, cl *call, gen uint64) (*Result, error) {
	var (
		res *Result
		e   *Error
		// capUntil is when the shared cache's entry dies, when the
		// outcome came from it: the local copy dies then too.
		capUntil int64
	)
	defer func() {
		if res == nil && e == nil { // a panic below
			e = unavailable(KindUnavailable, "introspection failed", nil)
		}
		now := c.opts.now()
		s.mu.Lock()
		delete(s.calls, k)
		until := lifetime(res, e, now, c.opts.positiveTTL, c.opts.negativeTTL)
		if capUntil != 0 {
			until = min(until, capUntil)
		}
		if until != 0 && c.gen.Load() == gen {
			cost := 512
			if res != nil {
				cost = entryCost(len(res.raw))
			}
			s.putLocked(&entry{key: k, res: res, err: e, until: until, cost: cost})
		}
		s.mu.Unlock()
		cl.res, cl.err = res, e
		// When the leader's own context ended, its failure says nothing
		// about the token: the others ask again.
		cl.retry = e != nil && e.category == ErrUnavailable && ctx.Err() != nil
		close(cl.done)
	}()
	if c.shared != nil {
		var hit bool
		if res, e, capUntil, hit = c.shared.get(ctx, token, &c.policy, c.opts.now(), c.obs); hit {
			return outcome(res, e)
		}
	}
	res, e = c.fetch(ctx, token)
	if c.shared != nil {
		now := c.opts.now()
		c.shared.set(ctx, token, res, e, lifetime(res, e, now, c.opts.positiveTTL, c.opts.negativeTTL), now)
	}
	return outcome(res, e)
}

// fetch asks the endpoint, within the flood limits, and checks the answer.
func (c *Client) fetch(ctx context.Context, token string) (*Result, *Error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.timeout)
	defer cancel()
	discoverStart := time.Now()
	ep, e := c.endpointURL(ctx)
	if e != nil {
		if c.obs != nil {
			c.obs.Introspected(RequestEvent{Issuer: c.cfg.Issuer, Kind: e.Kind, Duration: time.Since(discoverStart)})
		}
		return nil, e
	}
	if ok, wait := c.bucket.take(c.opts.now()); !ok {
		return nil, c.rateLimited("more introspection requests than the rate limit allows", wait)
	}
	select {
	case c.sem <- struct{}{}:
	default:
		select {
		case c.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, c.rateLimited("too many introspection requests in flight", time.Second)
		}
	}
	defer func() { <-c.sem }()
	start := time.Now()
	res, e, status := c.post(ctx, ep, token)
	if e == nil {
		if e = c.policy.check(res, c.opts.now()); e != nil {
			res = nil
		}
	}
	if c.obs != nil {
		c.obs.Introspected(RequestEvent{Issuer: c.cfg.Issuer, Kind: kindOf(e), StatusCode: status, Duration: time.Since(start)})
	}
	return res, e
}

func (c *Client) rateLimited(desc string, wait time.Duration) *Error {
	if c.obs != nil {
		c.obs.RateLimited(c.cfg.Issuer)
	}
	e := unavailable(KindRateLimited, desc, nil)
	e.RetryAfter = max((wait + time.Second - 1).Truncate(time.Second), time.Second)
	return e
}

// endpointURL returns the configured endpoint, or discovers it (one
// discovery at a time; after a failure, none for discoveryRetry).
func (c *Client) endpointURL(ctx context.Context) (string, *Error) {
	if p := c.endpoint.Load(); p != nil {
		return *p, nil
	}
	select {
	case c.disc <- struct{}{}:
	case <-ctx.Done():
		return "", unavailable(KindDiscovery, "timed out waiting for the discovery of the introspection endpoint", ctx.Err())
	}
	defer func() { <-c.disc }()
	if p := c.endpoint.Load(); p != nil {
		return *p, nil
	}
	now := c.opts.now()
	if c.discErr != nil && now.Sub(c.discAt) < discoveryRetry {
		return "", c.discErr
	}
	ep, err := discover(ctx, c.client, c.cfg.Issuer, c.opts.insecure)
	if err != nil {
		e := unavailable(KindDiscovery, "discovering the introspection endpoint: "+err.Error(), err)
		if ctx.Err() == nil { // a failure of the issuer, not of this caller
			c.discErr, c.discAt = e, now
		}
		return "", e
	}
	c.endpoint.Store(&ep)
	return ep, nil
}

// Invalidate forgets the cached answer for token, for a revocation hook
// (RFC 7009): the next Introspect asks the endpoint. A request already in
// flight for it is not cached. With WithSharedCache it deletes the shared
// entry too (waiting up to 100 ms for it); other replicas may answer from
// their local caches until those entries die (positiveTTL at most).
func (c *Client) Invalidate(token string) {
	if !validToken(token) {
		return
	}
	c.gen.Add(1)
	c.cache.remove(c.keys.key(token))
	if c.shared != nil {
		c.shared.delete(token)
	}
}

// Purge forgets every answer of the local cache (not the shared one,
// WithSharedCache).
func (c *Client) Purge() {
	c.gen.Add(1)
	c.cache.purge()
}

// CloseIdleConnections closes the idle keep-alive connections to the
// endpoint (at shutdown). The Client stays usable.
func (c *Client) CloseIdleConnections() { c.client.CloseIdleConnections() }

// outcome turns a nil *Error into a nil error.
func outcome(res *Result, e *Error) (*Result, error) {
	if e != nil {
		return nil, e
	}
	return res, nil
}

func kindOf(e *Error) Kind {
	if e == nil {
		return ""
	}
	return e.Kind
}

// validToken checks the length and RFC 6750 section 2.1 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func validToken(s string) bool {
	return len(s) > 0 && len(s) <= MaxTokenBytes && jose.IsB64Token(s)
}
