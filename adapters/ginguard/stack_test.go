package ginguard_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// mint mints a token of env's issuer for sub auth0|alice.
func mint(t *testing.T, env *adaptertest.Env, c jwtguardtest.Claims) string {
	t.Helper()
	c.Subject = "auth0|alice"
	if c.Audience == nil {
		c.Audience = []string{adaptertest.Audience}
	}
	tok, err := env.Issuer.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// reply is an answer compared byte for byte.
type reply struct {
	status          int
	challenge, body string
	nonces          []string
}

func replyOf(h http.Handler, r *http.Request) reply {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return reply{status: rec.Code, challenge: rec.Header().Get("WWW-Authenticate"), body: rec.Body.String(), nonces: rec.Header().Values("DPoP-Nonce")}
}

func (a reply) equal(b reply) bool {
	return a.status == b.status && a.challenge == b.challenge && a.body == b.body && slices.Equal(a.nonces, b.nonces)
}

// get is GET /api/contacts with auth ("" for none) and a fresh DPoP proof
// for tok when dpop.
func get(t *testing.T, env *adaptertest.Env, tok string, dpop bool, nonce string) *http.Request {
	t.Helper()
	req := httptest.NewRequest("GET", "/api/contacts", nil)
	switch {
	case dpop:
		p, err := env.DPoPKey.Proof(jwtguardtest.Proof{Method: "GET", URL: "http://example.com/api/contacts", AccessToken: tok, Nonce: nonce})
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "DPoP "+tok)
		req.Header.Set("DPoP", p)
	case tok != "":
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return req
}

// ginStacks are the ways of putting several guards of v in front of GET
// /api/contacts, which needs read:contacts.
func ginStacks(v *middleware.Validator) []struct {
	name string
	h    http.Handler
} {
	o := []ginguard.Option{ginguard.WithRealm("contacts"), ginguard.WithPermissions()}
	read := ginguard.Require(scopecheck.All("read:contacts"))
	engine := func(build func(r *gin.Engine)) *gin.Engine {
		r := gin.New()
		build(r)
		return r
	}
	return []struct {
		name string
		h    http.Handler
	}{
		{"Protect, Require", engine(func(r *gin.Engine) {
			r.Use(ginguard.Protect(v, o...))
			r.GET("/api/contacts", read, whoami)
		})},
		{"Protect, Require twice", engine(func(r *gin.Engine) {
			r.Use(ginguard.Protect(v, o...))
			r.Group("/api", ginguard.Require(scopecheck.Authenticated)).GET("/contacts", read, whoami)
		})},
		{"Protect on the engine and on a group", engine(func(r *gin.Engine) {
			r.Use(ginguard.Protect(v, o...))
			r.Group("/api", ginguard.Protect(v, o...)).GET("/contacts", read, whoami)
		})},
		{"Protect twice, strict", engine(func(r *gin.Engine) {
			r.Use(ginguard.Protect(v, o...), ginguard.Protect(v, append(o, ginguard.Strict())...))
			r.GET("/api/contacts", read, whoami)
		})},
		{"httpguard.Protect around the engine", httpguard.Protect(v, engine(func(r *gin.Engine) {
			r.Use(ginguard.Protect(v, o...))
			r.GET("/api/contacts", read, whoami)
		}), httpguard.WithRealm("contacts"), httpguard.WithPermissions())},
	}
}

// TestStackedProtect: however guards of one validator are stacked, a
// request is authenticated once, a DPoP proof is not refused as its own
// replay, and the answer is byte for byte the one of one Protect.
func TestStackedProtect(t *testing.T) {
	env := adaptertest.NewEnv(t)
	v, n := env.Counted(t, adaptertest.Audience)
	nobody := mint(t, env, jwtguardtest.Claims{})
	boundNo := mint(t, env, jwtguardtest.Claims{DPoPKey: env.DPoPKey})
	const (
		offer    = `DPoP realm="contacts", algs="` + dpopAlgs + `"`
		scope403 = `error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts"`
		body403  = `{"type":"about:blank","title":"Forbidden","status":403,"detail":"the access token lacks the scope this resource requires: read:contacts","error":"insufficient_scope","reason":"insufficient_scope","scope":"read:contacts"}` + "\n"
		ok       = `{"ctxSub":"auth0|alice","sub":"auth0|alice"}`
	)
	reqs := []struct {
		name        string
		tok         string
		dpop        bool
		validations int64
		want        reply
	}{
		{"Bearer ok", env.Tokens.Reader, false, 1, reply{status: 200, body: ok}},
		{"DPoP ok, one proof", env.Tokens.Bound, true, 1, reply{status: 200, body: ok}},
		{"Bearer lacking the scope", nobody, false, 1, reply{status: 403, challenge: `Bearer realm="contacts", ` + scope403 + ", " + offer, body: body403}},
		{"DPoP lacking the scope", boundNo, true, 1, reply{status: 403, challenge: `Bearer realm="contacts", ` + offer + ", " + scope403, body: body403}},
		{"no token", "", false, 0, reply{status: 401, challenge: `Bearer realm="contacts", ` + offer,
			body: `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}` + "\n"}},
	}
	stacks := ginStacks(v)
	single := stacks[0].h
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			for _, rq := range reqs {
				t.Run(rq.name, func(t *testing.T) {
					ref := replyOf(single, get(t, env, rq.tok, rq.dpop, ""))
					n.Take()
					got := replyOf(s.h, get(t, env, rq.tok, rq.dpop, ""))
					if c := n.Take(); c != rq.validations {
						t.Errorf("%d validations, want %d", c, rq.validations)
					}
					if !got.equal(rq.want) {
						t.Errorf("got  %+v\nwant %+v", got, rq.want)
					}
					if !got.equal(ref) {
						t.Errorf("stack %+v\none Protect %+v", got, ref)
					}
				})
			}
		})
	}
}

