package middleware

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// maxJSONDepth bounds the nesting of any value in a token's header or
// claims (DESIGN.md invariant 4). Real tokens nest two or three levels.
const maxJSONDepth = 32

var (
	errJSONSyntax    = errors.New("invalid JSON")
	errJSONNotObject = errors.New("not a JSON object")
	errJSONDepth     = errors.New("JSON nested too deeply")
	errJSONUTF8      = errors.New("invalid UTF-8 in JSON string")
	errJSONDuplicate = errors.New("duplicate member name")
	errJSONTrailing  = errors.New("data after the JSON object")
)

// objectReader walks the members of one JSON object (RFC 8259) without
// building a tree. Strings without escapes are returned as views of the
// input, so the input must never be modified while they live. Duplicate
// member names are an error: RFC 7515 section 5.2 lets a JWS consumer
// reject them, and accepting either copy could be resolved in an
// attacker's favour.
type objectReader struct {
	data  []byte
	pos   int
	err   error
	first bool
	key   string
	seen  [24]string
	nseen int
	more  map[string]struct{}
	// seenBits has bit keyBit(k) set for every name k seen: a name whose
	// bit is clear is new without comparing it with the others.
	seenBits uint64

	// lastWasString reports whether readStringOrStrings saw a string.
	lastWasString bool
}

// reset starts reading data, which must hold exactly one JSON object.
func (r *objectReader) reset(data []byte) {
	*r = objectReader{data: data}
	r.skipWS()
	if r.pos >= len(data) || data[r.pos] != '{' {
		r.err = errJSONNotObject
		return
	}
	r.pos++
	r.first = true
}

// next moves to the next member; its name is in r.key and the reader sits on
// its value, which the caller must consume with one of the value methods.
// next returns false at the end of the object or on an error (r.err).
func (r *objectReader) next() bool {
	if r.err != nil {
		return false
	}
	r.skipWS()
	if r.pos >= len(r.data) {
		return r.fail(errJSONSyntax)
	}
	c := r.data[r.pos]
	if c == '}' {
		// After a comma the loop below reads a name, so "{"a":1,}" fails
		// there; here the object ends.
		r.pos++
		r.skipWS()
		if r.pos != len(r.data) {
			return r.fail(errJSONTrailing)
		}
		return false
	}
	if !r.first {
		if c != ',' {
			return r.fail(errJSONSyntax)
		}
		r.pos++
		r.skipWS()
	}
	r.first = false
	key, ok := r.readString()
	if !ok {
		return false
	}
	if r.isDuplicate(key) {
		return r.fail(errJSONDuplicate)
	}
	r.skipWS()
	if r.pos >= len(r.data) || r.data[r.pos] != ':' {
		return r.fail(errJSONSyntax)
	}
	r.pos++
	r.skipWS()
	r.key = key
	return true
}

func (r *objectReader) isDuplicate(key string) bool {
	bit := keyBit(key)
	known := r.seenBits&bit != 0
	r.seenBits |= bit
	if !known && r.nseen < len(r.seen) {
		r.seen[r.nseen] = key
		r.nseen++
		return false
	}
	for _, s := range r.seen[:r.nseen] {
		if s == key {
			return true
		}
	}
	if r.nseen < len(r.seen) {
		r.seen[r.nseen] = key
		r.nseen++
		return false
	}
	if r.more == nil {
		r.more = make(map[string]struct{})
	}
	if _, dup := r.more[key]; dup {
		return true
	}
	r.more[key] = struct{}{}
	return false
}

// keyBit picks one of 64 bits for a member name from its length and its
// first and last bytes; equal names always pick the same bit.
func keyBit(key string) uint64 {
	h := uint(len(key))
	if len(key) > 0 {
		h += uint(key[0])*7 + uint(key[len(key)-1])*31
	}
	return 1 << (h & 63)
}

func (r *objectReader) fail(err error) bool {
	if r.err == nil {
		r.err = err
	}
	return false
}

