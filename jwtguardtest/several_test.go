package jwtguardtest_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// Issuers run side by side, each with its own keys under the same kid
// names ("key-1" first), so a test of several issuers shows that keys are
// bound to their issuer rather than found by kid.
func TestSeveralIssuers(t *testing.T) {
	a, b := newIssuer(t), newIssuer(t)
	if a.URL() == b.URL() || a.KeyID() != "key-1" || b.KeyID() != "key-1" || bytes.Equal(a.JWKS(), b.JWKS()) {
		t.Fatalf("URLs %s %s, kids %s %s, same JWKS %v", a.URL(), b.URL(), a.KeyID(), b.KeyID(), bytes.Equal(a.JWKS(), b.JWKS()))
	}
	// Claims.Issuer mints with an Issuer's key for another name: an alias
	// (a custom domain), or a forgery.
	tok := mint(t, a, jwtguardtest.Claims{Issuer: "https://login.example.com/"})
	if got := segment(t, tok, 1)["iss"]; got != "https://login.example.com/" {
		t.Fatalf("iss %v", got)
	}
}

// Several issuers at once: each verified with its own keys, an Auth0
// custom domain as an alias of its tenant (same keys, fetched once), and
// an issuer the API does not list refused without a request to it.
func Example_severalIssuers() {
	tenantA, _ := jwtguardtest.NewIssuer()
	defer tenantA.Close()
	tenantB, _ := jwtguardtest.NewIssuer()
	defer tenantB.Close()
	stranger, _ := jwtguardtest.NewIssuer()
	defer stranger.Close()

	const api, customDomain = "https://contacts.example.com", "https://login.example.com/"
	v, err := middleware.New(tenantA.URL(), api,
		middleware.WithIssuers(tenantB.URL()),
		middleware.WithIssuerAliases(tenantA.URL(), customDomain))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	if err := v.Prime(context.Background()); err != nil {
		log.Fatal(err)
	}
	check := func(name string, iss *jwtguardtest.Issuer, claimed string) {
		tok, _ := iss.AccessToken(jwtguardtest.Claims{Issuer: claimed, Audience: []string{api}})
		result := "accepted"
		if _, err := v.Validate(context.Background(), tok); err != nil {
			result = string(middleware.AsError(err).Reason)
		}
		fmt.Printf("%-27s %s\n", name, result)
	}
	check("tenant A", tenantA, "")
	check("tenant A, custom domain", tenantA, customDomain)
	check("tenant B", tenantB, "")
	check("tenant B claiming tenant A", tenantB, tenantA.URL())
	check("an issuer not listed", stranger, "")
	fmt.Println("tenant A key fetches:", tenantA.JWKSFetches(), "- requests to the stranger:", stranger.JWKSFetches()+stranger.DiscoveryFetches())
	// Output:
	// tenant A                    accepted
	// tenant A, custom domain     accepted
	// tenant B                    accepted
	// tenant B claiming tenant A  bad_signature
	// an issuer not listed        issuer_mismatch
	// tenant A key fetches: 1 - requests to the stranger: 0
}
