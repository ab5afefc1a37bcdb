package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// ReadString reads the JSON string the reader sits on. Strings without escapes are
// views of the input; escaped ones are decoded by encoding/json.
func (r *Reader) ReadString() (string, bool) {
	d := r.data
	if r.pos >= len(d) || d[r.pos] != '"' {
		return "", r.fail(ErrSyntax)
	}
	start := r.pos + 1
	escaped := false
	i := start
	// Fast path: skip eight plain bytes at a time, then straight to the
	// first special byte; the byte loop below handles the quote, escapes,
	// control bytes and UTF-8.
	for i+8 <= len(d) {
		if m := specialMask(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			break
		}
		i += 8
	}
	for {
		if i >= len(d) {
			return "", r.fail(ErrSyntax)
		}
		c := d[i]
		switch {
		case c == '"':
			r.pos = i + 1
			if !escaped {
				if i == start {
					return "", true
				}
				return unsafe.String(&d[start], i-start), true
			}
			var s string
			if err := json.Unmarshal(d[start-1:i+1], &s); err != nil {
				return "", r.fail(ErrSyntax)
			}
			return s, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return "", r.fail(ErrSyntax)
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					return "", r.fail(ErrSyntax)
				}
				i += 6
			default:
				return "", r.fail(ErrSyntax)
			}
		case c < 0x20:
			return "", r.fail(ErrSyntax)
		case c >= utf8.RuneSelf:
			ru, size := utf8.DecodeRune(d[i:])
			if ru == utf8.RuneError && size <= 1 {
				return "", r.fail(ErrUTF8)
			}
			i += size
		default:
			i++
		}
	}
}

// Byte-wise constants for specialMask.
const (
	swarLSB = 0x0101010101010101
	swarMSB = 0x8080808080808080
)

// specialMask flags, with its top bit, each byte of the little-endian word
// w that needs the careful path of ReadString: '"', '\\', a control byte
// (< 0x20) or a non-ASCII byte. It is zero exactly when no byte is special.
// A borrow may also flag a plain byte, but only one after (above) a special
// byte, so the lowest flag always marks the first special byte.
func specialMask(w uint64) uint64 {
	q := w ^ (swarLSB * '"')
	b := w ^ (swarLSB * '\\')
	x := (q - swarLSB) &^ q // a zero byte of q: a quote
	x |= (b - swarLSB) &^ b // a backslash
	x |= (w - swarLSB*0x20) &^ w
	return (x | w) & swarMSB // | w: a byte >= 0x80
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ReadNumber reads a JSON number (RFC 8259 section 6) as a float64.
func (r *Reader) ReadNumber() (float64, bool) {
	d := r.data
	start := r.pos
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return 0, r.fail(ErrSyntax)
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, r.fail(ErrSyntax)
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, r.fail(ErrSyntax)
		}
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	}
	r.pos = i
	if n := i - start; n <= 15 && d[start] != '-' {
		// Fast path for the usual NumericDate: up to 15 digits and no
		// fraction or exponent is an integer below 2^53, exact in a
		// float64, so this agrees with ParseFloat.
		var v uint64
		for _, c := range d[start:i] {
			if c < '0' || c > '9' {
				v = ^uint64(0)
				break
			}
			v = v*10 + uint64(c-'0')
		}
		if v != ^uint64(0) {
			return float64(v), true
		}
	}
	f, err := strconv.ParseFloat(unsafe.String(&d[start], i-start), 64)
	if err != nil {
		// Out of float64 range: a valid JSON number no date can be.
		return 0, r.fail(ErrSyntax)
	}
	return f, true
}
