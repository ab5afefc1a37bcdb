package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// replayKey is a client key hash for the store tests.
func replayKey(n int) [32]byte {
	return sha256.Sum256(binary.BigEndian.AppendUint64([]byte("key"), uint64(n)))
}

// replayID is a proof ID whose first byte is b, which chose the shard
// before shards were picked by a keyed hash of the client key.
func replayID(b byte, n int) [32]byte {
	id := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("id"), uint64(n)))
	id[0] = b
	return id
}

// keysInShard returns n client keys the store puts in shard i.
func keysInShard(s *MemoryReplayStore, i uint64, n int) [][32]byte {
	var out [][32]byte
	for k := 0; len(out) < n; k++ {
		key := replayKey(k)
		if maphash.Bytes(s.seed, key[:])%replayShards == i {
			out = append(out, key)
		}
	}
	return out
}

func TestMemoryReplayStore(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	s := NewMemoryReplayStore(16*8, WithReplayKeyQuota(2)) // 8 a shard, 2 a key
	s.now = func() time.Time { return now }
	ctx := context.Background()
	same := keysInShard(s, 3, 5) // five keys sharing one shard
	a, b := same[0], same[1]
	exp := now.Add(time.Minute)
	steps := []struct {
		name   string
		at     time.Duration // since the start
		key    [32]byte
		id     [32]byte
		expiry time.Time
		seen   bool
		err    error
	}{
		{"first sight", 0, a, replayID(0, 1), exp, false, nil},
		{"replay", time.Second, a, replayID(0, 1), exp, true, nil},
		{"second proof of the key", time.Second, a, replayID(0, 2), exp.Add(time.Second), false, nil},
		{"replay at the quota: still a replay", 2 * time.Second, a, replayID(0, 2), exp, true, nil},
		{"over the quota", 2 * time.Second, a, replayID(0, 3), exp, false, ErrReplayKeyQuota},
		{"another key of the same shard", 2 * time.Second, b, replayID(0, 3), exp, false, nil},
		{"replay one nanosecond before expiry", time.Minute - time.Nanosecond, a, replayID(0, 1), exp, true, nil},
		{"the first proof expired: room for one", time.Minute, a, replayID(0, 4), exp.Add(time.Hour), false, nil},
		{"expired entry is forgotten", time.Minute, a, replayID(0, 1), exp.Add(time.Hour), false, ErrReplayKeyQuota},
		{"both expired but the last", time.Minute + time.Second, a, replayID(0, 1), exp.Add(time.Hour), false, nil},
	}
	for _, st := range steps {
		now = time.Unix(1_900_000_000, 0).Add(st.at)
		seen, err := s.Seen(ctx, ReplayEntry{ID: st.id, Key: st.key, Expiry: st.expiry})
		if seen != st.seen || !errors.Is(err, st.err) {
			t.Fatalf("%s: seen %v err %v, want %v %v", st.name, seen, err, st.seen, st.err)
		}
	}
}

func TestMemoryReplayStoreFullShard(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	s := NewMemoryReplayStore(16 * 4) // 4 a shard: the quota is capped at 1
	s.now = func() time.Time { return now }
	if s.quota != 1 {
		t.Fatalf("quota %d, want 1 (a quarter of a shard)", s.quota)
	}
	ctx := context.Background()
	keys := keysInShard(s, 0, 6)
	for i, k := range keys[:4] {
		if seen, err := s.Seen(ctx, ReplayEntry{ID: replayID(1, i), Key: k, Expiry: now.Add(time.Minute)}); seen || err != nil {
			t.Fatalf("key %d: %v %v", i, seen, err)
		}
	}
	if _, err := s.Seen(ctx, ReplayEntry{ID: replayID(1, 9), Key: keys[4], Expiry: now.Add(time.Minute)}); !errors.Is(err, ErrReplayStoreFull) {
		t.Fatalf("full shard: %v, want ErrReplayStoreFull", err)
	}
	other := keysInShard(s, 1, 1)[0]
	if seen, err := s.Seen(ctx, ReplayEntry{ID: replayID(1, 10), Key: other, Expiry: now.Add(time.Minute)}); seen || err != nil {
		t.Fatalf("another shard: %v %v", seen, err)
	}
	now = now.Add(2 * time.Minute) // every entry expired: room again
	if seen, err := s.Seen(ctx, ReplayEntry{ID: replayID(1, 9), Key: keys[4], Expiry: now.Add(time.Minute)}); seen || err != nil {
		t.Fatalf("after expiry: %v %v", seen, err)
	}
	if n := len(s.shards[0].ids); n != 1 {
		t.Fatalf("shard holds %d entries after the sweep, want 1", n)
	}
}

