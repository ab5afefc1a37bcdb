package httpguard_test

import (
	"bytes"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const mfa = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

// TestMuxPolicy: the Mux exports every route it registered, the
// resource metadata document included (golden).
func TestMuxPolicy(t *testing.T) {
	f := setup(t)
	mux := httpguard.NewMux(f.v)
	mux.HandleFunc("GET /api/public", scopecheck.Public, echo)
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), echo)
	mux.HandleFunc("DELETE /api/contacts/{id}", scopecheck.All("delete:contacts"), echo)
	mux.HandleFunc("GET /api/me", scopecheck.Authenticated, echo)
	mux.HandleFunc("GET /api/orgs/{org}/contacts", scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org")), echo)
	mux.HandleFunc("GET /api/audit", scopecheck.And(scopecheck.All("read:audit"), scopecheck.ACR(mfa), scopecheck.MaxAge(300*time.Second)), echo)
	mux.HandleResourceMetadata()
	got, err := mux.Policy().JSON()
	if err != nil {
		t.Fatal(err)
	}
	const path = "testdata/policy.golden.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("policy differs from %s (go test -update):\n%s", path, got)
	}
}

// TestPathParameters: EqualsParam reads the path value of the pattern the
// guard serves; a guard around a whole mux does not know it yet, so it
// refuses (fail closed).
func TestPathParameters(t *testing.T) {
	f := setup(t)
	org := scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org"))
	acme := "Bearer " + f.mint(t, jwtguardtest.Claims{Scope: "read:contacts", Custom: map[string]any{"org_id": "acme"}})

	mux := httpguard.NewMux(f.v, httpguard.WithRealm("contacts"))
	mux.HandleFunc("GET /api/orgs/{org}/contacts", org, echo)

	plain := http.NewServeMux() // a Gate per route, behind Middleware
	plain.Handle("GET /api/orgs/{org}/contacts", httpguard.Gate(f.v, org, httpguard.WithRealm("contacts"))(http.HandlerFunc(echo)))
	gated := httpguard.Middleware(f.v, httpguard.WithRealm("contacts"))(plain)

	inner := http.NewServeMux() // Require around the whole mux: no path value yet
	inner.HandleFunc("GET /api/orgs/{org}/contacts", echo)
	outer := httpguard.Require(f.v, org, inner, httpguard.WithRealm("contacts"))

	const refused = `Bearer realm="contacts", error="insufficient_scope", error_description="the access token does not meet this resource's requirement on the claim org_id"` + dpopOffer
	for _, tc := range []struct {
		name   string
		h      http.Handler
		path   string
		status int
	}{
		{"mux, own org", mux, "/api/orgs/acme/contacts", 200},
		{"mux, other org", mux, "/api/orgs/globex/contacts", 403},
		{"mux, org differs in case", mux, "/api/orgs/ACME/contacts", 403},
		{"gate, own org", gated, "/api/orgs/acme/contacts", 200},
		{"gate, other org", gated, "/api/orgs/globex/contacts", 403},
		{"require around the mux", outer, "/api/orgs/acme/contacts", 403},
	} {
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("Authorization", acme)
		rec := httptest.NewRecorder()
		tc.h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s: %d %s", tc.name, rec.Code, rec.Body)
		}
		if ch := rec.Header().Get("WWW-Authenticate"); tc.status == 403 && ch != refused {
			t.Errorf("%s: challenge\n got %s\nwant %s", tc.name, ch, refused)
		}
	}
}
