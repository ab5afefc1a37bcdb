package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
)

// MinRSABits is the smallest RSA modulus accepted, per RFC 7518 section 3.3
// ("A key of size 2048 bits or larger MUST be used").
const MinRSABits = 2048

// Key is a verification key bound to exactly one JWS algorithm. A Key is
// immutable and safe for concurrent use.
type Key struct {
	kid    string
	alg    Alg
	pub    crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	secret []byte           // HMAC keys only
}

// NewKey binds an asymmetric public key to one algorithm. It fails when the
// key cannot be used with alg: wrong key type, wrong curve (RFC 7518 section
// 3.4), an RSA modulus under MinRSABits, or an HMAC or unknown algorithm.
func NewKey(kid string, alg string, pub crypto.PublicKey) (*Key, error) {
	a, ok := ParseAlg(alg)
	if !ok {
		return nil, fmt.Errorf("jwks: unsupported algorithm %q", alg)
	}
	if a.IsHMAC() {
		return nil, errors.New("jwks: HMAC algorithms need NewHMACKey")
	}
	if err := a.fits(pub); err != nil {
		return nil, err
	}
	if p, ok := pub.(*ecdsa.PrivateKey); ok {
		pub = &p.PublicKey
	}
	if p, ok := pub.(*rsa.PrivateKey); ok {
		pub = &p.PublicKey
	}
	if p, ok := pub.(ed25519.PrivateKey); ok {
		pub = p.Public()
	}
	return &Key{kid: kid, alg: a, pub: pub}, nil
}

// NewHMACKey binds a shared secret to HS256, HS384 or HS512. The secret must
// be at least as long as the hash output (RFC 7518 section 3.2). HMAC keys
// exist only because a user configured one explicitly: a JWKS document never
// yields one.
func NewHMACKey(kid string, alg string, secret []byte) (*Key, error) {
	a, ok := ParseAlg(alg)
	if !ok || !a.IsHMAC() {
		return nil, fmt.Errorf("jwks: %q is not an HMAC algorithm", alg)
	}
	if len(secret) < a.Hash().Size() {
		return nil, fmt.Errorf("jwks: %s secret must be at least %d bytes (RFC 7518 section 3.2), got %d",
			a, a.Hash().Size(), len(secret))
	}
	return &Key{kid: kid, alg: a, secret: append([]byte(nil), secret...)}, nil
}

// ID returns the key's kid, which may be empty.
func (k *Key) ID() string { return k.kid }

// Alg returns the one algorithm this key verifies.
func (k *Key) Alg() Alg { return k.alg }

// PublicKey returns the public key, or nil for an HMAC key.
func (k *Key) PublicKey() crypto.PublicKey { return k.pub }

// fits reports whether pub can verify signatures of algorithm a.
func (a Alg) fits(pub crypto.PublicKey) error {
	switch a {
	case RS256, RS384, RS512, PS256, PS384, PS512:
		var p *rsa.PublicKey
		switch k := pub.(type) {
		case *rsa.PublicKey:
			p = k
		case *rsa.PrivateKey:
			p = &k.PublicKey
		default:
			return fmt.Errorf("jwks: %s needs an RSA key, got %T", a, pub)
		}
		if p.N == nil || p.N.BitLen() < MinRSABits {
			return fmt.Errorf("jwks: RSA key under %d bits (RFC 7518 section 3.3)", MinRSABits)
		}
		return nil
	case ES256, ES384, ES512:
		var p *ecdsa.PublicKey
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			p = k
		case *ecdsa.PrivateKey:
			p = &k.PublicKey
		default:
			return fmt.Errorf("jwks: %s needs an EC key, got %T", a, pub)
		}
		if p.Curve != a.curve() {
			return fmt.Errorf("jwks: %s needs curve %s (RFC 7518 section 3.4)", a, a.curve().Params().Name)
		}
		return nil
	case EdDSA:
		switch k := pub.(type) {
		case ed25519.PublicKey:
			if len(k) == ed25519.PublicKeySize {
				return nil
			}
		case ed25519.PrivateKey:
			return nil
		}
		return fmt.Errorf("jwks: EdDSA needs an Ed25519 key, got %T", pub)
	}
	return fmt.Errorf("jwks: unsupported algorithm %q", a)
}

func (a Alg) curve() elliptic.Curve {
	switch a {
	case ES256:
		return elliptic.P256()
	case ES384:
		return elliptic.P384()
	case ES512:
		return elliptic.P521()
	}
	return nil
}
