package jwks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMain fails the run when a Remote goroutine outlives the tests: every
// source a test builds must be closed, and Close must stop all of them.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if n := settleRemoteGoroutines(0, 5*time.Second); n != 0 {
			fmt.Fprintf(os.Stderr, "jwks: %d Remote goroutines still running after the tests:\n%s\n", n, remoteStacks())
			code = 1
		}
	}
	os.Exit(code)
}

// remoteStacks returns the stacks of goroutines running code of a Remote.
func remoteStacks() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "jwks.(*Remote)") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func countRemoteGoroutines() int {
	s := remoteStacks()
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n\n") + 1
}

// settleRemoteGoroutines waits until at most want Remote goroutines run and
// returns the last count.
func settleRemoteGoroutines(want int, within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		n := countRemoteGoroutines()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Test keys: RSA generation is slow under -race, so the few RSA keys are
// made once per test binary.
var testRSAKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 2)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

var testSmallRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	return k
})

func newEC(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEd(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwkOf encodes the public part of key as a JWK (RFC 7517, RFC 7518
// section 6, RFC 8037) with kid, then the extra members given as name,
// value pairs (a nil value deletes a member).
func jwkOf(t testing.TB, key any, kid string, extra ...any) map[string]any {
	t.Helper()
	m := map[string]any{}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return jwkOf(t, &k.PublicKey, kid, extra...)
	case *ecdsa.PrivateKey:
		return jwkOf(t, &k.PublicKey, kid, extra...)
	case ed25519.PrivateKey:
		return jwkOf(t, k.Public(), kid, extra...)
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = b64(k.N.Bytes())
		m["e"] = b64(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		if err != nil {
			t.Fatal(err)
		}
		pt := e.Bytes()[1:] // 0x04 || X || Y, fixed width
		m["kty"] = "EC"
		m["crv"] = k.Curve.Params().Name
		m["x"] = b64(pt[:len(pt)/2])
		m["y"] = b64(pt[len(pt)/2:])
	case ed25519.PublicKey:
		m["kty"] = "OKP"
		m["crv"] = "Ed25519"
		m["x"] = b64(k)
	default:
		t.Fatalf("jwkOf: unsupported key %T", key)
	}
	if kid != "" {
		m["kid"] = kid
	}
	for i := 0; i+1 < len(extra); i += 2 {
		name := extra[i].(string)
		if extra[i+1] == nil {
			delete(m, name)
		} else {
			m[name] = extra[i+1]
		}
	}
	return m
}

func jwksDoc(t testing.TB, keys ...map[string]any) []byte {
	t.Helper()
	if keys == nil {
		keys = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// idp is an httptest identity provider serving a JWK Set at /jwks, with
// routes for other paths and a switchable behaviour for failures.
type idp struct {
	srv     *httptest.Server
	hits    atomic.Int64 // requests to /jwks
	release chan struct{}

	mu       sync.Mutex
	doc      []byte
	etag     string
	header   http.Header
	behave   http.HandlerFunc
	routes   map[string]http.HandlerFunc
	pathHits map[string]int
	inm      []string // If-None-Match values received
}

func newIDP(t testing.TB, keys ...map[string]any) *idp {
	t.Helper()
	p := &idp{release: make(chan struct{}), routes: map[string]http.HandlerFunc{}, pathHits: map[string]int{}, header: http.Header{}}
	p.doc = jwksDoc(t, keys...)
	p.srv = httptest.NewServer(p)
	t.Cleanup(p.srv.Close)
	t.Cleanup(func() { close(p.release) }) // runs first: frees hanging handlers
	return p
}

func (p *idp) url() string { return p.srv.URL + "/jwks" }

func (p *idp) setKeys(t testing.TB, keys ...map[string]any) {
	doc := jwksDoc(t, keys...)
	p.mu.Lock()
	p.doc = doc
	p.mu.Unlock()
}

func (p *idp) setETag(etag string) {
	p.mu.Lock()
	p.etag = etag
	p.mu.Unlock()
}

func (p *idp) setHeader(name, value string) {
	p.mu.Lock()
	p.header.Set(name, value)
	p.mu.Unlock()
}

// setBehaviour replaces the JWKS handler; nil restores the normal one.
func (p *idp) setBehaviour(h http.HandlerFunc) {
	p.mu.Lock()
	p.behave = h
	p.mu.Unlock()
}

func (p *idp) route(path string, h http.HandlerFunc) {
	p.mu.Lock()
	p.routes[path] = h
	p.mu.Unlock()
}

func (p *idp) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pathHits[path]
}

// hang blocks until the client goes away or the test ends.
func (p *idp) hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-p.release:
	}
}

func (p *idp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.pathHits[r.URL.Path]++
	route, behave := p.routes[r.URL.Path], p.behave
	if r.URL.Path == "/jwks" {
		p.inm = append(p.inm, r.Header.Get("If-None-Match"))
	}
	p.mu.Unlock()
	if route != nil {
		route(w, r)
		return
	}
	if r.URL.Path != "/jwks" {
		http.NotFound(w, r)
		return
	}
	p.hits.Add(1)
	if behave != nil {
		behave(w, r)
		return
	}
	p.serveKeys(w, r)
}

// serveKeys answers with the current document, honouring If-None-Match.
func (p *idp) serveKeys(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	doc, etag, hdr := p.doc, p.etag, p.header.Clone()
	p.mu.Unlock()
	for k, v := range hdr {
		w.Header()[k] = v
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Write(doc)
}

// loopbackClient is an HTTP client that can only reach loopback addresses:
// a request anywhere else fails and is counted, so a test can prove that no
// outbound request was attempted.
type loopbackClient struct {
	*http.Client
	offLoopback atomic.Int64
}

func newLoopbackClient(timeout time.Duration) *loopbackClient {
	lc := &loopbackClient{}
	d := &net.Dialer{Timeout: timeout}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				lc.offLoopback.Add(1)
				return nil, fmt.Errorf("test transport: refusing to dial %s", addr)
			}
			return d.DialContext(ctx, network, addr)
		},
	}
	lc.Client = &http.Client{Timeout: timeout, Transport: tr}
	return lc
}

