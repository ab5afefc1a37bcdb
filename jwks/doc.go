// Package jwks answers one question for the validator: which key verifies a
// token with this kid and alg, issued by this issuer.
//
// Keys come from a Source. A source publishes an immutable *Set through an
// atomic pointer, so a lookup on the hot path is one atomic load and one map
// lookup: no lock and no allocation. Sources provided here:
//
//   - Remote: a JWKS URL, cached, refreshed in the background, refreshed on an
//     unknown kid under a rate limit, and kept through outages
//     (stale-if-error).
//   - Discover: OIDC discovery (or RFC 8414 metadata) from an issuer, then a
//     Remote source on the advertised jwks_uri.
//   - Static: keys given in code, PEM, or JWK / JWK Set JSON.
//   - Static with NewHMACKey: an explicitly configured HS256/384/512 secret.
//     Symmetric keys never come from a JWKS document (RFC 8725 section 3.2).
//
// Every key is normalised once, when it is loaded, and bound to exactly one
// algorithm: the JWK "alg" member when present, otherwise the one its type and
// curve imply (RFC 7518 section 3.1). Keys whose "use" is not "sig", "oct" keys
// from a JWKS and RSA keys under 2048 bits are dropped one by one; one bad key
// never empties the set.
package jwks
