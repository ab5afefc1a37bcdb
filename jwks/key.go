package jwks

import (
	"crypto"
	"errors"
	"fmt"
)

// ErrWeakKey is wrapped by the error for a public key that must never
// verify anything whatever algorithm it is bound to: a small-order or
// non-canonical Ed25519 point, an EC point off its curve, an RSA key with a
// short or even modulus or an unusable exponent (RFC 8725 section 3.4).
var ErrWeakKey = errors.New("jwks: weak or invalid public key")

// Key is a verification key bound to exactly one JWS algorithm. A Key is
// immutable and safe for concurrent use.
type Key struct {
	kid    string
	alg    Alg
	pub    crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	secret []byte           // HMAC keys only
	// id identifies the key material, computed once: the RFC 7638 SHA-256
	// thumbprint of the public key, or for an HMAC key a keyed hash of the
	// secret (see thumbprint.go). Set.Contains compares it.
	id [32]byte
}

// NewKey binds an asymmetric public key (or the public half of a private
// key) to one algorithm. It fails when the key cannot be used with alg:
// wrong key type, wrong curve (RFC 7518 section 3.4), an HMAC or unknown
// algorithm. It also fails, with an error wrapping ErrWeakKey, for a key
// that must never verify anything (RFC 8725 section 3.4): an RSA modulus
// that is even or outside [MinRSABits, MaxRSABits] bits, an RSA exponent
// that is even or outside [3, MaxRSAExponent]; an EC point off its curve,
// the point at infinity or a coordinate outside [0, p); an Ed25519 key that
// is not the canonical encoding of a curve point (RFC 8032 section 5.1.3)
// or is a point of small order. These checks run here, once per key, for
// every way a key enters (JWKS, JWK, PEM, crypto.PublicKey): Verify does
// not repeat them. The key keeps its own copy of pub.
func NewKey(kid string, alg string, pub crypto.PublicKey) (*Key, error) {
	a, ok := ParseAlg(alg)
	if !ok {
		return nil, fmt.Errorf("jwks: unsupported algorithm %q", alg)
	}
	k := &Key{kid: kid, alg: a}
	var err error
	switch a {
	case RS256, RS384, RS512, PS256, PS384, PS512:
		k.pub, k.id, err = rsaPublic(a, pub)
	case ES256, ES384, ES512:
		k.pub, k.id, err = ecPublic(a, pub)
	case EdDSA:
		k.pub, k.id, err = edPublic(pub)
	default:
		err = errors.New("jwks: HMAC algorithms need NewHMACKey")
	}
	if err != nil {
		return nil, err
	}
	return k, nil
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
	return &Key{kid: kid, alg: a, secret: append([]byte(nil), secret...), id: secretID(secret)}, nil
}

// ID returns the key's kid, which may be empty.
func (k *Key) ID() string { return k.kid }

// Alg returns the one algorithm this key verifies.
func (k *Key) Alg() Alg { return k.alg }

// PublicKey returns the public key, or nil for an HMAC key. It is the key's
// own copy and must not be modified.
func (k *Key) PublicKey() crypto.PublicKey { return k.pub }
