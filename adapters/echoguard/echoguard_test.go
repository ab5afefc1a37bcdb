package echoguard_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/echoguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// answer is one response of the Echo under test.
type answer struct {
	status  int
	header  http.Header
	body    string
	problem middleware.Problem
	sub     string // the sub the handler saw through echoguard.Claims
	ctxSub  string // ... and through middleware.ClaimsFromContext
}

func do(t *testing.T, h http.Handler, method, path string, auth ...string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	return serve(t, h, req)
}

// serve sends req to h and decodes the answer.
func serve(t *testing.T, h http.Handler, req *http.Request) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	switch ct := rec.Header().Get("Content-Type"); {
	case ct == "application/problem+json":
		if err := json.Unmarshal(rec.Body.Bytes(), &a.problem); err != nil {
			t.Fatalf("problem body %q: %v", rec.Body, err)
		}
	case strings.HasPrefix(ct, "application/json") && rec.Code == 200:
		var b struct{ Sub, CtxSub string }
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		a.sub, a.ctxSub = b.Sub, b.CtxSub
	}
	return a
}

// whoami answers the sub seen through both getters.
func whoami(c echo.Context) error {
	var sub, ctxSub string
	if cl, ok := echoguard.Claims(c); ok {
		sub = cl.Subject
	}
	if cl, ok := middleware.ClaimsFromContext(c.Request().Context()); ok {
		ctxSub = cl.Subject
	}
	return c.JSON(http.StatusOK, map[string]string{"sub": sub, "ctxSub": ctxSub})
}

func bearer(tok string) string { return "Bearer " + tok }

// ran counts the handlers that ran.
type ran struct{ n int }

func (k *ran) mw(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error { k.n++; return next(c) }
}

func TestProtectAndRequire(t *testing.T) {
	env := adaptertest.NewEnv(t)
	e := echo.New()
	after := &ran{}
	e.GET("/api/public", whoami, echoguard.Require(env.V, scopecheck.Public, opts...))
	api := e.Group("/api", echoguard.Protect(env.V, opts...))
	api.GET("/me", whoami) // no Require: any valid token
	api.GET("/contacts", whoami, echoguard.Require(env.V, scopecheck.All("read:contacts"), opts...))
	api.DELETE("/contacts/:id", whoami, echoguard.Require(env.V, scopecheck.All("delete:contacts"), opts...), after.mw)
	admin := api.Group("/admin", echoguard.Require(env.V, scopecheck.All("read:contacts"), opts...))
	admin.DELETE("/purge", whoami, echoguard.Require(env.V, scopecheck.All("delete:contacts"), opts...))

	tk := env.Tokens
	cases := []struct {
		name      string
		method    string
		path      string
		auth      []string
		status    int
		sub       string
		challenge string // prefix
	}{
		{"public, no token", "GET", "/api/public", nil, 200, "", ""},
		{"public, bad token", "GET", "/api/public", []string{bearer(tk.Expired)}, 200, "", ""},
		{"public, good token sees claims", "GET", "/api/public", []string{bearer(tk.Reader)}, 200, "auth0|alice", ""},
		{"no Require: no token", "GET", "/api/me", nil, 401, "", `Bearer realm="contacts"`},
		{"no Require: any valid token", "GET", "/api/me", []string{bearer(tk.Deleter)}, 200, "auth0|alice", ""},
		{"read", "GET", "/api/contacts", []string{bearer(tk.Reader)}, 200, "auth0|alice", ""},
		{"reader cannot delete", "DELETE", "/api/contacts/1", []string{bearer(tk.Reader)}, 403, "",
			`Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"`},
		{"deleter deletes", "DELETE", "/api/contacts/1", []string{bearer(tk.Deleter)}, 200, "auth0|alice", ""},
		{"group and route requirements both pass", "DELETE", "/api/admin/purge", []string{bearer(tk.Deleter)}, 200, "auth0|alice", ""},
		{"the route refuses behind the group", "DELETE", "/api/admin/purge", []string{bearer(tk.Reader)}, 403, "",
			`Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts"`},
		{"expired", "GET", "/api/contacts", []string{bearer(tk.Expired)}, 401, "", `Bearer realm="contacts", error="invalid_token", error_description="the token has expired"`},
		{"two headers", "GET", "/api/me", []string{bearer(tk.Reader), bearer(tk.Reader)}, 400, "", `Bearer realm="contacts", error="invalid_request"`},
		{"unknown route in the group, no token", "GET", "/api/nope", nil, 401, "", `Bearer realm="contacts"`},
		{"unknown route in the group, token", "GET", "/api/nope", []string{bearer(tk.Reader)}, 404, "", ""},
		{"unknown route outside, no token", "GET", "/nope", nil, 404, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := after.n
			a := do(t, e, tc.method, tc.path, tc.auth...)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			if ch := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, tc.challenge) || (tc.challenge == "" && ch != "") {
				t.Errorf("WWW-Authenticate %q, want prefix %q", ch, tc.challenge)
			}
			if a.sub != tc.sub || a.ctxSub != tc.sub {
				t.Errorf("handler saw sub %q / %q, want %q", a.sub, a.ctxSub, tc.sub)
			}
			if tc.status >= 400 && tc.status != 404 {
				if a.problem.Status != tc.status || a.problem.Detail == "" || a.header.Get("Cache-Control") != "no-store" {
					t.Errorf("problem %+v, Cache-Control %q", a.problem, a.header.Get("Cache-Control"))
				}
				if after.n != before {
					t.Error("a handler after the refusing Require ran")
				}
			}
		})
	}
}

