package demo

import (
	"fmt"
	"io"
	"strings"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// PrintListening prints the line tools parse to find the server:
// "<name>: listening on <url>", then the issuer (or the issuers, separated
// by spaces) and audience in use.
func PrintListening(w io.Writer, name, url string, cfg Config) {
	fmt.Fprintf(w, "%s: listening on %s\n", name, url)
	if len(cfg.Issuers) == 1 {
		fmt.Fprintf(w, "%s: issuer %s, audience %s\n", name, cfg.Issuers[0], cfg.Audience)
	} else {
		fmt.Fprintf(w, "%s: issuers %s, audience %s\n", name, strings.Join(cfg.Issuers, " "), cfg.Audience)
	}
	if cfg.IntrospectionURL != "" {
		fmt.Fprintf(w, "%s: opaque tokens introspected at %s\n", name, cfg.IntrospectionURL)
	}
}

// PrintCurl prints ready-to-paste curl commands for the HTTP routes at
// base, with the demo tokens t minted by dev.
func PrintCurl(w io.Writer, base string, dev *DevIssuer, t Tokens) {
	proof, err := MintProof(dev, base, t.DPoP)
	if err != nil {
		proof = "(could not mint a proof: " + err.Error() + ")"
	}
	fmt.Fprintf(w, `
Development issuer: %s (keys at %s)
Demo tokens are valid for %.0f hours. Try:

  # public, no token: 200
  curl -i %[4]s/api/public

  # no token: 401 with a bare Bearer challenge
  curl -i %[4]s/api/contacts

  # read-only token (scope read:contacts): 200
  curl -i -H "Authorization: Bearer %[5]s" %[4]s/api/contacts

  # who am I: sub, scopes and the namespaced custom claims
  curl -i -H "Authorization: Bearer %[5]s" %[4]s/api/me

  # the read-only token cannot delete: 403 insufficient_scope
  curl -i -X DELETE -H "Authorization: Bearer %[5]s" %[4]s/api/contacts/1

  # read+delete token (Auth0 permissions): 204
  curl -i -X DELETE -H "Authorization: Bearer %[6]s" %[4]s/api/contacts/1

  # an ID token is not an access token: 401 invalid_token
  curl -i -H "Authorization: Bearer %[7]s" %[4]s/api/me

  # a DPoP-bound token (RFC 9449) with its proof for GET /api/me: 200
  # (a proof is single-use and valid for 60 s: restart the demo for a new one)
  curl -i -H "Authorization: DPoP %[8]s" -H "DPoP: %[9]s" %[4]s/api/me

  # the same token as a Bearer token: 401 (downgrade, RFC 9449 section 7.2)
  curl -i -H "Authorization: Bearer %[8]s" %[4]s/api/me

  # a member of the organization %[11]s (org_id %[11]s, read:contacts) reads its contacts: 200
  curl -i -H "Authorization: Bearer %[10]s" %[4]s/api/orgs/%[11]s/contacts

  # ... but not another organization's: 403 insufficient_scope, no scope attribute
  curl -i -H "Authorization: Bearer %[10]s" %[4]s/api/orgs/globex/contacts

  # a token without org_id: 403 insufficient_scope, no scope attribute
  curl -i -H "Authorization: Bearer %[5]s" %[4]s/api/orgs/%[11]s/contacts

  # the audit log after a multi-factor sign-in (read:audit, acr, auth_time): 200
  # (the sign-in counts for %.0[13]f minutes after the demo started: restart it for a fresh one)
  curl -i -H "Authorization: Bearer %[12]s" %[4]s/api/audit

  # without multi-factor: 401 insufficient_user_authentication with acr_values and max_age (RFC 9470)
  curl -i -H "Authorization: Bearer %[6]s" %[4]s/api/audit

  # an opaque token with the read-only token's claims, validated by token
  # introspection (RFC 7662) at %[14]s: 200, as for the JWT
  curl -i -H "Authorization: Bearer %[15]s" %[4]s/api/contacts

  # who the opaque token says you are: the JWT's answer
  curl -i -H "Authorization: Bearer %[15]s" %[4]s/api/me

  # an unknown (or revoked) opaque token: 401 invalid_token, inactive_token
  curl -i -H "Authorization: Bearer jgt_unknown" %[4]s/api/me

`, dev.URL(), dev.JWKSURL(), TokenLifetime.Hours(), base, t.Reader, t.Admin, t.ID, t.DPoP, proof,
		t.Org, Org, t.Auditor, AuditMaxAge.Minutes(), dev.IntrospectionURL(), t.Opaque)
}

// MintProof mints a DPoP proof of the demo client for GET base/api/me
// carrying the access token tok.
func MintProof(dev *DevIssuer, base, tok string) (string, error) {
	return dev.DPoPKey.Proof(jwtguardtest.Proof{Method: "GET", URL: base + "/api/me", AccessToken: tok})
}
