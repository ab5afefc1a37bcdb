package httpguard_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// The HTTP half of the attack suite: hostile tokens and hostile
// Authorization headers sent through httpguard.Protect. A refused token is
// always 401 with error="invalid_token" (RFC 6750 section 3.1), a malformed
// request 400, a missing credential a bare challenge: never a 5xx, never
// the handler.

const (
	atkIssuer   = "https://issuer.attack.example/"
	atkAudience = "https://api.attack.example"
)

type atkKeys struct {
	rsa      *rsa.PrivateKey
	attacker *rsa.PrivateKey
	ec       *ecdsa.PrivateKey
	src      *jwks.StaticSource
}

// atkFixture generates the keys once per test binary (RSA generation is
// slow) and serves them from a static source.
var atkFixture = sync.OnceValues(func() (*atkKeys, error) {
	k := &atkKeys{}
	var err error
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if k.attacker, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	if k.ec, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return nil, err
	}
	rk, err := jwks.NewKey("rsa", "RS256", &k.rsa.PublicKey)
	if err != nil {
		return nil, err
	}
	ek, err := jwks.NewKey("ec", "ES256", &k.ec.PublicKey)
	if err != nil {
		return nil, err
	}
	k.src, err = jwks.Static(rk, ek)
	return k, err
})

func atkSetup(t *testing.T, opts ...httpguard.Option) (*atkKeys, http.Handler, *atomic.Int64) {
	t.Helper()
	k, err := atkFixture()
	if err != nil {
		t.Fatal(err)
	}
	v, err := middleware.New(atkIssuer, atkAudience, middleware.WithKeys(k.src))
	if err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int64
	h := httpguard.Protect(v, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}), opts...)
	return k, h, &reached
}

func atkB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func atkClaims(extra map[string]any) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{"iss": atkIssuer, "sub": "auth0|mallory", "aud": atkAudience, "iat": now, "exp": now + 600}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func atkJSON(t *testing.T, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// atkSign signs header and claims with the standard library: RS256 with an
// RSA key, ES256 (R || S) with an EC key, HS256 with a []byte secret.
func atkSign(t *testing.T, key any, header, claims any) string {
	t.Helper()
	input := atkB64([]byte(atkJSON(t, header))) + "." + atkB64([]byte(atkJSON(t, claims)))
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		s, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = s
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + atkB64(sig)
}

type atkAnswer struct {
	status    int
	challenge string
	problem   middleware.Problem
}

func atkServe(t *testing.T, h http.Handler, target string, auth ...string) atkAnswer {
	t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := atkAnswer{status: rec.Code, challenge: rec.Header().Get("WWW-Authenticate")}
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &a.problem); err != nil {
			t.Fatalf("problem body %q: %v", rec.Body.String(), err)
		}
	}
	return a
}

