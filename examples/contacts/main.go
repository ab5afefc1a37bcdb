// Command contacts is the jwtguard demo: a small contacts API protected by
// jwtguard on net/http.
//
//	go run ./examples/contacts
//
// With no flags it needs no account anywhere: it starts an embedded
// development issuer on loopback (the jwtguard test kit), protects the API
// with it, and prints ready-to-paste curl commands with minted tokens. With
// -issuer it protects the API with a real authorization server (Auth0, Okta,
// Keycloak, Entra ID...).
//
// Flags (each also read from the environment variable in brackets):
//
//	-addr              listen address [JWTGUARD_ADDR] (default 127.0.0.1:8080)
//	-issuer            exact iss to accept, trailing slash included; repeat for
//	                   several [JWTGUARD_ISSUER, comma-separated]
//	-jwks-uri          JWKS URL, instead of discovery; one issuer only [JWTGUARD_JWKS_URI]
//	-audience          API identifier [JWTGUARD_AUDIENCE] (default https://contacts.example.com)
//	-namespace         custom-claim namespace [JWTGUARD_NAMESPACE] (default https://myapp.example.com/)
//	-jwks-refresh      background key refresh interval [JWTGUARD_JWKS_REFRESH]
//	-jwks-min-refresh  minimum gap between unknown-kid refreshes [JWTGUARD_JWKS_MIN_REFRESH]
//	-tls-cert, -tls-key  serve HTTPS with these PEM files [JWTGUARD_TLS_CERT, JWTGUARD_TLS_KEY]
//	-client-ca         ask clients for a certificate verified against this PEM CA (certificate-bound tokens, RFC 8705) [JWTGUARD_CLIENT_CA]
//	-dev-tls           HTTPS and client certificates with generated development certificates [JWTGUARD_DEV_TLS]
//	-introspection-url            token introspection endpoint (RFC 7662) for opaque tokens of -issuer [JWTGUARD_INTROSPECTION_URL]
//	-introspection-client-id      this API's client ID there [JWTGUARD_INTROSPECTION_CLIENT_ID]
//	-introspection-client-secret  this API's client secret there (client_secret_basic) [JWTGUARD_INTROSPECTION_CLIENT_SECRET]
//	-redis             redis:// URL shared by the replicas: DPoP replay store and revocation list [JWTGUARD_REDIS]
//	-dpop-nonce-secret require DPoP nonces derived from this secret, at least 32 bytes [JWTGUARD_DPOP_NONCE_SECRET]
//
// With the three -introspection-* settings, opaque access tokens of -issuer
// (Okta, Keycloak, ORY Hydra...) are validated at that endpoint and every
// route answers them exactly as a JWT with the same claims (scopes from the
// scope member); without them they are refused (opaque_token). The
// development issuer introspects its own opaque tokens, and prints a curl
// command with one.
//
// Routes: GET /api/public (no token), GET /api/contacts (read:contacts),
// DELETE /api/contacts/{id} (delete:contacts), GET /api/me (any valid access
// token), GET /api/orgs/{org}/contacts (read:contacts and the token's
// org_id equal to {org}), GET /api/audit (read:audit after a multi-factor
// sign-in at most 5 minutes old: RFC 9470 step-up), GET /readyz (200 once
// every issuer's keys are loaded, else 503). Scopes come from the scope
// claim and Auth0's permissions array. With several -issuer, a token of any
// of them is accepted, verified only with its own issuer's keys; a token of
// an issuer not listed gets 401 invalid_token and no request is made to
// that issuer.
//
// The first line printed is "contacts: listening on http://HOST:PORT"
// (https:// with -tls-cert or -dev-tls); with -addr 127.0.0.1:0 it names
// the port the system chose.
package main

import (
	"context"
	"io"
	"net/http"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
)

func main() { demo.Main("contacts", demo.DefaultConfig(), run) }

// run serves the contacts API until ctx ends (see demo.RunHTTP).
func run(ctx context.Context, cfg demo.Config, out io.Writer) error {
	return demo.RunHTTP(ctx, "contacts", cfg, out, func(env *demo.Env) http.Handler {
		return newHandler(env, demo.NewStore())
	})
}
