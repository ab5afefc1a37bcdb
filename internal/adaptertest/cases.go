package adaptertest

import (
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Route is the kind of resource a case calls. Every adapter maps the
// kinds to its own routes or methods.
type Route int

const (
	// Read needs scope read:contacts (GET /api/contacts, Contacts/List).
	Read Route = iota
	// Delete needs delete:contacts (DELETE /api/contacts/1, Contacts/Delete).
	Delete
	// Public needs nothing (GET /api/public, Contacts/Public).
	Public
	// OrgRead needs read:contacts and the org_id claim equal to the org of
	// the request: the path parameter {org} (GET /api/orgs/acme/contacts),
	// the request message over gRPC (Contacts/OrgList with
	// StringValue{"acme"}).
	OrgRead
	// Admin needs "admin" in Keycloak's realm_access.roles (GET /api/admin).
	Admin
	// Billing needs a token issued to the client BillingClient (GET
	// /api/billing).
	Billing
	// Batch needs a machine token (POST /api/batch).
	Batch
	// Profile needs a user token (GET /api/profile).
	Profile
	// Audit needs read:audit and a step-up: acr MFA and auth_time at most
	// 300 s old (GET /api/audit).
	Audit
)

// Routes lists every route.
var Routes = []Route{Read, Delete, Public, OrgRead, Admin, Billing, Batch, Profile, Audit}

// The values the routes require.
const (
	Org           = "acme"
	OtherOrg      = "globex"
	BillingClient = "billing-service"
	// MFA is Auth0's acr after multi-factor authentication.
	MFA = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
)

// HTTPRequirement is what route r requires on the HTTP adapters.
func HTTPRequirement(r Route) scopecheck.Requirement {
	if r == OrgRead {
		return scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsParam("org"))
	}
	return requirements[r]
}

// GRPCRequirement is what route r requires over gRPC: the same, the org
// read from the request message (a StringValue) by its table entry.
func GRPCRequirement(r Route) scopecheck.Requirement {
	if r == OrgRead {
		return scopecheck.And(scopecheck.All("read:contacts"),
			scopecheck.Claim("org_id").EqualsRequest("org", scopecheck.Field((*wrapperspb.StringValue).GetValue)))
	}
	return requirements[r]
}

var requirements = map[Route]scopecheck.Requirement{
	Read:    scopecheck.All("read:contacts"),
	Delete:  scopecheck.All("delete:contacts"),
	Public:  scopecheck.Public,
	Admin:   scopecheck.Claim("realm_access.roles").Includes("admin"),
	Billing: scopecheck.Client(BillingClient),
	Batch:   scopecheck.Machine(),
	Profile: scopecheck.User(),
	Audit:   scopecheck.And(scopecheck.All("read:audit"), scopecheck.ACR(MFA), scopecheck.MaxAge(300*time.Second)),
}

// API is the validator configuration a case's API runs with.
type API int

const (
	// DefaultAPI validates with Env.V: Bearer, and DPoP allowed.
	DefaultAPI API = iota
	// KeysDown validates with Env.Down: keys cannot be loaded.
	KeysDown
	// NonceAPI validates with Env.Nonce: DPoP proofs need server nonces.
	NonceAPI
	// DPoPOnlyAPI validates with Env.DPoPOnly: DPoP required.
	DPoPOnlyAPI
	// ReplayDown validates with Env.ReplayDown: its DPoP replay store
	// fails, so every DPoP request meets "replay store unavailable".
	ReplayDown
	// IntrospectionAPI validates with Env.Introspection: opaque tokens are
	// introspected (RFC 7662).
	IntrospectionAPI
	// IntrospectionDown validates with Env.IntrospectionDown: the
	// introspection endpoint answers 503.
	IntrospectionDown
)

// APIs lists every API, for runners that build one handler per API.
var APIs = []API{DefaultAPI, KeysDown, NonceAPI, DPoPOnlyAPI, ReplayDown, IntrospectionAPI, IntrospectionDown}

