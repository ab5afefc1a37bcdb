package middleware

import (
	"errors"
	"net/http"
	"time"
)

// Category sentinels. Every error Validate and BearerToken return wraps
// exactly one of them; test with errors.Is.
var (
	// ErrMissingToken: the request carries no bearer token (RFC 6750
	// section 3.1: answer with a challenge and no error code).
	ErrMissingToken = errors.New("middleware: no bearer token")
	// ErrInvalidRequest: the request is malformed, e.g. two Authorization
	// headers (RFC 6750 section 3.1 "invalid_request").
	ErrInvalidRequest = errors.New("middleware: invalid request")
	// ErrInvalidToken: the token is malformed, expired, forged, for another
	// audience or of the wrong kind ("invalid_token").
	ErrInvalidToken = errors.New("middleware: invalid token")
	// ErrInsufficientScope: the token is valid but lacks a required scope
	// ("insufficient_scope").
	ErrInsufficientScope = errors.New("middleware: insufficient scope")
	// ErrUnavailable: a dependency of this API is failing, such as the
	// DPoP replay store (ReasonReplayStoreUnavailable) or the token
	// introspection endpoint (ReasonIntrospectionUnavailable). A server-side
	// condition: 503 with Retry-After, never 401, and no error code.
	ErrUnavailable = errors.New("middleware: a dependency of this API is failing")
	// ErrKeysUnavailable: no verification keys could be loaded yet (the
	// IdP is down or slow). It is an ErrUnavailable too (errors.Is): 503,
	// never 401.
	ErrKeysUnavailable error = unavailable("middleware: verification keys unavailable")
	// ErrInvalidDPoPProof: the DPoP proof is missing, malformed, forged,
	// for another request, replayed or for another key (RFC 9449 section
	// 7.1 "invalid_dpop_proof"; 401).
	ErrInvalidDPoPProof = errors.New("middleware: invalid DPoP proof")
	// ErrUseDPoPNonce: the proof must carry the server nonce in
	// Error.DPoPNonce (RFC 9449 section 9 "use_dpop_nonce"; 401).
	ErrUseDPoPNonce = errors.New("middleware: DPoP nonce required")
)

// unavailable is a sentinel of a dependency that is failing: it unwraps to
// ErrUnavailable.
type unavailable string

func (u unavailable) Error() string { return string(u) }
func (u unavailable) Unwrap() error { return ErrUnavailable }

// gRPC status codes, as numbered by google.golang.org/grpc/codes. The core
// does not import grpc; the gRPC adapter converts these.
const (
	grpcInvalidArgument  = 3
	grpcPermissionDenied = 7
	grpcUnavailable      = 14
	grpcUnauthenticated  = 16
)

// Error is the typed error of jwtguard. It carries what an adapter needs to
// answer: the category (Unwrap), a Reason from a fixed list (safe as a
// metric label), a client-safe Description, a Hint for the developer, and
// the scopes a 403 challenge names. It never holds the token or key
// material, and the Description never holds a value read from the token.
//
// The Hint says how a client gets a token this API accepts. It may quote
// the configured issuers and audiences and, for issuer_mismatch and
// audience_mismatch, the token's iss or aud (cut to 100 characters, at
// most 4 values, without control or format characters). It is for the
// developer: adapters send it only when their hint option is on
// (httpguard.WithHints, ginguard.WithHints); a custom error writer should
// do the same.
type Error struct {
	Reason      Reason
	Description string
	Hint        string
	Scopes      []string
	// ACRValues and MaxAge are what a step-up refusal
	// (ErrInsufficientUserAuthentication) asks of a new token: one of
	// these acr values, and an authentication at most MaxAge old (RFC 9470
	// section 3; whole seconds in the challenge). Empty otherwise.
	ACRValues []string
	MaxAge    time.Duration
	// RetryAfter is how long the failing dependency of a 503 asks clients
	// to wait, when it knows (ReasonIntrospectionRateLimited); 0 otherwise.
	// Adapters send the larger of it and their own Retry-After.
	RetryAfter time.Duration

	// DPoPNonce is the nonce the client must use, sent by adapters in the
	// DPoP-Nonce header (RFC 9449 section 9).
	DPoPNonce string
	category  error
	cause     error
	// scheme is the scheme the request used and offer what the API
	// accepts; set by Validator.Authenticate and Annotate for Challenge.
	scheme string
	offer  *offer
}

// NewError builds an Error in category (one of the sentinels above).
// Packages such as scopecheck use it to speak the same vocabulary.
func NewError(category error, reason Reason, description string) *Error {
	return &Error{Reason: reason, Description: description, category: category}
}

func (e *Error) withHint(h string) *Error { e.Hint = h; return e }

func (e *Error) withCause(err error) *Error { e.cause = err; return e }

// Error returns "middleware: <description>".
func (e *Error) Error() string {
	return "middleware: " + e.Description
}

// Unwrap returns the category sentinel and, when there is one, the
// underlying cause.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{e.category, e.cause}
	}
	return []error{e.category}
}

// Code returns the RFC 6750 section 3.1 error code: "invalid_request",
// "invalid_token", "insufficient_scope", or "" for a missing token and for
// ErrUnavailable (keys or another dependency).
func (e *Error) Code() string {
	switch e.category {
	case ErrInvalidRequest:
		return "invalid_request"
	case ErrInvalidToken:
		return "invalid_token"
	case ErrInsufficientScope:
		return "insufficient_scope"
	case ErrInvalidDPoPProof:
		return "invalid_dpop_proof"
	case ErrUseDPoPNonce:
		return "use_dpop_nonce"
	case ErrInsufficientUserAuthentication:
		return "insufficient_user_authentication"
	}
	return ""
}

// HTTPStatus returns the status RFC 6750 section 3.1 assigns: 400, 401, 403,
// or 503 for ErrUnavailable (keys or another dependency).
func (e *Error) HTTPStatus() int {
	switch e.category {
	case ErrInvalidRequest:
		return http.StatusBadRequest
	case ErrInsufficientScope:
		return http.StatusForbidden
	case ErrKeysUnavailable, ErrUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusUnauthorized
}

// GRPCCode returns the gRPC status code number (google.golang.org/grpc/codes):
// Unauthenticated, PermissionDenied, Unavailable or InvalidArgument. Never
// Internal or Unknown for a client's bad token.
func (e *Error) GRPCCode() uint32 {
	switch e.category {
	case ErrInvalidRequest:
		return grpcInvalidArgument
	case ErrInsufficientScope:
		return grpcPermissionDenied
	case ErrKeysUnavailable, ErrUnavailable:
		return grpcUnavailable
	}
	return grpcUnauthenticated
}

// AsError returns err as an *Error. Errors from elsewhere become an
// invalid_token error with reason ReasonInternal, so an adapter always has
// something to render; they never become a 5xx for the client's token.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return invalid(ReasonInternal, "the access token could not be validated").withCause(err)
}

func invalid(r Reason, desc string) *Error { return NewError(ErrInvalidToken, r, desc) }
