package scopecheck

import (
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// benchClaims is an Auth0 access token of an organization member with
// roles in a namespaced claim, after a fresh multi-factor sign-in.
func benchClaims(t testing.TB) *jwtguardtest.Claims {
	return &jwtguardtest.Claims{
		Subject: "auth0|64f1c2a9b8e7d6c5b4a30001", Audience: []string{testAudience, "https://tenant.eu.auth0.com/userinfo"},
		Scope: "openid profile email read:contacts write:contacts read:audit", AuthorizedParty: "kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU",
		Permissions: []string{"read:contacts", "write:contacts"},
		Custom: map[string]any{
			testNS + "roles": []string{"admin", "editor"}, "org_id": "org_9ybsU1dN2dKfDkBi",
			"acr": mfa, "auth_time": time.Now().Unix(), "realm_access": map[string]any{"roles": []string{"offline_access", "admin"}},
		},
	}
}

// The requirements the benchmarks evaluate: three clauses each.
var (
	benchOrg    = And(All("read:contacts"), Claim("org_id").EqualsParam("org"), Claim("roles").Includes("admin"))
	benchStepUp = And(All("read:audit"), ACR(mfa), MaxAge(300*time.Second))
	benchNested = And(All("read:contacts"), Claim("realm_access.roles").Includes("admin"), Client("kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU"))
)

var benchRequest = &fakeRequest{method: "GET", params: map[string]string{"org": "org_9ybsU1dN2dKfDkBi"}}

// TestThreeClausesAllocateNothing: evaluating a satisfied requirement
// allocates nothing.
func TestThreeClausesAllocateNothing(t *testing.T) {
	c := claimsOf(t, *benchClaims(t))
	for _, r := range []Requirement{benchOrg, benchStepUp, benchNested} {
		if err := CheckRequest(r, c, true, benchRequest); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		if n := testing.AllocsPerRun(200, func() { _ = CheckRequest(r, c, true, benchRequest) }); n != 0 {
			t.Errorf("%s: %v allocations", r, n)
		}
	}
}

func benchmarkCheck(b *testing.B, r Requirement) {
	c := claimsOf(b, *benchClaims(b))
	if err := CheckRequest(r, c, true, benchRequest); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if CheckRequest(r, c, true, benchRequest) != nil {
			b.Fatal("refused")
		}
	}
	if cpu != 0 {
		// CPU time, not wall time: steady while other processes load the
		// machine.
		b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkCheckOrgAndRole: read:contacts AND org_id == {org} AND roles
// includes "admin" (a namespaced claim).
func BenchmarkCheckOrgAndRole(b *testing.B) { benchmarkCheck(b, benchOrg) }

// BenchmarkCheckStepUp: read:audit AND acr in [...] AND auth_time within 300s.
func BenchmarkCheckStepUp(b *testing.B) { benchmarkCheck(b, benchStepUp) }

// BenchmarkCheckNestedAndClient: read:contacts AND realm_access.roles
// includes "admin" AND client_id in [...].
func BenchmarkCheckNestedAndClient(b *testing.B) { benchmarkCheck(b, benchNested) }

// BenchmarkCheckScopeOnly is the scope check alone, for comparison.
func BenchmarkCheckScopeOnly(b *testing.B) {
	benchmarkCheck(b, All("read:contacts", "write:contacts", "read:audit"))
}
