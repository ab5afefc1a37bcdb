package mtls

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
)

// The errors of Verify and of the Extractor. Every error this package
// returns is one of them or wraps exactly one; test with errors.Is. No
// error string holds a thumbprint, a certificate or a header value.
var (
	// ErrNoCertificate: the token is bound to a certificate but the
	// request has no usable client certificate: none was presented, the
	// handshake did not verify it, it came from an untrusted peer's
	// header, or a proxy header held bytes that are not a certificate
	// (RFC 9440 section 2.1: such a value is ignored). The client's
	// fault: 401 invalid_token.
	ErrNoCertificate = errors.New("mtls: the access token is bound to a client certificate and the request presented none")
	// ErrCertificateMismatch: the request's client certificate is not the
	// one the token is bound to (RFC 8705 section 3): 401 invalid_token.
	ErrCertificateMismatch = errors.New("mtls: the client certificate is not the one the access token is bound to")
	// ErrMalformedThumbprint: the token's cnf.x5t#S256 is not 43
	// base64url characters encoding a SHA-256 hash (RFC 8705 section
	// 3.1). The token is malformed: 401 invalid_token.
	ErrMalformedThumbprint = errors.New("mtls: the access token's cnf.x5t#S256 is not a base64url SHA-256 thumbprint")
	// ErrProxyHeader: a trusted proxy sent a certificate header this
	// package cannot use: several values, too long, or not in the
	// configured format. The proxy is part of the server's deployment, so
	// this is a server-side misconfiguration (or a proxy that lets
	// clients' own headers through): never accepted, and worth an alert.
	// Package middleware answers it 401 invalid_token (reason
	// mtls_proxy_header), since a client may be able to provoke it, and
	// logs it at error level. See HeaderError.
	ErrProxyHeader = errors.New("mtls: unusable client certificate header from a trusted proxy")
)

// thumbprintLen is the length of base64url without padding of 32 bytes.
const thumbprintLen = 43

// Thumbprint returns the RFC 8705 section 3.1 thumbprint of cert: base64url
// without padding of the SHA-256 of its DER encoding (cert.Raw), the value
// of a bound token's cnf.x5t#S256.
func Thumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Verify checks that bound, a token's cnf.x5t#S256, is the thumbprint of
// cert, the request's client certificate (RFC 8705 section 3). It returns
// ErrMalformedThumbprint when bound is not a thumbprint, ErrNoCertificate
// when cert is nil and ErrCertificateMismatch when cert is another
// certificate. The hashes are compared in constant time (crypto/subtle).
// Call it only for bound tokens: "" is not a thumbprint.
func Verify(bound string, cert *x509.Certificate) error {
	want, ok := decodeThumbprint(bound)
	if !ok {
		return ErrMalformedThumbprint
	}
	if cert == nil {
		return ErrNoCertificate
	}
	got := sha256.Sum256(cert.Raw)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return ErrCertificateMismatch
	}
	return nil
}

// decodeThumbprint decodes exactly 43 base64url characters whose unused
// low bits are zero (the canonical encoding of 32 bytes).
func decodeThumbprint(s string) (sum [sha256.Size]byte, ok bool) {
	if len(s) != thumbprintLen {
		return sum, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return sum, false
		}
	}
	n, err := base64.RawURLEncoding.Strict().Decode(sum[:], []byte(s))
	return sum, err == nil && n == sha256.Size
}
