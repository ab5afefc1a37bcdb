package jwtguardtest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Token types for Claims.Type (the JWS header typ).
const (
	// TypeJWT is what Auth0 and most issuers put in access and ID tokens,
	// and the default here.
	TypeJWT = "JWT"
	// TypeAccessToken is the RFC 9068 section 2.1 access-token type.
	TypeAccessToken = "at+jwt"
)

// DefaultExpiresIn is the lifetime of a token whose Claims.ExpiresIn is 0.
const DefaultExpiresIn = time.Hour

// DefaultClientID is the client_id of an RFC 9068 token whose
// Claims.ClientID is empty (RFC 9068 section 2.2 requires client_id).
const DefaultClientID = "jwtguardtest-client"

// Claims describe a token to mint. The zero value mints a token from this
// issuer that expires in an hour, with no subject, audience or scope. Dates
// are written as integer seconds (RFC 7519 section 2 NumericDate).
type Claims struct {
	// Issuer is iss; "" means the Issuer's own URL(). Set it to mint a
	// token for another issuer with this issuer's key.
	Issuer   string
	Subject  string   // sub
	Audience []string // aud: a string when there is one, else an array

	Scope       string   // scope, space-delimited (RFC 9068 section 2.2.3)
	SCP         []string // scp as an array (Okta); set Custom["scp"] for a string (Entra ID)
	Permissions []string // Auth0 RBAC permissions

	ClientID        string // client_id (RFC 9068 section 2.2)
	AuthorizedParty string // azp (Auth0, OIDC Core section 2)
	GrantType       string // gty, e.g. "client-credentials" (Auth0 M2M)
	ID              string // jti; "" means a random one

	// DPoPKey binds the token to a client's DPoP key: cnf.jkt is its
	// thumbprint (RFC 9449 section 6.1). Nil mints a plain bearer token.
	DPoPKey *DPoPKey

	// ExpiresIn sets exp relative to now: 0 means DefaultExpiresIn, a
	// negative value mints a token that has already expired.
	ExpiresIn time.Duration
	// IssuedAt is iat; zero means now.
	IssuedAt time.Time
	// NotBefore is nbf; zero omits it. A time in the future mints a token
	// that is not valid yet.
	NotBefore time.Time

	// Type is the header typ: "" means TypeJWT (Auth0 style); use
	// TypeAccessToken for RFC 9068 tokens, which then also get a client_id
	// (DefaultClientID unless ClientID is set).
	Type string
	// Header holds extra header members. They replace kid and typ when
	// named the same; a nil value removes the member. alg cannot be set:
	// the issuer signs with its key's algorithm.
	Header map[string]any
	// Custom holds extra claims, e.g. Auth0 namespaced claims
	// ("https://myapp.example.com/favorite_color"). They are written last
	// and replace claims of the same name; a nil value removes the claim.
	Custom map[string]any
}

// AccessToken mints an access token signed with the current signing key.
func (i *Issuer) AccessToken(c Claims) (string, error) {
	m, err := i.baseClaims(c)
	if err != nil {
		return "", err
	}
	putString(m, "scope", c.Scope)
	if len(c.SCP) > 0 {
		m["scp"] = c.SCP
	}
	if c.Permissions != nil {
		m["permissions"] = c.Permissions
	}
	putString(m, "client_id", c.ClientID)
	putString(m, "gty", c.GrantType)
	if c.DPoPKey != nil {
		m["cnf"] = map[string]string{"jkt": c.DPoPKey.Thumbprint()}
	}
	if c.Type == TypeAccessToken && c.ClientID == "" {
		m["client_id"] = DefaultClientID
	}
	return i.sign(c, m)
}

// IDToken mints an OpenID Connect ID token (OIDC Core section 2) with
// nonce, as a client receives it; "" omits the nonce. APIs must refuse it
// as a bearer token. Scope, SCP, Permissions, ClientID and GrantType are not
// ID-token claims and are ignored; Custom is honoured.
func (i *Issuer) IDToken(c Claims, nonce string) (string, error) {
	m, err := i.baseClaims(c)
	if err != nil {
		return "", err
	}
	putString(m, "nonce", nonce)
	return i.sign(c, m)
}

// baseClaims returns the claims every token carries.
func (i *Issuer) baseClaims(c Claims) (map[string]any, error) {
	now := time.Now()
	m := map[string]any{"iss": i.URL()}
	putString(m, "iss", c.Issuer)
	putString(m, "sub", c.Subject)
	switch len(c.Audience) {
	case 0:
	case 1:
		m["aud"] = c.Audience[0]
	default:
		m["aud"] = c.Audience
	}
	iat := now
	if !c.IssuedAt.IsZero() {
		iat = c.IssuedAt
	}
	m["iat"] = iat.Unix()
	exp := c.ExpiresIn
	if exp == 0 {
		exp = DefaultExpiresIn
	}
	m["exp"] = now.Add(exp).Unix()
	if !c.NotBefore.IsZero() {
		m["nbf"] = c.NotBefore.Unix()
	}
	putString(m, "azp", c.AuthorizedParty)
	jti := c.ID
	if jti == "" {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("jwtguardtest: %w", err)
		}
		jti = hex.EncodeToString(b[:])
	}
	m["jti"] = jti
	return m, nil
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// sign builds the header, applies the extras of c and signs with the
// current signing key (RFC 7515 section 7.1 compact serialization).
func (i *Issuer) sign(c Claims, claims map[string]any) (string, error) {
	i.mu.Lock()
	key := i.signer
	i.mu.Unlock()
	typ := c.Type
	if typ == "" {
		typ = TypeJWT
	}
	hdr := map[string]any{"alg": string(key.alg), "typ": typ, "kid": key.kid}
	for k, v := range c.Header {
		if k == "alg" {
			return "", errors.New("jwtguardtest: Claims.Header cannot set alg")
		}
		merge(hdr, k, v)
	}
	for k, v := range c.Custom {
		merge(claims, k, v)
	}
	return signJWS(key, hdr, claims)
}

func merge(m map[string]any, k string, v any) {
	if v == nil {
		delete(m, k)
		return
	}
	m[k] = v
}
