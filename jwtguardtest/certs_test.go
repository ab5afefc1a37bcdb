package jwtguardtest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
)

func TestCertificates(t *testing.T) {
	ca, err := jwtguardtest.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	if !ca.Leaf.IsCA || ca.Leaf.Subject.CommonName != "jwtguardtest CA" {
		t.Errorf("CA %+v", ca.Leaf.Subject)
	}
	srv, err := ca.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	cli, err := ca.ClientCertificate("svc-client")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := srv.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.Pool(), CurrentTime: now}); err != nil {
			t.Errorf("server certificate for %s: %v", host, err)
		}
	}
	if _, err := cli.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if cli.Leaf.Subject.CommonName != "svc-client" || cli.TLS.Leaf != cli.Leaf {
		t.Errorf("client %+v", cli.Leaf.Subject)
	}
	// The PEM forms are the same certificate and a key that matches it.
	if _, err := tls.X509KeyPair(cli.CertPEM, cli.KeyPEM); err != nil {
		t.Errorf("PEM pair: %v", err)
	}
	if b, _ := pem.Decode(cli.CertPEM); b == nil || string(b.Bytes) != string(cli.Leaf.Raw) {
		t.Error("CertPEM is not the leaf")
	}
	if cli.Thumbprint() != mtls.Thumbprint(cli.Leaf) || jwtguardtest.CertificateThumbprint(cli.Leaf) != cli.Thumbprint() {
		t.Error("thumbprints disagree with package mtls")
	}
	self, err := jwtguardtest.SelfSignedClientCertificate("self")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := self.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool()}); err == nil {
		t.Error("self-signed certificate verifies against the CA")
	}
}

// A mutual-TLS server built from the kit sees the client certificate.
func TestCertificatesTLSConfigs(t *testing.T) {
	ca, _ := jwtguardtest.NewCA("")
	srvCert, _ := ca.ServerCertificate()
	cli, _ := ca.ClientCertificate("svc")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.VerifiedChains) > 0 {
			io.WriteString(w, mtls.Thumbprint(r.TLS.PeerCertificates[0]))
		}
	}))
	srv.TLS = ca.ServerTLSConfig(srvCert, tls.RequireAndVerifyClientCert)
	srv.StartTLS()
	defer srv.Close()
	tr := &http.Transport{TLSClientConfig: ca.ClientTLSConfig(cli)}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != cli.Thumbprint() {
		t.Errorf("server saw %q, want %q", b, cli.Thumbprint())
	}
}

// BoundToCertificate writes cnf.x5t#S256, keeps the rest of Custom and
// cnf.jkt of a DPoP key, and does not touch the caller's map.
func TestBoundToCertificate(t *testing.T) {
	iss := newIssuer(t)
	ca, _ := jwtguardtest.NewCA("")
	cli, _ := ca.ClientCertificate("svc")
	custom := map[string]any{"https://myapp.example.com/tier": "gold"}
	c := jwtguardtest.Claims{Subject: "svc@clients", Custom: custom}.BoundToCertificate(cli.Leaf)
	if len(custom) != 1 {
		t.Fatal("BoundToCertificate changed the caller's Custom map")
	}
	tok := mint(t, iss, c)
	p := segment(t, tok, 1)
	cnf, _ := p["cnf"].(map[string]any)
	if cnf["x5t#S256"] != cli.Thumbprint() || len(cnf) != 1 || p["https://myapp.example.com/tier"] != "gold" {
		t.Errorf("payload %v", p)
	}
	// The validator reads the binding: Validate, the path of a request
	// with no client certificate, refuses the token, whose claims carry
	// the thumbprint.
	v, err := middleware.New(iss.URL(), aud, middleware.WithKeys(staticKeys(t, iss)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Validate(context.Background(), tok); err == nil {
		t.Fatal("Validate accepted a certificate-bound token without a certificate")
	}

	key, err := jwtguardtest.NewDPoPKey("")
	if err != nil {
		t.Fatal(err)
	}
	both := segment(t, mint(t, iss, jwtguardtest.Claims{DPoPKey: key}.BoundToCertificate(cli.Leaf)), 1)
	cnf, _ = both["cnf"].(map[string]any)
	if cnf["x5t#S256"] != cli.Thumbprint() || cnf["jkt"] != key.Thumbprint() {
		t.Errorf("cnf %v", cnf)
	}
}
