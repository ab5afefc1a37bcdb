package jwks

import (
	"context"
	"crypto/elliptic"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewRemoteConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		url  string
		opts []Option
		frag string
	}{
		{"plain http", "http://idp.example.com/jwks", nil, "plain http"},
		{"relative", "/jwks", nil, "not absolute"},
		{"refresh under 1s", "https://idp.example.com/jwks", []Option{WithRefreshInterval(999 * time.Millisecond)}, "at least 1s"},
		{"min refresh under 1s", "https://idp.example.com/jwks", []Option{WithMinRefreshInterval(time.Millisecond)}, "at least 1s"},
		{"max wait zero", "https://idp.example.com/jwks", []Option{WithMaxWait(0)}, "max wait"},
		{"HMAC only", "https://idp.example.com/jwks", []Option{WithAlgorithms([]Alg{HS256})}, "HMAC"},
		{"no algorithms", "https://idp.example.com/jwks", []Option{WithAlgorithms(nil)}, "no asymmetric"},
		{"none", "https://idp.example.com/jwks", []Option{WithAlgorithms([]Alg{"none"})}, "unsupported"},
		{"nil client", "https://idp.example.com/jwks", []Option{WithHTTPClient(nil)}, "nil HTTP client"},
		{"nil logger", "https://idp.example.com/jwks", []Option{WithLogger(nil)}, "nil logger"},
		{"nil observer", "https://idp.example.com/jwks", []Option{WithObserver(nil)}, "nil observer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRemote(tt.url, tt.opts...)
			if err == nil || !strings.Contains(err.Error(), tt.frag) {
				if r != nil {
					r.Close()
				}
				t.Fatalf("NewRemote error %v, want one containing %q", err, tt.frag)
			}
		})
	}
	// InsecureAllowHTTP lets plain http through, loudly named.
	r, err := NewRemote("http://idp.example.com/jwks", InsecureAllowHTTP(), WithHTTPClient(newLoopbackClient(time.Second).Client))
	if err != nil {
		t.Fatalf("InsecureAllowHTTP: %v", err)
	}
	r.Close()
	// WithAlgorithms drops HMAC names and keeps the asymmetric ones.
	cfg, err := newRemoteConfig([]Option{WithAlgorithms([]Alg{HS256, ES256})})
	if err != nil || fmt.Sprint(cfg.algs) != "[ES256]" {
		t.Fatalf("WithAlgorithms = %v, %v", cfg, err)
	}
}

// Construction never waits for the network, even when the IdP hangs.
func TestRemoteConstructionNeverBlocks(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	p.setBehaviour(p.hang)
	start := time.Now()
	r := newTestRemote(t, p.url())
	if d := time.Since(start); d > time.Second {
		t.Fatalf("NewRemote took %v", d)
	}
	if r.Keys() != nil || r.Ready() || !r.LastSuccess().IsZero() {
		t.Fatal("keys before any fetch")
	}
	start = time.Now()
	d := newTestDiscover(t, p.srv.URL+"/")
	if time.Since(start) > time.Second || d.Keys() != nil {
		t.Fatal("Discover blocked or has keys")
	}
}

func TestRemoteFirstFetch(t *testing.T) {
	t.Parallel()
	ec := newEC(t, elliptic.P256())
	p := newIDP(t, jwkOf(t, ec, "k1"), jwkOf(t, testRSAKeys()[0], "k2", "alg", "PS256"))
	r := newTestRemote(t, p.url(), WithName("acme"))
	prime(t, r, 5*time.Second)
	if !r.Ready() || r.Keys().Len() != 2 || r.LastSuccess().IsZero() || r.Name() != "acme" {
		t.Fatalf("ready %v, %d keys, last success %v", r.Ready(), r.Keys().Len(), r.LastSuccess())
	}
	k, _ := r.Keys().Lookup("k2")
	if k.Alg() != PS256 {
		t.Fatalf("k2 bound to %s", k.Alg())
	}
	if n := p.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	// A known kid never fetches.
	set, err := r.Refresh(context.Background(), "k1")
	if err != nil || set != r.Keys() || p.hits.Load() != 1 {
		t.Fatalf("Refresh of a known kid: %v, %d fetches", err, p.hits.Load())
	}
}

// The background refresh runs at the configured interval and replaces the
// whole set: a key that leaves the document is revoked without any request
// asking for it.
func TestRemoteBackgroundRefreshRevokes(t *testing.T) {
	t.Parallel()
	a, b := jwkOf(t, newEC(t, elliptic.P256()), "a"), jwkOf(t, newEC(t, elliptic.P256()), "b")
	p := newIDP(t, a, b)
	start := time.Now()
	r := newTestRemote(t, p.url(), WithRefreshInterval(time.Second))
	prime(t, r, 5*time.Second)
	keyB, _ := r.Keys().Lookup("b")
	p.setKeys(t, a)
	eventually(t, 5*time.Second, "b revoked by the scheduled refresh", func() bool {
		_, ok := r.Keys().Lookup("b")
		return !ok
	})
	if r.Keys().Contains(keyB) {
		t.Fatal("the new set still contains the removed key")
	}
	eventually(t, 5*time.Second, "three fetches", func() bool { return p.hits.Load() >= 3 })
	if d := time.Since(start); d < 1700*time.Millisecond {
		t.Fatalf("three fetches in %v: faster than the 1 s interval (minus jitter)", d)
	}
	time.Sleep(300 * time.Millisecond)
	if n, d := p.hits.Load(), time.Since(start); n > int64(d/(900*time.Millisecond))+1 {
		t.Fatalf("%d fetches in %v with a 1 s interval", n, d)
	}
}

