package jsonscan

import "errors"

// MaxDepth bounds the nesting of any value: a deeper one is refused with
// ErrDepth. Real tokens nest two or three levels, JWK Sets three.
const MaxDepth = 32

// The errors of a Reader (Err).
var (
	ErrSyntax    = errors.New("jsonscan: invalid JSON")
	ErrNotObject = errors.New("jsonscan: not a JSON object")
	ErrDepth     = errors.New("jsonscan: JSON nested too deeply")
	ErrUTF8      = errors.New("jsonscan: invalid UTF-8 in JSON string")
	ErrDuplicate = errors.New("jsonscan: duplicate member name")
	ErrTrailing  = errors.New("jsonscan: data after the JSON object")
)

// Reader walks the members of one JSON object. Strings without escapes are
// returned as views of the input, so the input must never be modified while
// they live. Duplicate member names are an error: accepting either copy
// could be resolved in an attacker's favour. The zero Reader is ready for
// Reset; a Reader is not safe for concurrent use.
//
//	var r jsonscan.Reader
//	r.Reset(data)
//	for ok := true; ok && r.Next(); {
//		switch r.Key() {
//		case "alg":
//			alg, ok = r.ReadString()
//		default:
//			_, ok = r.SkipValue()
//		}
//	}
//	if r.Err() != nil { ... }
type Reader struct {
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
}

// Reset starts reading data, which must hold exactly one JSON object.
func (r *Reader) Reset(data []byte) {
	*r = Reader{data: data}
	r.skipWS()
	if r.pos >= len(data) || data[r.pos] != '{' {
		r.err = ErrNotObject
		return
	}
	r.pos++
	r.first = true
}

// Key is the name of the current member; after ErrDuplicate, the name
// that was repeated.
func (r *Reader) Key() string { return r.key }

// Pos is the offset of the next byte to read: after Next, where the
// current member's value starts; after reading or skipping that value,
// just past it.
func (r *Reader) Pos() int { return r.pos }

// Err is the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Next moves to the next member; its name is in Key and the reader sits on
// its value, which the caller must consume with one of the value methods.
// Next returns false at the end of the object or on an error (Err).
func (r *Reader) Next() bool {
	if r.err != nil {
		return false
	}
	r.skipWS()
	if r.pos >= len(r.data) {
		return r.fail(ErrSyntax)
	}
	c := r.data[r.pos]
	if c == '}' {
		// After a comma the loop below reads a name, so "{"a":1,}" fails
		// there; here the object ends.
		r.pos++
		r.skipWS()
		if r.pos != len(r.data) {
			return r.fail(ErrTrailing)
		}
		return false
	}
	if !r.first {
		if c != ',' {
			return r.fail(ErrSyntax)
		}
		r.pos++
		r.skipWS()
	}
	r.first = false
	key, ok := r.ReadString()
	if !ok {
		return false
	}
	r.key = key
	if r.isDuplicate(key) {
		return r.fail(ErrDuplicate)
	}
	r.skipWS()
	if r.pos >= len(r.data) || r.data[r.pos] != ':' {
		return r.fail(ErrSyntax)
	}
	r.pos++
	r.skipWS()
	return true
}

func (r *Reader) isDuplicate(key string) bool {
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

func (r *Reader) fail(err error) bool {
	if r.err == nil {
		r.err = err
	}
	return false
}

func (r *Reader) skipWS() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// Peek returns the first byte of the current value, 0 at the end.
func (r *Reader) Peek() byte {
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}
