package middleware

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// ErrInsufficientUserAuthentication: the token is valid, but the
// authentication of the user behind it is not strong enough (acr) or not
// recent enough (auth_time) for the resource: the client must get a new
// token by a step-up (RFC 9470 section 3 "insufficient_user_authentication";
// 401, gRPC Unauthenticated). Error.ACRValues and Error.MaxAge say what
// the new token needs; Challenge renders them as acr_values and max_age
// and ProblemFor as acr_values and max_age members.
var ErrInsufficientUserAuthentication = errors.New("middleware: insufficient user authentication")

// Reasons of refusals beyond scopes (package scopecheck).
const (
	// ReasonClaimRequirement: the token lacks a claim value the resource
	// requires (a claim, the client, a machine or a user token): 403
	// insufficient_scope (RFC 6750 section 3.1: the token lacks the
	// privileges), without a scope attribute.
	ReasonClaimRequirement Reason = "claim_requirement"
	// ReasonInsufficientUserAuthentication: the acr or auth_time of the
	// token does not satisfy the resource (RFC 9470): 401
	// insufficient_user_authentication.
	ReasonInsufficientUserAuthentication Reason = "insufficient_user_authentication"
)

// stepUpParams adds the acr_values and max_age attributes of a step-up
// challenge (RFC 9470 section 3): the acr values a new token may carry,
// space-separated, and the largest age of its authentication in whole
// seconds.
func stepUpParams(e *Error, param func(name, value string)) {
	if len(e.ACRValues) > 0 {
		param("acr_values", strings.Join(e.ACRValues, " "))
	}
	if e.MaxAge > 0 {
		param("max_age", strconv.FormatInt(maxAgeSeconds(e.MaxAge), 10))
	}
}

// maxAgeSeconds is d in whole seconds, rounded down (never up: a client
// told a larger age than required could come back with a token that is
// refused again).
func maxAgeSeconds(d time.Duration) int64 { return int64(d / time.Second) }
