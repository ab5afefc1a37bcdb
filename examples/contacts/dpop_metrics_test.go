package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
)

// TestDPoPCall drives the demo's DPoP-bound token: with its proof it
// works once, the proof cannot be replayed, and as a Bearer token it is a
// downgrade.
func TestDPoPCall(t *testing.T) {
	env, srv := startAPI(t, demo.DefaultConfig())
	prime(t, env)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	proof, err := demo.MintProof(env.Dev, srv.URL, tokens.DPoP)
	if err != nil {
		t.Fatal(err)
	}
	do := func(scheme string, proofs ...string) answer {
		req, _ := http.NewRequest("GET", srv.URL+"/api/me", nil)
		req.Header.Set("Authorization", scheme+" "+tokens.DPoP)
		for _, p := range proofs {
			req.Header.Add("DPoP", p)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var a answer
		a.status = resp.StatusCode
		json.NewDecoder(resp.Body).Decode(&a.problem)
		return a
	}
	if a := do("DPoP", proof); a.status != 200 || a.problem["sub"] != "auth0|dpop-client" {
		t.Fatalf("DPoP call: %d %v", a.status, a.problem)
	}
	if a := do("DPoP", proof); a.status != 401 || a.problem["reason"] != string(middleware.ReasonDPoPReplay) {
		t.Fatalf("replayed proof: %d %v", a.status, a.problem)
	}
	if a := do("Bearer"); a.status != 401 || a.problem["reason"] != string(middleware.ReasonDPoPDowngrade) {
		t.Fatalf("downgrade: %d %v", a.status, a.problem)
	}
}

// TestMetricsAndResourceMetadata scrapes /metrics after a few calls and
// reads the RFC 9728 document.
func TestMetricsAndResourceMetadata(t *testing.T) {
	env, srv := startAPI(t, demo.DefaultConfig())
	prime(t, env)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	call(t, "GET", srv.URL+"/api/contacts", bearer(tokens.Reader))
	call(t, "GET", srv.URL+"/api/contacts", bearer(tokens.Reader))
	call(t, "GET", srv.URL+"/api/me", bearer(tokens.ID))
	a := call(t, "GET", srv.URL+"/metrics")
	body := string(a.body)
	iss := env.Config.Issuers[0]
	for _, want := range []string{
		`jwtguard_validations_total{issuer="` + iss + `",reason="none",result="accepted"} 1`,
		`jwtguard_validations_total{issuer="` + iss + `",reason="none",result="cached"} 1`,
		`jwtguard_validations_total{issuer="` + iss + `",reason="id_token",result="refused"} 1`,
		`jwtguard_jwks_keys{source="` + iss + `"} 1`,
		`jwtguard_jwks_fetches_total{result="success",source="` + iss + `",trigger="initial"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	a = call(t, "GET", srv.URL+middleware.ResourceMetadataPath)
	var md middleware.ResourceMetadata
	if err := json.Unmarshal(a.body, &md); err != nil || a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	if md.Resource != demo.DefaultAudience || md.AuthorizationServers[0] != iss ||
		strings.Join(md.ScopesSupported, " ") != "read:contacts delete:contacts read:audit" {
		t.Errorf("metadata %+v", md)
	}
}
