package httpguard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// billing is the audience of the second API of the stack tests.
const billing = "https://billing.example.com"

// counter counts a validator's validations (middleware.Observer): how many
// times the guards of a stack authenticated a request.
type counter struct{ n atomic.Int64 }

func (c *counter) Validated(middleware.ValidationEvent) { c.n.Add(1) }

// stackEnv is an issuer with two APIs: A (contacts, namespace
// https://a.example.com/) and B (billing), each with its own validator.
type stackEnv struct {
	iss     *jwtguardtest.Issuer
	a, b    *middleware.Validator
	na, nb  *counter
	key     *jwtguardtest.DPoPKey
	opts    []httpguard.Option
	reader  string // A, read:contacts
	nobody  string // A, no scope
	bound   string // A, read:contacts, DPoP-bound to key
	boundNo string // A, no scope, DPoP-bound to key
	both    string // A and B, read:contacts, custom claim color=blue
	expired string // A, read:contacts, expired
	boundAB string // A and B, read:contacts, DPoP-bound to key
	onlyB   string // B, read:contacts
}

func newStackEnv(t *testing.T, vopts ...middleware.Option) *stackEnv {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	src, err := jwks.NewRemote(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := src.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	e := &stackEnv{iss: iss, na: &counter{}, nb: &counter{},
		opts: []httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}}
	newV := func(aud string, n *counter, extra ...middleware.Option) *middleware.Validator {
		opts := append([]middleware.Option{middleware.WithKeys(src), middleware.WithObserver(n)}, extra...)
		v, err := middleware.New(iss.URL(), aud, append(opts, vopts...)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { v.Close() })
		return v
	}
	e.a = newV(audience, e.na, middleware.WithNamespace("https://a.example.com/"))
	e.b = newV(billing, e.nb)
	if e.key, err = jwtguardtest.NewDPoPKey(""); err != nil {
		t.Fatal(err)
	}
	mint := func(c jwtguardtest.Claims) string {
		t.Helper()
		if c.Audience == nil {
			c.Audience = []string{audience}
		}
		c.Subject = "auth0|alice"
		tok, err := iss.AccessToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	e.reader = mint(jwtguardtest.Claims{Scope: "read:contacts"})
	e.nobody = mint(jwtguardtest.Claims{})
	e.bound = mint(jwtguardtest.Claims{Scope: "read:contacts", DPoPKey: e.key})
	e.boundNo = mint(jwtguardtest.Claims{DPoPKey: e.key})
	e.expired = mint(jwtguardtest.Claims{Scope: "read:contacts", ExpiresIn: -time.Hour})
	e.both = mint(jwtguardtest.Claims{Scope: "read:contacts", Audience: []string{audience, billing},
		Custom: map[string]any{"https://a.example.com/color": "blue"}})
	e.boundAB = mint(jwtguardtest.Claims{Scope: "read:contacts", Audience: []string{audience, billing}, DPoPKey: e.key})
	e.onlyB = mint(jwtguardtest.Claims{Scope: "read:contacts", Audience: []string{billing}})
	return e
}

// bearer is a GET /api/contacts request with a Bearer token ("" for none).
func (e *stackEnv) bearer(tok string) func(*testing.T) *http.Request {
	return func(*testing.T) *http.Request {
		r := httptest.NewRequest("GET", "/api/contacts", nil)
		if tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		return r
	}
}

// dpop is a GET /api/contacts request with a DPoP-bound token and one
// fresh proof, carrying nonce when not "".
func (e *stackEnv) dpop(tok, nonce string) func(*testing.T) *http.Request {
	return func(t *testing.T) *http.Request {
		r := httptest.NewRequest("GET", "/api/contacts", nil)
		r.Header.Set("Authorization", "DPoP "+tok)
		r.Header.Set("DPoP", proof(t, e.key, jwtguardtest.Proof{Method: "GET", URL: "http://example.com/api/contacts",
			AccessToken: tok, Nonce: nonce}))
		return r
	}
}

// reply is an answer of a stack, compared byte for byte.
type reply struct {
	status            int
	challenge, body   string
	nonces, retryAfer []string
	contentType       string
}

func serveReply(h http.Handler, r *http.Request) reply {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return reply{status: rec.Code, challenge: rec.Header().Get("WWW-Authenticate"), body: rec.Body.String(),
		nonces: rec.Header().Values("DPoP-Nonce"), retryAfer: rec.Header().Values("Retry-After"),
		contentType: rec.Header().Get("Content-Type")}
}

func (a reply) equal(b reply) bool {
	eq := func(x, y []string) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return a.status == b.status && a.challenge == b.challenge && a.body == b.body && a.contentType == b.contentType &&
		eq(a.nonces, b.nonces) && eq(a.retryAfer, b.retryAfer)
}

// chain composes middleware as chi's r.Use and r.With, gorilla's Use and
// alice do: the first is the outermost.
func chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// requireMW is Require in middleware shape.
func requireMW(v *middleware.Validator, r scopecheck.Requirement, opts ...httpguard.Option) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return httpguard.Require(v, r, next, opts...) }
}

