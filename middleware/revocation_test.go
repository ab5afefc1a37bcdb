package middleware

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRevocationRefuses: a token revoked by jti, by client, or by subject
// issued before T is refused with invalid_token and ReasonRevoked, from
// the verified-token cache too; other tokens are not.
func TestRevocationRefuses(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	until := now.Add(time.Hour)
	for _, tc := range []struct {
		name   string
		revoke func(r *MemoryRevocation) error
		tok    func(h, c map[string]any)
		stays  func(h, c map[string]any) // a token the revocation leaves alone
	}{
		{"jti", func(r *MemoryRevocation) error { return r.RevokeJTI(ctx, "jti-1", until) },
			func(h, c map[string]any) { c["jti"] = "jti-1" },
			func(h, c map[string]any) { c["jti"] = "jti-2" }},
		{"client_id", func(r *MemoryRevocation) error { return r.RevokeClient(ctx, "client-9", until) },
			func(h, c map[string]any) { c["client_id"] = "client-9" },
			func(h, c map[string]any) { c["client_id"] = "client-8" }},
		{"azp", func(r *MemoryRevocation) error { return r.RevokeClient(ctx, "client-abc", until) },
			nil,
			func(h, c map[string]any) { c["azp"] = "client-other" }},
		{"subject issued before", func(r *MemoryRevocation) error {
			return r.RevokeSubject(ctx, "auth0|user-1", now.Add(-time.Minute), until)
		},
			func(h, c map[string]any) { c["iat"] = now.Add(-2 * time.Minute).Unix() },
			func(h, c map[string]any) { c["iat"] = now.Unix() }},
		{"subject without iat", func(r *MemoryRevocation) error {
			return r.RevokeSubject(ctx, "auth0|user-1", now.Add(-time.Minute), until)
		},
			func(h, c map[string]any) { delete(c, "iat") },
			func(h, c map[string]any) { delete(c, "iat"); c["sub"] = "auth0|user-2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list := NewMemoryRevocation(0)
			v := newValidator(t, WithRevocation(list))
			tok, other := token(t, "ES256", tc.tok), token(t, "ES256", tc.stays)
			for _, tk := range []string{tok, other} { // into the cache
				if _, err := v.Validate(ctx, tk); err != nil {
					t.Fatal(err)
				}
			}
			if err := tc.revoke(list); err != nil {
				t.Fatal(err)
			}
			_, err := v.Validate(ctx, tok)
			e := AsError(err)
			if !errors.Is(err, ErrInvalidToken) || e.Reason != ReasonRevoked || e.Code() != "invalid_token" || e.HTTPStatus() != 401 {
				t.Fatalf("revoked token: %v (reason %q)", err, e.Reason)
			}
			if _, err := v.Validate(ctx, other); err != nil {
				t.Errorf("a token the revocation does not name: %v", err)
			}
		})
	}
}

// TestRevocationCacheNeverServesRevoked hammers a cached token while it is
// revoked: once RevokeJTI returns, no Validate accepts it.
func TestRevocationCacheNeverServesRevoked(t *testing.T) {
	ctx := context.Background()
	list := NewMemoryRevocation(0)
	v := newValidator(t, WithRevocation(list))
	tok := token(t, "ES256", func(h, c map[string]any) { c["jti"] = "hot" })
	if _, err := v.Validate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	var revoked atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				was := revoked.Load()
				_, err := v.Validate(ctx, tok)
				if was && err == nil {
					bad.Add(1)
				}
			}
		})
	}
	time.Sleep(time.Millisecond)
	if err := list.RevokeJTI(ctx, "hot", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d validations accepted the token after its revocation", bad.Load())
	}
}

// TestRevocationExpiry: a revocation holds until its until, then is
// forgotten; one whose until has passed is a no-op.
func TestRevocationExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	list := NewMemoryRevocation(0)
	list.now = func() time.Time { return now }
	q := RevocationQuery{JTI: "j"}
	if err := list.RevokeJTI(ctx, "j", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if r, _ := list.Check(ctx, q); r {
		t.Fatal("a revocation until the past took effect")
	}
	list.RevokeJTI(ctx, "j", now.Add(10*time.Second))
	list.RevokeJTI(ctx, "j", now.Add(5*time.Second)) // never shortens
	for _, c := range []struct {
		at   time.Duration
		want bool
	}{{0, true}, {9 * time.Second, true}, {10 * time.Second, false}} {
		list.now = func() time.Time { return now.Add(c.at) }
		if r, _ := list.Check(ctx, q); r != c.want {
			t.Errorf("at +%v: revoked %v, want %v", c.at, r, c.want)
		}
	}
}

