package middleware

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"unsafe"
)

// b64 is strict base64url without padding (RFC 7515 section 2): no "=",
// no "+" or "/", and no non-zero trailing bits.
var b64 = base64.RawURLEncoding.Strict()

// compactParts are the three segments of a compact JWS (RFC 7515
// section 7.1), as views of the token string.
type compactParts struct {
	header, payload, signature string
	signingInput               string // header "." payload
}

// splitCompact checks the shape of a token and splits it. The shape comes
// first: a compact JWS has exactly three dot-separated segments (RFC 7515
// section 7.1) and a compact JWE exactly five (RFC 7516 section 7.1), so
// any other count cannot be a JWT at all, whatever its characters: it is
// an opaque token of another authorization server (ORY Hydra's
// "ory_at_<random>.<signature>", a Keycloak or Ping reference token, an
// Okta opaque token, base64 with +/=...) and gets ReasonOpaque. The one
// exception is a token whose first segment is a JOSE header, the base64url
// of a JSON object (RFC 7515 section 4): that is a damaged JWS (truncated,
// a segment lost, an RFC 7797 unencoded payload), malformed rather than
// opaque. A JWS or JWE shape then has its alphabet checked before any
// decoding: Go's base64 decoder skips CR and LF, which must not slip
// through.
func splitCompact(tok string) (compactParts, *Error) {
	n := strings.Count(tok, ".")
	if n != 2 && n != 4 && !startsWithJOSEHeader(tok) {
		return compactParts{}, opaqueError()
	}
	var dots [4]int
	k := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if b64urlAlphabet[c] {
			continue
		}
		if c != '.' {
			return compactParts{}, encodingError(c)
		}
		if k < len(dots) {
			dots[k] = i
		}
		k++
	}
	switch n {
	case 2:
	case 4:
		return compactParts{}, invalid(ReasonEncrypted,
			"the access token is encrypted (JWE); this API accepts signed JWT access tokens only").
			withHint(hintEncrypted)
	default:
		return compactParts{}, invalid(ReasonMalformed, "the access token is not a compact JWS (header.payload.signature)")
	}
	p := compactParts{
		header:       tok[:dots[0]],
		payload:      tok[dots[0]+1 : dots[1]],
		signature:    tok[dots[1]+1:],
		signingInput: tok[:dots[1]],
	}
	if p.header == "" || p.payload == "" {
		return compactParts{}, invalid(ReasonMalformed, "the access token has an empty header or payload")
	}
	return p, nil
}

// startsWithJOSEHeader reports whether the token's first dot-separated
// segment is strict base64url of a JSON object. It runs on the error path
// only.
func startsWithJOSEHeader(tok string) bool {
	seg, _, _ := strings.Cut(tok, ".")
	b, err := b64.DecodeString(seg)
	b = bytes.TrimLeft(b, " \t\r\n")
	return err == nil && len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// b64urlAlphabet marks the 64 characters of base64url (RFC 4648 section 5).
// It is a constant table, read-only after package initialisation.
var b64urlAlphabet = func() (t [256]bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = true
	}
	return t
}()

// splitCompactFast splits an ordinary token at its two dots with the
// vectorised strings.IndexByte and leaves the alphabet to the strict
// base64url decoders that must follow (Validator.validate decodes all three
// segments before any other check, and calls splitCompact to name the
// culprit when one fails). Any other shape, and CR or LF, which Go's
// decoder skips, go straight to splitCompact and its precise error.
func splitCompactFast(tok string) (compactParts, *Error) {
	if d1 := strings.IndexByte(tok, '.'); d1 > 0 {
		if d2 := strings.IndexByte(tok[d1+1:], '.'); d2 > 0 {
			d2 += d1 + 1
			if strings.IndexByte(tok[d2+1:], '.') < 0 &&
				strings.IndexByte(tok, '\n') < 0 && strings.IndexByte(tok, '\r') < 0 {
				return compactParts{
					header:       tok[:d1],
					payload:      tok[d1+1 : d2],
					signature:    tok[d2+1:],
					signingInput: tok[:d2],
				}, nil
			}
		}
	}
	return splitCompact(tok)
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

// decodeSegment decodes one base64url segment into dst, which must have room
// for base64.RawURLEncoding.DecodedLen(len(seg)) bytes.
func decodeSegment(dst []byte, seg string) ([]byte, bool) {
	n, err := b64.Decode(dst, bytesOf(seg))
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}

// bytesOf views s as bytes without copying; the result must not be modified.
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
