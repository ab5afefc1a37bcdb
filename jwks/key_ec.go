package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
)

// ecPublic returns a copy of the EC public key in pub (an *ecdsa.PublicKey
// or *ecdsa.PrivateKey) for algorithm a, and its RFC 7638 thumbprint. The
// curve must be the one a names (RFC 7518 section 3.4), and the point a
// valid point of it (RFC 8725 section 3.4): both coordinates present,
// neither negative nor at least the field prime p, not the point at
// infinity (which Go spells (0, 0) and a JWK cannot spell at all), and on
// the curve. crypto/ecdh decides the last two, the way it validates peer
// keys, rather than the deprecated elliptic.Curve.IsOnCurve.
func ecPublic(a Alg, pub any) (*ecdsa.PublicKey, [32]byte, error) {
	var p *ecdsa.PublicKey
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		p = k
	case *ecdsa.PrivateKey:
		if k != nil {
			p = &k.PublicKey
		}
	}
	if p == nil {
		return nil, [32]byte{}, fmt.Errorf("jwks: %s needs an EC key, got %T", a, pub)
	}
	curve := a.curve()
	if p.Curve != curve {
		return nil, [32]byte{}, fmt.Errorf("jwks: %s needs curve %s (RFC 7518 section 3.4)", a, curve.Params().Name)
	}
	weak := func(reason string) (*ecdsa.PublicKey, [32]byte, error) {
		return nil, [32]byte{}, fmt.Errorf("%w: EC %s %s (RFC 8725 section 3.4)", ErrWeakKey, curve.Params().Name, reason)
	}
	fieldP := curve.Params().P
	switch {
	case p.X == nil || p.Y == nil:
		return weak("point without coordinates")
	case p.X.Sign() == 0 && p.Y.Sign() == 0:
		return weak("point at infinity")
	case p.X.Sign() < 0 || p.Y.Sign() < 0 || p.X.Cmp(fieldP) >= 0 || p.Y.Cmp(fieldP) >= 0:
		return weak("coordinate outside [0, p)")
	}
	e, err := p.ECDH()
	if err != nil {
		return weak("point not on the curve")
	}
	// 0x04 || X || Y, each coordinate at the curve's full width (RFC 7518
	// section 6.2.1.2); parsing it back yields a copy the caller cannot
	// change.
	point := e.Bytes()
	c, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return weak("point not on the curve")
	}
	return c, ecThumbprint(curve.Params().Name, point[1:]), nil
}

// curve returns the curve of an ES algorithm (RFC 7518 section 3.4), or nil.
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
