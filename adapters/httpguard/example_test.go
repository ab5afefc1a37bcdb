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
// it again (a DPoP proof is checked once). This is the README's chi
// example on net/http: chi's r.Use(authn) and r.With(readContacts) take the
// very same values.
func ExampleGate() {
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

	opts := []httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}
	authn := httpguard.Middleware(v, opts...) // a valid access token, checked once per request
	readContacts := httpguard.Gate(v, scopecheck.All("read:contacts"), opts...)
	deleteContacts := httpguard.Gate(v, scopecheck.All("delete:contacts"), opts...)

	protected := http.NewServeMux() // chi: r.Group(func(r chi.Router) { r.Use(authn); ... })
	protected.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context()) // always there behind authn
		fmt.Fprintln(w, "you are", claims.Subject, "with scopes", claims.Scopes())
	})
	protected.Handle("GET /api/contacts", readContacts(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := middleware.ClaimsFromContext(r.Context())
		fmt.Fprintln(w, "contacts of", claims.Subject)
	})))
	protected.Handle("DELETE /api/contacts/{id}", deleteContacts(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "deleted contact", r.PathValue("id"))
	})))
	root := http.NewServeMux()
	root.HandleFunc("GET /api/public", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "hello") }) // no token needed
	root.Handle("/api/", authn(protected))

	key, _ := jwtguardtest.NewDPoPKey("") // the client's DPoP key
	reader, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}, Scope: "read:contacts"})
	deleter, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|bob", Audience: []string{api},
		Permissions: []string{"delete:contacts"}, DPoPKey: key})
	proof, _ := key.Proof(jwtguardtest.Proof{Method: "DELETE", URL: "http://example.com/api/contacts/7", AccessToken: deleter})

	for _, c := range []struct{ method, path, auth, proof string }{
		{"GET", "/api/public", "", ""},
		{"GET", "/api/me", "Bearer " + reader, ""},
		{"GET", "/api/contacts", "Bearer " + reader, ""},
		{"DELETE", "/api/contacts/7", "Bearer " + reader, ""},
		{"DELETE", "/api/contacts/7", "DPoP " + deleter, proof},
		{"GET", "/api/contacts", "", ""},
	} {
		req := httptest.NewRequest(c.method, c.path, nil) // host example.com
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		if c.proof != "" {
			req.Header.Set("DPoP", c.proof)
		}
		rec := httptest.NewRecorder()
		root.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), strings.TrimSpace(rec.Body.String()))
	}
	// Output:
	// 200  hello
	// 200  you are auth0|alice with scopes [read:contacts]
	// 200  contacts of auth0|alice
	// 403 Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Forbidden","status":403,"detail":"the access token lacks the scope this resource requires: delete:contacts","error":"insufficient_scope","reason":"insufficient_scope","scope":"delete:contacts"}
	// 200  deleted contact 7
	// 401 Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA" {"type":"about:blank","title":"Unauthorized","status":401,"detail":"no bearer token in the Authorization header","reason":"missing_token"}
}
