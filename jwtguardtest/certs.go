package jwtguardtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"net"
	"time"
)

// Certificates for mutual-TLS tests (RFC 8705): a CA, server certificates
// for loopback, and client certificates, all ECDSA P-256, valid from a
// minute ago for a day. Keys come from crypto/rand and live in memory.

// CertificateValidity is how long the certificates of this file are valid.
const CertificateValidity = 24 * time.Hour

// Certificate is a certificate with its private key, in the forms tests
// need: a tls.Certificate for crypto/tls, the parsed leaf, and PEM (for
// proxies' headers, files and openssl).
type Certificate struct {
	TLS     tls.Certificate
	Leaf    *x509.Certificate
	CertPEM []byte
	KeyPEM  []byte // "PRIVATE KEY" (PKCS #8)
}

// Thumbprint returns the certificate's RFC 8705 section 3.1 thumbprint, the
// value of a bound token's cnf.x5t#S256.
func (c *Certificate) Thumbprint() string { return CertificateThumbprint(c.Leaf) }

// CertificateThumbprint returns base64url (no padding) of the SHA-256 of
// the certificate's DER: cnf.x5t#S256 (RFC 8705 section 3.1).
func CertificateThumbprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CA is a certificate authority for tests. It is safe for concurrent use.
type CA struct {
	Certificate
	key *ecdsa.PrivateKey
}

// NewCA creates a self-signed CA named name ("" means "jwtguardtest CA").
func NewCA(name string) (*CA, error) {
	if name == "" {
		name = "jwtguardtest CA"
	}
	key, err := newCertKey()
	if err != nil {
		return nil, err
	}
	tmpl, err := certTemplate(name)
	if err != nil {
		return nil, err
	}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	c, err := issue(tmpl, tmpl, key, key)
	if err != nil {
		return nil, err
	}
	return &CA{Certificate: *c, key: key}, nil
}

// Pool returns a new pool holding only the CA certificate: a server's
// tls.Config.ClientCAs, or a client's RootCAs.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Leaf)
	return p
}

// ServerCertificate issues a server certificate for hosts: IP addresses
// or DNS names. None means 127.0.0.1, ::1 and localhost, where httptest
// servers listen.
func (ca *CA) ServerCertificate(hosts ...string) (*Certificate, error) {
	if len(hosts) == 0 {
		hosts = []string{"127.0.0.1", "::1", "localhost"}
	}
	tmpl, err := certTemplate(hosts[0])
	if err != nil {
		return nil, err
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	return ca.issueLeaf(tmpl)
}

// ClientCertificate issues a client certificate (extended key usage
// clientAuth) with the given common name, e.g. the OAuth client_id.
func (ca *CA) ClientCertificate(commonName string) (*Certificate, error) {
	tmpl, err := certTemplate(commonName)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return ca.issueLeaf(tmpl)
}

// SelfSignedClientCertificate creates a self-signed client certificate, as
// RFC 8705 section 2.2 clients register with the authorization server. No
// CA vouches for it: a server accepts it with tls.RequireAnyClientCert.
func SelfSignedClientCertificate(commonName string) (*Certificate, error) {
	key, err := newCertKey()
	if err != nil {
		return nil, err
	}
	tmpl, err := certTemplate(commonName)
	if err != nil {
		return nil, err
	}
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	return issue(tmpl, tmpl, key, key)
}

// ServerTLSConfig returns the tls.Config of a test server presenting srv and
// asking for client certificates per auth (for httptest.Server.TLS). Use
// tls.VerifyClientCertIfGiven for an API where certificate-bound tokens
// are optional: certificates are then verified against this CA. With
// tls.RequestClientCert or tls.RequireAnyClientCert no CA is named to
// clients, so they send any certificate they have, self-signed ones
// included (crypto/tls clients send only a certificate matching the CAs a
// server names).
func (ca *CA) ServerTLSConfig(srv *Certificate, auth tls.ClientAuthType) *tls.Config {
	cfg := &tls.Config{
		Certificates: []tls.Certificate{srv.TLS},
		ClientAuth:   auth,
		MinVersion:   tls.VersionTLS12,
	}
	if auth == tls.VerifyClientCertIfGiven || auth == tls.RequireAndVerifyClientCert {
		cfg.ClientCAs = ca.Pool()
	}
	return cfg
}

// ClientTLSConfig returns the tls.Config of a client that trusts servers
// certified by this CA and presents client (nil presents none).
func (ca *CA) ClientTLSConfig(client *Certificate) *tls.Config {
	cfg := &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}
	if client != nil {
		cfg.Certificates = []tls.Certificate{client.TLS}
	}
	return cfg
}

func (ca *CA) issueLeaf(tmpl *x509.Certificate) (*Certificate, error) {
	key, err := newCertKey()
	if err != nil {
		return nil, err
	}
	return issue(tmpl, ca.Leaf, key, ca.key)
}

// BoundToCertificate returns a copy of c whose token is bound to cert:
// cnf.x5t#S256 is its thumbprint (RFC 8705 section 3.1). The binding is
// written as Custom["cnf"], so it replaces a cnf given in Custom; when
// c.DPoPKey is set, cnf keeps its jkt beside x5t#S256. The same by hand:
//
//	Custom: map[string]any{"cnf": map[string]any{"x5t#S256": jwtguardtest.CertificateThumbprint(cert)}}
func (c Claims) BoundToCertificate(cert *x509.Certificate) Claims {
	cnf := map[string]any{"x5t#S256": CertificateThumbprint(cert)}
	if c.DPoPKey != nil {
		cnf["jkt"] = c.DPoPKey.Thumbprint()
	}
	custom := maps.Clone(c.Custom)
	if custom == nil {
		custom = map[string]any{}
	}
	custom["cnf"] = cnf
	c.Custom = custom
	return c
}

func newCertKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwtguardtest: generating a certificate key: %w", err)
	}
	return key, nil
}

func certTemplate(commonName string) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("jwtguardtest: %w", err)
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)), // positive, never 0
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(CertificateValidity),
	}, nil
}

// issue signs tmpl with the parent's key and returns it with key.
func issue(tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) (*Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, fmt.Errorf("jwtguardtest: creating a certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("jwtguardtest: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("jwtguardtest: %w", err)
	}
	return &Certificate{
		TLS:     tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		Leaf:    leaf,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
	}, nil
}
