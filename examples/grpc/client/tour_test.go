package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestTour runs the client's tour against the in-process server and checks
// what each call got.
func TestTour(t *testing.T) {
	var out strings.Builder
	if err := tour(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	// The server accepts DPoP too (RFC 9449 section 7.1): every challenge
	// offers both schemes.
	const dpop = `DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`
	want := []string{
		`Health.Check  no token       -> SERVING`,
		`List          no token       -> Unauthenticated: no bearer token in the authorization metadata`,
		`      www-authenticate: Bearer realm="contacts", ` + dpop,
		`List          ID token       -> Unauthenticated: an ID token was sent instead of an access token`,
		`      www-authenticate: Bearer realm="contacts", error="invalid_token", error_description="an ID token was sent instead of an access token", ` + dpop,
		`List          reader token   -> OK, 3 contacts: 1 Ada Lovelace, 2 Alan Turing, 3 Grace Hopper`,
		`Delete 1      reader token   -> PermissionDenied: the access token lacks the scope this resource requires: delete:contacts`,
		`List          DPoP token     -> OK, 3 contacts: 1 Ada Lovelace, 2 Alan Turing, 3 Grace Hopper`,
		`List          replayed proof -> Unauthenticated: the DPoP proof was already used (jti replay)`,
		`      www-authenticate: Bearer realm="contacts", ` + dpop + `, error="invalid_dpop_proof", error_description="the DPoP proof was already used (jti replay)"`,
		`List          DPoP as Bearer -> Unauthenticated: a DPoP-bound access token was sent with the Bearer scheme (RFC 9449 section 7.2)`,
		`Watch         no token       -> Unauthenticated: no bearer token in the authorization metadata (before any message)`,
		`      www-authenticate: Bearer realm="contacts", ` + dpop,
		`Watch         reader token   -> existing 1 Ada Lovelace`,
		`Watch         reader token   -> existing 3 Grace Hopper`,
		`Delete 1      admin token    -> OK`,
		`Watch         reader token   -> deleted 1 deleted by auth0|admin`,
		`Delete 1      admin token    -> NotFound: no contact with id "1"`,
		`List          admin token    -> OK, 2 contacts: 2 Alan Turing, 3 Grace Hopper`,
	}
	got := out.String()
	at := 0
	for _, w := range want {
		i := strings.Index(got[at:], w+"\n")
		if i < 0 {
			t.Fatalf("missing, or out of order: %q\n--- output:\n%s", w, got)
		}
		at += i + len(w)
	}
	if !regexp.MustCompile(`^contacts.v1.Contacts on 127\.0\.0\.1:\d+, development issuer http://127\.0\.0\.1:\d+/\n`).MatchString(got) {
		t.Errorf("first line: %q", strings.SplitN(got, "\n", 2)[0])
	}
}
