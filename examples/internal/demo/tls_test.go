package demo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
)

// -dev-tls: the certificates are generated and written, the server asks
// for (and verifies) client certificates of the generated CA, the
// validator says it accepts certificate-bound tokens, the demo token is
// bound to client.pem, and Close removes the files.
func TestStartDevTLS(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DevTLS = true
	env, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := env.DevTLS
	if d == nil || env.TLS == nil || env.TLS.ClientAuth != tls.VerifyClientCertIfGiven || env.TLS.ClientCAs == nil {
		t.Fatalf("TLS %+v, dev %+v", env.TLS, d)
	}
	for _, f := range []string{"ca.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem", "other-client.pem", "other-client-key.pem"} {
		if st, err := os.Stat(d.File(f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, st, err)
		}
	}
	if _, err := tls.LoadX509KeyPair(d.File("client.pem"), d.File("client-key.pem")); err != nil {
		t.Error(err)
	}
	if !env.Validator.ResourceMetadata().TLSClientCertificateBoundAccessTokens {
		t.Error("metadata does not say certificate-bound tokens are accepted")
	}
	primed(t, env)
	tok, err := env.Dev.MintTokens()
	if err != nil || tok.MTLS == "" {
		t.Fatalf("MTLS token %q: %v", tok.MTLS, err)
	}
	ctx := context.Background()
	creds := func(cert *jwtguardtest.Certificate) middleware.Credentials {
		return middleware.Credentials{Scheme: middleware.SchemeBearer, Token: tok.MTLS,
			ClientCertificate: func() (*x509.Certificate, error) { return cert.Leaf, nil }}
	}
	if c, err := env.Validator.Authenticate(ctx, creds(d.Client)); err != nil || c.ConfirmationX5T != mtls.Thumbprint(d.Client.Leaf) {
		t.Fatalf("with client.pem: %v", err)
	}
	if _, err := env.Validator.Authenticate(ctx, creds(d.Other)); middleware.AsError(err).Reason != middleware.ReasonMTLSCertificateMismatch {
		t.Fatalf("with other-client.pem: %v", err)
	}
	env.Close()
	if _, err := os.Stat(d.Dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind: %v", d.Dir, err)
	}
}

// Without -dev-tls there is no certificate-bound demo token, and plain
// HTTP stays plain.
func TestStartWithoutTLS(t *testing.T) {
	env, err := Start(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	tok, err := env.Dev.MintTokens()
	if err != nil || tok.MTLS != "" || env.TLS != nil || env.DevTLS != nil || env.scheme() != "http" {
		t.Fatalf("%q %v %v", tok.MTLS, env.TLS, err)
	}
	if env.Validator.ResourceMetadata().TLSClientCertificateBoundAccessTokens {
		t.Error("metadata says certificate-bound tokens without client certificates")
	}
}

// -tls-cert, -tls-key and -client-ca load files; unreadable or wrong
// files are clear errors at start.
func TestStartTLSFiles(t *testing.T) {
	dir := t.TempDir()
	ca, err := jwtguardtest.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert, key, caFile := write("server.pem", srv.CertPEM), write("server-key.pem", srv.KeyPEM), write("ca.pem", ca.CertPEM)
	notPEM := write("junk.pem", []byte("not a certificate"))

	cfg := DefaultConfig()
	cfg.TLSCert, cfg.TLSKey = cert, key
	env, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if env.TLS == nil || env.TLS.ClientAuth != tls.NoClientCert || env.Validator.ResourceMetadata().TLSClientCertificateBoundAccessTokens {
		t.Errorf("HTTPS without client certificates: %+v", env.TLS)
	}
	env.Close()

	cfg.ClientCA = caFile
	env, err = Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if env.TLS.ClientAuth != tls.VerifyClientCertIfGiven || env.TLS.ClientCAs == nil || env.DevTLS != nil ||
		!env.Validator.ResourceMetadata().TLSClientCertificateBoundAccessTokens {
		t.Errorf("with -client-ca: %+v", env.TLS)
	}
	env.Close()

	for name, c := range map[string]struct {
		cert, key, ca string
		want          string
	}{
		"missing certificate": {filepath.Join(dir, "nope.pem"), key, "", "-tls-cert, -tls-key"},
		"key of another":      {cert, caFile, "", "-tls-cert, -tls-key"},
		"missing CA":          {cert, key, filepath.Join(dir, "nope.pem"), "-client-ca"},
		"CA not PEM":          {cert, key, notPEM, "no PEM certificate"},
	} {
		cfg := DefaultConfig()
		cfg.TLSCert, cfg.TLSKey, cfg.ClientCA = c.cert, c.key, c.ca
		if env, err := Start(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			if env != nil {
				env.Close()
			}
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
