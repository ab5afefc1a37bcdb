// Package connectguard protects Connect (connectrpc.com/connect) servers
// with jwtguard: an HTTP-layer guard with a procedure table, in front of
// the Connect handlers, that answers every refusal as a Connect error in
// the protocol of the call (Connect, gRPC or gRPC-Web), for unary and
// streaming procedures alike.
//
//	procedures := connectguard.Procedures{
//		"/contacts.v1.Contacts/List":   scopecheck.All("read:contacts"),
//		"/contacts.v1.Contacts/Delete": scopecheck.All("delete:contacts"),
//		"/contacts.v1.Contacts/Watch":  scopecheck.All("read:contacts"),
//	}
//	mux := http.NewServeMux()
//	mux.Handle(contactsv1connect.NewContactsHandler(svc))
//	mux.Handle(grpchealth.NewHandler(checker))
//	handler := connectguard.Protect(v, procedures, mux, connectguard.WithPublicHealth())
//
// Connect's maintainers recommend authenticating at the HTTP layer
// (connectrpc.com/authn does): the guard runs before the request is
// decompressed and unmarshalled, it sees the request's scheme, Host and
// method that DPoP proofs name, and it fronts every procedure of the
// server, so a procedure nobody listed is refused instead of served. An
// interceptor would have none of that.
//
// Handlers read the verified claims with middleware.ClaimsFromContext(ctx).
//
// Tokens are read as httpguard reads them: the Authorization header with
// the Bearer scheme (RFC 6750 section 2.1), or, unless the validator
// disables DPoP, the DPoP scheme with exactly one DPoP proof header (RFC
// 9449 section 7.1) whose htm is the HTTP method (POST; GET for Connect GET
// calls) and whose htu is the HTTP URL of the procedure,
// "https://api.example.com/contacts.v1.Contacts/List": https when the
// connection is TLS, else http, then the request's Host (":authority" over
// HTTP/2). Behind a proxy that terminates TLS or rewrites the Host,
// WithExternalURL sets the base instead. With server nonces
// (middleware.WithDPoPNonce), a use_dpop_nonce refusal carries the nonce in
// its DPoP-Nonce metadata, and a call served with a DPoP-bound token gets
// the next one in the DPoP-Nonce response header.
//
// A certificate-bound token (RFC 8705, cnf.x5t#S256) needs the client
// certificate it is bound to: the TLS connection's, verified by the
// handshake (http.Server.TLSConfig with ClientAuth
// tls.VerifyClientCertIfGiven), or a trusted proxy's header named with
// WithClientCertificates.
//
// Fail closed: a request whose path is neither a procedure of the table
// (by its full path, or by its service's "/package.Service/" key) nor
// declared public is refused with permission_denied ("this resource has no
// access policy"), whatever the token. The table is checked when the Guard
// is built: a malformed procedure or an unset or invalid requirement is an
// error from New, or a panic from Protect.
//
// Codes: no token or a bad one -> unauthenticated; a valid token without
// the required scopes -> permission_denied, the message naming them; the
// issuer's keys cannot be loaded -> unavailable, with Retry-After; a
// malformed request (two Authorization headers) -> invalid_argument. Over
// the Connect protocol's unary calls these are HTTP 401, 403, 503 and 400.
// Every refusal carries a google.rpc.ErrorInfo detail (domain "jwtguard",
// reason the jwtguard Reason, metadata "error" and "scope"), as grpcguard
// sends it, and the RFC 6750 section 3 challenge in its WWW-Authenticate
// metadata, the value net/http sends (a DPoP challenge beside the Bearer
// one), except for unavailable. Over gRPC the challenge is a response
// header rather than a trailer: net/http does not send a WWW-Authenticate
// trailer. Requests that are no RPC get httpguard's problem+json answer.
//
// Guards compose: the guard of each procedure is an httpguard guard, so a
// request that a guard of the same validator already authenticated
// (httpguard in front, a platform-wide Guard) is not authenticated again,
// which would refuse its DPoP proof as a replay.
package connectguard
