package jwks

import (
	"crypto"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// TestThumbprintRFCVectors checks Thumbprint against the examples of RFC
// 7638 section 3.1 (RSA) and RFC 8037 appendix A.3 (Ed25519).
func TestThumbprintRFCVectors(t *testing.T) {
	const rfc7638N = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	n, err := base64.RawURLEncoding.DecodeString(rfc7638N)
	if err != nil {
		t.Fatal(err)
	}
	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		alg  string
		pub  crypto.PublicKey
		want string
	}{
		{"RFC 7638 section 3.1", "RS256", &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		{"RFC 8037 appendix A.3", "EdDSA", ed25519.PublicKey(x), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKey("any kid", tt.alg, tt.pub)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.Thumbprint(); got != tt.want {
				t.Fatalf("Thumbprint = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestThumbprintMatchesJWX compares Thumbprint with jwx's on generated keys
// of every type and curve (P-521 coordinates keep their leading zeros).
func TestThumbprintMatchesJWX(t *testing.T) {
	keys := []struct {
		alg  string
		priv any
	}{
		{"RS256", testRSAKeys()[0]},
		{"PS512", testRSAKeys()[1]},
		{"EdDSA", newEd(t)},
	}
	for range 8 {
		keys = append(keys,
			struct {
				alg  string
				priv any
			}{"ES256", newEC(t, elliptic.P256())},
			struct {
				alg  string
				priv any
			}{"ES384", newEC(t, elliptic.P384())},
			struct {
				alg  string
				priv any
			}{"ES512", newEC(t, elliptic.P521())})
	}
	for _, kk := range keys {
		k, err := NewKey("k", kk.alg, kk.priv)
		if err != nil {
			t.Fatal(err)
		}
		jk, err := jwk.Import(k.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		tp, err := jk.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.RawURLEncoding.EncodeToString(tp); k.Thumbprint() != want {
			t.Fatalf("%s: Thumbprint = %s, jwx says %s", kk.alg, k.Thumbprint(), want)
		}
	}
}

// An HMAC key has no thumbprint, and its identity is not a plain hash of
// the secret.
func TestThumbprintHMAC(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	k, err := NewHMACKey("h", "HS256", secret)
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Thumbprint(); got != "" {
		t.Fatalf("HMAC Thumbprint = %q, want empty", got)
	}
	var zero [32]byte
	if k.id == zero || k.id == thumbprint("k", b64(secret), "kty", "oct") {
		t.Fatal("HMAC identity is zero or the plain RFC 7638 thumbprint of the secret")
	}
	if (*Key)(nil).Thumbprint() != "" || (&Key{}).Thumbprint() != "" {
		t.Fatal("nil or zero Key has a thumbprint")
	}
}
