package httpguard_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

const notVerified = `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no access token was verified for this request","reason":"missing_token"}` + "\n"

// TestGate checks a Gate's answers exactly and against the answer of a
// single Require(v, read:contacts) to the same request: a gate is only a
// per-route requirement, never a second authentication.
func TestGate(t *testing.T) {
	e := newStackEnv(t)
	o := e.opts
	read := scopecheck.All("read:contacts")
	h := http.HandlerFunc(echo)
	single := httpguard.Require(e.a, read, h, o...)
	gate := httpguard.Gate(e.a, read, o...)
	problem := "application/problem+json"
	expired := reply{status: 401, challenge: `Bearer realm="contacts", error="invalid_token", error_description="the token has expired"` + dpopOffer,
		body:        `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the token has expired","error":"invalid_token","reason":"expired"}` + "\n",
		contentType: problem}
	cases := []struct {
		name        string
		h           http.Handler
		req         func(*testing.T) *http.Request
		validations int64
		want        reply
		sameAsOne   bool // the answer is byte for byte the single Require's
	}{
		{"after Middleware, Bearer ok", chain(h, httpguard.Middleware(e.a, o...), gate), e.bearer(e.reader), 1,
			reply{status: 200, body: okBody, contentType: textPlain}, true},
		{"after Middleware, DPoP ok with one proof", chain(h, httpguard.Middleware(e.a, o...), gate), e.dpop(e.bound, ""), 1,
			reply{status: 200, body: okBody, contentType: textPlain}, true},
		{"after Middleware, Bearer lacking the scope", chain(h, httpguard.Middleware(e.a, o...), gate), e.bearer(e.nobody), 1,
			reply{status: 403, challenge: `Bearer realm="contacts", ` + scope403 + dpopOffer, body: body403, contentType: problem}, true},
		{"after Middleware, DPoP lacking the scope", chain(h, httpguard.Middleware(e.a, o...), gate), e.dpop(e.boundNo, ""), 1,
			reply{status: 403, challenge: bareContact + ", " + scope403, body: body403, contentType: problem}, true},
		{"after Middleware, no token: Middleware answers", chain(h, httpguard.Middleware(e.a, o...), gate), e.bearer(""), 0,
			reply{status: 401, challenge: bareContact, body: body401, contentType: problem}, true},
		{"two gates", chain(h, httpguard.Middleware(e.a, o...), httpguard.Gate(e.a, scopecheck.Authenticated, o...), gate), e.dpop(e.bound, ""), 1,
			reply{status: 200, body: okBody, contentType: textPlain}, true},

		{"nothing in front, no token", chain(h, gate), e.bearer(""), 0,
			reply{status: 401, challenge: bareContact, body: notVerified, contentType: problem}, false},
		{"nothing in front, valid token: not read", chain(h, gate), e.bearer(e.reader), 0,
			reply{status: 401, challenge: bareContact, body: notVerified, contentType: problem}, false},
		{"nothing in front, DPoP: not read", chain(h, gate), e.dpop(e.bound, ""), 0,
			reply{status: 401, challenge: bareContact, body: notVerified, contentType: problem}, false},
		{"behind another validator's Middleware", chain(h, httpguard.Middleware(e.b, o...), gate), e.bearer(e.both), 0,
			reply{status: 401, challenge: bareContact, body: notVerified, contentType: problem}, false},

		{"behind a public Require, no token: its error", chain(h, requireMW(e.a, scopecheck.Public, o...), gate), e.bearer(""), 0,
			reply{status: 401, challenge: bareContact, body: body401, contentType: problem}, true},
		{"behind a public Require, expired: its error", chain(h, requireMW(e.a, scopecheck.Public, o...), gate), e.bearer(e.expired), 1,
			expired, true},
		{"behind a public Require, lacking the scope", chain(h, requireMW(e.a, scopecheck.Public, o...), gate), e.bearer(e.nobody), 1,
			reply{status: 403, challenge: `Bearer realm="contacts", ` + scope403 + dpopOffer, body: body403, contentType: problem}, true},
		{"behind a public Require, DPoP ok", chain(h, requireMW(e.a, scopecheck.Public, o...), gate), e.dpop(e.bound, ""), 1,
			reply{status: 200, body: okBody, contentType: textPlain}, true},

		{"Public gate, nothing in front", chain(h, httpguard.Gate(e.a, scopecheck.Public, o...)), e.bearer(e.reader), 0,
			reply{status: 200, body: `{"authed":false,"sub":""}` + "\n", contentType: textPlain}, false},
		{"Public gate after Middleware", chain(h, httpguard.Middleware(e.a, o...), httpguard.Gate(e.a, scopecheck.Public, o...)), e.bearer(e.reader), 1,
			reply{status: 200, body: okBody, contentType: textPlain}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.na.n.Store(0)
			e.nb.n.Store(0)
			got := serveReply(tc.h, tc.req(t))
			if !got.equal(tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if n := e.na.n.Load(); n != tc.validations {
				t.Errorf("%d validations, want %d", n, tc.validations)
			}
			if tc.sameAsOne {
				if ref := serveReply(single, tc.req(t)); !got.equal(ref) {
					t.Errorf("gate %+v\nsingle Require %+v", got, ref)
				}
			}
		})
	}
}

