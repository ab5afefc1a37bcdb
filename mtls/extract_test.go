package mtls_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/mtls"
)

const (
	proxyAddr  = "10.1.2.3:51234"
	clientAddr = "203.0.113.7:40000"
)

// escapeAll percent-encodes every byte but letters and digits, as nginx's
// $ssl_client_escaped_cert does for the PEM's spaces, newlines, "+", "/"
// and "=".
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// sfBinary encodes der as an RFC 8941 Byte Sequence.
func sfBinary(der []byte) string { return ":" + base64.StdEncoding.EncodeToString(der) + ":" }

func hashHex(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

// xfccElem is what Envoy appends with cert details enabled.
func xfccElem(c *jwtguardtest.Certificate) string {
	return "By=spiffe://example.com/edge;Hash=" + hashHex(c.Leaf.Raw) + `;Cert="` + escapeAll(string(c.CertPEM)) + `"`
}

func tlsState(verified bool, certs ...*x509.Certificate) *tls.ConnectionState {
	cs := &tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS13, PeerCertificates: certs}
	if verified && len(certs) > 0 {
		cs.VerifiedChains = [][]*x509.Certificate{certs}
	}
	return cs
}

func request(remote string, cs *tls.ConnectionState, hdr ...string) *http.Request {
	r := httptest.NewRequest("GET", "https://api.example.com/contacts", nil)
	r.RemoteAddr = remote
	r.TLS = cs
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func newExtractor(t testing.TB, opts ...mtls.Option) *mtls.Extractor {
	t.Helper()
	e, err := mtls.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func trustProxy(t testing.TB) func(mtls.Peer) bool {
	t.Helper()
	trust, err := mtls.TrustCIDRs("10.0.0.0/8", "::1")
	if err != nil {
		t.Fatal(err)
	}
	return trust
}

// A case of extraction: the certificate expected (nil for none) or the
// error category.
type extractCase struct {
	name string
	e    *mtls.Extractor
	r    *http.Request
	want *x509.Certificate
	err  error
}

func runExtract(t *testing.T, cases []extractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.e.FromRequest(tc.r)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || got != nil {
					t.Fatalf("FromRequest = %v, %v; want error %v", got, err, tc.err)
				}
				var secrets []string
				for _, vs := range tc.r.Header {
					secrets = append(secrets, vs...)
				}
				assertSafeError(t, err, secrets...)
				return
			}
			if err != nil {
				t.Fatalf("FromRequest: %v", err)
			}
			switch {
			case tc.want == nil && got != nil:
				t.Fatalf("FromRequest = %q, want no certificate", got.Subject)
			case tc.want != nil && (got == nil || !got.Equal(tc.want)):
				t.Fatalf("FromRequest = %v, want %q", got, tc.want.Subject)
			}
		})
	}
}

func TestFromRequestTLS(t *testing.T) {
	ca := newCA(t)
	alice := clientCert(t, ca, "alice")
	def := newExtractor(t)
	insecure := newExtractor(t, mtls.InsecureTrustUnverifiedPeer())
	runExtract(t, []extractCase{
		{name: "plain http", e: def, r: request(clientAddr, nil)},
		{name: "TLS without a client certificate", e: def, r: request(clientAddr, tlsState(false))},
		{name: "verified client certificate", e: def, r: request(clientAddr, tlsState(true, alice.Leaf, ca.Leaf)), want: alice.Leaf},
		{name: "unverified peer refused", e: def, r: request(clientAddr, tlsState(false, alice.Leaf)), err: mtls.ErrNoCertificate},
		{name: "unverified peer with InsecureTrustUnverifiedPeer", e: insecure, r: request(clientAddr, tlsState(false, alice.Leaf)), want: alice.Leaf},
		{name: "verified peer with InsecureTrustUnverifiedPeer", e: insecure, r: request(clientAddr, tlsState(true, alice.Leaf)), want: alice.Leaf},
		// Without WithProxyHeader no header counts, from anyone.
		{name: "header without the option", e: def, r: request(proxyAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw))},
	})
	// The package-level functions are the default Extractor.
	if c, err := mtls.FromRequest(request(clientAddr, tlsState(true, alice.Leaf))); err != nil || !c.Equal(alice.Leaf) {
		t.Errorf("FromRequest = %v, %v", c, err)
	}
	if _, err := mtls.FromConnectionState(tlsState(false, alice.Leaf)); !errors.Is(err, mtls.ErrNoCertificate) {
		t.Errorf("FromConnectionState(unverified) = %v", err)
	}
	if c, err := mtls.FromConnectionState(nil); c != nil || err != nil {
		t.Errorf("FromConnectionState(nil) = %v, %v", c, err)
	}
}

