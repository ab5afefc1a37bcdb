package ginguard

import (
	"fmt"
	"net/http"
	"reflect"
	"runtime"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/internal/authctx"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Protect returns gin middleware that requires a valid access token for
// every route registered after it on the router or group, and puts the
// verified claims in c.Request's context. Credentials are read as httpguard
// reads them: the Authorization header only, with the Bearer scheme (RFC
// 6750 section 2.1) or, as the validator's DPoP mode allows, the DPoP scheme
// with exactly one DPoP proof header checked against the request's method
// and URI (RFC 9449 section 7.1; see WithExternalURL). A successful DPoP
// request gets a DPoP-Nonce header when the validator uses nonces.
//
// A request that a guard of the same v already authenticated (a Protect on
// the engine and another on a group, httpguard in front of the engine) is
// not authenticated again, which would refuse its DPoP proof as a replay:
// Protect reuses the claims in c.Request's context. A Protect of another
// Validator authenticates the request itself.
//
// A route whose handler chain carries Require(scopecheck.Public) is served
// without a token (its handlers still see the claims of a valid one);
// Require with scopes adds those scopes. A refused request is answered
// through httpguard.WriteError and the context is aborted, so no later
// handler runs. Protect panics on a nil validator and on an external URL
// that is not an absolute http(s) URL. The returned handler is safe for
// concurrent use.
//
// A certificate-bound access token (RFC 8705, cnf.x5t#S256) is accepted
// only from a request presenting that client certificate: by default the
// TLS connection's, when the handshake verified it (serve with
// tls.Config.ClientAuth VerifyClientCertIfGiven); see
// WithClientCertificates for a TLS-terminating proxy.
func Protect(v *middleware.Validator, opts ...Option) gin.HandlerFunc {
	if v == nil {
		panic("ginguard: nil validator")
	}
	cfg := newConfig(opts)
	if err := dpop.CheckExternalURL(cfg.externalURL); err != nil {
		panic(fmt.Errorf("ginguard: %w", err))
	}
	if cfg.nilCerts {
		panic("ginguard: WithClientCertificates given a nil extractor")
	}
	p := &protector{
		v:          v,
		cfg:        cfg,
		gateName:   funcName(gate{}.serve),
		publicName: funcName(publicGate{}.serve),
	}
	p.protectName = funcName(p.serve)
	return p.serve
}

type protector struct {
	v   *middleware.Validator
	cfg *config
	// The names gin reports (Context.HandlerNames) for the handlers Require
	// returns: how Protect learns, before any handler runs, whether the
	// route states a requirement and whether it is public.
	gateName, publicName string
	protectName          string // ... and for Protect itself (Policy)
}

// state is what Protect leaves for the Require gates of the same chain.
type state struct {
	cfg       *config
	v         *middleware.Validator
	claims    *middleware.Claims // nil when authentication failed on a public chain
	scheme    string             // the scheme the claims came with
	err       error              // why it failed
	preflight bool
	probe     *probe // a Policy request: gates record, never check
}

// stateKey is the unexported gin context key of state: no other package can
// forge it.
type stateKey struct{}

func (p *protector) serve(c *gin.Context) {
	if pr, ok := probeOf(c); ok {
		p.probe(c, pr)
		return
	}
	st := &state{cfg: p.cfg, v: p.v}
	c.Set(stateKey{}, st)
	if p.cfg.preflight && isPreflight(c.Request) {
		st.preflight = true
		return
	}
	gated, public := p.chain(c)
	if p.cfg.strict && !gated && c.FullPath() != "" {
		st.refuse(c, p.v.Annotate(errNoPolicy(), ""))
		return
	}
	if claims, scheme, ok := authctx.ClaimsBy[middleware.Claims](c.Request.Context(), p.v); ok {
		// A guard of p.v (a Protect further out, httpguard in front of
		// the engine) verified the credentials already: authenticating
		// them again would refuse a DPoP proof as its own replay.
		p.authenticated(c, st, claims, scheme)
		return
	}
	claims, scheme, err := p.authenticate(c.Request)
	if err != nil {
		if public {
			st.err = err
			return
		}
		st.refuse(c, err)
		return
	}
	p.authenticated(c, st, claims, scheme)
}

// authenticated records claims, verified by p.v with scheme, for the
// Require gates of the chain and in c.Request's context.
func (p *protector) authenticated(c *gin.Context, st *state, claims *middleware.Claims, scheme string) {
	st.claims, st.scheme = claims, scheme
	if scheme == middleware.SchemeDPoP {
		if n := p.v.DPoPNonce(); n != "" {
			// RFC 9449 section 9: a fresh nonce for the next proof. A
			// Require gate that refuses the request takes it back, as
			// net/http sends it only with a served request.
			c.Writer.Header().Set(nonceHeader, n)
		}
	}
	if authctx.Value(c.Request.Context()) != any(claims) {
		c.Request = c.Request.WithContext(authctx.WithAuth(c.Request.Context(),
			authctx.Auth{By: p.v, Claims: claims, Scheme: scheme}))
	}
}

// nonceHeader is the response header of server nonces (RFC 9449 section 9).
const nonceHeader = "DPoP-Nonce"

// chain reports whether the handler chain of c carries a Require gate and
// whether one of them is Require(scopecheck.Public).
func (p *protector) chain(c *gin.Context) (gated, public bool) {
	for _, n := range c.HandlerNames() {
		switch n {
		case p.publicName:
			return true, true
		case p.gateName:
			gated = true
		}
	}
	return gated, false
}

// authenticate reads the credentials of r as httpguard does (a Bearer
// token, or a DPoP-bound token with its proof, RFC 9449 section 7.1) and
// validates them. It returns the scheme used; errors know it and what v
// accepts, so the challenges are those of net/http.
func (p *protector) authenticate(r *http.Request) (*middleware.Claims, string, error) {
	creds, err := p.cfg.credentials(r)
	if err != nil {
		return nil, "", p.v.Annotate(err, "")
	}
	c, err := p.v.Authenticate(r.Context(), creds)
	return c, creds.Scheme, err
}

// errNoPolicy is scopecheck's own fail-closed answer for a route that
// states no requirement.
func errNoPolicy() error { return scopecheck.Requirement{}.Check(scopecheck.Granted{}) }

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}

// funcName is the name gin's Context.HandlerNames reports for h.
func funcName(h gin.HandlerFunc) string {
	return runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
}
