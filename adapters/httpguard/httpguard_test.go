package httpguard_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

const audience = "https://contacts.example.com"

type fixture struct {
	iss *jwtguardtest.Issuer
	v   *middleware.Validator
	srv *httptest.Server
}

func setup(t *testing.T, opts ...httpguard.Option) *fixture {
	t.Helper()
	return setupWith(t, nil, opts...)
}

// setupWith is setup with extra Validator options.
func setupWith(t *testing.T, vopts []middleware.Option, opts ...httpguard.Option) *fixture {
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
	v, err := middleware.New(iss.URL(), audience, append([]middleware.Option{middleware.WithKeys(src),
		middleware.WithNamespace("https://myapp.example.com/")}, vopts...)...)
	if err != nil {
		t.Fatal(err)
	}
	mux := httpguard.NewMux(v, append([]httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}, opts...)...)
	mux.HandleFunc("GET /api/public", scopecheck.Public, echo)
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), echo)
	mux.HandleFunc("DELETE /api/contacts/{id}", scopecheck.All("delete:contacts"), echo)
	mux.HandleFunc("POST /api/contacts", scopecheck.Any("write:contacts", "admin"), echo)
	mux.HandleFunc("GET /api/me", scopecheck.Authenticated, echo)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &fixture{iss: iss, v: v, srv: srv}
}

// echo tells the test whether the claims reached the handler.
func echo(w http.ResponseWriter, r *http.Request) {
	c, authed := middleware.ClaimsFromContext(r.Context())
	sub := ""
	if authed {
		sub = c.Subject
	}
	json.NewEncoder(w).Encode(map[string]any{"authed": authed, "sub": sub})
}

func (f *fixture) mint(t *testing.T, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{audience}
	}
	if c.Subject == "" {
		c.Subject = "auth0|alice"
	}
	tok, err := f.iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type answer struct {
	status    int
	challenge string
	problem   middleware.Problem
	body      string
	header    http.Header
}

func (f *fixture) do(t *testing.T, method, path string, auth ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), body: string(b), header: resp.Header}
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		if err := json.Unmarshal(b, &a.problem); err != nil {
			t.Fatalf("problem body %q: %v", b, err)
		}
	}
	return a
}

