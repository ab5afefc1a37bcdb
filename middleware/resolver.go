package middleware

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// IssuerResolver maps the iss of a token to the configuration of an issuer
// this API trusts, for APIs that serve more tenants than can be listed at
// start (one authorization server, realm or Auth0 tenant per customer). It
// returns an error wrapping ErrIssuerNotTrusted for any other iss; any other
// error means it could not decide (its database is down, say).
//
// iss is read from the token before its signature is verified: anyone can
// write any iss. The resolver must therefore return a configuration only
// for an issuer the API already trusts, looked up exactly (say, in the
// API's own tenant database), and build the configuration (JWKSURL,
// DiscoveryIssuer) from what it knows, never from iss. A resolver that
// accepts a pattern, such as every "https://*.auth0.com/", lets anyone who
// opens a tenant matching it mint tokens this API accepts: the signature
// then only proves that the token comes from the issuer it names.
//
// The Validator asks the resolver only about issuers that are not
// configured, and only for tokens that pass every check that does not
// depend on the issuer: size, format, header, algorithm allowlist, token
// kind, exp, nbf and iat. It remembers the answers (see ResolverSettings),
// so the resolver is called about once per issuer and Recheck, and once per
// refused issuer and RefusalTTL; calls for the same iss are merged. A token
// naming an issuer the resolver refuses makes no network request and
// creates nothing, but a flood of tokens each naming a new iss calls the
// resolver once per token: it must be cheap and must never block for long
// (ctx is the request's).
type IssuerResolver func(ctx context.Context, iss string) (IssuerConfig, error)

// ErrIssuerNotTrusted is what an IssuerResolver returns, wrapped or not,
// for an issuer the API does not trust; the token is refused with
// ReasonIssuer (401 invalid_token). Any other error of a resolver refuses
// the token with ErrKeysUnavailable (503): fail closed, but say that the
// server is at fault.
var ErrIssuerNotTrusted = errors.New("middleware: issuer not trusted")

// Defaults of ResolverSettings.
const (
	DefaultMaxResolvedIssuers  = 100
	DefaultResolvedIdleTimeout = time.Hour
	DefaultResolverRecheck     = 10 * time.Minute
	DefaultResolverRefusalTTL  = time.Minute
	// maxRefusals bounds the refusals remembered; they are kept as 64-bit
	// hashes, so a flood of long made-up issuers costs no memory.
	maxRefusals = 4096
	// resolverRetry is how soon a resolver that failed is asked again
	// about an issuer it trusted before (whose answer is kept meanwhile).
	resolverRetry = 10 * time.Second
)

// ResolverSettings bound what a resolver creates. Zero fields take the
// defaults.
type ResolverSettings struct {
	// MaxIssuers is how many resolved issuers, and so key sources at
	// most, are kept at once; the least recently used is closed to make
	// room. Default DefaultMaxResolvedIssuers.
	MaxIssuers int
	// IdleTimeout closes the key source of an issuer none of whose tokens
	// was validated for that long (tokens answered from the verified-token
	// cache do not count). Default DefaultResolvedIdleTimeout.
	IdleTimeout time.Duration
	// Recheck is how long an answer of the resolver is used before the
	// resolver is asked again, so that a tenant removed from its database
	// is refused within Recheck: verified tokens of a resolved issuer are
	// not cached longer either. While the resolver fails, its last answer
	// is kept. Default DefaultResolverRecheck.
	Recheck time.Duration
	// RefusalTTL is how long a refusal (ErrIssuerNotTrusted) is remembered.
	// Default DefaultResolverRefusalTTL.
	RefusalTTL time.Duration
}

// WithIssuerResolver trusts, besides the configured issuers, the issuers r
// names (see IssuerResolver). Their key sources are created on first use
// with WithKeyOptions, kept within ResolverSettings, and stopped when
// evicted and by Validator.Close; they never hold back Ready. With a
// resolver, the issuer given to New may be "".
//
// Metrics name a resolved issuer ResolvedIssuerLabel, or its
// IssuerConfig.Label: the ValidationEvent, and the jwks.Observer events of
// its key source when the observer of WithObserver is also a jwks.Observer
// (a jwks.WithObserver among WithKeyOptions sees its issuer instead).
func WithIssuerResolver(r IssuerResolver) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("middleware: nil issuer resolver")
		}
		c.resolver = r
		return nil
	}
}

