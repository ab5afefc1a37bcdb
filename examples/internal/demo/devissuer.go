package demo

import (
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
)

// DevIssuer is the embedded development issuer: the jwtguard test kit
// (jwtguardtest) on loopback, minting tokens for the demo's audience and
// namespace. It exists only when no -issuer is given.
type DevIssuer struct {
	*jwtguardtest.Issuer
	audience, namespace string
	// DPoPKey is the demo client's DPoP key: Tokens.DPoP is bound to it.
	DPoPKey *jwtguardtest.DPoPKey
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
	t.Opaque, err = d.Introspector().OpaqueToken(jwtguardtest.Claims{
		Subject: "auth0|reader", Audience: []string{d.audience}, Scope: ScopeRead,
		AuthorizedParty: "demo-client", ExpiresIn: TokenLifetime, Custom: custom,
	})
	if err != nil {
		return Tokens{}, err
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
