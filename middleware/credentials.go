package middleware

import (
	"crypto/x509"
	"net/http"
	"strings"

	"github.com/jwtguard/jwtguard/internal/jose"
	"github.com/jwtguard/jwtguard/mtls"
)

// CredentialsFromRequest reads what an HTTP request presents: exactly one
// Authorization header with the Bearer (RFC 6750 section 2.1) or DPoP
// (RFC 9449 section 7.1) scheme, every DPoP header, the method, the URI
// the client addressed, for the proof's htu, and the TLS client
// certificate, for certificate-bound tokens (RFC 8705; mtls.FromRequest:
// only a certificate the handshake verified, read only for such a token).
// base is the API's external base URL ("https://api.example.com") when a
// proxy sits in front; when "" the scheme comes from r.TLS and the host
// from r.Host. Errors are those of BearerToken: two Authorization headers
// are an invalid request, another scheme or an empty credential is no
// token.
func CredentialsFromRequest(r *http.Request, base string) (Credentials, error) {
	v, err := authorization(r.Header)
	if err != nil {
		return Credentials{}, err
	}
	c, err := CredentialsFromAuthorization(v, r.Header.Values("DPoP"))
	if err != nil {
		return c, err
	}
	c.Method = r.Method
	c.URL = requestURL(r, base)
	c.ClientCertificate = func() (*x509.Certificate, error) { return mtls.FromRequest(r) }
	return c, nil
}

// CredentialsFromAuthorization parses one Authorization value (as gRPC
// metadata carries it) and the DPoP proofs sent with it. The scheme is
// case-insensitive (RFC 9110 section 11.1); the token must be a b64token.
func CredentialsFromAuthorization(authorization string, proofs []string) (Credentials, error) {
	scheme, cred, found := strings.Cut(authorization, " ")
	var c Credentials
	switch {
	case !found:
		return c, errNoToken()
	case strings.EqualFold(scheme, SchemeBearer):
		c.Scheme = SchemeBearer
	case strings.EqualFold(scheme, SchemeDPoP):
		c.Scheme = SchemeDPoP
	default:
		return c, errNoToken()
	}
	cred = strings.Trim(cred, " ")
	if cred == "" {
		return Credentials{}, errNoToken()
	}
	if !jose.IsB64Token(cred) {
		return Credentials{}, invalid(ReasonMalformed,
			"the credential has characters outside the b64token syntax (RFC 6750 section 2.1)")
	}
	c.Token, c.Proofs = cred, proofs
	return c, nil
}

func requestURL(r *http.Request, base string) string {
	if base != "" {
		return strings.TrimSuffix(base, "/") + r.URL.EscapedPath()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}
