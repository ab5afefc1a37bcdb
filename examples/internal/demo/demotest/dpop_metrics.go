package demotest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
)

// DPoPCall drives the demo's DPoP-bound token over a real listener, as the
// printed curl command does: with its proof it works once, the proof
// cannot be replayed, a proof for another URI is refused with the exact
// DPoP challenge, and as a Bearer token it is a downgrade (RFC 9449
// sections 4.3, 7.1, 7.2, 11.1).
func DPoPCall(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	env, h := Start(t, demo.DefaultConfig(), newHandler, true)
	srv := httptest.NewServer(h)
	defer srv.Close()
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	mint := func(base string) string {
		p, err := demo.MintProof(env.Dev, base, tokens.DPoP)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	do := func(scheme string, proofs ...string) (int, http.Header, map[string]any) {
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
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, body
	}
	proof := mint(srv.URL)
	if status, _, body := do("DPoP", proof); status != 200 || body["sub"] != "auth0|dpop-client" {
		t.Fatalf("DPoP call: %d %v", status, body)
	}
	if status, _, body := do("DPoP", proof); status != 401 || body["reason"] != string(middleware.ReasonDPoPReplay) {
		t.Fatalf("replayed proof: %d %v", status, body)
	}
	status, hdr, body := do("DPoP", mint("https://api.example.com"))
	if status != 401 || body["reason"] != string(middleware.ReasonDPoPProof) ||
		hdr.Get("WWW-Authenticate") != `Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA", error="invalid_dpop_proof", error_description="the DPoP proof htu does not match the request URI"` {
		t.Fatalf("proof for another URI: %d %v %q", status, body, hdr.Get("WWW-Authenticate"))
	}
	if status, _, body := do("Bearer"); status != 401 || body["reason"] != string(middleware.ReasonDPoPDowngrade) {
		t.Fatalf("downgrade: %d %v", status, body)
	}
}

// MetricsAndResourceMetadata scrapes /metrics after a few calls (two
// reads of one token, an ID token refused) and reads the RFC 9728
// document, both without a token.
func MetricsAndResourceMetadata(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	env, h := Start(t, demo.DefaultConfig(), newHandler, true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	Call(t, h, "GET", "/api/contacts", Bearer(tokens.Reader))
	Call(t, h, "GET", "/api/contacts", Bearer(tokens.Reader))
	Call(t, h, "GET", "/api/me", Bearer(tokens.ID))
	a := Call(t, h, "GET", "/metrics")
	iss := env.Config.Issuers[0]
	for _, want := range []string{
		`jwtguard_validations_total{issuer="` + iss + `",reason="none",result="accepted"} 1`,
		`jwtguard_validations_total{issuer="` + iss + `",reason="none",result="cached"} 1`,
		`jwtguard_validations_total{issuer="` + iss + `",reason="id_token",result="refused"} 1`,
		`jwtguard_jwks_keys{source="` + iss + `"} 1`,
		`jwtguard_jwks_fetches_total{result="success",source="` + iss + `",trigger="initial"} 1`,
	} {
		if a.Status != 200 || !strings.Contains(string(a.Body), want) {
			t.Errorf("/metrics (%d) lacks %s", a.Status, want)
		}
	}
	a = Call(t, h, "GET", middleware.ResourceMetadataPath)
	var md middleware.ResourceMetadata
	if err := json.Unmarshal(a.Body, &md); err != nil || a.Status != 200 {
		t.Fatalf("metadata %d %s", a.Status, a.Body)
	}
	if md.Resource != demo.DefaultAudience || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != iss ||
		strings.Join(md.ScopesSupported, " ") != "read:contacts delete:contacts read:audit" {
		t.Errorf("metadata %+v", md)
	}
}
