package introspect

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TestClientConfig: Issuer and Audiences return the configuration, and the
// audiences are a copy.
func TestClientConfig(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	cfg := kitConfig(x)
	cfg.Audiences = []string{api, "https://other.example.com"}
	c := newClient(t, cfg)
	if c.Issuer() != x.URL() {
		t.Fatalf("Issuer() = %q, want %q", c.Issuer(), x.URL())
	}
	aud := c.Audiences()
	if !slices.Equal(aud, cfg.Audiences) {
		t.Fatalf("Audiences() = %q", aud)
	}
	aud[0] = "changed"
	if c.Audiences()[0] != api {
		t.Fatal("Audiences() shares the Client's slice")
	}
}

// TestObserverIssuers: a rate-limited request names the issuer, and a call
// that cannot discover the endpoint is reported as a failed request, so
// that metrics see an undiscoverable endpoint.
func TestObserverIssuers(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	obs := &recObserver{}
	c := newClient(t, kitConfig(x), WithRateLimit(0.001, 1), WithObserver(obs))
	for range 2 {
		c.Introspect(ctxT(t), mint(t, x, jwtguardtest.Claims{}))
	}
	obs.mu.Lock()
	if obs.rateLimited != 1 || len(obs.rateLimitedIssuers) != 1 || obs.rateLimitedIssuers[0] != x.URL() {
		t.Errorf("rate limited %d, issuers %q", obs.rateLimited, obs.rateLimitedIssuers)
	}
	obs.mu.Unlock()

	meta := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(meta.Close)
	obs = &recObserver{}
	cfg := kitConfig(x)
	cfg.Issuer, cfg.Endpoint = meta.URL+"/", ""
	c = newClient(t, cfg, WithObserver(obs))
	tok := mint(t, x, jwtguardtest.Claims{})
	if _, err := c.Introspect(ctxT(t), tok); kindOfErr(t, err, tok) != KindDiscovery {
		t.Fatalf("%v", err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.requests) != 1 || obs.requests[0].Kind != KindDiscovery || obs.requests[0].Issuer != cfg.Issuer ||
		obs.requests[0].StatusCode != 0 || obs.requests[0].Duration <= 0 {
		t.Fatalf("requests %+v", obs.requests)
	}
}