// WithResolverSettings sets the bounds of WithIssuerResolver.
func WithResolverSettings(s ResolverSettings) Option {
	return func(c *config) error {
		switch {
		case s.MaxIssuers < 0 || s.MaxIssuers > 1<<16:
			return errors.New("middleware: ResolverSettings.MaxIssuers must be within [0, 65536]")
		case s.IdleTimeout != 0 && s.IdleTimeout < time.Second:
			return errors.New("middleware: ResolverSettings.IdleTimeout must be at least 1s")
		case s.Recheck != 0 && s.Recheck < time.Second:
			return errors.New("middleware: ResolverSettings.Recheck must be at least 1s")
		case s.RefusalTTL < 0:
			return errors.New("middleware: ResolverSettings.RefusalTTL must not be negative")
		}
		c.resolving = s
		return nil
	}
}

// resolver keeps the issuers an IssuerResolver named: an LRU of resolved
// issuers, each holding a reference to a key source shared by the issuers
// with the same key settings, and a bounded memory of refusals. A janitor
// goroutine, running only while it holds issuers and stopped by close,
// closes idle ones.
type resolver struct {
	fn      IssuerResolver
	cfg     *config
	trusted []string // the configured issuers, for hints
	max     int
	idle    float64 // seconds, like every time here: the Validator's clock
	recheck float64
	refusal float64
	tick    time.Duration
	logged  atomic.Int64 // unix nanoseconds of the last logged failure

	mu       sync.Mutex
	entries  map[string]*resolvedIssuer
	lru      list.List // of *resolvedIssuer, most recently used first
	sources  map[sourceKey]*sharedSource
	refused  map[uint64]float64 // hash of iss -> until
	seed     maphash.Seed
	inflight map[string]*resolveCall
	closed   bool
	running  bool // the janitor
	stop     chan struct{}
	wg       sync.WaitGroup
}

// resolvedIssuer is one issuer the resolver named. It is the key source of
// its issuerConfig: a view of the shared source that goes dark (no keys)
// once the issuer is evicted, so that the verified-token cache forgets its
// tokens at once.
type resolvedIssuer struct {
	ic       issuerConfig // immutable; ic.keys is the resolvedIssuer
	shared   *sharedSource
	lastUsed float64 // under resolver.mu
	elem     *list.Element
	dead     atomic.Bool
}

// sharedSource is a key source and the number of resolved issuers using it.
type sharedSource struct {
	src       jwks.Source
	owned     bool // created here: closed when the last user goes
	keyed     bool // in resolver.sources under key
	key       sourceKey
	discovery string
	refs      int
}

type resolveCall struct {
	done chan struct{}
	ic   *issuerConfig
	err  *Error
}

func (c *config) newResolver() *resolver {
	if c.resolver == nil {
		return nil
	}
	s := c.resolving
	r := &resolver{
		fn:       c.resolver,
		cfg:      c,
		max:      s.MaxIssuers,
		idle:     s.IdleTimeout.Seconds(),
		recheck:  s.Recheck.Seconds(),
		refusal:  s.RefusalTTL.Seconds(),
		entries:  map[string]*resolvedIssuer{},
		sources:  map[sourceKey]*sharedSource{},
		refused:  map[uint64]float64{},
		seed:     maphash.MakeSeed(),
		inflight: map[string]*resolveCall{},
		stop:     make(chan struct{}),
	}
	for _, ic := range c.issuers {
		r.trusted = append(r.trusted, ic.issuer)
	}
	if r.max == 0 {
		r.max = DefaultMaxResolvedIssuers
	}
	if r.idle == 0 {
		r.idle = DefaultResolvedIdleTimeout.Seconds()
	}
	if r.recheck == 0 {
		r.recheck = DefaultResolverRecheck.Seconds()
	}
	if s.RefusalTTL == 0 {
		r.refusal = DefaultResolverRefusalTTL.Seconds()
	}
	r.tick = min(max(time.Duration(r.idle*float64(time.Second))/4, time.Second), time.Minute)
	return r
}

func (r *resolver) nowSeconds() float64 {
	now := r.cfg.now()
	return float64(now.Unix()) + float64(now.Nanosecond())/1e9
}

