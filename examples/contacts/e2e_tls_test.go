package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// The binary over HTTPS with client certificates (RFC 8705
// certificate-bound tokens), driven as a client with curl would: with the
// certificates -dev-tls generates, and with certificate files given by
// flags and environment variables.

var (
	httpsListenRE = regexp.MustCompile(`(?m)^contacts: listening on (https://127\.0\.0\.1:\d+)$`)
	devTLSDirRE   = regexp.MustCompile(`(?m)^contacts: development TLS certificates in (\S+) \(`)
	tlsReaderRE   = regexp.MustCompile(`# read-only token.*\n\s+curl -i --cacert (\S+) -H "Authorization: Bearer ([^"]+)" (\S+)/api/contacts\n`)
	tlsBoundRE    = regexp.MustCompile(`# a certificate-bound token.*\n\s+curl -i --cacert (\S+) --cert (\S+) --key (\S+) -H "Authorization: Bearer ([^"]+)" (\S+)/api/me\n`)
)

// tlsClient trusts the CA in caFile and presents the certificate of
// certFile and keyFile ("" for none).
func tlsClient(t *testing.T, caFile, certFile, keyFile string) *http.Client {
	t.Helper()
	pemData, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatalf("%s: no certificate", caFile)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		c, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{c}
	}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// get sends GET url with a bearer token through client.
func get(t *testing.T, client *http.Client, url, token string) answer {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", bearer(token))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, _ = io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		if err := json.Unmarshal(a.body, &a.problem); err != nil {
			t.Fatalf("problem body %s: %v", a.body, err)
		}
	}
	return a
}

// checkBinding checks the contract of certificate-bound tokens: bound is
// served with right, refused with other and with no certificate (401
// invalid_token); unbound is served with or without a certificate.
func checkBinding(t *testing.T, base string, right, other, none *http.Client, bound, unbound string) {
	t.Helper()
	steps := []struct {
		name   string
		client *http.Client
		path   string
		token  string
		status int
		reason string
	}{
		{"bound, its certificate", right, "/api/me", bound, 200, ""},
		{"bound, another certificate", other, "/api/me", bound, 401, "mtls_certificate_mismatch"},
		{"bound, no certificate", none, "/api/me", bound, 401, "mtls_no_certificate"},
		{"unbound, a certificate", right, "/api/contacts", unbound, 200, ""},
		{"unbound, no certificate", none, "/api/contacts", unbound, 200, ""},
	}
	for _, s := range steps {
		a := get(t, s.client, base+s.path, s.token)
		ch := a.header.Get("WWW-Authenticate")
		if a.status != s.status || (s.reason != "" && (a.problem["reason"] != s.reason || !strings.Contains(ch, `error="invalid_token"`))) {
			t.Errorf("%s: %d %s (challenge %q)", s.name, a.status, a.body, ch)
		}
	}
}

// -dev-tls: HTTPS with generated certificates, and a printed
// certificate-bound token that works with the printed curl's files.
func TestEndToEndDevTLS(t *testing.T) {
	p := start(t, nil, "-addr", "127.0.0.1:0", "-dev-tls")
	base := p.await(t, httpsListenRE)[1]
	dir := p.await(t, devTLSDirRE)[1]
	reader, bound := p.await(t, tlsReaderRE), p.await(t, tlsBoundRE)
	ca := filepath.Join(dir, "ca.pem")
	if reader[1] != ca || bound[1] != ca || bound[5] != base || reader[3] != base ||
		bound[2] != filepath.Join(dir, "client.pem") || bound[3] != filepath.Join(dir, "client-key.pem") {
		t.Fatalf("curl commands: %q %q (dir %s, base %s)", reader[0], bound[0], dir, base)
	}
	right := tlsClient(t, ca, bound[2], bound[3])
	other := tlsClient(t, ca, filepath.Join(dir, "other-client.pem"), filepath.Join(dir, "other-client-key.pem"))
	none := tlsClient(t, ca, "", "")
	checkBinding(t, base, right, other, none, bound[4], reader[2])
	if a := get(t, none, base+"/.well-known/oauth-protected-resource", ""); !strings.Contains(string(a.body), `"tls_client_certificate_bound_access_tokens":true`) {
		t.Errorf("metadata: %s", a.body)
	}
	p.stop(t)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left behind after SIGINT: %v", dir, err)
	}
}

