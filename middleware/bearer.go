package middleware

import (
	"net/http"
	"strings"
)

// BearerToken extracts the access token from the Authorization header per
// RFC 6750 section 2.1:
//
//   - no Authorization header, another scheme (Basic, DPoP...), or an empty
//     credential: ErrMissingToken (answer with a bare challenge);
//   - more than one Authorization header: ErrInvalidRequest (400);
//   - a credential with characters outside b64token: ErrInvalidToken.
//
// The scheme is case-insensitive (RFC 9110 section 11.1). Tokens in the
// query string or form body (RFC 6750 sections 2.2, 2.3) are never read
// here.
func BearerToken(h http.Header) (string, error) {
	v, err := authorization(h)
	if err != nil {
		return "", err
	}
	return BearerFromString(v)
}

// BearerFromString parses one Authorization header value, as carried in
// gRPC metadata. Any scheme but Bearer, DPoP included, is no bearer token.
func BearerFromString(v string) (string, error) {
	if scheme, _, _ := strings.Cut(v, " "); !strings.EqualFold(scheme, SchemeBearer) {
		return "", errNoToken()
	}
	c, err := CredentialsFromAuthorization(v, nil)
	return c.Token, err
}

// authorization returns the one Authorization header of h: none is no
// token, more than one an invalid request (RFC 6750 section 2.1).
func authorization(h http.Header) (string, error) {
	vals := h.Values("Authorization")
	switch len(vals) {
	case 0:
		return "", errNoToken()
	case 1:
		return vals[0], nil
	}
	return "", NewError(ErrInvalidRequest, ReasonInvalidRequest, "the request has more than one Authorization header")
}

func errNoToken() *Error {
	return NewError(ErrMissingToken, ReasonMissingToken, "no bearer token in the Authorization header")
}