// TestRevocationBounded: a full list refuses new revocations rather than
// forgetting live ones, and makes room once some expire.
func TestRevocationBounded(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	list := NewMemoryRevocation(3)
	list.now = func() time.Time { return now }
	list.RevokeJTI(ctx, "a", now.Add(time.Second))
	list.RevokeClient(ctx, "b", now.Add(time.Minute))
	list.RevokeSubject(ctx, "c", now, now.Add(time.Minute))
	if err := list.RevokeJTI(ctx, "d", now.Add(time.Minute)); !errors.Is(err, ErrRevocationFull) {
		t.Fatalf("fourth revocation: %v, want ErrRevocationFull", err)
	}
	for _, q := range []RevocationQuery{{JTI: "a"}, {ClientID: "b"}, {Sub: "c"}} {
		if r, _ := list.Check(ctx, q); !r {
			t.Errorf("%+v forgotten to make room", q)
		}
	}
	list.now = func() time.Time { return now.Add(2 * time.Second) }
	if err := list.RevokeJTI(ctx, "d", now.Add(time.Minute)); err != nil {
		t.Fatalf("after one expired: %v", err)
	}
	if err := list.RevokeJTI(ctx, "", now.Add(time.Minute)); err == nil {
		t.Error("an empty jti was revoked")
	}
	if err := list.RevokeJTI(ctx, string(make([]byte, MaxRevocationIDSize+1)), now.Add(time.Minute)); err == nil {
		t.Error("an oversized jti was revoked")
	}
}

type failingRevocation struct{}

func (failingRevocation) Check(context.Context, RevocationQuery) (bool, error) {
	return false, errors.New("down")
}

// TestRevocationUnavailable: a failing list is 503 in the ErrUnavailable
// category with ReasonRevocationUnavailable, for Bearer and DPoP, and the
// observer says so.
func TestRevocationUnavailable(t *testing.T) {
	obs := &ctxObserver{}
	v := newValidator(t, WithRevocation(failingRevocation{}), WithObserver(obs))
	_, err := v.Validate(context.Background(), token(t, "ES256", nil))
	e := AsError(err)
	if !errors.Is(err, ErrUnavailable) || e.Reason != ReasonRevocationUnavailable || e.HTTPStatus() != 503 || e.Code() != "" {
		t.Fatalf("%v (reason %q, status %d)", err, e.Reason, e.HTTPStatus())
	}
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	_, err = v.Authenticate(context.Background(), dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
	if reasonOf(err) != ReasonRevocationUnavailable {
		t.Fatalf("DPoP: %v", err)
	}
	if len(obs.events) != 2 || obs.events[0].Reason != ReasonRevocationUnavailable || obs.events[1].Path != PathDPoP {
		t.Fatalf("events %+v", obs.events)
	}
}

// TestObserverSeesProofFailures: the event of a DPoP request covers its
// proof, so a failing replay store reaches the metrics.
func TestObserverSeesProofFailures(t *testing.T) {
	obs := &ctxObserver{}
	v := newValidator(t, WithObserver(obs), WithDPoPReplayStore(failingStore{errors.New("down")}))
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	_, err := v.Authenticate(context.Background(), dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
	if reasonOf(err) != ReasonReplayStoreUnavailable {
		t.Fatal(err)
	}
	if len(obs.events) != 1 || obs.events[0].Reason != ReasonReplayStoreUnavailable || obs.events[0].Path != PathDPoP {
		t.Fatalf("events %+v", obs.events)
	}
}

// TestRevocationConcurrent runs revocations and checks together (-race).
func TestRevocationConcurrent(t *testing.T) {
	ctx := context.Background()
	list := NewMemoryRevocation(1000)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				id := fmt.Sprint(g, "-", i)
				if err := list.RevokeJTI(ctx, id, time.Now().Add(time.Millisecond*time.Duration(i%7))); err != nil && !errors.Is(err, ErrRevocationFull) {
					t.Error(err)
				}
				list.RevokeSubject(ctx, id, time.Now(), time.Now().Add(time.Minute))
				list.Check(ctx, RevocationQuery{JTI: id, Sub: id, ClientID: id})
			}
		})
	}
	wg.Wait()
}

// BenchmarkRevocationCachedHit is the verified-token cache hit with a
// revocation list holding entries (none for this token).
func BenchmarkRevocationCachedHit(b *testing.B) {
	ctx := context.Background()
	list := NewMemoryRevocation(0)
	for i := range 1000 {
		list.RevokeJTI(ctx, fmt.Sprint("other-", i), time.Now().Add(time.Hour))
	}
	v := newValidator(b, WithRevocation(list))
	tok := token(b, "ES256", func(h, c map[string]any) { c["jti"] = "mine" })
	v.Validate(ctx, tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
