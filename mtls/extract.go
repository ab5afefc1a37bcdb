package mtls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// errUnverified is returned for a peer certificate the handshake did not
// verify, without InsecureTrustUnverifiedPeer.
var errUnverified = fmt.Errorf("%w (the TLS handshake did not verify the client certificate: "+
	"set tls.Config.ClientAuth to VerifyClientCertIfGiven or RequireAndVerifyClientCert, "+
	"or see mtls.InsecureTrustUnverifiedPeer)", ErrNoCertificate)

// Peer is the connection a request arrived on, as trust decisions see it:
// the immediate peer's address ("ip:port": http.Request.RemoteAddr, or a
// gRPC peer.Peer's Addr.String()) and its TLS state (nil without TLS).
// Behind a proxy both describe the proxy, never the client.
type Peer struct {
	Addr string
	TLS  *tls.ConnectionState
}

// Option configures an Extractor.
type Option func(*config) error

type config struct {
	unverified bool
	proxy      *HeaderFormat
	trusted    func(Peer) bool
}

// InsecureTrustUnverifiedPeer makes the Extractor use a TLS client
// certificate even when the handshake did not verify its chain
// (len(ConnectionState.VerifiedChains) == 0): for servers that ask with
// tls.RequestClientCert or tls.RequireAnyClientCert and check certificates
// themselves (tls.Config.VerifyPeerCertificate or VerifyConnection, e.g.
// against client metadata), and for RFC 8705 section 2.2 self-signed
// client certificates, which no CA vouches for.
//
// The binding itself stays sound: crypto/tls always checks the client's
// CertificateVerify signature, so the client holds the key of the
// certificate it presented, and Verify compares the whole certificate's
// hash. What is lost is any assurance about who the certificate names:
// never authorize on its subject or SANs under this option unless your own
// verification did. The name says so loudly on purpose.
func InsecureTrustUnverifiedPeer() Option {
	return func(c *config) error { c.unverified = true; return nil }
}

// WithProxyHeader reads the client certificate from a header set by a
// TLS-terminating proxy, on requests whose Peer trusted accepts (see
// TrustCIDRs). On those requests the TLS connection's own certificate is
// never used: it is the proxy's. On other requests the header is ignored,
// whoever sent it, and only the connection's own certificate counts. The
// proxy must set the header from the client connection and drop any
// header of that name the client sent; otherwise a client with a stolen
// token could name the victim's certificate, which is public.
//
// A trusted proxy's header that cannot be used (several values, longer
// than MaxHeaderBytes, malformed) is an ErrProxyHeader: never accepted.
//
// trusted sees the immediate peer: TrustCIDRs checks its address; a proxy
// that authenticates to the API with its own client certificate can be
// recognized by it instead:
//
//	func(p mtls.Peer) bool {
//		return p.TLS != nil && len(p.TLS.VerifiedChains) > 0 &&
//			p.TLS.PeerCertificates[0].Subject.CommonName == "edge-proxy"
//	}
func WithProxyHeader(f HeaderFormat, trusted func(Peer) bool) Option {
	return func(c *config) error {
		if err := f.check(); err != nil {
			return err
		}
		if trusted == nil {
			return errors.New("mtls: WithProxyHeader needs a trust function for the proxy (see TrustCIDRs)")
		}
		if c.proxy != nil {
			return errors.New("mtls: WithProxyHeader given twice")
		}
		c.proxy, c.trusted = &f, trusted
		return nil
	}
}

// TrustCIDRs returns a trust function for WithProxyHeader that accepts a
// Peer whose address is in one of cidrs ("10.0.0.0/8", "::1/128") or is
// one of them (a bare address). It looks at the immediate peer only,
// never at X-Forwarded-For; IPv4-mapped IPv6 addresses count as IPv4.
func TrustCIDRs(cidrs ...string) (func(Peer) bool, error) {
	if len(cidrs) == 0 {
		return nil, errors.New("mtls: TrustCIDRs needs at least one prefix")
	}
	prefixes := make([]netip.Prefix, 0, len(cidrs))
	for _, s := range cidrs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, err2 := netip.ParseAddr(s)
			if err2 != nil || a.Zone() != "" {
				return nil, fmt.Errorf("mtls: TrustCIDRs: %q is neither a CIDR prefix nor an IP address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		prefixes = append(prefixes, p.Masked())
	}
	return func(peer Peer) bool {
		a, ok := peerAddr(peer.Addr)
		if !ok {
			return false
		}
		for _, p := range prefixes {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}, nil
}

// peerAddr parses "ip:port", "[ip]:port" or a bare IP, without zone.
func peerAddr(s string) (netip.Addr, bool) {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(s); err == nil {
		a = ap.Addr()
	} else if a, err = netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err != nil {
		return netip.Addr{}, false
	}
	return a.WithZone("").Unmap(), true
}

// Extractor finds the client certificate of a request: from the TLS
// connection, or from a trusted proxy's header (WithProxyHeader). Build it
// once with New; it is immutable and safe for concurrent use.
type Extractor struct {
	cfg config
}

// New returns an Extractor. Without options it reads the TLS connection's
// certificate only, and only when the handshake verified it.
func New(opts ...Option) (*Extractor, error) {
	e := &Extractor{}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&e.cfg); err != nil {
			return nil, err
		}
	}
	return e, nil
}

