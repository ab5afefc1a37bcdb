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
	vals := h.Values("Authorization")
	switch len(vals) {
	case 0:
		return "", errNoToken()
	case 1:
	default:
		return "", NewError(ErrInvalidRequest, ReasonInvalidRequest,
			"the request has more than one Authorization header")
	}
	return parseBearer(vals[0])
}

// BearerFromString parses one Authorization header value, as carried in
// gRPC metadata.
func BearerFromString(v string) (string, error) { return parseBearer(v) }

func parseBearer(v string) (string, error) {
	scheme, cred, found := strings.Cut(v, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", errNoToken()
	}
	cred = strings.Trim(cred, " ")
	if cred == "" {
		return "", errNoToken()
	}
	if !isB64Token(cred) {
		return "", invalid(ReasonMalformed,
			"the bearer credential has characters outside the b64token syntax (RFC 6750 section 2.1)")
	}
	return cred, nil
}

func errNoToken() *Error {
	return NewError(ErrMissingToken, ReasonMissingToken, "no bearer token in the Authorization header")
}

// isB64Token checks RFC 6750 section 2.1:
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
func isB64Token(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/') {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
