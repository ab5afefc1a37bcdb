package adaptertest

import (
	"context"
	"crypto/tls"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
)

// Certificate-bound access tokens (RFC 8705) over real TLS connections:
// the mTLS cases run against servers on loopback TLS listeners whose
// handshake asks for client certificates, with clients presenting one of
// Env's certificates. Each adapter is configured per Deployment: with no
// client-certificate option (the default: the connection's verified
// certificate), or with WithClientCertificates(Env.Extractor(d)).

// Cert is the client certificate a case's TLS connection presents.
type Cert int

const (
	// NoCert presents none.
	NoCert Cert = iota
	// RightCert presents Env.ClientCert, the certificate Tokens.CertBound
	// and Tokens.BothBound are bound to.
	RightCert
	// OtherCert presents Env.OtherCert, of the same CA.
	OtherCert
	// SelfSignedCert presents Env.SelfSignedCert (RFC 8705 section 2.2),
	// which Tokens.SelfSignedBound is bound to; only servers that do not
	// verify chains (tls.RequestClientCert) accept it.
	SelfSignedCert
)

// Certs lists every Cert, for runners that dial one connection per
// certificate.
var Certs = []Cert{NoCert, RightCert, OtherCert, SelfSignedCert}

// Deployment is how an mTLS case's API receives client certificates.
type Deployment int

const (
	// Direct: the API terminates TLS with tls.VerifyClientCertIfGiven
	// against Env.CA, and its adapter has no client-certificate option.
	Direct Deployment = iota
	// BehindProxy: the adapter trusts the X-Client-Cert header
	// (URL-encoded PEM, nginx's $ssl_client_escaped_cert) on requests from
	// loopback, where the cases come from.
	BehindProxy
	// ProxyElsewhere: the adapter trusts the X-Client-Cert header from
	// 192.0.2.0/24 only; the cases come from loopback, so the header is
	// ignored and the connection's own certificate counts.
	ProxyElsewhere
	// Unverified: the API asks for certificates without verifying them
	// (tls.RequestClientCert), and its adapter has no option: a
	// certificate the handshake did not verify is not used.
	Unverified
	// InsecureUnverified: as Unverified, with
	// mtls.InsecureTrustUnverifiedPeer, so that unverified certificates
	// (self-signed ones, RFC 8705 section 2.2) count.
	InsecureUnverified
)

// Deployments lists every Deployment.
var Deployments = []Deployment{Direct, BehindProxy, ProxyElsewhere, Unverified, InsecureUnverified}

// ProxyHeader is the header of the BehindProxy and ProxyElsewhere
// deployments; gRPC carries it as metadata "x-client-cert".
const ProxyHeader = "X-Client-Cert"

// MTLSCase is a case sent over TLS: Case says what is sent and what every
// adapter must answer (Case.API is always DefaultAPI).
type MTLSCase struct {
	Case
	Deploy Deployment
	// Cert is the certificate of the TLS connection.
	Cert Cert
	// Header returns the ProxyHeader values (HTTP) or x-client-cert
	// metadata values (gRPC) to send; nil sends none.
	Header func(*Env) []string
}

func bothBound(t Tokens) string { return t.BothBound }
func selfBound(t Tokens) string { return t.SelfSignedBound }

// escapedPEM is c as nginx's $ssl_client_escaped_cert holds it.
func escapedPEM(c *jwtguardtest.Certificate) string { return url.PathEscape(string(c.CertPEM)) }

// headerOf sends the ProxyHeader with the escaped PEM of certificate c.
func headerOf(c Cert) func(*Env) []string {
	return func(e *Env) []string { return []string{escapedPEM(e.certificate(c))} }
}

func headerValues(v ...string) func(*Env) []string { return func(*Env) []string { return v } }

