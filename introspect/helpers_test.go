package introspect

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

const api = "https://api.example.com"

// fakeClock is a settable clock for WithClock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newKit starts a standalone test-kit introspection endpoint.
func newKit(t testing.TB) *jwtguardtest.Introspector {
	t.Helper()
	x, err := jwtguardtest.NewIntrospector()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	return x
}

// kitConfig is the Config that fits the kit x.
func kitConfig(x *jwtguardtest.Introspector) Config {
	return Config{
		Issuer:       x.URL(),
		Endpoint:     x.Endpoint(),
		ClientID:     jwtguardtest.DefaultIntrospectionClientID,
		ClientSecret: jwtguardtest.DefaultIntrospectionClientSecret,
		Audiences:    []string{api},
	}
}

func newClient(t testing.TB, cfg Config, opts ...Option) *Client {
	t.Helper()
	c, err := New(cfg, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// mint mints an opaque access token for api at x.
func mint(t testing.TB, x *jwtguardtest.Introspector, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{api}
	}
	tok, err := x.OpaqueToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// kindOfErr returns the Kind of err, "" for nil; it fails the test for an
// error that is not an *Error in exactly one category, or whose text
// breaks the rules (prefix, no token).
func kindOfErr(t testing.TB, err error, token string) Kind {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if errors.Is(err, ErrInactive) == errors.Is(err, ErrUnavailable) {
		t.Fatalf("error %v wraps both or neither of ErrInactive and ErrUnavailable", err)
	}
	if errors.Is(err, ErrUnavailable) != e.Unavailable() {
		t.Fatalf("Unavailable() = %v for %v", e.Unavailable(), err)
	}
	inactiveKinds := map[Kind]bool{
		KindInactive: true, KindMalformedToken: true, KindNotAccessToken: true, KindIssuerMismatch: true,
		KindMissingAud: true, KindAudience: true, KindMissingExpiry: true, KindExpired: true,
		KindNotYetValid: true, KindIssuedInFuture: true,
	}
	if inactiveKinds[e.Kind] != errors.Is(err, ErrInactive) {
		t.Fatalf("kind %q in the wrong category: %v", e.Kind, err)
	}
	if !strings.HasPrefix(err.Error(), "introspect: ") {
		t.Fatalf("error %q does not start with introspect:", err)
	}
	if token != "" && strings.Contains(err.Error(), token) {
		t.Fatalf("error %q contains the token", err)
	}
	return e.Kind
}

// recObserver records events.
type recObserver struct {
	mu          sync.Mutex
	requests    []RequestEvent
	hits        int
	misses      int
	hitKinds    []Kind
	rateLimited int
	// rateLimitedIssuers are the issuers RateLimited named.
	rateLimitedIssuers []string
}

func (o *recObserver) Introspected(ev RequestEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, ev)
}

func (o *recObserver) CacheLookup(hit bool, kind Kind) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if hit {
		o.hits++
		o.hitKinds = append(o.hitKinds, kind)
	} else {
		o.misses++
	}
}

func (o *recObserver) RateLimited(issuer string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.rateLimited++
	o.rateLimitedIssuers = append(o.rateLimitedIssuers, issuer)
}

// rawServer serves h on loopback and counts requests.
type rawServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits int
}

func newRawServer(t testing.TB, h http.HandlerFunc) *rawServer {
	t.Helper()
	s := &rawServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits++
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rawServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

// rawConfig is a Config for an endpoint served by s.
func rawConfig(s *rawServer) Config {
	return Config{
		Issuer:       s.URL + "/",
		Endpoint:     s.URL + "/introspect",
		ClientID:     "api",
		ClientSecret: "secret",
		Audiences:    []string{api},
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