// Case is one request and the answer every adapter must give.
type Case struct {
	Name  string
	Route Route
	// Auth returns the Authorization header values (HTTP) or the
	// authorization metadata values (gRPC) to send.
	Auth func(Tokens) []string
	// Proofs returns the DPoP header values (HTTP) or dpop metadata values
	// (gRPC) to send, minted for the request d.Target; nil sends none.
	Proofs func(d DPoP, t Tokens) []string
	// API selects the validator (Env.Validator).
	API API
	// Replay: the runner first sends the very same request (same proofs),
	// which must be served, then this one.
	Replay bool
	// RetryWithNonce: the runner first sends the request with proofs
	// without a nonce, which must be refused with use_dpop_nonce and a
	// nonce, then this one with proofs carrying that nonce (DPoP.Nonce).
	RetryWithNonce bool
	// ErrorOn is the scheme whose challenge carries the error attributes:
	// "" for Bearer, middleware.SchemeDPoP for DPoP (RFC 9449 section 7.1).
	ErrorOn string
	// Nonce: the answer carries a DPoP-Nonce (HTTP header; gRPC
	// dpop-nonce header when served, trailer when refused).
	Nonce bool

	Status int               // HTTP status
	Code   string            // RFC 6750 section 3.1 error code, "" for none
	GRPC   codes.Code        // gRPC status code
	Reason middleware.Reason // jwtguard's reason; "" when the call is served
	Scope  string            // the scopes a 403 names
	// ACRValues and MaxAge are what a step-up 401 asks for (RFC 9470
	// section 3): acr_values and max_age (seconds).
	ACRValues string
	MaxAge    int64
	// Subject is the sub the handler must see in its claims; "" means the
	// handler must see no claims (or must not run).
	Subject string
}

func none(Tokens) []string { return nil }

func bearer(tok func(Tokens) string) func(Tokens) []string {
	return func(t Tokens) []string { return []string{"Bearer " + tok(t)} }
}

func raw(v ...string) func(Tokens) []string { return func(Tokens) []string { return v } }

func dpop(tok func(Tokens) string) func(Tokens) []string {
	return func(t Tokens) []string { return []string{"DPoP " + tok(t)} }
}

func token(f func(Tokens) string) func(Tokens) []string { return bearer(f) }

func bound(t Tokens) string        { return t.Bound }
func reader(t Tokens) string       { return t.Reader }
func certBound(t Tokens) string    { return t.CertBound }
func kidBound(t Tokens) string     { return t.KidBound }
func opaqueReader(t Tokens) string { return t.OpaqueReader }
func opaqueBound(t Tokens) string  { return t.OpaqueBound }

// proof is one valid proof of the request for the token tok returns.
func proof(tok func(Tokens) string) func(DPoP, Tokens) []string {
	return func(d DPoP, t Tokens) []string {
		return []string{d.Proof(jwtguardtest.Proof{AccessToken: tok(t)})}
	}
}

// boundProof is one valid proof of the request for Tokens.Bound.
var boundProof = proof(bound)

