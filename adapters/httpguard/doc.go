// Package httpguard protects net/http handlers with jwtguard, in one line:
//
//	handler := httpguard.Protect(v, mux)               // every route needs a valid token
//
// or with a requirement on every route, which cannot be forgotten:
//
//	mux := httpguard.NewMux(v)
//	mux.Handle("GET /api/contacts", scopecheck.All("read:contacts"), list)
//	mux.Handle("GET /api/public", scopecheck.Public, public)
//
// Routers that compose func(http.Handler) http.Handler (chi, gorilla/mux,
// alice) take Middleware for every route and a Gate per route:
//
//	r.Use(httpguard.Middleware(v, opts...))
//	r.With(httpguard.Gate(v, scopecheck.All("read:contacts"), opts...)).Get("/api/contacts", list)
//
// Guards compose in any order: a request that a guard of the same
// Validator already authenticated is never authenticated again (its DPoP
// proof would be refused as a replay); later guards and gates only check
// their own requirement against the claims in the context. A guard of
// another Validator, another API, authenticates the request itself.
//
// Certificate-bound access tokens (RFC 8705, cnf.x5t#S256) are accepted
// only from a request presenting that client certificate: by default the
// TLS connection's own, when the handshake verified it (serve with
// tls.Config.ClientAuth tls.VerifyClientCertIfGiven and ClientCAs). Behind a
// TLS-terminating proxy, WithClientCertificates names the proxy's header
// and the proxy's addresses (package mtls); a header is never read
// otherwise. Tokens without cnf need no certificate.
//
// Answers follow RFC 6750 section 3: 401 with a bare Bearer challenge when
// there is no token, 401 invalid_token, 403 insufficient_scope with the
// missing scopes, 400 invalid_request for a malformed request, and 503 with
// Retry-After while the issuer's keys cannot be loaded or another
// dependency fails, such as the DPoP replay store
// (middleware.ErrUnavailable). Bodies are RFC 9457
// application/problem+json. The package is named httpguard so it never
// clashes with net/http.
package httpguard
