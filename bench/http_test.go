package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/middleware"
)

// distinctTokens is a growing pool of distinct RS256 tokens for the
// cache-miss benchmarks. It holds more tokens than the default cache has
// slots, so a token comes round again only after many others have evicted
// it from its slot.
type distinctTokens struct {
	mu   sync.Mutex
	toks []string
}

// maxDistinct bounds the pool: 8 times DefaultCacheSize, so a token that
// comes round again finds its slot taken by another with probability
// 1 - e^-8.
const maxDistinct = 8 * middleware.DefaultCacheSize

var rsDistinct distinctTokens

// get returns n distinct tokens (at most maxDistinct), signing the missing
// ones; call it before the timer starts.
func (d *distinctTokens) get(tb testing.TB, f *Fixture, n int) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	n = max(1, min(n, maxDistinct))
	for len(d.toks) < n {
		d.toks = append(d.toks, mustToken(tb, f, "RS256", len(d.toks)))
	}
	return d.toks[:n]
}

// apiHandler is the small JSON handler behind every route.
var apiHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"contacts":[{"id":1,"name":"Ada"}]}`)
})

// BenchmarkHTTP measures requests through the net/http adapter over a
// keep-alive loopback connection (httptest.NewServer):
//
//	route=open      the handler without httpguard (the same token is sent,
//	                and ignored)
//	route=cached    httpguard.Protect, the same RS256 token every time
//	route=distinct  httpguard.Protect, a different RS256 token each time
//	                (cache misses: a signature check per request)
//
// The client runs in the same process, so a request costs both sides.
func BenchmarkHTTP(b *testing.B) { benchHTTP(b, false) }

// BenchmarkHTTPParallel is BenchmarkHTTP with b.RunParallel clients.
func BenchmarkHTTPParallel(b *testing.B) { benchHTTP(b, true) }

func benchHTTP(b *testing.B, parallel bool) {
	f := mustFixture(b)
	tok := mustToken(b, f, "RS256", 0)
	for _, route := range []string{"open", "cached", "distinct"} {
		b.Run("route="+route, func(b *testing.B) {
			var h http.Handler = apiHandler
			if route != "open" {
				// A fresh validator per run: its cache starts empty, so
				// route=distinct never meets a token from an earlier run.
				h = httpguard.Protect(mustValidator(b, f, middleware.DefaultCacheSize), apiHandler)
			}
			toks := []string{tok}
			if route == "distinct" {
				toks = rsDistinct.get(b, f, b.N)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			var next atomic.Int64
			do := func() error {
				req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/contacts", nil)
				if err != nil {
					return err
				}
				// The open route gets the token too, unread: the comparison
				// is then what protecting the route costs, not the bytes a
				// client chose to send.
				req.Header.Set("Authorization", "Bearer "+toks[int(next.Add(1)-1)%len(toks)])
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != http.StatusOK {
					return &statusError{resp.StatusCode}
				}
				return err
			}
			runRequests(b, parallel, do, func() { next.Store(0) })
		})
	}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "bench: HTTP status " + http.StatusText(e.code) }

// runRequests sends one request to warm the connection, calls reset, then
// times do b.N times, serially or from b.RunParallel clients.
func runRequests(b *testing.B, parallel bool, do func() error, reset func()) {
	if err := do(); err != nil {
		b.Fatal(err)
	}
	reset()
	b.ReportAllocs()
	b.ResetTimer()
	if !parallel {
		for range b.N {
			if err := do(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := do(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