// newTestRemote builds a Remote closed at the end of the test.
func newTestRemote(t testing.TB, url string, opts ...Option) *Remote {
	t.Helper()
	r, err := NewRemote(url, opts...)
	if err != nil {
		t.Fatalf("NewRemote(%q): %v", url, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func prime(t testing.TB, r *Remote, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := r.Prime(ctx); err != nil {
		t.Fatalf("Prime: %v", err)
	}
}

// eventually polls cond every 10 ms until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recObserver records a Remote's events.
type recObserver struct {
	mu      sync.Mutex
	fetches []FetchEvent
	misses  []bool
}

func (o *recObserver) KeysFetched(ev FetchEvent) {
	o.mu.Lock()
	o.fetches = append(o.fetches, ev)
	o.mu.Unlock()
}

func (o *recObserver) UnknownKIDRefresh(source string, refused bool) {
	o.mu.Lock()
	o.misses = append(o.misses, refused)
	o.mu.Unlock()
}

func (o *recObserver) events() []FetchEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]FetchEvent(nil), o.fetches...)
}

func (o *recObserver) missCounts() (accepted, refused int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.misses {
		if r {
			refused++
		} else {
			accepted++
		}
	}
	return accepted, refused
}

// failedFetches counts fetch events with an error.
func (o *recObserver) failedFetches() int {
	n := 0
	for _, ev := range o.events() {
		if ev.Err != nil {
			n++
		}
	}
	return n
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func wantErrIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want one wrapping %v", err, target)
	}
}

// slogTo returns a text logger writing every level to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
