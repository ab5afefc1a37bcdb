package demo

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TokenLifetime is how long the demo tokens stay valid.
const TokenLifetime = 24 * time.Hour

// The demo's scopes.
const (
	ScopeRead   = "read:contacts"
	ScopeDelete = "delete:contacts"
	ScopeAudit  = "read:audit"
)

// DevIssuer is the embedded development issuer: the jwtguard test kit
// (jwtguardtest) on loopback, minting tokens for the demo's audience and
// namespace. It exists only when no -issuer is given.
type DevIssuer struct {
	*jwtguardtest.Issuer
	audience, namespace string
	// DPoPKey is the demo client's DPoP key: Tokens.DPoP is bound to it.
	DPoPKey *jwtguardtest.DPoPKey
	// ClientCert is the demo client's certificate with -dev-tls:
	// Tokens.MTLS is bound to it (RFC 8705). nil otherwise.
	ClientCert *x509.Certificate
}

// StartDevIssuer starts the development issuer for cfg's audience and
// namespace. Close stops it.
func StartDevIssuer(cfg Config) (*DevIssuer, error) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		return nil, fmt.Errorf("demo: starting the development issuer: %w", err)
	}
	k, err := jwtguardtest.NewDPoPKey("")
	if err != nil {
		iss.Close()
		return nil, fmt.Errorf("demo: %w", err)
	}
	return &DevIssuer{Issuer: iss, audience: cfg.Audience, namespace: cfg.Namespace, DPoPKey: k}, nil
}

// Tokens are the demo tokens the development issuer mints.
type Tokens struct {
	// Reader is an access token with scope "read:contacts".
	Reader string
	// Admin is an access token granting read:contacts and
	// delete:contacts through Auth0's permissions array (RBAC).
	Admin string
	// ID is an ID token for the same audience: the API must refuse it.
	ID string
	// DPoP is an access token with scope "read:contacts" bound to the
	// DevIssuer's DPoPKey (RFC 9449): it needs a DPoP proof per request.
	DPoP string
	// Org is an access token with scope "read:contacts" of a member of
	// the organization Org: the top-level org_id claim, as Auth0
	// Organizations issue it.
	Org string
	// Auditor is an access token with scope "read:audit" after a
	// multi-factor sign-in: acr MFA and auth_time the time it was minted,
	// so it passes the audit route's step-up for AuditMaxAge only.
	Auditor string
	// MTLS is an access token with scope "read:contacts" bound to the
	// DevIssuer's ClientCert (RFC 8705 cnf.x5t#S256): it is accepted only
	// over a TLS connection presenting that certificate. "" without
	// ClientCert.
	MTLS string
	// Opaque is an opaque access token with Reader's claims, validated by
	// token introspection (RFC 7662) at the development issuer's endpoint:
	// every route answers it as it answers Reader.
	Opaque string
}

// MintTokens mints the demo tokens, valid for TokenLifetime. The access
// tokens carry the namespaced claim "<namespace>favorite_color": "blue".
func (d *DevIssuer) MintTokens() (Tokens, error) {
	custom := map[string]any{d.namespace + "favorite_color": "blue"}
	if d.namespace == "" {
		custom = map[string]any{"favorite_color": "blue"}
	}
	var t Tokens
	var err error
	t.Reader, err = d.AccessToken(jwtguardtest.Claims{
		Subject: "auth0|reader", Audience: []string{d.audience}, Scope: ScopeRead,
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: custom,
	})
	if err != nil {
		return Tokens{}, err
	}
	t.Admin, err = d.AccessToken(jwtguardtest.Claims{
		Subject: "auth0|admin", Audience: []string{d.audience},
		Permissions:     []string{ScopeRead, ScopeDelete},
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: custom,
	})
	if err != nil {
		return Tokens{}, err
	}
	t.DPoP, err = d.AccessToken(jwtguardtest.Claims{
		Subject: "auth0|dpop-client", Audience: []string{d.audience}, Scope: ScopeRead,
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: custom, DPoPKey: d.DPoPKey,
	})
	if err != nil {
		return Tokens{}, err
	}
	t.Org, err = d.AccessToken(jwtguardtest.Claims{
		Subject: "auth0|org-member", Audience: []string{d.audience}, Scope: ScopeRead,
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: withClaims(custom, map[string]any{OrgClaim: Org}),
	})
	if err != nil {
		return Tokens{}, err
	}
	t.Opaque, err = d.Introspector().OpaqueToken(jwtguardtest.Claims{
		Subject: "auth0|reader", Audience: []string{d.audience}, Scope: ScopeRead,
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: custom,
	})
	if err != nil {
		return Tokens{}, err
	}
	t.Auditor, err = d.AccessToken(jwtguardtest.Claims{
		Subject: "auth0|auditor", Audience: []string{d.audience}, Scope: ScopeAudit,
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime,
		Custom: withClaims(custom, map[string]any{"acr": MFA, "auth_time": time.Now().Unix()}),
	})
	if err != nil {
		return Tokens{}, err
	}
	if d.ClientCert != nil {
		t.MTLS, err = d.AccessToken(jwtguardtest.Claims{
			Subject: "auth0|mtls-client", Audience: []string{d.audience}, Scope: ScopeRead,
			AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: custom,
		}.BoundToCertificate(d.ClientCert))
		if err != nil {
			return Tokens{}, err
		}
	}
	t.ID, err = d.IDToken(jwtguardtest.Claims{
		Subject: "auth0|reader", Audience: []string{d.audience},
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime,
	}, "demo-nonce")
	if err != nil {
		return Tokens{}, err
	}
	return t, nil
}

// withClaims returns base with more added, base unchanged.
func withClaims(base, more map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(more))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}
