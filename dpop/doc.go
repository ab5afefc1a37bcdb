// Package dpop verifies DPoP proofs (OAuth 2.0 Demonstrating Proof of
// Possession, RFC 9449) for a resource server: the proof JWT a client sends
// in the DPoP header beside a DPoP-bound access token.
//
// A Verifier checks a proof as RFC 9449 section 4.3 lists: a compact JWS
// (RFC 7515) with typ dpop+jwt, an asymmetric alg the Verifier accepts
// (section 4.2 forbids symmetric ones), a public jwk that verifies it and
// holds no private member; the claims jti, htm, htu and iat; htm and htu
// equal to the request's method and URI after RFC 3986 normalisation
// (CheckExternalURL checks the base URL a proxied API passes); iat within
// the window behind the clock and the future skew ahead of it (section
// 11.1); ath, the hash of the access token (section 7.1); the server nonce
// (section 9), when Nonces are configured; the key's RFC 7638 thumbprint
// equal to the token's cnf.jkt (section 6.1); and, last, that the proof is
// used once, with a ReplayStore (section 11.1). MemoryReplayStore is the
// default store, bounded in memory and in what one client key may hold;
// replicas share a store of their own.
//
//	v, err := dpop.NewVerifier(dpop.Config{})
//	...
//	err = v.Verify(ctx, r.Header.Get("DPoP"), dpop.Request{
//		Method: r.Method, URL: "https://api.example.com" + r.URL.Path,
//		AccessToken: token, JKT: claims.ConfirmationJKT,
//	})
//
// Verify returns an *Error whose Kind says how to answer: a bad or
// replayed proof, or a client key over its quota, is the client's
// (invalid_dpop_proof, 401); a missing nonce asks for the nonce it carries
// (use_dpop_nonce, 401); a failing replay store is the server's (503).
//
// The middleware Validator uses a Verifier for its DPoP scheme
// (middleware.WithDPoP): most APIs configure DPoP through middleware's
// options and need this package only for a shared ReplayStore. It never
// imports middleware.
package dpop
