package ginguard

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/scopecheck"
)

// Policy returns the effective access policy of every route of engine
// (engine.Routes()), as Protect and Require enforce it: the requirement of
// the route's Require gate, the And of several (a group's and the
// route's), scopecheck.Public for a chain with Require(scopecheck.Public)
// only, and for a chain without a gate scopecheck.Authenticated, or the
// unset requirement (every request refused) when a Protect of the chain
// runs in Strict mode. See scopecheck.Policy for the JSON schema.
//
// It learns the chains by sending one request per route through engine,
// marked so that Protect and the gates record their requirements instead
// of checking them: no token is read and the route's own handler never
// runs. Handlers in front of Protect (logging, recovery, CORS), and any
// between Protect and the route's last gate, do run. Call it at start-up
// or in a test, not while serving.
//
// It returns an error naming the routes whose request never reached a
// Protect (none in the chain, or a handler in front of it answered), or
// stopped before their last gate: their policy is not what ginguard
// enforces.
func Policy(engine *gin.Engine) (scopecheck.Policy, error) {
	routes := map[string]scopecheck.Requirement{}
	var errs []error
	for _, rt := range engine.Routes() {
		name := rt.Method + " " + rt.Path
		pr := &probe{}
		req := httptest.NewRequest(rt.Method, rt.Path, nil)
		req = req.WithContext(context.WithValue(req.Context(), probeKey{}, pr))
		engine.ServeHTTP(httptest.NewRecorder(), req)
		r, err := pr.requirement()
		if err != nil {
			errs = append(errs, fmt.Errorf("ginguard: Policy: %s: %w", name, err))
			continue
		}
		routes[name] = r
	}
	return scopecheck.NewPolicy(routes), errors.Join(errs...)
}

// probeKey is the unexported context key of a Policy request: no client
// can make a request that carries it.
type probeKey struct{}

// probe is what a Policy request learns on its way through a chain.
type probe struct {
	protected bool // a Protect ran
	protects  int  // the Protects that ran
	strict    bool // a Protect of the chain runs in Strict mode
	gates     int  // the Require gates in the chain
	reqs      []scopecheck.Requirement
	misplaced bool // a gate ran before any Protect
}

func probeOf(c *gin.Context) (*probe, bool) {
	pr, ok := c.Request.Context().Value(probeKey{}).(*probe)
	return pr, ok
}

// requirement is the effective requirement of the chain the probe went
// through.
func (pr *probe) requirement() (scopecheck.Requirement, error) {
	switch {
	case pr.misplaced:
		return scopecheck.Requirement{}, errors.New("a Require gate runs before ginguard.Protect (it answers 500)")
	case !pr.protected:
		return scopecheck.Requirement{}, errors.New("the request never reached ginguard.Protect")
	case len(pr.reqs) < pr.gates:
		return scopecheck.Requirement{}, fmt.Errorf("a handler ended the request before its last Require gate (%d of %d ran)", len(pr.reqs), pr.gates)
	case pr.gates == 0 && pr.strict:
		return scopecheck.Requirement{}, nil // Strict refuses it
	case pr.gates == 0:
		return scopecheck.Authenticated, nil
	}
	var gated []scopecheck.Requirement
	for _, r := range pr.reqs {
		if !r.IsPublic() {
			gated = append(gated, r)
		}
	}
	switch len(gated) {
	case 0:
		return scopecheck.Public, nil
	case 1:
		return gated[0], nil
	}
	return scopecheck.And(gated...), nil
}

// probe records what Protect would do for a Policy request and leaves the
// state the gates record into; it aborts when no gate is left to run.
func (p *protector) probe(c *gin.Context, pr *probe) {
	pr.protected = true
	pr.protects++
	pr.strict = pr.strict || p.cfg.strict
	pr.gates = 0
	protects := 0
	for _, n := range c.HandlerNames() {
		switch n {
		case p.gateName, p.publicName:
			pr.gates++
		case p.protectName:
			protects++
		}
	}
	c.Set(stateKey{}, &state{cfg: p.cfg, v: p.v, probe: pr})
	// The last Protect of the chain ends a chain without gates left; an
	// earlier one lets the request reach the next, whose mode counts too.
	if len(pr.reqs) >= pr.gates && pr.protects >= protects {
		c.Abort()
	}
}

// record notes a gate's requirement on a Policy request and aborts after
// the last gate, so the route's handler never runs.
func (pr *probe) record(c *gin.Context, r scopecheck.Requirement) {
	pr.reqs = append(pr.reqs, r)
	if len(pr.reqs) >= pr.gates {
		c.Abort()
	}
}
