package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzParseJWKS: no document makes ParseJWKS panic, and every key it
// returns is usable as documented: bound to an allowed asymmetric
// algorithm, with a public key of the type (and curve, and size) that
// algorithm needs. No oct key and no HMAC binding ever comes out of a JWKS.
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
			if got, ok := set.Lookup(k.ID()); !ok || got != k {
				t.Fatalf("key %q not found by its kid", k.ID())
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
	case *ecdsa.PublicKey:
		if want := map[string]Alg{"P-256": ES256, "P-384": ES384, "P-521": ES512}[pub.Curve.Params().Name]; want != a {
			t.Fatalf("EC %s key bound to %s", pub.Curve.Params().Name, a)
		}
		if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
			t.Fatal("EC point off the curve")
		}
	case ed25519.PublicKey:
		if a != EdDSA || len(pub) != ed25519.PublicKeySize {
			t.Fatalf("Ed25519 key (%d bytes) bound to %s", len(pub), a)
		}
	default:
		t.Fatalf("key of type %T bound to %s", pub, a)
	}
}

// FuzzDiscoveryDocument: a jwks_uri is accepted only when the document's
// "issuer" is exactly the configured issuer and the URL is https, or http
// to a loopback host. Seeds: testdata/fuzz/FuzzDiscoveryDocument.
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
