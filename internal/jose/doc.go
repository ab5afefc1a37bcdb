// Package jose holds what the token validator (middleware) and the DPoP
// proof verifier (dpop) both need to read a JWS: the compact serialisation
// (RFC 7515 section 7.1) split at its dots, strict base64url without
// padding (RFC 7515 section 2, RFC 4648 section 5), and NumericDate claims
// (RFC 7519 section 2). Each has one implementation, here; the callers map
// its results to their own errors.
package jose