// MTLSCases is the table of certificate-bound tokens. Adapters are
// configured with realm "contacts" and Auth0 permissions counted, as for
// Cases.
var MTLSCases = []MTLSCase{
	// Direct: the verified TLS client certificate.
	{Case: Case{Name: "bound, its certificate", Route: Read, Auth: bearer(certBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Cert: RightCert},
	{Case: Case{Name: "bound, another certificate of the CA", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSCertificateMismatch}, Cert: OtherCert},
	{Case: Case{Name: "bound, no certificate", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate}},
	{Case: Case{Name: "bound, its certificate, lacking a scope", Route: Delete, Auth: bearer(certBound),
		Status: 403, Code: "insufficient_scope", GRPC: codes.PermissionDenied, Reason: middleware.ReasonInsufficientScope, Scope: "delete:contacts"},
		Cert: RightCert},
	{Case: Case{Name: "bound, another certificate, public route", Route: Public, Auth: bearer(certBound),
		Status: 200, GRPC: codes.OK}, Cert: OtherCert},
	{Case: Case{Name: "unbound, no certificate", Route: Read, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}},
	{Case: Case{Name: "unbound, a certificate", Route: Read, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Cert: RightCert},
	{Case: Case{Name: "unbound, another certificate", Route: Read, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Cert: OtherCert},

	// Bound both ways (cnf jkt and x5t#S256): the DPoP proof and the
	// certificate are both required.
	{Case: Case{Name: "bound both ways, certificate and proof", Route: Read, Auth: dpop(bothBound), Proofs: proof(bothBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Cert: RightCert},
	{Case: Case{Name: "bound both ways, certificate, no proof", Route: Read, Auth: dpop(bothBound),
		Status: 401, Code: "invalid_dpop_proof", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPProof, ErrorOn: middleware.SchemeDPoP},
		Cert: RightCert},
	{Case: Case{Name: "bound both ways, proof, another certificate", Route: Read, Auth: dpop(bothBound), Proofs: proof(bothBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSCertificateMismatch, ErrorOn: middleware.SchemeDPoP},
		Cert: OtherCert},
	{Case: Case{Name: "bound both ways, proof, no certificate", Route: Read, Auth: dpop(bothBound), Proofs: proof(bothBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate, ErrorOn: middleware.SchemeDPoP}},
	{Case: Case{Name: "bound both ways, as Bearer", Route: Read, Auth: bearer(bothBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPDowngrade}, Cert: RightCert},
	{Case: Case{Name: "certificate-bound token with the DPoP scheme", Route: Read, Auth: dpop(certBound), Proofs: proof(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonDPoPNotBound, ErrorOn: middleware.SchemeDPoP},
		Cert: RightCert},

	// A proxy header is never read without the option.
	{Case: Case{Name: "no option: a proxy header is ignored", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate},
		Header: headerOf(RightCert)},
	{Case: Case{Name: "no option: a proxy header does not replace the connection's certificate", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSCertificateMismatch},
		Cert: OtherCert, Header: headerOf(RightCert)},

	// Behind a trusted proxy: its header, never the connection's
	// certificate (that is the proxy's).
	{Case: Case{Name: "trusted proxy, its header", Route: Read, Auth: bearer(certBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: BehindProxy, Header: headerOf(RightCert)},
	{Case: Case{Name: "trusted proxy, another certificate in its header", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSCertificateMismatch},
		Deploy: BehindProxy, Header: headerOf(OtherCert), Cert: RightCert},
	{Case: Case{Name: "trusted proxy, no header, the connection's certificate", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate},
		Deploy: BehindProxy, Cert: RightCert},
	{Case: Case{Name: "trusted proxy, malformed header", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSProxyHeader},
		Deploy: BehindProxy, Header: headerValues("not-a-certificate")},
	{Case: Case{Name: "trusted proxy, two headers", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSProxyHeader},
		Deploy: BehindProxy, Header: func(e *Env) []string { return []string{escapedPEM(e.ClientCert), escapedPEM(e.ClientCert)} }},
	{Case: Case{Name: "trusted proxy, malformed header, unbound token", Route: Read, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: BehindProxy, Header: headerValues("not-a-certificate")},
	{Case: Case{Name: "trusted proxy, bound both ways, header and proof", Route: Read, Auth: dpop(bothBound), Proofs: proof(bothBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: BehindProxy, Header: headerOf(RightCert)},

	// A header from a peer that is not the trusted proxy is ignored.
	{Case: Case{Name: "untrusted peer, its header", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate},
		Deploy: ProxyElsewhere, Header: headerOf(RightCert)},
	{Case: Case{Name: "untrusted peer, another certificate in its header, the right connection", Route: Read, Auth: bearer(certBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: ProxyElsewhere, Header: headerOf(OtherCert), Cert: RightCert},

	// Certificates the handshake did not verify.
	{Case: Case{Name: "unverified certificate", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSNoCertificate},
		Deploy: Unverified, Cert: RightCert},
	{Case: Case{Name: "unverified certificate, unbound token", Route: Read, Auth: bearer(reader),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: Unverified, Cert: RightCert},
	{Case: Case{Name: "unverified certificates trusted, its certificate", Route: Read, Auth: bearer(certBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: InsecureUnverified, Cert: RightCert},
	{Case: Case{Name: "unverified certificates trusted, another certificate", Route: Read, Auth: bearer(certBound),
		Status: 401, Code: "invalid_token", GRPC: codes.Unauthenticated, Reason: middleware.ReasonMTLSCertificateMismatch},
		Deploy: InsecureUnverified, Cert: OtherCert},
	{Case: Case{Name: "unverified certificates trusted, self-signed (RFC 8705 section 2.2)", Route: Read, Auth: bearer(selfBound),
		Status: 200, GRPC: codes.OK, Subject: "auth0|alice"}, Deploy: InsecureUnverified, Cert: SelfSignedCert},
}

// certificate returns the certificate c presents (nil for NoCert).
func (e *Env) certificate(c Cert) *jwtguardtest.Certificate {
	switch c {
	case RightCert:
		return e.ClientCert
	case OtherCert:
		return e.OtherCert
	case SelfSignedCert:
		return e.SelfSignedCert
	}
	return nil
}

// Extractor returns the extractor the adapters of deployment d are given
// with their WithClientCertificates option, or nil when they get no
// option (Direct, Unverified).
func (e *Env) Extractor(t testing.TB, d Deployment) *mtls.Extractor {
	t.Helper()
	var opts []mtls.Option
	switch d {
	case BehindProxy, ProxyElsewhere:
		cidr := []string{"127.0.0.0/8", "::1"}
		if d == ProxyElsewhere {
			cidr = []string{"192.0.2.0/24"}
		}
		trusted, err := mtls.TrustCIDRs(cidr...)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, mtls.WithProxyHeader(mtls.EscapedPEMHeader(ProxyHeader), trusted))
	case InsecureUnverified:
		opts = append(opts, mtls.InsecureTrustUnverifiedPeer())
	default:
		return nil
	}
	ext, err := mtls.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ext
}

// ServerTLSConfig is the TLS configuration of an API in deployment d:
// Env.ServerCert, asking for client certificates verified against Env.CA
// (tls.VerifyClientCertIfGiven), or unverified (tls.RequestClientCert).
func (e *Env) ServerTLSConfig(d Deployment) *tls.Config {
	auth := tls.VerifyClientCertIfGiven
	if d == Unverified || d == InsecureUnverified {
		auth = tls.RequestClientCert
	}
	return e.CA.ServerTLSConfig(e.ServerCert, auth)
}

// ClientTLSConfig is the TLS configuration of a client that trusts
// Env.ServerCert and presents c.
func (e *Env) ClientTLSConfig(c Cert) *tls.Config { return e.CA.ClientTLSConfig(e.certificate(c)) }

// ServeHTTPS serves h on a loopback TLS listener (HTTP/1.1 and HTTP/2) for
// deployment d, until t ends.
func (e *Env) ServeHTTPS(t testing.TB, h http.Handler, d Deployment) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.TLS = e.ServerTLSConfig(d)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// HTTPSClient returns a client presenting c (HTTP/2 when the server
// speaks it), with a connection pool of its own; it is closed when t ends.
func (e *Env) HTTPSClient(t testing.TB, c Cert) *http.Client {
	tr := &http.Transport{TLSClientConfig: e.ClientTLSConfig(c), ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// SendHTTPS sends tc to the server srv serves for tc.Deploy, over a
// connection presenting tc.Cert, with its proofs (for srv's URL) and
// proxy header, and returns the answer as ServeHTTP does.
func SendHTTPS(t testing.TB, env *Env, srv *httptest.Server, tc MTLSCase) HTTPAnswer {
	t.Helper()
	client := env.HTTPSClient(t, tc.Cert)
	p := HTTPRoutes[tc.Route]
	at := Target{Method: p[0], URL: srv.URL + p[1]}
	send := func(proofs []string) HTTPAnswer {
		req, err := http.NewRequest(p[0], at.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range tc.Auth(env.Tokens) {
			req.Header.Add("Authorization", a)
		}
		for _, pr := range proofs {
			req.Header.Add("DPoP", pr)
		}
		if tc.Header != nil {
			for _, v := range tc.Header(env) {
				req.Header.Add(ProxyHeader, v)
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		// The answer as a recorder, for the checks of the table.
		rec := httptest.NewRecorder()
		maps.Copy(rec.Header(), resp.Header)
		rec.WriteHeader(resp.StatusCode)
		if _, err := io.Copy(rec, resp.Body); err != nil {
			t.Fatal(err)
		}
		return answer(t, rec)
	}
	proofs := ProofsFor(t, env, tc.Case, at, func(p []string) (bool, middleware.Reason, string) {
		a := send(p)
		return a.Rec.Code == 200, a.Problem.Reason, a.Rec.Header().Get("DPoP-Nonce")
	})
	return send(proofs)
}

// ServeGRPCMTLS starts a gRPC server with opts on a loopback TCP listener
// with TLS for deployment d, registers the test service, and returns its
// address ("127.0.0.1:port"). It stops when t ends.
func (e *Env) ServeGRPCMTLS(t testing.TB, d Deployment, opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(append(opts, grpc.Creds(credentials.NewTLS(e.ServerTLSConfig(d))))...)
	srv.RegisterService(serviceDesc(), struct{}{})
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return lis.Addr().String()
}

// DialMTLS returns a client connection to addr (ServeGRPCMTLS) presenting
// c; it is closed when t ends.
func (e *Env) DialMTLS(t testing.TB, addr string, c Cert) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(credentials.NewTLS(e.ClientTLSConfig(c))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// GRPCTLSTarget is the target of route for a call to addr over TLS.
func GRPCTLSTarget(addr string, r Route, stream bool) Target {
	return Target{Method: "POST", URL: "https://" + addr + Method(r, stream)}
}

// CallMTLS sends tc over conns[tc.Cert] (DialMTLS to addr, one per Cert),
// with its proofs and proxy header (x-client-cert metadata), as a unary
// call or a server stream.
func CallMTLS(t testing.TB, env *Env, addr string, conns map[Cert]*grpc.ClientConn, tc MTLSCase, stream bool) GRPCResult {
	t.Helper()
	ctx := context.Background()
	if tc.Header != nil {
		for _, v := range tc.Header(env) {
			ctx = metadata.AppendToOutgoingContext(ctx, "x-client-cert", v)
		}
	}
	method := Method(tc.Route, stream)
	call := func(p []string) GRPCResult {
		return CallDPoP(ctx, conns[tc.Cert], method, stream, tc.Auth(env.Tokens), p)
	}
	proofs := ProofsFor(t, env, tc.Case, GRPCTLSTarget(addr, tc.Route, stream), func(p []string) (bool, middleware.Reason, string) {
		res := call(p)
		return res.Status.Code() == codes.OK, res.Reason, res.NonceTrailer
	})
	return call(proofs)
}
