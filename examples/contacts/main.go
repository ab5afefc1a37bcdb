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
//	-issuer            exact iss to accept, trailing slash included [JWTGUARD_ISSUER]
//	-jwks-uri          JWKS URL, instead of discovery [JWTGUARD_JWKS_URI]
//	-audience          API identifier [JWTGUARD_AUDIENCE] (default https://contacts.example.com)
//	-namespace         custom-claim namespace [JWTGUARD_NAMESPACE] (default https://myapp.example.com/)
//	-jwks-refresh      background key refresh interval [JWTGUARD_JWKS_REFRESH]
//	-jwks-min-refresh  minimum gap between unknown-kid refreshes [JWTGUARD_JWKS_MIN_REFRESH]
//	-redis             redis:// URL shared by the replicas: DPoP replay store and revocation list [JWTGUARD_REDIS]
//	-dpop-nonce-secret require DPoP nonces derived from this secret, at least 32 bytes [JWTGUARD_DPOP_NONCE_SECRET]
//
// Routes: GET /api/public (no token), GET /api/contacts (read:contacts),
// DELETE /api/contacts/{id} (delete:contacts), GET /api/me (any valid access
// token), GET /readyz (200 once the keys are loaded, else 503). Scopes come
// from the scope claim and Auth0's permissions array.
//
// The first line printed is "contacts: listening on http://HOST:PORT"; with
// -addr 127.0.0.1:0 it names the port the system chose.
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
