package jwks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of a Remote source besides ErrUnavailable.
var (
	// ErrClosed: the source was closed.
	ErrClosed = errors.New("jwks: source closed")
	// ErrRateLimited: an unknown kid asked for a fetch within
	// WithMinRefreshInterval of the previous one; no fetch was made.
	ErrRateLimited = errors.New("jwks: unknown-kid refresh rate limited")
	// ErrWaitTimeout: a request stopped waiting for a fetch after
	// WithMaxWait; the fetch goes on in the background.
	ErrWaitTimeout = errors.New("jwks: timed out waiting for keys")
)

// Remote is a key source backed by a JWKS URL (NewRemote) or an issuer's
// discovery document (Discover). It fetches in the background and never
// blocks construction; requests read the current set with one atomic load.
//
//   - Refresh ahead of expiry: every WithRefreshInterval, else the TTL of
//     Cache-Control max-age / Expires clamped to [1 min, 24 h], else 15 min,
//     with a little jitter; ETag / If-None-Match are honoured.
//   - A successful fetch replaces the whole set, so a removed key is revoked.
//     A fetch that fails, or yields no usable key, keeps the previous set
//     (stale-if-error) and is retried with exponential backoff.
//   - An unknown kid triggers one fetch shared by every waiting request
//     (single flight), at most one per WithMinRefreshInterval; requests wait
//     no longer than their context and WithMaxWait.
//   - Bodies over MaxDocumentBytes and documents over MaxKeys are failed
//     fetches; https is required except on loopback (InsecureAllowHTTP).
//
// Close stops every goroutine. A Remote is safe for concurrent use.
type Remote struct {
	cfg    *remoteConfig
	name   string
	url    string // the JWKS URL; for Discover, set once discovery succeeds
	issuer string // Discover only

	set         atomic.Pointer[Set]
	lastSuccess atomic.Int64 // unix nanoseconds
	lastErr     atomic.Pointer[error]
	etag        string // owned by the fetch in flight (one at a time)

	mismatch atomic.Pointer[string] // see IssuerMismatch
	// Without WithLogger, problems go to slog.Default at most once per
	// defaultLogInterval: the time of the last record (unix nanoseconds)
	// and how many were held back since.
	defaultLogged atomic.Int64
	heldBack      atomic.Int64

	mu       sync.Mutex
	inflight *fetchCall
	lastMiss time.Time
	closed   bool

	ready     chan struct{}
	readyOnce sync.Once
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type fetchCall struct {
	done chan struct{}
	err  error
	ttl  time.Duration
}

// NewRemote returns a source for the JWK Set at jwksURL and starts fetching
// it in the background. It fails only on configuration errors (a bad URL,
// plain http to a host that is not loopback, an invalid option).
func NewRemote(jwksURL string, opts ...Option) (*Remote, error) {
	cfg, err := newRemoteConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := checkURL(jwksURL, cfg.insecureURL); err != nil {
		return nil, err
	}
	r := newRemote(cfg, jwksURL)
	r.url = jwksURL
	r.start()
	return r, nil
}

func newRemote(cfg *remoteConfig, defaultName string) *Remote {
	name := cfg.name
	if name == "" {
		name = defaultName
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Remote{cfg: cfg, name: name, ready: make(chan struct{}), ctx: ctx, cancel: cancel}
}

// start begins the first fetch before returning, so that a request
// arriving at once joins it instead of spending the unknown-kid rate limit
// on a fetch of its own.
func (r *Remote) start() {
	r.mu.Lock()
	first := r.startLocked(TriggerInitial)
	r.mu.Unlock()
	r.wg.Add(1)
	go r.run(first)
}

// Keys returns the current set, or nil before the first successful fetch.
func (r *Remote) Keys() *Set { return r.set.Load() }

// Name returns the source's name (see WithName).
func (r *Remote) Name() string { return r.name }

// Ready reports whether the source has a usable key set and, for a
// Discover source, no IssuerMismatch: keys that verify tokens of an issuer
// the validator is not configured with serve no request.
func (r *Remote) Ready() bool {
	_, mismatch := r.IssuerMismatch()
	return r.Keys().Len() > 0 && !mismatch
}

// LastSuccess returns when keys were last fetched (or confirmed by a 304)
// successfully; zero before the first success.
func (r *Remote) LastSuccess() time.Time {
	if n := r.lastSuccess.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Prime waits until the source has keys or ctx ends. Services that would
// rather not answer 503 at start call it before listening.
func (r *Remote) Prime(ctx context.Context) error {
	select {
	case <-r.ready:
		return nil
	case <-ctx.Done():
		if p := r.lastErr.Load(); p != nil {
			return fmt.Errorf("%w: %w", ErrUnavailable, *p)
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// Close stops the background refresh and any fetch in flight and waits for
// their goroutines. Keys keeps returning the last set.
func (r *Remote) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		r.cancel()
		r.wg.Wait()
	})
	return nil
}

// Refresh is called by the validator when a token that passed the cheap
// checks names a kid the current set lacks (or there are no keys yet). It
// joins the fetch in flight or starts one unless the previous unknown-kid
// fetch was less than WithMinRefreshInterval ago, and waits for it no longer
// than ctx and WithMaxWait. It returns the newest set in every case.
func (r *Remote) Refresh(ctx context.Context, kid string) (*Set, error) {
	if set := r.Keys(); set.Len() > 0 {
		if _, ok := set.Lookup(kid); ok {
			return set, nil
		}
	}
	t := time.NewTimer(r.cfg.maxWait)
	defer t.Stop()
	// A fetch already in flight may have started before kid was published
	// (a scheduled refresh, or another token's miss): when it comes back
	// without kid, one fetch of our own follows, rate limit permitting.
	for round, own := 0, false; !own; round++ {
		r.mu.Lock()
		c := r.inflight
		if c == nil {
			switch {
			case r.closed:
				r.mu.Unlock()
				return r.Keys(), ErrClosed
			case !r.lastMiss.IsZero() && time.Since(r.lastMiss) < r.cfg.minRefresh:
				r.mu.Unlock()
				r.observeMiss(true)
				return r.Keys(), ErrRateLimited
			}
			r.lastMiss = time.Now()
			c, own = r.startLocked(TriggerUnknownKID), true
		}
		r.mu.Unlock()
		if round == 0 || own {
			r.observeMiss(false)
		}
		select {
		case <-c.done:
		case <-ctx.Done():
			return r.Keys(), ctx.Err()
		case <-t.C:
			return r.Keys(), ErrWaitTimeout
		}
		set := r.Keys()
		if _, ok := set.Lookup(kid); ok || c.err != nil {
			return set, c.err
		}
	}
	return r.Keys(), nil
}

func (r *Remote) observeMiss(refused bool) {
	if r.cfg.observer != nil {
		r.cfg.observer.UnknownKIDRefresh(r.name, refused)
	}
}

// startLocked returns the fetch in flight or starts one; r.mu is held.
func (r *Remote) startLocked(trigger Trigger) *fetchCall {
	if r.inflight != nil {
		return r.inflight
	}
	c := &fetchCall{done: make(chan struct{})}
	if r.closed {
		c.err = ErrClosed
		close(c.done)
		return c
	}
	r.inflight = c
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		c.ttl, c.err = r.fetch(trigger)
		r.mu.Lock()
		r.inflight = nil
		r.mu.Unlock()
		if c.err == nil {
			// After inflight is cleared: once Prime returns, the next
			// unknown kid starts a fetch of its own.
			r.readyOnce.Do(func() { close(r.ready) })
		}
		close(c.done)
	}()
	return c
}

// run is the background refresh loop.
func (r *Remote) run(c *fetchCall) {
	defer r.wg.Done()
	backoff := time.Second
	for {
		select {
		case <-c.done:
		case <-r.ctx.Done():
			return
		}
		var wait time.Duration
		if c.err == nil {
			wait, backoff = jitter(c.ttl), time.Second
		} else {
			wait = backoff
			backoff = min(2*backoff, r.backoffCap())
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.ctx.Done():
			t.Stop()
			return
		}
		r.mu.Lock()
		c = r.startLocked(TriggerScheduled)
		r.mu.Unlock()
	}
}

// backoffCap keeps retries frequent while there are no keys at all, and
// never slower than the refresh interval.
func (r *Remote) backoffCap() time.Duration {
	c := maxBackoff
	if r.cfg.refresh > 0 {
		c = min(c, r.cfg.refresh)
	}
	if r.Keys().Len() == 0 {
		c = min(c, 30*time.Second)
	}
	return c
}

// jitter takes up to 10% off d so that replicas spread their fetches.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultRefreshInterval
	}
	return d - time.Duration(rand.Int64N(int64(d)/10+1))
}