func TestHTTPAttackTokens(t *testing.T) {
	k, h, reached := atkSetup(t)
	var hits atomic.Int64
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer idp.Close()
	rsaHdr := map[string]any{"alg": "RS256", "kid": "rsa", "typ": "JWT"}
	with := func(base map[string]any, extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	pkix, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix})
	good := atkSign(t, k.ec, map[string]any{"alg": "ES256", "kid": "ec"}, atkClaims(nil))
	goodParts := strings.Split(good, ".")
	admin := strings.Split(atkSign(t, k.ec, map[string]any{"alg": "ES256", "kid": "ec"}, atkClaims(map[string]any{"sub": "admin"})), ".")
	validJSON := atkJSON(t, atkClaims(nil))
	cases := []struct {
		name   string
		token  string
		reason middleware.Reason
	}{
		{"alg none", atkB64([]byte(`{"alg":"none"}`)) + "." + atkB64([]byte(validJSON)) + ".", middleware.ReasonAlgorithm},
		{"alg NONE signed", atkSign(t, k.rsa, `{"alg":"NONE","kid":"rsa"}`, atkClaims(nil)), middleware.ReasonAlgorithm},
		{"HS256 with the RSA public key PEM", atkSign(t, pemKey, map[string]any{"alg": "HS256", "kid": "rsa"}, atkClaims(nil)), middleware.ReasonAlgorithm},
		{"jku injection", atkSign(t, k.attacker, with(rsaHdr, map[string]any{"jku": idp.URL, "x5u": idp.URL}), atkClaims(nil)), middleware.ReasonSignature},
		{"embedded jwk", atkSign(t, k.attacker, with(rsaHdr, map[string]any{"jwk": map[string]string{"kty": "RSA", "n": atkB64(k.attacker.N.Bytes()), "e": "AQAB"}}), atkClaims(nil)), middleware.ReasonSignature},
		{"kid path traversal", atkSign(t, k.rsa, with(rsaHdr, map[string]any{"kid": "../../../dev/null"}), atkClaims(nil)), middleware.ReasonUnknownKey},
		{"missing kid, two keys", atkSign(t, k.rsa, map[string]any{"alg": "RS256"}, atkClaims(nil)), middleware.ReasonUnknownKey},
		{"ES256 header on the RSA kid", atkSign(t, k.ec, map[string]any{"alg": "ES256", "kid": "rsa"}, atkClaims(nil)), middleware.ReasonKeyMismatch},
		{"psychic signature", goodParts[0] + "." + goodParts[1] + "." + atkB64(make([]byte, 64)), middleware.ReasonSignature},
		{"signature stripped", goodParts[0] + "." + goodParts[1] + ".", middleware.ReasonSignature},
		{"payload swap", goodParts[0] + "." + admin[1] + "." + goodParts[2], middleware.ReasonSignature},
		{"crit", atkSign(t, k.rsa, with(rsaHdr, map[string]any{"crit": []string{"exp"}, "exp": 1}), atkClaims(nil)), middleware.ReasonCrit},
		{"nested JWT", atkSign(t, k.rsa, with(rsaHdr, map[string]any{"cty": "JWT"}), atkClaims(nil)), middleware.ReasonNested},
		{"JWE", "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn", middleware.ReasonEncrypted},
		{"opaque", "2YotnFZFEjr1zCsicMWpAA", middleware.ReasonOpaque},
		{"duplicate aud", atkSign(t, k.rsa, rsaHdr, strings.Replace(validJSON, `"aud":`, `"aud":"evil","aud":`, 1)), middleware.ReasonClaims},
		{"exp string", atkSign(t, k.rsa, rsaHdr, atkClaims(map[string]any{"exp": "99999999999"})), middleware.ReasonClaims},
		{"aud object", atkSign(t, k.rsa, rsaHdr, atkClaims(map[string]any{"aud": map[string]string{"x": atkAudience}})), middleware.ReasonClaims},
		{"iss without trailing slash", atkSign(t, k.rsa, rsaHdr, atkClaims(map[string]any{"iss": strings.TrimSuffix(atkIssuer, "/")})), middleware.ReasonIssuer},
		{"ID token for the API", atkSign(t, k.rsa, rsaHdr, atkClaims(map[string]any{"nonce": "n"})), middleware.ReasonIDToken},
		{"oversized", atkSign(t, k.rsa, rsaHdr, atkClaims(map[string]any{"pad": strings.Repeat("a", 20<<10)})), middleware.ReasonTooLarge},
		{"deep nesting", atkSign(t, k.rsa, rsaHdr, strings.TrimSuffix(validJSON, "}")+`,"x":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+"}"), middleware.ReasonClaims},
		{"invalid UTF-8", atkSign(t, k.rsa, rsaHdr, strings.Replace(validJSON, "mallory", "mal\xfflory", 1)), middleware.ReasonClaims},
		{"padding at the end", good + "==", middleware.ReasonEncoding},
		{"padding inside (not b64token)", goodParts[0] + "=." + goodParts[1] + "." + goodParts[2], middleware.ReasonMalformed},
		{"five parts", good + ".a.b", middleware.ReasonEncrypted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := atkServe(t, h, "/", "Bearer "+tc.token)
			if a.status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401 (%+v)", a.status, a.problem)
			}
			if !strings.Contains(a.challenge, `error="invalid_token"`) || a.problem.Error != "invalid_token" {
				t.Errorf("challenge %q, problem error %q", a.challenge, a.problem.Error)
			}
			if a.problem.Reason != tc.reason {
				t.Errorf("reason %s, want %s", a.problem.Reason, tc.reason)
			}
			if strings.Contains(a.challenge, tc.token[:min(len(tc.token), 20)]) {
				t.Error("the challenge echoes the token")
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the handler ran %d times for hostile tokens", n)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d outbound requests to header-supplied URLs", n)
	}
	if a := atkServe(t, h, "/", "Bearer "+good); a.status != http.StatusNoContent {
		t.Fatalf("good token after the attacks: %d %+v", a.status, a.problem)
	}
}

func TestHTTPAttackHeaders(t *testing.T) {
	k, h, _ := atkSetup(t)
	good := atkSign(t, k.ec, map[string]any{"alg": "ES256", "kid": "ec"}, atkClaims(nil))
	const (
		ok     = http.StatusNoContent
		bare   = "bare"    // 401, challenge without error
		badTok = "invalid" // 401 invalid_token
		badReq = "request" // 400 invalid_request
		// 401 invalid_dpop_proof on the DPoP challenge (RFC 9449 section 7.1)
		badProof = "proof"
		success  = "ok"
	)
	cases := []struct {
		name   string
		target string
		auth   []string
		want   string
	}{
		{"canonical", "/", []string{"Bearer " + good}, success},
		{"lower-case scheme", "/", []string{"bearer " + good}, success},
		{"upper-case scheme", "/", []string{"BEARER " + good}, success},
		{"extra spaces", "/", []string{"Bearer   " + good + "  "}, success},
		{"two Authorization headers", "/", []string{"Bearer " + good, "Bearer " + good}, badReq},
		{"two headers, one empty", "/", []string{"Bearer " + good, ""}, badReq},
		{"tab after the scheme", "/", []string{"Bearer\t" + good}, bare},
		{"no space after the scheme", "/", []string{"Bearer" + good}, bare},
		{"scheme only", "/", []string{"Bearer"}, bare},
		{"scheme and spaces", "/", []string{"Bearer    "}, bare},
		{"Basic", "/", []string{"Basic bWFsbG9yeTpzZWNyZXQ="}, bare},
		{"DPoP scheme without a proof", "/", []string{"DPoP " + good}, badProof},
		{"no header", "/", nil, bare},
		{"token with a space inside", "/", []string{"Bearer " + good[:30] + " " + good[30:]}, badTok},
		{"two tokens separated by a comma", "/", []string{"Bearer " + good + ", Bearer " + good}, badTok},
		{"quoted token", "/", []string{`Bearer "` + good + `"`}, badTok},
		{"token with a tab inside", "/", []string{"Bearer " + good[:30] + "\t" + good[30:]}, badTok},
		{"auth-param syntax", "/", []string{`Bearer token="` + good + `"`}, badTok},
		{"huge header", "/", []string{"Bearer " + strings.Repeat("a", 1<<20)}, badTok},
		{"huge header of dots", "/", []string{"Bearer " + strings.Repeat("a.", 1<<19)}, badTok},
		{"query token without opt-in", "/?access_token=" + good, nil, bare},
		{"form-style token without opt-in", "/?access_token=" + good + "&x=1", nil, bare},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := atkServe(t, h, tc.target, tc.auth...)
			switch tc.want {
			case success:
				if a.status != ok {
					t.Fatalf("status %d, want %d (%+v)", a.status, ok, a.problem)
				}
			case bare:
				// The default Validator offers DPoP beside Bearer (RFC 9449
				// section 7.1); neither challenge carries an error.
				if a.status != 401 || a.challenge != "Bearer"+atkDPoPOffer || a.problem.Error != "" {
					t.Fatalf("status %d challenge %q error %q, want a bare 401 challenge", a.status, a.challenge, a.problem.Error)
				}
			case badProof:
				if a.status != 401 || !strings.HasSuffix(a.challenge, `error="invalid_dpop_proof", error_description="the request must carry exactly one DPoP proof header"`) {
					t.Fatalf("status %d challenge %q, want 401 invalid_dpop_proof", a.status, a.challenge)
				}
			case badTok:
				if a.status != 401 || !strings.Contains(a.challenge, `error="invalid_token"`) {
					t.Fatalf("status %d challenge %q, want 401 invalid_token", a.status, a.challenge)
				}
			case badReq:
				if a.status != 400 || !strings.Contains(a.challenge, `error="invalid_request"`) {
					t.Fatalf("status %d challenge %q, want 400 invalid_request", a.status, a.challenge)
				}
			}
		})
	}
	t.Run("query token with opt-in", func(t *testing.T) {
		_, opt, _ := atkSetup(t, httpguard.InsecureWithQueryToken())
		if a := atkServe(t, opt, "/?access_token="+good); a.status != ok {
			t.Fatalf("status %d (%+v)", a.status, a.problem)
		}
		if a := atkServe(t, opt, "/?access_token="+good+"&access_token="+good); a.status != 400 {
			t.Fatalf("two query tokens: status %d", a.status)
		}
		if a := atkServe(t, opt, "/?access_token=a%22b"); a.status != 401 || a.problem.Error != "invalid_token" {
			t.Fatalf("bad query token: status %d %+v", a.status, a.problem)
		}
	})
}

// TestHTTPAttackRealServer sends hostile headers over a real connection,
// where net/http's own limits apply first: still no 5xx.
func TestHTTPAttackRealServer(t *testing.T) {
	_, h, _ := atkSetup(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct {
		name string
		auth string
		want int
	}{
		{"header over the server limit", "Bearer " + strings.Repeat("a", 2<<20), http.StatusRequestHeaderFieldsTooLarge},
		{"token of 64 KiB", "Bearer " + strings.Repeat("a.", 32<<10) + "a", http.StatusUnauthorized},
		{"alg none", "Bearer eyJhbGciOiJub25lIn0.e30.", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL, nil)
			req.Header.Set("Authorization", tc.auth)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// atkDPoPOffer is the DPoP challenge of a default Validator without realm.
const atkDPoPOffer = `, DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`
