package middleware_test

import (
	"context"
	"fmt"
	"log"

	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// An API accepts the JWTs of its issuer and, through token introspection
// (RFC 7662), its opaque access tokens, with the same Claims.
func ExampleWithIntrospection() {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	const api = "https://contacts.example.com"
	client, err := introspect.New(introspect.Config{
		Issuer:       iss.URL(), // one of the Validator's issuers; Endpoint left empty: discovered
		ClientID:     jwtguardtest.DefaultIntrospectionClientID,
		ClientSecret: jwtguardtest.DefaultIntrospectionClientSecret,
		Audiences:    []string{api},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	v, err := middleware.New(iss.URL(), api, middleware.WithIntrospection(client))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	tok, err := iss.Introspector().OpaqueToken(jwtguardtest.Claims{Subject: "alice", Audience: []string{api}, Scope: "read:contacts"})
	if err != nil {
		log.Fatal(err)
	}
	c, err := v.Validate(context.Background(), tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Subject, c.Scopes(), c.Introspected)

	// Revoked at the authorization server, and its cached answer dropped.
	iss.Introspector().Revoke(tok)
	client.Invalidate(tok)
	_, err = v.Validate(context.Background(), tok)
	fmt.Println(middleware.AsError(err).Reason)
	// Output:
	// alice [read:contacts] true
	// inactive_token
}
