package middleware

import (
	"bytes"
	"encoding/json"
	"math"
	"unsafe"

	"github.com/jwtguard/jwtguard/internal/rawjson"
)

// RawClaim returns the raw JSON value of the top-level claim name, exactly
// as named (no namespace is tried): `"acme"`, `["admin","user"]`,
// `1790000000`. It allocates nothing: the value is part of Raw() and must
// not be modified. ok is false when the claim is absent, name is "" or c
// is nil.
func (c *Claims) RawClaim(name string) (value json.RawMessage, ok bool) {
	if c == nil || name == "" {
		return nil, false
	}
	if c.members.usable() {
		raw := c.raw
		for _, m := range c.members.list() {
			if int(m.nameEnd-m.name) == len(name) && string(raw[m.name:m.nameEnd]) == name {
				return raw[m.value:m.valueEnd], true
			}
		}
		return nil, false
	}
	var o rawjson.Object
	for o.Reset(c.raw); o.Next(); {
		if o.KeyIs(name) {
			return o.Value(), true
		}
	}
	return nil, false
}

// RawCustom returns the raw JSON value of the claim name found as Custom
// finds it: under each namespace given to WithNamespace, in order, then
// exactly as given ("roles" finds "https://myapp.example.com/roles"). Like
// RawClaim it allocates nothing and the value must not be modified. ok is
// false when the claim is absent, name is "" or c is nil.
func (c *Claims) RawCustom(name string) (value json.RawMessage, ok bool) {
	if c == nil || name == "" {
		return nil, false
	}
	if len(c.namespaces) == 0 {
		return c.RawClaim(name)
	}
	if c.members.usable() {
		return c.indexedCustom(name)
	}
	var found []byte
	rank := len(c.namespaces) + 1 // lower is better; len(namespaces) is the name as given
	var o rawjson.Object
	for o.Reset(c.raw); o.Next() && rank > 0; {
		k := o.Key()
		if len(k) < len(name) {
			continue // escapes only make a name longer
		}
		for i, ns := range c.namespaces[:min(rank, len(c.namespaces))] {
			if namespaced(k, o.KeyString, ns, name) {
				found, rank = o.Value(), i
				break
			}
		}
		if rank > len(c.namespaces) && namespaced(k, o.KeyString, "", name) {
			found, rank = o.Value(), len(c.namespaces)
		}
	}
	return found, found != nil
}

// indexedCustom is RawCustom over the member index, whose names hold no
// escapes: a name is ns+name or name byte for byte. Namespaces are never
// empty (WithNamespace).
func (c *Claims) indexedCustom(name string) (json.RawMessage, bool) {
	var found []byte
	rank := len(c.namespaces) + 1
	raw, last := c.raw, name[len(name)-1]
	for _, m := range c.members.list() {
		n := int(m.nameEnd - m.name)
		switch {
		case n < len(name) || raw[m.nameEnd-1] != last:
			// Cannot be name, nor end with it.
		case n == len(name):
			if rank > len(c.namespaces) && string(raw[m.name:m.nameEnd]) == name {
				found, rank = raw[m.value:m.valueEnd], len(c.namespaces)
			}
		case string(raw[int(m.nameEnd)-len(name):m.nameEnd]) == name:
			k := raw[m.name:m.nameEnd]
			for i, ns := range c.namespaces[:min(rank, len(c.namespaces))] {
				if n == len(ns)+len(name) && string(k[:len(ns)]) == ns {
					found, rank = raw[m.value:m.valueEnd], i
					break
				}
			}
			if rank == 0 {
				return found, true
			}
		}
	}
	return found, found != nil
}

// namespaced reports whether the raw member name k is ns followed by name.
// escaped decodes k; nil means k holds no escape (an indexed name).
func namespaced(k []byte, escaped func() (string, bool), ns, name string) bool {
	if len(k) == len(ns)+len(name) {
		// Equal bytes are the same name unless they hold an escape.
		return string(k[:len(ns)]) == ns && string(k[len(ns):]) == name && bytes.IndexByte(k, '\\') < 0
	}
	if len(k) < len(ns)+len(name) || escaped == nil || bytes.IndexByte(k, '\\') < 0 {
		return false
	}
	full, ok := escaped() // longer: the same name only when escaped
	return ok && len(full) == len(ns)+len(name) && full[:len(ns)] == ns && full[len(ns):] == name
}

// memberIndex records where the top-level members of the payload are, as
// decodeClaims read them, so that RawClaim and RawCustom compare names
// without reading the payload again. It covers payloads up to 64 KiB
// with up to maxIndexed members whose names hold no escape; for any other
// payload lookups read it again (rawjson).
type memberIndex struct {
	m        [maxIndexed]memberAt
	n        uint8
	built    bool // add was called: decodeClaims indexed this payload
	overflow bool // the index is incomplete: read the payload
}

// memberAt is one member: its name at raw[name:nameEnd], its value at
// raw[value:valueEnd].
type memberAt struct{ name, nameEnd, value, valueEnd uint16 }

// maxIndexed covers the 10 to 22 members of Auth0, Okta, Entra ID and
// Keycloak access tokens.
const maxIndexed = 24

func (x *memberIndex) usable() bool { return x.built && !x.overflow }

func (x *memberIndex) list() []memberAt { return x.m[:x.n] }

// add records the member name (a view of data, unless it held escapes)
// whose value is data[value:valueEnd].
func (x *memberIndex) add(data []byte, name string, value, valueEnd int) {
	x.built = true
	if x.overflow {
		return
	}
	off, ok := offsetIn(data, name)
	if !ok || int(x.n) == len(x.m) || len(data) > math.MaxUint16 || value > valueEnd || valueEnd > len(data) {
		x.overflow = true
		return
	}
	x.m[x.n] = memberAt{uint16(off), uint16(off + len(name)), uint16(value), uint16(valueEnd)}
	x.n++
}

// offsetIn returns where s lies within data; ok is false when s is not a
// view of data (a name decoded from escapes). The empty name matches
// nothing a lookup asks for and is placed at 0.
func offsetIn(data []byte, s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	if len(data) == 0 {
		return 0, false
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if p < base || p+uintptr(len(s)) > base+uintptr(len(data)) {
		return 0, false
	}
	return int(p - base), true
}