// Every format, from a trusted and an untrusted peer.
func TestFromRequestProxyHeaders(t *testing.T) {
	ca := newCA(t)
	alice, proxyCert := clientCert(t, ca, "alice"), clientCert(t, ca, "proxy")
	mallory := clientCert(t, ca, "mallory")
	trust := trustProxy(t)
	escaped := newExtractor(t, mtls.WithProxyHeader(mtls.EscapedPEMHeader("x-client-cert"), trust))
	xfcc := newExtractor(t, mtls.WithProxyHeader(mtls.XFCCHeader(0), trust))
	rfc := newExtractor(t, mtls.WithProxyHeader(mtls.ClientCertHeader(), trust))

	pemText := string(alice.CertPEM)
	big := strings.Repeat("A", mtls.MaxHeaderBytes+1)
	garbageDER := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	garbagePEM := "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n"

	runExtract(t, []extractCase{
		// nginx $ssl_client_escaped_cert.
		{name: "escaped PEM", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll(pemText)), want: alice.Leaf},
		{name: "escaped PEM, path escaping (+ / = raw)", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", url.PathEscape(pemText)), want: alice.Leaf},
		{name: "escaped PEM, over mTLS from the proxy", e: escaped, r: request(proxyAddr, tlsState(true, proxyCert.Leaf), "X-Client-Cert", escapeAll(pemText)), want: alice.Leaf},
		{name: "escaped PEM, empty value", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", "")},
		{name: "escaped PEM, absent, proxy's own TLS certificate not used", e: escaped, r: request(proxyAddr, tlsState(true, proxyCert.Leaf))},
		{name: "escaped PEM, untrusted peer, header ignored", e: escaped, r: request(clientAddr, nil, "X-Client-Cert", escapeAll(pemText))},
		{name: "escaped PEM, untrusted peer, its own TLS certificate", e: escaped, r: request(clientAddr, tlsState(true, mallory.Leaf), "X-Client-Cert", escapeAll(pemText)), want: mallory.Leaf},
		{name: "escaped PEM, bad escape", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", "%zz"+escapeAll(pemText)), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, not PEM", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", "hello"), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, two certificates", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll(pemText+string(mallory.CertPEM))), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, text before", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll("x"+pemText)), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, trailing data", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll(pemText+",x")), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, private key block", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll(string(alice.KeyPEM))), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, raw PEM with spaces for newlines", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", strings.ReplaceAll(pemText, "\n", " ")), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, not a certificate inside", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll(garbagePEM)), err: mtls.ErrNoCertificate},
		{name: "escaped PEM, oversized", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", big), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, two values", e: escaped, r: request(proxyAddr, nil, "X-Client-Cert", escapeAll(string(mallory.CertPEM)), "X-Client-Cert", escapeAll(pemText)), err: mtls.ErrProxyHeader},
		{name: "escaped PEM, two values from an untrusted peer, ignored", e: escaped, r: request(clientAddr, nil, "X-Client-Cert", "a", "X-Client-Cert", "b")},

		// Envoy XFCC.
		{name: "XFCC", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)), want: alice.Leaf},
		{name: "XFCC, no Hash, keys in lower case", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", `cert="`+escapeAll(pemText)+`";uri=spiffe://x/y`), want: alice.Leaf},
		{name: "XFCC, upper-case hex Hash", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", "Hash="+strings.ToUpper(hashHex(alice.Leaf.Raw))+";Cert="+escapeAll(pemText)), want: alice.Leaf},
		{name: "XFCC, quoted Subject with separators", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+`;Subject="CN=a,O=\"b;c=d\"";DNS=a.example`), want: alice.Leaf},
		{name: "XFCC, spaces around", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", " Hash = "+hashHex(alice.Leaf.Raw)+" ; Cert = \""+escapeAll(pemText)+"\" "), want: alice.Leaf},
		{name: "XFCC, untrusted peer, ignored", e: xfcc, r: request(clientAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice))},
		{name: "XFCC, two elements, 0 hops: someone else's element", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(mallory)+","+xfccElem(alice)), err: mtls.ErrProxyHeader},
		{name: "XFCC, Hash mismatch", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", "Hash="+hashHex(mallory.Leaf.Raw)+`;Cert="`+escapeAll(pemText)+`"`), err: mtls.ErrProxyHeader},
		{name: "XFCC, Hash not hex", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", "Hash=zz;Cert="+escapeAll(pemText)), err: mtls.ErrProxyHeader},
		{name: "XFCC, no Cert", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", "By=spiffe://x;Hash="+hashHex(alice.Leaf.Raw)), err: mtls.ErrProxyHeader},
		{name: "XFCC, two Certs", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+`;Cert="`+escapeAll(string(mallory.CertPEM))+`"`), err: mtls.ErrProxyHeader},
		{name: "XFCC, two Hashes", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+";hash="+hashHex(alice.Leaf.Raw)), err: mtls.ErrProxyHeader},
		{name: "XFCC, unterminated quote", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", `Cert="`+escapeAll(pemText)), err: mtls.ErrProxyHeader},
		{name: "XFCC, stray quote", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", `By=a"b;Cert=`+escapeAll(pemText)), err: mtls.ErrProxyHeader},
		{name: "XFCC, text after a quoted value", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", `Cert="`+escapeAll(pemText)+`"x`), err: mtls.ErrProxyHeader},
		{name: "XFCC, pair without =", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+";junk"), err: mtls.ErrProxyHeader},
		{name: "XFCC, empty pair", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+";"), err: mtls.ErrProxyHeader},
		{name: "XFCC, empty element", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", ","+xfccElem(alice)), err: mtls.ErrProxyHeader},
		{name: "XFCC, Cert not PEM", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", "Cert=abc"), err: mtls.ErrProxyHeader},
		{name: "XFCC, Cert not a certificate inside", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", `Cert="`+escapeAll(garbagePEM)+`"`), err: mtls.ErrNoCertificate},
		{name: "XFCC, oversized", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", "By="+big), err: mtls.ErrProxyHeader},
		{name: "XFCC, two header lines", e: xfcc, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(mallory), "X-Forwarded-Client-Cert", xfccElem(alice)), err: mtls.ErrProxyHeader},

		// RFC 9440 Client-Cert.
		{name: "Client-Cert", e: rfc, r: request(proxyAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw)), want: alice.Leaf},
		{name: "Client-Cert, unpadded", e: rfc, r: request(proxyAddr, nil, "Client-Cert", ":"+base64.RawStdEncoding.EncodeToString(alice.Leaf.Raw)+":"), want: alice.Leaf},
		{name: "Client-Cert, surrounding spaces", e: rfc, r: request(proxyAddr, nil, "Client-Cert", " "+sfBinary(alice.Leaf.Raw)+" "), want: alice.Leaf},
		{name: "Client-Cert, IPv6 loopback proxy", e: rfc, r: request("[::1]:8443", nil, "Client-Cert", sfBinary(alice.Leaf.Raw)), want: alice.Leaf},
		{name: "Client-Cert, untrusted peer, ignored", e: rfc, r: request(clientAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw))},
		{name: "Client-Cert, empty byte sequence", e: rfc, r: request(proxyAddr, nil, "Client-Cert", "::")},
		{name: "Client-Cert, no colons", e: rfc, r: request(proxyAddr, nil, "Client-Cert", base64.StdEncoding.EncodeToString(alice.Leaf.Raw)), err: mtls.ErrProxyHeader},
		{name: "Client-Cert, base64url alphabet", e: rfc, r: request(proxyAddr, nil, "Client-Cert", ":"+base64.RawURLEncoding.EncodeToString(alice.Leaf.Raw)+"-_:"), err: mtls.ErrProxyHeader},
		{name: "Client-Cert, parameters", e: rfc, r: request(proxyAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw)+";a=1"), err: mtls.ErrProxyHeader},
		{name: "Client-Cert, bad padding", e: rfc, r: request(proxyAddr, nil, "Client-Cert", ":QUJD=:"), err: mtls.ErrProxyHeader},
		{name: "Client-Cert, a list", e: rfc, r: request(proxyAddr, nil, "Client-Cert", sfBinary(mallory.Leaf.Raw)+", "+sfBinary(alice.Leaf.Raw)), err: mtls.ErrProxyHeader},
		{name: "Client-Cert, not a certificate", e: rfc, r: request(proxyAddr, nil, "Client-Cert", sfBinary(garbageDER)), err: mtls.ErrNoCertificate},
		{name: "Client-Cert, oversized", e: rfc, r: request(proxyAddr, nil, "Client-Cert", ":"+big+":"), err: mtls.ErrProxyHeader},
		{name: "Client-Cert, two header lines", e: rfc, r: request(proxyAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw), "Client-Cert", sfBinary(alice.Leaf.Raw)), err: mtls.ErrProxyHeader},
	})
}

