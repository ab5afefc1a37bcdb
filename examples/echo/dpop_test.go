package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
)

// TestDPoPCall drives the demo's DPoP-bound token over a real listener, as
// the printed curl command does: with its proof it works once, the proof
// cannot be replayed, a proof for another URI is refused, and as a Bearer
// token it is a downgrade (RFC 9449 sections 4.3, 7.1, 7.2, 11.1).
func TestDPoPCall(t *testing.T) {
	env, r := startAPI(t, demo.DefaultConfig(), true)
	srv := httptest.NewServer(r)
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
	status, h, body := do("DPoP", mint("https://api.example.com"))
	if status != 401 || body["reason"] != string(middleware.ReasonDPoPProof) ||
		h.Get("WWW-Authenticate") != `Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA", error="invalid_dpop_proof", error_description="the DPoP proof htu does not match the request URI"` {
		t.Fatalf("proof for another URI: %d %v %q", status, body, h.Get("WWW-Authenticate"))
	}
	if status, _, body := do("Bearer"); status != 401 || body["reason"] != string(middleware.ReasonDPoPDowngrade) {
		t.Fatalf("downgrade: %d %v", status, body)
	}
}
