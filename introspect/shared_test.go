package introspect

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// memShared is a SharedCache in memory that records what it is given.
type memShared struct {
	mu      sync.Mutex
	m       map[[32]byte][]byte
	ttls    []time.Duration
	fail    error
	gets    int
	deletes int
}

func newMemShared() *memShared { return &memShared{m: map[[32]byte][]byte{}} }

func (s *memShared) Get(_ context.Context, k [32]byte) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	if s.fail != nil {
		return nil, false, s.fail
	}
	v, ok := s.m[k]
	return bytes.Clone(v), ok, nil
}

func (s *memShared) Set(_ context.Context, k [32]byte, v []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.m[k] = bytes.Clone(v)
	s.ttls = append(s.ttls, ttl)
	return nil
}

func (s *memShared) Delete(_ context.Context, k [32]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deletes++
	delete(s.m, k)
	return s.fail
}

var sharedSecret = []byte("0123456789abcdef0123456789abcdef")

// TestSharedCacheAcrossReplicas: what one Client learns from the endpoint,
// another with the same secret and policy takes from the shared cache,
// active answers and refusals alike, with the same TTL rules.
func TestSharedCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	sc := newMemShared()
	a := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret))
	b := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret))
	tok := mint(t, x, jwtguardtest.Claims{Subject: "alice", ExpiresIn: 30 * time.Second})
	ra, err := a.Introspect(ctxT(t), tok)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.Introspect(ctxT(t), tok)
	if err != nil {
		t.Fatal(err)
	}
	if x.Requests() != 1 {
		t.Fatalf("%d requests to the endpoint, want 1", x.Requests())
	}
	if rb.Subject != "alice" || !rb.ExpiresAt.Equal(ra.ExpiresAt) || string(rb.Raw()) != string(ra.Raw()) {
		t.Fatalf("the shared answer differs: %+v", rb)
	}
	x.Revoke(tok)
	inactive := mint(t, x, jwtguardtest.Claims{ExpiresIn: time.Hour})
	x.Revoke(inactive)
	if _, err := a.Introspect(ctxT(t), inactive); kindOfErr(t, err, inactive) != KindInactive {
		t.Fatal(err)
	}
	if _, err := b.Introspect(ctxT(t), inactive); kindOfErr(t, err, inactive) != KindInactive {
		t.Fatal(err)
	}
	if x.Requests() != 2 {
		t.Fatalf("%d requests to the endpoint, want 2 (the refusal shared)", x.Requests())
	}
	if len(sc.ttls) != 2 || sc.ttls[0] > 30*time.Second || sc.ttls[0] < 25*time.Second || sc.ttls[1] != DefaultNegativeTTL {
		t.Fatalf("TTLs %v, want ≤ exp (30 s) and the negative TTL", sc.ttls)
	}
	for k, v := range sc.m {
		for _, secret := range []string{tok, inactive, "alice", api} {
			if bytes.Contains(k[:], []byte(secret)) || bytes.Contains(v, []byte(secret)) {
				t.Fatalf("the shared cache holds %q in clear", secret)
			}
		}
	}
}

// TestSharedCacheApart: Clients with another secret or another policy do
// not share answers; a tampered entry is ignored.
func TestSharedCacheApart(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	sc := newMemShared()
	a := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret))
	tok := mint(t, x, jwtguardtest.Claims{ExpiresIn: time.Hour})
	if _, err := a.Introspect(ctxT(t), tok); err != nil {
		t.Fatal(err)
	}
	other := kitConfig(x)
	other.Audiences = []string{api, "https://other.example.com"}
	for i, c := range []*Client{
		newClient(t, kitConfig(x), WithSharedCache(sc, []byte(strings.Repeat("z", 32)))),
		newClient(t, other, WithSharedCache(sc, sharedSecret)),
	} {
		if _, err := c.Introspect(ctxT(t), tok); err != nil {
			t.Fatal(err)
		}
		if x.Requests() != int64(i+2) {
			t.Fatalf("client %d: %d requests: it shared an answer it should not", i, x.Requests())
		}
	}
	sc.mu.Lock()
	for k, v := range sc.m {
		v[len(v)-1] ^= 1
		sc.m[k] = v
	}
	sc.mu.Unlock()
	b := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret))
	if _, err := b.Introspect(ctxT(t), tok); err != nil {
		t.Fatal(err)
	}
	if x.Requests() != 4 {
		t.Fatal("a tampered entry was used")
	}
	if _, err := New(kitConfig(x), WithSharedCache(sc, []byte("short"))); err == nil {
		t.Fatal("a short secret was accepted")
	}
}

// TestSharedCacheFailing: a failing shared cache is skipped: the endpoint
// answers; with the endpoint down too, the answer is 503, never 401.
func TestSharedCacheFailing(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	sc := newMemShared()
	sc.fail = errors.New("shared cache down")
	obs := &sharedObs{}
	c := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret), WithObserver(obs))
	tok := mint(t, x, jwtguardtest.Claims{ExpiresIn: time.Hour})
	if _, err := c.Introspect(ctxT(t), tok); err != nil {
		t.Fatal(err)
	}
	x.SetDown(true)
	tok2 := mint(t, x, jwtguardtest.Claims{ExpiresIn: time.Hour})
	_, err := c.Introspect(ctxT(t), tok2)
	if kindOfErr(t, err, tok2) != KindUnavailable {
		t.Fatalf("endpoint and shared cache down: %v", err)
	}
	if obs.failed != 2 || obs.sharedHits != 0 {
		t.Fatalf("observer: %d failed, %d hits", obs.failed, obs.hits)
	}
}

type sharedObs struct {
	recObserver
	sharedHits, failed int
}

func (o *sharedObs) SharedCacheLookup(hit, failed bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if hit {
		o.sharedHits++
	}
	if failed {
		o.failed++
	}
}

// TestSharedCacheLocalCopyBounded: an answer taken from the shared cache
// is kept locally no longer than the shared entry lives; Invalidate
// deletes the shared entry.
func TestSharedCacheLocalCopyBounded(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	sc := newMemShared()
	clock := newFakeClock()
	a := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret), WithClock(clock.now))
	b := newClient(t, kitConfig(x), WithSharedCache(sc, sharedSecret), WithClock(clock.now))
	tok := mint(t, x, jwtguardtest.Claims{ExpiresIn: time.Hour})
	if _, err := a.Introspect(ctxT(t), tok); err != nil {
		t.Fatal(err)
	}
	clock.advance(50 * time.Second) // the shared entry has 10 s left
	if _, err := b.Introspect(ctxT(t), tok); err != nil || x.Requests() != 1 {
		t.Fatalf("%v, %d requests", err, x.Requests())
	}
	clock.advance(11 * time.Second) // b's local copy died with the shared entry
	if _, err := b.Introspect(ctxT(t), tok); err != nil || x.Requests() != 2 {
		t.Fatalf("after the shared entry's end: %v, %d requests, want 2", err, x.Requests())
	}
	a.Invalidate(tok)
	if sc.deletes != 1 || len(sc.m) != 0 {
		t.Fatalf("Invalidate: %d deletes, %d entries left", sc.deletes, len(sc.m))
	}
}
