// Package adaptertest holds the one table of cases that every jwtguard
// adapter (net/http, gin, gRPC unary and stream, echo, Connect) must answer
// the same way, with the environment the cases need: an in-process issuer, a
// validator with keys, a validator whose keys cannot be loaded, and the
// tokens. The routes cover scopes, claim requirements (an org from the path
// parameter or, over gRPC, from the request message; a Keycloak role; a
// client; machine and user tokens) and step-up (acr and auth_time, RFC
// 9470).
//
// consistency_test.go runs the table through the adapters of the core
// module, and through stacks of guards of one validator (a public guard
// around the Mux or around per-route Gates, two gin Protects, two chained
// gRPC interceptors), which must answer the same: a request is
// authenticated once, whatever the stack. Adapters in modules of their own
// (adapters/echoguard, adapters/connectguard), which the core module cannot
// import, run the same Cases from their own tests with the exported runners
// (SendHTTP, CheckHTTP, ProofsFor, WantChallenge).
//
// MTLSCases are the certificate-bound tokens (RFC 8705), sent over real
// TLS connections on loopback listeners (ServeHTTPS, ServeGRPCMTLS) with
// the client certificates of Env, to adapters deployed as each case says
// (Env.Extractor: the default, a trusted proxy's header, unverified
// certificates); SendHTTPS and CallMTLS send them.
package adaptertest
