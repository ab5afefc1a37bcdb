package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// FuzzParseJWKS: no document makes ParseJWKS panic, and every key it
// returns is usable as documented: bound to an allowed asymmetric
// algorithm, with a public key of the type (and curve, and size) that
// algorithm needs, never weak (small-order or non-canonical Ed25519, EC off
// its curve, RSA with an unusable modulus or exponent), contained in its
// set and identified by its RFC 7638 thumbprint. No oct key and no HMAC
// binding ever comes out of a JWKS.
// Seeds: testdata/fuzz/FuzzParseJWKS.
func FuzzParseJWKS(f *testing.F) {
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA","alg":"HS256"}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		// One allowlist per input (parsing is the cost): the default, a
		// subset, and one algorithm only.
		allowed := [][]Alg{nil, {ES256, PS256}, {EdDSA}}[len(doc)%3]
		set, err := ParseJWKS(doc, allowed)
		if err != nil {
			if set != nil {
				t.Fatal("a set with an error")
			}
			return
		}
		if allowed == nil {
			allowed = AsymmetricAlgs
		}
		var top map[string]json.RawMessage
		var list []json.RawMessage
		if json.Unmarshal(doc, &top) != nil || json.Unmarshal(top["keys"], &list) != nil {
			t.Fatal("accepted a document encoding/json cannot read")
		}
		if len(list) != set.Len()+len(set.Dropped()) {
			t.Fatalf("%d keys in the document, %d kept + %d dropped", len(list), set.Len(), len(set.Dropped()))
		}
		if set.Len() > MaxKeys {
			t.Fatalf("%d keys", set.Len())
		}
		for _, k := range set.Keys() {
			checkKeyInvariant(t, k, allowed)
			// A token without a kid matches only a set of one key.
			wantFound := k.ID() != "" || set.Len() == 1
			if got, ok := set.Lookup(k.ID()); ok != wantFound || ok && got != k || !set.Contains(k) {
				t.Fatalf("key %q: Lookup = %v, want %v; Contains = %v", k.ID(), ok, wantFound, set.Contains(k))
			}
		}
	})
}

func checkKeyInvariant(t *testing.T, k *Key, allowed []Alg) {
	t.Helper()
	a := k.Alg()
	if !slices.Contains(allowed, a) || a.IsHMAC() || k.secret != nil {
		t.Fatalf("key %q bound to %q (allowed %v)", k.ID(), a, allowed)
	}
	switch pub := k.PublicKey().(type) {
	case *rsa.PublicKey:
		if !strings.HasPrefix(string(a), "RS") && !strings.HasPrefix(string(a), "PS") || pub.N.BitLen() < MinRSABits {
			t.Fatalf("RSA key (%d bits) bound to %s", pub.N.BitLen(), a)
		}
		if pub.N.BitLen() > MaxRSABits || pub.N.Bit(0) == 0 || pub.E < 3 || pub.E%2 == 0 || pub.E > 1<<31-1 {
			t.Fatalf("RSA key with %d-bit modulus (odd: %v) and e = %d", pub.N.BitLen(), pub.N.Bit(0) == 1, pub.E)
		}
	case *ecdsa.PublicKey:
		if want := map[string]Alg{"P-256": ES256, "P-384": ES384, "P-521": ES512}[pub.Curve.Params().Name]; want != a {
			t.Fatalf("EC %s key bound to %s", pub.Curve.Params().Name, a)
		}
		p := pub.Curve.Params().P
		if pub.X.Sign() < 0 || pub.Y.Sign() < 0 || pub.X.Cmp(p) >= 0 || pub.Y.Cmp(p) >= 0 || !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			t.Fatal("EC point off the curve")
		}
	case ed25519.PublicKey:
		if a != EdDSA || len(pub) != ed25519.PublicKeySize {
			t.Fatalf("Ed25519 key (%d bytes) bound to %s", len(pub), a)
		}
		if smallOrderBlocklist[string(pub)] {
			t.Fatalf("Ed25519 small-order point %x kept", []byte(pub))
		}
		if !ed25519Canonical(pub) {
			t.Fatalf("Ed25519 non-canonical encoding %x kept", []byte(pub))
		}
	default:
		t.Fatalf("key of type %T bound to %s", pub, a)
	}
	// The identity is the RFC 7638 thumbprint, as jwx computes it.
	jk, err := jwk.Import(k.PublicKey())
	if err != nil {
		t.Fatalf("jwx cannot import key %q: %v", k.ID(), err)
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil || base64.RawURLEncoding.EncodeToString(tp) != k.Thumbprint() {
		t.Fatalf("Thumbprint %s, jwx says %x (%v)", k.Thumbprint(), tp, err)
	}
}

