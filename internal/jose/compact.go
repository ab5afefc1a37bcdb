package jose

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Parts are the three segments of a compact JWS (RFC 7515 section 7.1), as
// views of the token string.
type Parts struct {
	Header, Payload, Signature string
	SigningInput               string // Header "." Payload
}

// Fault says why Split refused a token.
type Fault uint8

const (
	// NoFault: the token is a compact JWS of three non-empty leading
	// segments in the base64url alphabet.
	NoFault Fault = iota
	// Opaque: neither three nor five segments, and the first is no JOSE
	// header: a token of another kind altogether.
	Opaque
	// Alphabet: a character outside base64url and the dots (Split
	// returns it).
	Alphabet
	// Encrypted: five segments, a compact JWE (RFC 7516 section 7.1).
	Encrypted
	// Damaged: a JOSE header first, but not three segments.
	Damaged
	// Empty: an empty header or payload segment.
	Empty
)

// Split checks the shape of a token and splits it. The shape comes first:
// a compact JWS has exactly three dot-separated segments (RFC 7515 section
// 7.1) and a compact JWE exactly five (RFC 7516 section 7.1), so any other
// count cannot be a JWT at all, whatever its characters (Opaque). The one
// exception is a token whose first segment is a JOSE header, the base64url
// of a JSON object (RFC 7515 section 4): that is a damaged JWS (truncated,
// a segment lost, an RFC 7797 unencoded payload), not an opaque token. A
// JWS or JWE shape then has its alphabet checked before any decoding: Go's
// base64 decoder skips CR and LF, which must not slip through. bad is the
// first character outside the alphabet when the fault is Alphabet.
func Split(tok string) (p Parts, f Fault, bad byte) {
	n := strings.Count(tok, ".")
	if n != 2 && n != 4 && !startsWithJOSEHeader(tok) {
		return Parts{}, Opaque, 0
	}
	var dots [4]int
	k := 0
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if alphabet[c] {
			continue
		}
		if c != '.' {
			return Parts{}, Alphabet, c
		}
		if k < len(dots) {
			dots[k] = i
		}
		k++
	}
	switch n {
	case 2:
	case 4:
		return Parts{}, Encrypted, 0
	default:
		return Parts{}, Damaged, 0
	}
	p = Parts{
		Header:       tok[:dots[0]],
		Payload:      tok[dots[0]+1 : dots[1]],
		Signature:    tok[dots[1]+1:],
		SigningInput: tok[:dots[1]],
	}
	if p.Header == "" || p.Payload == "" {
		return Parts{}, Empty, 0
	}
	return p, NoFault, 0
}

// startsWithJOSEHeader reports whether the token's first dot-separated
// segment is strict base64url of a JSON object. It runs on the error path
// only.
func startsWithJOSEHeader(tok string) bool {
	seg, _, _ := strings.Cut(tok, ".")
	b, err := Encoding.DecodeString(seg)
	b = bytes.TrimLeft(b, " \t\r\n")
	return err == nil && len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// alphabet marks the 64 characters of base64url (RFC 4648 section 5). It
// is a constant table, read-only after package initialisation.
var alphabet = func() (t [256]bool) {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
}()

// SplitFast splits an ordinary token at its two dots with the vectorised
// strings.IndexByte and leaves the alphabet to the strict base64url
// decoding that must follow (DecodeSegment of all three segments before
// any other check; Split names the culprit when one fails). Any other
// shape, and CR or LF, which Go's decoder skips, return false: the caller
// then calls Split for the precise fault.
func SplitFast(tok string) (Parts, bool) {
	if d1 := strings.IndexByte(tok, '.'); d1 > 0 {
		if d2 := strings.IndexByte(tok[d1+1:], '.'); d2 > 0 {
			d2 += d1 + 1
			if strings.IndexByte(tok[d2+1:], '.') < 0 &&
				strings.IndexByte(tok, '\n') < 0 && strings.IndexByte(tok, '\r') < 0 {
				return Parts{
					Header:       tok[:d1],
					Payload:      tok[d1+1 : d2],
					Signature:    tok[d2+1:],
					SigningInput: tok[:d2],
				}, true
			}
		}
	}
	return Parts{}, false
}