// Cases is the table. Adapters are configured with realm "contacts" and
// Auth0 permissions counted as scopes. Every validator allows DPoP unless
// the case says otherwise, so challenges name both schemes.
var Cases = []Case{
	{Name: "no token", Route: Read, Auth: none,
		Status: 401, GRPC: codes.Unauthenticated, Reason: middleware.ReasonMissingToken},
	{Name: "other scheme", Route: Read, Auth: raw("Basic dTpw"),
		Status: 401, GRPC: codes.Unauthenticated, Reason: middleware.ReasonMissingToken},
	{Name: "malformed header", Route: Read, Auth: raw(`Bearer a"b`),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMalformed},
	{Name: "two authorization values", Route: Read,
		Auth:   func(t Tokens) []string { return []string{"Bearer " + t.Reader, "Bearer " + t.Reader} },
		Status: 400, Code: "invalid_request", GRPC: codes.InvalidArgument, Reason: middleware.ReasonInvalidRequest},
	{Name: "expired", Route: Read, Auth: bearer(func(t Tokens) string { return t.Expired }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonExpired},
	{Name: "wrong audience", Route: Read, Auth: bearer(func(t Tokens) string { return t.OtherAudience }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonAudience},
	{Name: "ID token", Route: Read, Auth: bearer(func(t Tokens) string { return t.IDToken }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonIDToken},
	{Name: "opaque token", Route: Read, Auth: bearer(func(t Tokens) string { return t.Opaque }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonOpaque},
	{Name: "opaque token of ORY Hydra", Route: Read, Auth: raw("Bearer ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww"),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonOpaque},
	{Name: "JWE", Route: Read, Auth: bearer(func(t Tokens) string { return t.JWE }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonEncrypted},
	{Name: "insufficient scope", Route: Delete, Auth: bearer(func(t Tokens) string { return t.Reader }),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied,
		Reason: middleware.ReasonInsufficientScope, Scope: "delete:contacts"},
	{Name: "ok read", Route: Read, Auth: bearer(func(t Tokens) string { return t.Reader }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "ok read, lower-case scheme", Route: Read, Auth: func(t Tokens) []string { return []string{"bearer " + t.Reader} },
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "ok delete by permissions", Route: Delete, Auth: bearer(func(t Tokens) string { return t.Deleter }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "keys unavailable", Route: Read, Auth: bearer(func(t Tokens) string { return t.Reader }), API: KeysDown,
		Status: 503, GRPC: codes.Unavailable, Reason: middleware.ReasonKeysUnavailable},
	{Name: "public without token", Route: Public, Auth: none, Status: 200, GRPC: codes.OK},
	{Name: "public with a bad token", Route: Public, Auth: bearer(func(t Tokens) string { return t.Expired }),
		Status: 200, GRPC: codes.OK},
	{Name: "public with a good token", Route: Public, Auth: bearer(func(t Tokens) string { return t.Reader }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},

	// Certificate-bound (RFC 8705) without a client certificate: these
	// requests have no TLS (the mTLS cases are MTLSCases).
	{Name: "certificate-bound token as Bearer", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate},
	{Name: "certificate-bound token with the DPoP scheme", Route: Read, Auth: dpop(certBound), Proofs: proof(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate, ErrorOn: middleware.SchemeDPoP},
	{Name: "certificate-bound token on a public route", Route: Public, Auth: bearer(certBound),
		Status: 200, GRPC: codes.OK},
	// Sender-constrained by a method jwtguard does not verify: refused
	// under every scheme (RFC 7800 cnf).
	{Name: "token bound by cnf kid", Route: Read, Auth: bearer(kidBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonUnsupportedConfirmation},

	// DPoP (RFC 9449), with the default validator: DPoP allowed.
	{Name: "DPoP ok", Route: Read, Auth: dpop(bound), Proofs: boundProof,
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "DPoP ok, lower-case scheme", Route: Read, Auth: func(t Tokens) []string { return []string{"dpop " + t.Bound} }, Proofs: boundProof,
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "DPoP on a public route", Route: Public, Auth: dpop(bound), Proofs: boundProof,
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "DPoP-bound token sent as Bearer", Route: Read, Auth: bearer(bound), Proofs: boundProof,
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPDowngrade},
	{Name: "DPoP-bound token sent as Bearer without proof", Route: Read, Auth: bearer(bound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPDowngrade},
	{Name: "DPoP proof for another method", Route: Read, Auth: dpop(bound),
		Proofs: func(d DPoP, t Tokens) []string {
			return []string{d.Proof(jwtguardtest.Proof{Method: "PATCH", AccessToken: t.Bound})}
		},
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP proof for another URI", Route: Read, Auth: dpop(bound),
		Proofs: func(d DPoP, t Tokens) []string {
			return []string{d.Proof(jwtguardtest.Proof{URL: d.Target.URL + "/other", AccessToken: t.Bound})}
		},
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP proof for another host", Route: Read, Auth: dpop(bound),
		Proofs: func(d DPoP, t Tokens) []string {
			return []string{d.Proof(jwtguardtest.Proof{URL: "https://evil.example.net/api/contacts", AccessToken: t.Bound})}
		},
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP proof for another token", Route: Read, Auth: dpop(bound), Proofs: proof(reader),
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP replayed proof", Route: Read, Auth: dpop(bound), Proofs: boundProof, Replay: true,
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPReplay, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP without proof", Route: Read, Auth: dpop(bound),
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP with two proofs", Route: Read, Auth: dpop(bound),
		Proofs: func(d DPoP, t Tokens) []string {
			return []string{d.Proof(jwtguardtest.Proof{AccessToken: t.Bound}), d.Proof(jwtguardtest.Proof{AccessToken: t.Bound})}
		},
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP scheme with an unbound token", Route: Read, Auth: dpop(reader), Proofs: proof(reader),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPNotBound, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP token lacking a scope", Route: Delete, Auth: dpop(bound), Proofs: boundProof,
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied,
		Reason: middleware.ReasonInsufficientScope, Scope: "delete:contacts", ErrorOn: middleware.SchemeDPoP},

	// Server nonces (RFC 9449 section 9).
	{Name: "nonce API, proof without nonce", Route: Read, API: NonceAPI, Auth: dpop(bound), Proofs: boundProof,
		Status: 401, Code: "use_dpop_nonce", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPNonce,
		ErrorOn: middleware.SchemeDPoP, Nonce: true},
	{Name: "nonce API, proof with the nonce sent", Route: Read, API: NonceAPI, Auth: dpop(bound), Proofs: boundProof, RetryWithNonce: true,
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice", Nonce: true},
	{Name: "nonce API, proof with the nonce sent, lacking a scope", Route: Delete, API: NonceAPI, Auth: dpop(bound), Proofs: boundProof,
		RetryWithNonce: true,
		Status:         403, Code: "insufficient_scope", GRPC: codes.PermissionDenied,
		Reason: middleware.ReasonInsufficientScope, Scope: "delete:contacts", ErrorOn: middleware.SchemeDPoP},
	{Name: "nonce API, Bearer token", Route: Read, API: NonceAPI, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},

	// A failing replay store is the API's failure, not the client's: 503
	// with Retry-After (HTTP), Unavailable (gRPC), never 401; Bearer
	// requests do not need the store.
	{Name: "DPoP, replay store failing", Route: Read, API: ReplayDown, Auth: dpop(bound), Proofs: boundProof,
		Status: 503, GRPC: codes.Unavailable, Reason: middleware.ReasonReplayStoreUnavailable},
	{Name: "replay store failing, Bearer token", Route: Read, API: ReplayDown, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},

	// DPoP required.
	{Name: "DPoP required, Bearer token", Route: Read, API: DPoPOnlyAPI, Auth: bearer(reader),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPRequired, ErrorOn: middleware.SchemeDPoP},
	{Name: "DPoP required, no token", Route: Read, API: DPoPOnlyAPI, Auth: none,
		Status: 401, GRPC: codes.Unauthenticated, Reason: middleware.ReasonMissingToken},
	{Name: "DPoP required, DPoP ok", Route: Read, API: DPoPOnlyAPI, Auth: dpop(bound), Proofs: boundProof,
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},

	// Beyond scopes: claims (403 insufficient_scope with the reason
	// claim_requirement and no scope attribute, RFC 6750 section 3.1).
	{Name: "org member reads its org", Route: OrgRead, Auth: token(func(t Tokens) string { return t.OrgMember }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "member of another org", Route: OrgRead, Auth: token(func(t Tokens) string { return t.OtherOrg }),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement},
	{Name: "no org_id", Route: OrgRead, Auth: bearer(reader),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement},
	{Name: "org member without the scope", Route: OrgRead, Auth: token(func(t Tokens) string { return t.OrgNoScope }),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonInsufficientScope, Scope: "read:contacts"},
	{Name: "DPoP token without org_id", Route: OrgRead, Auth: dpop(bound), Proofs: boundProof,
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement, ErrorOn: middleware.SchemeDPoP},
	{Name: "realm role admin", Route: Admin, Auth: token(func(t Tokens) string { return t.RealmAdmin }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "realm role missing", Route: Admin, Auth: token(func(t Tokens) string { return t.RealmUser }),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement},
	{Name: "the billing client", Route: Billing, Auth: token(func(t Tokens) string { return t.Machine }),
		Status: 200, GRPC: codes.OK, Subject: BillingClient + "@clients"},
	{Name: "another client", Route: Billing, Auth: bearer(reader),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement},
	{Name: "machine token on a machine route", Route: Batch, Auth: token(func(t Tokens) string { return t.Machine }),
		Status: 200, GRPC: codes.OK, Subject: BillingClient + "@clients"},
	{Name: "user token on a machine route", Route: Batch, Auth: bearer(reader),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement},
	{Name: "user token on a user route", Route: Profile, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "machine token on a user route", Route: Profile, Auth: token(func(t Tokens) string { return t.Machine }),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonClaimRequirement},

	// Step-up (RFC 9470): 401 insufficient_user_authentication naming
	// every acr and max_age of the route, before a missing scope.
	{Name: "MFA, fresh", Route: Audit, Auth: token(func(t Tokens) string { return t.MFA }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "no acr", Route: Audit, Auth: token(func(t Tokens) string { return t.NoMFA }),
		Status: 401, Code: "insufficient_user_authentication", GRPC: codes.Unauthenticated,
		Reason: middleware.ReasonInsufficientUserAuthentication, ACRValues: MFA, MaxAge: 300},
	{Name: "MFA too long ago", Route: Audit, Auth: token(func(t Tokens) string { return t.MFAStale }),
		Status: 401, Code: "insufficient_user_authentication", GRPC: codes.Unauthenticated,
		Reason: middleware.ReasonInsufficientUserAuthentication, ACRValues: MFA, MaxAge: 300},
	{Name: "MFA without auth_time", Route: Audit, Auth: token(func(t Tokens) string { return t.MFANoAuthTime }),
		Status: 401, Code: "insufficient_user_authentication", GRPC: codes.Unauthenticated,
		Reason: middleware.ReasonInsufficientUserAuthentication, ACRValues: MFA, MaxAge: 300},
	{Name: "step-up before a missing scope", Route: Audit, Auth: bearer(reader),
		Status: 401, Code: "insufficient_user_authentication", GRPC: codes.Unauthenticated,
		Reason: middleware.ReasonInsufficientUserAuthentication, ACRValues: MFA, MaxAge: 300},
	{Name: "MFA, fresh, without read:audit", Route: Audit, Auth: token(func(t Tokens) string { return t.MFANoScope }),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonInsufficientScope, Scope: "read:audit"},
	{Name: "step-up of a DPoP request", Route: Audit, Auth: dpop(bound), Proofs: boundProof,
		Status: 401, Code: "insufficient_user_authentication", GRPC: codes.Unauthenticated,
		Reason: middleware.ReasonInsufficientUserAuthentication, ACRValues: MFA, MaxAge: 300, ErrorOn: middleware.SchemeDPoP},
	// Token introspection (RFC 7662): an opaque token is answered exactly
	// as a JWT with the same claims; JWTs stay local; without
	// introspection an opaque token is opaque_token (above).
	{Name: "introspection, opaque token", Route: Read, API: IntrospectionAPI, Auth: bearer(opaqueReader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "introspection, JWT", Route: Read, API: IntrospectionAPI, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "introspection, opaque token lacking a scope", Route: Delete, API: IntrospectionAPI, Auth: bearer(opaqueReader),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied,
		Reason: middleware.ReasonInsufficientScope, Scope: "delete:contacts"},
	{Name: "introspection, opaque delete by permissions", Route: Delete, API: IntrospectionAPI,
		Auth:   bearer(func(t Tokens) string { return t.OpaqueDeleter }),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "introspection, opaque token on a public route", Route: Public, API: IntrospectionAPI, Auth: bearer(opaqueReader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "introspection, revoked opaque token", Route: Read, API: IntrospectionAPI,
		Auth:   bearer(func(t Tokens) string { return t.OpaqueRevoked }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonInactive},
	{Name: "introspection, unknown opaque token", Route: Read, API: IntrospectionAPI, Auth: bearer(func(t Tokens) string { return t.Opaque }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonInactive},
	{Name: "introspection, JWE", Route: Read, API: IntrospectionAPI, Auth: bearer(func(t Tokens) string { return t.JWE }),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonEncrypted},
	{Name: "introspection, DPoP-bound opaque token", Route: Read, API: IntrospectionAPI, Auth: dpop(opaqueBound), Proofs: proof(opaqueBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "introspection, DPoP-bound opaque token as Bearer", Route: Read, API: IntrospectionAPI, Auth: bearer(opaqueBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPDowngrade},
	// An endpoint that cannot answer is the API's failure: 503 with
	// Retry-After (HTTP), Unavailable (gRPC), never 401; JWTs do not
	// need it.
	{Name: "introspection endpoint down", Route: Read, API: IntrospectionDown, Auth: bearer(opaqueReader),
		Status: 503, GRPC: codes.Unavailable, Reason: middleware.ReasonIntrospectionUnavailable},
	{Name: "introspection endpoint down, JWT", Route: Read, API: IntrospectionDown, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"},
	{Name: "opaque token without introspection", Route: Read, Auth: bearer(opaqueReader),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonOpaque},
}
