package scopecheck_test

import (
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/scopecheck"
)

// Requirements beyond scopes compose with scopes, and print as they read.
func ExampleClaim() {
	orgContacts := scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org"))
	admins := scopecheck.Or(scopecheck.Claim("realm_access.roles").Includes("admin"), scopecheck.Claim("https://myapp.example.com/roles").Includes("admin"))
	fmt.Println(orgContacts)
	fmt.Println(admins)
	// Output:
	// read:contacts AND org_id == {org}
	// realm_access.roles includes "admin" OR https://myapp.example.com/roles includes "admin"
}

// A step-up: a token without a recent multi-factor sign-in gets 401
// insufficient_user_authentication with acr_values and max_age (RFC 9470).
func ExampleMaxAge() {
	audit := scopecheck.And(scopecheck.All("read:audit"),
		scopecheck.ACR("http://schemas.openid.net/pape/policies/2007/06/multi-factor"),
		scopecheck.MaxAge(5*time.Minute))
	fmt.Println(audit)
	// Output:
	// read:audit AND acr in ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"] AND auth_time within 300s
}

// A route table's policy as data, for review and golden files.
func ExampleNewPolicy() {
	p := scopecheck.NewPolicy(map[string]scopecheck.Requirement{
		"GET /api/contacts":            scopecheck.All("read:contacts"),
		"GET /api/orgs/{org}/contacts": scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org")),
		"GET /api/public":              scopecheck.Public,
	})
	fmt.Print(p)
	j, _ := p.JSON()
	fmt.Printf("%.60s...\n", j)
	// Output:
	// GET /api/contacts              read:contacts
	// GET /api/orgs/{org}/contacts   read:contacts AND org_id == {org}
	// GET /api/public                public
	// {
	//   "version": 1,
	//   "routes": [
	//     {
	//       "route": "GET /a...
}
