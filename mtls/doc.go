// Package mtls checks certificate-bound access tokens (RFC 8705, OAuth 2.0
// Mutual-TLS Client Authentication and Certificate-Bound Access Tokens).
//
// An authorization server that binds a token to the client's TLS
// certificate puts the certificate's thumbprint in the token's
// confirmation claim: cnf.x5t#S256 is base64url (no padding) of the SHA-256
// of the DER of the leaf certificate (RFC 8705 section 3.1). The API must
// then check that the request came over a TLS connection on which the
// client authenticated with exactly that certificate, and refuse the token
// otherwise (RFC 8705 section 3). A stolen bound token is useless without
// the certificate's private key: the TLS handshake proves possession of it
// (the client's CertificateVerify signature).
//
// The package has two halves:
//
//   - Thumbprint and Verify: compute a certificate's thumbprint and compare
//     it, in constant time, with a token's cnf.x5t#S256.
//   - Extractor: find the client certificate of a request. By default only
//     the TLS connection itself counts (http.Request.TLS, or a
//     tls.ConnectionState for gRPC), and only when the handshake verified
//     the certificate's chain (len(VerifiedChains) > 0).
//     InsecureTrustUnverifiedPeer accepts certificates a server checks
//     elsewhere, and WithProxyHeader reads the certificate from a header
//     set by a TLS-terminating proxy: nginx's $ssl_client_escaped_cert,
//     Envoy's X-Forwarded-Client-Cert, or the RFC 9440 Client-Cert field,
//     and only on requests that arrive from that trusted proxy.
//
// The errors are typed (ErrNoCertificate, ErrCertificateMismatch,
// ErrMalformedThumbprint, ErrProxyHeader); package middleware maps them to
// its reasons. This package imports no other jwtguard package, and neither
// gRPC nor gin: the adapters hand it what their transport has.
//
// An API that accepts bound tokens says so in its protected resource
// metadata with tls_client_certificate_bound_access_tokens: true (RFC 9728
// section 2); that document belongs to package middleware.
package mtls
