package scopecheck

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/middleware"
)

type op uint8

const (
	opUnset op = iota
	opPublic
	opAuthenticated
	opAll
	opAny
	opAnd
	opOr

	// Requirements on claims (claims.go).
	opEquals
	opOneOf
	opIncludes
	opEqualsParam
	opEqualsRequest
	opClient
	opMachine
	opUser

	// Step-up (stepup.go).
	opACR
	opMaxAge
)

// Requirement is what a route needs. The zero value denies every request.
// Requirements are immutable values, safe to share.
type Requirement struct {
	op     op
	bad    bool // Validate fails: set by the constructors, so checks need not validate
	scopes []string
	subs   []Requirement
	rule   *rule // the claim requirements and step-up
}

// checked records whether r validates, once, at construction.
func checked(r Requirement) Requirement {
	r.bad = r.Validate() != nil
	return r
}

// rule is the data of a requirement on claims.
type rule struct {
	path   claimPath
	values []string                     // Equals (one), OneOf, Includes (one), Client, ACR
	param  string                       // EqualsParam, EqualsRequest: the name of the request value
	get    func(Request) (string, bool) // EqualsRequest
	maxAge time.Duration                // MaxAge
}

// Public lets a request through with no token at all. It must be stated
// explicitly; nothing is public by default.
var Public = Requirement{op: opPublic}

// Authenticated needs a valid access token and no particular scope.
var Authenticated = Requirement{op: opAuthenticated}

// All needs every listed scope.
func All(scopes ...string) Requirement { return checked(Requirement{op: opAll, scopes: clean(scopes)}) }

// Any needs at least one of the listed scopes.
func Any(scopes ...string) Requirement { return checked(Requirement{op: opAny, scopes: clean(scopes)}) }

// And needs every sub-requirement.
func And(reqs ...Requirement) Requirement { return checked(Requirement{op: opAnd, subs: clone(reqs)}) }

// Or needs at least one sub-requirement.
func Or(reqs ...Requirement) Requirement { return checked(Requirement{op: opOr, subs: clone(reqs)}) }

func clean(scopes []string) []string { return append([]string(nil), scopes...) }

func clone(reqs []Requirement) []Requirement { return append([]Requirement(nil), reqs...) }

// IsPublic reports whether the requirement lets requests through without a
// token.
func (r Requirement) IsPublic() bool { return r.op == opPublic }

// IsSet reports whether a requirement was stated (the zero value is not).
func (r Requirement) IsSet() bool { return r.op != opUnset }

// Validate reports a requirement that can never be meant: the zero value,
// All() or Any() with no scope, a scope that is empty or holds a space
// (RFC 6749 section 3.3 scope-token syntax), Public inside a composition,
// a claim requirement without a claim name or a value, an acr value that
// cannot go in a challenge, a MaxAge under one second or not in whole
// seconds. Route tables call it at registration, so mistakes surface at
// start-up.
func (r Requirement) Validate() error {
	switch r.op {
	case opUnset:
		return errors.New("scopecheck: no requirement stated (use Public, Authenticated, All or Any)")
	case opPublic, opAuthenticated, opMachine, opUser:
		return nil
	case opAll, opAny:
		if len(r.scopes) == 0 {
			return errors.New("scopecheck: All and Any need at least one scope")
		}
		for _, s := range r.scopes {
			if !validScopeToken(s) {
				return fmt.Errorf("scopecheck: %q is not a scope token (RFC 6749 section 3.3)", s)
			}
		}
		return nil
	case opAnd, opOr:
		if len(r.subs) == 0 {
			return errors.New("scopecheck: And and Or need at least one requirement")
		}
		for _, s := range r.subs {
			if s.op == opPublic {
				return errors.New("scopecheck: Public cannot be combined")
			}
			if err := s.Validate(); err != nil {
				return err
			}
		}
		return nil
	}
	if r.rule == nil {
		return errors.New("scopecheck: incomplete requirement")
	}
	return r.rule.validate(r.op)
}

// validScopeToken: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
func validScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Check reports whether the granted scopes, and the claims they were
// granted by (GrantedBy), satisfy r. It returns nil or a *middleware.Error;
// see CheckRequest for which. A requirement that compares a claim with a
// value of the request (EqualsParam, EqualsRequest) is not satisfied here:
// there is no request.
func (r Requirement) Check(g Granted) error {
	return r.check(&input{g: g})
}

// check evaluates r against in and explains a refusal.
func (r *Requirement) check(in *input) error {
	if r.op == opUnset || r.bad || r.incomplete() {
		return middleware.NewError(middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope,
			"this resource has no access policy")
	}
	if r.eval(in) {
		return nil
	}
	var f failure
	r.explain(in, &f)
	return f.err()
}

// incomplete reports a requirement on claims without its data, which no
// constructor makes.
func (r *Requirement) incomplete() bool {
	return r.op >= opEquals && r.op != opMachine && r.op != opUser && r.rule == nil
}

// input is what a requirement is evaluated against.
type input struct {
	g   Granted
	req Request // nil when there is no request (Check)
	now float64 // seconds since the epoch; 0 until a MaxAge needs it
}

func (in *input) claims() *middleware.Claims { return in.g.claims }

// eval reports whether r is satisfied. It allocates nothing.
func (r *Requirement) eval(in *input) bool {
	switch r.op {
	case opPublic, opAuthenticated:
		return true
	case opAll:
		for _, s := range r.scopes {
			if !in.g.Has(s) {
				return false
			}
		}
		return true
	case opAny:
		for _, s := range r.scopes {
			if in.g.Has(s) {
				return true
			}
		}
		return false
	case opAnd:
		for i := range r.subs {
			if !r.subs[i].eval(in) {
				return false
			}
		}
		return true
	case opOr:
		for i := range r.subs {
			if r.subs[i].eval(in) {
				return true
			}
		}
		return false
	case opACR, opMaxAge:
		return r.rule != nil && r.stepUpSatisfied(in)
	case opMachine, opUser:
		return r.claimSatisfied(in)
	case opUnset:
		return false
	}
	return r.rule != nil && r.claimSatisfied(in)
}

// Scopes returns every scope the requirement names, for documentation and
// RFC 9728 scopes_supported.
func (r Requirement) Scopes() []string {
	out := clean(r.scopes)
	for _, s := range r.subs {
		out = append(out, s.Scopes()...)
	}
	return out
}
