package demo

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
)

// HTTPS and certificate-bound access tokens (RFC 8705). With -tls-cert and
// -tls-key the demo serves HTTPS; -client-ca adds client certificates
// (tls.VerifyClientCertIfGiven: optional, and verified against that CA when
// given), which certificate-bound tokens need; -dev-tls generates all of it
// for a try on loopback.

// tlsFlags defines the TLS flags of c on fs, with their JWTGUARD_*
// variables; a bad boolean variable is added to errs.
func (c *Config) tlsFlags(fs *flag.FlagSet, getenv func(string) string, errs *[]error) {
	str := func(p *string, flagName, env, help string) {
		if v := getenv(env); v != "" {
			*p = v
		}
		fs.StringVar(p, flagName, *p, help+" ["+env+"]")
	}
	str(&c.TLSCert, "tls-cert", "JWTGUARD_TLS_CERT", "serve HTTPS with this PEM certificate (chain); needs -tls-key")
	str(&c.TLSKey, "tls-key", "JWTGUARD_TLS_KEY", "PEM private key of -tls-cert")
	str(&c.ClientCA, "client-ca", "JWTGUARD_CLIENT_CA", "PEM CA certificates: ask clients for a certificate, verified against them (certificate-bound tokens, RFC 8705); needs -tls-cert")
	if v := getenv("JWTGUARD_DEV_TLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("demo: JWTGUARD_DEV_TLS: %q is not a boolean", v))
		}
		c.DevTLS = b
	}
	fs.BoolVar(&c.DevTLS, "dev-tls", c.DevTLS, "serve HTTPS with generated development certificates (a CA, a server and two client certificates, "+
		"written to a temporary directory) and accept certificate-bound tokens [JWTGUARD_DEV_TLS]")
}

// checkTLS reports TLS flags that do not go together.
func (c Config) checkTLS() error {
	switch {
	case (c.TLSCert == "") != (c.TLSKey == ""):
		return errors.New("demo: -tls-cert and -tls-key go together: give both to serve HTTPS, or neither")
	case c.ClientCA != "" && c.TLSCert == "":
		return errors.New("demo: -client-ca needs -tls-cert and -tls-key: client certificates come with HTTPS")
	case c.DevTLS && (c.TLSCert != "" || c.ClientCA != ""):
		return errors.New("demo: -dev-tls generates its own certificates: give either -dev-tls, or -tls-cert and -tls-key (and -client-ca)")
	}
	return nil
}

// ClientCertificates reports whether the demo asks clients for
// certificates, so that it accepts certificate-bound tokens: -client-ca or
// -dev-tls.
func (c Config) ClientCertificates() bool { return c.ClientCA != "" || c.DevTLS }

// DevTLS holds the certificates -dev-tls generates, also written as PEM
// files to Dir: ca.pem (the CA of the server and client certificates),
// server.pem and server-key.pem (for 127.0.0.1, ::1, localhost and the
// listen host), client.pem and client-key.pem (the certificate the demo's
// certificate-bound token is bound to), other-client.pem and
// other-client-key.pem (another client certificate of the same CA). Env.Close
// removes Dir.
type DevTLS struct {
	Dir                   string
	CA                    *jwtguardtest.CA
	Server, Client, Other *jwtguardtest.Certificate
}

// File returns the path of one of the PEM files, e.g. File("ca.pem").
func (d *DevTLS) File(name string) string { return filepath.Join(d.Dir, name) }