// TestRequireFailsClosed: Require with scopes never authenticates a
// request: without a guard of its validator in front it answers 401, even
// to a token that would do, and the handler never runs. Behind a guard of
// another validator it is the same.
func TestRequireFailsClosed(t *testing.T) {
	env := adaptertest.NewEnv(t)
	other, _ := env.Counted(t, adaptertest.Audience)
	handler := &ran{}
	e := echo.New()
	e.GET("/alone", whoami, echoguard.Require(env.V, scopecheck.Authenticated, echoguard.WithRealm("contacts"), echoguard.WithHints()), handler.mw)
	e.GET("/other", whoami, echoguard.Protect(other), echoguard.Require(env.V, scopecheck.All("read:contacts"), echoguard.WithRealm("contacts")), handler.mw)
	for _, path := range []string{"/alone", "/other"} {
		a := do(t, e, "GET", path, bearer(env.Tokens.Reader))
		want := `Bearer realm="contacts", DPoP realm="contacts", algs="` + adaptertest.DPoPAlgs + `"`
		if a.status != 401 || a.header.Get("WWW-Authenticate") != want || a.problem.Reason != middleware.ReasonMissingToken {
			t.Errorf("%s: %d %q %s", path, a.status, a.header.Get("WWW-Authenticate"), a.body)
		}
		if path == "/alone" && !strings.Contains(a.problem.Hint, "echoguard.Protect") {
			t.Errorf("%s: hint %q does not say what is missing", path, a.problem.Hint)
		}
	}
	if handler.n != 0 {
		t.Errorf("the handler ran %d times", handler.n)
	}
}

// TestAuthenticatedOnce: however the guards of one validator are stacked,
// a request is validated once.
func TestAuthenticatedOnce(t *testing.T) {
	env := adaptertest.NewEnv(t)
	v, n := env.Counted(t, adaptertest.Audience)
	e := echo.New()
	e.Use(echoguard.Require(v, scopecheck.Public))
	g := e.Group("/api", echoguard.Protect(v))
	g.GET("/me", whoami, echoguard.Protect(v), echoguard.Require(v, scopecheck.Authenticated), echoguard.Require(v, scopecheck.All("read:contacts")))
	front := httpguard.Require(v, scopecheck.Public, e)
	for _, h := range []http.Handler{e, front} {
		if a := do(t, h, "GET", "/api/me", bearer(env.Tokens.Reader)); a.status != 200 || a.sub != "auth0|alice" {
			t.Fatalf("%d %s", a.status, a.body)
		}
		if got := n.Take(); got != 1 {
			t.Errorf("%d validations, want 1", got)
		}
	}
}

