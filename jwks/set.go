package jwks

import "time"

// Set is an immutable snapshot of verification keys. Sources replace a whole
// Set at once, so a key that leaves the issuer's JWKS leaves with the next
// snapshot (revocation). A Set is safe for concurrent use.
type Set struct {
	byKID   map[string]*Key
	keys    []*Key
	fetched time.Time
	dropped []error
}

// NewSet builds a Set. A kid that repeats keeps its first key; the others
// are reported by Dropped, as are nil keys.
func NewSet(keys ...*Key) *Set {
	s := &Set{byKID: make(map[string]*Key, len(keys)), fetched: time.Now()}
	for _, k := range keys {
		if k == nil {
			continue
		}
		if _, dup := s.byKID[k.kid]; dup {
			s.dropped = append(s.dropped, &KeyError{KID: k.kid, Reason: "duplicate kid"})
			continue
		}
		s.byKID[k.kid] = k
		s.keys = append(s.keys, k)
	}
	return s
}

// Lookup returns the key for kid. A token without a kid ("" here) matches
// only when the set holds exactly one key: with several keys the choice
// would be a guess. Lookup is one map read: no lock, no allocation.
func (s *Set) Lookup(kid string) (*Key, bool) {
	if s == nil {
		return nil, false
	}
	if kid == "" {
		if len(s.keys) == 1 {
			return s.keys[0], true
		}
		return nil, false
	}
	k, ok := s.byKID[kid]
	return k, ok
}

// Contains reports whether the set still holds k: a key with k's kid, k's
// algorithm and k's key material (the same RFC 7638 thumbprint; for HMAC
// keys the same secret), whether or not it is the same *Key. Caches of
// verified tokens use it to forget tokens whose key has been removed or
// replaced, while a refresh that returns the same keys, which builds new
// *Key values, forgets nothing. The kid is part of the identity because a
// token names its key by kid: the same material under another kid is
// another key here. Contains is one map read and a 32-byte comparison: no
// lock, no allocation.
func (s *Set) Contains(k *Key) bool {
	if s == nil || k == nil {
		return false
	}
	c, ok := s.byKID[k.kid]
	return ok && (c == k || c.sameKey(k))
}

// Len returns the number of usable keys.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// Keys returns the usable keys in document order. The slice is a copy.
func (s *Set) Keys() []*Key {
	if s == nil {
		return nil
	}
	return append([]*Key(nil), s.keys...)
}

// KIDs returns the kids of the usable keys in document order.
func (s *Set) KIDs() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.keys))
	for i, k := range s.keys {
		out[i] = k.kid
	}
	return out
}

// Dropped returns why keys of the source document were not loaded, one error
// per key (each a *KeyError).
func (s *Set) Dropped() []error {
	if s == nil {
		return nil
	}
	return append([]error(nil), s.dropped...)
}

// Fetched returns when the set was loaded.
func (s *Set) Fetched() time.Time {
	if s == nil {
		return time.Time{}
	}
	return s.fetched
}
