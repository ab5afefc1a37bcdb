package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwks"
)

// CryptoAlgs are the algorithms of the crypto-build comparison
// (bench/crypto.sh): the four asymmetric ones, whose cost is the signature.
var CryptoAlgs = []string{"RS256", "PS256", "ES256", "EdDSA"}

// TestCryptoBuild prints the build under test; bench/crypto.sh records
// it beside each build's results. With JWTGUARD_CRYPTO_BUILD set it fails
// unless CryptoBuild starts with that value: .ci/crypto-modes uses it to
// prove each mode really runs the build it names.
func TestCryptoBuild(t *testing.T) {
	got := CryptoBuild()
	t.Logf("crypto build: %s", got)
	if want := os.Getenv("JWTGUARD_CRYPTO_BUILD"); want != "" && !strings.HasPrefix(got, want) {
		t.Fatalf("crypto build is %q, want %q", got, want)
	}
}

// BenchmarkCrypto is what bench/crypto.sh runs in each crypto build
// (default, GOEXPERIMENT=boringcrypto, GODEBUG=fips140=on, GOFIPS140=v1.0.0).
// Per algorithm:
//
//	impl=paired  Paired(Floor, cold Validate): x-base is cold/floor in one loop
//	impl=floor   Floor alone
//	impl=cold    Validate with the token cache off
//	impl=cached  Validate of a token it validated before
//
// The serial ones report cpu-ns/op (process CPU time, comparable with
// openssl speed, which divides by CPU time too) and cgo-calls/op (crossings
// into C: BoringSSL calls in the boringcrypto build, 0 elsewhere).
func BenchmarkCrypto(b *testing.B) {
	f := mustFixture(b)
	cold := mustValidator(b, f, 0)
	cached := mustValidator(b, f, 1024)
	for _, alg := range CryptoAlgs {
		s := f.Signer(alg)
		tok := mustToken(b, f, alg, 1)
		if _, err := cached.Validate(context.Background(), tok); err != nil {
			b.Fatal(err)
		}
		floor := func() bool { return Floor(s, tok) }
		coldRun := func() bool { _, err := cold.Validate(context.Background(), tok); return err == nil }
		cachedRun := func() bool { _, err := cached.Validate(context.Background(), tok); return err == nil }
		b.Run("alg="+alg+"/impl=paired", func(b *testing.B) { Paired(b, floor, coldRun) })
		b.Run("alg="+alg+"/impl=floor", func(b *testing.B) { serial(b, floor) })
		b.Run("alg="+alg+"/impl=cold", func(b *testing.B) { serial(b, coldRun) })
		b.Run("alg="+alg+"/impl=cached", func(b *testing.B) { serial(b, cachedRun) })
	}
}

// serial runs fn b.N times, reporting allocations, cpu-ns/op and
// cgo-calls/op.
func serial(b *testing.B, fn func() bool) {
	b.ReportAllocs()
	cgo := runtime.NumCgoCall()
	cpu := StartCPU()
	for b.Loop() {
		if !fn() {
			b.Fatal("rejected a valid token")
		}
	}
	cpu.Report(b, b.N)
	b.ReportMetric(float64(runtime.NumCgoCall()-cgo)/float64(b.N), "cgo-calls/op")
}

// keyCacheCase is a signed input and the key that verifies it.
type keyCacheCase struct {
	alg         string
	input, sig  []byte
	key         *jwks.Key
	clonePublic func() any
}

func keyCacheCases(tb testing.TB) []keyCacheCase {
	tb.Helper()
	f := mustFixture(tb)
	var out []keyCacheCase
	for _, alg := range []string{"RS256", "ES256"} {
		s := f.Signer(alg)
		tok := mustToken(tb, f, alg, 1)
		dot := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
		if err != nil {
			tb.Fatal(err)
		}
		c := keyCacheCase{alg: alg, input: []byte(tok[:dot]), sig: sig, key: s.Key}
		switch p := s.Public.(type) {
		case *rsa.PublicKey:
			c.clonePublic = func() any { return &rsa.PublicKey{N: new(big.Int).Set(p.N), E: p.E} }
		case *ecdsa.PublicKey:
			c.clonePublic = func() any {
				return &ecdsa.PublicKey{Curve: p.Curve, X: new(big.Int).Set(p.X), Y: new(big.Int).Set(p.Y)}
			}
		}
		out = append(out, c)
	}
	return out
}

// fresh returns a new *jwks.Key around a new copy of the public key: what
// Verify would cost if the key were converted or rebuilt on every call.
func (c keyCacheCase) fresh(tb testing.TB) *jwks.Key {
	k, err := jwks.NewKey("fresh", c.alg, c.clonePublic())
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// BenchmarkKeyCache compares Key.Verify with the same *jwks.Key on every
// call (key=same: what Validate does, the key lives in its Set) against a
// new key per call (key=fresh). BoringCrypto turns an *rsa.PublicKey or
// *ecdsa.PublicKey into a BoringSSL key on first use and caches it by
// pointer (crypto/rsa/boring.go, crypto/ecdsa/boring.go; the cache is
// emptied at each GC): key=fresh pays that conversion every call, key=same
// only after a GC. The other builds convert per call anyway (crypto/rsa's
// fipsPublicKey, crypto/ecdsa's publicKeyToFIPS), so there the two match.
func BenchmarkKeyCache(b *testing.B) {
	for _, c := range keyCacheCases(b) {
		b.Run("alg="+c.alg+"/key=same", func(b *testing.B) {
			serial(b, func() bool { return c.key.Verify(c.input, c.sig) })
		})
		b.Run("alg="+c.alg+"/key=fresh", func(b *testing.B) {
			serial(b, func() bool { return c.fresh(b).Verify(c.input, c.sig) })
		})
	}
}

// TestKeyCacheHit proves, without timing, that repeated Verify with the
// same key reuses BoringCrypto's converted key: a call with a key
// BoringCrypto has seen crosses into C fewer times than a call with a key
// it has not (the conversion is several BoringSSL calls). The fewest
// crossings over many calls are taken, so a GC emptying the cache between
// two calls does not matter. Outside the boringcrypto build there is no
// cgo on this path and the test only checks that.
func TestKeyCacheHit(t *testing.T) {
	for _, c := range keyCacheCases(t) {
		minCalls := func(key func() *jwks.Key) int64 {
			best := int64(-1)
			for range 50 {
				k := key()
				before := runtime.NumCgoCall()
				ok := k.Verify(c.input, c.sig)
				n := runtime.NumCgoCall() - before
				if !ok {
					t.Fatalf("%s: valid signature refused", c.alg)
				}
				if best < 0 || n < best {
					best = n
				}
			}
			return best
		}
		c.key.Verify(c.input, c.sig) // first use converts
		same := minCalls(func() *jwks.Key { return c.key })
		fresh := minCalls(func() *jwks.Key { return c.fresh(t) })
		t.Logf("%s %s: cgo calls per Verify: same key %d, new key %d", CryptoBuild(), c.alg, same, fresh)
		if !boringCrypto {
			if same != 0 || fresh != 0 {
				t.Errorf("%s: %d and %d cgo calls per Verify outside the boringcrypto build", c.alg, same, fresh)
			}
			continue
		}
		if same == 0 {
			t.Errorf("%s: Verify made no cgo call: BoringSSL not used", c.alg)
		}
		if same >= fresh {
			t.Errorf("%s: same key %d cgo calls, new key %d: the converted key is not reused", c.alg, same, fresh)
		}
	}
}
