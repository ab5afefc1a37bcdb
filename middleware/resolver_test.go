package middleware

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func refuseAll(context.Context, string) (IssuerConfig, error) {
	return IssuerConfig{}, ErrIssuerNotTrusted
}

// tenants is an API's tenant database and its resolver.
type tenants struct {
	mu    sync.Mutex
	db    map[string]IssuerConfig
	err   error // when set, every call fails with it
	calls map[string]int
	total atomic.Int64
	delay time.Duration
}

func newTenants(db map[string]IssuerConfig) *tenants {
	return &tenants{db: db, calls: map[string]int{}}
}

func (ts *tenants) resolve(ctx context.Context, iss string) (IssuerConfig, error) {
	ts.total.Add(1)
	ts.mu.Lock()
	ts.calls[iss]++
	cfg, ok := ts.db[iss]
	err := ts.err
	ts.mu.Unlock()
	if ts.delay > 0 {
		time.Sleep(ts.delay)
	}
	switch {
	case err != nil:
		return IssuerConfig{}, err
	case !ok:
		return IssuerConfig{}, fmt.Errorf("tenant %q: %w", iss, ErrIssuerNotTrusted)
	}
	return cfg, nil
}

func (ts *tenants) callsFor(iss string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.calls[iss]
}

func (ts *tenants) set(iss string, cfg *IssuerConfig, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if cfg == nil {
		delete(ts.db, iss)
	} else {
		ts.db[iss] = *cfg
	}
	ts.err = err
}

// fakeClock is the Validator's clock in tests of time-based behaviour.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) seconds() float64 {
	now := c.Now()
	return float64(now.Unix()) + float64(now.Nanosecond())/1e9
}

