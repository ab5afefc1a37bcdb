package dpop

import (
	"context"
	"errors"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// ErrReplayStoreFull is returned by a ReplayStore that cannot remember one
// more proof. The proof is refused (KindUnavailable: a server-side
// condition): a proof that cannot be checked for replay is never accepted.
var ErrReplayStoreFull = errors.New("dpop: replay store full")

// ErrReplayKeyQuota is returned by a ReplayStore when the client key of a
// proof already holds as many live proofs as the store allows one key. The
// proof is refused (KindQuota: the client's doing); other keys are
// unaffected.
var ErrReplayKeyQuota = errors.New("dpop: replay quota of the client key exhausted")

// ReplayEntry is one DPoP proof for a ReplayStore to remember. It holds
// hashes and a time, never the proof.
type ReplayEntry struct {
	// ID identifies the proof: SHA-256 of the proof key's RFC 7638
	// thumbprint (jkt), a NUL byte and the proof's jti.
	ID [32]byte
	// Key identifies the client key: SHA-256 of its thumbprint (the
	// token's cnf.jkt). Stores may bound what one key holds with it, so
	// one client cannot exhaust the store (MemoryReplayStore does).
	Key [32]byte
	// Expiry is the instant until which ID must be remembered: the last
	// instant at which the Verifier could still accept the proof, max(now,
	// iat) + the window (RFC 9449 section 11.1), plus one second for
	// rounding.
	Expiry time.Time
}

// ReplayStore remembers DPoP proofs (RFC 9449 section 11.1) so that each is
// accepted once. Implementations must be safe for concurrent use; a service
// with several replicas plugs in a shared store.
//
// The contract: Seen records e.ID until e.Expiry and reports whether e.ID
// was already recorded and unexpired (true: a replay), as one atomic
// operation, so that two concurrent uses of a proof cannot both see it as
// new. An implementation must remember an ID at least until its Expiry,
// never less: forgetting it early (eviction, a shorter TTL, a clock that
// runs ahead of the API's) lets the proof be replayed while the Verifier
// still accepts its iat. When it cannot record one more ID it returns an
// error and the proof is refused: ErrReplayKeyQuota (or an error wrapping
// it) when the proof's client key is over its quota, which is the
// client's doing (KindQuota); any other error (ErrReplayStoreFull, a
// network error) says the store is failing (KindUnavailable), which
// middleware answers with 503. In Redis, one command does it all:
//
//	SET <prefix><hex ID> 1 NX PXAT <Expiry in Unix milliseconds, rounded up>
//
// whose nil reply means a replay. A per-key quota (e.Key), if wanted, needs
// a script that counts the key's live IDs in the same step.
type ReplayStore interface {
	Seen(ctx context.Context, e ReplayEntry) (replayed bool, err error)
}

// Defaults of MemoryReplayStore.
const (
	// DefaultReplayCapacity bounds the memory replay store: 120 to 210
	// bytes an entry (the most when every key holds one proof), 21 MiB at
	// most.
	DefaultReplayCapacity = 100_000
	// DefaultReplayKeyQuota is how many live proofs one client key may
	// hold: with the default window and skew a proof lives about 71 s, so
	// a client can sustain some 14 proofs (requests) a second, in bursts of
	// up to 1000.
	DefaultReplayKeyQuota = 1000
)

// replayShards is the number of shards of a MemoryReplayStore.
const replayShards = 16

// MemoryReplayStore is the default ReplayStore: sharded maps bounded in
// size, whose entries count only as long as a proof could be accepted. It
// is safe for concurrent use and never starts a goroutine.
//
// The proofs of one client key all live in one shard, picked by a keyed
// hash (hash/maphash, with a seed drawn at random for each store), so a
// client cannot aim its proofs at a shard of its choosing. One key holds
// at most its quota of live proofs (DefaultReplayKeyQuota, and never more
// than a quarter of its shard): past it, that key's new proofs are refused
// (ErrReplayKeyQuota) and every other key is unaffected. When a shard is
// full of live entries, new proofs of its keys are refused
// (ErrReplayStoreFull) rather than forgetting live ones.
type MemoryReplayStore struct {
	seed   maphash.Seed
	quota  int
	shards [replayShards]replayShard
	now    func() time.Time
}

// replayShard holds the proofs of the keys hashed to it twice: by ID, for
// the replay check, and by client key in a heap of expiries, for the quota.
// The heaps are exact; expired IDs stay in ids, where they count for
// nothing, until a sweep when the shard is full (deleting one at a time
// would leave a tombstone per proof in the map and slow every lookup).
type replayShard struct {
	mu   sync.Mutex
	ids  map[[32]byte]int64         // proof ID: expiry, unix nanoseconds
	keys map[[32]byte]*replayProofs // client key: its live proofs
	max  int
	// nextExp is at most the earliest expiry in ids: sweeping before then
	// frees nothing.
	nextExp int64
}

// MemoryReplayOption configures a MemoryReplayStore.
type MemoryReplayOption func(*MemoryReplayStore)

// WithReplayKeyQuota sets how many live proofs one client key may hold
// (DefaultReplayKeyQuota when n <= 0). It is capped at a quarter of a
// shard (capacity/64), so that one key never fills its shard.
func WithReplayKeyQuota(n int) MemoryReplayOption {
	return func(s *MemoryReplayStore) {
		if n > 0 {
			s.quota = n
		}
	}
}

// NewMemoryReplayStore returns a store holding at most capacity live proofs
// (DefaultReplayCapacity when capacity <= 0).
func NewMemoryReplayStore(capacity int, opts ...MemoryReplayOption) *MemoryReplayStore {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	s := &MemoryReplayStore{seed: maphash.MakeSeed(), quota: DefaultReplayKeyQuota, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	per := max(capacity/replayShards, 1)
	s.quota = min(s.quota, max(per/4, 1))
	for i := range s.shards {
		s.shards[i] = replayShard{
			ids:     make(map[[32]byte]int64),
			keys:    make(map[[32]byte]*replayProofs),
			max:     per,
			nextExp: math.MaxInt64,
		}
	}
	return s
}

// Seen implements ReplayStore.
func (s *MemoryReplayStore) Seen(_ context.Context, e ReplayEntry) (bool, error) {
	sh := &s.shards[maphash.Bytes(s.seed, e.Key[:])%replayShards]
	now := s.now().UnixNano()
	exp := e.Expiry.UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if x, ok := sh.ids[e.ID]; ok && x > now {
		return true, nil
	}
	k := sh.expire(e.Key, now)
	if k != nil && len(k.items) >= s.quota {
		return false, ErrReplayKeyQuota
	}
	if len(sh.ids) >= sh.max {
		sh.sweep(now)
		if len(sh.ids) >= sh.max {
			return false, ErrReplayStoreFull
		}
		k = sh.keys[e.Key]
	}
	if k == nil {
		k = &replayProofs{}
		sh.keys[e.Key] = k
	}
	k.push(replayItem{id: e.ID, exp: exp})
	sh.ids[e.ID] = exp
	sh.nextExp = min(sh.nextExp, exp)
	return false, nil
}

// expire drops the expired proofs of key from its heap and returns its
// live ones, or nil when it has none left.
func (sh *replayShard) expire(key [32]byte, now int64) *replayProofs {
	k := sh.keys[key]
	if k == nil {
		return nil
	}
	for len(k.items) > 0 && k.items[0].exp <= now {
		k.pop()
	}
	if len(k.items) == 0 {
		delete(sh.keys, key)
		return nil
	}
	return k
}

// sweep forgets every expired proof of the shard, when one can have
// expired: O(shard) at most once per expiry, when the shard is full.
func (sh *replayShard) sweep(now int64) {
	if now < sh.nextExp {
		return
	}
	next := int64(math.MaxInt64)
	for id, exp := range sh.ids {
		if exp <= now {
			delete(sh.ids, id)
		} else {
			next = min(next, exp)
		}
	}
	for key := range sh.keys {
		sh.expire(key, now)
	}
	sh.nextExp = next
}

// replayProofs are the live proofs of one client key: a binary min-heap on
// expiry, so expired ones come off the top.
type replayProofs struct{ items []replayItem }

type replayItem struct {
	id  [32]byte
	exp int64
}

func (h *replayProofs) push(it replayItem) {
	h.items = append(h.items, it)
	for i := len(h.items) - 1; i > 0; {
		p := (i - 1) / 2
		if h.items[p].exp <= h.items[i].exp {
			break
		}
		h.items[p], h.items[i] = h.items[i], h.items[p]
		i = p
	}
}

func (h *replayProofs) pop() replayItem {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < last && h.items[l].exp < h.items[small].exp {
			small = l
		}
		if r := l + 1; r < last && h.items[r].exp < h.items[small].exp {
			small = r
		}
		if small == i {
			break
		}
		h.items[i], h.items[small] = h.items[small], h.items[i]
		i = small
	}
	return top
}
