package httpguard_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/mtls"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// A nil extractor is a start-up mistake: every guard panics.
func TestClientCertificatesNil(t *testing.T) {
	f := setup(t)
	nilCerts := httpguard.WithClientCertificates(nil)
	echo := http.HandlerFunc(echo)
	for name, build := range map[string]func(){
		"Protect":           func() { httpguard.Protect(f.v, echo, nilCerts) },
		"Require":           func() { httpguard.Require(f.v, scopecheck.Public, echo, nilCerts) },
		"Gate":              func() { httpguard.Gate(f.v, scopecheck.All("a"), nilCerts) },
		"Middleware":        func() { httpguard.Middleware(f.v, nilCerts)(echo) },
		"Mux":               func() { httpguard.NewMux(f.v, nilCerts).Handle("GET /", scopecheck.Public, echo) },
		"CredentialsReader": func() { httpguard.CredentialsReader(nilCerts) },
	} {
		func() {
			defer func() {
				if r := recover(); !strings.HasPrefix(fmt.Sprint(r), "httpguard: ") || strings.Count(fmt.Sprint(r), "httpguard") != 1 ||
					!strings.HasSuffix(fmt.Sprint(r), "WithClientCertificates given a nil extractor") {
					t.Errorf("%s: recovered %v", name, r)
				}
			}()
			build()
		}()
	}
}

// A token in the query (InsecureWithQueryToken) is checked against the
// client certificate too.
func TestQueryTokenCertificateBound(t *testing.T) {
	env := adaptertest.NewEnv(t)
	h := httpguard.Protect(env.V, http.HandlerFunc(echo), httpguard.InsecureWithQueryToken())
	srv := env.ServeHTTPS(t, h, adaptertest.Direct)
	for _, c := range []struct {
		cert   adaptertest.Cert
		status int
		reason middleware.Reason
	}{
		{adaptertest.RightCert, 200, ""},
		{adaptertest.OtherCert, 401, middleware.ReasonMTLSCertificateMismatch},
		{adaptertest.NoCert, 401, middleware.ReasonMTLSNoCertificate},
	} {
		resp, err := env.HTTPSClient(t, c.cert).Get(srv.URL + "/x?access_token=" + env.Tokens.CertBound)
		if err != nil {
			t.Fatal(err)
		}
		var p middleware.Problem
		json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != c.status || p.Reason != c.reason {
			t.Errorf("cert %d: %d %q, want %d %q", c.cert, resp.StatusCode, p.Reason, c.status, c.reason)
		}
	}
}

// RFC 9728: an API that declares certificate-bound tokens says so in its
// metadata.
func TestResourceMetadataCertificateBound(t *testing.T) {
	f := setupWith(t, []middleware.Option{middleware.WithCertificateBoundTokens()})
	mux := httpguard.NewMux(f.v)
	mux.HandleResourceMetadata()
	rec := serve(mux, "GET", middleware.ResourceMetadataPath, "")
	if !strings.Contains(rec.Body.String(), `"tls_client_certificate_bound_access_tokens":true`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = serve(httpguard.ResourceMetadataHandler(setup(t).v), "GET", "/", "")
	if strings.Contains(rec.Body.String(), "tls_client_certificate_bound_access_tokens") {
		t.Fatalf("without the option: %s", rec.Body)
	}
}

// A certificate-bound access token (RFC 8705) is served only over a TLS
// connection on which the client presented the certificate it is bound
// to. The server asks for client certificates and verifies them against
// the clients' CA; tokens without cnf work with or without a certificate.
func Example_certificateBound() {
	iss, _ := jwtguardtest.NewIssuer()
	defer iss.Close()
	ca, _ := jwtguardtest.NewCA("clients CA")
	serverCert, _ := ca.ServerCertificate()
	alice, _ := ca.ClientCertificate("alice")
	mallory, _ := ca.ClientCertificate("mallory")

	v, err := middleware.New(iss.URL(), "https://contacts.example.com",
		middleware.WithCertificateBoundTokens()) // RFC 9728 metadata says so
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	h := httpguard.Protect(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := middleware.ClaimsFromContext(r.Context())
		fmt.Fprintln(w, "hello", c.Subject)
	}))

	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serverCert.TLS},
		ClientAuth:   tls.VerifyClientCertIfGiven, // certificates are optional, and verified
		ClientCAs:    ca.Pool(),
	}
	srv.StartTLS()
	defer srv.Close()

	bound, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "alice", Audience: []string{"https://contacts.example.com"}}.
		BoundToCertificate(alice.Leaf)) // cnf.x5t#S256: the thumbprint of alice's certificate
	call := func(who *jwtguardtest.Certificate) {
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientTLSConfig(who)}}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+bound)
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var p middleware.Problem
		if json.Unmarshal(body, &p) == nil {
			fmt.Println(resp.StatusCode, p.Reason)
			return
		}
		fmt.Print(resp.StatusCode, " ", string(body))
	}
	call(alice)
	call(mallory)
	call(nil)
	// Output:
	// 200 hello alice
	// 401 mtls_certificate_mismatch
	// 401 mtls_no_certificate
}

// Behind a proxy that terminates TLS, such as nginx with
//
//	proxy_set_header X-Client-Cert $ssl_client_escaped_cert;
//
// the client certificate arrives in a header, which counts only on
// requests from the proxy's addresses (the proxy must overwrite a header
// of that name sent by a client, as proxy_set_header does).
func ExampleWithClientCertificates() {
	v, err := middleware.New("https://tenant.eu.auth0.com/", "https://contacts.example.com",
		middleware.WithCertificateBoundTokens())
	if err != nil {
		log.Fatal(err)
	}
	trusted, err := mtls.TrustCIDRs("10.0.0.0/8")
	if err != nil {
		log.Fatal(err)
	}
	ext, err := mtls.New(mtls.WithProxyHeader(mtls.EscapedPEMHeader("X-Client-Cert"), trusted))
	if err != nil {
		log.Fatal(err)
	}
	mux := httpguard.NewMux(v, httpguard.WithClientCertificates(ext),
		httpguard.WithExternalURL("https://api.example.com")) // for DPoP proofs behind the proxy
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), func(w http.ResponseWriter, r *http.Request) {})
	log.Fatal(http.ListenAndServe(":8080", mux))
}