func newResolving(t *testing.T, ts *tenants, opts ...Option) *Validator {
	t.Helper()
	v, err := New("", testAudience, append([]Option{WithIssuerResolver(ts.resolve), WithLogger(discardLogger())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// Tenants the resolver trusts are accepted, each with its own keys and
// settings; an issuer it refuses gets no request and is remembered; the
// metrics never name a resolved issuer; Close stops every source.
func TestResolverTenants(t *testing.T) {
	t1, t2, t3 := kit(t), kit(t), kit(t)
	const t2API = "https://t2-api.example.com"
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}, t2.URL(): {Audiences: []string{t2API}}})
	client, ct := newCountingClient()
	before := runtime.NumGoroutine()
	log := &eventLog{}
	v := newResolving(t, ts, WithTokenCache(0), WithObserver(log), WithKeyOptions(jwks.WithHTTPClient(client)))
	if !v.Ready() || len(v.Issuers()) != 0 || len(v.IssuerStatus()) != 0 {
		t.Fatalf("Ready %v, Issuers %v, IssuerStatus %v", v.Ready(), v.Issuers(), v.IssuerStatus())
	}
	ctx := context.Background()
	cases := []struct {
		name string
		tok  string
		want Reason
	}{
		{"T1", mintFrom(t, t1, jwtguardtest.Claims{}), ""},
		{"T1 again", mintFrom(t, t1, jwtguardtest.Claims{}), ""},
		{"T2 with its audience", mintFrom(t, t2, jwtguardtest.Claims{Audience: []string{t2API}}), ""},
		{"T2 with the API's audience", mintFrom(t, t2, jwtguardtest.Claims{}), ReasonAudience},
		{"T2's key claiming T1", mintFrom(t, t2, jwtguardtest.Claims{Issuer: t1.URL()}), ReasonSignature},
		{"T3, refused", mintFrom(t, t3, jwtguardtest.Claims{}), ReasonIssuer},
		{"T3, refused again", mintFrom(t, t3, jwtguardtest.Claims{}), ReasonIssuer},
	}
	for _, tc := range cases {
		if _, err := v.Validate(ctx, tc.tok); why(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if c1, c2, c3 := ts.callsFor(t1.URL()), ts.callsFor(t2.URL()), ts.callsFor(t3.URL()); c1 != 1 || c2 != 1 || c3 != 1 {
		t.Errorf("resolver calls: T1 %d, T2 %d, T3 %d; want 1 each", c1, c2, c3)
	}
	if n := t3.JWKSFetches() + t3.DiscoveryFetches(); n != 0 {
		t.Errorf("%d requests to the refused issuer", n)
	}
	if t1.JWKSFetches() != 1 || t2.JWKSFetches() != 1 {
		t.Errorf("JWKS fetches: T1 %d, T2 %d", t1.JWKSFetches(), t2.JWKSFetches())
	}
	issuers, sources := log.take()
	wantIssuers := []string{"resolved", "resolved", "resolved", "resolved", "resolved", "", ""}
	if !slices.Equal(issuers, wantIssuers) || !slices.Equal(sources, []string{"resolved"}) {
		t.Errorf("event issuers %q, sources %q", issuers, sources)
	}
	want := []IssuerStatus{
		{Issuer: t1.URL(), Label: "resolved", Resolved: true, Ready: true, Keys: 1},
		{Issuer: t2.URL(), Label: "resolved", Resolved: true, Ready: true, Keys: 1},
	}
	if st := v.IssuerStatus(); !slices.Equal(st, want) {
		t.Errorf("IssuerStatus\n got %+v\nwant %+v", st, want)
	}

	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := v.Validate(ctx, mintFrom(t, t1, jwtguardtest.Claims{}))
	if !errors.Is(err, ErrKeysUnavailable) || why(err) != ReasonKeysUnavailable {
		t.Errorf("after Close: %v", err)
	}
	settle(t, before, ct)
	if n := t1.JWKSFetches() + t2.JWKSFetches(); n != 2 {
		t.Errorf("%d JWKS fetches after Close, want 2", n)
	}
}

// A flood of tokens naming random issuers, and a real issuer the resolver
// refuses, makes no request, creates no key source and leaves no goroutine;
// the refusals remembered stay bounded.
func TestResolverFlood(t *testing.T) {
	attacker := kit(t)
	ts := newTenants(map[string]IssuerConfig{})
	client, ct := newCountingClient()
	v, err := New(testIssuer, testAudience, WithKeys(newSource(fixture.keySet...)), WithIssuerResolver(ts.resolve),
		WithKeyOptions(jwks.WithHTTPClient(client)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	good := token(t, "ES256", nil)
	real := mintFrom(t, attacker, jwtguardtest.Claims{})
	const tokens, workers = maxRefusals + 1000, 8
	toks := make([]string, tokens)
	for i := range toks {
		iss := "https://" + rand.Text() + ".auth0.com/"
		toks[i] = token(t, "ES256", func(h, c map[string]any) { c["iss"] = iss })
	}
	before := runtime.NumGoroutine()
	// Two rounds: while the refusals remembered are fewer than
	// maxRefusals, with the real issuer among the random ones; then past
	// the bound, where refusals are forgotten to make room.
	var next atomic.Int64
	flood := func(end int64, withReal bool) {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < end; i = next.Add(1) - 1 {
					if _, err := v.Validate(context.Background(), toks[i]); why(err) != ReasonIssuer {
						t.Errorf("random issuer: %v", err)
					}
					if withReal && i%10 == 0 {
						if _, err := v.Validate(context.Background(), real); why(err) != ReasonIssuer {
							t.Errorf("refused real issuer: %v", err)
						}
						if _, err := v.Validate(context.Background(), good); err != nil {
							t.Errorf("configured issuer during the flood: %v", err)
						}
					}
				}
			})
		}
		wg.Wait()
		next.Store(end)
	}
	flood(maxRefusals/2, true)
	flood(tokens, false)
	if n := ct.n.Load() + attacker.JWKSFetches() + attacker.DiscoveryFetches(); n != 0 {
		t.Errorf("%d requests", n)
	}
	if n := ts.callsFor(attacker.URL()); n != 1 {
		t.Errorf("the refused issuer was asked about %d times, want 1", n)
	}
	if n := ts.total.Load(); n != tokens+1 {
		t.Errorf("%d resolver calls, want %d", n, tokens+1)
	}
	r := v.resolver
	r.mu.Lock()
	sources, entries, refused, running := len(r.sources), r.lru.Len(), len(r.refused), r.running
	r.mu.Unlock()
	if sources != 0 || entries != 0 || running || refused > maxRefusals {
		t.Errorf("%d sources, %d issuers, janitor %v, %d refusals (at most %d)", sources, entries, running, refused, maxRefusals)
	}
	settle(t, before, nil)
}

// The resolver is asked only about tokens that pass the checks that do not
// depend on the issuer.
func TestResolverCheapChecksFirst(t *testing.T) {
	t1 := kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}})
	v := newResolving(t, ts, WithAlgorithms(jwks.RS256))
	ctx := context.Background()
	id, err := t1.IDToken(jwtguardtest.Claims{Audience: []string{testAudience}}, "n")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		tok  string
		want Reason
	}{
		{"expired", mintFrom(t, t1, jwtguardtest.Claims{ExpiresIn: -time.Hour}), ReasonExpired},
		{"not yet valid", mintFrom(t, t1, jwtguardtest.Claims{NotBefore: time.Now().Add(time.Hour)}), ReasonNotYetValid},
		{"ID token", id, ReasonIDToken},
		{"algorithm not allowed", token(t, "ES256", func(h, c map[string]any) { c["iss"] = t1.URL() }), ReasonAlgorithm},
		{"no iss", mintFrom(t, t1, jwtguardtest.Claims{Custom: map[string]any{"iss": nil}}), ReasonIssuer},
		{"not a JWT", "abc", ReasonOpaque},
	}
	for _, tc := range cases {
		if _, err := v.Validate(ctx, tc.tok); why(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if n := ts.total.Load(); n != 0 {
		t.Errorf("the resolver was asked %d times", n)
	}
	if n := t1.JWKSFetches() + t1.DiscoveryFetches(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// Issuers with the same key settings share one key source: the custom
// domains of an Auth0 tenant, resolved to its canonical domain.
func TestResolverSharedSource(t *testing.T) {
	a := kit(t)
	const login, id = "https://login.a.example/", "https://id.a.example/"
	ts := newTenants(map[string]IssuerConfig{
		a.URL(): {},
		login:   {DiscoveryIssuer: a.URL()},
		id:      {DiscoveryIssuer: a.URL(), Label: "tenant-a"},
	})
	v := newResolving(t, ts, WithTokenCache(0))
	for _, iss := range []string{a.URL(), login, id, login} {
		if _, err := v.Validate(context.Background(), mintFrom(t, a, jwtguardtest.Claims{Issuer: iss})); err != nil {
			t.Errorf("%s: %v", iss, err)
		}
	}
	if a.JWKSFetches() != 1 || a.DiscoveryFetches() != 1 {
		t.Errorf("%d JWKS fetches, %d discoveries; want 1 each", a.JWKSFetches(), a.DiscoveryFetches())
	}
	r := v.resolver
	r.mu.Lock()
	n, refs := len(r.sources), r.entries[login].shared.refs
	r.mu.Unlock()
	if n != 1 || refs != 3 {
		t.Errorf("%d sources, %d users; want 1 source used by 3", n, refs)
	}
}

// At most MaxIssuers are kept: the least recently used is closed, and
// asked about again when it comes back.
func TestResolverEviction(t *testing.T) {
	t1, t2, t3 := kit(t), kit(t), kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}, t2.URL(): {}, t3.URL(): {}})
	client, ct := newCountingClient()
	before := runtime.NumGoroutine()
	v := newResolving(t, ts, WithTokenCache(0), WithResolverSettings(ResolverSettings{MaxIssuers: 2}),
		WithKeyOptions(jwks.WithHTTPClient(client)))
	ctx := context.Background()
	tok := map[*jwtguardtest.Issuer]string{}
	for _, k := range []*jwtguardtest.Issuer{t1, t2, t3} {
		tok[k] = mintFrom(t, k, jwtguardtest.Claims{})
	}
	validate := func(k *jwtguardtest.Issuer) {
		t.Helper()
		if _, err := v.Validate(ctx, tok[k]); err != nil {
			t.Fatal(err)
		}
	}
	validate(t1)
	v.resolver.mu.Lock()
	first := v.resolver.entries[t1.URL()]
	v.resolver.mu.Unlock()
	validate(t2)
	validate(t3)
	names := func() []string {
		var out []string
		for _, s := range v.IssuerStatus() {
			out = append(out, s.Issuer)
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{t3.URL(), t2.URL()}) {
		t.Fatalf("kept %v", got)
	}
	if _, err := first.shared.src.Refresh(ctx, "x"); !errors.Is(err, jwks.ErrClosed) {
		t.Errorf("the evicted issuer's source: %v, want closed", err)
	}
	if first.Keys() != nil {
		t.Error("the evicted issuer still has keys")
	}
	validate(t1)
	if got := names(); !slices.Equal(got, []string{t1.URL(), t3.URL()}) {
		t.Fatalf("kept %v", got)
	}
	if ts.callsFor(t1.URL()) != 2 || t1.JWKSFetches() != 2 {
		t.Errorf("T1: %d resolver calls, %d JWKS fetches; want 2 each", ts.callsFor(t1.URL()), t1.JWKSFetches())
	}
	v.Close()
	settle(t, before, ct)
}

// An issuer idle for IdleTimeout is closed by the janitor, which then
// stops, with nothing but the clock and the Validator's own goroutine.
func TestResolverIdleTimeout(t *testing.T) {
	t1 := kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}})
	client, ct := newCountingClient()
	before := runtime.NumGoroutine()
	v := newResolving(t, ts, WithTokenCache(0), WithResolverSettings(ResolverSettings{IdleTimeout: time.Second}),
		WithKeyOptions(jwks.WithHTTPClient(client)))
	if _, err := v.Validate(context.Background(), mintFrom(t, t1, jwtguardtest.Claims{})); err != nil {
		t.Fatal(err)
	}
	if runtime.NumGoroutine() <= before {
		t.Fatal("no source and janitor running")
	}
	// Without Close: the janitor closes the idle source, then stops.
	settle(t, before, ct)
	if st := v.IssuerStatus(); len(st) != 0 {
		t.Errorf("still kept: %+v", st)
	}
	if _, err := v.Validate(context.Background(), mintFrom(t, t1, jwtguardtest.Claims{})); err != nil {
		t.Fatal(err)
	}
	if ts.callsFor(t1.URL()) != 2 {
		t.Errorf("%d resolver calls, want 2", ts.callsFor(t1.URL()))
	}
}

