package introspect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TestCachePositiveTTL: an active answer is reused for the positive TTL,
// then asked for again.
func TestCachePositiveTTL(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	clock := newFakeClock()
	tok := mint(t, x, jwtguardtest.Claims{ExpiresIn: time.Hour})
	c := newClient(t, kitConfig(x), WithClock(clock.now))
	first, err := c.Introspect(ctxT(t), tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance  time.Duration
		requests int64
	}{{0, 1}, {59 * time.Second, 1}, {2 * time.Second, 2}, {30 * time.Second, 2}, {31 * time.Second, 3}} {
		clock.advance(step.advance)
		res, err := c.Introspect(ctxT(t), tok)
		if err != nil {
			t.Fatal(err)
		}
		if n := x.Requests(); n != step.requests {
			t.Fatalf("after %v more: %d requests, want %d", step.advance, n, step.requests)
		}
		if step.requests == 1 && res != first {
			t.Fatal("a cache hit returned another Result")
		}
	}
}

// TestCacheUntilExp: an active answer is never reused past the token's
// exp, even within the positive TTL.
func TestCacheUntilExp(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	tok := mint(t, x, jwtguardtest.Claims{ExpiresIn: 30 * time.Second})
	clock := newFakeClock()
	c := newClient(t, kitConfig(x), WithClock(clock.now))
	res, err := c.Introspect(ctxT(t), tok)
	if err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Until(res.ExpiresAt) - 2*time.Second)
	if _, err := c.Introspect(ctxT(t), tok); err != nil || x.Requests() != 1 {
		t.Fatalf("2 s before exp: %v, %d requests", err, x.Requests())
	}
	clock.advance(3 * time.Second)
	// Past exp on our clock, not yet at the kit: active again, within
	// leeway, and not cached since its exp has passed.
	for want := int64(2); want <= 3; want++ {
		if _, err := c.Introspect(ctxT(t), tok); err != nil || x.Requests() != want {
			t.Fatalf("1 s after exp: %v, %d requests, want %d", err, x.Requests(), want)
		}
	}
}

