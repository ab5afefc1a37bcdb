package jwks

import (
	"crypto/rsa"
	"fmt"
	"math/big"
)

// RSA key limits. A key outside them is refused when it loads (ErrWeakKey).
const (
	// MinRSABits is the smallest RSA modulus accepted, per RFC 7518
	// section 3.3 ("A key of size 2048 bits or larger MUST be used").
	MinRSABits = 2048
	// MaxRSABits is the largest RSA modulus accepted, the limit crypto/tls
	// puts on peer keys: verifying costs the square of the modulus size,
	// and a key document of 1 MiB could otherwise hold a modulus of
	// millions of bits that every token naming its kid makes us exponentiate.
	MaxRSABits = 8192
	// MaxRSAExponent is the largest public exponent accepted, 2^31 - 1:
	// crypto/rsa refuses larger ones at every verification.
	MaxRSAExponent = 1<<31 - 1
)

// rsaPublic returns a copy of the RSA public key in pub (an *rsa.PublicKey
// or *rsa.PrivateKey) for algorithm a, and its RFC 7638 thumbprint. The
// modulus must be odd and of MinRSABits to MaxRSABits bits (RFC 7518
// section 3.3); the exponent odd and in [3, MaxRSAExponent] (an even
// exponent is never invertible, e = 1 makes the signature its own message,
// and crypto/rsa refuses e < 2, even e and e > 2^31 - 1 at each
// verification: refusing them here makes the key fail once, at load,
// with a reason).
func rsaPublic(a Alg, pub any) (*rsa.PublicKey, [32]byte, error) {
	var p *rsa.PublicKey
	switch k := pub.(type) {
	case *rsa.PublicKey:
		p = k
	case *rsa.PrivateKey:
		if k != nil {
			p = &k.PublicKey
		}
	}
	if p == nil {
		return nil, [32]byte{}, fmt.Errorf("jwks: %s needs an RSA key, got %T", a, pub)
	}
	weak := func(format string, args ...any) (*rsa.PublicKey, [32]byte, error) {
		return nil, [32]byte{}, fmt.Errorf("%w: "+format, append([]any{ErrWeakKey}, args...)...)
	}
	switch {
	case p.N == nil || p.N.Sign() <= 0 || p.N.BitLen() < MinRSABits:
		return weak("RSA modulus under %d bits (RFC 7518 section 3.3)", MinRSABits)
	case p.N.BitLen() > MaxRSABits:
		return weak("RSA modulus over %d bits", MaxRSABits)
	case p.N.Bit(0) == 0:
		return weak("RSA modulus is even")
	case p.E < 3:
		return weak("RSA public exponent %d is under 3", p.E)
	case p.E%2 == 0:
		return weak("RSA public exponent %d is even", p.E)
	case p.E > MaxRSAExponent:
		return weak("RSA public exponent %d is over 2^31 - 1", p.E)
	}
	if err := fipsOnlyRSA(p); err != nil {
		return nil, [32]byte{}, err
	}
	c := &rsa.PublicKey{N: new(big.Int).Set(p.N), E: p.E}
	return c, rsaThumbprint(c), nil
}
