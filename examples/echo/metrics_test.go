package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
)

// TestMetricsAndResourceMetadata scrapes /metrics after a few calls and
// reads the RFC 9728 document, without a token.
func TestMetricsAndResourceMetadata(t *testing.T) {
	env, r := startAPI(t, demo.DefaultConfig(), true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	call(t, r, "GET", "/api/contacts", bearer(tokens.Reader))
	call(t, r, "GET", "/api/contacts", bearer(tokens.Reader))
	a := call(t, r, "GET", "/metrics")
	iss := env.Config.Issuers[0]
	for _, want := range []string{
		`jwtguard_validations_total{issuer="` + iss + `",reason="none",result="accepted"} 1`,
		`jwtguard_validations_total{issuer="` + iss + `",reason="none",result="cached"} 1`,
		`jwtguard_jwks_keys{source="` + iss + `"} 1`,
	} {
		if a.Status != 200 || !strings.Contains(string(a.Body), want) {
			t.Errorf("/metrics (%d) lacks %s", a.Status, want)
		}
	}
	a = call(t, r, "GET", middleware.ResourceMetadataPath)
	var md middleware.ResourceMetadata
	if err := json.Unmarshal(a.Body, &md); err != nil || a.Status != 200 ||
		md.Resource != demo.DefaultAudience || strings.Join(md.ScopesSupported, " ") != "read:contacts delete:contacts read:audit" {
		t.Fatalf("metadata %d %s", a.Status, a.Body)
	}
}
