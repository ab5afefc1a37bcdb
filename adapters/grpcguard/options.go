package grpcguard

import "github.com/jwtguard/jwtguard/mtls"

// Option configures the interceptors.
type Option func(*config)

type config struct {
	realm       string
	permissions bool
	noChallenge bool
	public      []string
	externalURL string
	certs       *mtls.Extractor // nil: mtls.New()
	nilCerts    bool            // WithClientCertificates(nil), refused by New
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// WithPublicHealth declares the standard health service
// (grpc.health.v1.Health: Check, List, Watch) public, so load balancers and
// Kubernetes probes call it without a token.
func WithPublicHealth() Option {
	return func(c *config) { c.public = append(c.public, HealthService) }
}

// WithPublicReflection declares server reflection (v1 and v1alpha) public,
// for grpcurl and similar tools. Reflection lists every method of the
// server; leave it out in production unless that is intended.
func WithPublicReflection() Option {
	return func(c *config) { c.public = append(c.public, ReflectionService, ReflectionServiceV1Alpha) }
}

// WithPermissions counts Auth0's RBAC permissions array as granted scopes.
// Default: only scope and scp.
func WithPermissions() Option { return func(c *config) { c.permissions = true } }

// WithRealm sets the realm of the RFC 6750 section 3 challenge sent in the
// "www-authenticate" trailer. Default: no realm.
func WithRealm(realm string) Option { return func(c *config) { c.realm = realm } }

// WithoutChallenge stops sending the "www-authenticate" trailer. Default:
// sent with every refusal except Unavailable.
func WithoutChallenge() Option { return func(c *config) { c.noChallenge = true } }

// WithExternalURL sets the base ("https://api.example.com") of the URI a
// DPoP proof must name in htu (RFC 9449 section 4.3): base followed by the
// full method name. Set it when a proxy or load balancer terminates TLS or
// rewrites ":authority", so that the call's own scheme and authority are not
// what the client addressed. It is checked by New: an absolute http(s) URL
// without query or fragment. Default: https when the connection is TLS,
// else http, then the call's ":authority".
func WithExternalURL(base string) Option { return func(c *config) { c.externalURL = base } }

// WithClientCertificates sets where the client certificate of a call
// comes from, for certificate-bound access tokens (RFC 8705,
// cnf.x5t#S256): an mtls.Extractor that reads a TLS-terminating proxy's
// metadata header on calls from that proxy (mtls.WithProxyHeader with
// mtls.TrustCIDRs; the metadata key is the header's name in lower case), or
// that accepts certificates the handshake did not verify
// (mtls.InsecureTrustUnverifiedPeer). The certificate is read only for a
// certificate-bound token. Default: mtls.New(), the TLS peer's certificate
// when the handshake verified it. New refuses a nil extractor.
func WithClientCertificates(e *mtls.Extractor) Option {
	return func(c *config) { c.certs, c.nilCerts = e, e == nil }
}
