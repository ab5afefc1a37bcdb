package middleware

import (
	"hash/maphash"
	"strings"
	"sync/atomic"

	"github.com/jwtguard/jwtguard/jwks"
)

// DefaultCacheSize is the number of verified tokens a Validator remembers.
const DefaultCacheSize = 1024

// tokenCache remembers tokens that passed every check, so a repeated token
// skips the signature check. It is direct-mapped: each token hashes to one
// slot, a slot holds one immutable entry behind an atomic pointer, and a
// newer token simply replaces an older one. A lookup is one hash, one
// atomic load and a comparison of the whole token: no lock, no allocation. The hash only picks the slot; identity is the full
// token string, so a hash collision can never return another token's
// claims.
type tokenCache struct {
	seed  maphash.Seed
	mask  uint64
	slots []atomic.Pointer[cacheEntry]
}

type cacheEntry struct {
	token  string
	claims *Claims
	exp    float64 // exp + leeway: the entry is dead from then on
	key    *jwks.Key
	src    jwks.Source
}

func newTokenCache(size int) *tokenCache {
	n := 1
	for n < size {
		n <<= 1
	}
	return &tokenCache{seed: maphash.MakeSeed(), mask: uint64(n - 1), slots: make([]atomic.Pointer[cacheEntry], n)}
}

// get returns the claims of token if it was verified before, its expiry
// (with leeway) is still ahead of now, and the key that verified it is still
// in its issuer's current key set (removal revokes at once).
func (c *tokenCache) get(token string, now float64) *Claims {
	e := c.slots[maphash.String(c.seed, token)&c.mask].Load()
	if e == nil || e.token != token || now >= e.exp || !e.src.Keys().Contains(e.key) {
		return nil
	}
	return e.claims
}

// put remembers a verified token. The token is copied: callers may hand in
// strings backed by buffers they reuse.
func (c *tokenCache) put(token string, claims *Claims, exp float64, key *jwks.Key, src jwks.Source) {
	e := &cacheEntry{token: strings.Clone(token), claims: claims, exp: exp, key: key, src: src}
	c.slots[maphash.String(c.seed, token)&c.mask].Store(e)
}
