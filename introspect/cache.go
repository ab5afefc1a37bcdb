package introspect

import (
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// cacheKey identifies a token in the cache and among requests in flight:
// SHA-256 over a per-Client random salt and the token. The token itself is
// never stored, logged or reported; the salt keeps a memory dump from
// confirming a guessed token, and SHA-256 makes a collision (another
// token's answer) out of reach.
type cacheKey [sha256.Size]byte

// keyer computes cache keys.
type keyer struct{ salt [32]byte }

func newKeyer() keyer {
	var k keyer
	rand.Read(k.salt[:]) // never fails (crypto/rand)
	return k
}

// key hashes salt||token in a stack buffer: no allocation for tokens up to
// MaxTokenBytes, which Introspect enforces first.
func (k *keyer) key(token string) cacheKey {
	if len(token) <= 480 {
		var buf [32 + 480]byte
		copy(buf[:], k.salt[:])
		n := copy(buf[32:], token)
		return sha256.Sum256(buf[:32+n])
	}
	return k.keyLong(token)
}

// keyLong is key for long tokens, apart so that common calls keep a small
// stack frame.
//
//go:noinline
func (k *keyer) keyLong(token string) cacheKey {
	var buf [32 + MaxTokenBytes]byte
	copy(buf[:], k.salt[:])
	n := copy(buf[32:], token)
	return sha256.Sum256(buf[:32+n])
}

// cache remembers outcomes (an active *Result or a token-refusing *Error)
// and the requests in flight, in shards, each a map plus an LRU list under a
// mutex. A hit is one hash, one lock and one map lookup: no allocation.
// Entries are bounded in number and in bytes (see cacheEntryCost).
type cache struct {
	shards []shard
	mask   uint64
}

type shard struct {
	mu       sync.Mutex
	entries  map[cacheKey]*entry
	calls    map[cacheKey]*call
	head     entry // sentinel of the LRU list: head.next is the newest
	max      int   // entries
	budget   int   // bytes
	used     int   // bytes
	disabled bool  // size 0: calls only
}

type entry struct {
	key        cacheKey
	res        *Result
	err        *Error
	until      int64 // unix nanoseconds; dead from then on
	cost       int
	prev, next *entry
}

// call is one request in flight; others asking for the same token wait for
// it (single flight).
type call struct {
	done  chan struct{}
	res   *Result
	err   *Error
	retry bool // the leader's context ended: waiters must ask again
}

func newCache(size int) *cache {
	n := 1
	if size >= 256 {
		n = 16
	}
	c := &cache{shards: make([]shard, n), mask: uint64(n - 1)}
	perShard := (size + n - 1) / n
	for i := range c.shards {
		s := &c.shards[i]
		s.entries = map[cacheKey]*entry{}
		s.calls = map[cacheKey]*call{}
		s.head.prev, s.head.next = &s.head, &s.head
		s.max = perShard
		// Every shard can hold at least a few of the largest answers.
		s.budget = max(perShard*cacheEntryCost, 4*entryCost(MaxResponseBytes))
		s.disabled = size == 0
	}
	return c
}

func (c *cache) shard(k cacheKey) *shard {
	return &c.shards[uint64(k[0])&c.mask]
}

func entryCost(rawLen int) int { return 2*rawLen + 512 }

// getLocked returns the live entry of k and marks it recently used; an
// expired one is removed.
func (s *shard) getLocked(k cacheKey, now int64) *entry {
	e := s.entries[k]
	if e == nil {
		return nil
	}
	if now >= e.until {
		s.removeLocked(e)
		return nil
	}
	if s.head.next != e {
		e.unlink()
		s.pushFront(e)
	}
	return e
}

// putLocked stores an outcome, evicting the least recently used entries
// to stay within the count and byte bounds.
func (s *shard) putLocked(e *entry) {
	if s.disabled || e.cost > s.budget {
		return
	}
	if old := s.entries[e.key]; old != nil {
		s.removeLocked(old)
	}
	for len(s.entries) >= s.max || s.used+e.cost > s.budget {
		s.removeLocked(s.head.prev)
	}
	s.entries[e.key] = e
	s.used += e.cost
	s.pushFront(e)
}

func (s *shard) removeLocked(e *entry) {
	e.unlink()
	delete(s.entries, e.key)
	s.used -= e.cost
}

func (s *shard) pushFront(e *entry) {
	e.prev, e.next = &s.head, s.head.next
	s.head.next.prev = e
	s.head.next = e
}

func (e *entry) unlink() {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil
}

func (c *cache) remove(k cacheKey) {
	s := c.shard(k)
	s.mu.Lock()
	if e := s.entries[k]; e != nil {
		s.removeLocked(e)
	}
	s.mu.Unlock()
}

func (c *cache) purge() {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.entries)
		s.head.prev, s.head.next = &s.head, &s.head
		s.used = 0
		s.mu.Unlock()
	}
}

// lifetime returns until when an outcome may be reused: an active answer
// until min(exp, now+positive), a refusal until now+negative. 0 means
// not at all.
func lifetime(res *Result, err *Error, now time.Time, positive, negative time.Duration) int64 {
	switch {
	case err == nil && positive > 0:
		until := now.Add(positive)
		if res.ExpiresAt.Before(until) {
			until = res.ExpiresAt
		}
		if !until.After(now) {
			return 0
		}
		return until.UnixNano()
	case err != nil && err.category == ErrInactive && err.Kind != KindMalformedToken && negative > 0:
		return now.Add(negative).UnixNano()
	}
	return 0
}
