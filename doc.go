// Package jwtguard protects HTTP and gRPC APIs with OAuth 2.0 access tokens.
// It holds no code: it is the map of the module.
//
// Start with two calls: build a middleware.Validator for your issuer and
// API audience, then wrap your server with one adapter.
//
//	v, err := middleware.New("https://tenant.eu.auth0.com/", "https://contacts.example.com")
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer v.Close()
//	http.ListenAndServe(":8080", httpguard.Protect(v, mux))
//
// The packages:
//
//   - middleware: the Validator (issuer, audience, algorithms, leeway,
//     token types, DPoP policy), typed Claims, the error vocabulary and
//     ClaimsFromContext. Start here.
//   - adapters/httpguard, adapters/ginguard, adapters/grpcguard: one line
//     for net/http (and chi, gorilla, alice), gin and gRPC.
//   - dpop: DPoP proof verification (RFC 9449), the replay stores and
//     server nonces behind middleware.WithDPoP; import it for a shared
//     replay store (dpop.ReplayStore) or dpop.CheckExternalURL.
//   - mtls: certificate-bound access tokens (RFC 8705): thumbprints and
//     where a request's client certificate comes from (the TLS connection,
//     or a trusted proxy's header); the adapters' WithClientCertificates.
//   - scopecheck: per-route requirements (scopes, Auth0 permissions) that
//     fail closed.
//   - jwks: where verification keys come from (discovery, JWKS URLs,
//     static keys), cached and refreshed in the background.
//   - adapters/promguard: Prometheus metrics for validations and key fetches.
//   - jwtguardtest: an in-process authorization server for your own tests.
//
// The README covers configuration, the errors a client can get and why,
// and the security notes.
package jwtguard