// TestErrorHandler: a custom handler sees the *middleware.Error; what it
// returns goes to echo's HTTPErrorHandler; later handlers never run.
func TestErrorHandler(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var got []*middleware.Error
	onError := echoguard.WithErrorHandler(func(c echo.Context, err error) error {
		var e *middleware.Error
		if !errors.As(err, &e) {
			t.Errorf("error %T, want *middleware.Error", err)
		}
		got = append(got, e)
		return echo.NewHTTPError(e.HTTPStatus(), string(e.Reason))
	})
	handler := &ran{}
	e := echo.New()
	e.GET("/protect", whoami, echoguard.Protect(env.V, onError), handler.mw)
	e.GET("/require", whoami, echoguard.Protect(env.V), echoguard.Require(env.V, scopecheck.All("delete:contacts"), onError), handler.mw)
	e.GET("/alone", whoami, echoguard.Require(env.V, scopecheck.All("delete:contacts"), onError), handler.mw)
	for _, c := range []struct {
		path   string
		status int
		reason middleware.Reason
	}{
		{"/protect", 401, middleware.ReasonExpired},
		{"/require", 403, middleware.ReasonInsufficientScope},
		{"/alone", 401, middleware.ReasonMissingToken},
	} {
		tok := env.Tokens.Reader
		if c.reason == middleware.ReasonExpired {
			tok = env.Tokens.Expired
		}
		got = nil
		a := do(t, e, "GET", c.path, bearer(tok))
		if a.status != c.status || !strings.Contains(a.body, string(c.reason)) || len(got) != 1 || got[0].Reason != c.reason {
			t.Errorf("%s: %d %s, handler saw %v", c.path, a.status, a.body, got)
		}
	}
	if handler.n != 0 {
		t.Errorf("handlers ran %d times after a refusal", handler.n)
	}
}

func TestPreflight(t *testing.T) {
	env := adaptertest.NewEnv(t)
	e := echo.New()
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.OPTIONS("/on", ok, echoguard.Protect(env.V, echoguard.WithPreflight()), echoguard.Require(env.V, scopecheck.All("x"), echoguard.WithPreflight()))
	e.OPTIONS("/alone", ok, echoguard.Require(env.V, scopecheck.All("x"), echoguard.WithPreflight()))
	e.OPTIONS("/off", ok, echoguard.Protect(env.V))
	for path, want := range map[string]int{"/on": 204, "/alone": 204, "/off": 401} {
		req := httptest.NewRequest("OPTIONS", path, nil)
		req.Header.Set("Access-Control-Request-Method", "DELETE")
		if a := serve(t, e, req); a.status != want {
			t.Errorf("%s: %d, want %d", path, a.status, want)
		}
	}
	// An OPTIONS request that is not a preflight needs a token.
	if a := do(t, e, "OPTIONS", "/on"); a.status != 401 {
		t.Errorf("plain OPTIONS: %d", a.status)
	}
}

// TestHints: the developer hint is in problem bodies only with WithHints.
func TestHints(t *testing.T) {
	env := adaptertest.NewEnv(t)
	e := echo.New()
	e.GET("/hints", whoami, echoguard.Protect(env.V, echoguard.WithHints()))
	e.GET("/plain", whoami, echoguard.Protect(env.V))
	if a := do(t, e, "GET", "/hints", bearer(env.Tokens.IDToken)); a.problem.Hint == "" {
		t.Errorf("no hint: %s", a.body)
	}
	if a := do(t, e, "GET", "/plain", bearer(env.Tokens.IDToken)); a.problem.Hint != "" {
		t.Errorf("hint without WithHints: %s", a.body)
	}
}

