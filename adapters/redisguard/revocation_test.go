package redisguard_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/jwtguard/jwtguard/adapters/redisguard"
	"github.com/jwtguard/jwtguard/jwtguardtest/conformance"
	"github.com/jwtguard/jwtguard/middleware"
)

// newRevocation returns a ready Revocation, closed when the test ends.
func newRevocation(t testing.TB, c redis.UniversalClient, opts ...redisguard.Option) *redisguard.Revocation {
	t.Helper()
	r, err := redisguard.NewRevocation(c, append([]redisguard.Option{patient}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRevocationConforms(t *testing.T) {
	t.Parallel()
	c := startRedis(t).client(t)
	conformance.TestRevocation(t, func() middleware.Revoker {
		return newRevocation(t, c, redisguard.WithPrefix(prefix()))
	})
}

// TestRevocationAcrossReplicas: a revocation made on one replica is seen
// by the others within 100 ms; nothing in Redis names the identifiers in
// clear.
func TestRevocationAcrossReplicas(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	p := redisguard.WithPrefix(prefix())
	var reps []*redisguard.Revocation
	for range 3 {
		reps = append(reps, newRevocation(t, srv.client(t), p))
	}
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	for i, revoke := range []struct {
		do func(r *redisguard.Revocation) error
		q  middleware.RevocationQuery
	}{
		{func(r *redisguard.Revocation) error { return r.RevokeJTI(ctx, "secret-jti", hour) }, middleware.RevocationQuery{JTI: "secret-jti"}},
		{func(r *redisguard.Revocation) error { return r.RevokeClient(ctx, "secret-client", hour) }, middleware.RevocationQuery{ClientID: "secret-client"}},
		{func(r *redisguard.Revocation) error { return r.RevokeSubject(ctx, "secret-sub", time.Now(), hour) },
			middleware.RevocationQuery{Sub: "secret-sub", IssuedAt: time.Now().Add(-time.Minute)}},
	} {
		start := time.Now()
		if err := revoke.do(reps[i]); err != nil {
			t.Fatal(err)
		}
		for j, r := range reps {
			for {
				ok, err := r.Check(ctx, revoke.q)
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					break
				}
				if time.Since(start) > 100*time.Millisecond {
					t.Fatalf("revocation %d made on replica %d not seen by replica %d within 100 ms", i, i, j)
				}
				time.Sleep(time.Millisecond)
			}
		}
		t.Logf("revocation %d seen by every replica after %v", i, time.Since(start))
	}
	// A replica started later loads what was revoked before.
	late := newRevocation(t, srv.client(t), p)
	if ok, err := late.Check(ctx, middleware.RevocationQuery{ClientID: "secret-client"}); !ok || err != nil {
		t.Fatalf("a replica started later: %v, %v", ok, err)
	}
	keys, _ := srv.client(t).Keys(ctx, "*").Result()
	for _, k := range keys {
		ms, _ := srv.client(t).ZRange(ctx, k, 0, -1).Result()
		for _, m := range append(ms, k) {
			if strings.Contains(m, "secret") {
				t.Fatalf("Redis holds %q", m)
			}
		}
	}
}

// TestRevocationOutage: with Redis down, Check answers from the snapshot
// for the staleness bound, then fails closed; once Redis is back (empty,
// as after a crash without persistence) the replica resubscribes, reloads
// and answers again, with no restart.
func TestRevocationOutage(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	r := newRevocation(t, srv.client(t), redisguard.WithPrefix(prefix()), redisguard.WithMaxStaleness(400*time.Millisecond))
	ctx := context.Background()
	if err := r.RevokeJTI(ctx, "gone", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if ok, err := r.Check(ctx, middleware.RevocationQuery{JTI: "gone"}); !ok || err != nil {
		t.Fatalf("just after the outage began: %v, %v (want the snapshot's answer)", ok, err)
	}
	time.Sleep(600 * time.Millisecond)
	if _, err := r.Check(ctx, middleware.RevocationQuery{JTI: "other"}); !errors.Is(err, redisguard.ErrStale) {
		t.Fatalf("past the staleness bound: %v, want ErrStale", err)
	}
	if err := r.RevokeJTI(ctx, "x", time.Now().Add(time.Hour)); err == nil {
		t.Fatal("a revocation succeeded with Redis down")
	}
	srv.Restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := r.Check(ctx, middleware.RevocationQuery{JTI: "gone"})
		if err == nil {
			if ok {
				t.Fatal("the reloaded snapshot kept a revocation the restarted (empty) Redis does not hold")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not recovered 5 s after Redis came back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRevocationResyncAfterReconnect: what was written while a replica's
// subscription was cut (here: written without a publication) is loaded
// when it reconnects.
func TestRevocationResyncAfterReconnect(t *testing.T) {
	t.Parallel()
	srv := startRedis(t)
	c := srv.client(t)
	pre := prefix()
	r := newRevocation(t, c, redisguard.WithPrefix(pre))
	ctx := context.Background()
	// The member RevokeJTI would write for "silent", added behind the
	// replica's back.
	other := newRevocation(t, srv.client(t), redisguard.WithPrefix(prefix()))
	if err := other.RevokeJTI(ctx, "silent", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(ctx, "*revocations").Result()
	if err != nil {
		t.Fatal(err)
	}
	var member string
	for _, k := range keys {
		if !strings.HasPrefix(k, pre) {
			m, _ := c.ZRangeWithScores(ctx, k, 0, -1).Result()
			member = m[0].Member.(string)
			if err := c.ZAdd(ctx, pre+"revocations", m[0]).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if member == "" {
		t.Fatal("no member written")
	}
	if ok, _ := r.Check(ctx, middleware.RevocationQuery{JTI: "silent"}); ok {
		t.Fatal("seen without a publication nor a reload")
	}
	if err := c.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if ok, _ := r.Check(ctx, middleware.RevocationQuery{JTI: "silent"}); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica did not reload the list after its subscription was cut")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRevocationBound: past WithMaxRevocations, revoking fails with
// middleware.ErrRevocationFull and live revocations stay.
func TestRevocationBound(t *testing.T) {
	t.Parallel()
	c := startRedis(t).client(t)
	r := newRevocation(t, c, redisguard.WithPrefix(prefix()), redisguard.WithMaxRevocations(2))
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	r.RevokeJTI(ctx, "a", hour)
	r.RevokeJTI(ctx, "b", hour)
	if err := r.RevokeJTI(ctx, "c", hour); !errors.Is(err, middleware.ErrRevocationFull) {
		t.Fatalf("third: %v", err)
	}
	if err := r.RevokeJTI(ctx, "a", hour.Add(time.Hour)); err != nil {
		t.Fatalf("extending a live one: %v", err)
	}
	if ok, _ := r.Check(ctx, middleware.RevocationQuery{JTI: "b"}); !ok {
		t.Fatal("a live revocation was dropped")
	}
}

// TestRevocationNotReady: before its first load a Revocation fails
// closed; after Close too.
func TestRevocationNotReady(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, DialTimeout: 50 * time.Millisecond})
	defer c.Close()
	r, err := redisguard.NewRevocation(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Check(context.Background(), middleware.RevocationQuery{JTI: "x"}); !errors.Is(err, redisguard.ErrNotSynced) {
		t.Fatalf("before the first load: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.WaitReady(ctx); err == nil {
		t.Fatal("ready with no Redis")
	}
	r.Close()
}

// TestRevocationStaysFresh: an idle replica with Redis up stays current
// (pings), well past its staleness bound.
func TestRevocationStaysFresh(t *testing.T) {
	t.Parallel()
	c := startRedis(t).client(t)
	r := newRevocation(t, c, redisguard.WithPrefix(prefix()), redisguard.WithMaxStaleness(200*time.Millisecond))
	for range 10 {
		time.Sleep(100 * time.Millisecond)
		if _, err := r.Check(context.Background(), middleware.RevocationQuery{JTI: "x"}); err != nil {
			t.Fatal(err)
		}
	}
}
