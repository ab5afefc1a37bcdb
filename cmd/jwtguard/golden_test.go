package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// The golden fixture is fixed: an Ed25519 key from a constant seed (its
// signatures are deterministic), a constant clock, claims marshalled from
// maps (sorted keys). Only the JWKS server's port varies, and it is
// replaced by PORT.
const (
	goldenIssuer   = "https://issuer.example.com/"
	goldenAudience = "https://contacts.example.com"
	goldenKID      = "ed-1"
)

var (
	goldenNow = time.Date(2030, 1, 2, 12, 0, 0, 0, time.UTC)
	goldenKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mint signs header and claims with the golden key (or, for an HS256
// header, with a fixed secret).
func mint(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	input := b64(mustJSON(t, header)) + "." + b64(mustJSON(t, claims))
	if header["alg"] == "HS256" {
		m := hmac.New(sha256.New, []byte("a secret of thirty-two bytes....."))
		m.Write([]byte(input))
		return input + "." + b64(m.Sum(nil))
	}
	return input + "." + b64(ed25519.Sign(goldenKey, []byte(input)))
}

// goldenClaims are an Auth0-style access token's claims, valid at
// goldenNow; with overrides (nil removes a claim).
func goldenClaims(over map[string]any) map[string]any {
	c := map[string]any{
		"iss":   goldenIssuer,
		"sub":   "auth0|alice",
		"aud":   []string{goldenAudience, goldenIssuer + "userinfo"},
		"azp":   "kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU",
		"iat":   goldenNow.Unix() - 600,
		"exp":   goldenNow.Unix() + 3000,
		"scope": "openid read:contacts",
		"jti":   "7f3c2a",
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func goldenHeader(over map[string]any) map[string]any {
	h := map[string]any{"alg": "EdDSA", "kid": goldenKID, "typ": "JWT"}
	for k, v := range over {
		h[k] = v
	}
	return h
}

// goldenJWKS serves the golden key's JWK Set.
func goldenJWKS(t testing.TB) *httptest.Server {
	t.Helper()
	doc := mustJSON(t, map[string]any{"keys": []any{map[string]string{
		"kty": "OKP", "crv": "Ed25519", "kid": goldenKID, "alg": "EdDSA", "use": "sig",
		"x": b64(goldenKey.Public().(ed25519.PublicKey)),
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("Content-Type", "application/jwk-set+json")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// runApp runs the command in process with the golden clock.
func runApp(t testing.TB, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, now: func() time.Time { return goldenNow }}
	code = a.run(args)
	return out.String(), errb.String(), code
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the output (go test -run '%s' -update rewrites it):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

// TestExplainGolden: the human and JSON output of explain for each hint,
// with a fixed key, clock and claims.
func TestExplainGolden(t *testing.T) {
	srv := goldenJWKS(t)
	jwksURL := srv.URL + "/jwks.json"
	valid := mint(t, goldenHeader(nil), goldenClaims(nil))
	cases := []struct {
		name  string
		token string
		flags []string
	}{
		{"accepted", valid, nil},
		{"iss-trailing-slash", mint(t, goldenHeader(nil), goldenClaims(map[string]any{"iss": strings.TrimSuffix(goldenIssuer, "/")})), nil},
		{"iss-scheme", mint(t, goldenHeader(nil), goldenClaims(map[string]any{"iss": "http://issuer.example.com/"})), nil},
		{"iss-case", mint(t, goldenHeader(nil), goldenClaims(map[string]any{"iss": "https://Issuer.Example.com/"})), nil},
		{"iss-other-tenant", mint(t, goldenHeader(nil), goldenClaims(map[string]any{"iss": "https://login.contacts.example.com/"})), nil},
		{"id-token", mint(t, goldenHeader(nil), goldenClaims(map[string]any{
			"aud": "kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU", "nonce": "n-0S6_WzA2Mj", "scope": nil, "name": "Alice",
		})), nil},
		{"opaque", "2YotnFZFEjr1zCsicMWpAA", nil},
		{"jwe", b64([]byte(`{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"enc-1"}`)) + ".ZW5jcnlwdGVka2V5.aXZpdml2aXZpdg.Y2lwaGVydGV4dA.dGFndGFndGFn", nil},
		{"expired", mint(t, goldenHeader(nil), goldenClaims(map[string]any{"iat": goldenNow.Unix() - 9000, "exp": goldenNow.Unix() - 5400})), nil},
		{"not-yet-valid", mint(t, goldenHeader(nil), goldenClaims(map[string]any{"nbf": goldenNow.Unix() + 300})), []string{"-leeway", "30s"}},
		{"unknown-kid", mint(t, goldenHeader(map[string]any{"kid": "ed-2"}), goldenClaims(nil)), nil},
		{"scope-in-permissions", mint(t, goldenHeader(nil), goldenClaims(map[string]any{
			"scope": "openid", "permissions": []string{"read:contacts", "write:contacts"},
		})), []string{"-scope", "read:contacts"}},
		{"wrong-typ", valid, []string{"-strict-typ"}},
		{"alg-not-allowed", mint(t, goldenHeader(map[string]any{"alg": "HS256"}), goldenClaims(nil)), nil},
		{"key-other-alg", mint(t, goldenHeader(map[string]any{"alg": "ES256"}), goldenClaims(nil)), []string{"-algs", "ES256,EdDSA"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"explain", "-issuer", goldenIssuer, "-audience", goldenAudience, "-jwks-uri", jwksURL}, tc.flags...)
			out, errOut, code := runApp(t, tc.token+"\n", append(args, "-")...)
			normal := func(s string) string { return strings.ReplaceAll(s, srv.URL, "http://127.0.0.1:PORT") }
			golden(t, "explain-"+tc.name+".golden", normal(out)+"--- stderr\n"+normal(errOut)+"--- exit "+strconv.Itoa(code)+"\n")
			jsonOut, _, jcode := runApp(t, "", append(args, "-json", tc.token)...)
			if jcode != code {
				t.Errorf("exit %d with -json, %d without", jcode, code)
			}
			var r struct {
				Accepted bool   `json:"accepted"`
				Reason   string `json:"reason"`
				Checks   []struct {
					Name, Detail, Hint string
					OK                 bool
				} `json:"checks"`
			}
			if err := json.Unmarshal([]byte(jsonOut), &r); err != nil || len(r.Checks) == 0 {
				t.Fatalf("-json output %q: %v", jsonOut, err)
			}
			golden(t, "explain-"+tc.name+".json.golden", normal(jsonOut))
		})
	}
}

func TestDecodeGolden(t *testing.T) {
	tok := mint(t, goldenHeader(nil), goldenClaims(map[string]any{"auth_time": goldenNow.Unix() - 7300, "nbf": goldenNow.Unix() - 600}))
	out, errOut, code := runApp(t, "", "decode", tok)
	golden(t, "decode.golden", out+"--- stderr\n"+errOut+"--- exit "+strconv.Itoa(code)+"\n")
	out, _, _ = runApp(t, "", "decode", "-json", tok)
	golden(t, "decode.json.golden", out)
	out, errOut, code = runApp(t, "", "decode", "2YotnFZFEjr1zCsicMWpAA")
	if code != exitFailed || !strings.Contains(errOut, "not a JWT") || !strings.HasPrefix(out, "UNVERIFIED") {
		t.Fatalf("opaque: exit %d, %q %q", code, out, errOut)
	}
}
