package connectguard

import (
	"time"

	"connectrpc.com/connect"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/mtls"
)

// Option configures a Guard.
type Option func(*config)

type config struct {
	realm       string
	permissions bool
	noChallenge bool
	preflight   bool
	retryAfter  time.Duration
	public      []string
	externalURL string
	handlerOpts []connect.HandlerOption
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

// WithPublicHealth declares the standard health service
// (grpc.health.v1.Health, as connectrpc.com/grpchealth serves it) public,
// so load balancers and Kubernetes probes call it without a token.
func WithPublicHealth() Option {
	return func(c *config) { c.public = append(c.public, HealthService) }
}

// WithPublicReflection declares server reflection (v1 and v1alpha, as
// connectrpc.com/grpcreflect serves it) public, for grpcurl, buf curl and
// similar tools. Reflection lists every procedure of the server; leave it
// out in production unless that is intended.
func WithPublicReflection() Option {
	return func(c *config) { c.public = append(c.public, ReflectionService, ReflectionServiceV1Alpha) }
}

// WithPermissions counts Auth0's RBAC permissions array as granted scopes.
// Default: only scope and scp.
func WithPermissions() Option { return func(c *config) { c.permissions = true } }

// WithRealm sets the realm of the RFC 6750 section 3 challenge sent with
// refusals. Default: no realm.
func WithRealm(realm string) Option { return func(c *config) { c.realm = realm } }

// WithoutChallenge stops sending the WWW-Authenticate challenge. Default:
// sent with every refusal except unavailable.
func WithoutChallenge() Option { return func(c *config) { c.noChallenge = true } }

// WithPreflight lets CORS preflight requests (OPTIONS with
// Access-Control-Request-Method) through without a token, so that a CORS
// handler further in can answer them for browser clients (connect-web,
// gRPC-Web). Default: off; a CORS handler in front of the Guard needs no
// option.
func WithPreflight() Option { return func(c *config) { c.preflight = true } }

// WithRetryAfter sets the Retry-After metadata of unavailable refusals
// (the issuer's keys cannot be loaded). Default 5 s.
func WithRetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// WithExternalURL sets the API's external base URL
// ("https://api.example.com") for the htu check of DPoP proofs (RFC 9449
// section 4.3): a proof must name this base followed by the procedure's
// path. Set it when a proxy or load balancer terminates TLS or rewrites the
// Host, so that the request's own scheme and Host are not what the client
// addressed. Only this configured value is trusted, never X-Forwarded-*
// headers. It is checked by New. Default: https when the connection is
// TLS, else http, then the request's Host (":authority" over HTTP/2).
func WithExternalURL(base string) Option { return func(c *config) { c.externalURL = base } }

// WithHandlerOptions gives the Guard the options its Connect handlers are
// built with, so that refusals are encoded as the handlers encode errors
// (codecs, connect.WithRequireConnectProtocolHeader). Default: none.
func WithHandlerOptions(opts ...connect.HandlerOption) Option {
	return func(c *config) { c.handlerOpts = append(c.handlerOpts, opts...) }
}

// WithClientCertificates sets where the client certificate of a request
// comes from, for certificate-bound access tokens (RFC 8705,
// cnf.x5t#S256), as httpguard.WithClientCertificates: an mtls.Extractor
// reading a trusted TLS-terminating proxy's header (mtls.WithProxyHeader),
// or accepting certificates the handshake did not verify. Default:
// mtls.New(), the TLS connection's certificate when the handshake
// verified it. New refuses a nil extractor.
func WithClientCertificates(e *mtls.Extractor) Option {
	return func(c *config) { c.certs = []httpguard.Option{httpguard.WithClientCertificates(e)} }
}
