package jwks

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"filippo.io/edwards25519"
)

// edPublic returns a copy of the Ed25519 public key in pub (an
// ed25519.PublicKey or ed25519.PrivateKey) and its RFC 7638 thumbprint
// (RFC 8037 section 2). The key must be the canonical encoding of a curve
// point (RFC 8032 section 5.1.3: y < p, and no sign bit on x = 0) whose
// order is not small.
//
// crypto/ed25519 verifies cofactorlessly, [S]B = R + [k]A, and decodes A
// as laxly as most implementations. A point A of order 1, 2, 4 or 8 makes
// [k]A the identity for every k (order 1) or for one k in 2, 4 or 8, so the
// signature R = identity, S = 0 verifies every message, or a fraction of
// them, under such a key: nobody needs a private key to sign for it (RFC
// 8725 section 3.4). The order is decided on the decoded point, [8]A =
// identity, so every spelling of the 8 small-order points is refused, the 6
// non-canonical ones of libsodium's blocklist included.
func edPublic(pub any) (ed25519.PublicKey, [32]byte, error) {
	var p ed25519.PublicKey
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			p = k
		}
	case ed25519.PrivateKey:
		if len(k) == ed25519.PrivateKeySize {
			p = k.Public().(ed25519.PublicKey)
		}
	}
	if p == nil {
		return nil, [32]byte{}, fmt.Errorf("jwks: EdDSA needs an Ed25519 key, got %T", pub)
	}
	weak := func(reason string) (ed25519.PublicKey, [32]byte, error) {
		return nil, [32]byte{}, fmt.Errorf("%w: %s", ErrWeakKey, reason)
	}
	pt, err := new(edwards25519.Point).SetBytes(p)
	if err != nil {
		return weak("Ed25519 key is not the encoding of a curve point (RFC 8032 section 5.1.3)")
	}
	if new(edwards25519.Point).MultByCofactor(pt).Equal(edwards25519.NewIdentityPoint()) == 1 {
		return weak("Ed25519 point of small order, which verifies forged signatures (RFC 8725 section 3.4)")
	}
	// SetBytes accepts y >= p and a sign bit on x = 0; the re-encoding is
	// canonical, so any difference is a non-canonical input.
	if !bytes.Equal(pt.Bytes(), p) {
		return weak("Ed25519 key is not a canonical point encoding (RFC 8032 section 5.1.3)")
	}
	c := append(ed25519.PublicKey(nil), p...)
	return c, edThumbprint(c), nil
}
