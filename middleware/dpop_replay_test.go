package middleware

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

// TestDPoPReplayUntilLastAcceptance: a proof minted ahead of the API's
// clock is accepted until iat + window, so it must be remembered that long,
// not only window past its first use. Every replay in between is refused as
// a replay; after it the proof is stale.
func TestDPoPReplayUntilLastAcceptance(t *testing.T) {
	start := time.Unix(time.Now().Unix(), 0)
	window := DefaultDPoPWindow
	for _, tc := range []struct {
		name  string
		skew  time.Duration // WithDPoPMaxFutureSkew; 0 keeps the default
		ahead time.Duration // iat - first use
	}{
		{"iat now", 0, 0},
		{"iat at the default skew", 0, DefaultDPoPMaxFutureSkew},
		{"iat 50 s ahead, skew 50 s", 50 * time.Second, 50 * time.Second},
		{"iat 30 s behind", 0, -30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := start
			opts := []Option{WithClock(func() time.Time { return now })}
			if tc.skew != 0 {
				opts = append(opts, WithDPoPMaxFutureSkew(tc.skew))
			}
			v := newValidator(t, opts...)
			c := newDPoPClient(t)
			tok := c.boundToken(t)
			iat := start.Add(tc.ahead)
			p := c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { cl["iat"] = iat.Unix() })
			if _, err := v.Authenticate(context.Background(), dpopCreds(tok, p)); err != nil {
				t.Fatalf("first use: %v", err)
			}
			last := iat.Add(window) // the last instant the iat check passes
			for _, at := range []struct {
				name string
				t    time.Time
			}{
				{"at once", start.Add(time.Millisecond)},
				{"just before first use + window", start.Add(window - time.Millisecond)},
				{"at first use + window", start.Add(window)},
				{"just after first use + window", start.Add(window + 500*time.Millisecond)},
				{"just before iat + window", last.Add(-time.Millisecond)},
				{"at iat + window", last},
			} {
				if at.t.Before(start) || at.t.After(last) {
					continue
				}
				now = at.t
				_, err := v.Authenticate(context.Background(), dpopCreds(tok, p))
				if reasonOf(err) != ReasonDPoPReplay {
					t.Errorf("replay %s (%v after first use): %v, want %s", at.name, at.t.Sub(start), err, ReasonDPoPReplay)
				}
			}
			now = last.Add(time.Second)
			_, err := v.Authenticate(context.Background(), dpopCreds(tok, p))
			if e := AsError(err); e.Reason != ReasonDPoPProof || e.Description != "the DPoP proof iat is outside the accepted window" {
				t.Errorf("after iat + window: %v", err)
			}
		})
	}
}

// recordingReplayStore records what the validator hands a ReplayStore.
type recordingReplayStore struct {
	mu      sync.Mutex
	entries []ReplayEntry
}

func (s *recordingReplayStore) Seen(_ context.Context, e ReplayEntry) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
	return false, nil
}

// TestReplayEntryContract pins the entry a ReplayStore receives: ID and
// Key are hashes of the thumbprint (and jti), Expiry is max(now, iat) +
// window + 1 s.
func TestReplayEntryContract(t *testing.T) {
	now := time.Unix(time.Now().Unix(), 0)
	store := &recordingReplayStore{}
	v := newValidator(t, WithClock(func() time.Time { return now }), WithDPoPReplayStore(store), WithDPoPWindow(30*time.Second))
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	for _, ahead := range []time.Duration{0, 7 * time.Second, -20 * time.Second} {
		jti := "jti-" + ahead.String()
		p := c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { cl["iat"] = now.Add(ahead).Unix(); cl["jti"] = jti })
		if _, err := v.Authenticate(context.Background(), dpopCreds(tok, p)); err != nil {
			t.Fatal(err)
		}
		e := store.entries[len(store.entries)-1]
		want := now.Add(max(ahead, 0) + 30*time.Second + time.Second)
		if !e.Expiry.Equal(want) {
			t.Errorf("iat %v ahead: expiry %v after now, want %v", ahead, e.Expiry.Sub(now), want.Sub(now))
		}
		if e.ID != sha256.Sum256([]byte(c.jkt+"\x00"+jti)) || e.Key != sha256.Sum256([]byte(c.jkt)) {
			t.Errorf("ID or Key is not the hash of the thumbprint (and jti)")
		}
	}
}