var defaultExtractor = &Extractor{}

// FromRequest is New().FromRequest(r): the verified TLS client certificate
// of r.
func FromRequest(r *http.Request) (*x509.Certificate, error) { return defaultExtractor.FromRequest(r) }

// FromConnectionState is New().FromConnectionState(cs): the verified
// client certificate of a TLS connection.
func FromConnectionState(cs *tls.ConnectionState) (*x509.Certificate, error) {
	return defaultExtractor.FromConnectionState(cs)
}

// FromRequest returns the client certificate of r: (nil, nil) when there
// is none; an error wrapping ErrNoCertificate when there is one this
// Extractor may not use (unverified, unparsable); an ErrProxyHeader when a
// trusted proxy's header is unusable. Call it only for bound tokens: a
// request with a plain bearer token needs no certificate.
func (e *Extractor) FromRequest(r *http.Request) (*x509.Certificate, error) {
	return e.FromPeer(Peer{Addr: r.RemoteAddr, TLS: r.TLS}, r.Header.Values)
}

// FromPeer is FromRequest for transports without an http.Request: p is
// the connection and header returns every value of a header (for gRPC, a
// metadata lookup, which must match names case-insensitively, as
// metadata.ValueFromIncomingContext does). header may be nil when no
// proxy header is configured.
func (e *Extractor) FromPeer(p Peer, header func(name string) []string) (*x509.Certificate, error) {
	if e.cfg.proxy != nil && e.cfg.trusted(p) {
		if header == nil {
			return nil, nil
		}
		return e.cfg.proxy.extract(header(e.cfg.proxy.name))
	}
	return e.FromConnectionState(p.TLS)
}

// FromConnectionState returns the leaf client certificate of a TLS
// connection (cs.PeerCertificates[0]) when the handshake verified it, or
// under InsecureTrustUnverifiedPeer; (nil, nil) without TLS or without a
// client certificate. It ignores WithProxyHeader. gRPC adapters pass the
// state of the call's peer:
//
//	p, _ := peer.FromContext(ctx)
//	info, ok := p.AuthInfo.(credentials.TLSInfo) // none without TLS
//	cert, err := ext.FromConnectionState(&info.State)
//
// (or FromPeer, to honour a proxy header carried in the metadata).
func (e *Extractor) FromConnectionState(cs *tls.ConnectionState) (*x509.Certificate, error) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return nil, nil
	}
	if len(cs.VerifiedChains) == 0 && !e.cfg.unverified {
		return nil, errUnverified
	}
	return cs.PeerCertificates[0], nil
}

// VerifyRequest checks that r presents the certificate bound, a token's
// cnf.x5t#S256, names: VerifyFrom with FromRequest.
func (e *Extractor) VerifyRequest(bound string, r *http.Request) error {
	return VerifyFrom(bound, func() (*x509.Certificate, error) { return e.FromRequest(r) })
}

// VerifyFrom checks bound, a token's cnf.x5t#S256, against the certificate
// get finds (a closure over FromRequest or FromPeer), in this order: a
// malformed bound is ErrMalformedThumbprint and get is not called; get's
// error is returned as is (ErrNoCertificate or ErrProxyHeader); then
// Verify. A nil get means the transport has no client certificate to
// offer: ErrNoCertificate.
func VerifyFrom(bound string, get func() (*x509.Certificate, error)) error {
	if _, ok := decodeThumbprint(bound); !ok {
		return ErrMalformedThumbprint
	}
	if get == nil {
		return ErrNoCertificate
	}
	cert, err := get()
	if err != nil {
		return err
	}
	return Verify(bound, cert)
}
