package middleware

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// kit starts a test-kit issuer, stopped when the test ends. Every kit's
// first key has the kid "key-1".
func kit(t testing.TB, opts ...jwtguardtest.Option) *jwtguardtest.Issuer {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	return iss
}

// mintFrom mints an access token of iss for testAudience unless c names
// an audience.
func mintFrom(t testing.TB, iss *jwtguardtest.Issuer, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{testAudience}
	}
	tok, err := iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func prime(t testing.TB, v *Validator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil {
		t.Fatal(err)
	}
}

// why is the Reason of err, "" for nil and "?" for other errors.
func why(err error) Reason {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return "?"
	}
	return e.Reason
}

// countingTransport counts every request the key sources make.
type countingTransport struct {
	n  atomic.Int64
	rt *http.Transport
}

func newCountingClient() (*http.Client, *countingTransport) {
	ct := &countingTransport{rt: &http.Transport{}}
	return &http.Client{Transport: ct, Timeout: 5 * time.Second}, ct
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// settle waits until no more than before goroutines run, and fails the
// test with every stack when they do not within 5 s.
func settle(t *testing.T, before int, ct *countingTransport) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		if ct != nil {
			ct.rt.CloseIdleConnections()
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// eventLog records validations and key-source events; safe for
// concurrent use.
type eventLog struct {
	mu      sync.Mutex
	issuers []string // ValidationEvent.Issuer, with "+cached" when cached
	sources map[string]bool
}

func (l *eventLog) Validated(ev ValidationEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := ev.Issuer
	if ev.Cached {
		s += "+cached"
	}
	l.issuers = append(l.issuers, s)
}

func (l *eventLog) KeysFetched(ev jwks.FetchEvent) { l.source(ev.Source) }

func (l *eventLog) UnknownKIDRefresh(source string, _ bool) { l.source(source) }

func (l *eventLog) source(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sources == nil {
		l.sources = map[string]bool{}
	}
	l.sources[s] = true
}

func (l *eventLog) take() (issuers, sources []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	issuers, l.issuers = l.issuers, nil
	for s := range l.sources {
		sources = append(sources, s)
	}
	slices.Sort(sources)
	return issuers, sources
}

// Two issuers whose keys share the kid "key-1": each token verifies only
// with its own issuer's keys, a token naming one issuer signed by the
// other fails its signature, a third issuer is refused without a single
// request to it, and Close stops both discovered sources.
func TestIssuersKeysBoundToTheirIssuer(t *testing.T) {
	a, b, c := kit(t), kit(t), kit(t)
	if a.KeyID() != "key-1" || b.KeyID() != a.KeyID() {
		t.Fatalf("kids %q %q: the test needs the same kid", a.KeyID(), b.KeyID())
	}
	client, ct := newCountingClient()
	before := runtime.NumGoroutine()
	log := &eventLog{}
	v, err := New(a.URL(), testAudience, WithIssuers(b.URL()), WithTokenCache(0), WithObserver(log),
		WithKeyOptions(jwks.WithHTTPClient(client)))
	if err != nil {
		t.Fatal(err)
	}
	prime(t, v)
	if got := v.Issuers(); !slices.Equal(got, []string{a.URL(), b.URL()}) {
		t.Fatalf("Issuers %v", got)
	}
	ctx := context.Background()
	cases := []struct {
		name  string
		tok   string
		want  Reason
		label string
	}{
		{"A", mintFrom(t, a, jwtguardtest.Claims{}), "", a.URL()},
		{"B", mintFrom(t, b, jwtguardtest.Claims{}), "", b.URL()},
		{"B's key claiming A", mintFrom(t, b, jwtguardtest.Claims{Issuer: a.URL()}), ReasonSignature, a.URL()},
		{"A's key claiming B", mintFrom(t, a, jwtguardtest.Claims{Issuer: b.URL()}), ReasonSignature, b.URL()},
		{"C, not listed", mintFrom(t, c, jwtguardtest.Claims{}), ReasonIssuer, ""},
	}
	for _, tc := range cases {
		if _, err := v.Validate(ctx, tc.tok); why(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
		if got, _ := log.take(); !slices.Equal(got, []string{tc.label}) {
			t.Errorf("%s: event issuer %q, want %q", tc.name, got, tc.label)
		}
	}
	if n := c.JWKSFetches() + c.DiscoveryFetches(); n != 0 {
		t.Errorf("%d requests to the issuer that is not listed", n)
	}
	if a.JWKSFetches() != 1 || b.JWKSFetches() != 1 {
		t.Errorf("JWKS fetches: A %d, B %d", a.JWKSFetches(), b.JWKSFetches())
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	settle(t, before, ct)
}

// Aliases share the keys of their issuer: fetched once, for tokens of
// every alias; a token naming an alias verifies with no other issuer's
// keys.
func TestIssuerAliases(t *testing.T) {
	a, b := kit(t), kit(t)
	const custom, other = "https://login.example.com/", "https://auth.example.org/"
	log := &eventLog{}
	v, err := New(a.URL(), testAudience, WithIssuerAliases(a.URL(), custom, other), WithIssuers(b.URL()),
		WithTokenCache(0), WithObserver(log))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	prime(t, v)
	if got := v.Issuers(); !slices.Equal(got, []string{a.URL(), b.URL(), custom, other}) {
		t.Fatalf("Issuers %v", got)
	}
	ctx := context.Background()
	for _, iss := range []string{a.URL(), custom, other, custom} {
		if _, err := v.Validate(ctx, mintFrom(t, a, jwtguardtest.Claims{Issuer: iss})); err != nil {
			t.Errorf("%s: %v", iss, err)
		}
	}
	if got, _ := log.take(); !slices.Equal(got, []string{a.URL(), custom, other, custom}) {
		t.Errorf("event issuers %q", got)
	}
	if a.JWKSFetches() != 1 || a.DiscoveryFetches() != 1 {
		t.Errorf("A: %d JWKS fetches, %d discoveries; want 1 each", a.JWKSFetches(), a.DiscoveryFetches())
	}
	if _, err := v.Validate(ctx, mintFrom(t, b, jwtguardtest.Claims{Issuer: custom})); why(err) != ReasonSignature {
		t.Errorf("B's key claiming A's alias: %v", err)
	}
	st := v.IssuerStatus()
	want := []IssuerStatus{
		{Issuer: a.URL(), Label: a.URL(), Ready: true, Keys: 1},
		{Issuer: b.URL(), Label: b.URL(), Ready: true, Keys: 1},
		{Issuer: custom, Label: custom, AliasOf: a.URL(), Ready: true, Keys: 1},
		{Issuer: other, Label: other, AliasOf: a.URL(), Ready: true, Keys: 1},
	}
	if !slices.Equal(st, want) {
		t.Errorf("IssuerStatus\n got %+v\nwant %+v", st, want)
	}
}

func TestIssuerOptionErrors(t *testing.T) {
	src := newSource(fixture.keySet...)
	cases := []struct {
		name string
		iss  string
		opts []Option
		want string
	}{
		{"alias of nothing", testIssuer, []Option{WithKeys(src), WithIssuerAliases("https://x.example/", "https://y.example/")},
			`middleware: WithIssuerAliases: "https://x.example/" is not a configured issuer`},
		{"alias twice", testIssuer, []Option{WithKeys(src), WithIssuerAliases(testIssuer, "https://y.example/", "https://y.example/")},
			"middleware: issuer https://y.example/ configured twice"},
		{"alias is an issuer", testIssuer, []Option{WithKeys(src), WithIssuer("https://y.example/", src), WithIssuerAliases(testIssuer, "https://y.example/")},
			"middleware: issuer https://y.example/ configured twice"},
		{"no alias", testIssuer, []Option{WithKeys(src), WithIssuerAliases(testIssuer)},
			"middleware: WithIssuerAliases needs at least one alias"},
		{"issuer twice", testIssuer, []Option{WithKeys(src), WithIssuers(testIssuer)},
			"middleware: issuer " + testIssuer + " configured twice"},
		{"empty issuer", testIssuer, []Option{WithKeys(src), WithIssuers("")}, "middleware: an issuer is required"},
		{"two key settings", testIssuer, []Option{WithKeys(src), WithIssuerConfig("https://y.example/", IssuerConfig{Keys: src, JWKSURL: "https://y.example/jwks"})},
			"middleware: issuer https://y.example/: give at most one of Keys, JWKSURL and DiscoveryIssuer"},
		{"algorithm outside the allowlist", testIssuer, []Option{WithKeys(src), WithAlgorithms(jwks.RS256),
			WithIssuerConfig("https://y.example/", IssuerConfig{Keys: src, Algorithms: []jwks.Alg{jwks.ES256}})},
			`middleware: issuer https://y.example/: algorithm "ES256" is not in the Validator's allowlist (WithAlgorithms)`},
		{"empty audience", testIssuer, []Option{WithKeys(src), WithIssuerConfig("https://y.example/", IssuerConfig{Keys: src, Audiences: []string{""}})},
			"middleware: issuer https://y.example/: empty audience"},
		{"empty namespace", testIssuer, []Option{WithKeys(src), WithIssuerConfig("https://y.example/", IssuerConfig{Keys: src, Namespaces: []string{""}})},
			"middleware: issuer https://y.example/: empty namespace"},
		{"label with spaces", testIssuer, []Option{WithKeys(src), WithIssuerConfig("https://y.example/", IssuerConfig{Keys: src, Label: " y"})},
			`middleware: issuer https://y.example/: label " y" has surrounding spaces`},
		{"no issuer and no resolver", "", []Option{WithIssuers("https://y.example/")}, "middleware: an issuer is required"},
		{"WithKeys without New's issuer", "", []Option{WithKeys(src), WithIssuerResolver(refuseAll)},
			"middleware: WithKeys sets the keys of the issuer given to New, and there is none"},
		{"bad JWKS URL", testIssuer, []Option{WithKeys(src), WithIssuerConfig("https://y.example/", IssuerConfig{JWKSURL: "ftp://y.example/jwks"})},
			`middleware: issuer https://y.example/: jwks: URL must be https: "ftp://y.example/jwks" has scheme "ftp"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			v, err := New(tc.iss, testAudience, tc.opts...)
			if err == nil {
				v.Close()
				t.Fatal("New succeeded")
			}
			if err.Error() != tc.want {
				t.Fatalf("error\n got %s\nwant %s", err, tc.want)
			}
			settle(t, before, nil)
		})
	}
}

// A key source that fails to start closes the ones New created before it.
func TestIssuerSourceErrorClosesEarlierSources(t *testing.T) {
	a := kit(t)
	client, ct := newCountingClient()
	before := runtime.NumGoroutine()
	_, err := New(a.URL(), testAudience, WithKeyOptions(jwks.WithHTTPClient(client)),
		WithIssuerConfig("https://y.example/", IssuerConfig{JWKSURL: "http://y.example/jwks"}))
	if err == nil || !strings.HasPrefix(err.Error(), "middleware: issuer https://y.example/: jwks: URL must be https") {
		t.Fatalf("err = %v", err)
	}
	settle(t, before, ct)
}

// Per-issuer audiences, algorithms and namespaces replace the Validator's
// for that issuer's tokens only.
func TestIssuerConfigSettings(t *testing.T) {
	a, b := kit(t), kit(t)
	const bAPI, bNS = "https://b-api.example.com", "https://b.example.com/"
	// C's keys are RS256, but C allows only ES256: its RS256 tokens are
	// refused by its own allowlist, not by the key lookup.
	cSrc := newSource(fixture.keySet...)
	v, err := New(a.URL(), testAudience, WithNamespace(testNS), WithTokenCache(0),
		WithIssuerConfig(b.URL(), IssuerConfig{Audiences: []string{bAPI}, Namespaces: []string{bNS}}),
		WithIssuerConfig("https://c.example.com/", IssuerConfig{Keys: cSrc, Algorithms: []jwks.Alg{jwks.ES256, jwks.ES256}}))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	prime(t, v)
	ctx := context.Background()
	color := map[string]any{testNS + "color": "a-blue", bNS + "color": "b-green"}
	cases := []struct {
		name  string
		tok   string
		want  Reason
		color string
	}{
		{"A with the API's audience", mintFrom(t, a, jwtguardtest.Claims{Custom: color}), "", "a-blue"},
		{"A with B's audience", mintFrom(t, a, jwtguardtest.Claims{Audience: []string{bAPI}}), ReasonAudience, ""},
		{"B with its audience", mintFrom(t, b, jwtguardtest.Claims{Audience: []string{bAPI}, Custom: color}), "", "b-green"},
		{"B with the API's audience", mintFrom(t, b, jwtguardtest.Claims{}), ReasonAudience, ""},
		{"C, RS256", token(t, "RS256", func(h, c map[string]any) { c["iss"] = "https://c.example.com/" }), ReasonAlgorithm, ""},
		{"C, ES256", token(t, "ES256", func(h, c map[string]any) { c["iss"] = "https://c.example.com/" }), "", ""},
	}
	for _, tc := range cases {
		c, err := v.Validate(ctx, tc.tok)
		if why(err) != tc.want {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			continue
		}
		if tc.color != "" {
			if got, err := Custom[string](c, "color"); got != tc.color {
				t.Errorf("%s: color %q (%v), want %q", tc.name, got, err, tc.color)
			}
		}
	}
	// The audience hint names the issuer's own audiences.
	_, err = v.Validate(ctx, mintFrom(t, b, jwtguardtest.Claims{}))
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Hint, `this API accepts "`+bAPI+`"`) {
		t.Errorf("hint: %v", err)
	}
	if cSrc.refreshes.Load() != 0 {
		t.Error("a refused algorithm made the source refresh")
	}
}

// With many issuers, the issuer is found by a map lookup; with few, by a
// scan; neither allocates.
func TestIssuerLookup(t *testing.T) {
	for _, n := range []int{1, manyIssuers - 1, manyIssuers, 100} {
		v := manyIssuersValidator(t, n, 0)
		if (v.byIssuer != nil) != (n >= manyIssuers) {
			t.Errorf("%d issuers: map %v", n, v.byIssuer != nil)
		}
		last := fmt.Sprintf("https://tenant-%03d.example.com/", n-1)
		if ic := v.issuer(last); ic == nil || ic.issuer != last {
			t.Errorf("%d issuers: %s not found", n, last)
		}
		if v.issuer("https://tenant-x.example.com/") != nil {
			t.Errorf("%d issuers: unknown issuer found", n)
		}
		tok := token(t, "ES256", func(h, c map[string]any) { c["iss"] = last })
		if _, err := v.Validate(context.Background(), tok); err != nil {
			t.Errorf("%d issuers: %v", n, err)
		}
		if a := testing.AllocsPerRun(100, func() { v.issuer(last) }); a != 0 {
			t.Errorf("%d issuers: lookup allocates %v", n, a)
		}
	}
}

// manyIssuersValidator trusts n issuers "https://tenant-NNN.example.com/"
// with the fixture keys.
func manyIssuersValidator(t testing.TB, n, cache int) *Validator {
	t.Helper()
	src := newSource(fixture.keySet...)
	opts := []Option{WithKeys(src), WithTokenCache(cache), WithNamespace(testNS)}
	for i := 1; i < n; i++ {
		opts = append(opts, WithIssuer(fmt.Sprintf("https://tenant-%03d.example.com/", i), src))
	}
	v, err := New("https://tenant-000.example.com/", testAudience, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Ready waits for every configured issuer; IssuerStatus says which one is
// missing; Prime names it.
func TestIssuerStatusAndReady(t *testing.T) {
	a, b := kit(t), kit(t)
	b.SetDown(true)
	v, err := New(a.URL(), testAudience, WithIssuerConfig(b.URL(), IssuerConfig{Label: "tenant-b"}),
		WithKeyOptions(jwks.WithMinRefreshInterval(time.Second)), WithLogger(discardLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = v.Prime(ctx)
	if !errors.Is(err, ErrKeysUnavailable) || !strings.Contains(err.Error(), "issuer "+b.URL()+": ") {
		t.Fatalf("Prime while B is down: %v", err)
	}
	if v.Ready() {
		t.Fatal("Ready while B is down")
	}
	want := []IssuerStatus{
		{Issuer: a.URL(), Label: a.URL(), Ready: true, Keys: 1},
		{Issuer: b.URL(), Label: "tenant-b"},
	}
	if st := v.IssuerStatus(); !slices.Equal(st, want) {
		t.Fatalf("IssuerStatus\n got %+v\nwant %+v", st, want)
	}
	b.SetDown(false)
	// The token's unknown-kid refresh brings B's keys (B is retried with
	// backoff in the background too).
	deadline := time.Now().Add(10 * time.Second)
	for !v.Ready() {
		v.Validate(context.Background(), mintFrom(t, b, jwtguardtest.Claims{}))
		if time.Now().After(deadline) {
			t.Fatal("not Ready after B came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	want[1].Ready, want[1].Keys = true, 1
	if st := v.IssuerStatus(); !slices.Equal(st, want) {
		t.Fatalf("IssuerStatus\n got %+v\nwant %+v", st, want)
	}
}

// An issuer's Label is its metric label, for cached answers too.
func TestIssuerLabel(t *testing.T) {
	log := &eventLog{}
	src := newSource(fixture.keySet...)
	v, err := New(testIssuer, testAudience, WithKeys(src), WithObserver(log),
		WithIssuerConfig("https://b.example.com/", IssuerConfig{Keys: src, Label: "tenant-b"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := token(t, "ES256", nil)
	b := token(t, "ES256", func(h, c map[string]any) { c["iss"] = "https://b.example.com/" })
	for _, tok := range []string{a, a, b, b} {
		if _, err := v.Validate(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := log.take()
	if want := []string{testIssuer, testIssuer + "+cached", "tenant-b", "tenant-b+cached"}; !slices.Equal(got, want) {
		t.Errorf("event issuers %q, want %q", got, want)
	}
}

// Configured issuers with the same key settings share one key source;
// Prime names the issuer a source discovers when its document names
// another.
func TestIssuerConfigSharedKeys(t *testing.T) {
	a, b := kit(t), kit(t)
	const custom, j1, j2 = "https://login.example.com/", "https://j1.example.com/", "https://j2.example.com/"
	v, err := New(a.URL(), testAudience, WithTokenCache(0),
		WithIssuerConfig(custom, IssuerConfig{DiscoveryIssuer: a.URL()}),
		WithIssuerConfig(j1, IssuerConfig{JWKSURL: a.JWKSURL()}),
		WithIssuerConfig(j2, IssuerConfig{JWKSURL: a.JWKSURL()}))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	prime(t, v)
	for _, iss := range []string{a.URL(), custom, j1, j2} {
		if _, err := v.Validate(context.Background(), mintFrom(t, a, jwtguardtest.Claims{Issuer: iss})); err != nil {
			t.Errorf("%s: %v", iss, err)
		}
	}
	if a.DiscoveryFetches() != 1 || a.JWKSFetches() != 2 {
		t.Errorf("%d discoveries, %d JWKS fetches; want 1 and 2 (one per source)", a.DiscoveryFetches(), a.JWKSFetches())
	}

	noSlash := strings.TrimSuffix(a.URL(), "/")
	w, err := New(b.URL(), testAudience, WithLogger(discardLogger()),
		WithIssuerConfig("https://custom.example.com/", IssuerConfig{DiscoveryIssuer: noSlash}),
		WithKeyOptions(jwks.WithFallbackJWKS(a.JWKSURL())))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	want := `middleware: issuer "` + noSlash + `" does not match "` + a.URL() + `", the issuer its discovery document publishes; ` +
		`configure the issuer exactly as "` + a.URL() + `": jwks: discovery document names another issuer`
	if err := w.Prime(ctx); err == nil || err.Error() != want {
		t.Errorf("Prime: %v\nwant %s", err, want)
	}
	if st := w.IssuerStatus(); len(st) != 2 || st[1].Ready || st[1].IssuerMismatch != a.URL() || st[1].Keys != 1 {
		t.Errorf("IssuerStatus %+v", st)
	}
}
