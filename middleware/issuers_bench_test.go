package middleware

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkIssuerLookup finds the token's issuer among 1, 8 and 100
// configured issuers (the last one configured: the worst case of a scan).
// It must not allocate.
func BenchmarkIssuerLookup(b *testing.B) {
	for _, n := range []int{1, manyIssuers - 1, 100} {
		v := manyIssuersValidator(b, n, 0)
		iss := fmt.Sprintf("https://tenant-%03d.example.com/", n-1)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v.issuer(iss) == nil {
					b.Fatal("not found")
				}
			}
		})
	}
}

// BenchmarkValidateIssuers is a cold validation (cache off, ES256) and a
// cached one with 1 and 100 configured issuers: picking among 100 must add
// no allocation and at most 50 ns to the cold path, and nothing to the
// cached one.
func BenchmarkValidateIssuers(b *testing.B) {
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		cache int
	}{{"cold", 0}, {"cached", DefaultCacheSize}} {
		for _, n := range []int{1, 100} {
			v := manyIssuersValidator(b, n, bc.cache)
			tok := token(b, "ES256", func(h, c map[string]any) { c["iss"] = fmt.Sprintf("https://tenant-%03d.example.com/", n-1) })
			if _, err := v.Validate(ctx, tok); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%d", bc.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Validate(ctx, tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