// -tls-cert and -tls-key (flags) and JWTGUARD_CLIENT_CA (environment),
// with a real issuer that binds tokens to a client certificate.
func TestEndToEndTLSFiles(t *testing.T) {
	dir := t.TempDir()
	ca, err := jwtguardtest.NewCA("e2e clients and server")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.ServerCertificate()
	if err != nil {
		t.Fatal(err)
	}
	alice, err := ca.ClientCertificate("alice")
	if err != nil {
		t.Fatal(err)
	}
	mallory, err := ca.ClientCertificate("mallory")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"ca.pem": ca.CertPEM, "server.pem": srv.CertPEM, "server-key.pem": srv.KeyPEM,
		"alice.pem": alice.CertPEM, "alice-key.pem": alice.KeyPEM, "mallory.pem": mallory.CertPEM, "mallory-key.pem": mallory.KeyPEM}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := func(name string) string { return filepath.Join(dir, name) }

	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	aud := []string{"https://contacts.example.com"}
	bound, err := iss.AccessToken(jwtguardtest.Claims{Subject: "alice", Audience: aud, Scope: "read:contacts"}.BoundToCertificate(alice.Leaf))
	if err != nil {
		t.Fatal(err)
	}
	unbound, err := iss.AccessToken(jwtguardtest.Claims{Subject: "bob", Audience: aud, Scope: "read:contacts"})
	if err != nil {
		t.Fatal(err)
	}

	p := start(t, []string{"JWTGUARD_CLIENT_CA=" + f("ca.pem")},
		"-addr", "127.0.0.1:0", "-issuer", iss.URL(), "-tls-cert", f("server.pem"), "-tls-key", f("server-key.pem"))
	base := p.await(t, httpsListenRE)[1]
	p.await(t, regexp.MustCompile(`client certificates verified against `+regexp.QuoteMeta(f("ca.pem"))))
	right := tlsClient(t, f("ca.pem"), f("alice.pem"), f("alice-key.pem"))
	// The keys arrive in the background: 503 until then.
	deadline := time.Now().Add(10 * time.Second)
	for a := get(t, right, base+"/api/me", unbound); a.status != 200; a = get(t, right, base+"/api/me", unbound) {
		if a.status != 503 || time.Now().After(deadline) {
			t.Fatalf("waiting for the keys: %d %s", a.status, a.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	checkBinding(t, base, right, tlsClient(t, f("ca.pem"), f("mallory.pem"), f("mallory-key.pem")), tlsClient(t, f("ca.pem"), "", ""), bound, unbound)
	if a := get(t, right, base+"/api/me", bound); !strings.Contains(string(a.body), `"sub":"alice"`) {
		t.Errorf("/api/me: %s", a.body)
	}
}

// TLS flags that do not go together exit with status 2 and a clear
// error; certificate files that cannot be loaded stop the program with
// status 1.
func TestEndToEndBadTLSFlags(t *testing.T) {
	for _, c := range []struct {
		args   []string
		env    []string
		status int
		want   string
	}{
		{[]string{"-tls-cert", "server.pem"}, nil, 2, "-tls-cert and -tls-key go together"},
		{nil, []string{"JWTGUARD_TLS_KEY=key.pem"}, 2, "-tls-cert and -tls-key go together"},
		{[]string{"-client-ca", "ca.pem"}, nil, 2, "-client-ca needs -tls-cert and -tls-key"},
		{[]string{"-dev-tls", "-tls-cert", "a.pem", "-tls-key", "b.pem"}, nil, 2, "-dev-tls generates its own certificates"},
		{[]string{"-dev-tls"}, []string{"JWTGUARD_CLIENT_CA=ca.pem"}, 2, "-client-ca needs -tls-cert"},
		{[]string{"-tls-cert", "/nonexistent/server.pem", "-tls-key", "/nonexistent/key.pem", "-addr", "127.0.0.1:0"}, nil, 1, "-tls-cert, -tls-key"},
	} {
		cmd := exec.Command(binary(t), c.args...)
		cmd.Env = append(os.Environ(), c.env...)
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != c.status || !strings.Contains(string(out), c.want) || strings.Contains(string(out), "panic") {
			t.Errorf("%v %v: %v\n%s", c.args, c.env, err, out)
		}
	}
}
