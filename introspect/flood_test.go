package introspect

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TestFlood: 10,000 made-up tokens from 32 goroutines, with the clock
// frozen so that the bucket never refills: at most DefaultBurst requests
// reach the endpoint, every other call is refused at once with
// KindRateLimited (503, never accepted), a token already cached still
// works, and no goroutine outlives the flood.
func TestFlood(t *testing.T) {
	x := newKit(t)
	good := mint(t, x, jwtguardtest.Claims{})
	clock := newFakeClock()
	obs := &recObserver{}
	c := newClient(t, kitConfig(x), WithClock(clock.now), WithObserver(obs))
	if _, err := c.Introspect(ctxT(t), good); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()

	const tokens, workers = 10000, 32
	var next, inactive, limited, other atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= tokens {
				tok := rand.Text()
				_, err := c.Introspect(context.Background(), tok)
				var e *Error
				switch {
				case errors.Is(err, ErrInactive) && errors.As(err, &e) && e.Kind == KindInactive:
					inactive.Add(1)
				case errors.Is(err, ErrUnavailable) && errors.As(err, &e) && e.Kind == KindRateLimited:
					if e.RetryAfter < time.Second {
						t.Errorf("RetryAfter %v", e.RetryAfter)
					}
					limited.Add(1)
				default:
					other.Add(1)
					t.Errorf("unexpected outcome %v", err)
				}
				if _, err := c.Introspect(context.Background(), good); err != nil {
					t.Errorf("a cached token failed during the flood: %v", err)
				}
			}
		})
	}
	wg.Wait()
	reqs := x.Requests() - 1
	t.Logf("%d made-up tokens: %d requests, %d inactive, %d rate limited", tokens, reqs, inactive.Load(), limited.Load())
	if reqs > DefaultBurst || reqs != inactive.Load() || limited.Load() != tokens-reqs || other.Load() != 0 {
		t.Fatalf("%d requests (limit %d), %d inactive, %d rate limited", reqs, DefaultBurst, inactive.Load(), limited.Load())
	}
	obs.mu.Lock()
	if obs.rateLimited != int(limited.Load()) {
		t.Errorf("observer saw %d rate limited, want %d", obs.rateLimited, limited.Load())
	}
	obs.mu.Unlock()

	// The bucket refills with time: 1 s lets DefaultRate more through.
	clock.advance(time.Second)
	before2 := x.Requests()
	for range 2 * DefaultRate {
		c.Introspect(context.Background(), rand.Text())
	}
	if n := x.Requests() - before2; n != DefaultRate {
		t.Fatalf("%d requests after 1 s, want %d", n, DefaultRate)
	}

	c.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after the flood, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestConcurrencyLimit: at most WithConcurrency requests are in flight;
// callers that find no free slot within the timeout are refused with
// KindRateLimited.
func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"active":false}`))
	})
	// Counted on our side: the server may still be busy with a request
	// the client has given up on.
	tr := &countingTransport{base: http.DefaultTransport}
	c := newClient(t, rawConfig(srv), WithConcurrency(3), WithTimeout(250*time.Millisecond),
		WithHTTPClient(&http.Client{Transport: tr}))
	var wg sync.WaitGroup
	var limited atomic.Int64
	for range 20 {
		wg.Go(func() {
			_, err := c.Introspect(context.Background(), rand.Text())
			var e *Error
			if errors.As(err, &e) && e.Kind == KindRateLimited {
				limited.Add(1)
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests, peak %d in flight, %d rate limited", srv.count(), tr.peak.Load(), limited.Load())
	if tr.peak.Load() > 3 || limited.Load() == 0 || srv.count() > 20-int(limited.Load()) {
		t.Fatalf("peak %d in flight (limit 3), %d rate limited, %d requests", tr.peak.Load(), limited.Load(), srv.count())
	}
}

// countingTransport records the peak number of round trips in flight.
type countingTransport struct {
	base           http.RoundTripper
	inFlight, peak atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.inFlight.Add(1)
	defer c.inFlight.Add(-1)
	for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
	}
	return c.base.RoundTrip(r)
}

// TestBucket: the token bucket's arithmetic.
func TestBucket(t *testing.T) {
	now := time.Unix(1700000000, 0)
	b := newBucket(2, 3) // 2/s, burst 3
	for i := range 3 {
		if ok, _ := b.take(now); !ok {
			t.Fatalf("take %d refused", i)
		}
	}
	if ok, wait := b.take(now); ok || wait != 500*time.Millisecond {
		t.Fatalf("empty bucket: %v, %v", ok, wait)
	}
	if ok, _ := b.take(now.Add(500 * time.Millisecond)); !ok {
		t.Fatal("after 500 ms")
	}
	// A clock going backwards adds nothing.
	if ok, _ := b.take(now); ok {
		t.Fatal("clock went backwards")
	}
	// Refill stops at burst.
	for i := range 3 {
		if ok, _ := b.take(now.Add(time.Hour)); !ok {
			t.Fatalf("after an hour, take %d refused", i)
		}
	}
	if ok, _ := b.take(now.Add(time.Hour)); ok {
		t.Fatal("more than burst after an hour")
	}
}

// TestRateLimitedRetryAfter rounds up to whole seconds, at least one.
func TestRateLimitedRetryAfter(t *testing.T) {
	c := &Client{}
	for _, tc := range []struct{ wait, want time.Duration }{
		{0, time.Second}, {20 * time.Millisecond, time.Second}, {time.Second, time.Second},
		{1200 * time.Millisecond, 2 * time.Second}, {1600 * time.Millisecond, 2 * time.Second},
	} {
		if got := c.rateLimited("x", tc.wait).RetryAfter; got != tc.want {
			t.Errorf("wait %v: RetryAfter %v, want %v", tc.wait, got, tc.want)
		}
	}
}
