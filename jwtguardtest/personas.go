package jwtguardtest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ACRMultiFactor is the acr Auth0 puts in tokens after multi-factor
// authentication (OIDC Core section 2, acr), the personas' default.
const ACRMultiFactor = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"

// The personas' names, in the order Personas returns them.
const (
	PersonaAnonymous = "anonymous"
	PersonaReader    = "reader"
	PersonaAdmin     = "admin"
	PersonaMachine   = "machine"
	PersonaIDToken   = "id-token"
	PersonaExpired   = "expired"
	PersonaDPoP      = "dpop"
	PersonaOtherOrg  = "other-org"
	PersonaNoMFA     = "no-mfa"
)

// PersonaConfig describes the API the personas call.
type PersonaConfig struct {
	// Audience is the aud of every token. Required.
	Audience string
	// ReaderScopes are granted to the reader, the machine client and the
	// DPoP client; AdminScopes to the admin and to the personas that
	// differ from it in one way (expired, other-org, no-mfa). Both go in
	// the scope claim.
	ReaderScopes, AdminScopes []string
	// Org is the org_id (top-level, as Auth0 Organizations issue it) of
	// the org members; OtherOrg that of the other-org persona. Defaults
	// "acme" and "globex".
	Org, OtherOrg string
	// ACR is the acr of a multi-factor sign-in; default ACRMultiFactor.
	ACR string
	// ClientID is the azp of the user personas (default "web-app"),
	// MachineClientID that of the machine client (default
	// "billing-service", whose sub is "billing-service@clients").
	ClientID, MachineClientID string
}

// Persona is a kind of caller with its credentials: a minted token, and
// for a DPoP client its key.
type Persona struct {
	Name string
	// About says who the persona is and what its token holds.
	About string
	// Token is the token sent; "" for the anonymous persona.
	Token string
	// DPoPKey is the key a DPoP persona's token is bound to (RFC 9449):
	// its requests carry "Authorization: DPoP <token>" and a fresh proof.
	// Nil for bearer tokens.
	DPoPKey *DPoPKey
}

// Personas mints the personas for cfg, valid for an hour, in this order:
//
//   - anonymous: no token.
//   - reader: a user (sub auth0|reader) of Org with ReaderScopes, after a
//     multi-factor sign-in just now (acr ACR, auth_time now).
//   - admin: the same user kind (sub auth0|admin) with AdminScopes.
//   - machine: a client-credentials token of MachineClientID (gty
//     client-credentials, sub "<id>@clients") with ReaderScopes, no
//     org_id, no acr.
//   - id-token: the admin's OIDC ID token (OIDC Core section 2), which an
//     API must refuse.
//   - expired: the admin's token, expired an hour ago.
//   - dpop: the reader's claims (sub auth0|dpop), bound to a fresh DPoP
//     key (cnf.jkt).
//   - other-org: the admin's claims for OtherOrg.
//   - no-mfa: the admin's claims without acr: a password sign-in just now.
//
// Every user persona has azp ClientID. The personas differ from the admin
// one way each, so an access matrix shows which requirement refuses whom.
func (i *Issuer) Personas(cfg PersonaConfig) ([]Persona, error) {
	if cfg.Audience == "" {
		return nil, errors.New("jwtguardtest: Personas needs an audience")
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&cfg.Org, "acme")
	def(&cfg.OtherOrg, "globex")
	def(&cfg.ACR, ACRMultiFactor)
	def(&cfg.ClientID, "web-app")
	def(&cfg.MachineClientID, "billing-service")
	reader, admin := strings.Join(cfg.ReaderScopes, " "), strings.Join(cfg.AdminScopes, " ")
	now := time.Now().Unix()
	user := func(sub, scope, org string, mfa bool) Claims {
		custom := map[string]any{"org_id": org, "auth_time": now}
		if mfa {
			custom["acr"] = cfg.ACR
		}
		return Claims{Subject: sub, Audience: []string{cfg.Audience}, Scope: scope, AuthorizedParty: cfg.ClientID, Custom: custom}
	}
	key, err := NewDPoPKey("")
	if err != nil {
		return nil, err
	}
	type spec struct {
		name, about string
		claims      Claims
		id          bool
	}
	adminClaims := user("auth0|admin", admin, cfg.Org, true)
	expired := user("auth0|admin", admin, cfg.Org, true)
	expired.ExpiresIn = -time.Hour
	expired.IssuedAt = time.Now().Add(-2 * time.Hour)
	dpop := user("auth0|dpop", reader, cfg.Org, true)
	dpop.DPoPKey = key
	specs := []spec{
		{PersonaReader, fmt.Sprintf("a user of org %s with scope %q, after MFA", cfg.Org, reader), user("auth0|reader", reader, cfg.Org, true), false},
		{PersonaAdmin, fmt.Sprintf("a user of org %s with scope %q, after MFA", cfg.Org, admin), adminClaims, false},
		{PersonaMachine, fmt.Sprintf("client credentials of %s with scope %q", cfg.MachineClientID, reader), Claims{
			Subject: cfg.MachineClientID + "@clients", Audience: []string{cfg.Audience}, Scope: reader,
			AuthorizedParty: cfg.MachineClientID, GrantType: "client-credentials"}, false},
		{PersonaIDToken, "the admin's ID token instead of an access token", adminClaims, true},
		{PersonaExpired, "the admin's token, expired an hour ago", expired, false},
		{PersonaDPoP, fmt.Sprintf("a user of org %s with scope %q, after MFA, DPoP-bound", cfg.Org, reader), dpop, false},
		{PersonaOtherOrg, fmt.Sprintf("the admin of org %s", cfg.OtherOrg), user("auth0|other-admin", admin, cfg.OtherOrg, true), false},
		{PersonaNoMFA, "the admin after a password sign-in (no acr)", user("auth0|admin", admin, cfg.Org, false), false},
	}
	out := []Persona{{Name: PersonaAnonymous, About: "no token"}}
	for _, s := range specs {
		var tok string
		if s.id {
			tok, err = i.IDToken(s.claims, "persona-nonce")
		} else {
			tok, err = i.AccessToken(s.claims)
		}
		if err != nil {
			return nil, fmt.Errorf("jwtguardtest: persona %s: %w", s.name, err)
		}
		p := Persona{Name: s.name, About: s.about, Token: tok}
		if s.claims.DPoPKey != nil {
			p.DPoPKey = s.claims.DPoPKey
		}
		out = append(out, p)
	}
	return out, nil
}

// Authorize adds the persona's credentials to r: the Authorization header
// and, for a DPoP persona, a proof for r's method and URL (RFC 9449
// section 4.2). A request with a relative URL (a server-side request, as
// httptest.NewRequest makes) is taken to be http://Host/path, https with
// TLS.
func (p Persona) Authorize(r *http.Request) error {
	if p.Token == "" {
		return nil
	}
	if p.DPoPKey == nil {
		r.Header.Set("Authorization", "Bearer "+p.Token)
		return nil
	}
	u := *r.URL
	if !u.IsAbs() {
		u.Scheme, u.Host = "http", r.Host
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	u.RawQuery, u.Fragment = "", ""
	proof, err := p.DPoPKey.Proof(Proof{Method: r.Method, URL: u.String(), AccessToken: p.Token})
	if err != nil {
		return err
	}
	r.Header.Set("Authorization", "DPoP "+p.Token)
	r.Header.Set("DPoP", proof)
	return nil
}
