package ginguard_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// answer is one response of the engine under test.
type answer struct {
	status  int
	header  http.Header
	body    string
	problem middleware.Problem
	sub     string // the sub the handler saw through ginguard.Claims
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
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &a.problem); err != nil {
			t.Fatalf("problem body %q: %v", rec.Body, err)
		}
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		var b struct{ Sub, CtxSub string }
		if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
		a.sub, a.ctxSub = b.Sub, b.CtxSub
	}
	return a
}

// whoami answers the sub seen through both getters.
func whoami(c *gin.Context) {
	var sub, ctxSub string
	if cl, ok := ginguard.Claims(c); ok {
		sub = cl.Subject
	}
	if cl, ok := middleware.ClaimsFromContext(c.Request.Context()); ok {
		ctxSub = cl.Subject
	}
	c.JSON(http.StatusOK, gin.H{"sub": sub, "ctxSub": ctxSub})
}

// counter is a handler that records that it ran.
type counter struct{ n int }

func (k *counter) handle(c *gin.Context) { k.n++ }

func bearer(tok string) string { return "Bearer " + tok }

func TestProtectAndRequire(t *testing.T) {
	env := adaptertest.NewEnv(t)
	r := gin.New()
	r.Use(ginguard.Protect(env.V, ginguard.WithRealm("contacts"), ginguard.WithPermissions()))
	after := &counter{}
	r.GET("/api/public", ginguard.Require(scopecheck.Public), whoami)
	r.GET("/api/me", whoami) // no Require: any valid token
	r.GET("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), whoami)
	r.DELETE("/api/contacts/:id", ginguard.Require(scopecheck.All("delete:contacts")), after.handle, whoami)
	admin := r.Group("/admin", ginguard.Require(scopecheck.All("read:contacts")))
	admin.DELETE("/purge", ginguard.Require(scopecheck.All("delete:contacts")), whoami)

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
		{"group and route gates both pass", "DELETE", "/admin/purge", []string{bearer(tk.Deleter)}, 200, "auth0|alice", ""},
		{"group gate refuses", "DELETE", "/admin/purge", []string{bearer(tk.Expired)}, 401, "", `Bearer realm="contacts", error="invalid_token", error_description="the token has expired"`},
		{"two headers", "GET", "/api/me", []string{bearer(tk.Reader), bearer(tk.Reader)}, 400, "", `Bearer realm="contacts", error="invalid_request"`},
		{"unknown route, no token", "GET", "/nope", nil, 401, "", `Bearer realm="contacts"`},
		{"unknown route, token", "GET", "/nope", []string{bearer(tk.Reader)}, 404, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := after.n
			a := do(t, r, tc.method, tc.path, tc.auth...)
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
					t.Error("a handler after the refusing gate ran")
				}
			}
		})
	}
}

func TestStrictRefusesRoutesWithoutRequire(t *testing.T) {
	env := adaptertest.NewEnv(t)
	r := gin.New()
	r.Use(ginguard.Protect(env.V, ginguard.Strict()))
	forgotten := &counter{}
	r.DELETE("/api/contacts/:id", forgotten.handle)
	r.GET("/api/me", ginguard.Require(scopecheck.Authenticated), whoami)
	r.GET("/api/public", ginguard.Require(scopecheck.Public), whoami)
	tok := bearer(env.Tokens.Deleter)

	for _, auth := range [][]string{nil, {tok}} {
		a := do(t, r, "DELETE", "/api/contacts/1", auth...)
		if a.status != 403 || a.problem.Error != "insufficient_scope" || a.problem.Detail != "this resource has no access policy" {
			t.Errorf("route without Require, auth %d: %d %+v", len(auth), a.status, a.problem)
		}
	}
	if forgotten.n != 0 {
		t.Errorf("the handler of a route without Require ran %d times", forgotten.n)
	}
	if a := do(t, r, "GET", "/api/me", tok); a.status != 200 || a.sub != "auth0|alice" {
		t.Errorf("Require(Authenticated): %d %q", a.status, a.body)
	}
	if a := do(t, r, "GET", "/api/public"); a.status != 200 {
		t.Errorf("Require(Public): %d %q", a.status, a.body)
	}
	if a := do(t, r, "GET", "/nope", tok); a.status != 404 {
		t.Errorf("unmatched route with a token: %d, want gin's 404", a.status)
	}
	if a := do(t, r, "GET", "/nope"); a.status != 401 {
		t.Errorf("unmatched route without a token: %d, want 401", a.status)
	}
}

