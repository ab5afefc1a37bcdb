package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// The end-to-end tests build the command once (TestMain) and run it
// against the test kit's issuer, or hand-made issuers, on loopback.

var binPath string // the built command; "" with -short

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "jwtguard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if !testing.Short() {
		binPath = filepath.Join(dir, "jwtguard")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the built command.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// lastLine returns the last line of stdout.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	if binPath == "" {
		t.Skip("end-to-end test builds and runs the command")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

func (r result) want(t *testing.T, code int, fragments ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
	all := r.stdout + r.stderr
	for _, f := range fragments {
		if !strings.Contains(all, f) {
			t.Errorf("output lacks %q:\n%s", f, r)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour on a pipe:\n%s", r)
	}
}

func newIssuer(t *testing.T, opts ...jwtguardtest.Option) *jwtguardtest.Issuer {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	return iss
}

func accessToken(t *testing.T, iss *jwtguardtest.Issuer, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{goldenAudience}
	}
	tok, err := iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestE2EHealthy(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithCacheControl("max-age=300"))
	tok := accessToken(t, iss, jwtguardtest.Claims{Subject: "auth0|alice", Scope: "read:contacts"})
	r := run(t, "", "explain", "-issuer", iss.URL(), "-audience", goldenAudience, "-scope", "read:contacts", tok)
	r.want(t, exitOK, `"sub": "auth0|alice"`, "ok    signature", "ok    scope")
	if r.lastLine() != "accepted" {
		t.Fatalf("last line %q", r.lastLine())
	}
	// From standard input, as JSON, flags after the token.
	r = run(t, "Bearer "+tok+"\n", "explain", "-", "-issuer", iss.URL(), "-audience", goldenAudience, "-json")
	r.want(t, exitOK, `"Bearer " prefix`)
	var out struct {
		Accepted bool            `json:"accepted"`
		Reason   string          `json:"reason"`
		Checks   []Check         `json:"checks"`
		Header   json.RawMessage `json:"header"`
		Claims   json.RawMessage `json:"claims"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || !out.Accepted || out.Reason != "" || len(out.Checks) != 14 || out.Claims == nil {
		t.Fatalf("%v: %s", err, r)
	}
	r = run(t, "", "doctor", "-issuer", iss.URL(), "-audience", goldenAudience)
	r.want(t, exitOK, `ok    validator  the validator's key source loaded 1 key(s): "key-1"`, `Cache-Control "max-age=300"`, "byte for byte")
	if r.lastLine() != "healthy" {
		t.Fatalf("last line %q", r.lastLine())
	}
	r = run(t, "", "doctor", "-json", "-issuer", iss.URL(), "-audience", goldenAudience)
	var doc doctorOutput
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || !doc.Healthy || r.code != exitOK {
		t.Fatalf("%v: %s", err, r)
	}
	r = run(t, "", "decode", tok)
	r.want(t, exitOK, "UNVERIFIED", `"sub": "auth0|alice"`, "times\n  exp        20", "  in ")
}

// Check mirrors middleware.Check for decoding the JSON output.
type Check struct {
	Name, Detail, Hint string
	OK, Skipped        bool
}

// TestE2ETrailingSlash: the issuer publishes one spelling, the API is
// configured with the other, both ways round.
func TestE2ETrailingSlash(t *testing.T) {
	for _, tc := range []struct {
		name       string
		opts       []jwtguardtest.Option
		configured func(string) string
	}{
		{"published without, configured with", []jwtguardtest.Option{jwtguardtest.WithoutTrailingSlash()}, func(u string) string { return u + "/" }},
		{"published with, configured without", nil, func(u string) string { return strings.TrimSuffix(u, "/") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iss := newIssuer(t, tc.opts...)
			configured := tc.configured(iss.URL())
			r := run(t, "", "doctor", "-issuer", configured, "-audience", goldenAudience)
			r.want(t, exitFailed, "FAIL  issuer", "differ only by a trailing slash", `configure the issuer exactly as "`+iss.URL()+`"`)
			if !strings.HasPrefix(r.lastLine(), "broken: ") {
				t.Fatalf("last line %q", r.lastLine())
			}
			tok := accessToken(t, iss, jwtguardtest.Claims{})
			r = run(t, "", "explain", "-issuer", configured, "-audience", goldenAudience, tok)
			r.want(t, exitFailed, "FAIL  iss", "trailing slash included", "configure the issuer exactly as")
			if r.lastLine() != "refused: issuer_mismatch" {
				t.Fatalf("last line %q", r.lastLine())
			}
		})
	}
}

// TestE2EOutage: the issuer answers 503, or is gone. explain's verdict is
// keys_unavailable, exit 2 (not the token's fault); doctor exits 1.
func TestE2EOutage(t *testing.T) {
	iss := newIssuer(t)
	tok := accessToken(t, iss, jwtguardtest.Claims{})
	iss.SetDown(true)
	start := time.Now()
	r := run(t, "", "explain", "-issuer", iss.URL(), "-audience", goldenAudience, tok)
	r.want(t, exitUsage, "FAIL  key", "HTTP 503", "could not be fetched", "not the token's fault")
	if r.lastLine() != "refused: keys_unavailable" {
		t.Fatalf("last line %q", r.lastLine())
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("explain took %s: it should report the first failed fetch, not wait for the timeout", d)
	}
	r = run(t, "", "doctor", "-issuer", iss.URL(), "-audience", goldenAudience)
	r.want(t, exitFailed, "FAIL  discovery", "HTTP 503", "FAIL  validator")

	gone := newIssuer(t)
	url := gone.URL()
	tok = accessToken(t, gone, jwtguardtest.Claims{})
	gone.Close()
	r = run(t, "", "explain", "-issuer", url, "-audience", goldenAudience, "-timeout", "3s", tok)
	r.want(t, exitUsage, "refused: keys_unavailable", "connection refused")
	r = run(t, "", "doctor", "-issuer", url, "-audience", goldenAudience, "-timeout", "3s")
	r.want(t, exitFailed, "FAIL  discovery", "connection refused")
}

// weakIssuer serves discovery and a JWKS with the given keys, and signs
// tokens with any of the RSA keys it is given.
func weakIssuer(t *testing.T, keys ...map[string]any) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=60")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL + "/", "jwks_uri": srv.URL + "/jwks.json"})
		case "/jwks.json":
			json.NewEncoder(w).Encode(map[string]any{"keys": keys})
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Start() // after srv is set: the handler reads it
	t.Cleanup(srv.Close)
	return srv
}

