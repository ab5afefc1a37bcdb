package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

// TestVerifyECDSAMatchesStdlib checks verifyECDSA's DER re-encoding against
// ecdsa.Verify on big.Ints, the plain way to check R || S: they must agree
// on valid signatures (including halves with leading zero bytes or the top
// bit set), on corrupted ones and on out-of-range halves.
func TestVerifyECDSAMatchesStdlib(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		priv, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		size := (curve.Params().BitSize + 7) / 8
		stdlib := func(digest, sig []byte) bool {
			r := new(big.Int).SetBytes(sig[:size])
			s := new(big.Int).SetBytes(sig[size:])
			return ecdsa.Verify(&priv.PublicKey, digest, r, s)
		}
		// P-521 (the long-form DER length) is slow: fewer rounds.
		rounds := 40
		if curve == elliptic.P521() {
			rounds = 8
		}
		leadingZero, topBit := 0, 0
		for i := 0; i < rounds || leadingZero == 0; i++ {
			if i > 5000 {
				t.Fatalf("%s: no signature with a leading zero byte in 5000", curve.Params().Name)
			}
			digest := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
			r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			sig := make([]byte, 2*size)
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
			if sig[0] == 0 || sig[size] == 0 {
				leadingZero++
			}
			if sig[0]&0x80 != 0 || sig[size]&0x80 != 0 {
				topBit++
			}
			if i >= rounds && (sig[0] != 0 && sig[size] != 0) {
				continue // only hunting for a leading zero now
			}
			bad := append([]byte(nil), sig...)
			bad[i%len(bad)] ^= 0x01
			n := curve.Params().N
			over := make([]byte, 2*size)
			n.FillBytes(over[:size])
			copy(over[size:], sig[size:])
			for name, tc := range map[string][]byte{"valid": sig, "corrupted": bad, "r = n": over} {
				if got, want := verifyECDSA(&priv.PublicKey, digest[:], tc), stdlib(digest[:], tc); got != want {
					t.Fatalf("%s %s: verifyECDSA = %v, ecdsa.Verify = %v", curve.Params().Name, name, got, want)
				}
			}
			if !verifyECDSA(&priv.PublicKey, digest[:], sig) {
				t.Fatalf("%s: valid signature refused", curve.Params().Name)
			}
		}
		if curve != elliptic.P521() && topBit == 0 {
			t.Errorf("%s: no half with the top bit set was tried", curve.Params().Name)
		}
	}
}
