package echoguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/echoguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// dpopRequest is GET target with Tokens.Bound and a proof for htu (and
// nonce).
func dpopRequest(t *testing.T, env *adaptertest.Env, target, htu, nonce string) *http.Request {
	t.Helper()
	proof, err := env.DPoPKey.Proof(jwtguardtest.Proof{Method: "GET", URL: htu, AccessToken: env.Tokens.Bound, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "DPoP "+env.Tokens.Bound)
	req.Header.Set("DPoP", proof)
	return req
}

// TestDPoPThroughProtectAndRequire: a DPoP request through Protect and
// Require is served (the proof is checked once, never refused as its own
// replay); sending the same proof again is a replay.
func TestDPoPThroughProtectAndRequire(t *testing.T) {
	env := adaptertest.NewEnv(t)
	e := echo.New()
	e.Use(echoguard.Protect(env.V, opts...))
	g := e.Group("/api", echoguard.Protect(env.V, opts...), echoguard.Require(env.V, scopecheck.Authenticated, opts...))
	g.GET("/contacts", whoami, echoguard.Require(env.V, scopecheck.All("read:contacts"), opts...))
	req := dpopRequest(t, env, "/api/contacts", "http://example.com/api/contacts", "")
	if a := serve(t, e, req); a.status != 200 || a.sub != "auth0|alice" {
		t.Fatalf("DPoP: %d %s", a.status, a.body)
	}
	if a := serve(t, e, req); a.status != 401 || a.problem.Reason != middleware.ReasonDPoPReplay {
		t.Fatalf("replayed proof: %d %s", a.status, a.body)
	}
}

// TestDPoPExternalURL: the proof's htu is checked against the request's
// own scheme and Host, or against the configured external base.
func TestDPoPExternalURL(t *testing.T) {
	env := adaptertest.NewEnv(t)
	build := func(o ...echoguard.Option) *echo.Echo {
		o = append([]echoguard.Option{echoguard.WithRealm("contacts")}, o...)
		e := echo.New()
		e.GET("/api/contacts", whoami, echoguard.Protect(env.V, o...), echoguard.Require(env.V, scopecheck.All("read:contacts"), o...))
		return e
	}
	plain, external := build(), build(echoguard.WithExternalURL("https://api.example.com"))
	cases := []struct {
		name string
		h    http.Handler
		htu  string
		ok   bool
	}{
		{"own host", plain, "http://example.com/api/contacts", true},
		{"own host, query ignored", plain, "http://example.com/api/contacts?page=2", true},
		{"own host, https", plain, "https://example.com/api/contacts", false},
		{"external base", external, "https://api.example.com/api/contacts", true},
		{"external, the request's own host", external, "http://example.com/api/contacts", false},
		{"external, other path", external, "https://api.example.com/api/contacts/1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := serve(t, tc.h, dpopRequest(t, env, "/api/contacts", tc.htu, ""))
			if tc.ok {
				if a.status != 200 || a.header.Get("DPoP-Nonce") != "" {
					t.Fatalf("%d %s, DPoP-Nonce %q; want 200 without nonce", a.status, a.body, a.header.Get("DPoP-Nonce"))
				}
				return
			}
			want := `Bearer realm="contacts", DPoP realm="contacts", algs="` + adaptertest.DPoPAlgs +
				`", error="invalid_dpop_proof", error_description="the DPoP proof htu does not match the request URI"`
			if a.status != 401 || a.problem.Reason != middleware.ReasonDPoPProof || a.header.Get("WWW-Authenticate") != want {
				t.Fatalf("%d reason %q challenge %q", a.status, a.problem.Reason, a.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestDPoPNonce: use_dpop_nonce carries the nonce; a request served with
// it gets the next one; a refusal by Require behind Protect takes back the
// nonce Protect set; a custom error handler sees the nonce in the error.
func TestDPoPNonce(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var got *middleware.Error
	onError := echoguard.WithErrorHandler(func(c echo.Context, err error) error {
		errors.As(err, &got)
		c.Response().Header().Set("DPoP-Nonce", got.DPoPNonce)
		return c.NoContent(http.StatusUnauthorized)
	})
	e := echo.New()
	e.GET("/api/me", whoami, echoguard.Protect(env.Nonce, onError))
	e.GET("/api/delete", whoami, echoguard.Protect(env.Nonce), echoguard.Require(env.Nonce, scopecheck.All("delete:contacts")))
	const htu = "http://example.com/api/me"
	first := serve(t, e, dpopRequest(t, env, "/api/me", htu, ""))
	if first.status != 401 || got == nil || !errors.Is(got, middleware.ErrUseDPoPNonce) || got.Reason != middleware.ReasonDPoPNonce ||
		got.DPoPNonce == "" || first.header.Get("DPoP-Nonce") != got.DPoPNonce {
		t.Fatalf("no nonce: %d, error %v, header %q", first.status, got, first.header.Get("DPoP-Nonce"))
	}
	next := serve(t, e, dpopRequest(t, env, "/api/me", htu, got.DPoPNonce))
	if next.status != 200 || next.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("with nonce: %d %s, DPoP-Nonce %q", next.status, next.body, next.header.Get("DPoP-Nonce"))
	}
	if a := serve(t, e, dpopRequest(t, env, "/api/me", htu, next.header.Get("DPoP-Nonce"))); a.status != 200 {
		t.Fatalf("with the nonce of the answer: %d %s", a.status, a.body)
	}
	a := serve(t, e, dpopRequest(t, env, "/api/delete", "http://example.com/api/delete", got.DPoPNonce))
	if a.status != 403 || a.header.Get("DPoP-Nonce") != "" {
		t.Fatalf("refused by Require: %d, DPoP-Nonce %q", a.status, a.header.Get("DPoP-Nonce"))
	}
	if a := do(t, e, "GET", "/api/me", bearer(env.Tokens.Reader)); a.status != 200 || a.header.Get("DPoP-Nonce") != "" {
		t.Errorf("Bearer: %d, DPoP-Nonce %q", a.status, a.header.Get("DPoP-Nonce"))
	}
}

// TestDPoPRequiredChallenge: with DPoP required, a Bearer token is refused
// and only the DPoP challenge is sent.
func TestDPoPRequiredChallenge(t *testing.T) {
	env := adaptertest.NewEnv(t)
	e := echo.New()
	e.GET("/api/me", whoami, echoguard.Protect(env.DPoPOnly))
	a := do(t, e, "GET", "/api/me", bearer(env.Tokens.Reader))
	want := `DPoP algs="` + adaptertest.DPoPAlgs + `", error="invalid_token", error_description="this API accepts DPoP-bound access tokens only (RFC 9449)"`
	if a.status != 401 || a.problem.Reason != middleware.ReasonDPoPRequired || a.header.Get("WWW-Authenticate") != want {
		t.Fatalf("%d reason %q challenge %q", a.status, a.problem.Reason, a.header.Get("WWW-Authenticate"))
	}
	if a := serve(t, e, dpopRequest(t, env, "/api/me", "http://example.com/api/me", "")); a.status != 200 {
		t.Fatalf("DPoP: %d %s", a.status, a.body)
	}
}
