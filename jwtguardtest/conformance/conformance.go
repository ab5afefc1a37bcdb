// Package conformance checks implementations of the interfaces a service
// plugs into jwtguard against their contracts: dpop.ReplayStore and
// middleware.Revoker. Run its suites from a test of your store:
//
//	func TestMyStore(t *testing.T) {
//		conformance.TestReplayStore(t, func() dpop.ReplayStore { return newMyStore(t) })
//	}
//
// It lives apart from package jwtguardtest, which middleware's own tests
// use, so that it may import middleware.
package conformance

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/middleware"
)

// The suites run on the real clock
// (a shared store keeps its own time), take about two seconds each, and
// call newStore once per subtest, so each subtest starts empty; stores
// that share a backend must keep their subtests apart (a fresh key prefix
// each time, for example).

// TestReplayStore checks the dpop.ReplayStore contract on stores made by
// newStore: a proof is new once and a replay afterwards until its Expiry,
// at least, and new again after it; distinct proofs never collide; and
// Seen is one atomic operation, so that of many concurrent uses of a proof
// exactly one sees it as new. Per-key quotas are not exercised: the suite
// stays well below dpop.DefaultReplayKeyQuota for any one key.
func TestReplayStore(t *testing.T, newStore func() dpop.ReplayStore) {
	t.Helper()
	ctx := context.Background()
	entry := func(name string, expiry time.Time) dpop.ReplayEntry {
		return dpop.ReplayEntry{
			ID:     sha256.Sum256([]byte("conformance\x00" + name + "\x00" + fmt.Sprint(time.Now().UnixNano()))),
			Key:    sha256.Sum256([]byte("conformance key " + name)),
			Expiry: expiry,
		}
	}
	seen := func(t *testing.T, s dpop.ReplayStore, e dpop.ReplayEntry, want bool, what string) {
		t.Helper()
		got, err := s.Seen(ctx, e)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != want {
			t.Fatalf("%s: replayed %v, want %v", what, got, want)
		}
	}
	t.Run("OnceThenReplay", func(t *testing.T) {
		s := newStore()
		e := entry("once", time.Now().Add(time.Minute))
		seen(t, s, e, false, "first use")
		seen(t, s, e, true, "second use")
		seen(t, s, e, true, "third use")
		other := e
		other.ID[0] ^= 1
		seen(t, s, other, false, "another proof of the same key")
	})
	t.Run("RememberedUntilExpiry", func(t *testing.T) {
		s := newStore()
		const life = 600 * time.Millisecond
		e := entry("expiry", time.Now().Add(life))
		seen(t, s, e, false, "first use")
		time.Sleep(time.Until(e.Expiry.Add(-150 * time.Millisecond)))
		seen(t, s, e, true, "replay shortly before Expiry")
		time.Sleep(time.Until(e.Expiry.Add(150 * time.Millisecond)))
		again := e
		again.Expiry = time.Now().Add(time.Minute)
		seen(t, s, again, false, "use after Expiry (forgotten)")
		seen(t, s, again, true, "replay of the use after Expiry")
	})
	t.Run("DistinctProofs", func(t *testing.T) {
		s := newStore()
		exp := time.Now().Add(time.Minute)
		for i := range 200 {
			e := entry(fmt.Sprint("distinct-", i), exp)
			seen(t, s, e, false, fmt.Sprint("proof ", i))
		}
	})
	t.Run("AtomicUnderConcurrency", func(t *testing.T) {
		s := newStore()
		for round := range 5 {
			e := entry(fmt.Sprint("race-", round), time.Now().Add(time.Minute))
			const n = 32
			var (
				wg    sync.WaitGroup
				start = make(chan struct{})
				mu    sync.Mutex
				fresh int
				errs  []error
			)
			for range n {
				wg.Go(func() {
					<-start
					replayed, err := s.Seen(ctx, e)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
					} else if !replayed {
						fresh++
					}
				})
			}
			close(start)
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("round %d: %v", round, errs[0])
			}
			if fresh != 1 {
				t.Fatalf("round %d: %d of %d concurrent uses of one proof saw it as new, want exactly 1", round, fresh, n)
			}
		}
	})
}

