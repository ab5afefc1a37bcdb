package jwks

import (
	"crypto/elliptic"
	"testing"
)

func TestSetLookup(t *testing.T) {
	a := mustKey(t, "a", newEC(t, elliptic.P256()))
	b := mustKey(t, "b", newEC(t, elliptic.P256()))
	noKID := mustKey(t, "", newEC(t, elliptic.P256()))
	tests := []struct {
		name string
		set  *Set
		kid  string
		want *Key
	}{
		{"kid found", NewSet(a, b), "b", b},
		{"kid missing", NewSet(a, b), "c", nil},
		{"empty kid, one key", NewSet(a), "", a},
		{"empty kid, one key without kid", NewSet(noKID), "", noKID},
		{"empty kid, several keys", NewSet(a, b), "", nil},
		{"empty kid, several keys, one without kid", NewSet(noKID, b), "", nil},
		{"empty set", NewSet(), "", nil},
		{"nil set", nil, "a", nil},
		{"kid is case-sensitive", NewSet(a, b), "A", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.set.Lookup(tt.kid)
			if got != tt.want || ok != (tt.want != nil) {
				t.Fatalf("Lookup(%q) = %v, %v; want %v", tt.kid, got, ok, tt.want)
			}
		})
	}
}

func TestNewSetDuplicatesAndCopies(t *testing.T) {
	a := mustKey(t, "a", newEC(t, elliptic.P256()))
	a2 := mustKey(t, "a", newEC(t, elliptic.P256()))
	s := NewSet(a, nil, a2)
	if s.Len() != 1 {
		t.Fatalf("Len = %d, want 1", s.Len())
	}
	if k, _ := s.Lookup("a"); k != a {
		t.Fatal("a repeated kid replaced the first key")
	}
	if !s.Contains(a) || s.Contains(a2) {
		t.Fatal("Contains must compare the key material, not only the kid")
	}
	d := s.Dropped()
	if len(d) != 1 || d[0].(*KeyError).Reason != "duplicate kid" {
		t.Fatalf("Dropped = %v", d)
	}
	keys := s.Keys()
	keys[0] = a2
	if k, _ := s.Lookup("a"); k != a || s.Keys()[0] != a {
		t.Fatal("Keys exposes the set's own slice")
	}
	if got := s.KIDs(); len(got) != 1 || got[0] != "a" {
		t.Fatalf("KIDs = %v", got)
	}
	var nilSet *Set
	if nilSet.Len() != 0 || nilSet.Keys() != nil || nilSet.Contains(a) || !nilSet.Fetched().IsZero() {
		t.Fatal("nil set must be empty")
	}
}

func mustKey(t testing.TB, kid string, pub any) *Key {
	t.Helper()
	alg := ""
	switch jwkOf(t, pub, "")["kty"] {
	case "RSA":
		alg = "RS256"
	case "EC":
		alg = "ES256"
	case "OKP":
		alg = "EdDSA"
	}
	k, err := NewKey(kid, alg, pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
