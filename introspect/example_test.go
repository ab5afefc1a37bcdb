package introspect_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// An API validates the opaque access tokens of an authorization server
// such as Okta, Keycloak or ORY Hydra at its introspection endpoint, here
// the test kit's, found through OIDC discovery.
func Example() {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	const api = "https://contacts.example.com"
	c, err := introspect.New(introspect.Config{
		Issuer:       iss.URL(), // Endpoint left empty: discovered
		ClientID:     jwtguardtest.DefaultIntrospectionClientID,
		ClientSecret: jwtguardtest.DefaultIntrospectionClientSecret,
		Audiences:    []string{api},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.CloseIdleConnections()

	tok, err := iss.Introspector().OpaqueToken(jwtguardtest.Claims{
		Subject:  "alice",
		Audience: []string{api},
		Scope:    "read:contacts",
		Custom:   map[string]any{"username": "alice@example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.Introspect(context.Background(), tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Subject, res.Username, res.Scopes())

	// A revoked token is refused (401), once the cached answer is gone.
	iss.Introspector().Revoke(tok)
	c.Invalidate(tok)
	_, err = c.Introspect(context.Background(), tok)
	var e *introspect.Error
	fmt.Println(errors.Is(err, introspect.ErrInactive), errors.As(err, &e) && e.Kind == introspect.KindInactive)

	// An outage is not the token's fault: 503, never 401.
	iss.Introspector().SetDown(true)
	other, _ := iss.Introspector().OpaqueToken(jwtguardtest.Claims{Audience: []string{api}})
	_, err = c.Introspect(context.Background(), other)
	fmt.Println(errors.Is(err, introspect.ErrUnavailable))
	// Output:
	// alice alice@example.com [read:contacts]
	// true true
	// true
}