// TestRevocation checks the middleware.Revocation contract on lists made
// by newList: what RevokeJTI, RevokeClient and RevokeSubject revoke, and
// nothing else; iat before T and a missing iat for a revoked subject; each
// revocation until its until, extended and never shortened by a second
// one; and Check answering at once, on the same instance, after a Revoke
// returns. Lists shared between replicas are checked across replicas by
// their own tests.
func TestRevocation(t *testing.T, newList func() middleware.Revoker) {
	t.Helper()
	ctx := context.Background()
	check := func(t *testing.T, r middleware.Revoker, q middleware.RevocationQuery, want bool) {
		t.Helper()
		got, err := r.Check(ctx, q)
		if err != nil {
			t.Fatalf("Check(%+v): %v", q, err)
		}
		if got != want {
			t.Fatalf("Check(%+v) = %v, want %v", q, got, want)
		}
	}
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hour := time.Now().Add(time.Hour)
	t.Run("Empty", func(t *testing.T) {
		r := newList()
		check(t, r, middleware.RevocationQuery{JTI: "j", Sub: "s", ClientID: "c", IssuedAt: time.Now()}, false)
		check(t, r, middleware.RevocationQuery{}, false)
	})
	t.Run("JTI", func(t *testing.T) {
		r := newList()
		must(t, r.RevokeJTI(ctx, "jti-1", hour))
		check(t, r, middleware.RevocationQuery{JTI: "jti-1", Sub: "s"}, true)
		check(t, r, middleware.RevocationQuery{JTI: "jti-2", Sub: "s"}, false)
		check(t, r, middleware.RevocationQuery{Sub: "jti-1", ClientID: "jti-1"}, false)
	})
	t.Run("Client", func(t *testing.T) {
		r := newList()
		must(t, r.RevokeClient(ctx, "client-1", hour))
		check(t, r, middleware.RevocationQuery{ClientID: "client-1", JTI: "x"}, true)
		check(t, r, middleware.RevocationQuery{ClientID: "client-2"}, false)
		check(t, r, middleware.RevocationQuery{JTI: "client-1", Sub: "client-1"}, false)
	})
	t.Run("SubjectIssuedBefore", func(t *testing.T) {
		r := newList()
		before := time.Now().Truncate(time.Second).Add(-time.Minute)
		must(t, r.RevokeSubject(ctx, "alice", before, hour))
		check(t, r, middleware.RevocationQuery{Sub: "alice", IssuedAt: before.Add(-time.Second)}, true)
		check(t, r, middleware.RevocationQuery{Sub: "alice"}, true) // no iat: fail closed
		check(t, r, middleware.RevocationQuery{Sub: "alice", IssuedAt: before}, false)
		check(t, r, middleware.RevocationQuery{Sub: "alice", IssuedAt: before.Add(time.Second)}, false)
		check(t, r, middleware.RevocationQuery{Sub: "bob", IssuedAt: before.Add(-time.Second)}, false)
		check(t, r, middleware.RevocationQuery{JTI: "alice", ClientID: "alice"}, false)
	})
	t.Run("SubjectEntriesExpireApart", func(t *testing.T) {
		r := newList()
		now := time.Now().Truncate(time.Second)
		short := time.Now().Add(500 * time.Millisecond)
		must(t, r.RevokeSubject(ctx, "carol", now.Add(-time.Minute), hour)) // long, older cut
		must(t, r.RevokeSubject(ctx, "carol", now, short))                  // short, newer cut
		mid := middleware.RevocationQuery{Sub: "carol", IssuedAt: now.Add(-30 * time.Second)}
		old := middleware.RevocationQuery{Sub: "carol", IssuedAt: now.Add(-2 * time.Minute)}
		check(t, r, mid, true)
		check(t, r, old, true)
		time.Sleep(time.Until(short.Add(150 * time.Millisecond)))
		check(t, r, mid, false)
		check(t, r, old, true)
	})
	t.Run("Expiry", func(t *testing.T) {
		r := newList()
		until := time.Now().Add(500 * time.Millisecond)
		must(t, r.RevokeJTI(ctx, "short", until))
		must(t, r.RevokeClient(ctx, "short", until))
		must(t, r.RevokeJTI(ctx, "past", time.Now().Add(-time.Second)))
		check(t, r, middleware.RevocationQuery{JTI: "short"}, true)
		check(t, r, middleware.RevocationQuery{JTI: "past"}, false)
		must(t, r.RevokeJTI(ctx, "extended", until))
		must(t, r.RevokeJTI(ctx, "extended", hour))
		must(t, r.RevokeJTI(ctx, "kept", hour))
		must(t, r.RevokeJTI(ctx, "kept", until)) // never shortens
		time.Sleep(time.Until(until.Add(150 * time.Millisecond)))
		check(t, r, middleware.RevocationQuery{JTI: "short"}, false)
		check(t, r, middleware.RevocationQuery{ClientID: "short"}, false)
		check(t, r, middleware.RevocationQuery{JTI: "extended"}, true)
		check(t, r, middleware.RevocationQuery{JTI: "kept"}, true)
	})
	t.Run("RefusesEmpty", func(t *testing.T) {
		r := newList()
		if r.RevokeJTI(ctx, "", hour) == nil || r.RevokeClient(ctx, "", hour) == nil || r.RevokeSubject(ctx, "", time.Now(), hour) == nil {
			t.Fatal("an empty identifier was revoked")
		}
		check(t, r, middleware.RevocationQuery{}, false)
	})
	t.Run("Concurrent", func(t *testing.T) {
		r := newList()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					id := fmt.Sprint("g", g, "-", i)
					if err := r.RevokeJTI(ctx, id, hour); err != nil {
						errs <- err
						return
					}
					if ok, err := r.Check(ctx, middleware.RevocationQuery{JTI: id}); err != nil || !ok {
						errs <- fmt.Errorf("jti %s revoked, Check = %v, %v", id, ok, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}
