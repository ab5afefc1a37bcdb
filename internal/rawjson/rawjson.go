// Package rawjson walks JSON that was validated earlier (a token payload
// that middleware decoded), to read one member or one array without
// decoding the rest and without allocating. It trusts nothing all the
// same: on malformed input it reports failure, never panics and never
// reads out of bounds.
//
// Strings are handed out raw, as the bytes between the quotes; Equal
// compares them with a Go string as encoding/json would decode them.
package rawjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"unsafe"
)

// maxDepth bounds nesting, as the token decoder does.
const maxDepth = 32

// isSpace reports JSON white space (RFC 8259 section 2).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(d []byte, i int) int {
	for i < len(d) && isSpace(d[i]) {
		i++
	}
	return i
}

// stringEnd returns the index just past the closing quote of the string
// whose opening quote is at d[i], or -1 when it is not terminated. It
// looks at eight bytes at a time for a quote or a backslash.
func stringEnd(d []byte, i int) int {
	j := i + 1
	for {
		for j+8 <= len(d) {
			m := quoteOrBackslash(binary.LittleEndian.Uint64(d[j:]))
			if m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		for j < len(d) && d[j] != '"' && d[j] != '\\' {
			j++
		}
		switch {
		case j >= len(d):
			return -1
		case d[j] == '"':
			return j + 1
		}
		j += 2 // a backslash and the byte it escapes
	}
}

// Byte-wise constants for quoteOrBackslash.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// quoteOrBackslash flags, with its top bit, each byte of the
// little-endian word w that is '"' or '\\'. A borrow may flag a byte after
// (above) a flagged one, never one before, so the lowest flag is exact.
func quoteOrBackslash(w uint64) uint64 {
	q := w ^ (lsb * '"')
	b := w ^ (lsb * '\\')
	return ((q-lsb)&^q | (b-lsb)&^b) & msb
}

// valueEnd returns the index just past the JSON value starting at d[i]
// (no leading white space), or -1.
func valueEnd(d []byte, i int) int {
	if i >= len(d) {
		return -1
	}
	switch c := d[i]; {
	case c == '"':
		return stringEnd(d, i)
	case c == '{' || c == '[':
		return compositeEnd(d, i)
	case c == '-' || '0' <= c && c <= '9' || c == 't' || c == 'f' || c == 'n':
		j := i + 1
		for j < len(d) {
			switch d[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
	return -1
}

// compositeEnd skips an object or array, strings included, by counting
// brackets; the input was validated, so brackets pair up.
func compositeEnd(d []byte, i int) int {
	depth := 0
	for j := i; j < len(d); j++ {
		switch d[j] {
		case '"':
			end := stringEnd(d, j)
			if end < 0 {
				return -1
			}
			j = end - 1
		case '{', '[':
			depth++
			if depth > maxDepth {
				return -1
			}
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return -1
}

// Object iterates the members of a JSON object.
//
//	var o rawjson.Object
//	for o.Reset(data); o.Next(); {
//		if o.KeyIs("roles") { ... o.Value() ... }
//	}
//	if o.Failed() { ... }
type Object struct {
	d          []byte
	pos        int
	started    bool
	done, bad  bool
	key, value []byte
}

// Reset starts iterating data, which must be a JSON object (leading and
// trailing white space allowed). It returns false when data does not
// start an object.
func (o *Object) Reset(data []byte) bool {
	*o = Object{d: data}
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		o.done, o.bad = true, true
		return false
	}
	o.pos = i + 1
	return true
}

// Next moves to the next member; false at the end or on malformed input
// (Failed).
func (o *Object) Next() bool {
	if o.done {
		return false
	}
	d := o.d
	i := skipWS(d, o.pos)
	if i < len(d) && d[i] == '}' {
		o.done = true
		return false
	}
	if o.started {
		if i >= len(d) || d[i] != ',' {
			return o.fail()
		}
		i = skipWS(d, i+1)
	}
	o.started = true
	if i >= len(d) || d[i] != '"' {
		return o.fail()
	}
	end := stringEnd(d, i)
	if end < 0 {
		return o.fail()
	}
	o.key = d[i+1 : end-1]
	i = skipWS(d, end)
	if i >= len(d) || d[i] != ':' {
		return o.fail()
	}
	i = skipWS(d, i+1)
	vend := valueEnd(d, i)
	if vend < 0 {
		return o.fail()
	}
	o.value = d[i:vend]
	o.pos = vend
	return true
}

func (o *Object) fail() bool {
	o.done, o.bad = true, true
	return false
}

// Failed reports whether iteration stopped on malformed input.
func (o *Object) Failed() bool { return o.bad }

// Key returns the current member's name as raw JSON string contents.
func (o *Object) Key() []byte { return o.key }

// KeyIs reports whether the current member's name, decoded, is s.
func (o *Object) KeyIs(s string) bool { return equalRaw(o.key, s) }

// KeyString returns the current member's name decoded; ok is false when
// its escapes are invalid. It allocates only for names holding escapes.
func (o *Object) KeyString() (string, bool) { return decodeRaw(o.key) }

// Value returns the current member's value, raw.
func (o *Object) Value() []byte { return o.value }

// Array iterates the elements of a JSON array.
type Array struct {
	d       []byte
	pos     int
	started bool
	done    bool
	bad     bool
	elem    []byte
}

// Reset starts iterating data, which must be a JSON array; false when it
// is not one.
func (a *Array) Reset(data []byte) bool {
	*a = Array{d: data}
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '[' {
		a.done, a.bad = true, true
		return false
	}
	a.pos = i + 1
	return true
}

// Next moves to the next element; false at the end or on malformed input.
func (a *Array) Next() bool {
	if a.done {
		return false
	}
	d := a.d
	i := skipWS(d, a.pos)
	if i < len(d) && d[i] == ']' {
		a.done = true
		return false
	}
	if a.started {
		if i >= len(d) || d[i] != ',' {
			a.done, a.bad = true, true
			return false
		}
		i = skipWS(d, i+1)
	}
	a.started = true
	end := valueEnd(d, i)
	if end < 0 {
		a.done, a.bad = true, true
		return false
	}
	a.elem = d[i:end]
	a.pos = end
	return true
}

// Failed reports whether iteration stopped on malformed input.
func (a *Array) Failed() bool { return a.bad }

// Value returns the current element, raw.
func (a *Array) Value() []byte { return a.elem }

// Kind is the JSON type of a raw value, from its first byte.
type Kind uint8

// The kinds.
const (
	KindInvalid Kind = iota
	KindString
	KindNumber
	KindBool
	KindNull
	KindObject
	KindArray
)

// KindOf returns the kind of the raw value v.
func KindOf(v []byte) Kind {
	if len(v) == 0 {
		return KindInvalid
	}
	switch c := v[0]; {
	case c == '"':
		return KindString
	case c == '{':
		return KindObject
	case c == '[':
		return KindArray
	case c == 't' || c == 'f':
		return KindBool
	case c == 'n':
		return KindNull
	case c == '-' || '0' <= c && c <= '9':
		return KindNumber
	}
	return KindInvalid
}

// contents returns the bytes between the quotes of the JSON string v (a
// value the iterators returned: its closing quote is its last byte); ok is
// false when v is not a string. A closing quote that a backslash escapes
// is caught by equalRaw and decodeRaw, which treat every backslash.
func contents(v []byte) (raw []byte, ok bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	return v[1 : len(v)-1], true
}

// Equal reports whether the raw value v is a JSON string that decodes to
// s. It allocates only when v holds escapes and could decode to s.
func Equal(v []byte, s string) bool {
	raw, ok := contents(v)
	return ok && equalRaw(raw, s)
}

// StringOf returns the JSON string v decoded; ok is false when v is not a
// string or its escapes are invalid. Without escapes the result shares
// v's memory: the caller must not modify v while it is in use.
func StringOf(v []byte) (string, bool) {
	raw, ok := contents(v)
	if !ok {
		return "", false
	}
	return decodeRaw(raw)
}

// equalRaw compares the raw contents of a JSON string with s. An escape
// always takes more bytes than the character it stands for, so contents
// as long as s equal it only byte for byte and without escapes, and
// shorter contents never do.
func equalRaw(raw []byte, s string) bool {
	switch {
	case len(raw) < len(s):
		return false
	case len(raw) == len(s):
		return string(raw) == s && bytes.IndexByte(raw, '\\') < 0
	case bytes.IndexByte(raw, '\\') < 0:
		return false
	}
	d, ok := decodeRaw(raw)
	return ok && d == s
}

// decodeRaw decodes the contents of a JSON string. It allocates only when
// they hold escapes.
func decodeRaw(raw []byte) (string, bool) {
	if bytes.IndexByte(raw, '\\') < 0 {
		if len(raw) == 0 {
			return "", true
		}
		return unsafe.String(&raw[0], len(raw)), true
	}
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return "", false
	}
	return s, true
}

// NumberOf returns the JSON number v (RFC 8259 section 6) as a float64;
// ok is false for any other kind, a malformed number or one out of range.
func NumberOf(v []byte) (float64, bool) {
	if !isNumber(v) {
		return 0, false
	}
	if len(v) <= 15 {
		// Up to 15 digits and nothing else is an integer below 2^53,
		// exact in a float64: the usual NumericDate, without ParseFloat.
		var n uint64
		for _, c := range v {
			if c < '0' || c > '9' {
				n = ^uint64(0)
				break
			}
			n = n*10 + uint64(c-'0')
		}
		if n != ^uint64(0) {
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(unsafe.String(&v[0], len(v)), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// isNumber checks the JSON number grammar, which is stricter than
// strconv.ParseFloat's (no hex, no underscores, no Inf or NaN).
func isNumber(v []byte) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(v) && v[i] == '-' {
		i++
	}
	switch {
	case i < len(v) && v[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(v)
}
