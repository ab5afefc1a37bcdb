package scopecheck

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jwtguard/jwtguard/internal/rawjson"
	"github.com/jwtguard/jwtguard/middleware"
)

// ACR needs the token's acr claim, the Authentication Context Class
// Reference of the user's authentication (OIDC Core section 2), to be one
// of values: Auth0 sets
// "http://schemas.openid.net/pape/policies/2007/06/multi-factor" after
// multi-factor authentication. A token without acr, or whose acr is not a
// string, does not satisfy it.
//
// A token that fails is refused with 401 insufficient_user_authentication
// and acr_values naming values (RFC 9470 section 3): the client asks the
// authorization server for a new token with those acr_values (RFC 9470
// section 4). Values may not hold spaces, quotes or backslashes, since the
// challenge lists them space-separated in a quoted string.
func ACR(values ...string) Requirement {
	return checked(Requirement{op: opACR, rule: &rule{values: clean(values)}})
}

// MaxAge needs the user's authentication behind the token to be at most d
// old: now minus the token's auth_time claim, the time the user
// authenticated (OIDC Core section 2), is at most d. A token without
// auth_time, or whose auth_time is not a NumericDate, does not satisfy it,
// nor does one whose auth_time lies more than a minute in the future
// (middleware.DefaultLeeway): its clock cannot be trusted to say the
// authentication is fresh.
//
// A token that fails is refused with 401 insufficient_user_authentication
// and max_age in whole seconds (RFC 9470 section 3); d must therefore be
// whole seconds, at least one.
func MaxAge(d time.Duration) Requirement {
	return checked(Requirement{op: opMaxAge, rule: &rule{maxAge: d}})
}

// now is the clock of MaxAge; tests replace it.
var now = time.Now

// maxNumericDate is 9999-12-31T23:59:59Z, the latest date the token
// decoder accepts.
const maxNumericDate = 253402300799

func (r *rule) validateStepUp(o op) error {
	if o == opMaxAge {
		if r.maxAge < time.Second || r.maxAge%time.Second != 0 {
			return fmt.Errorf("scopecheck: MaxAge(%s): want whole seconds, at least 1s (max_age is in seconds, RFC 9470 section 3)", r.maxAge)
		}
		return nil
	}
	if len(r.values) == 0 {
		return errors.New("scopecheck: ACR needs at least one value")
	}
	for _, v := range r.values {
		if !validScopeToken(v) {
			return fmt.Errorf("scopecheck: ACR value %q cannot go in acr_values (no space, quote or backslash)", v)
		}
	}
	return nil
}

// stepUpSatisfied evaluates ACR and MaxAge.
func (r *Requirement) stepUpSatisfied(in *input) bool {
	c := in.claims()
	if r.op == opACR {
		v, ok := c.RawClaim("acr")
		if !ok {
			return false
		}
		s, ok := rawjson.StringOf(v)
		return ok && contains(r.rule.values, s)
	}
	v, ok := c.RawClaim("auth_time")
	if !ok {
		return false
	}
	at, ok := rawjson.NumberOf(v)
	if !ok || at < 0 || at > maxNumericDate || math.IsNaN(at) {
		return false
	}
	if in.now == 0 {
		t := now()
		in.now = float64(t.Unix()) + float64(t.Nanosecond())/1e9
	}
	if at > in.now+middleware.DefaultLeeway.Seconds() {
		return false
	}
	return in.now-at <= r.rule.maxAge.Seconds()
}