func rsaJWK(kid string, k *rsa.PrivateKey, extra map[string]any) map[string]any {
	m := map[string]any{"kty": "RSA", "kid": kid, "alg": "RS256", "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
	for n, v := range extra {
		m[n] = v
	}
	return m
}

// rs256 mints an RS256 token for iss with k.
func rs256(t *testing.T, k *rsa.PrivateKey, kid, iss string) string {
	t.Helper()
	h := mustJSON(t, map[string]any{"alg": "RS256", "kid": kid, "typ": "JWT"})
	c := mustJSON(t, map[string]any{"iss": iss, "aud": goldenAudience, "sub": "s", "exp": time.Now().Unix() + 600})
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// TestE2EWeakKeys: a JWKS with a 1024-bit RSA key and a small-order
// Ed25519 key: doctor names each dropped key and why; with no other key
// nothing verifies, beside a good key tokens of the weak one are refused.
func TestE2EWeakKeys(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	good, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	identity := make([]byte, ed25519.PublicKeySize)
	identity[0] = 1 // the identity point: order 1, verifies forgeries
	weakKeys := []map[string]any{
		rsaJWK("weak-rsa", weak, nil),
		{"kty": "OKP", "crv": "Ed25519", "kid": "small-order", "alg": "EdDSA", "x": b64(identity)},
	}
	t.Run("only weak keys", func(t *testing.T) {
		srv := weakIssuer(t, weakKeys...)
		r := run(t, "", "doctor", "-issuer", srv.URL+"/", "-audience", goldenAudience)
		r.want(t, exitFailed,
			`FAIL  key        key 0 (kid "weak-rsa") dropped: `, "rsa modulus too small: got 1024 bits",
			`FAIL  key        key 1 (kid "small-order") dropped: jwks: weak or invalid public key: Ed25519 point of small order`,
			"FAIL  jwks       no usable key", "FAIL  validator")
		r = run(t, "", "explain", "-issuer", srv.URL+"/", "-audience", goldenAudience, rs256(t, weak, "weak-rsa", srv.URL+"/"))
		r.want(t, exitUsage, "refused: keys_unavailable", "no usable key")
	})
	t.Run("beside a good key", func(t *testing.T) {
		keys := append([]map[string]any{rsaJWK("good", good, map[string]any{"use": "sig"}),
			rsaJWK("enc", good, map[string]any{"use": "enc", "alg": "RSA-OAEP"}),
			{"kty": "oct", "kid": "secret", "alg": "HS256", "k": b64([]byte("0123456789abcdef0123456789abcdef"))},
		}, weakKeys...)
		srv := weakIssuer(t, keys...)
		r := run(t, "", "doctor", "-issuer", srv.URL+"/", "-audience", goldenAudience)
		r.want(t, exitFailed, `ok    key        kid "good": RSA 2048 bits, bound to RS256`,
			`ok    key        key 1 (kid "enc") dropped: use "enc"`,
			`FAIL  key        key 2 (kid "secret") dropped: symmetric (oct) keys`, "publishes a symmetric secret",
			`(kid "weak-rsa") dropped`, `(kid "small-order") dropped`,
			`ok    validator  the validator's key source loaded 1 key(s): "good"`)
		r = run(t, "", "explain", "-issuer", srv.URL+"/", "-audience", goldenAudience, rs256(t, weak, "weak-rsa", srv.URL+"/"))
		r.want(t, exitFailed, `kid "weak-rsa" is not among the 1 key(s)`, "refused: unknown_kid")
		r = run(t, "", "explain", "-issuer", srv.URL+"/", "-audience", goldenAudience, rs256(t, good, "good", srv.URL+"/"))
		r.want(t, exitOK, "accepted")
	})
}

func TestE2EOpaqueAndIDToken(t *testing.T) {
	iss := newIssuer(t)
	opaque, err := iss.Introspector().OpaqueToken(jwtguardtest.Claims{Audience: []string{goldenAudience}})
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "explain", "-issuer", iss.URL(), "-audience", goldenAudience, opaque)
	r.want(t, exitFailed, "FAIL  format", "not a JWS", "introspection", "refused: opaque_token")
	id, err := iss.IDToken(jwtguardtest.Claims{Audience: []string{"kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU"}}, "n-0S6_WzA2Mj")
	if err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "explain", "-issuer", iss.URL(), "-audience", goldenAudience, id)
	r.want(t, exitFailed, "FAIL  token_kind", "it carries nonce", `"kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU" is the client's ID`,
		"audience="+goldenAudience, "refused: id_token")
}

