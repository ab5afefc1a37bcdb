package echoguard

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/authctx"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Protect returns echo middleware that requires a valid access token for
// every request it sees and puts the verified claims in c.Request()'s
// context (Claims, middleware.ClaimsFromContext). Use it on the Echo
// (e.Use), on a group or on a route. Credentials are read as httpguard
// reads them: the Authorization header with the Bearer scheme (RFC 6750
// section 2.1) or, as the validator's DPoP mode allows, the DPoP scheme
// with exactly one DPoP proof header checked against the request's method
// and URI (RFC 9449 section 7.1; see WithExternalURL). A request served
// with a DPoP-bound token gets a DPoP-Nonce header when the validator uses
// nonces.
//
// A request that a guard of the same v already authenticated (a Protect
// on the Echo and another on a group, httpguard in front of the Echo) is
// not authenticated again, which would refuse its DPoP proof as a replay:
// Protect reuses the claims in the request's context. A guard of another
// Validator authenticates the request itself.
//
// A refused request is answered as httpguard answers it (same status,
// challenge and problem+json body) and no later handler runs. Protect
// panics on a nil validator and on an external URL that is not an
// absolute http(s) URL.
func Protect(v *middleware.Validator, opts ...Option) echo.MiddlewareFunc {
	if v == nil {
		panic("echoguard: Protect given a nil validator")
	}
	cfg := newConfig(opts)
	hopts := cfg.httpOptions()
	return bridge(build(func() http.Handler { return httpguard.Protect(v, serveNext, hopts...) }))
}

// Require returns the route middleware for requirement r:
//
//	e.GET("/api/contacts", list, echoguard.Require(v, scopecheck.All("read:contacts"), opts...))
//
// It never authenticates a request a guard of v already authenticated: it
// checks r against the claims that guard verified (Protect further out, a
// Require(v, scopecheck.Public) on the Echo, httpguard in front of the
// Echo), so a DPoP proof is checked once. A token that lacks r's scopes
// gets 403 insufficient_scope naming them (RFC 6750 section 3.1).
//
// Require fails closed: when no guard of v authenticated the request (no
// Protect in front, or only a guard of another Validator), it answers 401
// with v's challenge and never runs the handler. Behind a
// Require(v, scopecheck.Public) that found no valid token, it refuses with
// that guard's error (no token, expired, bad DPoP proof), as Protect
// would have.
//
// Require(v, scopecheck.Public) is the guard of a public route: it never
// refuses, and hands the handler the claims of a valid token (verified
// here unless a guard of v did already); a missing or bad token just
// leaves the handler without claims. Put public routes outside Protect,
// which needs a token.
//
// Require panics on a nil validator, on a requirement that scopecheck's
// Validate rejects (the zero value, All()) and on a bad external URL, so
// the mistake shows at start-up, never as an open route.
func Require(v *middleware.Validator, r scopecheck.Requirement, opts ...Option) echo.MiddlewareFunc {
	if v == nil {
		panic("echoguard: Require given a nil validator")
	}
	if err := r.Validate(); err != nil {
		panic(fmt.Errorf("echoguard: Require: %w", err))
	}
	cfg := newConfig(opts)
	hopts := cfg.httpOptions()
	if r.IsPublic() {
		return bridge(build(func() http.Handler { return httpguard.Require(v, scopecheck.Public, serveNext, hopts...) }))
	}
	gate := build(func() http.Handler { return httpguard.Gate(v, r, hopts...)(serveNext) })
	return bridge(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !(cfg.preflight && isPreflight(req)) && !seenBy(req.Context(), v) {
			refuseUnauthenticated(w, req, v, hopts)
			return
		}
		gate.ServeHTTP(w, req)
	}))
}

// seenBy reports whether a guard of v authenticated the request of ctx or
// recorded why it let it through without claims (a public guard): then the
// gate of v answers as Protect would have.
func seenBy(ctx context.Context, v *middleware.Validator) bool {
	if _, ok := authctx.AuthBy(ctx, v); ok {
		return true
	}
	_, ok := authctx.FailureBy(ctx, v)
	return ok
}

// refuseUnauthenticated answers a request that reached a Require of v
// that no guard of v saw: 401 with v's challenge, as a missing token.
func refuseUnauthenticated(w http.ResponseWriter, r *http.Request, v *middleware.Validator, opts []httpguard.Option) {
	e := middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken,
		"no access token was verified for this request")
	e.Hint = "put echoguard.Protect with the same validator in front of echoguard.Require"
	w.Header().Del("DPoP-Nonce") // a nonce only comes with a served request or use_dpop_nonce
	httpguard.WriteError(w, r, v.Annotate(e, ""), opts...)
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}

// build returns the httpguard handler f builds, reporting a panic of its
// construction (a bad external URL) as echoguard's.
func build(f func() http.Handler) http.Handler {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if err, ok := p.(error); ok {
			if inner := errors.Unwrap(err); inner != nil {
				err = inner // "httpguard: middleware: ..." becomes "echoguard: middleware: ..."
			}
			panic(fmt.Errorf("echoguard: %w", err))
		}
		panic(fmt.Sprintf("echoguard: %v", p))
	}()
	return f()
}

// A call is one request passing through an echoguard guard: the echo
// context and the handler the guard runs when it serves the request. It
// travels in the request's context from the bridge to serveNext, so a
// guard is built once, not per request.
type call struct {
	c    echo.Context
	next echo.HandlerFunc
	err  error // what next or the ErrorHandler returned
}

// callKey is the unexported context key of a call.
type callKey struct{}

func callOf(r *http.Request) *call {
	k, _ := r.Context().Value(callKey{}).(*call)
	return k
}

// bridge runs the httpguard handler h as echo middleware: h answers a
// refused request itself on c.Response(), and hands a served one, whose
// context carries the claims, to serveNext.
func bridge(h http.Handler) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r, w := c.Request(), c.Response()
			if r == nil || w == nil {
				// No request to check: refuse rather than serve.
				return echo.NewHTTPError(http.StatusInternalServerError, "echoguard: an echo context without request or response")
			}
			k := &call{c: c, next: next}
			req := r.WithContext(context.WithValue(r.Context(), callKey{}, k))
			// echo's path parameters, as net/http's, for requirements
			// that compare a claim with one (scopecheck EqualsParam).
			for i, name := range c.ParamNames() {
				if vals := c.ParamValues(); i < len(vals) && req.PathValue(name) != vals[i] {
					req.SetPathValue(name, vals[i])
				}
			}
			h.ServeHTTP(w, req)
			return k.err
		}
	}
}

// serveNext is the http.Handler behind every guard: it gives the echo
// context the request the guard served (with the claims) and runs the next
// echo handler.
var serveNext = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	k := callOf(r)
	if k == nil {
		// Unreachable: only bridge calls the guards. Refuse rather than serve.
		http.Error(w, "echoguard: request without its echo context", http.StatusInternalServerError)
		return
	}
	k.c.SetRequest(r)
	k.err = k.next(k.c)
})
