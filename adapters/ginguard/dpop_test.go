package ginguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

const dpopAlgs = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"

// doDPoP sends GET target with Tokens.Bound and a proof for htu (and nonce).
func doDPoP(t *testing.T, env *adaptertest.Env, h http.Handler, target, htu, nonce string) answer {
	t.Helper()
	proof, err := env.DPoPKey.Proof(jwtguardtest.Proof{Method: "GET", URL: htu, AccessToken: env.Tokens.Bound, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "DPoP "+env.Tokens.Bound)
	req.Header.Set("DPoP", proof)
	return serve(t, h, req)
}

// TestDPoPExternalURL: the proof's htu is checked against the request's
// own scheme and Host, or against the configured external base.
func TestDPoPExternalURL(t *testing.T) {
	env := adaptertest.NewEnv(t)
	build := func(opts ...ginguard.Option) *gin.Engine {
		r := gin.New()
		r.Use(ginguard.Protect(env.V, append([]ginguard.Option{ginguard.WithRealm("contacts")}, opts...)...))
		r.GET("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), whoami)
		return r
	}
	plain, external := build(), build(ginguard.WithExternalURL("https://api.example.com"))
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
			a := doDPoP(t, env, tc.h, "/api/contacts", tc.htu, "")
			if tc.ok {
				if a.status != 200 || a.header.Get("DPoP-Nonce") != "" {
					t.Fatalf("%d %s, DPoP-Nonce %q; want 200 without nonce", a.status, a.body, a.header.Get("DPoP-Nonce"))
				}
				return
			}
			want := `Bearer realm="contacts", DPoP realm="contacts", algs="` + dpopAlgs +
				`", error="invalid_dpop_proof", error_description="the DPoP proof htu does not match the request URI"`
			if a.status != 401 || a.problem.Reason != middleware.ReasonDPoPProof || a.header.Get("WWW-Authenticate") != want {
				t.Fatalf("%d reason %q challenge %q", a.status, a.problem.Reason, a.header.Get("WWW-Authenticate"))
			}
		})
	}
}

// TestDPoPNonce: use_dpop_nonce carries the nonce; a request served with it
// gets the next one; a custom error handler sees it in the error.
func TestDPoPNonce(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var got *middleware.Error
	r := gin.New()
	r.Use(ginguard.Protect(env.Nonce, ginguard.WithErrorHandler(func(c *gin.Context, err error) {
		errors.As(err, &got)
		c.Header("DPoP-Nonce", got.DPoPNonce)
		c.Status(http.StatusUnauthorized)
	})))
	r.GET("/api/me", whoami)
	const htu = "http://example.com/api/me"
	first := doDPoP(t, env, r, "/api/me", htu, "")
	if first.status != 401 || got == nil || !errors.Is(got, middleware.ErrUseDPoPNonce) || got.Reason != middleware.ReasonDPoPNonce ||
		got.DPoPNonce == "" || first.header.Get("DPoP-Nonce") != got.DPoPNonce {
		t.Fatalf("no nonce: %d, error %v, header %q", first.status, got, first.header.Get("DPoP-Nonce"))
	}
	next := doDPoP(t, env, r, "/api/me", htu, got.DPoPNonce)
	if next.status != 200 || next.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("with nonce: %d %s, DPoP-Nonce %q", next.status, next.body, next.header.Get("DPoP-Nonce"))
	}
	if a := doDPoP(t, env, r, "/api/me", htu, next.header.Get("DPoP-Nonce")); a.status != 200 {
		t.Fatalf("with the nonce of the answer: %d %s", a.status, a.body)
	}
	if a := do(t, r, "GET", "/api/me", bearer(env.Tokens.Reader)); a.status != 200 || a.header.Get("DPoP-Nonce") != "" {
		t.Errorf("Bearer: %d, DPoP-Nonce %q", a.status, a.header.Get("DPoP-Nonce"))
	}
}

// TestDPoPRequiredChallenge: with DPoP required, a Bearer token is refused
// and only the DPoP challenge is sent.
func TestDPoPRequiredChallenge(t *testing.T) {
	env := adaptertest.NewEnv(t)
	r := gin.New()
	r.Use(ginguard.Protect(env.DPoPOnly))
	r.GET("/api/me", whoami)
	a := do(t, r, "GET", "/api/me", bearer(env.Tokens.Reader))
	want := `DPoP algs="` + dpopAlgs + `", error="invalid_token", error_description="this API accepts DPoP-bound access tokens only (RFC 9449)"`
	if a.status != 401 || a.problem.Reason != middleware.ReasonDPoPRequired || a.header.Get("WWW-Authenticate") != want {
		t.Fatalf("%d reason %q challenge %q", a.status, a.problem.Reason, a.header.Get("WWW-Authenticate"))
	}
	if a := doDPoP(t, env, r, "/api/me", "http://example.com/api/me", ""); a.status != 200 {
		t.Fatalf("DPoP: %d %s", a.status, a.body)
	}
}

func TestExternalURLIsChecked(t *testing.T) {
	env := adaptertest.NewEnv(t)
	for _, base := range []string{"api.example.com", "ftp://api.example.com", "https://", "https://api.example.com/?x=1", "https://api.example.com/#f"} {
		func() {
			defer func() {
				if e, ok := recover().(error); !ok || !strings.HasPrefix(e.Error(), "ginguard: dpop: external URL") {
					t.Errorf("Protect with %q: panic %v", base, e)
				}
			}()
			ginguard.Protect(env.V, ginguard.WithExternalURL(base))
		}()
	}
}