// Several appending proxies: the client's element is counted from the
// right, and the header must have exactly that many.
func TestXFCCHops(t *testing.T) {
	ca := newCA(t)
	alice, edge, mid := clientCert(t, ca, "alice"), clientCert(t, ca, "edge"), clientCert(t, ca, "mid")
	trust := trustProxy(t)
	hops1 := newExtractor(t, mtls.WithProxyHeader(mtls.XFCCHeader(1), trust))
	hops2 := newExtractor(t, mtls.WithProxyHeader(mtls.XFCCHeader(2), trust))
	hops0 := newExtractor(t, mtls.WithProxyHeader(mtls.XFCCHeader(0), trust))
	two := xfccElem(alice) + "," + xfccElem(edge)
	three := two + "," + xfccElem(mid)
	runExtract(t, []extractCase{
		{name: "1 hop, 2 elements", e: hops1, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", two), want: alice.Leaf},
		{name: "2 hops, 3 elements", e: hops2, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", three), want: alice.Leaf},
		{name: "0 hops, the rightmost is the nearest proxy's peer", e: hops0, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(edge)), want: edge.Leaf},
		{name: "1 hop, 3 elements: a forged one", e: hops1, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", three), err: mtls.ErrProxyHeader},
		{name: "2 hops, 2 elements: the client had no certificate", e: hops2, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", two), err: mtls.ErrNoCertificate},
		{name: "1 hop, elements with spaces after commas", e: hops1, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+" , "+xfccElem(edge)), want: alice.Leaf},
		{name: "1 hop, a malformed element elsewhere", e: hops1, r: request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+`,By="x`), err: mtls.ErrProxyHeader},
	})
}

// A SAN holding XFCC separators, written unquoted by Envoy, cannot add an
// element or a Cert: the result is a refusal, never the injected
// certificate.
func TestXFCCInjectionRefused(t *testing.T) {
	ca := newCA(t)
	alice, victim := clientCert(t, ca, "alice"), clientCert(t, ca, "victim")
	e := newExtractor(t, mtls.WithProxyHeader(mtls.XFCCHeader(0), trustProxy(t)))
	for _, san := range []string{
		`x,Hash=` + hashHex(victim.Leaf.Raw) + `;Cert="` + escapeAll(string(victim.CertPEM)) + `"`,
		`x;Cert="` + escapeAll(string(victim.CertPEM)) + `"`,
	} {
		r := request(proxyAddr, nil, "X-Forwarded-Client-Cert", xfccElem(alice)+";URI="+san)
		c, err := e.FromRequest(r)
		if c != nil || !errors.Is(err, mtls.ErrProxyHeader) {
			t.Errorf("URI=%.20s...: %v, %v", san, c, err)
		}
	}
}

func TestVerifyRequest(t *testing.T) {
	ca := newCA(t)
	alice, bob := clientCert(t, ca, "alice"), clientCert(t, ca, "bob")
	e := newExtractor(t, mtls.WithProxyHeader(mtls.ClientCertHeader(), trustProxy(t)))
	cases := []struct {
		name  string
		bound string
		r     *http.Request
		want  error
	}{
		{"direct, right certificate", alice.Thumbprint(), request(clientAddr, tlsState(true, alice.Leaf)), nil},
		{"direct, another certificate", alice.Thumbprint(), request(clientAddr, tlsState(true, bob.Leaf)), mtls.ErrCertificateMismatch},
		{"direct, none", alice.Thumbprint(), request(clientAddr, tlsState(false)), mtls.ErrNoCertificate},
		{"direct, unverified", alice.Thumbprint(), request(clientAddr, tlsState(false, alice.Leaf)), mtls.ErrNoCertificate},
		{"proxy, right certificate", alice.Thumbprint(), request(proxyAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw)), nil},
		{"proxy, another certificate", alice.Thumbprint(), request(proxyAddr, nil, "Client-Cert", sfBinary(bob.Leaf.Raw)), mtls.ErrCertificateMismatch},
		{"untrusted peer with the header", alice.Thumbprint(), request(clientAddr, nil, "Client-Cert", sfBinary(alice.Leaf.Raw)), mtls.ErrNoCertificate},
		{"proxy, malformed header", alice.Thumbprint(), request(proxyAddr, nil, "Client-Cert", "nope"), mtls.ErrProxyHeader},
		{"malformed thumbprint first", "nope", request(proxyAddr, nil, "Client-Cert", "nope"), mtls.ErrMalformedThumbprint},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.VerifyRequest(tc.bound, tc.r)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("VerifyRequest = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyFrom(t *testing.T) {
	ca := newCA(t)
	alice := clientCert(t, ca, "alice")
	called := false
	get := func(c *x509.Certificate, err error) func() (*x509.Certificate, error) {
		return func() (*x509.Certificate, error) { called = true; return c, err }
	}
	headerErr := &mtls.HeaderError{Header: "Client-Cert", Problem: "bad", Err: mtls.ErrProxyHeader}
	for _, tc := range []struct {
		name  string
		bound string
		get   func() (*x509.Certificate, error)
		want  error
	}{
		{"match", alice.Thumbprint(), get(alice.Leaf, nil), nil},
		{"no certificate", alice.Thumbprint(), get(nil, nil), mtls.ErrNoCertificate},
		{"no source", alice.Thumbprint(), nil, mtls.ErrNoCertificate},
		{"source error passed on", alice.Thumbprint(), get(nil, headerErr), mtls.ErrProxyHeader},
		{"malformed bound, source not asked", "x", get(alice.Leaf, nil), mtls.ErrMalformedThumbprint},
	} {
		called = false
		err := mtls.VerifyFrom(tc.bound, tc.get)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == mtls.ErrMalformedThumbprint && called {
			t.Errorf("%s: the source was asked", tc.name)
		}
	}
	var he *mtls.HeaderError
	if err := mtls.VerifyFrom(alice.Thumbprint(), get(nil, headerErr)); !errors.As(err, &he) || he.Header != "Client-Cert" {
		t.Errorf("HeaderError not passed on: %v", err)
	}
}

// FromPeer serves gRPC: a peer and a metadata lookup instead of a request.
func TestFromPeer(t *testing.T) {
	ca := newCA(t)
	alice := clientCert(t, ca, "alice")
	e := newExtractor(t, mtls.WithProxyHeader(mtls.XFCCHeader(0), trustProxy(t)))
	md := map[string][]string{"x-forwarded-client-cert": {xfccElem(alice)}}
	lookup := func(name string) []string { return md[strings.ToLower(name)] }
	if c, err := e.FromPeer(mtls.Peer{Addr: proxyAddr}, lookup); err != nil || !c.Equal(alice.Leaf) {
		t.Errorf("trusted proxy: %v, %v", c, err)
	}
	if c, err := e.FromPeer(mtls.Peer{Addr: clientAddr}, lookup); c != nil || err != nil {
		t.Errorf("untrusted peer: %v, %v", c, err)
	}
	if c, err := e.FromPeer(mtls.Peer{Addr: proxyAddr}, nil); c != nil || err != nil {
		t.Errorf("no lookup: %v, %v", c, err)
	}
	if c, err := e.FromPeer(mtls.Peer{Addr: clientAddr, TLS: tlsState(true, alice.Leaf)}, nil); err != nil || !c.Equal(alice.Leaf) {
		t.Errorf("direct TLS: %v, %v", c, err)
	}
	// FromConnectionState never reads headers.
	if c, err := e.FromConnectionState(tlsState(true, alice.Leaf)); err != nil || !c.Equal(alice.Leaf) {
		t.Errorf("FromConnectionState: %v, %v", c, err)
	}
}

func TestTrustCIDRs(t *testing.T) {
	trust, err := mtls.TrustCIDRs("10.0.0.0/8", "192.0.2.1", "2001:db8::/32", "::ffff:198.51.100.0/120")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"10.9.8.7:1234":           true,
		"10.9.8.7":                true,
		"[::ffff:10.9.8.7]:1234":  true, // IPv4-mapped counts as IPv4
		"192.0.2.1:80":            true,
		"192.0.2.2:80":            false,
		"[2001:db8::1]:443":       true,
		"[2001:db8::1%eth0]:443":  true,
		"[2001:db9::1]:443":       false,
		"198.51.100.9:1":          true,
		"11.0.0.1:1":              false,
		"":                        false,
		"@":                       false, // unix socket
		"/run/api.sock":           false,
		"example.com:443":         false,
		"[::1]:1":                 false,
		"10.0.0.1:1, 203.0.113.1": false,
	} {
		if got := trust(mtls.Peer{Addr: addr}); got != want {
			t.Errorf("trust(%q) = %v, want %v", addr, got, want)
		}
	}
	for _, bad := range [][]string{nil, {"10.0.0.0/33"}, {"example.com"}, {"fe80::1%eth0"}, {""}} {
		if _, err := mtls.TrustCIDRs(bad...); err == nil || !strings.HasPrefix(err.Error(), "mtls: ") {
			t.Errorf("TrustCIDRs(%q) = %v", bad, err)
		}
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	trust := trustProxy(t)
	for name, opts := range map[string][]mtls.Option{
		"zero HeaderFormat":  {mtls.WithProxyHeader(mtls.HeaderFormat{}, trust)},
		"nil trust":          {mtls.WithProxyHeader(mtls.ClientCertHeader(), nil)},
		"twice":              {mtls.WithProxyHeader(mtls.ClientCertHeader(), trust), mtls.WithProxyHeader(mtls.XFCCHeader(0), trust)},
		"negative hops":      {mtls.WithProxyHeader(mtls.XFCCHeader(-1), trust)},
		"empty header name":  {mtls.WithProxyHeader(mtls.EscapedPEMHeader(""), trust)},
		"header with spaces": {mtls.WithProxyHeader(mtls.EscapedPEMHeader("X Client Cert"), trust)},
	} {
		if _, err := mtls.New(opts...); err == nil || !strings.HasPrefix(err.Error(), "mtls: ") {
			t.Errorf("%s: New = %v", name, err)
		}
	}
	if _, err := mtls.New(nil, mtls.InsecureTrustUnverifiedPeer()); err != nil {
		t.Errorf("nil option: %v", err)
	}
}

func TestHeaderFormatNames(t *testing.T) {
	for f, want := range map[mtls.HeaderFormat]string{
		mtls.EscapedPEMHeader("x-ssl-client-cert"): "X-Ssl-Client-Cert",
		mtls.XFCCHeader(0):                         "X-Forwarded-Client-Cert",
		mtls.ClientCertHeader():                    "Client-Cert",
	} {
		if f.Name() != want || !strings.HasPrefix(f.String(), want+" (") {
			t.Errorf("Name %q String %q, want %q", f.Name(), f.String(), want)
		}
	}
	if s := (mtls.HeaderFormat{}).String(); s != "no header" {
		t.Errorf("zero String = %q", s)
	}
}
