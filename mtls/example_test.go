package mtls_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/jwtguard/jwtguard/mtls"
)

func loadCert(path string) *x509.Certificate {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// A token bound to a certificate carries its thumbprint in cnf.x5t#S256;
// Verify compares it with the certificate the request presented.
func Example() {
	cert := loadCert("testdata/vector.pem")
	bound := mtls.Thumbprint(cert) // what the authorization server put in cnf.x5t#S256
	fmt.Println(bound)

	fmt.Println(mtls.Verify(bound, cert))
	err := mtls.Verify(bound, nil) // no client certificate
	fmt.Println(errors.Is(err, mtls.ErrNoCertificate))
	fmt.Println(mtls.Verify("not-a-thumbprint", cert))
	// Output:
	// Ks4AapNbuMcxjC3yUIDWqLVLST14NFFVkoMjw5iMLAo
	// <nil>
	// true
	// mtls: the access token's cnf.x5t#S256 is not a base64url SHA-256 thumbprint
}

// Behind a TLS-terminating proxy, the certificate arrives in a header. It
// counts only on requests from the proxy's addresses; from anyone else it
// is ignored, so a client cannot name someone else's certificate.
func ExampleWithProxyHeader() {
	trusted, err := mtls.TrustCIDRs("10.0.0.0/8")
	if err != nil {
		log.Fatal(err)
	}
	ext, err := mtls.New(mtls.WithProxyHeader(mtls.ClientCertHeader(), trusted))
	if err != nil {
		log.Fatal(err)
	}
	cert := loadCert("testdata/vector.pem")
	header := ":" + base64.StdEncoding.EncodeToString(cert.Raw) + ":" // RFC 9440

	for _, from := range []string{"10.0.0.5:443", "198.51.100.7:443"} {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com/", nil)
		r.RemoteAddr = from
		r.Header.Set("Client-Cert", header)
		err := ext.VerifyRequest("Ks4AapNbuMcxjC3yUIDWqLVLST14NFFVkoMjw5iMLAo", r)
		fmt.Printf("%s: %v\n", from, err)
	}

	r := httptest.NewRequest(http.MethodGet, "https://api.example.com/", nil)
	r.RemoteAddr = "10.0.0.5:443"
	r.Header.Set("Client-Cert", "garbage")
	_, err = ext.FromRequest(r)
	fmt.Println(errors.Is(err, mtls.ErrProxyHeader), err)
	// Output:
	// 10.0.0.5:443: <nil>
	// 198.51.100.7:443: mtls: the access token is bound to a client certificate and the request presented none
	// true mtls: Client-Cert header: the value is not a Structured Field Byte Sequence (:base64:)
}
