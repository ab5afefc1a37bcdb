package middleware

import (
	"strings"
	"time"
)

// Claims are the verified claims of an access token. The registered and
// authorization claims are decoded on the hot path; everything else stays
// raw until asked for (see Custom and DecodeCustom). Claims are read-only
// once Validate returns them and safe to share between goroutines.
//
// Every method, and Custom and DecodeCustom, accepts a nil *Claims, which
// is what ClaimsFromContext returns on a public route: a nil *Claims has
// no claims (no scopes, no audience, not a machine, every custom claim
// not found). Reading a field of a nil *Claims still panics: check the ok
// of ClaimsFromContext first.
type Claims struct {
	Issuer    string    // iss (RFC 7519 section 4.1.1)
	Subject   string    // sub
	Audience  []string  // aud, always a slice (RFC 7519 section 4.1.3)
	ExpiresAt time.Time // exp
	NotBefore time.Time // nbf; zero when absent
	IssuedAt  time.Time // iat; zero when absent
	ID        string    // jti

	// AuthorizedParty is azp (OIDC Core section 2); ClientIDClaim is
	// client_id (RFC 9068 section 2.2). ClientID picks between them.
	AuthorizedParty string
	ClientIDClaim   string

	// Scope is the space-delimited scope claim (RFC 9068 section 2.2.3,
	// RFC 8693 section 4.2). SCP holds scp, an array (Okta) or a
	// space-delimited string split here (Entra ID). Permissions is Auth0's
	// RBAC permissions array.
	Scope       string
	SCP         []string
	Permissions []string

	// GrantType is Auth0's gty ("client-credentials" for M2M tokens).
	GrantType string

	// ConfirmationJKT is cnf.jkt, the RFC 7638 thumbprint of the key a
	// DPoP-bound token is bound to (RFC 9449 section 6.1); "" when unbound.
	ConfirmationJKT string
	// ConfirmationX5T is cnf["x5t#S256"], the SHA-256 thumbprint of the
	// client certificate a mutual-TLS-bound token is bound to (RFC 8705
	// section 3.1); "" when absent. Authenticate accepts such a token only
	// from a request presenting that certificate
	// (Credentials.ClientCertificate); Validate refuses it.
	ConfirmationX5T string

	// Header members that identify how the token was signed; "" for an
	// introspected token.
	Algorithm string // alg
	KeyID     string // kid
	Type      string // typ

	// Username is the username of an introspection answer (RFC 7662
	// section 2.2), a human-readable identifier of the resource owner; ""
	// for a JWT, whose issuers name it differently (read it with Custom).
	Username string
	// Introspected is true for an opaque token validated by token
	// introspection (RFC 7662, WithIntrospection), false for a JWT whose
	// signature was verified. The claims of an introspected token are the
	// members of the authorization server's answer (iss defaults to the
	// configured issuer), and Raw returns the answer's JSON.
	Introspected bool

	raw        []byte       // the JSON payload; never modified
	namespaces []string     // custom-claim namespaces of the validator
	cnf        confirmation // the members of cnf (RFC 7800), see confirmation.go
	members    memberIndex  // where each top-level member is, see rawclaim.go

	// issuerLabel is ValidationEvent.Issuer for the token's issuer, kept
	// for the answers of the verified-token cache.
	issuerLabel string
}

// ClientID returns the OAuth client the token was issued to: client_id
// (RFC 9068) when present, else azp (Auth0, OIDC); "" when neither is
// present or c is nil.
func (c *Claims) ClientID() string {
	if c == nil {
		return ""
	}
	if c.ClientIDClaim != "" {
		return c.ClientIDClaim
	}
	return c.AuthorizedParty
}

// IsMachine reports whether the token was issued to a machine rather than a
// user: Auth0 marks client-credentials tokens with gty "client-credentials"
// and a sub ending in "@clients". It is false for a nil c.
func (c *Claims) IsMachine() bool {
	if c == nil {
		return false
	}
	return c.GrantType == "client-credentials" || strings.HasSuffix(c.Subject, "@clients")
}

// Scopes returns the scopes granted by the scope and scp claims, in order,
// without duplicates. Auth0 permissions are not included: whether they
// count as scopes is a route policy (see package scopecheck). It returns
// nil when no scope is granted or c is nil.
func (c *Claims) Scopes() []string {
	if c == nil {
		return nil
	}
	out := splitScopes(c.Scope)
	for _, s := range c.SCP {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Raw returns the token's JSON payload (the introspection answer of an
// introspected token), or nil for a nil c. The caller must not modify it.
func (c *Claims) Raw() []byte {
	if c == nil {
		return nil
	}
	return c.raw
}

// HasAudience reports whether aud contains a; it is false for a nil c.
func (c *Claims) HasAudience(a string) bool {
	if c == nil {
		return false
	}
	return contains(c.Audience, a)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
