package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"strings"
	"testing"
)

func TestNewKey(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	p256 := newEC(t, elliptic.P256())
	p384 := newEC(t, elliptic.P384())
	p521 := newEC(t, elliptic.P521())
	ed := newEd(t)
	tests := []struct {
		name    string
		alg     string
		pub     crypto.PublicKey
		wantErr string // empty: success
	}{
		{"RS256 RSA", "RS256", &rsaKey.PublicKey, ""},
		{"PS512 RSA", "PS512", &rsaKey.PublicKey, ""},
		{"RS256 private RSA reduced to public", "RS256", rsaKey, ""},
		{"ES256 P-256", "ES256", &p256.PublicKey, ""},
		{"ES384 P-384", "ES384", &p384.PublicKey, ""},
		{"ES512 P-521", "ES512", p521, ""},
		{"EdDSA Ed25519", "EdDSA", ed.Public(), ""},
		{"EdDSA private reduced to public", "EdDSA", ed, ""},
		{"RS256 on EC key", "RS256", &p256.PublicKey, "needs an RSA key"},
		{"ES256 on RSA key", "ES256", &rsaKey.PublicKey, "needs an EC key"},
		{"ES256 on P-384", "ES256", &p384.PublicKey, "needs curve P-256"},
		{"ES384 on P-256", "ES384", &p256.PublicKey, "needs curve P-384"},
		{"ES512 on P-384", "ES512", &p384.PublicKey, "needs curve P-521"},
		{"EdDSA on EC key", "EdDSA", &p256.PublicKey, "needs an Ed25519 key"},
		{"EdDSA short key", "EdDSA", ed25519.PublicKey(ed.Public().(ed25519.PublicKey)[:16]), "needs an Ed25519 key"},
		{"RSA under 2048 bits", "RS256", &testSmallRSAKey().PublicKey, "under 2048 bits"},
		{"RSA without modulus", "PS256", &rsa.PublicKey{E: 65537}, "under 2048 bits"},
		{"HS256 refused", "HS256", &rsaKey.PublicKey, "NewHMACKey"},
		{"none refused", "none", &rsaKey.PublicKey, "unsupported algorithm"},
		{"alg is case-sensitive", "rs256", &rsaKey.PublicKey, "unsupported algorithm"},
		{"nil key", "RS256", nil, "needs an RSA key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey("kid-1", tt.alg, tt.pub)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewKey error %v, want one containing %q", err, tt.wantErr)
				}
				if k != nil {
					t.Fatal("NewKey returned a key with its error")
				}
				return
			}
			if err != nil {
				t.Fatalf("NewKey: %v", err)
			}
			if k.ID() != "kid-1" || string(k.Alg()) != tt.alg {
				t.Fatalf("key (%q, %s), want (kid-1, %s)", k.ID(), k.Alg(), tt.alg)
			}
			switch k.PublicKey().(type) {
			case *rsa.PrivateKey, *ecdsa.PrivateKey:
				t.Fatalf("private key kept: %T", k.PublicKey())
			}
			if _, priv := k.PublicKey().(interface{ Seed() []byte }); priv {
				t.Fatal("Ed25519 private key kept")
			}
		})
	}
}

func TestNewHMACKey(t *testing.T) {
	tests := []struct {
		alg     string
		n       int
		wantErr string
	}{
		{"HS256", 32, ""},
		{"HS256", 31, "at least 32 bytes"},
		{"HS384", 48, ""},
		{"HS384", 47, "at least 48 bytes"},
		{"HS512", 64, ""},
		{"HS512", 63, "at least 64 bytes"},
		{"HS256", 0, "at least 32 bytes"},
		{"RS256", 64, "not an HMAC algorithm"},
		{"hs256", 64, "not an HMAC algorithm"},
		{"none", 64, "not an HMAC algorithm"},
	}
	for _, tt := range tests {
		t.Run(tt.alg+"/"+strings.Repeat("x", min(tt.n, 3)), func(t *testing.T) {
			k, err := NewHMACKey("h", tt.alg, make([]byte, tt.n))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewHMACKey(%s, %d bytes) error %v, want %q", tt.alg, tt.n, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(k.Alg()) != tt.alg || k.PublicKey() != nil {
				t.Fatalf("NewHMACKey(%s, %d bytes) = %v, %v", tt.alg, tt.n, k, err)
			}
		})
	}
}

// The secret is copied: changing the caller's slice afterwards does not
// change what the key verifies.
func TestNewHMACKeyCopiesSecret(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	k, err := NewHMACKey("h", "HS256", secret)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("header.payload")
	sig := hmacSign(t, HS256, secret, msg)
	secret[0] = 'X'
	if !k.Verify(msg, sig) {
		t.Fatal("key follows the caller's slice")
	}
}

func TestParseAlg(t *testing.T) {
	for _, s := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"} {
		if a, ok := ParseAlg(s); !ok || string(a) != s {
			t.Errorf("ParseAlg(%q) = %q, %v", s, a, ok)
		}
	}
	for _, s := range []string{"", "none", "None", "NONE", "rs256", "ES256K", "EdDSA ", "Ed25519", "RSA-OAEP"} {
		if a, ok := ParseAlg(s); ok {
			t.Errorf("ParseAlg(%q) = %q, want refused", s, a)
		}
	}
}
