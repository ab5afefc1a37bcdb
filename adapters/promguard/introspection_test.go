package promguard_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/jwtguard/jwtguard/adapters/promguard"
	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// TestIntrospectionMetrics: one WithObserver on a Validator whose
// introspection client WithIntrospectionEndpoint builds records its
// requests by result, their durations and the cache lookups; validations
// of opaque tokens count as any other.
func TestIntrospectionMetrics(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	reg := prometheus.NewRegistry()
	m, err := promguard.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	src, err := jwks.NewRemote(iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	v, err := middleware.New(iss.URL(), audience, middleware.WithKeys(src), middleware.WithObserver(m),
		middleware.WithIntrospectionEndpoint(iss.IntrospectionURL(), jwtguardtest.DefaultIntrospectionClientID,
			jwtguardtest.DefaultIntrospectionClientSecret, introspect.WithRateLimit(0.001, 3)))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	x := iss.Introspector()
	opaque := func() string {
		tok, err := x.OpaqueToken(jwtguardtest.Claims{Audience: []string{audience}})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	ctx := context.Background()
	ok := opaque()
	for range 3 {
		v.Validate(ctx, ok) // one request, then two cache hits
	}
	v.Validate(ctx, "jgt_unknown") // inactive
	x.SetDown(true)
	v.Validate(ctx, opaque()) // error: the bucket's last request
	v.Validate(ctx, opaque()) // rate_limited
	x.SetDown(false)

	want := `
# HELP jwtguard_introspection_requests_total Token introspection requests (RFC 7662) by configured issuer and result (ok, inactive, error, rate_limited).
# TYPE jwtguard_introspection_requests_total counter
jwtguard_introspection_requests_total{issuer="ISS",result="error"} 1
jwtguard_introspection_requests_total{issuer="ISS",result="inactive"} 1
jwtguard_introspection_requests_total{issuer="ISS",result="ok"} 1
jwtguard_introspection_requests_total{issuer="ISS",result="rate_limited"} 1
# HELP jwtguard_introspection_cache_total Lookups in the introspection answer cache by result (hit, miss).
# TYPE jwtguard_introspection_cache_total counter
jwtguard_introspection_cache_total{result="hit"} 2
jwtguard_introspection_cache_total{result="miss"} 4
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(strings.ReplaceAll(want, "ISS", iss.URL())),
		"jwtguard_introspection_requests_total", "jwtguard_introspection_cache_total"); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "jwtguard_introspection_duration_seconds" {
			found = true
			if n := mf.GetMetric()[0].GetHistogram().GetSampleCount(); n != 3 {
				t.Fatalf("%d durations, want 3 (the requests sent)", n)
			}
		}
	}
	if !found {
		t.Fatal("no jwtguard_introspection_duration_seconds")
	}
	want = `
# HELP jwtguard_validations_total Access token validations by configured issuer, result (accepted, cached, refused) and refusal reason.
# TYPE jwtguard_validations_total counter
jwtguard_validations_total{issuer="ISS",reason="inactive_token",result="refused"} 1
jwtguard_validations_total{issuer="ISS",reason="introspection_rate_limited",result="refused"} 1
jwtguard_validations_total{issuer="ISS",reason="introspection_unavailable",result="refused"} 1
jwtguard_validations_total{issuer="ISS",reason="none",result="accepted"} 3
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(strings.ReplaceAll(want, "ISS", iss.URL())),
		"jwtguard_validations_total"); err != nil {
		t.Fatal(err)
	}
}
