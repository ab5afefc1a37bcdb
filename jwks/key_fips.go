package jwks

import (
	"crypto/fips140"
	"crypto/rsa"
	"errors"
	"fmt"
)

// ErrNotFIPSApproved is wrapped by the error for a key that FIPS 140-only
// mode (GODEBUG=fips140=only) would refuse at every verification: the key
// is refused or dropped once, when it loads, with that reason, instead of
// failing every token as a bad signature.
var ErrNotFIPSApproved = errors.New("jwks: key not allowed in FIPS 140-only mode")

// fipsOnlyRSA applies the RSA rules crypto/rsa enforces in FIPS 140-only
// mode (FIPS 186-5 section 5.4): a modulus of an even number of bits and a
// public exponent above 2^16. Outside that mode it accepts every key.
func fipsOnlyRSA(p *rsa.PublicKey) error {
	return fipsRSA(p, fips140.Enforced())
}

func fipsRSA(p *rsa.PublicKey, enforced bool) error {
	switch {
	case !enforced:
		return nil
	case p.N.BitLen()%2 != 0:
		return fmt.Errorf("%w: an RSA modulus of %d bits (FIPS 186-5 needs an even length)", ErrNotFIPSApproved, p.N.BitLen())
	case p.E <= 1<<16:
		return fmt.Errorf("%w: RSA public exponent %d is not above 2^16 (FIPS 186-5)", ErrNotFIPSApproved, p.E)
	}
	return nil
}
