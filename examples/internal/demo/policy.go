package demo

import (
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// The organization and step-up the demo's routes beyond scopes use.
const (
	// OrgClaim is the claim naming the caller's organization: Auth0
	// Organizations put org_id at the top level of access tokens.
	OrgClaim = "org_id"
	// Org is the organization of Tokens.Org.
	Org = "acme"
	// MFA is the acr Auth0 sets after multi-factor authentication.
	MFA = jwtguardtest.ACRMultiFactor
	// AuditMaxAge is how old the sign-in behind a token may be to read
	// the audit log.
	AuditMaxAge = 300 * time.Second
)

// OrgContacts is the requirement of GET /api/orgs/{org}/contacts (gin:
// /api/orgs/:org/contacts): read:contacts, and the token's org_id equal to
// the path's org. A token without read:contacts gets 403 with
// scope="read:contacts"; a token of another organization, or with no
// org_id, 403 without a scope attribute.
var OrgContacts = scopecheck.And(scopecheck.All(ScopeRead), scopecheck.Claim(OrgClaim).EqualsParam("org"))

// AuditLog is the requirement of GET /api/audit: read:audit after a
// multi-factor sign-in at most AuditMaxAge ago (RFC 9470 step-up). A token
// without the acr, or whose auth_time is older or absent, gets 401
// insufficient_user_authentication with acr_values and max_age; one that
// passes the step-up without read:audit 403 with scope="read:audit".
var AuditLog = scopecheck.And(scopecheck.All(ScopeAudit), scopecheck.ACR(MFA), scopecheck.MaxAge(AuditMaxAge))
