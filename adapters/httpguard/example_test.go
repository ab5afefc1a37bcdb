package httpguard_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// get sends a GET with an optional bearer token and prints the answer.
func get(url, token string) {
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"), strings.TrimSpace(string(body)))
}

// One line protects every route of a mux: each request needs a valid
// access token, and handlers read the claims from the request context.
func ExampleProtect() {
	iss, _ := jwtguardtest.NewIssuer() // stands in for Auth0, Okta, Keycloak...
	defer iss.Close()
	v, err := middleware.New(iss.URL(), "https://contacts.example.com")
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil { // wait for the issuer's keys
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context())
		fmt.Fprintln(w, "hello", claims.Subject)
	})
	srv := httptest.NewServer(httpguard.Protect(v, mux)) // the one line
	defer srv.Close()

	tok, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{"https://contacts.example.com"}})
	get(srv.URL+"/api/me", tok)
	get(srv.URL+"/api/me", "")
	// Output:
	// 200  hello auth0|alice
	// 401 Bearer, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}
}

// A Mux takes a requirement beside every pattern, so no route can be
// registered without stating what it needs.
func ExampleNewMux() {
	iss, _ := jwtguardtest.NewIssuer()
	defer iss.Close()
	v, err := middleware.New(iss.URL(), "https://contacts.example.com")
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil { // wait for the issuer's keys
		log.Fatal(err)
	}

	mux := httpguard.NewMux(v, httpguard.WithRealm("contacts"), httpguard.WithPermissions())
	mux.HandleFunc("GET /api/public", scopecheck.Public, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "public")
	})
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "contacts")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	reader, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{"https://contacts.example.com"}, Permissions: []string{"read:contacts"}})
	nobody, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{"https://contacts.example.com"}})
	get(srv.URL+"/api/public", "")
	get(srv.URL+"/api/contacts", reader)
	get(srv.URL+"/api/contacts", "")
	resp, _ := http.DefaultClient.Do(authorized(srv.URL+"/api/contacts", nobody))
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	// Output:
	// 200  public
	// 200  contacts
	// 401 Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}
	// 403 Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"
}

func authorized(url, token string) *http.Request {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// Routers such as chi, gorilla/mux and alice compose
// func(http.Handler) http.Handler values: Middleware authenticates every
// request once, and a Gate adds one route's scopes without authenticating
// it again (a DPoP proof is checked once). With chi the same two values go
// to r.Use(authn) and r.With(readContacts).Get("/api/contacts", list).
func ExampleGate() {
	iss, _ := jwtguardtest.NewIssuer()
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

	opts := []httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}
	authn := httpguard.Middleware(v, opts...)                                   // chi: r.Use(authn)
	readContacts := httpguard.Gate(v, scopecheck.All("read:contacts"), opts...) // chi: r.With(readContacts)

	mux := http.NewServeMux()
	mux.Handle("GET /api/contacts", readContacts(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context())
		fmt.Fprintln(w, "contacts of", claims.Subject)
	})))
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context())
		fmt.Fprintln(w, "me:", claims.Subject)
	})
	handler := authn(mux)

	reader, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}, Scope: "read:contacts"})
	nobody, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|carol", Audience: []string{api}})
	key, _ := jwtguardtest.NewDPoPKey("")
	bound, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|bob", Audience: []string{api}, Scope: "read:contacts", DPoPKey: key})
	proof, _ := key.Proof(jwtguardtest.Proof{Method: "GET", URL: "http://example.com/api/contacts", AccessToken: bound})

	for _, c := range []struct{ path, auth, proof string }{
		{"/api/contacts", "Bearer " + reader, ""},
		{"/api/contacts", "DPoP " + bound, proof},
		{"/api/me", "Bearer " + nobody, ""},
		{"/api/contacts", "Bearer " + nobody, ""},
		{"/api/contacts", "", ""},
	} {
		req := httptest.NewRequest("GET", c.path, nil) // host example.com
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		if c.proof != "" {
			req.Header.Set("DPoP", c.proof)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200  contacts of auth0|alice
	// 200  contacts of auth0|bob
	// 200  me: auth0|carol
	// 403 Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Forbidden","status":403,"detail":"the access token lacks the scope this resource requires: read:contacts","error":"insufficient_scope","reason":"insufficient_scope","scope":"read:contacts"}
	// 401 Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}
}