// fetch loads the key set once and publishes it; it returns the TTL of the
// answer. Only one fetch runs at a time (startLocked).
func (r *Remote) fetch(trigger Trigger) (time.Duration, error) {
	start := time.Now()
	ev := FetchEvent{Source: r.name, Trigger: trigger}
	ttl, err := r.load(&ev)
	ev.Duration = time.Since(start)
	ev.Err = err
	ev.Keys = r.Keys().Len()
	switch {
	case err != nil && r.ctx.Err() != nil:
		// Close cancelled the fetch: the IdP did nothing wrong.
		r.lastErr.Store(&err)
		r.cfg.logger.Debug("jwks: fetch stopped by Close", "source", r.name, "trigger", string(trigger))
	case err != nil && ev.Keys == 0:
		r.lastErr.Store(&err)
		r.report(slog.LevelWarn, false, "jwks: key fetch failed; there are no keys yet, so no token can be verified until a fetch succeeds",
			"source", r.name, "trigger", string(trigger), "error", err)
	case err != nil:
		r.lastErr.Store(&err)
		r.report(slog.LevelWarn, false, "jwks: key refresh failed; keeping the previous keys",
			"source", r.name, "trigger", string(trigger), "error", err,
			"keys", ev.Keys, "last_success", r.LastSuccess())
	default:
		r.lastSuccess.Store(time.Now().UnixNano())
		if len(ev.Added) > 0 || len(ev.Removed) > 0 {
			r.cfg.logger.Info("jwks: key set changed", "source", r.name,
				"added", ev.Added, "removed", ev.Removed, "keys", ev.Keys)
		}
	}
	if r.cfg.observer != nil {
		r.cfg.observer.KeysFetched(ev)
	}
	return ttl, err
}

