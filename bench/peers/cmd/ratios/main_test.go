package main

import (
	"strings"
	"testing"
)

func TestRatios(t *testing.T) {
	in := `goos: linux
BenchmarkPeers/alg=RS256/lib=floor-2   	1000	  20000 ns/op	  10000 cpu-ns/op	  2304 B/op	  12 allocs/op
BenchmarkPeers/alg=RS256/lib=jwtguard-2	1000	  21000 ns/op	  10500 cpu-ns/op	  2464 B/op	  14 allocs/op
BenchmarkPeers/alg=RS256/lib=floor-2   	1000	  30000 ns/op	  12000 cpu-ns/op	  2304 B/op	  12 allocs/op
BenchmarkPeers/alg=RS256/lib=jwtguard-2	1000	  33000 ns/op	  12000 cpu-ns/op	  2464 B/op	  14 allocs/op
BenchmarkPeers/alg=RS256/lib=floor-2   	1000	  25000 ns/op	  2304 B/op	  12 allocs/op
BenchmarkPeers/alg=RS256/lib=jwtguard-2	1000	  27500 ns/op	  2464 B/op	  14 allocs/op
BenchmarkVerify/alg=EdDSA/impl=cached	1000	  200 ns/op	  0 B/op	  0 allocs/op
PASS
`
	rows, err := parse(strings.NewReader(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0].samples) != 3 {
		t.Fatalf("rows = %d, samples = %d", len(rows), len(rows[0].samples))
	}
	var out strings.Builder
	if err := render(&out, rows); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"BenchmarkPeers/alg=RS256-2",
		"| floor | 25.0 µs (n=3) | 1.00x | 11.0 µs | 1.00x | 2304 | 12 | +0 |",
		"| jwtguard | 27.5 µs (n=3) | 1.10x | 11.2 µs | 1.02x | 2464 | 14 | +2 |",
		"| cached | 200 ns (n=1) |  |  |  | 0 | 0 |  |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSplitName(t *testing.T) {
	for _, tc := range []struct{ in, group, impl string }{
		{"BenchmarkPeers/alg=ES256/lib=go-jose-2", "BenchmarkPeers/alg=ES256-2", "go-jose"},
		{"BenchmarkVerify/alg=RS256/impl=floor", "BenchmarkVerify/alg=RS256", "floor"},
	} {
		g, i, ok := splitName(tc.in)
		if !ok || g != tc.group || i != tc.impl {
			t.Errorf("splitName(%q) = %q, %q, %v", tc.in, g, i, ok)
		}
	}
	if _, _, ok := splitName("BenchmarkHTTP/route=open-2"); ok {
		t.Error("a name without lib= or impl= was split")
	}
}