// TestDPoPFutureSkew: a proof whose iat is further ahead than the skew is
// refused with its own description (RFC 9449 section 11.1).
func TestDPoPFutureSkew(t *testing.T) {
	now := time.Unix(time.Now().Unix(), 0)
	clock := WithClock(func() time.Time { return now })
	const future = "the DPoP proof iat is too far in the future; check the client's clock"
	const stale = "the DPoP proof iat is outside the accepted window"
	cases := []struct {
		name string
		opts []Option
		iat  time.Duration // relative to now
		desc string        // "" when accepted
	}{
		{"default: at the skew", nil, DefaultDPoPMaxFutureSkew, ""},
		{"default: one second past the skew", nil, DefaultDPoPMaxFutureSkew + time.Second, future},
		{"default: far future", nil, 50 * time.Second, future},
		{"default: a year ahead", nil, 365 * 24 * time.Hour, future},
		{"default: at the window behind", nil, -DefaultDPoPWindow, ""},
		{"default: past the window behind", nil, -DefaultDPoPWindow - time.Second, stale},
		{"skew 0: now", []Option{WithDPoPMaxFutureSkew(0)}, 0, ""},
		{"skew 0: one second ahead", []Option{WithDPoPMaxFutureSkew(0)}, time.Second, future},
		{"skew 30 s: 30 s ahead", []Option{WithDPoPMaxFutureSkew(30 * time.Second)}, 30 * time.Second, ""},
		{"skew capped by a 5 s window", []Option{WithDPoPWindow(5 * time.Second)}, 6 * time.Second, future},
		{"skew capped by a 5 s window: at 5 s", []Option{WithDPoPWindow(5 * time.Second)}, 5 * time.Second, ""},
	}
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newValidator(t, append([]Option{clock}, tc.opts...)...)
			p := c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { cl["iat"] = now.Add(tc.iat).Unix() })
			_, err := v.Authenticate(context.Background(), dpopCreds(tok, p))
			if tc.desc == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertDPoPError(t, err, ReasonDPoPProof, ErrInvalidDPoPProof)
			if d := AsError(err).Description; d != tc.desc {
				t.Errorf("description %q, want %q", d, tc.desc)
			}
		})
	}
	for _, bad := range []time.Duration{-time.Second, 11 * time.Minute} {
		if _, err := New(testIssuer, testAudience, WithKeys(newSource(fixture.keySet...)), WithDPoPMaxFutureSkew(bad)); err == nil {
			t.Errorf("skew %v accepted", bad)
		}
	}
}

// TestDPoPKeyQuota: a client over its key's quota is refused with its own
// description, and another client is served.
func TestDPoPKeyQuota(t *testing.T) {
	store := NewMemoryReplayStore(0, WithReplayKeyQuota(3))
	v := newValidator(t, WithDPoPReplayStore(store))
	c, other := newDPoPClient(t), newDPoPClient(t)
	tok, otherTok := c.boundToken(t), other.boundToken(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil))); err != nil {
			t.Fatalf("proof %d: %v", i, err)
		}
	}
	_, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
	assertDPoPError(t, err, ReasonDPoPReplay, ErrInvalidDPoPProof)
	if e := AsError(err); !errors.Is(err, ErrReplayKeyQuota) || e.Description != "too many recent DPoP proofs for this key; retry later with a new proof" {
		t.Errorf("over the quota: %v", err)
	}
	if _, err := v.Authenticate(ctx, dpopCreds(otherTok, other.proof(t, "DELETE", apiURL, otherTok, nil))); err != nil {
		t.Fatalf("another key: %v", err)
	}
}