// A sweep keeps issuers used within IdleTimeout and closes the others.
func TestResolverSweep(t *testing.T) {
	t1, t2 := kit(t), kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}, t2.URL(): {}})
	clock := newFakeClock()
	v := newResolving(t, ts, WithTokenCache(0), WithClock(clock.Now),
		WithResolverSettings(ResolverSettings{IdleTimeout: time.Minute, Recheck: time.Hour}))
	ctx := context.Background()
	v.Validate(ctx, mintFrom(t, t1, jwtguardtest.Claims{}))
	clock.advance(30 * time.Second)
	v.Validate(ctx, mintFrom(t, t2, jwtguardtest.Claims{}))
	clock.advance(31 * time.Second)
	closers, more := v.resolver.sweep(clock.seconds())
	closeAll(closers)
	if len(closers) != 1 || !more {
		t.Fatalf("%d closed, more %v", len(closers), more)
	}
	if st := v.IssuerStatus(); len(st) != 1 || st[0].Issuer != t2.URL() {
		t.Errorf("kept %+v", st)
	}
}

// An answer is used for Recheck, verified tokens included: a tenant removed
// from the database is refused within Recheck, even for a token the cache
// holds. While the resolver fails, its last answer stands.
func TestResolverRecheck(t *testing.T) {
	t1, t2 := kit(t), kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}})
	clock := newFakeClock()
	log := &eventLog{}
	v := newResolving(t, ts, WithClock(clock.Now), WithObserver(log),
		WithResolverSettings(ResolverSettings{Recheck: time.Minute, IdleTimeout: time.Hour}))
	ctx := context.Background()
	tok := mintFrom(t, t1, jwtguardtest.Claims{})
	check := func(step string, want Reason, calls int) {
		t.Helper()
		if _, err := v.Validate(ctx, tok); why(err) != want {
			t.Errorf("%s: %v, want %q", step, err, want)
		}
		if n := ts.callsFor(t1.URL()); n != calls {
			t.Errorf("%s: %d resolver calls, want %d", step, n, calls)
		}
	}
	check("first", "", 1)
	check("cached", "", 1)
	clock.advance(59 * time.Second)
	check("cached within Recheck", "", 1)
	clock.advance(2 * time.Second)
	check("rechecked", "", 2)

	dbDown := errors.New("database down")
	ts.set(t1.URL(), &IssuerConfig{}, dbDown)
	clock.advance(61 * time.Second)
	check("resolver down: the last answer stands", "", 3)
	check("resolver down, asked again only after a while", "", 3)
	clock.advance(11 * time.Second)
	check("resolver still down", "", 4)
	if _, err := v.Validate(ctx, mintFrom(t, t2, jwtguardtest.Claims{})); !errors.Is(err, ErrKeysUnavailable) ||
		why(err) != ReasonKeysUnavailable || !errors.Is(err, dbDown) {
		t.Errorf("unknown issuer while the resolver is down: %v", err)
	}

	ts.set(t1.URL(), nil, nil) // the tenant leaves
	clock.advance(11 * time.Second)
	check("removed tenant", ReasonIssuer, 5)
	if st := v.IssuerStatus(); len(st) != 0 {
		t.Errorf("still kept: %+v", st)
	}
	issuers, _ := log.take()
	want := []string{"resolved", "resolved+cached", "resolved+cached", "resolved", "resolved", "resolved+cached", "resolved", "", ""}
	if !slices.Equal(issuers, want) {
		t.Errorf("events %q\nwant   %q", issuers, want)
	}
}

