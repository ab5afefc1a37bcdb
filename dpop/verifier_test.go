package dpop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

const (
	target = "https://api.example.com/contacts/1"
	tok    = "an-access-token"
)

// storeFunc is a ReplayStore of one function.
type storeFunc func(context.Context, dpop.ReplayEntry) (bool, error)

func (f storeFunc) Seen(ctx context.Context, e dpop.ReplayEntry) (bool, error) { return f(ctx, e) }

func newKey(t *testing.T) *jwtguardtest.DPoPKey {
	t.Helper()
	k, err := jwtguardtest.NewDPoPKey("")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mint(t *testing.T, k *jwtguardtest.DPoPKey, p jwtguardtest.Proof) string {
	t.Helper()
	if p.Method == "" {
		p.Method = "DELETE"
	}
	if p.URL == "" {
		p.URL = target
	}
	if p.AccessToken == "" {
		p.AccessToken = tok
	}
	proof, err := k.Proof(p)
	if err != nil {
		t.Fatal(err)
	}
	return proof
}

func kindOf(err error) dpop.Kind {
	var e *dpop.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// TestVerifyKinds: each verdict of Verify has its Kind, and the replay
// store's verdicts carry its error.
func TestVerifyKinds(t *testing.T) {
	ctx := context.Background()
	k, other := newKey(t), newKey(t)
	req := dpop.Request{Method: "DELETE", URL: target, AccessToken: tok, JKT: k.Thumbprint()}
	v, err := dpop.NewVerifier(dpop.Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := mint(t, k, jwtguardtest.Proof{})
	if err := v.Verify(ctx, p, req); err != nil {
		t.Fatalf("valid proof: %v", err)
	}
	if err := v.Verify(ctx, p, req); kindOf(err) != dpop.KindReplay {
		t.Errorf("replayed proof: %v", err)
	}
	for name, proof := range map[string]string{
		"wrong method":    mint(t, k, jwtguardtest.Proof{Method: "GET"}),
		"wrong URI":       mint(t, k, jwtguardtest.Proof{URL: target + "/x"}),
		"other token":     mint(t, k, jwtguardtest.Proof{AccessToken: "other"}),
		"other key":       mint(t, other, jwtguardtest.Proof{}),
		"stale":           mint(t, k, jwtguardtest.Proof{IssuedAt: time.Now().Add(-2 * time.Minute)}),
		"not a JWS":       "not-a-proof",
		"empty":           "",
		"too large":       strings.Repeat("a", 9<<10),
		"five segments":   "a.b.c.d.e",
		"bad base64 char": "a+.b.c",
	} {
		err := v.Verify(ctx, proof, req)
		var e *dpop.Error
		if !errors.As(err, &e) || e.Kind != dpop.KindProof || !strings.HasPrefix(err.Error(), "dpop: the DPoP proof") {
			t.Errorf("%s: %v", name, err)
		}
	}

	down := errors.New("store down")
	for _, tc := range []struct {
		name  string
		store error
		kind  dpop.Kind
	}{
		{"store failing", down, dpop.KindUnavailable},
		{"store full", dpop.ErrReplayStoreFull, dpop.KindUnavailable},
		{"key over its quota", dpop.ErrReplayKeyQuota, dpop.KindQuota},
	} {
		v, _ := dpop.NewVerifier(dpop.Config{Replay: storeFunc(func(context.Context, dpop.ReplayEntry) (bool, error) { return false, tc.store })})
		err := v.Verify(ctx, mint(t, k, jwtguardtest.Proof{}), req)
		if kindOf(err) != tc.kind || !errors.Is(err, tc.store) {
			t.Errorf("%s: %v (kind %v), want %v wrapping %v", tc.name, err, kindOf(err), tc.kind, tc.store)
		}
	}
}

// TestVerifyNonce: with Nonces, a proof without the current nonce gets
// KindNonce and the nonce to use, which Verifier.Nonce also hands out.
func TestVerifyNonce(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	n, err := dpop.NewNonces([]byte("0123456789abcdef0123456789abcdef"), 0)
	if err != nil {
		t.Fatal(err)
	}
	v, err := dpop.NewVerifier(dpop.Config{Nonces: n, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	k := newKey(t)
	req := dpop.Request{Method: "DELETE", URL: target, AccessToken: tok, JKT: k.Thumbprint()}
	err = v.Verify(context.Background(), mint(t, k, jwtguardtest.Proof{IssuedAt: now}), req)
	var e *dpop.Error
	if !errors.As(err, &e) || e.Kind != dpop.KindNonce || e.Nonce == "" || e.Nonce != v.Nonce() || e.Nonce != n.Current(now) {
		t.Fatalf("no nonce: %v", err)
	}
	if err := v.Verify(context.Background(), mint(t, k, jwtguardtest.Proof{IssuedAt: now, Nonce: e.Nonce}), req); err != nil {
		t.Fatalf("with the nonce: %v", err)
	}
	if plain, _ := dpop.NewVerifier(dpop.Config{}); plain.Nonce() != "" {
		t.Error("a Verifier without Nonces hands out a nonce")
	}
}

// TestNewVerifierChecks: configuration errors are NewVerifier's.
func TestNewVerifierChecks(t *testing.T) {
	for name, c := range map[string]dpop.Config{
		"HMAC algorithm":   {Algorithms: []jwks.Alg{jwks.HS256}},
		"unknown alg":      {Algorithms: []jwks.Alg{"none"}},
		"window too long":  {Window: 11 * time.Minute},
		"window too short": {Window: time.Millisecond},
		"skew too long":    {MaxFutureSkew: 11 * time.Minute},
	} {
		if _, err := dpop.NewVerifier(c); err == nil || !strings.HasPrefix(err.Error(), "dpop: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, secret := range map[string][]byte{"short secret": make([]byte, 31)} {
		if _, err := dpop.NewNonces(secret, time.Minute); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := dpop.NewNonces(make([]byte, 32), time.Millisecond); err == nil {
		t.Error("a nonce period under 1s accepted")
	}
}

// TestVerifyFutureSkew: MaxFutureSkew 0 is the default, a negative one
// refuses any proof from the future.
func TestVerifyFutureSkew(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	clock := func() time.Time { return now }
	k := newKey(t)
	req := dpop.Request{Method: "DELETE", URL: target, AccessToken: tok, JKT: k.Thumbprint()}
	for _, tc := range []struct {
		skew, ahead time.Duration
		ok          bool
	}{
		{0, dpop.DefaultMaxFutureSkew, true},
		{0, dpop.DefaultMaxFutureSkew + time.Second, false},
		{-1, 0, true},
		{-1, time.Second, false},
	} {
		v, _ := dpop.NewVerifier(dpop.Config{MaxFutureSkew: tc.skew, Clock: clock})
		err := v.Verify(context.Background(), mint(t, k, jwtguardtest.Proof{IssuedAt: now.Add(tc.ahead)}), req)
		if (err == nil) != tc.ok {
			t.Errorf("skew %v, iat %v ahead: %v", tc.skew, tc.ahead, err)
		}
	}
}