// TestAnswers checks every RFC 6750 section 3 answer exactly: status,
// WWW-Authenticate and the RFC 9457 body with the same code and
// description.
func TestAnswers(t *testing.T) {
	f := setup(t)
	reader := f.mint(t, jwtguardtest.Claims{Scope: "read:contacts"})
	deleter := f.mint(t, jwtguardtest.Claims{Permissions: []string{"read:contacts", "delete:contacts"}})
	expired := f.mint(t, jwtguardtest.Claims{Scope: "read:contacts", ExpiresIn: -time.Hour})
	other := f.mint(t, jwtguardtest.Claims{Scope: "read:contacts", Audience: []string{"https://other.example.com"}})
	idTok, err := f.iss.IDToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{audience}}, "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	// The default Validator accepts DPoP too, so every challenge offers
	// both schemes (RFC 9449 section 7.1); errors of Bearer requests go on
	// the Bearer challenge.
	const (
		br   = `Bearer realm="contacts"`
		bare = br + dpopOffer
		inv  = br + `, error="invalid_token", error_description=`
	)
	cases := []struct {
		name      string
		method    string
		path      string
		auth      []string
		status    int
		challenge string // exact WWW-Authenticate; "" means none
		reason    middleware.Reason
		authed    bool // for 200: claims reached the handler
	}{
		{"public without token", "GET", "/api/public", nil, 200, "", "", false},
		{"public with bad token: served, no claims", "GET", "/api/public", []string{"Bearer x.y.z"}, 200, "", "", false},
		{"public with expired token: served, no claims", "GET", "/api/public", []string{"Bearer " + expired}, 200, "", "", false},
		{"public with valid token: claims", "GET", "/api/public", []string{"Bearer " + reader}, 200, "", "", true},
		{"no token", "GET", "/api/contacts", nil, 401, bare, middleware.ReasonMissingToken, false},
		{"other scheme", "GET", "/api/contacts", []string{"Basic dTpw"}, 401, bare, middleware.ReasonMissingToken, false},
		{"empty bearer", "GET", "/api/contacts", []string{"Bearer "}, 401, bare, middleware.ReasonMissingToken, false},
		{"reader lists", "GET", "/api/contacts", []string{"Bearer " + reader}, 200, "", "", true},
		{"lower-case scheme", "GET", "/api/contacts", []string{"bearer " + reader}, 200, "", "", true},
		{"reader cannot delete", "DELETE", "/api/contacts/1", []string{"Bearer " + reader}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"` + dpopOffer,
			middleware.ReasonInsufficientScope, false},
		{"any: every alternative named", "POST", "/api/contacts", []string{"Bearer " + reader}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: write:contacts admin", scope="write:contacts admin"` + dpopOffer,
			middleware.ReasonInsufficientScope, false},
		{"permissions grant delete", "DELETE", "/api/contacts/1", []string{"Bearer " + deleter}, 200, "", "", true},
		{"expired", "GET", "/api/contacts", []string{"Bearer " + expired}, 401,
			inv + `"the token has expired"` + dpopOffer, middleware.ReasonExpired, false},
		{"wrong audience", "GET", "/api/me", []string{"Bearer " + other}, 401,
			inv + `"the token is not intended for this API (aud)"` + dpopOffer, middleware.ReasonAudience, false},
		{"ID token", "GET", "/api/me", []string{"Bearer " + idTok}, 401,
			inv + `"an ID token was sent instead of an access token"` + dpopOffer, middleware.ReasonIDToken, false},
		{"two headers", "GET", "/api/me", []string{"Bearer " + reader, "Bearer " + reader}, 400,
			br + `, error="invalid_request", error_description="the request has more than one Authorization header"` + dpopOffer,
			middleware.ReasonInvalidRequest, false},
		{"bad characters", "GET", "/api/me", []string{"Bearer a\"b"}, 401,
			inv + `"the credential has characters outside the b64token syntax (RFC 6750 section 2.1)"` + dpopOffer, middleware.ReasonMalformed, false},
		{"authenticated", "GET", "/api/me", []string{"Bearer " + reader}, 200, "", "", true},
		{"unknown route", "GET", "/nope", []string{"Bearer " + reader}, 404, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := f.do(t, tc.method, tc.path, tc.auth...)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d (%s)", a.status, tc.status, a.body)
			}
			if a.challenge != tc.challenge {
				t.Errorf("WWW-Authenticate\n got %q\nwant %q", a.challenge, tc.challenge)
			}
			if tc.status == 200 {
				want := `"authed":false`
				if tc.authed {
					want = `"authed":true,"sub":"auth0|alice"`
				}
				if !strings.Contains(a.body, want) {
					t.Errorf("body %s, want %s", a.body, want)
				}
				return
			}
			if tc.reason == "" {
				return // the ServeMux's own 404
			}
			p := a.problem
			if a.header.Get("Content-Type") != "application/problem+json" || p.Status != tc.status || p.Reason != tc.reason ||
				p.Type != "about:blank" || p.Title != http.StatusText(tc.status) || p.Detail == "" || p.Hint != "" {
				t.Errorf("problem %+v (Content-Type %q)", p, a.header.Get("Content-Type"))
			}
			if p.Error != "" && !strings.Contains(a.challenge, `error="`+p.Error+`", error_description="`+p.Detail+`"`) {
				t.Errorf("body %+v disagrees with the challenge %s", p, a.challenge)
			}
			if p.Error == "" && tc.status != 401 {
				t.Errorf("no error code in %+v", p)
			}
			if tc.status == 403 && !strings.HasSuffix(a.challenge, `scope="`+p.Scope+`"`+dpopOffer) {
				t.Errorf("problem scope %q, challenge %s", p.Scope, a.challenge)
			}
			if a.header.Get("Cache-Control") != "no-store" || a.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", a.header)
			}
		})
	}
}

