// Package middleware is the transport-neutral core of jwtguard: the
// Validator that checks OAuth 2.0 JWT access tokens (RFC 9068), the typed
// Claims it returns, the error vocabulary adapters render (RFC 6750
// section 3), bearer extraction from headers (RFC 6750 section 2.1) and the
// context accessor for handlers.
//
// It never writes HTTP responses and never imports a framework: adapters in
// jwtguard/adapters translate its errors into 401, 403, 400 or 503 answers
// and gRPC status codes.
//
// A Validator is built with the two things no API can leave out, the issuer
// and the audience, and safe defaults for the rest:
//
//	v, err := middleware.New("https://tenant.eu.auth0.com/", "https://contacts.example.com",
//		middleware.WithNamespace("https://myapp.example.com/"))
//
// The hot path decodes only what validation needs (registered claims and
// scopes) with a strict JSON reader of its own that refuses duplicate
// member names, invalid UTF-8 and deep nesting; custom claims stay raw until
// Custom or DecodeCustom asks for them.
package middleware
