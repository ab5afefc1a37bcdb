package scopecheck

import (
	"errors"
	"fmt"
	"strings"

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
)

// Requirement is what a route needs. The zero value denies every request.
// Requirements are immutable values, safe to share.
type Requirement struct {
	op     op
	scopes []string
	subs   []Requirement
}

// Public lets a request through with no token at all. It must be stated
// explicitly; nothing is public by default.
var Public = Requirement{op: opPublic}

// Authenticated needs a valid access token and no particular scope.
var Authenticated = Requirement{op: opAuthenticated}

// All needs every listed scope.
func All(scopes ...string) Requirement { return Requirement{op: opAll, scopes: clean(scopes)} }

// Any needs at least one of the listed scopes.
func Any(scopes ...string) Requirement { return Requirement{op: opAny, scopes: clean(scopes)} }

// And needs every sub-requirement.
func And(reqs ...Requirement) Requirement { return Requirement{op: opAnd, subs: reqs} }

// Or needs at least one sub-requirement.
func Or(reqs ...Requirement) Requirement { return Requirement{op: opOr, subs: reqs} }

func clean(scopes []string) []string { return append([]string(nil), scopes...) }

// IsPublic reports whether the requirement lets requests through without a
// token.
func (r Requirement) IsPublic() bool { return r.op == opPublic }

// IsSet reports whether a requirement was stated (the zero value is not).
func (r Requirement) IsSet() bool { return r.op != opUnset }

// Validate reports a requirement that can never be meant: the zero value,
// All() or Any() with no scope, a scope that is empty or holds a space
// (RFC 6749 section 3.3 scope-token syntax), Public inside a composition.
// Route tables call it at registration, so mistakes surface at start-up.
func (r Requirement) Validate() error {
	switch r.op {
	case opUnset:
		return errors.New("scopecheck: no requirement stated (use Public, Authenticated, All or Any)")
	case opPublic, opAuthenticated:
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
	}
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

// Check reports whether the granted scopes satisfy r. It returns nil or a
// *middleware.Error in the ErrInsufficientScope category whose Scopes name
// what is missing (for the scope attribute of the RFC 6750 section 3
// challenge). An unset or invalid requirement fails closed. Public and
// Authenticated are satisfied by any granted set: whether a token is needed
// at all is the adapter's decision.
func (r Requirement) Check(g Granted) error {
	if r.Validate() != nil {
		return middleware.NewError(middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope,
			"this resource has no access policy")
	}
	if r.satisfied(g) {
		return nil
	}
	missing := r.missing(g, nil)
	e := middleware.NewError(middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope,
		"the access token lacks the scope this resource requires: "+strings.Join(missing, " "))
	e.Scopes = missing
	return e
}

func (r Requirement) satisfied(g Granted) bool {
	switch r.op {
	case opPublic, opAuthenticated:
		return true
	case opAll:
		for _, s := range r.scopes {
			if !g.Has(s) {
				return false
			}
		}
		return true
	case opAny:
		for _, s := range r.scopes {
			if g.Has(s) {
				return true
			}
		}
	case opAnd:
		for _, s := range r.subs {
			if !s.satisfied(g) {
				return false
			}
		}
		return true
	case opOr:
		for _, s := range r.subs {
			if s.satisfied(g) {
				return true
			}
		}
	}
	return false
}

// missing lists the scopes that would satisfy r: for All the absent ones,
// for Any (and Or) every alternative.
func (r Requirement) missing(g Granted, out []string) []string {
	add := func(s string) {
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	switch r.op {
	case opAll:
		for _, s := range r.scopes {
			if !g.Has(s) {
				add(s)
			}
		}
	case opAny:
		for _, s := range r.scopes {
			add(s)
		}
	case opAnd, opOr:
		for _, s := range r.subs {
			if !s.satisfied(g) {
				for _, m := range s.missing(g, nil) {
					add(m)
				}
			}
		}
	}
	return out
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

// String renders the requirement, e.g. all(read:contacts) or
// or(all(a b), any(c)).
func (r Requirement) String() string {
	switch r.op {
	case opPublic:
		return "public"
	case opAuthenticated:
		return "authenticated"
	case opAll:
		return "all(" + strings.Join(r.scopes, " ") + ")"
	case opAny:
		return "any(" + strings.Join(r.scopes, " ") + ")"
	case opAnd, opOr:
		parts := make([]string, len(r.subs))
		for i, s := range r.subs {
			parts[i] = s.String()
		}
		name := "and"
		if r.op == opOr {
			name = "or"
		}
		return name + "(" + strings.Join(parts, ", ") + ")"
	}
	return "unset"
}
