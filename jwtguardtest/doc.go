// Package jwtguardtest is an in-process OAuth 2.0 authorization server for
// tests and demos. An Issuer listens on loopback (net/http/httptest), serves
// OpenID Connect discovery (OIDC Discovery 1.0 section 4), RFC 8414 metadata
// and a JWK Set (RFC 7517 section 5) at Auth0's location
// "<issuer>.well-known/jwks.json", and mints signed tokens:
//
//   - Auth0-style access tokens (typ "JWT", scope, permissions, namespaced
//     custom claims), or RFC 9068 access tokens (typ "at+jwt");
//   - ID tokens (OIDC Core section 2), which an API must refuse;
//   - expired and not-yet-valid tokens, for the negative paths.
//
// Tokens are signed with the standard library (crypto/rsa, crypto/ecdsa,
// crypto/ed25519) with RS256 by default; WithAlgorithm picks PS256, ES256,
// EdDSA or any other asymmetric JWS algorithm (RFC 7518 section 3.1).
// Private keys come from crypto/rand and never leave the Issuer.
//
// The key set can be changed while tests run: Rotate publishes a new signing
// key and keeps the old one published, RemoveKey revokes a key, SetOutage
// makes discovery and the JWKS answer an error status, and JWKSFetches
// counts the key fetches so tests can assert refresh rate limits.
//
// Several Issuers run side by side, one per NewIssuer: each has its own
// port and keys, but the same kid names ("key-1" first), so tests of
// several issuers show that keys are bound to their issuer, not found by
// kid. Claims.Issuer mints with an Issuer's key under another name: an
// alias such as an Auth0 custom domain, or a forgery.
//
// Personas mints a cast of callers (reader, admin, machine client, ID
// token, expired, DPoP client, other org, no MFA, and anonymous), each
// differing from the admin in one way; AccessMatrix runs them all against
// every route of an http.Handler and CompareGolden keeps the resulting
// who-may-call-what table in a golden file, so a change of policy shows
// in code review.
//
// An Issuer is safe for concurrent use. It is meant for tests and local
// development only: it serves plain http on loopback and its keys live in
// memory.
package jwtguardtest