// issuer returns the configuration of iss, asking the resolver when it
// has no current answer.
func (r *resolver) issuer(ctx context.Context, iss string, now float64) (*issuerConfig, *Error) {
	if iss == "" {
		return nil, untrustedIssuer(iss, r.trusted)
	}
	r.mu.Lock()
	if e := r.entries[iss]; e != nil && now < e.ic.expires {
		e.lastUsed = now
		r.lru.MoveToFront(e.elem)
		r.mu.Unlock()
		return &e.ic, nil
	}
	h := maphash.String(r.seed, iss)
	if until, ok := r.refused[h]; ok {
		if now < until {
			r.mu.Unlock()
			return nil, untrustedIssuer(iss, r.trusted)
		}
		delete(r.refused, h)
	}
	if c := r.inflight[iss]; c != nil {
		r.mu.Unlock()
		select {
		case <-c.done:
			return c.ic, c.err
		case <-ctx.Done():
			return nil, resolverUnavailable(ctx.Err())
		}
	}
	if r.closed {
		r.mu.Unlock()
		return nil, resolverUnavailable(jwks.ErrClosed)
	}
	iss = strings.Clone(iss) // a view of the token's buffer until now
	c := &resolveCall{done: make(chan struct{})}
	r.inflight[iss] = c
	r.mu.Unlock()

	answered := false
	defer func() {
		if !answered { // the resolver panicked: free the requests waiting, then panic on
			r.mu.Lock()
			delete(r.inflight, iss)
			c.err = resolverUnavailable(errors.New("middleware: the issuer resolver panicked"))
			r.mu.Unlock()
			close(c.done)
		}
	}()
	cfg, err := r.fn(ctx, iss)
	answered = true

	r.mu.Lock()
	delete(r.inflight, iss)
	var closers []io.Closer
	c.ic, c.err, closers = r.settleLocked(iss, cfg, err, now)
	r.mu.Unlock()
	close(c.done)
	closeAll(closers)
	return c.ic, c.err
}

// settleLocked records the resolver's answer about iss and returns the
// issuer's configuration, or the token's error, and the sources to close
// once r.mu is released.
func (r *resolver) settleLocked(iss string, cfg IssuerConfig, err error, now float64) (*issuerConfig, *Error, []io.Closer) {
	if r.closed {
		return nil, resolverUnavailable(jwks.ErrClosed), nil
	}
	old := r.entries[iss]
	if errors.Is(err, ErrIssuerNotTrusted) {
		if r.refusal > 0 {
			if len(r.refused) >= maxRefusals {
				for h := range r.refused { // any one: map order is random
					delete(r.refused, h)
					break
				}
			}
			r.refused[maphash.String(r.seed, iss)] = now + r.refusal
		}
		var closers []io.Closer
		if old != nil {
			closers = r.removeLocked(old)
		}
		return nil, untrustedIssuer(iss, r.trusted), closers
	}
	var e *resolvedIssuer
	if err == nil {
		if e, err = r.addLocked(iss, cfg, now, r.recheck); err != nil {
			err = fmt.Errorf("middleware: resolver: issuer %q: %w", iss, err)
		}
	} else {
		err = fmt.Errorf("middleware: resolver: issuer %q: %w", iss, err)
	}
	if err != nil {
		r.log(err, old != nil)
		if old == nil {
			return nil, resolverUnavailable(err), nil
		}
		// Keep the previous answer while the resolver fails, and ask
		// again soon.
		if e, err = r.addLocked(iss, old.ic.settings, now, min(r.recheck, resolverRetry.Seconds())); err != nil {
			return nil, resolverUnavailable(err), r.removeLocked(old)
		}
	}
	var closers []io.Closer
	if old != nil {
		closers = r.removeLocked(old)
	}
	for r.lru.Len() > r.max {
		closers = append(closers, r.removeLocked(r.lru.Back().Value.(*resolvedIssuer))...)
	}
	return &e.ic, nil, closers
}

// addLocked makes iss a resolved issuer with settings cfg for ttl seconds,
// sharing the key source of any issuer with the same key settings. It
// replaces the entry of iss in the map, not in the LRU: the caller removes
// the previous one.
func (r *resolver) addLocked(iss string, cfg IssuerConfig, now, ttl float64) (*resolvedIssuer, error) {
	e := &resolvedIssuer{ic: issuerConfig{issuer: iss, settings: cfg}, lastUsed: now}
	if err := r.cfg.fill(&e.ic, ResolvedIssuerLabel); err != nil {
		return nil, err
	}
	s, err := r.sourceLocked(&e.ic)
	if err != nil {
		return nil, err
	}
	s.refs++
	e.shared = s
	e.ic.keys, e.ic.discovery, e.ic.expires = e, s.discovery, now+ttl
	r.entries[iss] = e
	e.elem = r.lru.PushFront(e)
	if !r.running {
		r.running = true
		r.wg.Add(1)
		go r.janitor()
	}
	return e, nil
}

// sourceLocked returns the key source of ic: the caller's, one already
// shared, or a new one. Creating a source never blocks: it fetches in the
// background.
func (r *resolver) sourceLocked(ic *issuerConfig) (*sharedSource, error) {
	if ic.settings.Keys != nil {
		return &sharedSource{src: ic.settings.Keys}, nil
	}
	k := keyOf(ic)
	if s := r.sources[k]; s != nil {
		return s, nil
	}
	var o jwks.Observer
	if obs, ok := r.cfg.observer.(jwks.Observer); ok {
		o = labelledObserver{obs, ic.label}
	}
	src, d, err := r.cfg.newSource(ic, o)
	if err != nil {
		return nil, err
	}
	s := &sharedSource{src: src, owned: true, keyed: true, key: k, discovery: d}
	r.sources[k] = s
	return s, nil
}

