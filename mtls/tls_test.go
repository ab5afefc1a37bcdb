package mtls_test

import (
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/mtls"
)

// outcome names Verify's result for the test handler's answer.
func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, mtls.ErrCertificateMismatch):
		return "mismatch"
	case errors.Is(err, mtls.ErrNoCertificate):
		return "no_certificate"
	case errors.Is(err, mtls.ErrMalformedThumbprint):
		return "malformed"
	}
	return "other: " + err.Error()
}

// tlsServer serves a handler that checks the request against the
// thumbprint in X-Test-Bound (standing in for a token's cnf.x5t#S256).
func tlsServer(t *testing.T, ca *jwtguardtest.CA, auth tls.ClientAuthType, e *mtls.Extractor) *httptest.Server {
	t.Helper()
	srvCert, err := ca.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, outcome(e.VerifyRequest(r.Header.Get("X-Test-Bound"), r)))
	}))
	srv.TLS = ca.ServerTLSConfig(srvCert, auth)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// call sends one request over a fresh connection presenting client (nil:
// none) and returns the handler's answer, or the transport's error.
func call(t *testing.T, srv *httptest.Server, ca *jwtguardtest.CA, client *jwtguardtest.Certificate, bound string) (string, error) {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: ca.ClientTLSConfig(client), DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Test-Bound", bound)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// A real TLS listener asking for client certificates it verifies against
// the CA (VerifyClientCertIfGiven), as an API where bound tokens are
// optional does.
func TestTLSListener(t *testing.T) {
	ca := newCA(t)
	// An impostor CA with the same name: the client sends its
	// certificate, and the server's chain verification fails the
	// handshake. A CA with another name: crypto/tls clients send only a
	// certificate issued by a CA the server names, so none is sent.
	impostorCA := newCA(t)
	otherCA, err := jwtguardtest.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := clientCert(t, ca, "alice"), clientCert(t, ca, "bob")
	impostor, stranger := clientCert(t, impostorCA, "alice"), clientCert(t, otherCA, "alice")
	srv := tlsServer(t, ca, tls.VerifyClientCertIfGiven, newExtractor(t))

	cases := []struct {
		name   string
		client *jwtguardtest.Certificate
		want   string // "" means the handshake fails
	}{
		{"the bound certificate", alice, "ok"},
		{"another certificate of the same CA", bob, "mismatch"},
		{"no certificate", nil, "no_certificate"},
		{"a certificate from an impostor CA of the same name", impostor, ""},
		{"a certificate from another CA", stranger, "no_certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := call(t, srv, ca, tc.client, alice.Thumbprint())
			if tc.want == "" {
				if err == nil {
					t.Fatalf("handshake succeeded: %q", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if got, err := call(t, srv, ca, alice, "not-a-thumbprint"); err != nil || got != "malformed" {
		t.Errorf("malformed thumbprint: %q, %v", got, err)
	}
}

// A server that takes any certificate (tls.RequireAnyClientCert, e.g. RFC
// 8705 section 2.2 self-signed certificates): the handshake verifies no
// chain, so the default Extractor refuses, and InsecureTrustUnverifiedPeer
// accepts the bound certificate and only it.
func TestTLSListenerUnverified(t *testing.T) {
	ca := newCA(t)
	self, err := jwtguardtest.SelfSignedClientCertificate("self")
	if err != nil {
		t.Fatal(err)
	}
	other, err := jwtguardtest.SelfSignedClientCertificate("other")
	if err != nil {
		t.Fatal(err)
	}
	strict := tlsServer(t, ca, tls.RequireAnyClientCert, newExtractor(t))
	loose := tlsServer(t, ca, tls.RequireAnyClientCert, newExtractor(t, mtls.InsecureTrustUnverifiedPeer()))

	if got, err := call(t, strict, ca, self, self.Thumbprint()); err != nil || got != "no_certificate" {
		t.Errorf("default Extractor: %q, %v", got, err)
	}
	if got, err := call(t, loose, ca, self, self.Thumbprint()); err != nil || got != "ok" {
		t.Errorf("InsecureTrustUnverifiedPeer, bound certificate: %q, %v", got, err)
	}
	if got, err := call(t, loose, ca, other, self.Thumbprint()); err != nil || got != "mismatch" {
		t.Errorf("InsecureTrustUnverifiedPeer, other certificate: %q, %v", got, err)
	}
	if _, err := call(t, loose, ca, nil, self.Thumbprint()); err == nil {
		t.Error("RequireAnyClientCert let a client without a certificate in")
	}
}
