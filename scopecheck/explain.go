package scopecheck

import (
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/middleware"
)

// failure is why a requirement is not satisfied, gathered by explain.
type failure struct {
	scopes []string // scopes that would satisfy it (the absent ones of All, every one of Any)
	claims []string // the claims that fail, by name
	// machine and user: a Machine or User requirement failed.
	machine, user bool
	// Step-up: the acr values and the smallest max age of the failing
	// conjunctions; acrFailed and ageFailed say which kind failed.
	acr                  []string
	maxAge               time.Duration
	acrFailed, ageFailed bool
}

func (f *failure) stepUp() bool { return f.acrFailed || f.ageFailed }

func addUnique(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}

// explain records in f why r, which is not satisfied, fails.
func (r *Requirement) explain(in *input, f *failure) {
	switch r.op {
	case opAll:
		for _, s := range r.scopes {
			if !in.g.Has(s) {
				f.scopes = addUnique(f.scopes, s)
			}
		}
	case opAny:
		for _, s := range r.scopes {
			f.scopes = addUnique(f.scopes, s)
		}
	case opAnd:
		stepped := f.stepUp()
		for i := range r.subs {
			if !r.subs[i].eval(in) {
				r.subs[i].explain(in, f)
			}
		}
		if f.stepUp() && !stepped {
			// A new token must meet every acr and max_age of the
			// conjunction, the satisfied ones too (RFC 9470 section 3).
			for i := range r.subs {
				r.subs[i].stepUpTerms(f)
			}
		}
	case opOr:
		for i := range r.subs {
			r.subs[i].explain(in, f)
		}
	case opACR:
		f.acrFailed = true
		r.stepUpTerms(f)
	case opMaxAge:
		f.ageFailed = true
		r.stepUpTerms(f)
	case opMachine:
		f.machine = true
	case opUser:
		f.user = true
	case opClient:
		f.claims = addUnique(f.claims, "client_id")
	case opEquals, opOneOf, opIncludes, opEqualsParam, opEqualsRequest:
		f.claims = addUnique(f.claims, r.rule.path.name)
	}
}

// stepUpTerms adds the acr values and max age r requires through
// conjunctions only: what a new token must carry to satisfy r.
func (r *Requirement) stepUpTerms(f *failure) {
	switch r.op {
	case opACR:
		for _, v := range r.rule.values {
			f.acr = addUnique(f.acr, v)
		}
	case opMaxAge:
		if f.maxAge == 0 || r.rule.maxAge < f.maxAge {
			f.maxAge = r.rule.maxAge
		}
	case opAnd:
		for i := range r.subs {
			r.subs[i].stepUpTerms(f)
		}
	}
}

// err is the refusal f calls for, by the precedence CheckRequest
// documents: step-up, then scopes, then claims.
func (f *failure) err() error {
	switch {
	case f.stepUp():
		desc := "a different authentication level is required"
		switch {
		case f.acrFailed && f.ageFailed:
			desc = "a different authentication level and more recent authentication are required"
		case f.ageFailed:
			desc = "more recent authentication is required"
		}
		e := middleware.NewError(middleware.ErrInsufficientUserAuthentication, middleware.ReasonInsufficientUserAuthentication, desc)
		e.ACRValues, e.MaxAge = f.acr, f.maxAge
		e.Hint = "ask the authorization server for a new token with the acr_values and max_age of the challenge " +
			"(RFC 9470 section 4): the user signs in again as they say"
		return e
	case len(f.scopes) > 0:
		e := middleware.NewError(middleware.ErrInsufficientScope, middleware.ReasonInsufficientScope,
			"the access token lacks the scope this resource requires: "+strings.Join(f.scopes, " "))
		e.Scopes = f.scopes
		return e
	}
	var parts []string
	switch len(f.claims) {
	case 0:
	case 1:
		parts = append(parts, "the access token does not meet this resource's requirement on the claim "+f.claims[0])
	default:
		parts = append(parts, "the access token does not meet this resource's requirements on the claims "+strings.Join(f.claims, ", "))
	}
	if f.machine {
		parts = append(parts, "this resource accepts only tokens issued to machine clients")
	}
	if f.user {
		parts = append(parts, "this resource accepts only tokens issued to users")
	}
	if len(parts) == 0 {
		parts = append(parts, "the access token does not meet this resource's requirements")
	}
	return middleware.NewError(middleware.ErrInsufficientScope, middleware.ReasonClaimRequirement, strings.Join(parts, "; "))
}