// load fetches, parses and publishes the set.
func (r *Remote) load(ev *FetchEvent) (time.Duration, error) {
	url, err := r.jwksURL()
	if err != nil {
		return 0, err
	}
	old := r.Keys()
	etag := ""
	if old != nil {
		etag = r.etag
	}
	res, err := get(r.ctx, r.cfg.client, url, etag, "application/jwk-set+json, application/json")
	if err != nil {
		return 0, err
	}
	ttl := r.ttl(res)
	if res.notModified {
		ev.NotModified = true
		return ttl, nil
	}
	set, err := ParseJWKS(res.body, r.cfg.algs)
	if err != nil {
		return 0, err
	}
	for _, d := range set.Dropped() {
		r.cfg.logger.Warn("jwks: key dropped", "source", r.name, "reason", d.Error())
	}
	if set.Len() == 0 {
		// Never replace usable keys with none: an empty or all-garbage
		// document is a failed fetch.
		return 0, fmt.Errorf("%w: no usable key in the document (%d dropped)", ErrMalformedDocument, len(set.Dropped()))
	}
	r.etag = res.etag
	ev.Added, ev.Removed = diffKIDs(old, set)
	r.set.Store(set)
	return ttl, nil
}

func (r *Remote) ttl(res *response) time.Duration {
	if r.cfg.refresh > 0 {
		return r.cfg.refresh
	}
	if d, ok := res.cacheTTL(time.Now()); ok {
		return min(max(d, MinCacheTTL), MaxCacheTTL)
	}
	return DefaultRefreshInterval
}

// diffKIDs lists the kids of next missing from prev, and the reverse.
func diffKIDs(prev, next *Set) (added, removed []string) {
	has := func(s *Set, kid string) bool {
		if s == nil {
			return false
		}
		_, ok := s.byKID[kid]
		return ok
	}
	for _, k := range next.KIDs() {
		if !has(prev, k) {
			added = append(added, k)
		}
	}
	for _, k := range prev.KIDs() {
		if !has(next, k) {
			removed = append(removed, k)
		}
	}
	return added, removed
}

// defaultLogInterval is how often, at most, a source without WithLogger
// reports a failed fetch to slog.Default.
const defaultLogInterval = 5 * time.Minute

// report logs a problem: to the WithLogger logger every time; without
// one, to slog.Default (read at each call), at most once per
// defaultLogInterval, with the number of problems held back since the
// previous record. urgent problems (a newly found issuer mismatch, itself
// reported once per change) skip that limit.
func (r *Remote) report(level slog.Level, urgent bool, msg string, args ...any) {
	if r.cfg.logged {
		r.cfg.logger.Log(context.Background(), level, msg, args...)
		return
	}
	now := time.Now().UnixNano()
	last := r.defaultLogged.Load()
	if !urgent && last != 0 && now-last < int64(defaultLogInterval) || !r.defaultLogged.CompareAndSwap(last, now) {
		r.heldBack.Add(1)
		return
	}
	if n := r.heldBack.Swap(0); n > 0 {
		args = append(args, "held_back", n)
	}
	slog.Default().Log(context.Background(), level, msg, args...)
}
