package echoguard

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/mtls"
)

// Option configures Protect and Require. The options mirror httpguard's
// and become httpguard options: echoguard guards are httpguard guards, so
// their answers are httpguard's byte for byte. Give every guard of one
// validator the same options, so that a refusal reads the same whichever
// guard made it.
type Option func(*config)

// ErrorHandler answers a refused request in place of httpguard.WriteError.
// err is a *middleware.Error (see middleware.AsError); for use_dpop_nonce
// its DPoPNonce must be sent in a DPoP-Nonce header (RFC 9449 section 9).
// The returned error goes to echo's HTTPErrorHandler, so an ErrorHandler
// may answer itself and return nil, or return an *echo.HTTPError. Later
// handlers never run either way.
type ErrorHandler func(c echo.Context, err error) error

type config struct {
	realm       string
	permissions bool
	preflight   bool
	hints       bool
	retryAfter  time.Duration
	onError     ErrorHandler
	externalURL string
	certs       []httpguard.Option // WithClientCertificates, as given
}

func newConfig(opts []Option) *config {
	c := &config{retryAfter: 5 * time.Second}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// httpOptions are the httpguard options of c: the guard's and the
// rendering's.
func (c *config) httpOptions() []httpguard.Option {
	opts := []httpguard.Option{httpguard.WithRealm(c.realm), httpguard.WithRetryAfter(c.retryAfter),
		httpguard.WithExternalURL(c.externalURL)}
	if c.permissions {
		opts = append(opts, httpguard.WithPermissions())
	}
	if c.preflight {
		opts = append(opts, httpguard.WithPreflight())
	}
	if c.hints {
		opts = append(opts, httpguard.WithHints())
	}
	opts = append(opts, c.certs...)
	if h := c.onError; h != nil {
		opts = append(opts, httpguard.WithErrorWriter(func(w http.ResponseWriter, r *http.Request, err error) {
			if k := callOf(r); k != nil {
				k.err = h(k.c, err)
			}
		}))
	}
	return opts
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

// WithExternalURL sets the API's external base URL
// ("https://api.example.com") for the htu check of DPoP proofs (RFC 9449
// section 4.3): a proof must name this base followed by the request's
// path. Set it when a proxy or load balancer sits in front and the
// request's own scheme and Host are not what the client addressed. Only
// this configured value is trusted, never X-Forwarded-* headers. It is
// checked when the guard is built. Default: the request's scheme (TLS or
// not) and Host, as httpguard.WithExternalURL.
func WithExternalURL(base string) Option { return func(c *config) { c.externalURL = base } }

// WithClientCertificates sets where the client certificate of a request
// comes from, for certificate-bound access tokens (RFC 8705,
// cnf.x5t#S256), as httpguard.WithClientCertificates: an mtls.Extractor
// reading a trusted TLS-terminating proxy's header (mtls.WithProxyHeader),
// or accepting certificates the handshake did not verify. Default:
// mtls.New(), the TLS connection's certificate when the handshake
// verified it (serve with tls.Config.ClientAuth VerifyClientCertIfGiven).
// Give every guard of one validator the same extractor. A nil extractor
// makes Protect and Require panic.
func WithClientCertificates(e *mtls.Extractor) Option {
	return func(c *config) { c.certs = []httpguard.Option{httpguard.WithClientCertificates(e)} }
}
