package middleware

import (
	"context"
	"testing"
)

// BenchmarkValidate measures the whole Validate path on an ES256 token:
// cold (cache off, every check and the signature) and cached (a token
// validated before; must stay at 0 allocations).
func BenchmarkValidate(b *testing.B) {
	tok := token(b, "ES256", nil)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		cache int
	}{{"cold", 0}, {"cached", DefaultCacheSize}} {
		v := newValidator(b, WithTokenCache(bc.cache))
		if _, err := v.Validate(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Validate(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthenticateBearer is the adapters' path for a Bearer token
// that the cache knows: Authenticate adds the scheme and binding checks.
func BenchmarkAuthenticateBearer(b *testing.B) {
	tok := token(b, "ES256", nil)
	ctx := context.Background()
	v := newValidator(b)
	c := Credentials{Scheme: SchemeBearer, Token: tok}
	if _, err := v.Authenticate(ctx, c); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Authenticate(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
