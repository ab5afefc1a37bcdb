package jwks

import (
	"crypto/elliptic"
	"strings"
	"testing"
	"time"
)

// TestSetContainsByContent: Contains compares kid, algorithm and key
// material, not *Key pointers.
func TestSetContainsByContent(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	ec := newEC(t, elliptic.P256())
	ed := newEd(t)
	key := func(kid, alg string, pub any) *Key {
		t.Helper()
		k, err := NewKey(kid, alg, pub)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	hmacKey := func(kid, secret string) *Key {
		t.Helper()
		k, err := NewHMACKey(kid, "HS256", []byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	secret := strings.Repeat("s", 32)
	rs := key("rs", "RS256", &rsaKey.PublicKey)
	es := key("es", "ES256", &ec.PublicKey)
	eddsa := key("ed", "EdDSA", ed.Public())
	hs := hmacKey("hs", secret)
	set := NewSet(rs, es, eddsa, hs)
	tests := []struct {
		name string
		set  *Set
		key  *Key
		want bool
	}{
		{"the same *Key", set, rs, true},
		{"RSA rebuilt from the same material", set, key("rs", "RS256", &rsaKey.PublicKey), true},
		{"RSA rebuilt from the private key", set, key("rs", "RS256", rsaKey), true},
		{"EC rebuilt", set, key("es", "ES256", &ec.PublicKey), true},
		{"Ed25519 rebuilt", set, key("ed", "EdDSA", ed.Public()), true},
		{"HMAC rebuilt from the same secret", set, hmacKey("hs", secret), true},
		{"same kid, other RSA key", set, key("rs", "RS256", &testRSAKeys()[1].PublicKey), false},
		{"same kid, other EC key", set, key("es", "ES256", &newEC(t, elliptic.P256()).PublicKey), false},
		{"same kid, other Ed25519 key", set, key("ed", "EdDSA", newEd(t).Public()), false},
		{"same kid, other secret", set, hmacKey("hs", strings.Repeat("t", 32)), false},
		{"same key, other algorithm", set, key("rs", "PS256", &rsaKey.PublicKey), false},
		{"same key, other kid", set, key("rs2", "RS256", &rsaKey.PublicKey), false},
		{"key removed", NewSet(es, eddsa, hs), key("rs", "RS256", &rsaKey.PublicKey), false},
		{"nil key", set, nil, false},
		{"nil set", nil, rs, false},
		{"zero keys", NewSet(&Key{}), &Key{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.set.Contains(tt.key); got != tt.want {
				t.Fatalf("Contains = %v, want %v", got, tt.want)
			}
		})
	}
	// The cache hit path calls Contains with a key that is not the set's
	// own *Key after every refresh: the comparison must not allocate.
	other := key("rs", "RS256", &rsaKey.PublicKey)
	if n := testing.AllocsPerRun(100, func() { set.Contains(other) }); n != 0 {
		t.Fatalf("Contains allocates %v times", n)
	}
}

// TestParseJWKSSameDocumentSameKeys: parsing the same document twice, which
// is what a refresh does, yields new *Key values that the other set
// contains; changing a key's material or algorithm under its kid does not.
func TestParseJWKSSameDocumentSameKeys(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	ec := newEC(t, elliptic.P256())
	parse := func(keys ...map[string]any) *Set {
		t.Helper()
		s, err := ParseJWKS(jwksDoc(t, keys...), nil)
		if err != nil || len(s.Dropped()) != 0 {
			t.Fatalf("ParseJWKS: %v %v", err, s.Dropped())
		}
		return s
	}
	first := parse(jwkOf(t, rsaKey, "rs"), jwkOf(t, ec, "es"))
	tests := []struct {
		name string
		next *Set
		rs   bool // Contains(first's rs)
		es   bool
	}{
		{"identical document", parse(jwkOf(t, rsaKey, "rs"), jwkOf(t, ec, "es")), true, true},
		{"keys in another order", parse(jwkOf(t, ec, "es"), jwkOf(t, rsaKey, "rs")), true, true},
		{"rs replaced under its kid", parse(jwkOf(t, testRSAKeys()[1], "rs"), jwkOf(t, ec, "es")), false, true},
		{"rs bound to PS256", parse(jwkOf(t, rsaKey, "rs", "alg", "PS256"), jwkOf(t, ec, "es")), false, true},
		{"es removed", parse(jwkOf(t, rsaKey, "rs")), true, false},
	}
	rs, _ := first.Lookup("rs")
	es, _ := first.Lookup("es")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, _ := tt.next.Lookup("rs"); r == rs {
				t.Fatal("the same *Key in both sets: the test proves nothing")
			}
			if got := tt.next.Contains(rs); got != tt.rs {
				t.Errorf("Contains(rs) = %v, want %v", got, tt.rs)
			}
			if got := tt.next.Contains(es); got != tt.es {
				t.Errorf("Contains(es) = %v, want %v", got, tt.es)
			}
		})
	}
}

// TestRemoteRefreshKeepsKeyIdentity: a background refresh that returns the
// same JWKS publishes a new set holding new *Key values, and the keys of
// the previous set are still contained (a verified-token cache keeps its
// entries); a refresh that replaces the key under its kid is not.
func TestRemoteRefreshKeepsKeyIdentity(t *testing.T) {
	t.Parallel()
	ec := newEC(t, elliptic.P256())
	p := newIDP(t, jwkOf(t, ec, "k"))
	r := newTestRemote(t, p.url(), WithRefreshInterval(time.Second))
	prime(t, r, 5*time.Second)
	first := r.Keys()
	old, _ := first.Lookup("k")
	eventually(t, 5*time.Second, "a refresh", func() bool { return r.Keys() != first })
	if k, _ := r.Keys().Lookup("k"); k == old {
		t.Fatal("the refresh kept the *Key: the test proves nothing")
	}
	if !r.Keys().Contains(old) {
		t.Fatal("a refresh with the same JWKS dropped the key")
	}
	p.setKeys(t, jwkOf(t, newEC(t, elliptic.P256()), "k"))
	eventually(t, 5*time.Second, "the replaced key", func() bool { return !r.Keys().Contains(old) })
	if _, ok := r.Keys().Lookup("k"); !ok {
		t.Fatal("kid k missing after the replacement")
	}
}