// smallOrderBlocklist holds the 14 encodings of Ed25519 points of order 1,
// 2, 4 and 8 (see smallOrderY), an oracle independent of the order check.
var smallOrderBlocklist = func() map[string]bool {
	m := map[string]bool{}
	for _, y := range smallOrderY {
		b, err := hex.DecodeString(y.hex)
		if err != nil {
			panic(err)
		}
		m[string(b)] = true
		b[31] |= 0x80
		m[string(b)] = true
	}
	return m
}()

// ed25519Canonical reports whether the y coordinate of enc (little-endian,
// sign bit masked) is below p = 2^255 - 19 (RFC 8032 section 5.1.3). The
// other non-canonical form, a sign bit on x = 0, exists only for y = 1 and
// y = p - 1, which are in the blocklist.
func ed25519Canonical(enc []byte) bool {
	y := make([]byte, 32)
	for i := range 32 {
		y[i] = enc[31-i]
	}
	y[0] &= 0x7f
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	return new(big.Int).SetBytes(y).Cmp(p) < 0
}

// FuzzDiscoveryDocument: a jwks_uri is accepted only when the document's
// "issuer" is exactly the configured issuer and the URL is https, or http
// to a loopback host when the issuer is not https. Seeds: testdata/fuzz/FuzzDiscoveryDocument.
func FuzzDiscoveryDocument(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/keys"}`), "https://idp.example.com/")
	f.Add([]byte(`{"issuer":"https://idp.example.com","jwks_uri":"http://127.0.0.1/k"}`), "https://idp.example.com")
	f.Fuzz(func(t *testing.T, doc []byte, issuer string) {
		got, err := parseMetadata("https://idp.example.com/.well-known/openid-configuration", doc, issuer, false)
		if err != nil {
			if got != "" {
				t.Fatal("a jwks_uri with an error")
			}
			return
		}
		// Read the document independently: exact member names.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(doc, &m); err != nil {
			t.Fatalf("accepted a document encoding/json refuses: %v", err)
		}
		var iss, uri string
		if json.Unmarshal(m["issuer"], &iss) != nil || iss != issuer {
			t.Fatalf("accepted issuer %s for %q", m["issuer"], issuer)
		}
		if json.Unmarshal(m["jwks_uri"], &uri) != nil || uri != got {
			t.Fatalf("returned %q, document says %s", got, m["jwks_uri"])
		}
		u, err := url.Parse(got)
		if err != nil || u.Host == "" {
			t.Fatalf("accepted jwks_uri %q: %v", got, err)
		}
		// An https issuer's keys never come over anything else.
		if strings.HasPrefix(strings.ToLower(issuer), "https:") && u.Scheme != "https" {
			t.Fatalf("accepted jwks_uri %q for the https issuer %q", got, issuer)
		}
		switch u.Scheme {
		case "https":
		case "http":
			h := u.Hostname()
			ip := net.ParseIP(h)
			if !strings.EqualFold(h, "localhost") && (ip == nil || !ip.IsLoopback()) {
				t.Fatalf("accepted plain http jwks_uri %q", got)
			}
		default:
			t.Fatalf("accepted jwks_uri %q", got)
		}
	})
}