func TestE2EUsage(t *testing.T) {
	r := run(t, "")
	r.want(t, exitUsage, "Usage:", "jwtguard explain")
	r = run(t, "", "-h")
	r.want(t, exitOK, "Usage:", "oracle")
	r = run(t, "", "frobnicate")
	r.want(t, exitUsage, `unknown command "frobnicate"`, "Usage:")
	for _, cmd := range []string{"explain", "doctor", "decode"} {
		r = run(t, "", cmd, "-h")
		r.want(t, exitOK, "Usage: jwtguard "+cmd, "Flags:")
		r = run(t, "", cmd, "-bogus")
		r.want(t, exitUsage, "flag provided but not defined: -bogus", "jwtguard "+cmd+" -h")
	}
	r = run(t, "", "explain", "-audience", goldenAudience, "tok")
	r.want(t, exitUsage, "-issuer is required")
	r = run(t, "", "explain", "-issuer", goldenIssuer, "tok")
	r.want(t, exitUsage, "-audience is required")
	r = run(t, "", "explain", "-issuer", goldenIssuer, "-audience", goldenAudience)
	r.want(t, exitUsage, "exactly one TOKEN")
	r = run(t, "", "explain", "-issuer", "ftp://x", "-audience", goldenAudience, "tok")
	r.want(t, exitUsage, "configuration:")
	r = run(t, "", "explain", "-issuer", goldenIssuer, "-audience", goldenAudience, "-leeway", "1h", "tok")
	r.want(t, exitUsage, "leeway")
	r = run(t, "", "doctor", "-issuer", goldenIssuer, "-audience", goldenAudience, "extra")
	r.want(t, exitUsage, "takes no argument")
}

// TestE2EDoctorAudience: audiences shaped like client ids are warnings.
func TestE2EDoctorAudience(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithCacheControl("max-age=300"))
	for aud, want := range map[string]string{
		"kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU":     "looks like an Auth0 client ID",
		"6e5c2d3a-1b4f-4e8a-9c7d-0f1e2d3c4b5a": "is a GUID",
		"contacts-api":                         "is not a URI",
	} {
		r := run(t, "", "doctor", "-issuer", iss.URL(), "-audience", aud)
		r.want(t, exitOK, "warn  audience", want, "healthy (1 warning)")
	}
}
