package middleware

import (
	"encoding/base64"

	"github.com/jwtguard/jwtguard/internal/jose"
)

// splitCompact checks the shape of a token and splits it (jose.Split), and
// says what is wrong with it: an opaque token of another authorization
// server (ORY Hydra's "ory_at_<random>.<signature>", a Keycloak or Ping
// reference token, an Okta opaque token, base64 with +/=...) gets
// ReasonOpaque; a damaged JWS, whose first segment is a JOSE header,
// ReasonMalformed; a JWE ReasonEncrypted; a character outside base64url
// ReasonEncoding.
func splitCompact(tok string) (jose.Parts, *Error) {
	p, f, bad := jose.Split(tok)
	switch f {
	case jose.NoFault:
		return p, nil
	case jose.Opaque:
		return p, opaqueError()
	case jose.Alphabet:
		return p, encodingError(bad)
	case jose.Encrypted:
		return p, invalid(ReasonEncrypted,
			"the access token is encrypted (JWE); this API accepts signed JWT access tokens only").
			withHint(hintEncrypted)
	case jose.Damaged:
		return p, invalid(ReasonMalformed, "the access token is not a compact JWS (header.payload.signature)")
	}
	return p, invalid(ReasonMalformed, "the access token has an empty header or payload")
}

// segmentBuffer returns room to decode seg: the stack array when it is
// large enough, else a new slice.
func segmentBuffer(stack *[512]byte, seg string) []byte {
	n := base64.RawURLEncoding.DecodedLen(len(seg))
	if n <= len(stack) {
		return stack[:n]
	}
	return make([]byte, n)
}

// opaqueError is the answer to a token that cannot be a JWS or a JWE. The
// hint names the usual fixes of the common authorization servers; the
// description stays the same for all of them.
func opaqueError() *Error {
	return invalid(ReasonOpaque, "the access token is opaque, not a JWT; this API needs a JWT access token").
		withHint(hintOpaque)
}

func encodingError(c byte) *Error {
	switch c {
	case '=':
		return invalid(ReasonEncoding, "the access token uses base64 padding; JWS requires unpadded base64url (RFC 7515 section 2)")
	case '+', '/':
		return invalid(ReasonEncoding, "the access token uses the standard base64 alphabet; JWS requires base64url (RFC 7515 section 2)")
	}
	return invalid(ReasonEncoding, "the access token contains characters outside base64url")
}
