package introspect

import (
	"errors"
	"time"
)

// Category sentinels. Every error Introspect returns is an *Error that wraps
// exactly one of them; test with errors.Is.
var (
	// ErrInactive: the token must be refused. The endpoint said it is not
	// active, or its answer fails a check (expired, another audience, a
	// refresh token...), or the token is malformed. An API answers 401
	// invalid_token (RFC 6750 section 3.1).
	ErrInactive = errors.New("introspect: token refused")
	// ErrUnavailable: no usable answer about the token. The endpoint is
	// down, slow, answered another status (401 and 403 included: those
	// refuse OUR client credentials, not the token), sent something that
	// is not a valid RFC 7662 answer, or the flood limits turned the
	// request down. A server-side condition: an API answers 503 with
	// Retry-After, never 401, and never accepts the token.
	ErrUnavailable = errors.New("introspect: introspection unavailable")
)

// Kind says why Introspect refused. The list is fixed, so a Kind is safe
// as a metric label: it never carries anything taken from the token or the
// answer.
type Kind string

// The kinds that wrap ErrInactive (the token is refused: 401).
const (
	KindInactive       Kind = "inactive"         // "active": false (RFC 7662 section 2.2)
	KindMalformedToken Kind = "malformed_token"  // empty, too long, or not RFC 6750 b64token; never sent
	KindNotAccessToken Kind = "not_access_token" // token_use, token_type or typ names another kind of token
	KindIssuerMismatch Kind = "issuer_mismatch"  // iss present and not the configured issuer
	KindMissingAud     Kind = "missing_audience" // no aud, and Config.AllowMissingAudience is false
	KindAudience       Kind = "audience_mismatch"
	KindMissingExpiry  Kind = "missing_exp"
	KindExpired        Kind = "expired"
	KindNotYetValid    Kind = "not_yet_valid"    // nbf ahead of now (with leeway)
	KindIssuedInFuture Kind = "issued_in_future" // iat ahead of now (with leeway)
)

// The kinds that wrap ErrUnavailable (no answer about the token: 503).
const (
	// KindUnavailable: the endpoint could not be reached in time, or
	// answered a status other than 200 (see Error.StatusCode).
	KindUnavailable Kind = "unavailable"
	// KindBadResponse: a 200 whose body is not a valid RFC 7662 answer:
	// not JSON, not an object, too large or too deep, a repeated member, a
	// member of the wrong JSON type, "active" missing or not a boolean.
	KindBadResponse Kind = "bad_response"
	// KindDiscovery: the endpoint could not be discovered from the
	// issuer's metadata (Config.Endpoint empty).
	KindDiscovery Kind = "discovery_failed"
	// KindRateLimited: the Client's own flood limits (WithRateLimit,
	// WithConcurrency) turned the request down before it was sent. See
	// Error.RetryAfter.
	KindRateLimited Kind = "rate_limited"
)

// Kinds lists every Kind, for observers that pre-register labels.
var Kinds = []Kind{
	KindInactive, KindMalformedToken, KindNotAccessToken, KindIssuerMismatch,
	KindMissingAud, KindAudience, KindMissingExpiry, KindExpired,
	KindNotYetValid, KindIssuedInFuture,
	KindUnavailable, KindBadResponse, KindDiscovery, KindRateLimited,
}

// Error is the typed error of Introspect. It never holds the token or a
// value of the answer; Description may name the configured endpoint and a
// member of the answer. Errors may be cached and shared between callers:
// treat them as read-only.
type Error struct {
	Kind Kind
	// Description says what failed, for logs: "the introspection endpoint
	// answered HTTP 503", "the token has expired". It may name the
	// configured endpoint; it is not meant for the API's clients.
	Description string
	// StatusCode is the HTTP status of the endpoint's answer when that is
	// what failed; 0 otherwise.
	StatusCode int
	// RetryAfter is set for KindRateLimited: when the rate limit will let a
	// request through again (at least one second). 0 when unknown.
	RetryAfter time.Duration

	category error
	cause    error
}

// Error returns "introspect: <description>".
func (e *Error) Error() string { return "introspect: " + e.Description }

// Unwrap returns the category sentinel and, when there is one, the
// underlying cause (a transport error, a context error).
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.category, e.cause}
	}
	return []error{e.category}
}

// Unavailable reports whether e is a server-side condition (ErrUnavailable:
// 503) rather than a refused token (ErrInactive: 401).
func (e *Error) Unavailable() bool { return e.category == ErrUnavailable }

func refused(k Kind, desc string) *Error {
	return &Error{Kind: k, Description: desc, category: ErrInactive}
}

func unavailable(k Kind, desc string, cause error) *Error {
	return &Error{Kind: k, Description: desc, category: ErrUnavailable, cause: cause}
}
