package middleware

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const rawClaimPayload = `{"iss":"` + testIssuer + `","sub":"u1",` +
	`"favorite_color":"plain-red",` +
	`"` + testNS + `favorite_color":"blue",` +
	`"` + otherNS + `favorite_color":"green",` +
	`"org_id":"acme","realm_access":{"roles":["admin"]},` +
	`"esc\u0061ped":1,"` + `https://myapp.example.com/\u0072oles` + `":["r"]}`

// TestRawClaimAgreesWithCustom: RawCustom finds what Custom decodes, for
// every namespace configuration; RawClaim finds exact names only.
func TestRawClaimAgreesWithCustom(t *testing.T) {
	names := []string{"favorite_color", testNS + "favorite_color", otherNS + "favorite_color", "org_id",
		"realm_access", "escaped", "roles", "missing", "", "sub", testNS + "roles", "iss"}
	var many strings.Builder
	many.WriteString(`{"org_id":"acme"`)
	for i := range maxIndexed {
		fmt.Fprintf(&many, `,"c%d":%d`, i, i)
	}
	many.WriteString(`,"last":"x"}`)
	for _, nss := range [][]string{nil, {testNS}, {otherNS, testNS}, {testNS, otherNS}} {
		for _, c := range []*Claims{claimsOf(rawClaimPayload, nss...), decoded(t, rawClaimPayload, nss...),
			decoded(t, many.String(), nss...), decoded(t, strings.ReplaceAll(rawClaimPayload, `a`, "a"), nss...)} {
			for _, name := range append(names, "last", "c3") {
				got, ok := c.RawCustom(name)
				want, err := Custom[json.RawMessage](c, name)
				if ok != (err == nil) || !bytes.Equal(got, want) {
					t.Errorf("namespaces %q: RawCustom(%q) = %s %v, Custom %s %v", nss, name, got, ok, want, err)
				}
				exact, ok := c.RawClaim(name)
				ref, inToken := map[string]json.RawMessage{}, false
				if json.Unmarshal(c.raw, &ref) == nil {
					_, inToken = ref[name]
				}
				if ok != inToken || ok && !bytes.Equal(exact, ref[name]) {
					t.Errorf("RawClaim(%q) = %s %v, want %s %v", name, exact, ok, ref[name], inToken)
				}
			}
		}
	}
	var nilClaims *Claims
	if _, ok := nilClaims.RawCustom("sub"); ok {
		t.Error("nil claims found a claim")
	}
	if _, ok := nilClaims.RawClaim("sub"); ok {
		t.Error("nil claims found a claim")
	}
}

func TestRawClaimAllocatesNothing(t *testing.T) {
	c := claimsOf(auth0Payload+"", testNS)
	n := testing.AllocsPerRun(100, func() {
		if v, ok := c.RawCustom("roles"); !ok || string(v) != `["admin","editor"]` {
			t.Fatalf("roles = %s", v)
		}
		if _, ok := c.RawClaim("permissions"); !ok {
			t.Fatal("permissions")
		}
	})
	if n != 0 {
		t.Errorf("allocs = %v", n)
	}
}

// decoded returns the claims of payload as Validate leaves them, indexed.
func decoded(t testing.TB, payload string, namespaces ...string) *Claims {
	t.Helper()
	cs := &claimSet{}
	if e := decodeClaims([]byte(payload), cs); e != nil {
		t.Fatal(e)
	}
	cs.namespaces = namespaces
	return &cs.Claims
}

func BenchmarkRawCustom(b *testing.B) {
	c := decoded(b, auth0Payload, testNS)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.RawCustom("permissions"); !ok {
			b.Fatal("permissions")
		}
	}
}

// TestMemberIndex: the index covers ordinary payloads and gives up on
// names with escapes, too many members and payloads over 64 KiB.
func TestMemberIndex(t *testing.T) {
	if c := decoded(t, auth0Payload); !c.members.usable() || int(c.members.n) != 9 {
		t.Errorf("auth0 payload: usable %v, %d members", c.members.usable(), c.members.n)
	}
	if c := decoded(t, `{"a\u0062":1}`); c.members.usable() {
		t.Error("an escaped name was indexed")
	}
	big := `{"sub":"` + strings.Repeat("x", 1<<16) + `","org_id":"acme"}`
	c := decoded(t, big)
	if c.members.usable() {
		t.Error("a payload over 64 KiB was indexed")
	}
	if v, ok := c.RawClaim("org_id"); !ok || string(v) != `"acme"` {
		t.Errorf("org_id = %s %v", v, ok)
	}
	if c := decoded(t, `{}`); c.members.usable() {
		t.Error("empty payload: nothing to index")
	}
	if c := claimsOf(`{"a":1}`); c.members.usable() {
		t.Error("claims not built by decodeClaims used an index")
	}
}

// FuzzRawClaim: for every payload decodeClaims accepts, the index and a
// fresh read of the payload find the same value for every top-level name.
func FuzzRawClaim(f *testing.F) {
	f.Add(rawClaimPayload, "org_id")
	f.Add(auth0Payload, "roles")
	f.Add(`{"a":{"b":[1,"}"]},"c":"\"","":1}`, "c")
	f.Fuzz(func(t *testing.T, payload, name string) {
		cs := &claimSet{}
		if decodeClaims([]byte(payload), cs) != nil {
			return
		}
		idx := &cs.Claims
		scan := claimsOf(payload)
		var ref map[string]json.RawMessage
		if err := json.Unmarshal([]byte(payload), &ref); err != nil {
			t.Fatalf("decodeClaims accepted %q: %v", payload, err)
		}
		for k := range ref {
			for _, n := range []string{k, name} {
				a, aok := idx.RawClaim(n)
				b, bok := scan.RawClaim(n)
				if aok != bok || !bytes.Equal(a, b) {
					t.Fatalf("RawClaim(%q): index %s %v, scan %s %v", n, a, aok, b, bok)
				}
				for _, nss := range [][]string{{testNS}, {"a", "b"}, {"b", testNS}} {
					idx.namespaces, scan.namespaces = nss, nss
					a, aok = idx.RawCustom(n)
					b, bok = scan.RawCustom(n)
					idx.namespaces, scan.namespaces = nil, nil
					if aok != bok || !bytes.Equal(a, b) {
						t.Fatalf("RawCustom(%q) under %q: index %s %v, scan %s %v", n, nss, a, aok, b, bok)
					}
				}
			}
		}
	})
}
