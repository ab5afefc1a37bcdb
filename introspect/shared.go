package introspect

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SharedCache is a cache that replicas share (adapters/redisguard), behind
// each Client's own cache (WithSharedCache). It stores opaque values under
// 32-byte keys, each for a time to live; a key is a keyed hash, never the
// token, and a value is sealed (encrypted and authenticated) by the Client,
// so the store learns neither the token nor the answer and cannot forge
// one. Implementations must be safe for concurrent use and bound their own
// latency: a Get that takes long delays the requests that missed the
// local cache.
type SharedCache interface {
	// Get returns the value stored under key, with ok false when there is
	// none (or it expired).
	Get(ctx context.Context, key [32]byte) (value []byte, ok bool, err error)
	// Set stores value under key for ttl (at least a millisecond).
	Set(ctx context.Context, key [32]byte, value []byte, ttl time.Duration) error
	// Delete forgets key.
	Delete(ctx context.Context, key [32]byte) error
}

// SharedCacheObserver is an Observer that also wants the shared cache's
// lookups: hit when it answered, failed when it could not (the Client then
// asked the endpoint). Called on the goroutine of the Introspect call.
type SharedCacheObserver interface {
	Observer
	SharedCacheLookup(hit, failed bool)
}

// sharedTimeout bounds one operation on the shared cache, when the
// request's context allows longer.
const sharedTimeout = 100 * time.Millisecond

// MinSharedCacheSecret is the shortest secret WithSharedCache accepts.
const MinSharedCacheSecret = 32

// WithSharedCache puts a cache shared by replicas behind the Client's own
// (two levels): an Introspect call that misses the local cache and leads
// the request for its token asks sc before the endpoint, and stores the
// endpoint's answer in sc with the rules of the local cache (an active
// answer for min(positiveTTL, exp), a refusal for negativeTTL; WithCache).
// An answer taken from sc is checked again like a fresh one (expiry,
// issuer, audience, kind) and kept locally no longer than sc keeps it.
//
// secret (at least 32 bytes, the same on every replica) keys the entries:
// an entry's key is an HMAC of the token and of the Client's Config
// (issuer, audiences, leeway), so Clients with another policy never share
// answers, and its value is sealed with AES-256-GCM under a key derived
// from secret, bound to the entry's key: whoever can read or write the
// store learns no token nor answer and cannot plant one.
//
// The shared cache is an optimisation: when it fails or is slow (each
// operation is bounded to 100 ms, sooner when the request's context ends
// sooner), the Client asks the endpoint as it would without it, so a
// failing shared cache never refuses nor accepts a token by itself.
// Invalidate deletes the token's entry from sc too; other replicas may
// still hold the answer in their local caches for up to positiveTTL.
func WithSharedCache(sc SharedCache, secret []byte) Option {
	return func(o *options) error {
		if sc == nil {
			return errors.New("introspect: nil shared cache")
		}
		if len(secret) < MinSharedCacheSecret {
			return errors.New("introspect: the shared cache secret must be at least 32 bytes")
		}
		o.shared, o.sharedSecret = sc, append([]byte(nil), secret...)
		return nil
	}
}

// shared is the Client's side of a SharedCache.
type shared struct {
	sc     SharedCache
	keyMAC []byte // HMAC key of entry keys
	aead   cipher.AEAD
	policy []byte // what the Client checks answers against
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("jwtguard introspect shared cache " + label))
	return m.Sum(nil)
}

func newShared(sc SharedCache, secret []byte, cfg *Config) *shared {
	block, err := aes.NewCipher(derive(secret, "value"))
	if err != nil {
		panic(err) // a 32-byte key
	}
	aead, err := randomNonceGCM(block)
	if err != nil {
		panic(err)
	}
	p := cfg.Issuer + "\x00" + strings.Join(cfg.Audiences, "\x00") + "\x00" +
		strconv.FormatBool(cfg.AllowMissingAudience) + "\x00" + cfg.Leeway.String() + "\x00"
	return &shared{sc: sc, keyMAC: derive(secret, "key"), aead: aead, policy: []byte(p)}
}

func (s *shared) key(token string) [32]byte {
	m := hmac.New(sha256.New, s.keyMAC)
	m.Write(s.policy)
	m.Write([]byte(token))
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// The sealed value: nonce || AES-GCM(version, kind of entry, until, payload)
// with the entry key as additional data.
const (
	sharedVersion  = 1
	sharedActive   = 'A' // payload: the answer's raw JSON
	sharedRefusal  = 'R' // payload: kind, NUL, description
	sharedOverhead = 2 + 8
)

func (s *shared) timeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= sharedTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, sharedTimeout)
}