// TestMemoryReplayStoreFlood: one client floods the store with proofs
// whose IDs all start with the same byte (which picked the shard before);
// it gets its quota and no more, and every other key is served.
func TestMemoryReplayStoreFlood(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	s := NewMemoryReplayStore(16*64, WithReplayKeyQuota(16))
	s.now = func() time.Time { return now }
	ctx := context.Background()
	flooder := replayKey(-1)
	accepted := 0
	for i := 0; i < 10_000; i++ {
		seen, err := s.Seen(ctx, ReplayEntry{ID: replayID(0, i), Key: flooder, Expiry: now.Add(time.Minute)})
		switch {
		case seen:
			t.Fatalf("proof %d seen", i)
		case err == nil:
			accepted++
		case !errors.Is(err, ErrReplayKeyQuota):
			t.Fatalf("proof %d: %v", i, err)
		}
	}
	if accepted != 16 {
		t.Fatalf("the flooder got %d proofs in, want its quota 16", accepted)
	}
	for k := 0; k < 400; k++ {
		key := replayKey(k)
		if seen, err := s.Seen(ctx, ReplayEntry{ID: replayID(0, 100_000+k), Key: key, Expiry: now.Add(time.Minute)}); seen || err != nil {
			t.Fatalf("key %d locked out: %v %v", k, seen, err)
		}
	}
	// Its own shard is one of them and still has room for others.
	victim := keysInShard(s, maphash.Bytes(s.seed, flooder[:])%replayShards, 1)[0]
	if _, err := s.Seen(ctx, ReplayEntry{ID: replayID(0, 999_999), Key: victim, Expiry: now.Add(time.Minute)}); err != nil {
		t.Fatalf("a key sharing the flooder's shard: %v", err)
	}
}

// TestMemoryReplayStoreConcurrent: every proof is seen as new exactly once
// however many goroutines race on it (run with -race).
func TestMemoryReplayStoreConcurrent(t *testing.T) {
	s := NewMemoryReplayStore(0)
	ctx := context.Background()
	const keys, perKey, racers = 64, 20, 4
	var fresh, quota atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < racers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < keys; k++ {
				for i := 0; i < perKey; i++ {
					seen, err := s.Seen(ctx, ReplayEntry{ID: replayID(byte(k), k*perKey+i), Key: replayKey(k), Expiry: time.Now().Add(time.Minute)})
					switch {
					case err != nil:
						quota.Add(1)
					case !seen:
						fresh.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	if fresh.Load() != keys*perKey || quota.Load() != 0 {
		t.Fatalf("%d proofs seen as new (want %d), %d errors", fresh.Load(), keys*perKey, quota.Load())
	}
}

// TestReplayStoreSeeds: each store draws its own secret, so no client can
// know in advance which shard its key lands in.
func TestReplayStoreSeeds(t *testing.T) {
	key := replayKey(1)
	shards := map[uint64]bool{}
	for i := 0; i < 64; i++ {
		s := NewMemoryReplayStore(0)
		shards[maphash.Bytes(s.seed, key[:])%replayShards] = true
	}
	if len(shards) < 4 {
		t.Fatalf("one key landed in %d shards over 64 stores", len(shards))
	}
}
