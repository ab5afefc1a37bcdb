package middleware

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
)

// TestDPoPReplayUntilLastAcceptance: a proof minted ahead of the API's
// clock is accepted until iat + window, so it must be remembered that long,
// not only window past its first use. Every replay in between is refused as
// a replay; after it the proof is stale.
func TestDPoPReplayUntilLastAcceptance(t *testing.T) {
	start := time.Unix(time.Now().Unix(), 0)
	window := dpop.DefaultWindow
	for _, tc := range []struct {
		name  string
		skew  time.Duration // WithDPoPMaxFutureSkew; 0 keeps the default
		ahead time.Duration // iat - first use
	}{
		{"iat now", 0, 0},
		{"iat at the default skew", 0, dpop.DefaultMaxFutureSkew},
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
	entries []dpop.ReplayEntry
}

func (s *recordingReplayStore) Seen(_ context.Context, e dpop.ReplayEntry) (bool, error) {
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
		{"default: at the skew", nil, dpop.DefaultMaxFutureSkew, ""},
		{"default: one second past the skew", nil, dpop.DefaultMaxFutureSkew + time.Second, future},
		{"default: far future", nil, 50 * time.Second, future},
		{"default: a year ahead", nil, 365 * 24 * time.Hour, future},
		{"default: at the window behind", nil, -dpop.DefaultWindow, ""},
		{"default: past the window behind", nil, -dpop.DefaultWindow - time.Second, stale},
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
	store := dpop.NewMemoryReplayStore(0, dpop.WithReplayKeyQuota(3))
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
	assertDPoPError(t, err, ReasonDPoPReplayQuota, ErrInvalidDPoPProof)
	if e := AsError(err); !errors.Is(err, dpop.ErrReplayKeyQuota) || e.Description != "too many recent DPoP proofs for this key; retry later with a new proof" {
		t.Errorf("over the quota: %v", err)
	}
	if _, err := v.Authenticate(ctx, dpopCreds(otherTok, other.proof(t, "DELETE", apiURL, otherTok, nil))); err != nil {
		t.Fatalf("another key: %v", err)
	}
}