// TestWriteError renders each category through WriteError, the renderer
// other adapters share.
func TestWriteError(t *testing.T) {
	scoped := middleware.NewError(middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope, "needs a")
	scoped.Scopes = []string{"a", "b"}
	cases := []struct {
		name       string
		err        error
		opts       []httpguard.Option
		status     int
		challenge  string
		retryAfter string
		hint       string
	}{
		{"missing, no realm", middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken, "no token"), nil, 401, "Bearer", "", ""},
		{"invalid", middleware.NewError(middleware.ErrInvalidToken, middleware.ReasonSignature, "bad sig"),
			[]httpguard.Option{httpguard.WithRealm("api")}, 401, `Bearer realm="api", error="invalid_token", error_description="bad sig"`, "", ""},
		{"scope", scoped, nil, 403, `Bearer error="insufficient_scope", error_description="needs a", scope="a b"`, "", ""},
		{"request", middleware.NewError(middleware.ErrInvalidRequest, middleware.ReasonInvalidRequest, "two"), nil, 400,
			`Bearer error="invalid_request", error_description="two"`, "", ""},
		{"keys unavailable: default Retry-After", middleware.NewError(middleware.ErrKeysUnavailable, middleware.ReasonKeysUnavailable, "later"), nil, 503, "", "5", ""},
		{"keys unavailable: Retry-After rounds up", middleware.NewError(middleware.ErrKeysUnavailable, middleware.ReasonKeysUnavailable, "later"),
			[]httpguard.Option{httpguard.WithRetryAfter(1500 * time.Millisecond)}, 503, "", "2", ""},
		{"foreign error never leaks, never 5xx", errors.New("db: password=hunter2"), nil, 401,
			`Bearer error="invalid_token", error_description="the access token could not be validated"`, "", ""},
		{"hint only when asked", &middleware.Error{Reason: middleware.ReasonIDToken, Description: "id", Hint: "use audience=<API identifier>"}, []httpguard.Option{httpguard.WithHints()},
			401, `Bearer`, "", "use audience=<API identifier>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			httpguard.WriteError(rec, httptest.NewRequest("GET", "/", nil), tc.err, tc.opts...)
			if rec.Code != tc.status || rec.Header().Get("WWW-Authenticate") != tc.challenge || rec.Header().Get("Retry-After") != tc.retryAfter {
				t.Fatalf("status %d challenge %q Retry-After %q", rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Header().Get("Retry-After"))
			}
			var p middleware.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tc.status || p.Hint != tc.hint {
				t.Fatalf("body %s: %v", rec.Body, err)
			}
			if strings.Contains(rec.Body.String(), "hunter2") {
				t.Error("cause leaked into the body")
			}
			if tc.hint != "" && !strings.Contains(rec.Body.String(), tc.hint) {
				t.Errorf("hint HTML-escaped: %s", rec.Body)
			}
		})
	}
}

func TestKeysUnavailableIs503(t *testing.T) {
	f := setup(t)
	tok := f.mint(t, jwtguardtest.Claims{Scope: "read:contacts"})
	// A validator whose issuer never answers: construction does not block,
	// requests get 503 with Retry-After and no challenge, not 401.
	down, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	down.SetOutage(http.StatusBadGateway)
	src, err := jwks.NewRemote(down.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	v, err := middleware.New(f.iss.URL(), audience, middleware.WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	h := httpguard.Protect(v, http.NotFoundHandler(), httpguard.WithRetryAfter(3*time.Second), httpguard.WithRealm("contacts"))
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	h.ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "3" || rec.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("status %d headers %v", rec.Code, rec.Header())
	}
	var p middleware.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 503 || p.Reason != middleware.ReasonKeysUnavailable || p.Error != "" {
		t.Errorf("body %s: %v", rec.Body, err)
	}
	// No token is still the client's 401, even while keys are unavailable.
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != `Bearer realm="contacts"`+dpopOffer {
		t.Errorf("no token while keys unavailable: %d %v", rec.Code, rec.Header())
	}
}

func TestPreflightIsOptIn(t *testing.T) {
	f := setup(t)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	preflight := func() *http.Request {
		r := httptest.NewRequest("OPTIONS", "/", nil)
		r.Header.Set("Origin", "https://app.example.com")
		r.Header.Set("Access-Control-Request-Method", "DELETE")
		return r
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
		req  *http.Request
		want int
	}{
		{"preflight refused by default", httpguard.Protect(f.v, next), preflight(), 401},
		{"preflight let through when opted in", httpguard.Protect(f.v, next, httpguard.WithPreflight()), preflight(), 204},
		{"plain OPTIONS still needs a token", httpguard.Protect(f.v, next, httpguard.WithPreflight()), httptest.NewRequest("OPTIONS", "/", nil), 401},
		{"GET with the preflight header still needs a token", httpguard.Protect(f.v, next, httpguard.WithPreflight()), func() *http.Request {
			r := preflight()
			r.Method = "GET"
			return r
		}(), 401},
	} {
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, tc.req)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
	}
}