// Tokens of a new issuer arriving at once ask the resolver once.
func TestResolverSingleFlight(t *testing.T) {
	t1 := kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}})
	ts.delay = 100 * time.Millisecond
	v := newResolving(t, ts, WithTokenCache(0))
	tok := mintFrom(t, t1, jwtguardtest.Claims{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := v.Validate(context.Background(), tok); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := ts.total.Load(); n != 1 {
		t.Errorf("%d resolver calls, want 1", n)
	}
}

// A configuration the Validator cannot use refuses the token with 503,
// is logged, and is not remembered.
func TestResolverBadConfig(t *testing.T) {
	t1 := kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {Algorithms: []jwks.Alg{jwks.HS256}}})
	var logs lockedBuffer
	v, err := New("", testAudience, WithIssuerResolver(ts.resolve), WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok := mintFrom(t, t1, jwtguardtest.Claims{})
	for range 2 {
		if _, err := v.Validate(context.Background(), tok); !errors.Is(err, ErrKeysUnavailable) {
			t.Errorf("%v", err)
		}
	}
	if n := ts.total.Load(); n != 2 {
		t.Errorf("%d resolver calls, want 2", n)
	}
	want := `level=ERROR msg="jwtguard: the issuer resolver failed; the token is refused with 503" error="middleware: resolver: issuer \"` +
		t1.URL() + `\": algorithm \"HS256\" is not in the Validator's allowlist (WithAlgorithms)"`
	if !strings.Contains(logs.String(), want) || strings.Count(logs.String(), "level=ERROR") != 1 {
		t.Errorf("log:\n%s\nwant once %s", logs.String(), want)
	}
	if n := t1.JWKSFetches() + t1.DiscoveryFetches(); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// A resolved issuer's Label names it in metrics, key-source events
// included; the issuer itself never does.
func TestResolverLabel(t *testing.T) {
	t1, t2 := kit(t), kit(t)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {Label: "tenant-1"}, t2.URL(): {}})
	log := &eventLog{}
	v := newResolving(t, ts, WithObserver(log))
	ctx := context.Background()
	a, b := mintFrom(t, t1, jwtguardtest.Claims{}), mintFrom(t, t2, jwtguardtest.Claims{})
	for _, tok := range []string{a, a, b, b} {
		if _, err := v.Validate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	issuers, sources := log.take()
	if want := []string{"tenant-1", "tenant-1+cached", "resolved", "resolved+cached"}; !slices.Equal(issuers, want) {
		t.Errorf("event issuers %q, want %q", issuers, want)
	}
	if want := []string{"resolved", "tenant-1"}; !slices.Equal(sources, want) {
		t.Errorf("key-source names %q, want %q", sources, want)
	}
}

