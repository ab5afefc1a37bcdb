package echoguard_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/echoguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Protect checks the token once per request for the /api group; Require
// on a route states what the route needs, reusing the claims Protect
// verified. The public route lives outside the group, with a public
// Require that hands it the claims of a valid token.
func Example() {
	iss, _ := jwtguardtest.NewIssuer() // stands in for Auth0, Okta, Keycloak...
	defer iss.Close()
	const api = "https://contacts.example.com"
	v, err := middleware.New(iss.URL(), api)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil { // wait for the issuer's keys
		log.Fatal(err)
	}

	opts := []echoguard.Option{echoguard.WithRealm("contacts"), echoguard.WithPermissions()}
	e := echo.New()
	e.GET("/api/public", func(c echo.Context) error {
		return c.String(http.StatusOK, "public")
	}, echoguard.Require(v, scopecheck.Public, opts...))
	g := e.Group("/api", echoguard.Protect(v, opts...))
	g.GET("/contacts", func(c echo.Context) error {
		claims, _ := echoguard.Claims(c)
		return c.String(http.StatusOK, "contacts of "+claims.Subject)
	}, echoguard.Require(v, scopecheck.All("read:contacts"), opts...))

	reader, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}, Scope: "read:contacts"})
	nobody, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|carol", Audience: []string{api}})
	for _, c := range []struct{ path, token string }{
		{"/api/public", ""},
		{"/api/contacts", reader},
		{"/api/contacts", nobody},
		{"/api/contacts", ""},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200  public
	// 200  contacts of auth0|alice
	// 403 Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Forbidden","status":403,"detail":"the access token lacks the scope this resource requires: read:contacts","error":"insufficient_scope","reason":"insufficient_scope","scope":"read:contacts"}
	// 401 Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}
}
