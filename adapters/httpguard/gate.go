package httpguard

import (
	"net/http"

	"github.com/jwtguard/jwtguard/internal/authctx"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Gate returns a per-route requirement in the func(http.Handler)
// http.Handler shape that chi's r.With, gorilla/mux's Use, alice and echo's
// WrapMiddleware take. It reads the claims that a guard of the same v
// (Middleware, Protect, Require, a Mux) verified further out and checks r
// against them, without authenticating the request again:
//
//	r.Use(httpguard.Middleware(v, opts...))
//	r.With(httpguard.Gate(v, scopecheck.All("read:contacts"), opts...)).Get("/api/contacts", list)
//
// A refusal is rendered as Require renders it with the same v and opts:
// 403 insufficient_scope naming the missing scopes, with the same
// challenge, problem body and error writer. Give the gate the options of
// the guard in front (realm, permissions, hints, error writer) so answers
// match.
//
// Gate fails closed: when no guard of v authenticated the request (Gate
// used without Middleware in front, or behind a guard of another
// Validator), it answers 401 with v's challenge and never runs next.
// Behind a Require(v, scopecheck.Public, ...) that found no valid token,
// it refuses with that guard's error (no token, expired, bad DPoP proof).
// scopecheck.Public lets every request through. Gate panics on a nil
// validator or a requirement that Validate rejects.
//
// A requirement on a path parameter (scopecheck's EqualsParam) reads
// http.Request.PathValue: it works behind an http.ServeMux pattern and
// any router that sets path values with http.Request.SetPathValue before
// the gate runs; elsewhere the parameter is missing and the requirement
// is not satisfied.
func Gate(v *middleware.Validator, r scopecheck.Requirement, opts ...Option) func(http.Handler) http.Handler {
	g := newGuard("Gate", v, r, nil, opts, false)
	return func(next http.Handler) http.Handler {
		gg := *g
		gg.next = next
		return &gg
	}
}

// refuseUnauthenticated answers a request that reached a Gate of g.v
// without claims of g.v: with the error of the public guard of g.v that
// let it through, else a missing-token 401.
func (g *guard) refuseUnauthenticated(w http.ResponseWriter, r *http.Request) {
	if g.req.IsPublic() {
		g.next.ServeHTTP(w, r)
		return
	}
	err, ok := authctx.FailureBy(r.Context(), g.v)
	if !ok {
		e := middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken,
			"no access token was verified for this request")
		e.Hint = "put httpguard.Middleware with the same validator in front of httpguard.Gate"
		err = g.v.Annotate(e, "")
	}
	g.cfg.refuse(w, r, err)
}