// Resolved issuers never hold back Ready; IssuerStatus shows them.
func TestResolverDoesNotHoldBackReady(t *testing.T) {
	a, t1 := kit(t), kit(t)
	t1.SetDown(true)
	ts := newTenants(map[string]IssuerConfig{t1.URL(): {}})
	v, err := New(a.URL(), testAudience, WithIssuerResolver(ts.resolve), WithLogger(discardLogger()),
		WithKeyOptions(jwks.WithMaxWait(50*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	prime(t, v)
	if _, err := v.Validate(context.Background(), mintFrom(t, t1, jwtguardtest.Claims{})); !errors.Is(err, ErrKeysUnavailable) {
		t.Fatalf("tenant down: %v", err)
	}
	if !v.Ready() {
		t.Error("a resolved issuer without keys holds back Ready")
	}
	want := []IssuerStatus{
		{Issuer: a.URL(), Label: a.URL(), Ready: true, Keys: 1},
		{Issuer: t1.URL(), Label: "resolved", Resolved: true},
	}
	if st := v.IssuerStatus(); !slices.Equal(st, want) {
		t.Errorf("IssuerStatus\n got %+v\nwant %+v", st, want)
	}
}

func TestResolverSettingsErrors(t *testing.T) {
	for _, tc := range []struct {
		s    ResolverSettings
		want string
	}{
		{ResolverSettings{MaxIssuers: -1}, "middleware: ResolverSettings.MaxIssuers must be within [0, 65536]"},
		{ResolverSettings{IdleTimeout: time.Millisecond}, "middleware: ResolverSettings.IdleTimeout must be at least 1s"},
		{ResolverSettings{Recheck: time.Millisecond}, "middleware: ResolverSettings.Recheck must be at least 1s"},
		{ResolverSettings{RefusalTTL: -time.Second}, "middleware: ResolverSettings.RefusalTTL must not be negative"},
	} {
		if _, err := New("", testAudience, WithIssuerResolver(refuseAll), WithResolverSettings(tc.s)); err == nil || err.Error() != tc.want {
			t.Errorf("%+v: %v, want %s", tc.s, err, tc.want)
		}
	}
	if _, err := New("", testAudience, WithIssuerResolver(nil)); err == nil || err.Error() != "middleware: nil issuer resolver" {
		t.Errorf("nil resolver: %v", err)
	}
}

// A resolver that panics panics the request that called it, never the
// requests waiting for the same answer, and the issuer is asked about
// again.
func TestResolverPanic(t *testing.T) {
	t1 := kit(t)
	var calls atomic.Int64
	started := make(chan struct{})
	v, err := New("", testAudience, WithTokenCache(0), WithIssuerResolver(func(ctx context.Context, iss string) (IssuerConfig, error) {
		if calls.Add(1) == 1 {
			close(started)
			time.Sleep(100 * time.Millisecond) // let the second request join
			panic("tenant database bug")
		}
		return IssuerConfig{}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok := mintFrom(t, t1, jwtguardtest.Claims{})
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		v.Validate(context.Background(), tok)
	}()
	<-started
	_, err = v.Validate(context.Background(), tok)
	if p := <-panicked; p != "tenant database bug" {
		t.Errorf("first request: recovered %v", p)
	}
	if !errors.Is(err, ErrKeysUnavailable) {
		t.Errorf("request waiting for the panicking resolver: %v", err)
	}
	if _, err := v.Validate(context.Background(), tok); err != nil {
		t.Errorf("after the panic: %v", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d resolver calls, want 2", n)
	}
}
