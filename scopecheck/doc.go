// Package scopecheck states what a route needs from an access token and
// checks it.
//
// A Requirement is All(...), Any(...), a composition of them (And, Or), or
// one of the two explicit non-scope requirements: Public (no token at all)
// and Authenticated (any valid access token). The zero Requirement is
// "unset" and denies everything: a route that states nothing is never
// served (fail closed).
//
// Granted scopes come from the scope claim (space-delimited, RFC 9068
// section 2.2.3), scp (a string or an array: Okta, Entra ID) and, when a
// policy enables it, Auth0's RBAC permissions array. Matching is exact and
// case-sensitive (RFC 6749 section 3.3): "read:contacts:all" and
// "xread:contacts" never satisfy "read:contacts".
//
// # Beyond scopes
//
// Requirements on claims compose with scopes:
//
//	scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org"))
//	scopecheck.Claim("realm_access.roles").Includes("admin")              // Keycloak
//	scopecheck.Claim("https://myapp.example.com/roles").Includes("admin") // Auth0, or Claim("roles") with WithNamespace
//	scopecheck.Claim("tier").OneOf("gold", "platinum")
//	scopecheck.And(scopecheck.Machine(), scopecheck.Client("billing-service"))
//
// A token that fails one gets 403 insufficient_scope (RFC 6750 section
// 3.1: the token lacks the privileges) with the reason
// middleware.ReasonClaimRequirement and no scope attribute.
//
// Step-up authentication (RFC 9470): ACR needs the acr of the user's
// authentication and MaxAge a recent auth_time (OIDC Core section 2). A
// token that fails gets 401 error="insufficient_user_authentication" with
// acr_values and max_age in the challenge (RFC 9470 section 3), which the
// client passes to the authorization server to get a new token (section 4):
//
//	scopecheck.And(scopecheck.All("read:audit"),
//		scopecheck.ACR("http://schemas.openid.net/pape/policies/2007/06/multi-factor"),
//		scopecheck.MaxAge(5*time.Minute))
//
// When several parts fail, the step-up comes first, then missing scopes,
// then claims (see CheckRequest). Requirements that compare a claim with a
// value of the request (EqualsParam, EqualsRequest) read it through the
// Request the adapter passes to CheckRequest.
//
// # Policy as data
//
// String renders a requirement for people ("read:contacts AND org_id ==
// {org}") and MarshalJSON as data; a Policy maps every route of a table to
// its requirement, for review and for golden files in CI.
package scopecheck
