// Package grpcguard protects gRPC servers with jwtguard: a unary and a
// stream server interceptor that mirror each other, one line each.
//
//	methods := grpcguard.Methods{
//		"/contacts.v1.Contacts/List":   scopecheck.All("read:contacts"),
//		"/contacts.v1.Contacts/Delete": scopecheck.All("delete:contacts"),
//		"/contacts.v1.Contacts/Watch":  scopecheck.All("read:contacts"),
//	}
//	srv := grpc.NewServer(
//		grpc.ChainUnaryInterceptor(grpcguard.Unary(v, methods, grpcguard.WithPublicHealth())),
//		grpc.ChainStreamInterceptor(grpcguard.Stream(v, methods, grpcguard.WithPublicHealth())),
//	)
//
// The access token comes from the "authorization" metadata as
// "Bearer <token>", with the RFC 6750 section 2.1 rules of the HTTP
// adapters; two authorization values are an invalid request.
//
// DPoP (RFC 9449), unless the validator disables it: "authorization" holds
// "DPoP <token>" and the "dpop" metadata exactly one proof. Its htm must be
// POST (gRPC always is) and its htu scheme://authority/fullMethod, e.g.
// "https://api.example.com/contacts.v1.Contacts/List": the scheme is https
// when the connection uses TLS, else http, and the authority is the call's
// ":authority". Behind a proxy that terminates TLS or rewrites the
// authority, WithExternalURL sets the base instead. A DPoP-bound token sent
// as Bearer is refused (section 7.2). With server nonces
// (middleware.WithDPoPNonce), a use_dpop_nonce refusal carries the nonce in
// the "dpop-nonce" trailer, and a call served with a DPoP-bound token gets
// the next one in the "dpop-nonce" header.
//
// Certificate-bound access tokens (RFC 8705, cnf.x5t#S256), under either
// scheme, are accepted only from a call whose TLS client certificate has
// that thumbprint: the peer's (peer.FromContext, credentials.TLSInfo),
// when the handshake verified it (credentials.NewTLS with ClientAuth
// tls.VerifyClientCertIfGiven and ClientCAs). Behind a TLS-terminating
// proxy, WithClientCertificates names the proxy's metadata header and the
// proxy's addresses (package mtls); such a header is never read otherwise.
//
// Fail closed: a method that is neither in the table (by full method name,
// or by its service's "/package.Service/" prefix) nor declared public is
// refused with PermissionDenied, whatever the token, so a forgotten entry
// shows on the first call and never depends on who calls. The table is
// checked when the interceptors are built: a malformed method name or an
// unset or invalid requirement is a construction error (New) or a panic
// (Unary, Stream).
//
// Status codes: no token or a bad one -> Unauthenticated; a valid token
// without the required scopes -> PermissionDenied, the message naming the
// missing scopes; a token failing a claim requirement (scopecheck.Claim,
// Client, Machine, User) -> PermissionDenied; a token whose user must
// authenticate again (scopecheck.ACR, MaxAge: RFC 9470 step-up) ->
// Unauthenticated, with "acr_values" and "max_age" in the ErrorInfo
// metadata and the challenge; the issuer's keys cannot be loaded or another
// dependency fails, such as the DPoP replay store (middleware.ErrUnavailable)
// -> Unavailable; a malformed request (two tokens) -> InvalidArgument. A
// client's bad token is never Internal or Unknown. Refusals carry a
// google.rpc.ErrorInfo detail (domain "jwtguard", reason the jwtguard
// Reason) and the RFC 6750 section 3 challenge in the "www-authenticate"
// trailer, the same value net/http sends (a DPoP challenge beside the
// Bearer one, RFC 9449 section 7.1).
//
// Interceptors compose: when several Guards of one validator are chained
// (a platform-wide one and a service's own), the first authenticates the
// call and the others only check their tables against its claims; a DPoP
// proof is checked once. A Guard of another validator (another API)
// authenticates the call itself. A call that an inner Guard refuses after an
// outer one let it through keeps the outer one's "dpop-nonce" header:
// gRPC cannot take back a header once set.
//
// Requirements read the request message through extractors in the table
// (scopecheck.EqualsRequest with scopecheck.Field), and Guard.Policy
// exports the table as data.
//
// Handlers read the verified claims with middleware.ClaimsFromContext(ctx);
// for streams, ctx is the wrapped stream's Context(). The package is named
// grpcguard so it never clashes with grpc.
package grpcguard