// authenticateMW uses httpguard.Authenticate, as a custom router would.
func authenticateMW(v *middleware.Validator, opts ...httpguard.Option) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r, _, err := httpguard.Authenticate(v, r, opts...)
			if err != nil {
				httpguard.WriteError(w, r, err, opts...)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// stacks are every way of putting two or more guards of one validator in
// front of GET /api/contacts, which needs read:contacts.
func stacks(v *middleware.Validator, o []httpguard.Option) []struct {
	name string
	h    http.Handler
} {
	read := scopecheck.All("read:contacts")
	h := http.HandlerFunc(echo)
	mux := func() *httpguard.Mux {
		m := httpguard.NewMux(v, o...)
		m.HandleFunc("GET /api/contacts", read, echo)
		return m
	}
	outer := httpguard.NewMux(v, o...)
	outer.Handle("GET /api/", scopecheck.Authenticated, mux())
	return []struct {
		name string
		h    http.Handler
	}{
		{"Middleware then Require (chi r.Use + route)", chain(h, httpguard.Middleware(v, o...), requireMW(v, read, o...))},
		{"Middleware twice then Require", chain(h, httpguard.Middleware(v, o...), httpguard.Middleware(v, o...), requireMW(v, read, o...))},
		{"Protect around Require", httpguard.Protect(v, httpguard.Require(v, read, h, o...), o...)},
		{"Require around Protect", httpguard.Require(v, read, httpguard.Protect(v, h, o...), o...)},
		{"Require twice", httpguard.Require(v, read, httpguard.Require(v, read, h, o...), o...)},
		{"Protect around Mux", httpguard.Protect(v, mux(), o...)},
		{"Mux in Mux", outer},
		{"public Require around Require", httpguard.Require(v, scopecheck.Public, httpguard.Require(v, read, h, o...), o...)},
		{"Authenticate then Require", chain(h, authenticateMW(v, o...), requireMW(v, read, o...))},
	}
}

const (
	okBody      = `{"authed":true,"sub":"auth0|alice"}` + "\n"
	textPlain   = "text/plain; charset=utf-8" // what net/http sniffs from the handlers' answers
	bareContact = `Bearer realm="contacts"` + dpopOffer
	scope403    = `error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts"`
	body403     = `{"type":"about:blank","title":"Forbidden","status":403,"detail":"the access token lacks the scope this resource requires: read:contacts","error":"insufficient_scope","reason":"insufficient_scope","scope":"read:contacts"}` + "\n"
	body401     = `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}` + "\n"
)

// TestStackedGuardsAuthenticateOnce: whatever the nesting, a request is
// authenticated once (one validation), a DPoP proof is not refused as its
// own replay, and the answer is byte for byte the one of a single Require.
func TestStackedGuardsAuthenticateOnce(t *testing.T) {
	e := newStackEnv(t)
	single := httpguard.Require(e.a, scopecheck.All("read:contacts"), http.HandlerFunc(echo), e.opts...)
	reqs := []struct {
		name        string
		req         func(*testing.T) *http.Request
		validations int64
		want        reply
	}{
		{"Bearer ok", e.bearer(e.reader), 1, reply{status: 200, body: okBody, contentType: textPlain}},
		{"DPoP ok, one proof", e.dpop(e.bound, ""), 1, reply{status: 200, body: okBody, contentType: textPlain}},
		{"Bearer lacking the scope", e.bearer(e.nobody), 1,
			reply{status: 403, challenge: `Bearer realm="contacts", ` + scope403 + dpopOffer, body: body403, contentType: "application/problem+json"}},
		{"DPoP lacking the scope", e.dpop(e.boundNo, ""), 1,
			reply{status: 403, challenge: bareContact + ", " + scope403, body: body403, contentType: "application/problem+json"}},
		{"no token", e.bearer(""), 0, reply{status: 401, challenge: bareContact, body: body401, contentType: "application/problem+json"}},
	}
	for _, s := range stacks(e.a, e.opts) {
		t.Run(s.name, func(t *testing.T) {
			for _, rq := range reqs {
				t.Run(rq.name, func(t *testing.T) {
					ref := serveReply(single, rq.req(t))
					e.na.n.Store(0)
					got := serveReply(s.h, rq.req(t))
					if n := e.na.n.Load(); n != rq.validations {
						t.Errorf("%d validations, want %d", n, rq.validations)
					}
					if !got.equal(rq.want) {
						t.Errorf("got  %+v\nwant %+v", got, rq.want)
					}
					if !got.equal(ref) {
						t.Errorf("stack %+v\nsingle Require %+v", got, ref)
					}
				})
			}
		})
	}
}

// TestStackedGuardsNonce: with server nonces (RFC 9449 section 9), a stack
// serves a DPoP request with one DPoP-Nonce, and a refusal by the inner
// guard takes back the nonce the outer one set, as a single guard sends
// none with a 403.
func TestStackedGuardsNonce(t *testing.T) {
	e := newStackEnv(t, middleware.WithDPoPNonce([]byte("stack test nonce secret, 32+ bytes"), time.Hour))
	single := httpguard.Require(e.a, scopecheck.All("read:contacts"), http.HandlerFunc(echo), e.opts...)
	first := serveReply(single, e.dpop(e.bound, "")(t))
	if first.status != 401 || len(first.nonces) != 1 {
		t.Fatalf("proof without nonce: %+v", first)
	}
	nonce := first.nonces[0]
	for _, s := range stacks(e.a, e.opts) {
		t.Run(s.name, func(t *testing.T) {
			e.na.n.Store(0)
			got := serveReply(s.h, e.dpop(e.bound, nonce)(t))
			if got.status != 200 || got.body != okBody || len(got.nonces) != 1 || got.nonces[0] != nonce || e.na.n.Load() != 1 {
				t.Errorf("served: %+v, want 200 and DPoP-Nonce %q once, after %d validations", got, nonce, e.na.n.Load())
			}
			got = serveReply(s.h, e.dpop(e.boundNo, nonce)(t))
			want := reply{status: 403, challenge: bareContact + ", " + scope403, body: body403, contentType: "application/problem+json"}
			if !got.equal(want) {
				t.Errorf("refused: got  %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestStackedGuardsTwoValidators: a request authenticated for API A is
// authenticated again by a guard of API B, which refuses a token for A
// only; a guard of A further in reuses A's claims, not B's.
func TestStackedGuardsTwoValidators(t *testing.T) {
	e := newStackEnv(t)
	o := e.opts
	color := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFromContext(r.Context())
		s, _ := middleware.Custom[string](c, "color") // only A's namespace finds it
		w.Write([]byte(c.Subject + " " + s))
	})
	aThenB := chain(color, httpguard.Middleware(e.a, o...), requireMW(e.b, scopecheck.Authenticated, o...))
	bThenA := chain(color, httpguard.Middleware(e.b, o...), requireMW(e.a, scopecheck.All("read:contacts"), o...))
	aBA := chain(color, httpguard.Middleware(e.a, o...), requireMW(e.b, scopecheck.Authenticated, o...),
		requireMW(e.a, scopecheck.All("read:contacts"), o...))
	audErr := `Bearer realm="contacts", error="invalid_token", error_description="the token is not intended for this API (aud)"` + dpopOffer
	audBody := `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the token is not intended for this API (aud)","error":"invalid_token","reason":"audience_mismatch"}` + "\n"
	cases := []struct {
		name   string
		h      http.Handler
		req    func(*testing.T) *http.Request
		na, nb int64
		want   reply
	}{
		{"A then B, token for A only", aThenB, e.bearer(e.reader), 1, 1,
			reply{status: 401, challenge: audErr, body: audBody, contentType: "application/problem+json"}},
		{"B then A, token for B only", bThenA, e.bearer(e.onlyB), 1, 1,
			reply{status: 401, challenge: audErr, body: audBody, contentType: "application/problem+json"}},
		{"A then B, token for both: B's claims", aThenB, e.bearer(e.both), 1, 1, reply{status: 200, body: "auth0|alice ", contentType: textPlain}},
		{"B then A, token for both", bThenA, e.bearer(e.both), 1, 1, reply{status: 200, body: "auth0|alice blue", contentType: textPlain}},
		{"A, B, A: A's claims reach the handler", aBA, e.bearer(e.both), 1, 1, reply{status: 200, body: "auth0|alice blue", contentType: textPlain}},
		{"A, B, A with DPoP: each validator checks the proof once", aBA, e.dpop(e.boundAB, ""), 1, 1, reply{status: 200, body: "auth0|alice ", contentType: textPlain}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.na.n.Store(0)
			e.nb.n.Store(0)
			got := serveReply(tc.h, tc.req(t))
			if !got.equal(tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if a, b := e.na.n.Load(), e.nb.n.Load(); a != tc.na || b != tc.nb {
				t.Errorf("validations: A %d, B %d; want %d, %d", a, b, tc.na, tc.nb)
			}
		})
	}
}

// TestPublicPassThroughDoesNotAuthenticate: a public guard that finds no
// valid token lets the request through unmarked: the handler sees no
// claims and a guard further in authenticates the request itself.
func TestPublicPassThroughDoesNotAuthenticate(t *testing.T) {
	e := newStackEnv(t)
	o := e.opts
	var sawClaims atomic.Bool
	probe := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, ok := middleware.ClaimsFromContext(r.Context())
			sawClaims.Store(ok)
			next.ServeHTTP(w, r)
		})
	}
	h := chain(http.HandlerFunc(echo), requireMW(e.a, scopecheck.Public, o...), probe, requireMW(e.a, scopecheck.All("read:contacts"), o...))
	expiredBody := `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the token has expired","error":"invalid_token","reason":"expired"}` + "\n"
	cases := []struct {
		name        string
		req         func(*testing.T) *http.Request
		validations int64
		claims      bool
		want        reply
	}{
		{"no token", e.bearer(""), 0, false, reply{status: 401, challenge: bareContact, body: body401, contentType: "application/problem+json"}},
		{"expired token", e.bearer(e.expired), 2, false, reply{status: 401,
			challenge: `Bearer realm="contacts", error="invalid_token", error_description="the token has expired"` + dpopOffer,
			body:      expiredBody, contentType: "application/problem+json"}},
		{"valid token", e.bearer(e.reader), 1, true, reply{status: 200, body: okBody, contentType: textPlain}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.na.n.Store(0)
			got := serveReply(h, tc.req(t))
			if !got.equal(tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if n := e.na.n.Load(); n != tc.validations {
				t.Errorf("%d validations, want %d", n, tc.validations)
			}
			if sawClaims.Load() != tc.claims {
				t.Errorf("claims between the guards: %v, want %v", sawClaims.Load(), tc.claims)
			}
		})
	}
}
