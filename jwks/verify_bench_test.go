package jwks

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

type verifyCase struct {
	key *Key
	sig []byte
}

// verifyBenchCases returns a key and a valid signature of msg for RS256,
// PS256, PS512, ES256, ES384, ES512, EdDSA and HS256.
func verifyBenchCases(tb testing.TB, msg []byte) []verifyCase {
	tb.Helper()
	rsaKey := testRSAKeys()[0]
	signers := map[Alg]crypto.Signer{
		RS256: rsaKey, PS256: rsaKey, PS512: rsaKey,
		ES256: newEC(tb, elliptic.P256()), ES384: newEC(tb, elliptic.P384()), ES512: newEC(tb, elliptic.P521()),
		EdDSA: newEd(tb),
	}
	var out []verifyCase
	for _, alg := range []Alg{RS256, PS256, PS512, ES256, ES384, ES512, EdDSA} {
		k, err := NewKey("k", string(alg), signers[alg].Public())
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, verifyCase{k, sign(tb, alg, signers[alg], msg)})
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	hk, err := NewHMACKey("h", "HS256", secret)
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, verifyCase{hk, hmacSign(tb, HS256, secret, msg)})
}

var benchMsg = []byte("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlLyIsInN1YiI6InVzZXIiLCJhdWQiOiJhcGkiLCJleHAiOjQxMDI0NDQ4MDB9")

// BenchmarkVerify measures Key.Verify, the signature check of every
// Validate call, per algorithm.
func BenchmarkVerify(b *testing.B) {
	for _, c := range verifyBenchCases(b, benchMsg) {
		b.Run(string(c.key.Alg()), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !c.key.Verify(benchMsg, c.sig) {
					b.Fatal("refused")
				}
			}
		})
	}
}

// TestVerifyEdDSANoAllocs: the EdDSA check makes no heap allocation (the
// RSA, ECDSA and HMAC checks allocate inside the standard library; see
// BenchmarkVerify).
func TestVerifyEdDSANoAllocs(t *testing.T) {
	for _, c := range verifyBenchCases(t, benchMsg) {
		if c.key.Alg() != EdDSA {
			continue
		}
		if n := testing.AllocsPerRun(100, func() { c.key.Verify(benchMsg, c.sig) }); n != 0 {
			t.Errorf("EdDSA Verify: %v allocations per call", n)
		}
		return
	}
	t.Fatal("no EdDSA case")
}
