package jose

import (
	"encoding/base64"
	"strings"
)

// DecodeLenient decodes a segment for display whatever its base64
// spelling: padding, the standard alphabet and whitespace are tolerated.
// It returns nil when the segment still does not decode. It is for
// showing a token to a developer (Explain, jwtguard decode), never for
// validating one: DecodeSegment is strict.
func DecodeLenient(seg string) []byte {
	s := strings.Map(func(r rune) rune {
		switch r {
		case '+':
			return '-'
		case '/':
			return '_'
		case '=', ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, seg)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil
	}
	return b
}

// IsB64Token reports whether s has the b64token syntax of RFC 6750
// section 2.1, the shape of every bearer credential:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func IsB64Token(s string) bool {
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
