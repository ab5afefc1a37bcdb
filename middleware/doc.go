// Package middleware is the transport-neutral core of jwtguard: the
// Validator that checks OAuth 2.0 JWT access tokens (RFC 9068, RFC 7519,
// RFC 7515; RFC 8725 best practices), the typed Claims it returns, the
// error vocabulary adapters render (RFC 6750 section 3, RFC 9457), bearer
// extraction from headers (RFC 6750 section 2.1) and the context accessor
// for handlers.
//
// A newcomer needs five names: New builds a Validator, Validator.Validate
// (or Validator.Authenticate, for DPoP) checks a token, Claims holds what
// it says, ClaimsFromContext hands the claims to a handler behind an
// adapter, and Error, with the category sentinels ErrMissingToken,
// ErrInvalidToken, ErrInsufficientScope, ErrUnavailable..., says why a
// request is refused.
//
// A Validator is built with the two things no API can leave out, the issuer
// and the audience, and safe defaults for the rest:
//
//	v, err := middleware.New("https://tenant.eu.auth0.com/", "https://contacts.example.com",
//		middleware.WithNamespace("https://myapp.example.com/"))
//
// It never writes HTTP responses and never imports a framework: adapters in
// jwtguard/adapters translate its errors into 401, 403, 400 or 503 answers
// and gRPC status codes. A 503 (ErrUnavailable) always means a dependency
// of the API is failing (the issuer's keys, the DPoP replay store), never
// the client's token.
//
// Opaque access tokens (Okta, Keycloak, ORY Hydra, Ping) are validated by
// token introspection (RFC 7662) with WithIntrospection and package
// introspect: JWTs stay local, other tokens go to the authorization server,
// and both give the same Claims (Claims.Introspected tells them apart).
//
// DPoP-bound tokens (RFC 9449) are accepted by default with the DPoP
// scheme: WithDPoP and the WithDPoP* options set the policy, and package
// dpop verifies the proofs and holds the replay stores and nonces.
// Certificate-bound tokens (RFC 8705, cnf.x5t#S256) are accepted by
// Authenticate from a request presenting that client certificate
// (Credentials.ClientCertificate, which the adapters fill with package
// mtls); WithCertificateBoundTokens says so in the RFC 9728 metadata.
//
// The hot path decodes only what validation needs (registered claims and
// scopes) with a strict JSON reader (RFC 8259) that refuses duplicate
// member names, invalid UTF-8 and deep nesting without building a tree;
// custom claims stay raw until Custom or DecodeCustom asks for them.
package middleware
