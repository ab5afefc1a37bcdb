// Package ginguard protects gin routers with jwtguard, in one line:
//
//	r.Use(ginguard.Protect(v, ginguard.WithRealm("contacts")))
//
// Every route registered after that line needs a valid access token, and
// the verified claims reach handlers both through the typed getter
// ginguard.Claims(c) and through middleware.ClaimsFromContext(c.Request.Context()).
// Per-route requirements go in the route's handler chain:
//
//	r.GET("/api/public", ginguard.Require(scopecheck.Public), public)
//	r.GET("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), list)
//	r.DELETE("/api/contacts/:id", ginguard.Require(scopecheck.All("delete:contacts")), remove)
//
// With the Strict option a route whose handler chain carries no Require is
// refused with 403 insufficient_scope ("this resource has no access
// policy"), so a forgotten requirement shows on the first request instead of
// silently opening the route to every valid token.
//
// A request is authenticated once: a second Protect (on a group) or
// httpguard in front of the engine reuses the claims a guard of the same
// validator verified, so a DPoP proof is never refused as its own replay.
//
// Tokens are read as httpguard reads them: "Authorization: Bearer <token>",
// or, unless the validator disables DPoP, "Authorization: DPoP <token>" with
// one DPoP proof header whose htm is the request method and whose htu is the
// request URI without query (RFC 9449 section 4.3). Behind a proxy, tell
// Protect the external base URL with WithExternalURL. DPoP-bound tokens sent
// as Bearer are refused (section 7.2); with server nonces
// (middleware.WithDPoPNonce) the DPoP-Nonce header carries the next nonce.
//
// Refused requests are answered by httpguard.WriteError, so gin and net/http
// answers never differ: RFC 6750 section 3 statuses and WWW-Authenticate
// challenges (with a DPoP challenge beside the Bearer one, RFC 9449 section
// 7.1), RFC 9457 problem+json bodies, 503 with Retry-After while the
// issuer's keys cannot be loaded or another dependency fails, such as the
// DPoP replay store (middleware.ErrUnavailable). The gin context is aborted, so no later
// handler runs. The package is named ginguard so it never clashes with gin.
package ginguard