// newDevTLS generates the development certificates for a server listening
// on addr and writes them to a new temporary directory.
func newDevTLS(addr string) (_ *DevTLS, err error) {
	ca, err := jwtguardtest.NewCA("jwtguard demo CA")
	if err != nil {
		return nil, err
	}
	hosts := []string{"127.0.0.1", "::1", "localhost"}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	d := &DevTLS{CA: ca}
	if d.Server, err = ca.ServerCertificate(hosts...); err != nil {
		return nil, err
	}
	if d.Client, err = ca.ClientCertificate("demo-client"); err != nil {
		return nil, err
	}
	if d.Other, err = ca.ClientCertificate("other-client"); err != nil {
		return nil, err
	}
	if d.Dir, err = os.MkdirTemp("", "jwtguard-demo-tls-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(d.Dir)
		}
	}()
	for name, data := range map[string][]byte{
		"ca.pem": ca.CertPEM, "server.pem": d.Server.CertPEM, "server-key.pem": d.Server.KeyPEM,
		"client.pem": d.Client.CertPEM, "client-key.pem": d.Client.KeyPEM,
		"other-client.pem": d.Other.CertPEM, "other-client-key.pem": d.Other.KeyPEM,
	} {
		if err := os.WriteFile(d.File(name), data, 0o600); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// startTLS builds e.TLS from e.Config: the generated certificates of
// -dev-tls, or -tls-cert, -tls-key and -client-ca. It leaves e.TLS nil
// without TLS flags.
func (e *Env) startTLS() error {
	cfg := e.Config
	switch {
	case cfg.DevTLS:
		d, err := newDevTLS(cfg.Addr)
		if err != nil {
			return fmt.Errorf("demo: -dev-tls: %w", err)
		}
		e.DevTLS = d
		e.TLS = d.CA.ServerTLSConfig(d.Server, tls.VerifyClientCertIfGiven)
		if e.Dev != nil {
			e.Dev.ClientCert = d.Client.Leaf
		}
	case cfg.TLSCert != "":
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("demo: -tls-cert, -tls-key: %w", err)
		}
		e.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if cfg.ClientCA != "" {
			pemData, err := os.ReadFile(cfg.ClientCA)
			if err != nil {
				return fmt.Errorf("demo: -client-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemData) {
				return fmt.Errorf("demo: -client-ca %s: no PEM certificate in it", cfg.ClientCA)
			}
			// Optional, so that tokens without cnf work without a
			// certificate; verified when given, so that one counts.
			e.TLS.ClientAuth, e.TLS.ClientCAs = tls.VerifyClientCertIfGiven, pool
		}
	}
	return nil
}

// tlsOptions are the validator options of the TLS configuration: with
// client certificates, the RFC 9728 metadata says that certificate-bound
// tokens are accepted. (They are verified whatever the options.)
func (c Config) tlsOptions() []middleware.Option {
	if c.ClientCertificates() {
		return []middleware.Option{middleware.WithCertificateBoundTokens()}
	}
	return nil
}

// closeTLS removes the files of -dev-tls.
func (e *Env) closeTLS() {
	if e.DevTLS != nil {
		os.RemoveAll(e.DevTLS.Dir)
	}
}

// scheme is the scheme of the demo's URLs.
func (e *Env) scheme() string {
	if e.TLS != nil {
		return "https"
	}
	return "http"
}

// printTLS prints how the demo uses TLS, after the listening line.
func (e *Env) printTLS(out io.Writer, name string) {
	switch {
	case e.DevTLS != nil:
		fmt.Fprintf(out, "%s: development TLS certificates in %s (ca.pem, server.pem, client.pem, other-client.pem and their -key.pem files); "+
			"client certificates of that CA are verified and certificate-bound tokens accepted\n", name, e.DevTLS.Dir)
	case e.TLS != nil:
		fmt.Fprintf(out, "%s: HTTPS with %s (curl needs --cacert with its CA unless a public CA issued it)\n", name, e.Config.TLSCert)
		if e.Config.ClientCA != "" {
			fmt.Fprintf(out, "%s: client certificates verified against %s; certificate-bound tokens accepted\n", name, e.Config.ClientCA)
		}
	}
}

// printCurlTLS prints the curl commands of the development issuer for an
// HTTPS demo: those of PrintCurl, trusting the generated CA, then the
// certificate-bound token (RFC 8705) with and without its certificate.
func (e *Env) printCurlTLS(out io.Writer, base string, t Tokens) {
	d := e.DevTLS
	var b bytes.Buffer
	PrintCurl(&b, base, e.Dev, t)
	curl := "curl -i --cacert " + d.File("ca.pem")
	out.Write([]byte(strings.ReplaceAll(b.String(), "curl -i ", curl+" ")))
	fmt.Fprintf(out, `  # a certificate-bound token (RFC 8705, cnf.x5t#S256) with its client certificate: 200
  %[1]s --cert %[2]s --key %[3]s -H "Authorization: Bearer %[6]s" %[7]s/api/me

  # the same token with another client certificate of the CA: 401 invalid_token (mtls_certificate_mismatch)
  %[1]s --cert %[4]s --key %[5]s -H "Authorization: Bearer %[6]s" %[7]s/api/me

  # the same token without a client certificate: 401 invalid_token (mtls_no_certificate)
  %[1]s -H "Authorization: Bearer %[6]s" %[7]s/api/me

  # a token without cnf works with or without a client certificate: 200
  %[1]s --cert %[2]s --key %[3]s -H "Authorization: Bearer %[8]s" %[7]s/api/contacts

`, curl, d.File("client.pem"), d.File("client-key.pem"), d.File("other-client.pem"), d.File("other-client-key.pem"),
		t.MTLS, base, t.Reader)
}

// printRealIssuerTLS prints, for -dev-tls with a real issuer, how to call
// the demo with the generated client certificate, and the thumbprint an
// authorization server puts in the tokens it binds to it.
func (e *Env) printRealIssuerTLS(out io.Writer, base string) {
	d := e.DevTLS
	fmt.Fprintf(out, `
The demo asks for client certificates of the generated CA. Tokens your
authorization server binds to client.pem (RFC 8705) carry
cnf.x5t#S256 = %s. Try:

  curl -i --cacert %s --cert %s --key %s -H "Authorization: Bearer $TOKEN" %s/api/me

`, mtls.Thumbprint(d.Client.Leaf), d.File("ca.pem"), d.File("client.pem"), d.File("client-key.pem"), base)
}
