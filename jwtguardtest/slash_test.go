package jwtguardtest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// WithoutTrailingSlash: the issuer identifier has no trailing slash in
// URL(), in the discovery documents and in the tokens' iss, as Okta,
// Keycloak and Entra ID name theirs; the documents and the JWKS stay where
// they were, and discovery of that issuer works end to end.
func TestWithoutTrailingSlash(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithoutTrailingSlash())
	if !strings.HasPrefix(iss.URL(), "http://127.0.0.1:") || strings.HasSuffix(iss.URL(), "/") {
		t.Fatalf("URL() = %q, want http://127.0.0.1:PORT", iss.URL())
	}
	if iss.DiscoveryURL() != iss.URL()+"/.well-known/openid-configuration" || iss.JWKSURL() != iss.URL()+"/.well-known/jwks.json" {
		t.Fatalf("DiscoveryURL %q JWKSURL %q", iss.DiscoveryURL(), iss.JWKSURL())
	}
	for _, u := range jwks.DiscoveryURLs(iss.URL()) {
		resp, body := get(t, u)
		var md struct {
			Issuer string `json:"issuer"`
		}
		if err := json.Unmarshal(body, &md); err != nil || resp.StatusCode != 200 || md.Issuer != iss.URL() {
			t.Fatalf("%s: %d %s %v", u, resp.StatusCode, body, err)
		}
	}
	v, err := middleware.New(iss.URL(), aud)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil || !v.Ready() {
		t.Fatalf("Prime %v, Ready %v", err, v.Ready())
	}
	c, err := v.Validate(context.Background(), mint(t, iss, jwtguardtest.Claims{}))
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if c.Issuer != iss.URL() {
		t.Fatalf("iss %q, want %q", c.Issuer, iss.URL())
	}
}
