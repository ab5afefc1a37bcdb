package jwtguardtest_test

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const personaAudience = "https://contacts.example.com"

func personaFixture(t *testing.T) (*jwtguardtest.Issuer, *middleware.Validator, []jwtguardtest.Persona) {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer(jwtguardtest.WithAlgorithm(jwks.ES256))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	src, err := jwks.StaticJWKS(iss.JWKS(), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := middleware.New(iss.URL(), personaAudience, middleware.WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ps, err := iss.Personas(jwtguardtest.PersonaConfig{Audience: personaAudience,
		ReaderScopes: []string{"read:contacts"}, AdminScopes: []string{"read:contacts", "delete:contacts", "read:audit"}})
	if err != nil {
		t.Fatal(err)
	}
	return iss, v, ps
}

// TestPersonas: every persona's token holds what its documentation says.
func TestPersonas(t *testing.T) {
	_, v, ps := personaFixture(t)
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
		if p.About == "" {
			t.Errorf("%s: no About", p.Name)
		}
	}
	if got := strings.Join(names, " "); got != "anonymous reader admin machine id-token expired dpop other-org no-mfa" {
		t.Fatalf("personas %s", got)
	}
	byName := map[string]jwtguardtest.Persona{}
	for _, p := range ps {
		byName[p.Name] = p
	}
	ctx := context.Background()
	type want struct {
		sub, scope, org, acr string
		machine, bound       bool
	}
	for name, w := range map[string]want{
		"reader":    {"auth0|reader", "read:contacts", "acme", jwtguardtest.ACRMultiFactor, false, false},
		"admin":     {"auth0|admin", "read:contacts delete:contacts read:audit", "acme", jwtguardtest.ACRMultiFactor, false, false},
		"machine":   {"billing-service@clients", "read:contacts", "", "", true, false},
		"dpop":      {"auth0|dpop", "read:contacts", "acme", jwtguardtest.ACRMultiFactor, false, true},
		"other-org": {"auth0|other-admin", "read:contacts delete:contacts read:audit", "globex", jwtguardtest.ACRMultiFactor, false, false},
		"no-mfa":    {"auth0|admin", "read:contacts delete:contacts read:audit", "acme", "", false, false},
	} {
		// Authorize the persona's request, as a client would, and
		// authenticate it, as an API does (DPoP proofs included).
		req := httptest.NewRequest("GET", "/api/me", nil)
		if err := byName[name].Authorize(req); err != nil {
			t.Fatal(err)
		}
		creds, err := middleware.CredentialsFromRequest(req, "")
		if err != nil {
			t.Fatal(err)
		}
		c, err := v.Authenticate(ctx, creds)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		org, _ := middleware.Custom[string](c, "org_id")
		acr, _ := middleware.Custom[string](c, "acr")
		at, atErr := middleware.Custom[int64](c, "auth_time")
		if c.Subject != w.sub || c.Scope != w.scope || org != w.org || acr != w.acr || c.IsMachine() != w.machine ||
			(c.ConfirmationJKT != "") != w.bound || (byName[name].DPoPKey != nil) != w.bound {
			t.Errorf("%s: sub %q scope %q org %q acr %q machine %v jkt %q", name, c.Subject, c.Scope, org, acr, c.IsMachine(), c.ConfirmationJKT)
		}
		if !w.machine && (atErr != nil || time.Since(time.Unix(at, 0)) > time.Minute) {
			t.Errorf("%s: auth_time %d %v", name, at, atErr)
		}
		if w.machine && (c.ClientID() != "billing-service" || atErr == nil) {
			t.Errorf("machine: client %q, auth_time %v", c.ClientID(), atErr)
		}
		if !w.machine && c.ClientID() != "web-app" {
			t.Errorf("%s: client %q", name, c.ClientID())
		}
	}
	for name, reason := range map[string]middleware.Reason{"id-token": middleware.ReasonIDToken, "expired": middleware.ReasonExpired} {
		var e *middleware.Error
		if _, err := v.Validate(ctx, byName[name].Token); !errors.As(err, &e) || e.Reason != reason {
			t.Errorf("%s: %v", name, err)
		}
	}
	if byName["anonymous"].Token != "" {
		t.Error("anonymous has a token")
	}
	if _, err := (&jwtguardtest.Issuer{}).Personas(jwtguardtest.PersonaConfig{}); err == nil {
		t.Error("no audience accepted")
	}
}

// TestAccessMatrix: every persona against every kind of requirement
// (golden), and the golden-file helper.
func TestAccessMatrix(t *testing.T) {
	_, v, ps := personaFixture(t)
	mux := httpguard.NewMux(v)
	ok := func(w http.ResponseWriter, r *http.Request) {}
	mux.HandleFunc("GET /api/public", scopecheck.Public, ok)
	mux.HandleFunc("GET /api/me", scopecheck.Authenticated, ok)
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), ok)
	mux.HandleFunc("DELETE /api/contacts/{id}", scopecheck.All("delete:contacts"), ok)
	mux.HandleFunc("GET /api/orgs/{org}/contacts", scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org")), ok)
	mux.HandleFunc("GET /api/audit", scopecheck.And(scopecheck.All("read:audit"), scopecheck.ACR(jwtguardtest.ACRMultiFactor), scopecheck.MaxAge(5*time.Minute)), ok)
	mux.HandleFunc("POST /api/batch", scopecheck.Machine(), ok)
	routes := []string{"GET /api/public", "GET /api/me", "GET /api/contacts", "DELETE /api/contacts/1",
		"GET /api/orgs/acme/contacts", "GET /api/orgs/globex/contacts", "GET /api/audit", "POST /api/batch"}
	m, err := jwtguardtest.AccessMatrix(mux, ps, routes...)
	if err != nil {
		t.Fatal(err)
	}
	if err := jwtguardtest.CompareGolden("testdata/access.golden", []byte(m.String()), *update); err != nil {
		t.Fatal(err)
	}
	if m.Status("GET /api/contacts", "dpop") != 200 || m.Status("GET /api/audit", "no-mfa") != 401 || m.Status("nope", "dpop") != 0 {
		t.Errorf("Status: %v", m)
	}
	if _, err := jwtguardtest.AccessMatrix(mux, ps, "/api/public"); err == nil {
		t.Error("a route without a method was accepted")
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "x.golden")
	if err := jwtguardtest.CompareGolden(path, []byte("a\n"), false); err == nil || !strings.Contains(err.Error(), "-update") {
		t.Errorf("missing file: %v", err)
	}
	if err := jwtguardtest.CompareGolden(path, []byte("a\n"), true); err != nil {
		t.Fatal(err)
	}
	if err := jwtguardtest.CompareGolden(path, []byte("a\n"), false); err != nil {
		t.Errorf("same content: %v", err)
	}
	if err := jwtguardtest.CompareGolden(path, []byte("b\n"), false); !errors.Is(err, jwtguardtest.ErrGoldenMismatch) {
		t.Errorf("different content: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "a\n" {
		t.Errorf("a comparison wrote the file: %q", b)
	}
}