func (r *objectReader) skipWS() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the first byte of the current value.
func (r *objectReader) peek() byte {
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

// readString reads a JSON string at r.pos. Strings without escapes are
// views of the input; escaped ones are decoded by encoding/json.
func (r *objectReader) readString() (string, bool) {
	d := r.data
	if r.pos >= len(d) || d[r.pos] != '"' {
		return "", r.fail(errJSONSyntax)
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
			return "", r.fail(errJSONSyntax)
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
				return "", r.fail(errJSONSyntax)
			}
			return s, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return "", r.fail(errJSONSyntax)
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					return "", r.fail(errJSONSyntax)
				}
				i += 6
			default:
				return "", r.fail(errJSONSyntax)
			}
		case c < 0x20:
			return "", r.fail(errJSONSyntax)
		case c >= utf8.RuneSelf:
			ru, size := utf8.DecodeRune(d[i:])
			if ru == utf8.RuneError && size <= 1 {
				return "", r.fail(errJSONUTF8)
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
// w that needs the careful path of readString: '"', '\\', a control byte
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

// readNumber reads a JSON number (RFC 8259 section 6) as a float64.
func (r *objectReader) readNumber() (float64, bool) {
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
		return 0, r.fail(errJSONSyntax)
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return 0, r.fail(errJSONSyntax)
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
			return 0, r.fail(errJSONSyntax)
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
		return 0, r.fail(errJSONSyntax)
	}
	return f, true
}

// readStrings reads a JSON array of strings, appending them to dst (an
// empty slice whose spare capacity the caller lends, or nil). The result is
// nil, not empty, for "[]".
func (r *objectReader) readStrings(dst []string) ([]string, bool) {
	if r.peek() != '[' {
		return nil, r.fail(errJSONSyntax)
	}
	r.pos++
	r.skipWS()
	if r.peek() == ']' {
		r.pos++
		return nil, true
	}
	out := dst[:0]
	for {
		r.skipWS()
		s, ok := r.readString()
		if !ok {
			return nil, false
		}
		if cap(out) == 0 {
			out = make([]string, 0, 4) // aud and permissions are short
		}
		out = append(out, s)
		r.skipWS()
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return out, true
		default:
			return nil, r.fail(errJSONSyntax)
		}
	}
}

// skipValue validates and skips any JSON value, returning its bytes.
func (r *objectReader) skipValue() ([]byte, bool) {
	start := r.pos
	if !r.skip(0) {
		return nil, false
	}
	return r.data[start:r.pos], true
}

func (r *objectReader) skip(depth int) bool {
	if depth > maxJSONDepth {
		return r.fail(errJSONDepth)
	}
	switch c := r.peek(); {
	case c == '"':
		_, ok := r.readString()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		_, ok := r.readNumber()
		return ok
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	case c == '[':
		return r.skipComposite(depth, ']', false)
	case c == '{':
		return r.skipComposite(depth, '}', true)
	}
	return r.fail(errJSONSyntax)
}

// skipComposite skips an array or object. Duplicate names inside nested
// objects are not checked: only registered, top-level members drive
// decisions, and custom claims are decoded by encoding/json on request.
func (r *objectReader) skipComposite(depth int, end byte, object bool) bool {
	r.pos++
	r.skipWS()
	if r.peek() == end {
		r.pos++
		return true
	}
	for {
		r.skipWS()
		if object {
			if _, ok := r.readString(); !ok {
				return false
			}
			r.skipWS()
			if r.peek() != ':' {
				return r.fail(errJSONSyntax)
			}
			r.pos++
			r.skipWS()
		}
		if !r.skip(depth + 1) {
			return false
		}
		r.skipWS()
		switch r.peek() {
		case ',':
			r.pos++
		case end:
			r.pos++
			return true
		default:
			return r.fail(errJSONSyntax)
		}
	}
}

func (r *objectReader) literal(lit string) bool {
	if len(r.data)-r.pos < len(lit) || string(r.data[r.pos:r.pos+len(lit)]) != lit {
		return r.fail(errJSONSyntax)
	}
	r.pos += len(lit)
	return true
}