// removeLocked forgets e and returns its source when e was its last user.
func (r *resolver) removeLocked(e *resolvedIssuer) []io.Closer {
	if r.entries[e.ic.issuer] == e {
		delete(r.entries, e.ic.issuer)
	}
	r.lru.Remove(e.elem)
	e.dead.Store(true)
	s := e.shared
	if s.refs--; s.refs > 0 {
		return nil
	}
	if s.keyed {
		delete(r.sources, s.key)
	}
	if c, ok := s.src.(io.Closer); ok && s.owned {
		return []io.Closer{c}
	}
	return nil
}

// janitor closes idle issuers until none is left or the resolver closes.
func (r *resolver) janitor() {
	defer r.wg.Done()
	t := time.NewTicker(r.tick)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		closers, more := r.sweep(r.nowSeconds())
		closeAll(closers)
		if !more {
			return
		}
	}
}

// sweep removes the issuers idle since IdleTimeout and the refusals
// expired at now. more is false, and the janitor stops, when no issuer is
// left.
func (r *resolver) sweep(now float64) (closers []io.Closer, more bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for el := r.lru.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*resolvedIssuer); now-e.lastUsed >= r.idle {
			closers = append(closers, r.removeLocked(e)...)
		}
		el = next
	}
	for h, until := range r.refused {
		if now >= until {
			delete(r.refused, h)
		}
	}
	more = r.lru.Len() > 0 && !r.closed
	if !more {
		r.running = false
	}
	return closers, more
}

// close stops the janitor and every source the resolver created, and
// makes every resolved issuer refuse its tokens.
func (r *resolver) close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	var closers []io.Closer
	for r.lru.Len() > 0 {
		closers = append(closers, r.removeLocked(r.lru.Front().Value.(*resolvedIssuer))...)
	}
	r.mu.Unlock()
	close(r.stop)
	r.wg.Wait()
	return closeAll(closers)
}

// status lists the resolved issuers, most recently used first.
func (r *resolver) status() []IssuerStatus {
	r.mu.Lock()
	list := make([]*resolvedIssuer, 0, r.lru.Len())
	for el := r.lru.Front(); el != nil; el = el.Next() {
		list = append(list, el.Value.(*resolvedIssuer))
	}
	r.mu.Unlock()
	out := make([]IssuerStatus, len(list))
	for i, e := range list {
		out[i] = statusOf(&e.ic, true)
	}
	return out
}

// log reports a resolver failure or a configuration it could not use, at
// most once a minute: to WithLogger's logger, else to slog.Default.
func (r *resolver) log(err error, kept bool) {
	now := time.Now().UnixNano()
	last := r.logged.Load()
	if last != 0 && now-last < int64(time.Minute) || !r.logged.CompareAndSwap(last, now) {
		return
	}
	l := r.cfg.logger
	if l == nil {
		l = slog.Default()
	}
	msg := "jwtguard: the issuer resolver failed; the token is refused with 503"
	if kept {
		msg = "jwtguard: the issuer resolver failed; its previous answer is kept"
	}
	l.LogAttrs(context.Background(), slog.LevelError, msg, slog.String("error", err.Error()))
}

func closeAll(closers []io.Closer) error {
	var errs []error
	for _, c := range closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

func resolverUnavailable(err error) *Error {
	return NewError(ErrKeysUnavailable, ReasonKeysUnavailable,
		"the token issuer cannot be checked right now; try again shortly").withCause(err)
}

// Keys returns the shared source's keys, none once the issuer is evicted.
func (e *resolvedIssuer) Keys() *jwks.Set {
	if e.dead.Load() {
		return nil
	}
	return e.shared.src.Keys()
}

// Refresh refreshes the shared source, unless the issuer was evicted.
func (e *resolvedIssuer) Refresh(ctx context.Context, kid string) (*jwks.Set, error) {
	if e.dead.Load() {
		return nil, jwks.ErrClosed
	}
	return e.shared.src.Refresh(ctx, kid)
}

// IssuerMismatch forwards the shared source's (see issuerChecker).
func (e *resolvedIssuer) IssuerMismatch() (string, bool) { return issuerMismatch(e.shared.src) }

// labelledObserver reports a resolved issuer's key-source events under its
// label, never its issuer: there may be as many issuers as tenants.
type labelledObserver struct {
	jwks.Observer
	label string
}

func (o labelledObserver) KeysFetched(ev jwks.FetchEvent) {
	ev.Source = o.label
	o.Observer.KeysFetched(ev)
}

func (o labelledObserver) UnknownKIDRefresh(_ string, refused bool) {
	o.Observer.UnknownKIDRefresh(o.label, refused)
}
