package jwks

import (
	"crypto/fips140"
	"crypto/rsa"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// TestNewKeyRSALimits: the modulus must be positive, odd and of 2048 to
// 8192 bits; the exponent odd and in [3, 2^31 - 1].
// fipsOnly is the reason of a key accepted except in FIPS 140-only mode,
// where it is refused with reason (TestFIPSOnlyRSA).
func fipsOnly(reason string) string {
	if !fips140.Enforced() {
		return ""
	}
	return "jwks: key not allowed in FIPS 140-only mode: " + reason
}

func TestNewKeyRSALimits(t *testing.T) {
	n := testRSAKeys()[0].N
	odd := func(bits int) *big.Int { // 2^(bits-1) + 1: odd, bits long
		v := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
		return v.Add(v, big.NewInt(1))
	}
	const weak = "jwks: weak or invalid public key: "
	tests := []struct {
		name   string
		pub    any
		reason string // empty: accepted
	}{
		{"e = 65537", &rsa.PublicKey{N: n, E: 65537}, ""},
		{"e = 3", &rsa.PublicKey{N: n, E: 3}, fipsOnly("RSA public exponent 3 is not above 2^16 (FIPS 186-5)")},
		{"e = 2^31 - 1", &rsa.PublicKey{N: n, E: 1<<31 - 1}, ""},
		{"8192-bit modulus", &rsa.PublicKey{N: odd(8192), E: 65537}, ""},
		{"2048-bit modulus", &rsa.PublicKey{N: odd(2048), E: 65537}, ""},
		{"e = 1", &rsa.PublicKey{N: n, E: 1}, weak + "RSA public exponent 1 is under 3"},
		{"e = 0", &rsa.PublicKey{N: n, E: 0}, weak + "RSA public exponent 0 is under 3"},
		{"e = -3", &rsa.PublicKey{N: n, E: -3}, weak + "RSA public exponent -3 is under 3"},
		{"e = 2", &rsa.PublicKey{N: n, E: 2}, weak + "RSA public exponent 2 is under 3"},
		{"e = 4", &rsa.PublicKey{N: n, E: 4}, weak + "RSA public exponent 4 is even"},
		{"e = 65536", &rsa.PublicKey{N: n, E: 65536}, weak + "RSA public exponent 65536 is even"},
		{"even modulus", &rsa.PublicKey{N: new(big.Int).Add(n, big.NewInt(1)), E: 65537}, weak + "RSA modulus is even"},
		{"negative modulus", &rsa.PublicKey{N: new(big.Int).Neg(n), E: 65537}, weak + "RSA modulus under 2048 bits (RFC 7518 section 3.3)"},
		{"2047-bit modulus", &rsa.PublicKey{N: odd(2047), E: 65537}, weak + "RSA modulus under 2048 bits (RFC 7518 section 3.3)"},
		{"8193-bit modulus", &rsa.PublicKey{N: odd(8193), E: 65537}, weak + "RSA modulus over 8192 bits"},
		{"no modulus", &rsa.PublicKey{E: 65537}, weak + "RSA modulus under 2048 bits (RFC 7518 section 3.3)"},
		{"nil public key", (*rsa.PublicKey)(nil), "jwks: RS256 needs an RSA key, got *rsa.PublicKey"},
		{"nil private key", (*rsa.PrivateKey)(nil), "jwks: RS256 needs an RSA key, got *rsa.PrivateKey"},
	}
	if strconv.IntSize == 64 {
		big := 1<<31 + 1 // odd, so only the upper bound refuses it
		tests = append(tests, struct {
			name   string
			pub    any
			reason string
		}{"e = 2^31 + 1", &rsa.PublicKey{N: n, E: big}, weak + "RSA public exponent 2147483649 is over 2^31 - 1"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey("k", "RS256", tt.pub)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("NewKey: %v", err)
				}
				return
			}
			if k != nil || err == nil || err.Error() != tt.reason {
				t.Fatalf("NewKey = %v, %v; want %q", k, err, tt.reason)
			}
			if wantWeak := strings.HasPrefix(tt.reason, weak); errors.Is(err, ErrWeakKey) != wantWeak {
				t.Fatalf("errors.Is(%v, ErrWeakKey) = %v, want %v", err, !wantWeak, wantWeak)
			}
		})
	}
}

// TestParseJWKSRSALimits: a JWKS key with an unusable exponent or an even
// modulus is dropped with its reason while the good key stays. jwx refuses
// e < 3 and even e itself; NewKey refuses what jwx lets through.
func TestParseJWKSRSALimits(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	even := new(big.Int).Add(rsaKey.N, big.NewInt(1))
	doc := jwksDoc(t,
		jwkOf(t, rsaKey, "e1", "e", b64([]byte{1})),
		jwkOf(t, rsaKey, "e65536", "e", b64([]byte{1, 0, 0})),
		jwkOf(t, rsaKey, "e2^31+1", "e", b64([]byte{0x80, 0, 0, 1})),
		jwkOf(t, rsaKey, "e2^33+1", "e", b64([]byte{2, 0, 0, 0, 1})),
		jwkOf(t, rsaKey, "even-n", "n", b64(even.Bytes())),
		jwkOf(t, rsaKey, "good"),
	)
	s, err := ParseJWKS(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.KIDs(); len(got) != 1 || got[0] != "good" {
		t.Fatalf("KIDs = %v", got)
	}
	const weak = "jwks: weak or invalid public key: "
	want := []struct {
		kid, reason string
		exact       bool
	}{
		{"e1", "invalid rsa public exponent", false},
		{"e65536", "invalid rsa public exponent", false},
		{"e2^31+1", weak + "RSA public exponent 2147483649 is over 2^31 - 1", true},
		{"e2^33+1", weak + "RSA public exponent 8589934593 is over 2^31 - 1", true},
		{"even-n", weak + "RSA modulus is even", true},
	}
	d := s.Dropped()
	if len(d) != len(want) {
		t.Fatalf("Dropped = %v", d)
	}
	for i, w := range want {
		var ke *KeyError
		ok := errors.As(d[i], &ke) && ke.Index == i && ke.KID == w.kid
		if ok && w.exact {
			ok = ke.Reason == w.reason
		} else if ok {
			ok = strings.Contains(ke.Reason, w.reason)
		}
		if !ok {
			t.Errorf("dropped[%d] = %v, want kid %q and reason %q", i, d[i], w.kid, w.reason)
		}
	}
}

// The key keeps its own copy: changing the caller's key afterwards, for
// instance to e = 1, changes nothing.
func TestNewKeyRSACopies(t *testing.T) {
	pub := testRSAKeys()[0].PublicKey
	pub.N = new(big.Int).Set(pub.N)
	k, err := NewKey("k", "RS256", &pub)
	if err != nil {
		t.Fatal(err)
	}
	pub.E = 1
	pub.N.SetInt64(3)
	got := k.PublicKey().(*rsa.PublicKey)
	if got.E != 65537 || got.N.Cmp(testRSAKeys()[0].N) != 0 {
		t.Fatalf("the key follows the caller's value: e = %d, %d bits", got.E, got.N.BitLen())
	}
}