// TestRetryAfter: a 503 carries the configured Retry-After, rounded up.
func TestRetryAfter(t *testing.T) {
	env := adaptertest.NewEnv(t)
	e := echo.New()
	e.GET("/", whoami, echoguard.Protect(env.Down, echoguard.WithRetryAfter(1500*time.Millisecond)))
	if a := do(t, e, "GET", "/", bearer(env.Tokens.Reader)); a.status != 503 || a.header.Get("Retry-After") != "2" {
		t.Errorf("%d Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
}

func TestConstructionPanics(t *testing.T) {
	env := adaptertest.NewEnv(t)
	for name, f := range map[string]func(){
		"Protect nil validator":   func() { echoguard.Protect(nil) },
		"Require nil validator":   func() { echoguard.Require(nil, scopecheck.Public) },
		"Require zero value":      func() { echoguard.Require(env.V, scopecheck.Requirement{}) },
		"Require All()":           func() { echoguard.Require(env.V, scopecheck.All()) },
		"Protect external URL":    func() { echoguard.Protect(env.V, echoguard.WithExternalURL("api.example.com")) },
		"Require external URL":    func() { echoguard.Require(env.V, scopecheck.Authenticated, echoguard.WithExternalURL("ftp://x")) },
		"public Require bad URL":  func() { echoguard.Require(env.V, scopecheck.Public, echoguard.WithExternalURL("https://x/?q=1")) },
		"Protect URL fragment":    func() { echoguard.Protect(env.V, echoguard.WithExternalURL("https://api.example.com/#f")) },
		"Protect URL with a user": func() { echoguard.Protect(env.V, echoguard.WithExternalURL("https://u@api.example.com")) },
	} {
		func() {
			defer func() {
				p := recover()
				if p == nil {
					t.Errorf("%s: no panic", name)
					return
				}
				msg := ""
				switch p := p.(type) {
				case error:
					msg = p.Error()
				case string:
					msg = p
				}
				if !strings.HasPrefix(msg, "echoguard: ") || strings.Contains(msg, "httpguard") {
					t.Errorf("%s: panic %q", name, msg)
				}
			}()
			f()
		}()
	}
}

func TestClaimsWithoutRequest(t *testing.T) {
	if _, ok := echoguard.Claims(nil); ok {
		t.Error("Claims(nil) ok")
	}
	e := echo.New()
	if _, ok := echoguard.Claims(e.NewContext(nil, nil)); ok {
		t.Error("Claims of a context without request ok")
	}
	req := httptest.NewRequest("GET", "/", nil)
	if _, ok := echoguard.Claims(e.NewContext(req, httptest.NewRecorder())); ok {
		t.Error("Claims of an unauthenticated request ok")
	}
}

// TestOtherAPI: a guard of another validator (another API) authenticates
// the request itself, and its handler sees its own claims.
func TestOtherAPI(t *testing.T) {
	env := adaptertest.NewEnv(t)
	other, n := env.Counted(t, "https://other.example.com")
	e := echo.New()
	e.Use(echoguard.Protect(env.V))
	e.GET("/other", whoami, echoguard.Protect(other))
	tok, err := env.Issuer.AccessToken(jwtguardtest.Claims{Subject: "auth0|bob",
		Audience: []string{adaptertest.Audience, "https://other.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := do(t, e, "GET", "/other", bearer(tok)); a.status != 200 || a.sub != "auth0|bob" || n.Take() != 1 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if a := do(t, e, "GET", "/other", bearer(env.Tokens.Reader)); a.status != 401 || a.problem.Reason != middleware.ReasonAudience {
		t.Fatalf("token of the first API only: %d %s", a.status, a.body)
	}
}

// TestContextWithoutRequest: a guard given an echo context without a
// request refuses with an error and never runs the handler.
func TestContextWithoutRequest(t *testing.T) {
	env := adaptertest.NewEnv(t)
	handler := &ran{}
	e := echo.New()
	for name, m := range map[string]echo.MiddlewareFunc{
		"Protect":        echoguard.Protect(env.V),
		"Require":        echoguard.Require(env.V, scopecheck.Authenticated),
		"public Require": echoguard.Require(env.V, scopecheck.Public),
	} {
		err := m(handler.mw(whoami))(e.NewContext(nil, nil))
		var he *echo.HTTPError
		if !errors.As(err, &he) || he.Code != http.StatusInternalServerError {
			t.Errorf("%s: %v", name, err)
		}
	}
	if handler.n != 0 {
		t.Errorf("the handler ran %d times", handler.n)
	}
}
