package httpguard

import (
	"crypto/x509"
	"fmt"
	"net/http"

	"github.com/jwtguard/jwtguard/internal/authctx"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Protect requires a valid access token for every request to next and puts
// the claims in the request context (middleware.ClaimsFromContext).
func Protect(v *middleware.Validator, next http.Handler, opts ...Option) http.Handler {
	return Require(v, scopecheck.Authenticated, next, opts...)
}

// Middleware is Protect in the func(http.Handler) http.Handler shape that
// chi, gorilla and alice take. Per-route scopes go after it with Gate (or
// Require), which reuse the claims it verified.
func Middleware(v *middleware.Validator, opts ...Option) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler { return Protect(v, next, opts...) }
}

// Require protects next with requirement r: Public lets every request
// through (the claims of a valid token still reach the handler), anything else
// needs a valid token that satisfies r. It panics on a requirement that
// Validate rejects, like http.ServeMux panics on a bad pattern: the mistake
// shows at start-up, never as an open route.
//
// A requirement on a path parameter (scopecheck's EqualsParam) reads
// http.Request.PathValue: register the guard as the handler of its
// ServeMux pattern (Mux.Handle, a Gate per route). Around a whole mux the
// parameter is not known yet and the requirement is not satisfied.
//
// Guards compose: a request that a guard of the same v (Protect,
// Middleware, Require, a Mux route, Authenticate) already authenticated is
// never authenticated again, which would refuse its DPoP proof as a replay
// (RFC 9449 section 11.1); Require only checks r against the claims in the
// context. A guard of another Validator (another API or audience)
// authenticates the request itself.
func Require(v *middleware.Validator, r scopecheck.Requirement, next http.Handler, opts ...Option) http.Handler {
	return newGuard("Require", v, r, next, opts, true)
}

func newGuard(fn string, v *middleware.Validator, r scopecheck.Requirement, next http.Handler, opts []Option, authenticate bool) *guard {
	if v == nil {
		panic("httpguard: " + fn + " given a nil validator")
	}
	if err := r.Validate(); err != nil {
		panic(fmt.Errorf("httpguard: %s: %w", fn, err))
	}
	cfg := newConfig(opts)
	if err := cfg.check(); err != nil {
		panic(fmt.Errorf("httpguard: %w", err))
	}
	return &guard{v: v, req: r, next: next, cfg: cfg, authenticate: authenticate}
}

type guard struct {
	v    *middleware.Validator
	req  scopecheck.Requirement
	next http.Handler
	cfg  *config
	// authenticate is false for a Gate: it only checks claims an earlier
	// guard of v verified.
	authenticate bool
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.cfg.preflight && isPreflight(r) {
		g.next.ServeHTTP(w, r)
		return
	}
	if claims, scheme, ok := authctx.ClaimsBy[middleware.Claims](r.Context(), g.v); ok {
		// A guard of g.v verified the credentials already; only the
		// requirement is left.
		if err := scopecheck.CheckRequest(g.req, claims, g.cfg.permissions, request{r}); err != nil {
			g.cfg.refuse(w, r, g.v.Annotate(err, scheme))
			return
		}
		g.serve(w, withAuth(r, g.v, claims, scheme), scheme)
		return
	}
	if !g.authenticate {
		g.refuseUnauthenticated(w, r)
		return
	}
	claims, scheme, err := g.authenticateRequest(r)
	if err != nil {
		if g.req.IsPublic() {
			// A public route never refuses; its handler just sees no
			// claims when the token is absent or bad. A Gate of the same
			// validator further in learns why (authctx.FailureBy).
			g.next.ServeHTTP(w, r.WithContext(authctx.WithFailure(r.Context(), g.v, err)))
			return
		}
		g.cfg.refuse(w, r, err)
		return
	}
	if err := scopecheck.CheckRequest(g.req, claims, g.cfg.permissions, request{r}); err != nil {
		g.cfg.refuse(w, r, g.v.Annotate(err, scheme))
		return
	}
	g.serve(w, r.WithContext(authctx.WithAuth(r.Context(), authctx.Auth{By: g.v, Claims: claims, Scheme: scheme})), scheme)
}

