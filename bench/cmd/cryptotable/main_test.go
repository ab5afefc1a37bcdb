package main

import (
	"math"
	"strings"
	"testing"
)

// OpenSSL 3.0.19 on the bench VM (openssl speed -seconds 1 rsa2048
// ecdsap256 ed25519), with its stderr progress lines mixed in.
const speed30 = `Doing 2048 bits private rsa's for 1s: 806 2048 bits private RSA's in 0.21s
Doing 2048 bits public rsa's for 1s: 15106 2048 bits public RSA's in 0.25s
version: 3.0.19
built on: Fri Apr  3 12:29:32 2026 UTC
options: bn(64,64)
CPUINFO: OPENSSL_ia32cap=0xfffa3203078bffff:0x405fc6f1bf07ab
                  sign    verify    sign/s verify/s
rsa 2048 bits 0.000261s 0.000017s   3838.1  60424.0
                              sign    verify    sign/s verify/s
 256 bits ecdsa (nistp256)   0.0000s   0.0001s  50696.0  16535.7
                              sign    verify    sign/s verify/s
 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  25337.5   9666.7
`

// OpenSSL 3.2 and later add encrypt and decrypt columns to the RSA table.
const speed32 = `                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s
rsa  2048 bits 0.000500s 0.000020s 0.000021s 0.000480s   2000.0  50000.0  47619.0   2083.3
                              sign    verify    sign/s verify/s
 256 bits ecdsa (nistp256)   0.0000s   0.0001s  40000.0  12500.0
                               sign    verify    sign/s verify/s
 253 bits EdDSA (Ed25519)   0.0000s   0.0001s  20000.0  10000.0
+F2:2:2048:2000.0:50000.0:47619.0:2083.3
`

func near(a, b float64) bool { return math.Abs(a-b) < 1e-3*b }

func TestParseOpenSSLSpeed(t *testing.T) {
	got, err := ParseOpenSSLSpeed(strings.NewReader(speed30 + speed32))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{
		"rsa2048":   {1e6 / 60424.0, 1e6 / 50000.0},
		"ecdsap256": {1e6 / 16535.7, 1e6 / 12500.0},
		"ed25519":   {1e6 / 9666.7, 1e6 / 10000.0},
	}
	if len(got) != len(want) {
		t.Fatalf("got keys %v, want %v", got, want)
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			t.Fatalf("%s: %v, want %v", k, g, w)
		}
		for i := range w {
			if !near(g[i], w[i]) {
				t.Errorf("%s[%d] = %.3f µs, want %.3f", k, i, g[i], w[i])
			}
		}
	}
	if _, err := ParseOpenSSLSpeed(strings.NewReader("nothing here\n")); err == nil {
		t.Error("no error for input without a speed table")
	}
}

func TestParseBench(t *testing.T) {
	const out = `goos: linux
BenchmarkCrypto/alg=RS256/impl=paired-2   	    1909	    117600 ns/op	     53326 base-ns/op	     64208 other-ns/op	         1.204 x-base
BenchmarkCrypto/alg=RS256/impl=paired-2   	    1909	    117600 ns/op	     53326 base-ns/op	     64208 other-ns/op	         1.100 x-base
BenchmarkCrypto/alg=RS256/impl=cached     	  496585	       483.3 ns/op	         0 cgo-calls/op	       154.1 cpu-ns/op	       0 B/op	       0 allocs/op
PASS
`
	got, err := ParseBench(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	b := &build{values: got}
	if x := b.get("BenchmarkCrypto", "RS256", "impl=paired", "x-base"); !near(x, 1.152) {
		t.Errorf("x-base median %v, want 1.152", x)
	}
	if x := b.get("BenchmarkCrypto", "RS256", "impl=cached", "cpu-ns/op"); !near(x, 154.1) {
		t.Errorf("cpu-ns/op %v", x)
	}
	if n := b.rounds(); n != 2 {
		t.Errorf("rounds %d, want 2", n)
	}
	if x := b.get("BenchmarkCrypto", "ES256", "impl=cold", "ns/op"); !math.IsNaN(x) {
		t.Errorf("missing row gave %v, want NaN", x)
	}
}

func TestParseNameValues(t *testing.T) {
	got, err := ParseNameValues(strings.NewReader("openssl-rsa2048-verify-us 16.630\nboringssl-rsa2048-verify-us 15.327\nnoise line here\nopenssl-rsa2048-verify-us 17.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v := got["openssl-rsa2048-verify-us"]; len(v) != 2 || !near(median(v), 16.815) {
		t.Errorf("openssl values %v", v)
	}
	if _, err := ParseNameValues(strings.NewReader("x y\n")); err == nil {
		t.Error("no error for a non-number")
	}
}
