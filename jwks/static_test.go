package jwks

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestStatic(t *testing.T) {
	a := mustKey(t, "a", newEC(t, elliptic.P256()))
	b := mustKey(t, "b", newEC(t, elliptic.P256()))
	a2 := mustKey(t, "a", newEC(t, elliptic.P256()))
	for name, tc := range map[string]struct {
		keys    []*Key
		wantErr string
	}{
		"two keys":  {[]*Key{a, b}, ""},
		"no key":    {nil, "at least one key"},
		"nil key":   {[]*Key{a, nil}, "nil key"},
		"same kid":  {[]*Key{a, a2}, "duplicate kid"},
		"HMAC key":  {[]*Key{mustHMAC(t)}, ""},
		"one key":   {[]*Key{b}, ""},
		"three key": {[]*Key{a, b, mustHMAC(t)}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Static(tc.keys...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Static error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Keys().Len() != len(tc.keys) {
				t.Fatalf("Len = %d", s.Keys().Len())
			}
			set, err := s.Refresh(context.Background(), "unknown")
			if err != nil || set != s.Keys() {
				t.Fatalf("Refresh = %v, %v; want the fixed set", set, err)
			}
		})
	}
}

func mustHMAC(t testing.TB) *Key {
	k, err := NewHMACKey("hmac", "HS256", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestStaticJWKS(t *testing.T) {
	p256 := newEC(t, elliptic.P256())
	single, _ := json.Marshal(jwkOf(t, p256, "one"))
	tests := []struct {
		name    string
		doc     []byte
		allowed []Alg
		kids    string
		wantErr string
	}{
		{"set", jwksDoc(t, jwkOf(t, p256, "a"), jwkOf(t, testRSAKeys()[0], "b")), nil, "a b", ""},
		{"set with a dropped key", jwksDoc(t, jwkOf(t, p256, "a", "use", "enc"), jwkOf(t, p256, "b")), nil, "b", ""},
		{"single JWK", single, nil, "one", ""},
		{"single JWK, algorithm not allowed", single, []Alg{RS256}, "", "malformed"},
		{"no usable key", jwksDoc(t, jwkOf(t, p256, "a", "use", "enc")), nil, "", "no usable key"},
		{"empty set", jwksDoc(t), nil, "", "no usable key"},
		{"small-order Ed25519 single JWK", []byte(`{"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), nil, "", "malformed"},
		{"small-order Ed25519 only key", jwksDoc(t, map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}), nil, "", "Ed25519 point of small order"},
		{"oct single JWK", []byte(`{"kty":"oct","k":"` + b64(make([]byte, 32)) + `"}`), nil, "", "malformed"},
		{"garbage", []byte("garbage"), nil, "", "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := StaticJWKS(tt.doc, tt.allowed)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("StaticJWKS error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(s.Keys().KIDs(), " "); got != tt.kids {
				t.Fatalf("kids %q, want %q", got, tt.kids)
			}
		})
	}
}

func TestParsePEM(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	p256 := newEC(t, elliptic.P256())
	ed := newEd(t)
	pkixPEM := func(pub any) []byte {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "idp"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p256.PublicKey, p256)
	if err != nil {
		t.Fatal(err)
	}
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsaKey.PublicKey)})
	// x509 parses any 32 bytes as an Ed25519 key and any positive exponent
	// up to 2^31 - 1; NewKey refuses what is weak.
	identity := ed25519.PublicKey(append([]byte{1}, make([]byte, 31)...))
	nonCanonical := ed25519.PublicKey(append([]byte{0xf0}, bytes.Repeat([]byte{0xff}, 31)...))
	nonCanonical[31] = 0x7f // y = 3 + p
	evenE := rsaKey.PublicKey
	evenE.E = 65536
	pkcs1EvenE := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&evenE)})
	privDER, _ := x509.MarshalPKCS8PrivateKey(p256)
	priv := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})
	tests := []struct {
		name    string
		alg     string
		data    []byte
		want    any // the public key expected
		wantErr string
	}{
		{"PKIX RSA", "RS256", pkixPEM(&rsaKey.PublicKey), &rsaKey.PublicKey, ""},
		{"PKIX EC", "ES256", pkixPEM(&p256.PublicKey), &p256.PublicKey, ""},
		{"PKIX Ed25519", "EdDSA", pkixPEM(ed.Public()), ed.Public(), ""},
		{"PKCS #1 RSA", "PS256", pkcs1, &rsaKey.PublicKey, ""},
		{"certificate", "ES256", cert, &p256.PublicKey, ""},
		{"leading text", "ES256", append([]byte("issuer key:\n"), pkixPEM(&p256.PublicKey)...), &p256.PublicKey, ""},
		{"certificate, wrong alg", "RS256", cert, nil, "needs an RSA key"},
		{"small RSA", "RS256", pkixPEM(&testSmallRSAKey().PublicKey), nil, "2048"},
		{"small-order Ed25519", "EdDSA", pkixPEM(identity), nil, "jwks: weak or invalid public key: Ed25519 point of small order"},
		{"non-canonical Ed25519", "EdDSA", pkixPEM(nonCanonical), nil, "jwks: weak or invalid public key: Ed25519 key is not a canonical point encoding"},
		{"RSA with e = 65536", "RS256", pkcs1EvenE, nil, "jwks: weak or invalid public key: RSA public exponent 65536 is even"},
		{"private key block", "ES256", priv, nil, `"PRIVATE KEY" is not a public key`},
		{"no PEM", "RS256", []byte("not pem"), nil, "no PEM block"},
		{"corrupt block", "RS256", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}), nil, "jwks: PEM:"},
		{"corrupt certificate", "RS256", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), nil, "jwks: PEM:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePEM("pem", tt.alg, tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePEM error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			type equaler interface{ Equal(x crypto.PublicKey) bool }
			if !k.PublicKey().(equaler).Equal(tt.want) || string(k.Alg()) != tt.alg || k.ID() != "pem" {
				t.Fatalf("ParsePEM = %s %T, want %s %T", k.Alg(), k.PublicKey(), tt.alg, tt.want)
			}
		})
	}
}
