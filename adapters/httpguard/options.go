package httpguard

import (
	"errors"
	"net/http"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/mtls"
)

// Option configures the adapter.
type Option func(*config)

type config struct {
	realm       string
	permissions bool
	preflight   bool
	queryToken  bool
	hints       bool
	retryAfter  time.Duration
	writeError  ErrorWriter
	externalURL string
	// certs finds the client certificate of a request for
	// certificate-bound tokens; nil is mtls.FromRequest. nilCerts records
	// WithClientCertificates(nil), refused when a guard is built.
	certs    *mtls.Extractor
	nilCerts bool
}

// ErrorWriter answers a refused request. err is always a *middleware.Error
// (see middleware.AsError).
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

func newConfig(opts []Option) *config {
	c := &config{retryAfter: 5 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.writeError == nil {
		c.writeError = c.defaultWriter
	}
	return c
}

// WithRealm sets the realm of the WWW-Authenticate challenge (RFC 6750
// section 3). Default: no realm.
func WithRealm(realm string) Option { return func(c *config) { c.realm = realm } }

// WithPermissions counts Auth0's RBAC permissions array as granted scopes.
// Default: only scope and scp.
func WithPermissions() Option { return func(c *config) { c.permissions = true } }

// WithPreflight lets CORS preflight requests (OPTIONS with
// Access-Control-Request-Method) through without a token, so a CORS
// handler further in can answer them. Default: off.
func WithPreflight() Option { return func(c *config) { c.preflight = true } }

// InsecureWithQueryToken also accepts the token in the access_token query
// parameter (RFC 6750 section 2.3). Tokens in URLs end up in logs and
// browser history; RFC 6750 says not to use it unless nothing else is
// possible. Default: off.
func InsecureWithQueryToken() Option { return func(c *config) { c.queryToken = true } }

// WithHints adds the developer hint (how a client gets a proper token) to
// problem bodies. Useful in development. Default: off.
func WithHints() Option { return func(c *config) { c.hints = true } }

// WithRetryAfter sets the Retry-After of 503 answers. Default 5 s.
func WithRetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// WithErrorWriter replaces how refused requests are answered.
func WithErrorWriter(w ErrorWriter) Option { return func(c *config) { c.writeError = w } }

// WithExternalURL sets the API's external base URL
// ("https://api.example.com") for the htu check of DPoP proofs (RFC 9449
// section 4.3), needed when a proxy sits in front and the request's own
// scheme and Host are not what the client addressed. Only this configured
// value is trusted, never X-Forwarded-* headers. Default: the request's
// scheme (TLS or not) and Host.
func WithExternalURL(base string) Option { return func(c *config) { c.externalURL = base } }

// WithClientCertificates sets where the client certificate of a request
// comes from, for certificate-bound access tokens (RFC 8705, cnf.x5t#S256;
// see middleware.Validator.Authenticate): an mtls.Extractor reading a
// TLS-terminating proxy's header from that proxy only
// (mtls.WithProxyHeader with mtls.TrustCIDRs), or accepting certificates
// the handshake did not verify (mtls.InsecureTrustUnverifiedPeer). The
// certificate is read only for a certificate-bound token. Default:
// mtls.New(), the TLS connection's own certificate, and only when the
// handshake verified it (r.TLS.VerifiedChains): serve with
// tls.Config.ClientAuth VerifyClientCertIfGiven (or
// RequireAndVerifyClientCert) and ClientCAs. A proxy's header is never
// read by default. A nil extractor makes the guard panic when it is built.
func WithClientCertificates(e *mtls.Extractor) Option {
	return func(c *config) { c.certs, c.nilCerts = e, e == nil }
}

// check reports options that cannot work, for the guards to panic with.
func (c *config) check() error {
	if c.nilCerts {
		return errors.New("WithClientCertificates given a nil extractor")
	}
	return dpop.CheckExternalURL(c.externalURL)
}