func TestCustomErrorWriter(t *testing.T) {
	f := setup(t)
	var seen *middleware.Error
	var called bool
	h := httpguard.Protect(f.v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }),
		httpguard.WithErrorWriter(func(w http.ResponseWriter, r *http.Request, err error) {
			if !errors.As(err, &seen) {
				t.Errorf("writer got %T, not a *middleware.Error", err)
			}
			w.WriteHeader(418)
		}))
	expired := f.mint(t, jwtguardtest.Claims{ExpiresIn: -time.Hour})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+expired)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 418 || called || seen == nil || seen.Reason != middleware.ReasonExpired || rec.Header().Get("WWW-Authenticate") != "" {
		t.Errorf("status %d, handler called %v, err %+v", rec.Code, called, seen)
	}
}

func TestQueryTokenIsOptIn(t *testing.T) {
	f := setup(t)
	tok := f.mint(t, jwtguardtest.Claims{})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	run := func(h http.Handler, target, auth string) int {
		req := httptest.NewRequest("GET", target, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := run(httpguard.Protect(f.v, next), "/?access_token="+tok, ""); got != 401 {
		t.Errorf("query token accepted by default: %d", got)
	}
	opt := httpguard.Protect(f.v, next, httpguard.InsecureWithQueryToken())
	if got := run(opt, "/?access_token="+tok, ""); got != 204 {
		t.Errorf("opted-in query token: %d", got)
	}
	if got := run(opt, "/", "Bearer "+tok); got != 204 {
		t.Errorf("header token with query opt-in: %d", got)
	}
	if got := run(opt, "/?access_token="+tok, "Bearer "+tok); got != 400 {
		t.Errorf("token in header and query: %d", got)
	}
	if got := run(opt, "/?access_token="+tok+"&access_token="+tok, ""); got != 400 {
		t.Errorf("two query tokens: %d", got)
	}
	if got := run(opt, "/?access_token=a%22b", ""); got != 401 {
		t.Errorf("bad query token: %d", got)
	}
}

// A route cannot exist without a stated, valid requirement: registration
// panics, like http.ServeMux on a bad pattern.
func TestRouteWithoutRequirementPanics(t *testing.T) {
	f := setup(t)
	mux := httpguard.NewMux(f.v)
	next := http.NotFoundHandler()
	for _, r := range []scopecheck.Requirement{{}, scopecheck.All(), scopecheck.Any(), scopecheck.All("a b"), scopecheck.And(scopecheck.Public)} {
		for name, register := range map[string]func(){
			"Mux.Handle":     func() { mux.Handle("GET /x", r, next) },
			"Mux.HandleFunc": func() { mux.HandleFunc("GET /y", r, next.ServeHTTP) },
			"Require":        func() { httpguard.Require(f.v, r, next) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s registered a route with requirement %s", name, r)
					}
				}()
				register()
			}()
		}
	}
	for name, fn := range map[string]func(){
		"NewMux(nil)":  func() { httpguard.NewMux(nil) },
		"Protect(nil)": func() { httpguard.Protect(nil, next) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			fn()
		}()
	}
	// Nothing was registered: /x is the mux's 404, not an open route.
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	if rec.Code != 404 {
		t.Errorf("GET /x: %d", rec.Code)
	}
}

func TestMiddlewareShape(t *testing.T) {
	f := setup(t)
	tok := f.mint(t, jwtguardtest.Claims{})
	var sub string
	h := httpguard.Middleware(f.v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFromContext(r.Context())
		sub = c.Subject
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if sub != "auth0|alice" {
		t.Errorf("sub = %q", sub)
	}
}

func TestAuthenticate(t *testing.T) {
	f := setup(t)
	tok := f.mint(t, jwtguardtest.Claims{Subject: "auth0|bob"})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	r2, c, err := httpguard.Authenticate(f.v, req)
	if err != nil || c.Subject != "auth0|bob" {
		t.Fatalf("Authenticate: %v %+v", err, c)
	}
	if got, ok := middleware.ClaimsFromContext(r2.Context()); !ok || got != c {
		t.Error("claims not in the returned request's context")
	}
	if _, ok := middleware.ClaimsFromContext(req.Context()); ok {
		t.Error("the original request was modified")
	}
	_, _, err = httpguard.Authenticate(f.v, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, middleware.ErrMissingToken) {
		t.Errorf("no token: %v", err)
	}
}
