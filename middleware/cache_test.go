package middleware

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

func TestTokenCacheHit(t *testing.T) {
	v := newValidator(t)
	tok := token(t, "RS256", nil)
	first, err := v.Validate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	second, err := v.Validate(context.Background(), tok)
	if err != nil || second != first {
		t.Fatalf("second validation did not hit the cache: %p %p %v", first, second, err)
	}
	if n := testing.AllocsPerRun(100, func() { v.Validate(context.Background(), tok) }); n != 0 {
		t.Errorf("cache hit allocates %v times", n)
	}
	off := newValidator(t, WithTokenCache(0))
	a, _ := off.Validate(context.Background(), tok)
	b, _ := off.Validate(context.Background(), tok)
	if a == b {
		t.Error("cache disabled but claims shared")
	}
}

func TestTokenCacheNeverOutlivesExp(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	v := newValidator(t, WithClock(func() time.Time { return clock() }), WithLeeway(0))
	tok := token(t, "ES256", func(h, c map[string]any) { c["exp"] = now.Unix() + 10 })
	if _, err := v.Validate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	clock = func() time.Time { return now.Add(11 * time.Second) }
	assertRejected(t, v, tok, ReasonExpired, ErrInvalidToken)
}

func TestTokenCacheForgetsRemovedKeys(t *testing.T) {
	key, _ := jwks.NewKey("rs256", "RS256", &fixture.rsa.PublicKey)
	other, _ := jwks.NewKey("es256", "ES256", &fixture.ec256.PublicKey)
	src := newSource(key, other)
	v, err := New(testIssuer, testAudience, WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	tok := token(t, "RS256", nil)
	if _, err := v.Validate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	src.set.Store(jwks.NewSet(other)) // the issuer revoked rs256
	assertRejected(t, v, tok, ReasonUnknownKey, ErrInvalidToken)
	// Another key under the same kid (rotation with reuse) is not the key
	// that verified the cached token: the token is verified again.
	again, _ := jwks.NewKey("rs256", "RS256", &fixture.rsa2.PublicKey)
	src.set.Store(jwks.NewSet(again, other))
	assertRejected(t, v, tok, ReasonSignature, ErrInvalidToken)
}

// A refresh that returns the same keys builds new *jwks.Key values; the
// cache compares key material, so its entries survive.
func TestTokenCacheSurvivesIdenticalRefresh(t *testing.T) {
	key, _ := jwks.NewKey("rs256", "RS256", &fixture.rsa.PublicKey)
	src := newSource(key)
	v, err := New(testIssuer, testAudience, WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	tok := token(t, "RS256", nil)
	first, err := v.Validate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := jwks.NewKey("rs256", "RS256", &fixture.rsa.PublicKey)
	src.set.Store(jwks.NewSet(same))
	again, err := v.Validate(context.Background(), tok)
	if err != nil || again != first {
		t.Fatalf("after an identical refresh: %p, %v; want the cached claims %p", again, err, first)
	}
	// The same material bound to another algorithm is another key.
	ps, _ := jwks.NewKey("rs256", "PS256", &fixture.rsa.PublicKey)
	src.set.Store(jwks.NewSet(ps))
	assertRejected(t, v, tok, ReasonKeyMismatch, ErrInvalidToken)
}

func TestTokenCacheCollisions(t *testing.T) {
	v := newValidator(t, WithTokenCache(1)) // every token shares the one slot
	toks := make([]string, 4)
	for i := range toks {
		sub := string(rune('a' + i))
		toks[i] = token(t, "EdDSA", func(h, c map[string]any) { c["sub"] = sub })
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				j := (g + i) % len(toks)
				c, err := v.Validate(context.Background(), toks[j])
				if err != nil || c.Subject != string(rune('a'+j)) {
					t.Errorf("token %d: got %v %v", j, c, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestTokenCacheOption(t *testing.T) {
	if _, err := New(testIssuer, testAudience, WithKeys(newSource(fixture.keySet...)), WithTokenCache(-1)); err == nil {
		t.Error("negative size accepted")
	}
	v := newValidator(t, WithTokenCache(1000))
	if len(v.cache.slots) != 1024 {
		t.Errorf("slots = %d", len(v.cache.slots))
	}
}

// BenchmarkTokenCacheHit measures a repeated token answered from the cache:
// it must stay at 0 allocs/op (the key check is Set.Contains).
func BenchmarkTokenCacheHit(b *testing.B) {
	v := newValidator(b)
	tok := token(b, "RS256", nil)
	ctx := context.Background()
	if _, err := v.Validate(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Validate(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
