package redisguard_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/jwtguardtest/conformance"
)

func newReplayStore(t testing.TB, c redis.UniversalClient, opts ...redisguard.Option) *redisguard.ReplayStore {
	t.Helper()
	s, err := redisguard.NewReplayStore(c, append([]redisguard.Option{patient}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReplayStoreConforms(t *testing.T) {
	t.Parallel()
	c := startRedis(t).client(t)
	conformance.TestReplayStore(t, func() dpop.ReplayStore {
		return newReplayStore(t, c, redisguard.WithPrefix(prefix()))
	})
}

// TestReplayStoreKey: one key per proof, the hex of its ID under the
// prefix (never the jti), expiring at Expiry rounded up to the
// millisecond.
func TestReplayStoreKey(t *testing.T) {
	t.Parallel()
	c := startRedis(t).client(t)
	s := newReplayStore(t, c, redisguard.WithPrefix("svc:"))
	e := dpop.ReplayEntry{ID: sha256.Sum256([]byte("jkt\x00jti")), Expiry: time.Now().Add(time.Minute).Add(300 * time.Microsecond)}
	if replayed, err := s.Seen(context.Background(), e); err != nil || replayed {
		t.Fatal(replayed, err)
	}
	keys, err := c.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := "svc:dpop:" + hex.EncodeToString(e.ID[:]); len(keys) != 1 || keys[0] != want {
		t.Fatalf("keys %q, want [%q]", keys, want)
	}
	at, err := c.Do(context.Background(), "PEXPIRETIME", keys[0]).Int64()
	if err != nil {
		t.Fatal(err)
	}
	if want := e.Expiry.UnixMilli() + 1; at != want {
		t.Fatalf("expires at %d ms, want %d (Expiry rounded up)", at, want)
	}
}

// TestReplayStoreFailsFast: Redis down or paused, Seen fails within the
// deadline instead of answering.
func TestReplayStoreFailsFast(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	c := srv.client(t)
	s := newReplayStore(t, c, redisguard.WithPrefix(prefix()), redisguard.WithTimeout(redisguard.DefaultTimeout))
	entry := func() dpop.ReplayEntry {
		return dpop.ReplayEntry{ID: sha256.Sum256([]byte(time.Now().String())), Expiry: time.Now().Add(time.Minute)}
	}
	if err := c.Do(context.Background(), "CLIENT", "PAUSE", "1000", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := s.Seen(context.Background(), entry())
	if took := time.Since(start); err == nil || took > 300*time.Millisecond {
		t.Fatalf("paused Redis: %v after %v, want an error within the 50 ms deadline", err, took)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := s.Seen(ctx, entry()); err == nil || time.Since(start) > 200*time.Millisecond {
		t.Fatalf("the request's earlier deadline was not used: %v after %v", err, time.Since(start))
	}
	srv.Stop()
	start = time.Now()
	_, err = s.Seen(context.Background(), entry())
	if err == nil || time.Since(start) > 300*time.Millisecond || errors.Is(err, dpop.ErrReplayKeyQuota) {
		t.Fatalf("Redis down: %v after %v", err, time.Since(start))
	}
	// The same with NewClient's defaults (go-redis retries a refused dial
	// 5 times, 100 ms apart: the deadline cuts that short).
	c2, err := redisguard.NewClient("redis://" + srv.Addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	s2 := newReplayStore(t, c2, redisguard.WithTimeout(redisguard.DefaultTimeout))
	start = time.Now()
	if _, err := s2.Seen(context.Background(), entry()); err == nil || time.Since(start) > 300*time.Millisecond {
		t.Fatalf("Redis down, NewClient: %v after %v", err, time.Since(start))
	}
}

func TestClientMustHonourDeadlines(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := redisguard.NewReplayStore(c); err == nil {
		t.Fatal("a client that ignores context deadlines was accepted")
	}
	c2, err := redisguard.NewClient("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := redisguard.NewReplayStore(c2); err != nil {
		t.Fatal(err)
	}
}
