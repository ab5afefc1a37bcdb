package ginguard

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
)

// Option configures Protect. The options mirror httpguard's; ginguard keeps
// its own type because it needs to read them (permissions, preflight),
// while rendering still goes through httpguard.WriteError.
type Option func(*config)

// ErrorHandler answers a refused request. err is a *middleware.Error (see
// middleware.AsError); for use_dpop_nonce its DPoPNonce must be sent in a
// DPoP-Nonce header (RFC 9449 section 9), as httpguard.WriteError does. The
// context is aborted after it returns, whatever the handler did.
type ErrorHandler func(c *gin.Context, err error)

type config struct {
	realm       string
	permissions bool
	preflight   bool
	hints       bool
	strict      bool
	retryAfter  time.Duration
	onError     ErrorHandler
	externalURL string
	certs       *mtls.Extractor
	nilCerts    bool
	render      []httpguard.Option // the rendering options, built once
	// credentials reads a request's credentials as httpguard does.
	credentials func(*http.Request) (middleware.Credentials, error)
}

func newConfig(opts []Option) *config {
	c := &config{retryAfter: 5 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	c.render = []httpguard.Option{httpguard.WithRealm(c.realm), httpguard.WithRetryAfter(c.retryAfter),
		httpguard.WithExternalURL(c.externalURL)}
	if c.hints {
		c.render = append(c.render, httpguard.WithHints())
	}
	read := []httpguard.Option{httpguard.WithExternalURL(c.externalURL)}
	if c.certs != nil {
		read = append(read, httpguard.WithClientCertificates(c.certs))
	}
	c.credentials = httpguard.CredentialsReader(read...)
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
// middleware further in can answer them. Default: off.
func WithPreflight() Option { return func(c *config) { c.preflight = true } }

// WithHints adds the developer hint (how a client gets a proper token) to
// problem bodies. Useful in development. Default: off.
func WithHints() Option { return func(c *config) { c.hints = true } }

// WithRetryAfter sets the Retry-After of 503 answers. Default 5 s.
func WithRetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// WithErrorHandler replaces how refused requests are answered. Default:
// httpguard.WriteError with the realm, hints and Retry-After above.
func WithErrorHandler(h ErrorHandler) Option { return func(c *config) { c.onError = h } }

// Strict refuses every matched route whose handler chain carries no
// Require: 403 insufficient_scope, "this resource has no access policy",
// whatever the token (it is not even read), so the answer never depends
// on who calls. Requests that match no route (gin's
// 404 and 405 handlers, NoRoute and NoMethod chains) only need a valid
// token unless their chain carries a Require. Default: off, a route
// without Require needs any valid access token (scopecheck.Authenticated).
// Policy exports what every route requires, for review and CI.
func Strict() Option { return func(c *config) { c.strict = true } }

// WithExternalURL sets the API's external base URL
// ("https://api.example.com") for the htu check of DPoP proofs (RFC 9449
// section 4.3): a proof must name this base followed by the request's
// path. Set it when a proxy or load balancer sits in front and the
// request's own scheme and Host are not what the client addressed. Only
// this configured value is trusted, never X-Forwarded-* headers. Default:
// the request's scheme (TLS or not) and Host, as httpguard.WithExternalURL.
func WithExternalURL(base string) Option { return func(c *config) { c.externalURL = base } }

// WithClientCertificates sets where the client certificate of a request
// comes from, for certificate-bound access tokens (RFC 8705), as
// httpguard.WithClientCertificates: an mtls.Extractor reading a trusted
// TLS-terminating proxy's header (mtls.WithProxyHeader), or accepting
// certificates the handshake did not verify. Default: mtls.New(), the TLS
// connection's certificate when the handshake verified it
// (c.Request.TLS.VerifiedChains). Protect panics on a nil extractor.
func WithClientCertificates(e *mtls.Extractor) Option {
	return func(c *config) { c.certs, c.nilCerts = e, e == nil }
}