func TestRequireWithoutProtectFailsClosed(t *testing.T) {
	r := gin.New()
	var seen []error
	r.Use(func(c *gin.Context) {
		c.Next()
		for _, e := range c.Errors {
			seen = append(seen, e.Err)
		}
	})
	ran := &counter{}
	r.GET("/a", ginguard.Require(scopecheck.All("read:contacts")), ran.handle)
	r.GET("/p", ginguard.Require(scopecheck.Public), ran.handle)
	for _, p := range []string{"/a", "/p"} {
		if a := do(t, r, "GET", p, "Bearer abc"); a.status != 500 {
			t.Errorf("%s: %d, want 500", p, a.status)
		}
	}
	if ran.n != 0 {
		t.Errorf("handler ran %d times behind a gate with no Protect", ran.n)
	}
	if len(seen) != 2 || !errors.Is(seen[0], ginguard.ErrNoProtect) {
		t.Errorf("c.Errors = %v", seen)
	}
}

func TestConstructionPanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("nil validator", func() { ginguard.Protect(nil) })
	for _, r := range []scopecheck.Requirement{{}, scopecheck.All(), scopecheck.Any(), scopecheck.All("a b"), scopecheck.Or(scopecheck.Public)} {
		mustPanic("Require("+r.String()+")", func() { ginguard.Require(r) })
	}
}

func TestOptions(t *testing.T) {
	env := adaptertest.NewEnv(t)

	t.Run("preflight", func(t *testing.T) {
		r := gin.New()
		r.Use(ginguard.Protect(env.V, ginguard.WithPreflight(), ginguard.Strict()))
		r.OPTIONS("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), func(c *gin.Context) { c.Status(204) })
		req := httptest.NewRequest("OPTIONS", "/api/contacts", nil)
		req.Header.Set("Access-Control-Request-Method", "GET")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if rec.Code != 204 {
			t.Errorf("preflight: %d", rec.Code)
		}
		if a := do(t, r, "OPTIONS", "/api/contacts"); a.status != 401 {
			t.Errorf("plain OPTIONS without token: %d", a.status)
		}
	})

	t.Run("hints and Retry-After", func(t *testing.T) {
		r := gin.New()
		r.Use(ginguard.Protect(env.V, ginguard.WithHints()))
		r.GET("/", whoami)
		if a := do(t, r, "GET", "/", bearer(env.Tokens.JWE)); a.status != 401 || a.problem.Hint == "" {
			t.Errorf("JWE with hints: %d %+v", a.status, a.problem)
		}
		down := gin.New()
		down.Use(ginguard.Protect(env.Down, ginguard.WithRetryAfter(3*time.Second)))
		down.GET("/", whoami)
		if a := do(t, down, "GET", "/", bearer(env.Tokens.Reader)); a.status != 503 || a.header.Get("Retry-After") != "3" || a.header.Get("WWW-Authenticate") != "" {
			t.Errorf("keys unavailable: %d %v", a.status, a.header)
		}
	})

	t.Run("error handler", func(t *testing.T) {
		var got *middleware.Error
		r := gin.New()
		r.Use(ginguard.Protect(env.V, ginguard.WithErrorHandler(func(c *gin.Context, err error) {
			errors.As(err, &got)
			c.String(http.StatusTeapot, "no")
		})))
		ran := &counter{}
		r.DELETE("/x", ginguard.Require(scopecheck.All("delete:contacts")), ran.handle)
		if a := do(t, r, "DELETE", "/x", bearer(env.Tokens.Reader)); a.status != http.StatusTeapot || a.body != "no" {
			t.Errorf("custom handler: %d %q", a.status, a.body)
		}
		if got == nil || !errors.Is(got, middleware.ErrInsufficientScope) || got.Scopes[0] != "delete:contacts" || ran.n != 0 {
			t.Errorf("handler got %v, route ran %d", got, ran.n)
		}
	})

	t.Run("group only", func(t *testing.T) {
		r := gin.New()
		r.GET("/open", whoami)
		api := r.Group("/api", ginguard.Protect(env.V))
		api.GET("/me", whoami)
		if a := do(t, r, "GET", "/open"); a.status != 200 {
			t.Errorf("route outside the group: %d", a.status)
		}
		if a := do(t, r, "GET", "/api/me"); a.status != 401 {
			t.Errorf("route inside the group: %d", a.status)
		}
	})
}
