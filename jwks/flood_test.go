package jwks

import (
	"context"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRemoteUnknownKIDFlood: 200 goroutines asking for made-up kids for a
// while cause at most one JWKS fetch per WithMinRefreshInterval, and every
// caller returns within WithMaxWait.
func TestRemoteUnknownKIDFlood(t *testing.T) {
	t.Parallel()
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	obs := &recObserver{}
	const (
		minRefresh = time.Second
		maxWait    = 500 * time.Millisecond
		flood      = 2200 * time.Millisecond
		callers    = 200
	)
	r := newTestRemote(t, p.url(), WithMinRefreshInterval(minRefresh), WithMaxWait(maxWait), WithObserver(obs))
	prime(t, r, 5*time.Second)
	// Each fetch takes a while, so that callers pile up on it.
	p.setBehaviour(func(w http.ResponseWriter, req *http.Request) {
		time.Sleep(100 * time.Millisecond)
		p.serveKeys(w, req)
	})
	p.hits.Store(0)

	var slowest atomic.Int64
	var calls, rateLimited atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range callers {
		wg.Go(func() {
			for time.Since(start) < flood {
				kid := rand.Text()
				t0 := time.Now()
				set, err := r.Refresh(context.Background(), kid)
				d := time.Since(t0)
				for old := slowest.Load(); int64(d) > old && !slowest.CompareAndSwap(old, int64(d)); old = slowest.Load() {
				}
				calls.Add(1)
				if errors.Is(err, ErrRateLimited) {
					rateLimited.Add(1)
				}
				if _, ok := set.Lookup("k1"); !ok {
					t.Errorf("a caller lost the known key: %v, %v", set, err)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	// One fetch may start at t = 0 and then one per interval.
	limit := int64(elapsed/minRefresh) + 1
	fetches := p.hits.Load()
	t.Logf("%d calls in %v: %d JWKS fetches (limit %d), %d rate limited, slowest call %v",
		calls.Load(), elapsed, fetches, limit, rateLimited.Load(), time.Duration(slowest.Load()))
	if fetches < 1 || fetches > limit {
		t.Fatalf("%d JWKS fetches during a %v flood, want 1..%d", fetches, elapsed, limit)
	}
	// Generous slack for a loaded machine: the point is that no caller
	// waits for an unbounded fetch.
	if d := time.Duration(slowest.Load()); d > maxWait+1500*time.Millisecond {
		t.Fatalf("a caller waited %v, bound %v", d, maxWait)
	}
	if rateLimited.Load() == 0 || calls.Load() < callers {
		t.Fatalf("%d calls, %d rate limited", calls.Load(), rateLimited.Load())
	}
	if _, refused := obs.missCounts(); refused != int(rateLimited.Load()) {
		t.Fatalf("observer saw %d refusals, callers %d", refused, rateLimited.Load())
	}
}

// TestRemoteSingleFlight: callers that arrive while a fetch is in flight
// share it; they all get the rotated key from that one fetch.
func TestRemoteSingleFlight(t *testing.T) {
	t.Parallel()
	a, b := jwkOf(t, newEC(t, elliptic.P256()), "a"), jwkOf(t, newEC(t, elliptic.P256()), "b")
	p := newIDP(t, a)
	r := newTestRemote(t, p.url(), WithMinRefreshInterval(time.Minute), WithMaxWait(5*time.Second))
	prime(t, r, 5*time.Second)

	gate := make(chan struct{})
	entered := make(chan struct{}, 10)
	p.setKeys(t, a, b)
	p.setBehaviour(func(w http.ResponseWriter, req *http.Request) {
		entered <- struct{}{}
		<-gate
		p.serveKeys(w, req)
	})
	const callers = 50
	type result struct {
		set *Set
		err error
	}
	results := make(chan result, callers)
	call := func() {
		set, err := r.Refresh(context.Background(), "b")
		results <- result{set, err}
	}
	go call()
	<-entered // the first caller's fetch reached the IdP
	for range callers - 1 {
		go call()
	}
	time.Sleep(200 * time.Millisecond) // let them join the fetch in flight
	close(gate)
	for range callers {
		res := <-results
		if res.err != nil {
			t.Fatalf("a caller got %v", res.err)
		}
		if _, ok := res.set.Lookup("b"); !ok {
			t.Fatal("a caller did not get the rotated key")
		}
	}
	if n := p.hits.Load(); n != 2 {
		t.Fatalf("%d JWKS fetches, want 2 (initial + one shared)", n)
	}
}

// The hot path: Keys().Lookup is an atomic load and a map read, with no
// allocation.
func TestRemoteLookupAllocs(t *testing.T) {
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"), jwkOf(t, newEC(t, elliptic.P256()), "k2"))
	r := newTestRemote(t, p.url())
	prime(t, r, 5*time.Second)
	var found bool
	allocs := testing.AllocsPerRun(1000, func() {
		_, found = r.Keys().Lookup("k2")
	})
	if allocs != 0 || !found {
		t.Fatalf("Keys().Lookup: %v allocations, found %v", allocs, found)
	}
	allocs = testing.AllocsPerRun(1000, func() {
		_, found = r.Keys().Lookup("missing")
	})
	if allocs != 0 || found {
		t.Fatalf("Keys().Lookup of a missing kid: %v allocations", allocs)
	}
}

func BenchmarkRemoteLookup(b *testing.B) {
	p := newIDP(b, jwkOf(b, newEC(b, elliptic.P256()), "k1"), jwkOf(b, newEC(b, elliptic.P256()), "k2"))
	r := newTestRemote(b, p.url())
	prime(b, r, 5*time.Second)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := r.Keys().Lookup("k2"); !ok {
				b.Fatal("missing")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok := r.Keys().Lookup("k2"); !ok {
					b.Error("missing")
					return
				}
			}
		})
	})
}
