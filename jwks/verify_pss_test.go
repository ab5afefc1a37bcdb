package jwks

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"math/big"
	"testing"
)

// signPSSSalt makes an RSASSA-PSS signature (RFC 8017 section 8.1.1) of
// digest with MGF1 over h and exactly the given salt, by hand: crypto/rsa
// cannot sign with an empty salt (SaltLength 0 means
// rsa.PSSSaltLengthAuto), and in FIPS 140-3 mode it caps the salt at the
// hash length. Test-only: plain math/big, no blinding, no CRT.
func signPSSSalt(t testing.TB, priv *rsa.PrivateKey, h crypto.Hash, digest, salt []byte) []byte {
	t.Helper()
	hLen := h.Size()
	emBits := priv.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	if len(digest) != hLen || emLen < hLen+len(salt)+2 {
		t.Fatalf("signPSSSalt: salt of %d bytes does not fit", len(salt))
	}
	// EMSA-PSS-ENCODE, RFC 8017 section 9.1.1.
	m := h.New()
	m.Write(make([]byte, 8))
	m.Write(digest)
	m.Write(salt)
	hh := m.Sum(nil) // H = Hash(00^8 || mHash || salt)
	db := make([]byte, emLen-hLen-1)
	db[len(db)-len(salt)-1] = 0x01 // PS || 0x01 || salt
	copy(db[len(db)-len(salt):], salt)
	mask := mgf1(h, hh, len(db))
	for i := range db {
		db[i] ^= mask[i]
	}
	db[0] &= 0xff >> (8*emLen - emBits)
	em := append(append(db, hh...), 0xbc)
	// RSASP1, RFC 8017 section 5.2.1.
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N)
	return s.FillBytes(make([]byte, priv.Size()))
}

// mgf1 is MGF1 (RFC 8017 appendix B.2.1) over h.
func mgf1(h crypto.Hash, seed []byte, n int) []byte {
	var out []byte
	for counter := uint32(0); len(out) < n; counter++ {
		m := h.New()
		m.Write(seed)
		m.Write(binary.BigEndian.AppendUint32(nil, counter))
		out = m.Sum(out)
	}
	return out[:n]
}

// TestVerifyPSSSaltLength: RFC 7518 section 3.5 fixes the PSS salt length
// of PS256/384/512 to the hash output size (32, 48, 64 bytes). A signature
// with any other salt length, salt length 0 included, is refused, in every
// crypto build (default, GODEBUG=fips140=on, GOEXPERIMENT=boringcrypto).
// Each signature is first checked with crypto/rsa at its own salt length,
// so that a refusal is the salt rule and not a broken signature.
func TestVerifyPSSSaltLength(t *testing.T) {
	priv := testRSAKeys()[0]
	msg := []byte("eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0")
	for _, alg := range []Alg{PS256, PS384, PS512} {
		t.Run(string(alg), func(t *testing.T) {
			k, err := NewKey("k", string(alg), &priv.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			h := alg.Hash()
			hLen := h.Size()
			d := h.New()
			d.Write(msg)
			digest := d.Sum(nil)
			maxSalt := (priv.N.BitLen()-1+7)/8 - hLen - 2
			for _, saltLen := range []int{0, 1, 20, hLen - 1, hLen, hLen + 1, 2 * hLen, maxSalt} {
				salt := make([]byte, saltLen)
				for i := range salt {
					salt[i] = byte(i*7 + saltLen)
				}
				sig := signPSSSalt(t, priv, h, digest, salt)
				opts := &rsa.PSSOptions{SaltLength: saltLen}
				if saltLen == 0 {
					opts.SaltLength = rsa.PSSSaltLengthAuto // the only way to ask crypto/rsa for salt 0
				}
				if err := rsa.VerifyPSS(&priv.PublicKey, h, digest, sig, opts); err != nil {
					t.Fatalf("salt length %d: crypto/rsa refuses the hand-made signature: %v", saltLen, err)
				}
				if got, want := k.Verify(msg, sig), saltLen == hLen; got != want {
					t.Errorf("salt length %d: Verify = %v, want %v (RFC 7518 section 3.5: salt length %d)", saltLen, got, want, hLen)
				}
			}
			// The standard library's own PS256 signature (salt = hash length)
			// is accepted: the hand-made ones use the same encoding.
			std, err := rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			if err != nil {
				t.Fatal(err)
			}
			if !k.Verify(msg, std) {
				t.Error("crypto/rsa PSSSaltLengthEqualsHash signature refused")
			}
		})
	}
}
