package ginguard

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// ErrNoProtect is what a Require gate reports (500, in c.Errors) when no
// Protect ran before it in the handler chain: a server misconfiguration,
// refused rather than served.
var ErrNoProtect = errors.New("ginguard: Require without Protect in front of it")

// Require returns the per-route gate for requirement r, to put in a route's
// handler chain after Protect:
//
//	r.DELETE("/api/contacts/:id", ginguard.Require(scopecheck.All("delete:contacts")), remove)
//
// scopecheck.Public serves the route without a token; anything else needs a
// valid token that satisfies r, else the refusal scopecheck.CheckRequest
// gives: 403 insufficient_scope naming the missing scopes (RFC 6750
// section 3.1), 403 for a failed claim requirement, 401 for a step-up
// (RFC 9470). A requirement on a path parameter (scopecheck's EqualsParam)
// reads gin.Context.Param: Claim("org_id").EqualsParam("org") on
// "/api/orgs/:org/contacts". Several gates in one chain (a group
// and a route) must all pass. Without Protect in front the gate answers 500
// and aborts: it never serves a route it cannot check. Require panics on a
// requirement that scopecheck's Validate rejects (the zero value, All()),
// so the mistake shows at start-up, never as an open route.
func Require(r scopecheck.Requirement) gin.HandlerFunc {
	if err := r.Validate(); err != nil {
		panic(fmt.Errorf("ginguard: %w", err))
	}
	if r.IsPublic() {
		return publicGate{}.serve
	}
	return gate{req: r}.serve
}

// gate checks a scope requirement against the claims Protect verified.
type gate struct{ req scopecheck.Requirement }

func (g gate) serve(c *gin.Context) {
	st, ok := stateOf(c)
	if !ok {
		noProtect(c)
		return
	}
	if st.probe != nil {
		st.probe.record(c, g.req)
		return
	}
	if st.preflight {
		return
	}
	if st.claims == nil {
		err := st.err
		if err == nil {
			err = st.v.Annotate(middleware.NewError(middleware.ErrMissingToken, middleware.ReasonMissingToken, "no access token"), "")
		}
		st.refuse(c, err)
		return
	}
	if err := scopecheck.CheckRequest(g.req, st.claims, st.cfg.permissions, request{c}); err != nil {
		// The error goes on the challenge of the scheme the token came
		// with (RFC 9449 section 7.1).
		st.refuse(c, st.v.Annotate(err, st.scheme))
	}
}

// publicGate marks a public route; Protect finds it in the chain.
type publicGate struct{}

func (publicGate) serve(c *gin.Context) {
	st, ok := stateOf(c)
	switch {
	case !ok:
		noProtect(c)
	case st.probe != nil:
		st.probe.record(c, scopecheck.Public)
	}
}

// noProtect answers a gate that no Protect ran before: 500, aborted. A
// Policy request learns that the gate is misplaced.
func noProtect(c *gin.Context) {
	if pr, ok := probeOf(c); ok {
		pr.misplaced = true
	}
	c.AbortWithError(http.StatusInternalServerError, ErrNoProtect)
}

func stateOf(c *gin.Context) (*state, bool) {
	v, ok := c.Get(stateKey{})
	if !ok {
		return nil, false
	}
	st, ok := v.(*state)
	return st, ok && st != nil
}

// refuse answers err and aborts the chain. A DPoP-Nonce header Protect set
// for a served request is taken back first, as net/http sends it only with
// served requests; the answer carries the nonce of err, if any.
func (st *state) refuse(c *gin.Context, err error) {
	c.Writer.Header().Del(nonceHeader)
	e := middleware.AsError(err)
	if st.cfg.onError != nil {
		st.cfg.onError(c, e)
	} else {
		httpguardWriteError(c, e, st.cfg)
	}
	c.Abort()
}
