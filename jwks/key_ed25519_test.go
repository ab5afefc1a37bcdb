package jwks

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// smallOrderY are the y coordinates (little-endian, sign bit clear) of the
// Ed25519 points of order 1, 2, 4 and 8, with their non-canonical
// spellings y + p (libsodium's blocklist, "Taming the many EdDSAs" table 6).
// With the sign bit clear and set they give 14 encodings, of which 8 are
// the canonical encodings of the 8 small-order points.
var smallOrderY = []struct {
	name string
	hex  string
	// canonical[s] reports whether the encoding with sign bit s is
	// canonical: y < p, and x = 0 only with the sign bit clear.
	canonical [2]bool
}{
	{"y=0 (order 4)", "0000000000000000000000000000000000000000000000000000000000000000", [2]bool{true, true}},
	{"y=1 (identity)", "0100000000000000000000000000000000000000000000000000000000000000", [2]bool{true, false}},
	{"order 8 (a)", "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", [2]bool{true, true}},
	{"order 8 (b)", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", [2]bool{true, true}},
	{"y=p-1 (order 2)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", [2]bool{true, false}},
	{"y=p (non-canonical 0)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", [2]bool{false, false}},
	{"y=p+1 (non-canonical 1)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", [2]bool{false, false}},
}

type edEncoding struct {
	name      string
	pub       ed25519.PublicKey
	canonical bool
}

// smallOrderEncodings returns the 14 encodings of small-order points.
func smallOrderEncodings(t testing.TB) []edEncoding {
	t.Helper()
	var out []edEncoding
	for _, y := range smallOrderY {
		for sign := range 2 {
			b, err := hex.DecodeString(y.hex)
			if err != nil || len(b) != 32 {
				t.Fatalf("bad test vector %s", y.name)
			}
			b[31] |= byte(sign) << 7
			out = append(out, edEncoding{fmt.Sprintf("%s, sign %d", y.name, sign), b, y.canonical[sign]})
		}
	}
	return out
}

// forgedEd25519 returns the forged signature R = identity, S = 0 and a
// message it verifies under pub with a cofactorless verifier such as
// crypto/ed25519, when pub has small order: [S]B - [k]A is the identity
// whenever [k]A is, which holds for every k when A is the identity and for
// one k in 2, 4 or 8 otherwise. It reports false when no message of the
// first 256 does.
func forgedEd25519(pub ed25519.PublicKey) (msg, sig []byte, ok bool) {
	sig = make([]byte, ed25519.SignatureSize)
	sig[0] = 1 // R: the canonical encoding of the identity; S = 0
	for i := range 256 {
		msg = fmt.Appendf(nil, "eyJhbGciOiJFZERTQSJ9.forged-%d", i)
		if ed25519.Verify(pub, msg, sig) {
			return msg, sig, true
		}
	}
	return nil, nil, false
}

// TestEd25519SmallOrderForgery shows why small-order keys are refused:
// before NewKey checked the order, a JWKS publishing the identity point
// loaded a key under which R = identity, S = 0 verified any message. Now
// the key is dropped, so no forged token can reach Verify.
func TestEd25519SmallOrderForgery(t *testing.T) {
	identity := ed25519.PublicKey(make([]byte, 32))
	identity[0] = 1
	doc := jwksDoc(t, map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "id", "x": b64(identity)})
	s, err := ParseJWKS(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, sig, ok := forgedEd25519(identity)
	if !ok {
		t.Fatal("test vector: R = identity, S = 0 does not verify under the identity key")
	}
	if k, found := s.Lookup("id"); found {
		t.Fatalf("identity key loaded; forged signature verifies: %v", k.Verify(msg, sig))
	}
	var ke *KeyError
	if d := s.Dropped(); len(d) != 1 || !errors.As(d[0], &ke) || ke.KID != "id" ||
		ke.Reason != "jwks: weak or invalid public key: Ed25519 point of small order, which verifies forged signatures (RFC 8725 section 3.4)" {
		t.Fatalf("Dropped = %v", s.Dropped())
	}
}

// TestNewKeyEd25519SmallOrder: each of the 14 small-order encodings is
// refused by NewKey and dropped from a JWKS, and each would have verified a
// forged signature for some message.
func TestNewKeyEd25519SmallOrder(t *testing.T) {
	encs := smallOrderEncodings(t)
	if n := len(encs); n != 14 {
		t.Fatalf("%d encodings, want 14", n)
	}
	canonical := 0
	for _, e := range encs {
		t.Run(e.name, func(t *testing.T) {
			if e.canonical {
				canonical++
			}
			if _, _, ok := forgedEd25519(e.pub); !ok {
				t.Fatal("no forged signature verifies under this key with crypto/ed25519")
			}
			k, err := NewKey("k", "EdDSA", e.pub)
			if k != nil || !errors.Is(err, ErrWeakKey) || !strings.Contains(err.Error(), "small order") {
				t.Fatalf("NewKey = %v, %v; want ErrWeakKey for small order", k, err)
			}
			// As a private key whose public half is the small-order point.
			priv := append(make([]byte, 32), e.pub...)
			if k, err := NewKey("k", "EdDSA", ed25519.PrivateKey(priv)); k != nil || !errors.Is(err, ErrWeakKey) {
				t.Fatalf("NewKey(private) = %v, %v; want ErrWeakKey", k, err)
			}
			s, err := ParseJWKS(jwksDoc(t, map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": b64(e.pub)}), nil)
			if err != nil || s.Len() != 0 || len(s.Dropped()) != 1 || !strings.Contains(s.Dropped()[0].Error(), "small order") {
				t.Fatalf("ParseJWKS kept %d keys, dropped %v, err %v", s.Len(), s.Dropped(), err)
			}
		})
	}
	if canonical != 8 {
		t.Fatalf("%d canonical encodings, want the 8 small-order points", canonical)
	}
}

// TestNewKeyEd25519Encoding: an Ed25519 public key must be the canonical
// encoding of a curve point (RFC 8032 section 5.1.3).
func TestNewKeyEd25519Encoding(t *testing.T) {
	good := newEd(t).Public().(ed25519.PublicKey)
	// y = 3 + p: a non-canonical encoding of the point with y = 3, which
	// has large order.
	nonCanonical, _ := hex.DecodeString("f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")
	// No point has y = 2: x² = (y² - 1) / (d y² + 1) is not a square.
	notOnCurve, _ := hex.DecodeString("0200000000000000000000000000000000000000000000000000000000000000")
	tests := []struct {
		name   string
		pub    any
		reason string // empty: accepted
	}{
		{"generated key", good, ""},
		{"non-canonical y (y + p)", ed25519.PublicKey(nonCanonical), "jwks: weak or invalid public key: Ed25519 key is not a canonical point encoding (RFC 8032 section 5.1.3)"},
		{"not a curve point", ed25519.PublicKey(notOnCurve), "jwks: weak or invalid public key: Ed25519 key is not the encoding of a curve point (RFC 8032 section 5.1.3)"},
		{"31 bytes", good[:31], "jwks: EdDSA needs an Ed25519 key, got ed25519.PublicKey"},
		{"short private key", ed25519.PrivateKey(make([]byte, 3)), "jwks: EdDSA needs an Ed25519 key, got ed25519.PrivateKey"},
		{"nil public key", ed25519.PublicKey(nil), "jwks: EdDSA needs an Ed25519 key, got ed25519.PublicKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey("k", "EdDSA", tt.pub)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("NewKey: %v", err)
				}
				return
			}
			if k != nil || err == nil || err.Error() != tt.reason {
				t.Fatalf("NewKey = %v, %v; want %q", k, err, tt.reason)
			}
		})
	}
}

// The key keeps its own copy: changing the caller's slice afterwards, for
// instance to a small-order point, changes nothing.
func TestNewKeyEd25519Copies(t *testing.T) {
	priv := newEd(t)
	pub := append(ed25519.PublicKey(nil), priv.Public().(ed25519.PublicKey)...)
	k, err := NewKey("k", "EdDSA", pub)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("header.payload")
	sig := ed25519.Sign(priv, msg)
	clear(pub)
	pub[0] = 1 // the identity
	if !k.Verify(msg, sig) {
		t.Fatal("the key follows the caller's slice")
	}
	if _, forged, _ := forgedEd25519(pub); k.Verify(msg, forged) {
		t.Fatal("forged signature verifies")
	}
}
