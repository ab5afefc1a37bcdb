package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
	"testing"
)

// sign makes a JWS signature over msg with the standard library, the way
// RFC 7518 section 3 defines it for alg.
func sign(t testing.TB, alg Alg, priv any, msg []byte) []byte {
	t.Helper()
	if alg == EdDSA {
		return ed25519.Sign(priv.(ed25519.PrivateKey), msg)
	}
	h := alg.Hash().New()
	h.Write(msg)
	digest := h.Sum(nil)
	var sig []byte
	var err error
	switch alg {
	case RS256, RS384, RS512:
		sig, err = rsa.SignPKCS1v15(rand.Reader, priv.(*rsa.PrivateKey), alg.Hash(), digest)
	case PS256, PS384, PS512:
		sig, err = rsa.SignPSS(rand.Reader, priv.(*rsa.PrivateKey), alg.Hash(), digest,
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case ES256, ES384, ES512:
		k := priv.(*ecdsa.PrivateKey)
		r, s, serr := ecdsa.Sign(rand.Reader, k, digest)
		if serr != nil {
			t.Fatal(serr)
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		r.FillBytes(sig[:size])
		s.FillBytes(sig[size:])
	default:
		t.Fatalf("sign: %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func hmacSign(t testing.TB, alg Alg, secret, msg []byte) []byte {
	t.Helper()
	m := hmac.New(alg.Hash().New, secret)
	m.Write(msg)
	return m.Sum(nil)
}

func TestVerifyPerAlgorithm(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	otherRSA := testRSAKeys()[1]
	p256, p384, p521 := newEC(t, elliptic.P256()), newEC(t, elliptic.P384()), newEC(t, elliptic.P521())
	ed := newEd(t)
	tests := []struct {
		alg   Alg
		priv  crypto.Signer
		other crypto.Signer // a key of the same type whose signatures must fail
	}{
		{RS256, rsaKey, otherRSA}, {RS384, rsaKey, otherRSA}, {RS512, rsaKey, otherRSA},
		{PS256, rsaKey, otherRSA}, {PS384, rsaKey, otherRSA}, {PS512, rsaKey, otherRSA},
		{ES256, p256, newEC(t, elliptic.P256())},
		{ES384, p384, newEC(t, elliptic.P384())},
		{ES512, p521, newEC(t, elliptic.P521())},
		{EdDSA, ed, newEd(t)},
	}
	msg := []byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0")
	for _, tt := range tests {
		t.Run(string(tt.alg), func(t *testing.T) {
			k, err := NewKey("k", string(tt.alg), tt.priv.Public())
			if err != nil {
				t.Fatal(err)
			}
			sig := sign(t, tt.alg, tt.priv, msg)
			if !k.Verify(msg, sig) {
				t.Fatal("valid signature refused")
			}
			flipped := append([]byte(nil), sig...)
			flipped[len(flipped)/2] ^= 0x01
			otherMsg := append([]byte(nil), msg...)
			otherMsg[0] ^= 0x01
			refused := map[string][]byte{
				"bit flip":        flipped,
				"truncated":       sig[:len(sig)-1],
				"extended":        append(append([]byte(nil), sig...), 0),
				"empty":           nil,
				"other key":       sign(t, tt.alg, tt.other, msg),
				"all zero":        make([]byte, len(sig)),
				"signature twice": append(append([]byte(nil), sig...), sig...),
			}
			for name, bad := range refused {
				if k.Verify(msg, bad) {
					t.Errorf("%s: signature accepted", name)
				}
			}
			if k.Verify(otherMsg, sig) {
				t.Error("signature accepted for another message")
			}
		})
	}
}

// A key bound to one algorithm refuses a valid signature of another
// algorithm made with the same private key (RFC 8725 section 3.1).
func TestVerifyBoundAlgorithm(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	msg := []byte("h.p")
	pairs := [][2]Alg{{RS256, PS256}, {PS256, RS256}, {RS256, RS384}, {RS512, RS256}, {PS384, PS512}}
	for _, p := range pairs {
		k, err := NewKey("k", string(p[0]), &rsaKey.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if k.Verify(msg, sign(t, p[1], rsaKey, msg)) {
			t.Errorf("%s key accepted a %s signature", p[0], p[1])
		}
	}
	// RFC 7518 section 3.5: the PSS salt is as long as the hash output; a
	// signature with another salt length is refused. Not 0 here: SaltLength
	// 0 is rsa.PSSSaltLengthAuto, the longest salt, which FIPS 140-3 mode
	// caps at the hash length, making a valid PS256 signature. Salt length
	// 0 itself is in TestVerifyPSSSaltLength.
	ps, _ := NewKey("k", "PS256", &rsaKey.PublicKey)
	digest := crypto.SHA256.New()
	digest.Write(msg)
	for _, salt := range []int{1, 20, 31, 33, 64} {
		sig, err := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, digest.Sum(nil), &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		if ps.Verify(msg, sig) {
			t.Errorf("PS256 key accepted a salt length %d signature", salt)
		}
	}
	ec := newEC(t, elliptic.P256())
	k, _ := NewKey("k", "ES256", &ec.PublicKey)
	h := crypto.SHA384.New()
	h.Write(msg)
	r, s, _ := ecdsa.Sign(rand.Reader, ec, h.Sum(nil))
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	if k.Verify(msg, sig) {
		t.Error("ES256 key accepted a signature over a SHA-384 digest")
	}
}

// RFC 7518 section 3.4: a JWS ECDSA signature is R || S at fixed width.
// ASN.1 DER signatures and the r = s = 0 "psychic signature"
// (CVE-2022-21449) are refused.
func TestVerifyECDSAEncoding(t *testing.T) {
	for _, c := range []struct {
		alg   Alg
		curve elliptic.Curve
	}{{ES256, elliptic.P256()}, {ES384, elliptic.P384()}, {ES512, elliptic.P521()}} {
		t.Run(string(c.alg), func(t *testing.T) {
			priv := newEC(t, c.curve)
			k, err := NewKey("k", string(c.alg), &priv.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte("header.payload")
			h := c.alg.Hash().New()
			h.Write(msg)
			der, err := ecdsa.SignASN1(rand.Reader, priv, h.Sum(nil))
			if err != nil {
				t.Fatal(err)
			}
			if k.Verify(msg, der) {
				t.Error("DER-encoded signature accepted")
			}
			size := (c.curve.Params().BitSize + 7) / 8
			if k.Verify(msg, make([]byte, 2*size)) {
				t.Error("r = s = 0 accepted")
			}
			// r = s = n (the curve order) is zero modulo n.
			n := make([]byte, 2*size)
			c.curve.Params().N.FillBytes(n[:size])
			c.curve.Params().N.FillBytes(n[size:])
			if k.Verify(msg, n) {
				t.Error("r = s = n accepted")
			}
			// A valid R || S with a leading zero byte stripped is not fixed width.
			sig := sign(t, c.alg, priv, msg)
			if k.Verify(msg, sig[1:]) {
				t.Error("short signature accepted")
			}
		})
	}
}

func TestVerifyHMAC(t *testing.T) {
	for _, alg := range []Alg{HS256, HS384, HS512} {
		secret := make([]byte, alg.Hash().Size())
		rand.Read(secret)
		k, err := NewHMACKey("h", string(alg), secret)
		if err != nil {
			t.Fatal(err)
		}
		msg := []byte("header.payload")
		sig := hmacSign(t, alg, secret, msg)
		if !k.Verify(msg, sig) {
			t.Errorf("%s: valid MAC refused", alg)
		}
		other := append([]byte(nil), secret...)
		other[0] ^= 1
		if k.Verify(msg, hmacSign(t, alg, other, msg)) {
			t.Errorf("%s: MAC with another secret accepted", alg)
		}
		if k.Verify(msg, sig[:len(sig)-1]) || k.Verify(msg, nil) {
			t.Errorf("%s: truncated MAC accepted", alg)
		}
	}
}

// TestVerifyECDSAMatchesReference compares Key.Verify with ecdsa.Verify on
// big.Int halves, over many signatures (so that R or S with leading zero
// bytes or the top bit set occur) and edge values of R and S.
func TestVerifyECDSAMatchesReference(t *testing.T) {
	for _, c := range []struct {
		alg   Alg
		curve elliptic.Curve
		n     int
	}{{ES256, elliptic.P256(), 20}, {ES384, elliptic.P384(), 10}, {ES512, elliptic.P521(), 5}} {
		t.Run(string(c.alg), func(t *testing.T) {
			priv := newEC(t, c.curve)
			k, err := NewKey("k", string(c.alg), &priv.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			size := (c.curve.Params().BitSize + 7) / 8
			order := c.curve.Params().N
			reference := func(msg, sig []byte) bool {
				h := c.alg.Hash().New()
				h.Write(msg)
				r := new(big.Int).SetBytes(sig[:size])
				s := new(big.Int).SetBytes(sig[size:])
				return ecdsa.Verify(&priv.PublicKey, h.Sum(nil), r, s)
			}
			fixed := func(v *big.Int) []byte { b := make([]byte, size); v.FillBytes(b); return b }
			// Sign until the edge encodings have been seen (R or S with a
			// leading zero byte; with the top bit set, impossible on P-521),
			// and compare on those and on c.n ordinary signatures.
			var checked, leadingZero, topBit int
			wantTop := c.alg != ES512
			for i := 0; i < 5000 && (checked < c.n || leadingZero == 0 || (wantTop && topBit == 0)); i++ {
				msg := fmt.Appendf(nil, "h.p%d", i)
				sig := sign(t, c.alg, priv, msg)
				lz := sig[0] == 0 || sig[size] == 0
				tb := sig[0]&0x80 != 0 || sig[size]&0x80 != 0
				if checked >= c.n && !(lz && leadingZero == 0) && !(tb && topBit == 0) {
					continue
				}
				checked++
				if lz {
					leadingZero++
				}
				if tb {
					topBit++
				}
				if !k.Verify(msg, sig) || !reference(msg, sig) {
					t.Fatalf("signature %d refused", i)
				}
				r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
				variants := [][]byte{
					append(append([]byte(nil), sig[:size]...), fixed(new(big.Int).Sub(order, s))...), // n - s: ECDSA malleability
					append(fixed(big.NewInt(1)), fixed(big.NewInt(1))...),
					append(fixed(new(big.Int).Sub(order, big.NewInt(1))), sig[size:]...),
					append(fixed(big.NewInt(0)), sig[size:]...),
					append(append([]byte(nil), sig[:size]...), fixed(big.NewInt(0))...),
					append(fixed(order), sig[size:]...),
				}
				if rn := new(big.Int).Add(r, order); rn.BitLen() <= 8*size { // r + n, if it fits the width
					variants = append(variants, append(fixed(rn), sig[size:]...))
				}
				for j, v := range variants {
					if got, want := k.Verify(msg, v), reference(msg, v); got != want {
						t.Fatalf("signature %d variant %d: Verify %v, ecdsa.Verify %v", i, j, got, want)
					}
				}
			}
			t.Logf("%d signatures compared: %d with a leading zero byte, %d with the top bit set", checked, leadingZero, topBit)
			if leadingZero == 0 || (wantTop && topBit == 0) {
				t.Fatal("the edge encodings were not exercised")
			}
		})
	}
}