// TestGateOptions: a gate renders with its options as Require does.
func TestGateOptions(t *testing.T) {
	e := newStackEnv(t)
	h := http.HandlerFunc(echo)

	t.Run("hints", func(t *testing.T) {
		got := serveReply(chain(h, httpguard.Gate(e.a, scopecheck.Authenticated, httpguard.WithHints())), e.bearer("")(t))
		want := reply{status: 401, challenge: `Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`,
			body: `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"no access token was verified for this request","reason":"missing_token",` +
				`"hint":"put httpguard.Middleware with the same validator in front of httpguard.Gate"}` + "\n",
			contentType: "application/problem+json"}
		if !got.equal(want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("error writer", func(t *testing.T) {
		var seen error
		w := httpguard.WithErrorWriter(func(w http.ResponseWriter, r *http.Request, err error) {
			seen = err
			w.WriteHeader(http.StatusTeapot)
		})
		got := serveReply(chain(h, httpguard.Middleware(e.a, w), httpguard.Gate(e.a, scopecheck.All("read:contacts"), w)), e.bearer(e.nobody)(t))
		if got.status != http.StatusTeapot || !errors.Is(seen, middleware.ErrInsufficientScope) {
			t.Errorf("status %d, error %v", got.status, seen)
		}
	})
	t.Run("permissions", func(t *testing.T) {
		tok, err := e.iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{audience}, Permissions: []string{"read:contacts"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, perm := range []bool{false, true} {
			var o []httpguard.Option
			if perm {
				o = append(o, httpguard.WithPermissions())
			}
			got := serveReply(chain(h, httpguard.Middleware(e.a), httpguard.Gate(e.a, scopecheck.All("read:contacts"), o...)), e.bearer(tok)(t))
			if want := map[bool]int{false: 403, true: 200}[perm]; got.status != want {
				t.Errorf("WithPermissions %v: %d, want %d", perm, got.status, want)
			}
		}
	})
	t.Run("preflight", func(t *testing.T) {
		req := httptest.NewRequest("OPTIONS", "/api/contacts", nil)
		req.Header.Set("Access-Control-Request-Method", "DELETE")
		for _, pre := range []bool{false, true} {
			var o []httpguard.Option
			if pre {
				o = append(o, httpguard.WithPreflight())
			}
			got := serveReply(chain(h, httpguard.Middleware(e.a, o...), httpguard.Gate(e.a, scopecheck.All("read:contacts"), o...)), req)
			if want := map[bool]int{false: 401, true: 200}[pre]; got.status != want {
				t.Errorf("WithPreflight %v: %d, want %d", pre, got.status, want)
			}
		}
	})
}

func TestGatePanicsAtConstruction(t *testing.T) {
	e := newStackEnv(t)
	for name, f := range map[string]func(){
		"nil validator":    func() { httpguard.Gate(nil, scopecheck.Authenticated) },
		"zero requirement": func() { httpguard.Gate(e.a, scopecheck.Requirement{}) },
		"empty All":        func() { httpguard.Gate(e.a, scopecheck.All()) },
		"bad external URL": func() { httpguard.Gate(e.a, scopecheck.Authenticated, httpguard.WithExternalURL("api.example.com")) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				if msg := fmt.Sprint(r); r == nil || !strings.HasPrefix(msg, "httpguard: Gate") && !strings.HasPrefix(msg, "httpguard: dpop: external URL") {
					t.Errorf("panic %q, want one starting with httpguard:", msg)
				}
			}()
			f()
		})
	}
}