// serve hands an authorized request to next.
func (g *guard) serve(w http.ResponseWriter, r *http.Request, scheme string) {
	if scheme == middleware.SchemeDPoP {
		if n := g.v.DPoPNonce(); n != "" {
			// RFC 9449 section 9: a fresh nonce for the next proof. Set,
			// not added: a stack of guards sends one.
			w.Header().Set("DPoP-Nonce", n)
		}
	}
	g.next.ServeHTTP(w, r)
}

// withAuth returns r with claims verified by v as its innermost claims,
// so the handler behind a guard of v sees v's claims even when a guard of
// another validator ran in between.
func withAuth(r *http.Request, v *middleware.Validator, claims *middleware.Claims, scheme string) *http.Request {
	if authctx.Value(r.Context()) == any(claims) {
		return r
	}
	return r.WithContext(authctx.WithAuth(r.Context(), authctx.Auth{By: v, Claims: claims, Scheme: scheme}))
}

// authenticateRequest extracts and validates the credentials of r: a Bearer
// token, or a DPoP-bound token with its proof (RFC 9449 section 7.1). It
// returns the scheme used; errors know it and what v accepts, so the
// challenge names the right schemes.
func (g *guard) authenticateRequest(r *http.Request) (*middleware.Claims, string, error) {
	creds, err := g.cfg.credentials(r)
	if err != nil {
		return nil, "", g.v.Annotate(err, "")
	}
	c, err := g.v.Authenticate(r.Context(), creds)
	return c, creds.Scheme, err
}

// Authenticate validates the token of r with v and returns r carrying the
// claims in its context. Other adapters and custom routers use it. When a
// guard of v already authenticated r, it returns those claims without
// authenticating r again.
func Authenticate(v *middleware.Validator, r *http.Request, opts ...Option) (*http.Request, *middleware.Claims, error) {
	if c, scheme, ok := authctx.ClaimsBy[middleware.Claims](r.Context(), v); ok {
		return withAuth(r, v, c, scheme), c, nil
	}
	g := &guard{v: v, cfg: newConfig(opts)}
	c, scheme, err := g.authenticateRequest(r)
	if err != nil {
		return r, nil, err
	}
	return r.WithContext(authctx.WithAuth(r.Context(), authctx.Auth{By: v, Claims: c, Scheme: scheme})), c, nil
}

// credentials reads the Authorization header (Bearer or DPoP, with the
// DPoP headers and the request's method and URI), and the access_token
// query parameter only when opted in (RFC 6750 section 2.3). A token in
// both places is an invalid request (RFC 6750 section 2). The client
// certificate is read later, and only for a certificate-bound token.
func (c *config) credentials(r *http.Request) (middleware.Credentials, error) {
	creds, err := c.readCredentials(r)
	if err == nil && c.certs != nil {
		ext := c.certs
		creds.ClientCertificate = func() (*x509.Certificate, error) { return ext.FromRequest(r) }
	}
	return creds, err
}

func (c *config) readCredentials(r *http.Request) (middleware.Credentials, error) {
	creds, err := middleware.CredentialsFromRequest(r, c.externalURL)
	if !c.queryToken {
		return creds, err
	}
	q, inQuery := r.URL.Query()["access_token"]
	switch {
	case !inQuery:
		return creds, err
	case err == nil || len(q) != 1:
		return creds, middleware.NewError(middleware.ErrInvalidRequest, middleware.ReasonInvalidRequest,
			"the request carries more than one access token")
	case !errorsIsMissing(err):
		return creds, err
	}
	creds, err = middleware.CredentialsFromAuthorization("Bearer "+q[0], nil)
	if err == nil {
		creds.ClientCertificate = func() (*x509.Certificate, error) { return mtls.FromRequest(r) }
	}
	return creds, err
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}

// CredentialsReader returns the function Protect reads a request's
// credentials with: the Authorization header with the Bearer or DPoP scheme,
// the DPoP headers, the method and URI (WithExternalURL), the
// access_token query parameter when opted in, and the source of the
// client certificate (WithClientCertificates). Adapters for other routers
// build it once and pass its result to Validator.Authenticate. It panics
// on a nil WithClientCertificates.
func CredentialsReader(opts ...Option) func(*http.Request) (middleware.Credentials, error) {
	c := newConfig(opts)
	if c.nilCerts {
		panic("httpguard: CredentialsReader: WithClientCertificates given a nil extractor")
	}
	return c.credentials
}
