// Package echoguard protects echo (github.com/labstack/echo/v4) routers
// with jwtguard, in one line:
//
//	api := e.Group("/api", echoguard.Protect(v, echoguard.WithRealm("contacts")))
//
// Every route of the group needs a valid access token, and the verified
// claims reach handlers both through the typed getter echoguard.Claims(c)
// and through middleware.ClaimsFromContext(c.Request().Context()).
// Per-route requirements are route middleware:
//
//	api.GET("/contacts", list, echoguard.Require(v, scopecheck.All("read:contacts"), opts...))
//	api.DELETE("/contacts/:id", remove, echoguard.Require(v, scopecheck.All("delete:contacts"), opts...))
//	e.GET("/api/public", public, echoguard.Require(v, scopecheck.Public, opts...))
//
// A request is authenticated once: Require reuses the claims a guard of the
// same validator verified further out (Protect, a public Require on the
// Echo, httpguard in front of the Echo), so a DPoP proof is never refused as
// its own replay. Require with scopes never authenticates a request itself
// and fails closed: with no guard of its validator in front, it answers 401.
// Require(v, scopecheck.Public) never refuses; its handler sees the claims
// of a valid token and none otherwise. Public routes therefore live outside
// Protect (on the Echo, beside the protected group), or the Echo runs
// Require(v, scopecheck.Public) for every request and each route states its
// requirement with Require, as chi users do with httpguard.Gate:
//
//	e.Use(echoguard.Require(v, scopecheck.Public, opts...)) // verifies a token when there is one
//	e.GET("/api/contacts", list, echoguard.Require(v, scopecheck.All("read:contacts"), opts...))
//	e.GET("/api/me", me, echoguard.Require(v, scopecheck.Authenticated, opts...))
//
// In that layout a route without Require is open to every request.
//
// Tokens are read as httpguard reads them: "Authorization: Bearer <token>",
// or, unless the validator disables DPoP, "Authorization: DPoP <token>" with
// one DPoP proof header whose htm is the request method and whose htu is
// the request URI without query (RFC 9449 section 4.3). Behind a proxy,
// give the external base URL with WithExternalURL. With server nonces
// (middleware.WithDPoPNonce) the DPoP-Nonce header carries the next nonce.
// A certificate-bound token (RFC 8705, cnf.x5t#S256) needs the client
// certificate it is bound to: the TLS connection's, verified by the
// handshake (serve with tls.Config.ClientAuth VerifyClientCertIfGiven), or
// a trusted proxy's header named with WithClientCertificates.
//
// echoguard's guards are httpguard's guards run as echo middleware, so
// echo, gin and net/http answers never differ: RFC 6750 section 3 statuses
// and WWW-Authenticate challenges (with a DPoP challenge beside the Bearer
// one, RFC 9449 section 7.1), RFC 9457 problem+json bodies, 503 with
// Retry-After while the issuer's keys cannot be loaded. A refused request
// never reaches later handlers. The package is named echoguard so it never
// clashes with echo.
package echoguard
