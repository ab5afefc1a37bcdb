package jwks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"math/big"
	"testing"
)

// TestNewKeyECPoint: NewKey itself refuses invalid EC points (RFC 8725
// section 3.4), as built by hand and handed to a static source.
func TestNewKeyECPoint(t *testing.T) {
	good := newEC(t, elliptic.P256())
	p := elliptic.P256().Params().P
	x, y := good.X, good.Y
	add := func(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
	pt := func(x, y *big.Int) *ecdsa.PublicKey { return &ecdsa.PublicKey{Curve: elliptic.P256(), X: x, Y: y} }
	const weak = "jwks: weak or invalid public key: EC P-256 "
	tests := []struct {
		name   string
		pub    any
		reason string // empty: accepted
	}{
		{"valid point", pt(x, y), ""},
		{"valid private key", good, ""},
		{"point at infinity (0, 0)", pt(new(big.Int), new(big.Int)), weak + "point at infinity (RFC 8725 section 3.4)"},
		{"no coordinates", pt(nil, nil), weak + "point without coordinates (RFC 8725 section 3.4)"},
		{"no y", pt(x, nil), weak + "point without coordinates (RFC 8725 section 3.4)"},
		{"off the curve", pt(x, add(y, big.NewInt(1))), weak + "point not on the curve (RFC 8725 section 3.4)"},
		{"x = 0 off the curve", pt(new(big.Int), y), weak + "point not on the curve (RFC 8725 section 3.4)"},
		{"x + p", pt(add(x, p), y), weak + "coordinate outside [0, p) (RFC 8725 section 3.4)"},
		{"y + p", pt(x, add(y, p)), weak + "coordinate outside [0, p) (RFC 8725 section 3.4)"},
		{"x = p", pt(new(big.Int).Set(p), y), weak + "coordinate outside [0, p) (RFC 8725 section 3.4)"},
		{"negative x", pt(new(big.Int).Neg(x), y), weak + "coordinate outside [0, p) (RFC 8725 section 3.4)"},
		{"nil public key", (*ecdsa.PublicKey)(nil), "jwks: ES256 needs an EC key, got *ecdsa.PublicKey"},
		{"nil private key", (*ecdsa.PrivateKey)(nil), "jwks: ES256 needs an EC key, got *ecdsa.PrivateKey"},
		{"generic curve parameters", &ecdsa.PublicKey{Curve: elliptic.P256().Params(), X: x, Y: y}, "jwks: ES256 needs curve P-256 (RFC 7518 section 3.4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey("k", "ES256", tt.pub)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("NewKey: %v", err)
				}
				return
			}
			if k != nil || err == nil || err.Error() != tt.reason {
				t.Fatalf("NewKey = %v, %v; want %q", k, err, tt.reason)
			}
			if wantWeak := len(tt.reason) >= len(weak) && tt.reason[:len(weak)] == weak; errors.Is(err, ErrWeakKey) != wantWeak {
				t.Fatalf("errors.Is(%v, ErrWeakKey) = %v, want %v", err, !wantWeak, wantWeak)
			}
		})
	}
}

// TestNewKeyECOtherCurves: the checks hold on P-384 and P-521, whose
// coordinates have other widths (P-521: 66 bytes, top bits zero).
func TestNewKeyECOtherCurves(t *testing.T) {
	for _, tc := range []struct {
		alg   string
		curve elliptic.Curve
	}{{"ES384", elliptic.P384()}, {"ES512", elliptic.P521()}} {
		good := newEC(t, tc.curve)
		if _, err := NewKey("k", tc.alg, &good.PublicKey); err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		off := &ecdsa.PublicKey{Curve: tc.curve, X: good.X, Y: new(big.Int).Add(good.Y, big.NewInt(1))}
		if k, err := NewKey("k", tc.alg, off); k != nil || !errors.Is(err, ErrWeakKey) {
			t.Fatalf("%s off the curve: %v, %v", tc.alg, k, err)
		}
		over := &ecdsa.PublicKey{Curve: tc.curve, X: new(big.Int).Add(good.X, tc.curve.Params().P), Y: good.Y}
		if k, err := NewKey("k", tc.alg, over); k != nil || !errors.Is(err, ErrWeakKey) {
			t.Fatalf("%s x + p: %v, %v", tc.alg, k, err)
		}
	}
}

// The key keeps its own copy: moving the caller's point afterwards changes
// nothing.
func TestNewKeyECCopies(t *testing.T) {
	priv := newEC(t, elliptic.P256())
	pub := &ecdsa.PublicKey{Curve: elliptic.P256(), X: new(big.Int).Set(priv.X), Y: new(big.Int).Set(priv.Y)}
	k, err := NewKey("k", "ES256", pub)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("header.payload")
	sig := sign(t, ES256, priv, msg)
	pub.X.SetInt64(0)
	pub.Y.SetInt64(0)
	if !k.Verify(msg, sig) {
		t.Fatal("the key follows the caller's value")
	}
}