// A new kid is accepted at once through Refresh (rotation).
func TestRemoteRotation(t *testing.T) {
	t.Parallel()
	a, b := jwkOf(t, newEC(t, elliptic.P256()), "a"), jwkOf(t, newEC(t, elliptic.P256()), "b")
	p := newIDP(t, a)
	r := newTestRemote(t, p.url(), WithMinRefreshInterval(time.Second))
	prime(t, r, 5*time.Second)
	p.setKeys(t, a, b)
	start := time.Now()
	set, err := r.Refresh(context.Background(), "b")
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if _, ok := set.Lookup("b"); !ok || r.Keys() != set {
		t.Fatalf("rotated key not served: %v", set.KIDs())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("rotation took %v", d)
	}
	if p.hits.Load() != 2 {
		t.Fatalf("%d fetches, want 2", p.hits.Load())
	}
}

// The IdP is down at start: the source answers at once without keys,
// Refresh fails fast, Prime honours its context, and the source recovers on
// its own when the IdP comes up.
func TestRemoteOutageAtStart(t *testing.T) {
	t.Parallel()
	// Reserve a loopback port, then free it: connections are refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var buf syncBuffer
	r := newTestRemote(t, "http://"+addr+"/jwks", WithRefreshInterval(time.Second), WithMinRefreshInterval(time.Second), WithLogger(slogTo(&buf)))

	start := time.Now()
	set, err := r.Refresh(context.Background(), "k1")
	if err == nil || set != nil {
		t.Fatalf("Refresh = %v, %v; want no set and an error", set, err)
	}
	if d := time.Since(start); d > DefaultMaxWait+time.Second {
		t.Fatalf("Refresh took %v", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	start = time.Now()
	err = r.Prime(ctx)
	cancel()
	wantErrIs(t, err, ErrUnavailable)
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Fatalf("Prime returned after %v; want its context's 200ms", d)
	}
	if !strings.Contains(err.Error(), "connection refused") && !strings.Contains(err.Error(), "connect") {
		t.Fatalf("Prime error does not say why: %v", err)
	}
	if !strings.Contains(buf.String(), "level=WARN") {
		t.Fatalf("no warning logged:\n%s", buf.String())
	}

	// The IdP comes up on the same address.
	l, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	srv := httptest.NewUnstartedServer(p)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	prime(t, r, 5*time.Second) // no request needed: the retry loop recovers
	if _, ok := r.Keys().Lookup("k1"); !ok {
		t.Fatal("not recovered")
	}
}

// ETag / If-None-Match: a 304 keeps the set and counts as a success.
func TestRemoteNotModified(t *testing.T) {
	t.Parallel()
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	p.setETag(`"v1"`)
	obs := &recObserver{}
	r := newTestRemote(t, p.url(), WithRefreshInterval(time.Second), WithObserver(obs))
	prime(t, r, 5*time.Second)
	set, first := r.Keys(), r.LastSuccess()
	eventually(t, 5*time.Second, "a 304", func() bool {
		ev := obs.events()
		return len(ev) >= 2 && ev[1].NotModified
	})
	ev := obs.events()[1]
	if ev.Err != nil || ev.Keys != 1 || ev.Trigger != TriggerScheduled || len(ev.Added)+len(ev.Removed) != 0 {
		t.Fatalf("304 event %+v", ev)
	}
	if r.Keys() != set || !r.LastSuccess().After(first) {
		t.Fatal("304 replaced the set or did not count as a success")
	}
	p.mu.Lock()
	inm := append([]string(nil), p.inm...)
	p.mu.Unlock()
	if inm[0] != "" || inm[1] != `"v1"` {
		t.Fatalf("If-None-Match sent: %q", inm)
	}
	// A changed document (new ETag) replaces the set.
	p.setETag(`"v2"`)
	p.setKeys(t, jwkOf(t, newEC(t, elliptic.P256()), "k2"))
	eventually(t, 5*time.Second, "k2 loaded", func() bool { _, ok := r.Keys().Lookup("k2"); return ok })
}

// Observer events and log lines of a source's life.
func TestRemoteObserverAndLogger(t *testing.T) {
	t.Parallel()
	a, b := jwkOf(t, newEC(t, elliptic.P256()), "a"), jwkOf(t, newEC(t, elliptic.P256()), "b")
	p := newIDP(t, a, jwkOf(t, newEC(t, elliptic.P256()), "x", "use", "enc"))
	obs := &recObserver{}
	var buf syncBuffer
	r := newTestRemote(t, p.url(), WithName("acme"), WithObserver(obs), WithLogger(slogTo(&buf)),
		WithMinRefreshInterval(time.Second), WithMaxWait(5*time.Second))
	prime(t, r, 5*time.Second)

	p.setKeys(t, b)
	if _, err := r.Refresh(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	// Within the rate limit: refused without a fetch.
	set, err := r.Refresh(context.Background(), "c")
	wantErrIs(t, err, ErrRateLimited)
	if set != r.Keys() || p.hits.Load() != 2 {
		t.Fatalf("rate-limited Refresh fetched (%d) or lost the set", p.hits.Load())
	}
	p.setBehaviour(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	time.Sleep(time.Second)
	if _, err := r.Refresh(context.Background(), "d"); err == nil {
		t.Fatal("Refresh against a failing IdP succeeded")
	}

	eventually(t, 5*time.Second, "three fetch events", func() bool { return len(obs.events()) >= 3 })
	ev := obs.events()
	if len(ev) != 3 {
		t.Fatalf("%d fetch events, want 3: %+v", len(ev), ev)
	}
	checks := []struct {
		trigger        Trigger
		added, removed string
		keys           int
		failed         bool
	}{
		{TriggerInitial, "[a]", "[]", 1, false},
		{TriggerUnknownKID, "[b]", "[a]", 1, false},
		{TriggerUnknownKID, "[]", "[]", 1, true},
	}
	for i, c := range checks {
		e := ev[i]
		if e.Source != "acme" || e.Trigger != c.trigger || fmt.Sprint(e.Added) != c.added ||
			fmt.Sprint(e.Removed) != c.removed || e.Keys != c.keys || (e.Err != nil) != c.failed || e.Duration <= 0 {
			t.Errorf("event %d = %+v, want %+v", i, e, c)
		}
	}
	var se *StatusError
	if !errors.As(ev[2].Err, &se) || se.StatusCode != http.StatusBadGateway {
		t.Errorf("failure event error %v, want a 502 StatusError", ev[2].Err)
	}
	if acc, ref := obs.missCounts(); acc != 2 || ref != 1 {
		t.Errorf("unknown-kid events: %d accepted, %d refused; want 2, 1", acc, ref)
	}

	log := buf.String()
	for _, want := range []string{
		`level=INFO msg="jwks: key set changed" source=acme added=[a] removed=[] keys=1`,
		`level=INFO msg="jwks: key set changed" source=acme added=[b] removed=[a] keys=1`,
		`level=WARN msg="jwks: key dropped" source=acme reason=`,
		`level=WARN msg="jwks: key refresh failed; keeping the previous keys" source=acme trigger=unknown_kid error=`,
		`HTTP 502`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// Close stops every goroutine, also while a fetch hangs, and the source
// keeps answering with its last set.
func TestRemoteCloseStopsGoroutines(t *testing.T) {
	before := countRemoteGoroutines()
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	r, err := NewRemote(p.url(), WithRefreshInterval(time.Second), WithMinRefreshInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	prime(t, r, 5*time.Second)
	p.setBehaviour(p.hang)
	eventually(t, 5*time.Second, "a hanging scheduled fetch", func() bool { return p.hits.Load() >= 2 })
	waiter := make(chan error, 1)
	go func() { _, err := r.Refresh(context.Background(), "other"); waiter <- err }()
	if countRemoteGoroutines() <= before {
		t.Fatal("no Remote goroutine seen while fetching")
	}
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatalf("Close still waiting after 3s with a hanging fetch (the client timeout is 10s):\n%s", remoteStacks())
	}
	if err := <-waiter; err == nil {
		t.Fatal("a waiter got no error from a fetch cut by Close")
	}
	if n := settleRemoteGoroutines(before, 2*time.Second); n > before {
		t.Fatalf("%d Remote goroutines left after Close (%d before):\n%s", n, before, remoteStacks())
	}
	if _, ok := r.Keys().Lookup("k1"); !ok {
		t.Fatal("Keys lost the last set after Close")
	}
	if _, err := r.Refresh(context.Background(), "other"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Refresh after Close: %v, want ErrClosed", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Close before the first fetch ended.
	p2 := newIDP(t)
	p2.setBehaviour(p2.hang)
	r2, _ := NewRemote(p2.url())
	eventually(t, 2*time.Second, "fetch started", func() bool { return p2.hits.Load() == 1 })
	closed2 := make(chan struct{})
	go func() { r2.Close(); close(closed2) }()
	select {
	case <-closed2:
	case <-time.After(3 * time.Second):
		t.Fatal("Close still waiting after 3s during the first fetch")
	}
	if n := settleRemoteGoroutines(before, 2*time.Second); n > before {
		t.Fatalf("%d Remote goroutines left after Close during the first fetch", n)
	}
}