// TestStackedProtectNonce: with server nonces a stack serves a DPoP
// request with one DPoP-Nonce and refuses a 403 with none, as one Protect.
func TestStackedProtectNonce(t *testing.T) {
	env := adaptertest.NewEnv(t)
	v, _ := env.Counted(t, adaptertest.Audience, middleware.WithDPoPNonce([]byte("ginguard stack nonce secret, 32+ bytes"), time.Hour))
	boundNo := mint(t, env, jwtguardtest.Claims{DPoPKey: env.DPoPKey})
	stacks := ginStacks(v)
	first := replyOf(stacks[0].h, get(t, env, env.Tokens.Bound, true, ""))
	if first.status != 401 || len(first.nonces) != 1 {
		t.Fatalf("proof without nonce: %+v", first)
	}
	nonce := first.nonces[0]
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			if got := replyOf(s.h, get(t, env, env.Tokens.Bound, true, nonce)); got.status != 200 || !slices.Equal(got.nonces, []string{nonce}) {
				t.Errorf("served: %+v, want 200 and DPoP-Nonce %q once", got, nonce)
			}
			if got := replyOf(s.h, get(t, env, boundNo, true, nonce)); got.status != 403 || len(got.nonces) != 0 {
				t.Errorf("refused: %+v, want 403 without DPoP-Nonce", got)
			}
		})
	}
}

// TestStackedProtectTwoValidators: a Protect of API B behind one of API A
// authenticates the request again and refuses a token for A only.
func TestStackedProtectTwoValidators(t *testing.T) {
	env := adaptertest.NewEnv(t)
	const other = "https://other.example.com"
	a, na := env.Counted(t, adaptertest.Audience)
	b, nb := env.Counted(t, other)
	r := gin.New()
	r.Use(ginguard.Protect(a, ginguard.WithRealm("contacts")))
	r.Group("/api", ginguard.Protect(b, ginguard.WithRealm("contacts"))).GET("/contacts", ginguard.Require(scopecheck.All("read:contacts")), whoami)
	both := mint(t, env, jwtguardtest.Claims{Scope: "read:contacts", Audience: []string{adaptertest.Audience, other}})
	cases := []struct {
		name   string
		tok    string
		na, nb int64
		want   reply
	}{
		{"token for A only", env.Tokens.Reader, 1, 1, reply{status: 401,
			challenge: `Bearer realm="contacts", error="invalid_token", error_description="the token is not intended for this API (aud)", DPoP realm="contacts", algs="` + dpopAlgs + `"`,
			body:      `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the token is not intended for this API (aud)","error":"invalid_token","reason":"audience_mismatch"}` + "\n"}},
		{"token for both", both, 1, 1, reply{status: 200, body: `{"ctxSub":"auth0|alice","sub":"auth0|alice"}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			na.Take()
			nb.Take()
			if got := replyOf(r, get(t, env, tc.tok, false, "")); !got.equal(tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if x, y := na.Take(), nb.Take(); x != tc.na || y != tc.nb {
				t.Errorf("validations A %d, B %d; want %d, %d", x, y, tc.na, tc.nb)
			}
		})
	}
}
