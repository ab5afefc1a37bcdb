package middleware

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrReplayStoreFull is returned by a ReplayStore that cannot remember one
// more proof. The proof is refused: a proof that cannot be checked for
// replay is never accepted.
var ErrReplayStoreFull = errors.New("middleware: DPoP replay store full")

// ReplayStore remembers DPoP proofs (RFC 9449 section 11.1) so that each is
// accepted once. The id is a SHA-256 hash of the proof key's thumbprint and
// the proof's jti, never the proof itself. Implementations must be safe for
// concurrent use; a service with several replicas plugs in a shared store
// (Redis SET NX with an expiry, for example).
type ReplayStore interface {
	// Seen records id until expiry and reports whether it was already
	// recorded and unexpired: true means a replay. expiry is the last
	// instant at which the validator could still accept the proof, max(now,
	// iat) + the DPoP window, plus one second for rounding: implementations
	// must remember id at least until expiry, or the proof can be replayed.
	Seen(ctx context.Context, id [32]byte, expiry time.Time) (bool, error)
}

// DefaultReplayCapacity bounds the memory replay store: about 64 bytes an
// entry, 6 MiB in all.
const DefaultReplayCapacity = 100_000

// MemoryReplayStore is the default ReplayStore: sharded maps bounded in
// size, whose entries live only as long as a proof could be accepted. When
// a shard is full of live entries, new proofs are refused
// (ErrReplayStoreFull) rather than forgetting live ones. It is safe for
// concurrent use and never starts a goroutine.
type MemoryReplayStore struct {
	shards [16]replayShard
	now    func() time.Time
}

type replayShard struct {
	mu      sync.Mutex
	entries map[[32]byte]int64 // expiry, unix nanoseconds
	max     int
}

// NewMemoryReplayStore returns a store holding at most capacity live proofs
// (DefaultReplayCapacity when capacity <= 0).
func NewMemoryReplayStore(capacity int) *MemoryReplayStore {
	if capacity <= 0 {
		capacity = DefaultReplayCapacity
	}
	s := &MemoryReplayStore{now: time.Now}
	per := max(capacity/len(s.shards), 1)
	for i := range s.shards {
		s.shards[i].entries = make(map[[32]byte]int64)
		s.shards[i].max = per
	}
	return s
}

// Seen implements ReplayStore.
func (s *MemoryReplayStore) Seen(_ context.Context, id [32]byte, expiry time.Time) (bool, error) {
	sh := &s.shards[id[0]%byte(len(s.shards))]
	now := s.now().UnixNano()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if exp, ok := sh.entries[id]; ok && exp > now {
		return true, nil
	}
	if len(sh.entries) >= sh.max {
		for k, exp := range sh.entries {
			if exp <= now {
				delete(sh.entries, k)
			}
		}
		if len(sh.entries) >= sh.max {
			return false, ErrReplayStoreFull
		}
	}
	sh.entries[id] = expiry.UnixNano()
	return false, nil
}