// TestCacheNegative: refused tokens are refused again for the negative TTL
// (5 s) without a request, then asked for again.
func TestCacheNegative(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	clock := newFakeClock()
	revoked := mint(t, x, jwtguardtest.Claims{})
	x.Revoke(revoked)
	other := mint(t, x, jwtguardtest.Claims{Audience: []string{"https://other.example.com"}})
	obs := &recObserver{}
	c := newClient(t, kitConfig(x), WithClock(clock.now), WithObserver(obs))
	for _, tc := range []struct {
		tok  string
		kind Kind
	}{{revoked, KindInactive}, {other, KindAudience}} {
		before := x.Requests()
		for _, step := range []struct {
			advance  time.Duration
			requests int64
		}{{0, 1}, {4 * time.Second, 1}, {999 * time.Millisecond, 1}, {time.Millisecond, 2}, {time.Second, 2}} {
			clock.advance(step.advance)
			_, err := c.Introspect(ctxT(t), tc.tok)
			if k := kindOfErr(t, err, tc.tok); k != tc.kind {
				t.Fatalf("kind %q, want %q", k, tc.kind)
			}
			if n := x.Requests() - before; n != step.requests {
				t.Fatalf("%s after %v more: %d requests, want %d", tc.kind, step.advance, n, step.requests)
			}
		}
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.hits != 6 || obs.misses != 4 {
		t.Fatalf("%d hits, %d misses", obs.hits, obs.misses)
	}
}

// TestInvalidate: a revoked token stays accepted from the cache until
// Invalidate (or Purge) forgets it.
func TestInvalidate(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	c := newClient(t, kitConfig(x))
	for _, forget := range []func(tok string){c.Invalidate, func(string) { c.Purge() }} {
		tok := mint(t, x, jwtguardtest.Claims{})
		if _, err := c.Introspect(ctxT(t), tok); err != nil {
			t.Fatal(err)
		}
		x.Revoke(tok)
		if _, err := c.Introspect(ctxT(t), tok); err != nil {
			t.Fatalf("cached: %v", err)
		}
		forget(tok)
		if _, err := c.Introspect(ctxT(t), tok); !errors.Is(err, ErrInactive) {
			t.Fatalf("after invalidation: %v", err)
		}
	}
	c.Invalidate("")                         // malformed: nothing to do
	c.Invalidate(string(make([]byte, 5000))) // too long: nothing to do
}

// TestInvalidateDuringRequest: an answer that was in flight when
// Invalidate ran is handed to its callers but not cached.
func TestInvalidateDuringRequest(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	tok := mint(t, x, jwtguardtest.Claims{})
	c := newClient(t, kitConfig(x))
	x.SetSlow(300 * time.Millisecond)
	done := make(chan error)
	go func() {
		_, err := c.Introspect(context.Background(), tok)
		done <- err
	}()
	for x.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Invalidate(tok)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	x.SetSlow(0)
	if _, err := c.Introspect(ctxT(t), tok); err != nil || x.Requests() != 2 {
		t.Fatalf("%v, %d requests: the answer in flight was cached", err, x.Requests())
	}
}

// TestCacheDisabled: WithCache(0, ...) asks every time and reports no
// lookups; TTLs of 0 disable one kind of answer.
func TestCacheDisabled(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	good := mint(t, x, jwtguardtest.Claims{})
	bad := mint(t, x, jwtguardtest.Claims{})
	x.Revoke(bad)
	for _, tc := range []struct {
		opt        Option
		goodReqs   int64
		badReqs    int64
		wantLookup bool
	}{
		{WithCache(0, time.Minute, time.Minute), 3, 3, false},
		{WithCache(10, 0, time.Minute), 3, 1, true},
		{WithCache(10, time.Minute, 0), 1, 3, true},
	} {
		obs := &recObserver{}
		c := newClient(t, kitConfig(x), tc.opt, WithObserver(obs))
		for _, p := range []struct {
			tok  string
			want int64
		}{{good, tc.goodReqs}, {bad, tc.badReqs}} {
			before := x.Requests()
			for range 3 {
				c.Introspect(ctxT(t), p.tok)
			}
			if n := x.Requests() - before; n != p.want {
				t.Fatalf("%d requests, want %d", n, p.want)
			}
		}
		obs.mu.Lock()
		if (obs.hits+obs.misses > 0) != tc.wantLookup {
			t.Fatalf("lookups reported: %d hits %d misses", obs.hits, obs.misses)
		}
		obs.mu.Unlock()
	}
}

// TestCacheBounds: the cache holds at most its size, evicting the least
// recently used, and at most its byte budget.
func TestCacheBounds(t *testing.T) {
	t.Parallel()
	k := newKeyer()
	key := func(i int) cacheKey { return k.key(fmt.Sprint("tok", i)) }
	c := newCache(4)
	s := &c.shards[0]
	put := func(i, rawLen int) {
		s.putLocked(&entry{key: key(i), res: &Result{raw: make([]byte, rawLen)}, until: 1 << 62, cost: entryCost(rawLen)})
	}
	for i := range 4 {
		put(i, 10)
	}
	s.getLocked(key(0), 0) // 0 is now the most recently used
	put(4, 10)
	if s.entries[key(1)] != nil || s.entries[key(0)] == nil || len(s.entries) != 4 {
		t.Fatalf("LRU eviction: %d entries, 1 present %v", len(s.entries), s.entries[key(1)] != nil)
	}
	// Large answers: the byte budget evicts before the count does.
	for i := 10; i < 14; i++ {
		put(i, MaxResponseBytes)
	}
	if s.used > s.budget || len(s.entries) > 4 {
		t.Fatalf("used %d of %d bytes, %d entries", s.used, s.budget, len(s.entries))
	}
	// Expired entries are dropped on lookup.
	s.putLocked(&entry{key: key(20), until: 100, cost: 512, err: refused(KindInactive, "x")})
	if s.getLocked(key(20), 99) == nil || s.getLocked(key(20), 100) != nil || s.entries[key(20)] != nil {
		t.Fatal("expiry")
	}
	c.purge()
	if len(s.entries) != 0 || s.used != 0 || s.head.next != &s.head {
		t.Fatal("purge")
	}
	// A large cache is sharded and bounded in total.
	big := newCache(10000)
	total := 0
	for i := range big.shards {
		total += big.shards[i].max
	}
	if len(big.shards) != 16 || total < 10000 || total > 10000+16 {
		t.Fatalf("%d shards holding %d", len(big.shards), total)
	}
}

// TestLifetime: what is cached and for how long.
func TestLifetime(t *testing.T) {
	now := time.Unix(1700000000, 0)
	res := func(exp time.Duration) *Result { return &Result{ExpiresAt: now.Add(exp)} }
	for _, tc := range []struct {
		name string
		res  *Result
		err  *Error
		want int64
	}{
		{"active, exp far", res(time.Hour), nil, now.Add(time.Minute).UnixNano()},
		{"active, exp near", res(10 * time.Second), nil, now.Add(10 * time.Second).UnixNano()},
		{"active, exp passed (leeway)", res(-10 * time.Second), nil, 0},
		{"inactive", nil, refused(KindInactive, ""), now.Add(5 * time.Second).UnixNano()},
		{"expired", nil, refused(KindExpired, ""), now.Add(5 * time.Second).UnixNano()},
		{"malformed", nil, errMalformedToken, 0},
		{"unavailable", nil, unavailable(KindUnavailable, "", nil), 0},
		{"bad response", nil, unavailable(KindBadResponse, "", nil), 0},
		{"rate limited", nil, unavailable(KindRateLimited, "", nil), 0},
	} {
		if got := lifetime(tc.res, tc.err, now, time.Minute, 5*time.Second); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSingleFlight: 64 goroutines asking at once for one fresh token make
// exactly one request and all get the same answer.
func TestSingleFlight(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	good := mint(t, x, jwtguardtest.Claims{})
	revoked := mint(t, x, jwtguardtest.Claims{})
	x.Revoke(revoked)
	c := newClient(t, kitConfig(x))
	x.SetSlow(100 * time.Millisecond) // all 64 arrive while the request is in flight
	for _, tok := range []string{good, revoked} {
		before := x.Requests()
		const n = 64
		results := make([]*Result, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = c.Introspect(context.Background(), tok)
			})
		}
		close(start)
		wg.Wait()
		if got := x.Requests() - before; got != 1 {
			t.Fatalf("%d requests for one token, want 1", got)
		}
		for i := range n {
			if results[i] != results[0] || errs[i] != errs[0] {
				t.Fatalf("caller %d got %p, %v; caller 0 %p, %v", i, results[i], errs[i], results[0], errs[0])
			}
		}
		if tok == good && (results[0] == nil || errs[0] != nil) {
			t.Fatalf("%v", errs[0])
		}
		if tok == revoked && !errors.Is(errs[0], ErrInactive) {
			t.Fatalf("%v", errs[0])
		}
	}
}

// TestLeaderGivesUp: when the caller making the request goes away, the
// callers waiting for it ask again instead of sharing its failure.
func TestLeaderGivesUp(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	tok := mint(t, x, jwtguardtest.Claims{})
	c := newClient(t, kitConfig(x))
	x.SetSlow(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	leader := make(chan error)
	go func() {
		_, err := c.Introspect(ctx, tok)
		leader <- err
	}()
	for x.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	res, err := c.Introspect(ctxT(t), tok)
	if err != nil || res == nil {
		t.Fatalf("waiter: %v", err)
	}
	if err := <-leader; !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("leader: %v", err)
	}
	if n := x.Requests(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}

// TestWaiterGivesUp: a caller waiting for another's request leaves when its
// own context ends.
func TestWaiterGivesUp(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	tok := mint(t, x, jwtguardtest.Claims{})
	c := newClient(t, kitConfig(x))
	x.SetSlow(500 * time.Millisecond)
	go c.Introspect(context.Background(), tok)
	for x.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Introspect(ctx, tok)
	if k := kindOfErr(t, err, tok); k != KindUnavailable || time.Since(start) > 400*time.Millisecond {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
}

// TestCacheHitAllocs: a cache hit allocates nothing, with or without an
// observer, for answers and refusals.
func TestCacheHitAllocs(t *testing.T) {
	x := newKit(t)
	good := mint(t, x, jwtguardtest.Claims{})
	bad := mint(t, x, jwtguardtest.Claims{})
	x.Revoke(bad)
	for _, opts := range [][]Option{nil, {WithObserver(nopObserver{})}} {
		c := newClient(t, kitConfig(x), opts...)
		ctx := context.Background()
		for _, tok := range []string{good, bad} {
			c.Introspect(ctx, tok)
			if n := testing.AllocsPerRun(100, func() { c.Introspect(ctx, tok) }); n != 0 {
				t.Fatalf("%v allocations per cache hit", n)
			}
		}
	}
}

type nopObserver struct{}

func (nopObserver) Introspected(RequestEvent) {}
func (nopObserver) CacheLookup(bool, Kind)    {}
func (nopObserver) RateLimited(string)        {}

// BenchmarkCacheHit: the cost of an answer from the cache, the path every
// request after the first takes.
func BenchmarkCacheHit(b *testing.B) {
	x := newKit(b)
	tok := mint(b, x, jwtguardtest.Claims{})
	c := newClient(b, kitConfig(x))
	ctx := context.Background()
	if _, err := c.Introspect(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Introspect(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Introspect(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	if x.Requests() != 1 {
		b.Fatalf("%d requests", x.Requests())
	}
}