// get returns the outcome stored for token, checked against p at now, and
// until when it may be kept; ok false on a miss or a failure.
func (s *shared) get(ctx context.Context, token string, p *policy, now time.Time, obs Observer) (res *Result, e *Error, until int64, ok bool) {
	k := s.key(token)
	ctx, cancel := s.timeout(ctx)
	v, found, err := s.sc.Get(ctx, k)
	cancel()
	defer func() {
		if so, yes := obs.(SharedCacheObserver); yes {
			so.SharedCacheLookup(ok, err != nil)
		}
	}()
	if err != nil || !found {
		return nil, nil, 0, false
	}
	plain, err := s.aead.Open(nil, nil, v, k[:]) // the nonce leads v
	if err != nil || len(plain) < sharedOverhead || plain[0] != sharedVersion {
		err = errors.New("introspect: a shared cache entry does not open")
		return nil, nil, 0, false
	}
	until = int64(binary.BigEndian.Uint64(plain[2:10]))
	if until <= now.UnixNano() {
		return nil, nil, 0, false
	}
	payload := plain[sharedOverhead:]
	switch plain[1] {
	case sharedActive:
		res, e = parseResponse(payload)
		if e == nil {
			if e = p.check(res, now); e != nil {
				res = nil
			}
		}
		if e != nil && e.category != ErrInactive {
			return nil, nil, 0, false
		}
		return res, e, until, true
	case sharedRefusal:
		kind, desc, _ := strings.Cut(string(payload), "\x00")
		return nil, refused(Kind(kind), desc), until, true
	}
	return nil, nil, 0, false
}

// set stores an outcome until until (unix nanoseconds), when it may be
// cached at all.
func (s *shared) set(ctx context.Context, token string, res *Result, e *Error, until int64, now time.Time) {
	ttl := time.Duration(until - now.UnixNano())
	if until == 0 || ttl < time.Millisecond {
		return
	}
	var plain []byte
	switch {
	case e == nil && res != nil:
		plain = append(make([]byte, 0, sharedOverhead+len(res.raw)), sharedVersion, sharedActive)
		plain = binary.BigEndian.AppendUint64(plain, uint64(until))
		plain = append(plain, res.raw...)
	case e != nil && e.category == ErrInactive:
		plain = append([]byte{sharedVersion, sharedRefusal}, make([]byte, 8)...)
		binary.BigEndian.PutUint64(plain[2:], uint64(until))
		plain = append(append(append(plain, e.Kind...), 0), e.Description...)
	default:
		return
	}
	k := s.key(token)
	sealed := s.aead.Seal(make([]byte, 0, len(plain)+s.aead.Overhead()), nil, plain, k[:])
	ctx, cancel := s.timeout(ctx)
	defer cancel()
	s.sc.Set(ctx, k, sealed, ttl) // best effort: the cache is an optimisation
}

func (s *shared) delete(token string) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	s.sc.Delete(ctx, s.key(token))
}

// randomNonceGCM returns AES-GCM whose Seal draws a random 96-bit nonce and
// puts it before the ciphertext, and whose Open reads it from there.
// cipher.NewGCMWithRandomNonce is the mode FIPS 140-3 approves
// (GODEBUG=fips140=only refuses caller-chosen nonces); it takes only the
// standard library's own AES blocks, so with GOEXPERIMENT=boringcrypto the
// same layout is built on cipher.NewGCM, which that build allows.
func randomNonceGCM(block cipher.Block) (cipher.AEAD, error) {
	if aead, err := cipher.NewGCMWithRandomNonce(block); err == nil {
		return aead, nil
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return prefixedNonce{gcm}, nil
}

// prefixedNonce is a GCM with the nonce drawn by Seal and carried before
// the ciphertext, the layout of cipher.NewGCMWithRandomNonce.
type prefixedNonce struct{ gcm cipher.AEAD }

func (p prefixedNonce) NonceSize() int { return 0 }

func (p prefixedNonce) Overhead() int { return p.gcm.NonceSize() + p.gcm.Overhead() }

func (p prefixedNonce) Seal(dst, _, plain, ad []byte) []byte {
	nonce := make([]byte, p.gcm.NonceSize())
	rand.Read(nonce)
	return p.gcm.Seal(append(dst, nonce...), nonce, plain, ad)
}

func (p prefixedNonce) Open(dst, _, sealed, ad []byte) ([]byte, error) {
	n := p.gcm.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("introspect: sealed value too short")
	}
	return p.gcm.Open(dst, sealed[:n], sealed[n:], ad)
}
