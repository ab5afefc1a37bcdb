package jwks

import (
	"crypto/rsa"
	"errors"
	"math/big"
	"testing"
)

// TestFIPSOnlyRSA: in FIPS 140-only mode crypto/rsa refuses to verify
// with an odd-length modulus or an exponent of at most 2^16; such keys
// must be refused when they load, with a reason, not fail every token.
// Outside that mode the same keys are accepted.
func TestFIPSOnlyRSA(t *testing.T) {
	n2048 := new(big.Int).Lsh(big.NewInt(1), 2047)
	n2048.Add(n2048, big.NewInt(1)) // odd, 2048 bits
	n2049 := new(big.Int).Lsh(big.NewInt(1), 2048)
	n2049.Add(n2049, big.NewInt(1)) // odd, 2049 bits
	cases := []struct {
		name string
		key  *rsa.PublicKey
		ok   bool
	}{
		{"e = 65537, 2048 bits", &rsa.PublicKey{N: n2048, E: 65537}, true},
		{"e = 3", &rsa.PublicKey{N: n2048, E: 3}, false},
		{"e = 2^16 + 1 exactly is above 2^16", &rsa.PublicKey{N: n2048, E: 1<<16 + 1}, true},
		{"odd modulus length", &rsa.PublicKey{N: n2049, E: 65537}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := fipsRSA(tc.key, false); err != nil {
				t.Fatalf("outside FIPS 140-only mode: %v", err)
			}
			err := fipsRSA(tc.key, true)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotFIPSApproved)) {
				t.Fatalf("FIPS 140-only mode: err %v, want ok %v", err, tc.ok)
			}
		})
	}
}
