package jwtguardtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// An Issuer stands in for Auth0, Okta or Keycloak in a test: the validator
// finds its keys through OIDC discovery, exactly as in production.
func Example() {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		log.Fatal(err)
	}
	defer iss.Close()

	const api = "https://contacts.example.com"
	v, err := middleware.New(iss.URL(), api, middleware.WithNamespace("https://myapp.example.com/"))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	tok, err := iss.AccessToken(jwtguardtest.Claims{
		Subject:     "auth0|alice",
		Audience:    []string{api},
		Scope:       "read:contacts",
		Permissions: []string{"delete:contacts"},
		Custom:      map[string]any{"https://myapp.example.com/favorite_color": "blue"},
	})
	if err != nil {
		log.Fatal(err)
	}
	claims, err := v.Validate(context.Background(), tok)
	if err != nil {
		log.Fatal(err)
	}
	color, _ := middleware.Custom[string](claims, "favorite_color")
	fmt.Println(claims.Subject, claims.Scopes(), claims.Permissions, color)

	// The ID token of the same user is not an access token.
	idTok, _ := iss.IDToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}}, "n-0S6_WzA2Mj")
	_, err = v.Validate(context.Background(), idTok)
	var e *middleware.Error
	fmt.Println(errors.Is(err, middleware.ErrInvalidToken), errors.As(err, &e) && e.Reason == middleware.ReasonIDToken)
	// Output:
	// auth0|alice [read:contacts] [delete:contacts] blue
	// true true
}
