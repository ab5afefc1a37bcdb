package jwtguardtest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// introspect posts token to x with the given client authentication and
// returns the status and decoded answer.
func introspect(t *testing.T, x *Introspector, token string, auth func(*http.Request, url.Values)) (int, map[string]any) {
	t.Helper()
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, _ := http.NewRequest(http.MethodPost, x.Endpoint(), nil)
	if auth != nil {
		auth(req, form)
	}
	req.Body = io.NopCloser(strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func basicAuth(id, secret string) func(*http.Request, url.Values) {
	return func(r *http.Request, _ url.Values) {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret))))
	}
}

func postAuth(id, secret string) func(*http.Request, url.Values) {
	return func(_ *http.Request, f url.Values) { f.Set("client_id", id); f.Set("client_secret", secret) }
}

var defaultBasic = basicAuth(DefaultIntrospectionClientID, DefaultIntrospectionClientSecret)

func newTestIntrospector(t *testing.T) *Introspector {
	t.Helper()
	x, err := NewIntrospector()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Close)
	return x
}

// TestIntrospectorAnswers: an opaque token's answer carries the members of
// its Claims, and goes inactive when revoked or expired.
func TestIntrospectorAnswers(t *testing.T) {
	x := newTestIntrospector(t)
	key, err := NewDPoPKey(jwks.ES256)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := x.OpaqueToken(Claims{
		Subject: "alice", Audience: []string{"https://api.example.com"}, Scope: "read write",
		DPoPKey: key, Custom: map[string]any{"username": "alice@example.com", "jti": nil},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, OpaqueTokenPrefix) || strings.Contains(tok, ".") || len(tok) != len(OpaqueTokenPrefix)+43 {
		t.Fatalf("token shape %q", tok)
	}
	status, m := introspect(t, x, tok, defaultBasic)
	if status != 200 || m["active"] != true || m["sub"] != "alice" || m["aud"] != "https://api.example.com" ||
		m["scope"] != "read write" || m["iss"] != x.URL() || m["client_id"] != DefaultClientID ||
		m["token_type"] != "DPoP" || m["username"] != "alice@example.com" || m["jti"] != nil {
		t.Fatalf("%d %v", status, m)
	}
	if cnf, _ := m["cnf"].(map[string]any); cnf["jkt"] != key.Thumbprint() {
		t.Fatalf("cnf %v", m["cnf"])
	}
	if exp, _ := m["exp"].(float64); time.Until(time.Unix(int64(exp), 0)) < 59*time.Minute {
		t.Fatalf("exp %v", m["exp"])
	}

	x.Revoke(tok)
	if _, m := introspect(t, x, tok, defaultBasic); len(m) != 1 || m["active"] != false {
		t.Fatalf("revoked: %v", m)
	}
	expired, _ := x.OpaqueToken(Claims{ExpiresIn: -time.Second})
	if _, m := introspect(t, x, expired, defaultBasic); len(m) != 1 || m["active"] != false {
		t.Fatalf("expired: %v", m)
	}
	forced, _ := x.OpaqueToken(Claims{ExpiresIn: -time.Hour, Custom: map[string]any{"active": true}})
	if _, m := introspect(t, x, forced, defaultBasic); m["active"] != true {
		t.Fatalf("forced active: %v", m)
	}
	if _, m := introspect(t, x, "jgt_unknown", defaultBasic); len(m) != 1 || m["active"] != false {
		t.Fatalf("unknown: %v", m)
	}
	refresh, _ := x.RefreshToken(Claims{})
	if _, m := introspect(t, x, refresh, defaultBasic); m["token_use"] != "refresh_token" || m["token_type"] != "Bearer" || m["active"] != true {
		t.Fatalf("refresh: %v", m)
	}
	if n := x.Requests(); n != 6 {
		t.Fatalf("%d requests", n)
	}
}

// TestIntrospectorClientAuth: RFC 6749 section 2.3.1 both ways, with the
// form-urlencoding of Basic credentials, and exactly one method.
func TestIntrospectorClientAuth(t *testing.T) {
	x := newTestIntrospector(t)
	const id, secret = "api:1", "p%ss+wörd :"
	x.SetClientCredentials(id, secret)
	tok, _ := x.OpaqueToken(Claims{})
	for _, tc := range []struct {
		name   string
		auth   func(*http.Request, url.Values)
		status int
	}{
		{"basic", basicAuth(id, secret), 200},
		{"post", postAuth(id, secret), 200},
		{"basic, wrong secret", basicAuth(id, secret+"x"), 401},
		{"post, wrong secret", postAuth(id, "x"), 401},
		{"basic without urlencoding", func(r *http.Request, _ url.Values) { r.SetBasicAuth(id, secret) }, 401},
		{"both", func(r *http.Request, f url.Values) { basicAuth(id, secret)(r, f); postAuth(id, secret)(r, f) }, 400},
		{"none", nil, 401},
		{"bearer", func(r *http.Request, _ url.Values) { r.Header.Set("Authorization", "Bearer x") }, 401},
		{"bad base64", func(r *http.Request, _ url.Values) { r.Header.Set("Authorization", "Basic !!!") }, 401},
	} {
		status, m := introspect(t, x, tok, tc.auth)
		if status != tc.status {
			t.Errorf("%s: HTTP %d (%v), want %d", tc.name, status, m, tc.status)
		}
		if status == 401 && m["error"] != "invalid_client" {
			t.Errorf("%s: %v", tc.name, m)
		}
	}
}

// TestIntrospectorFaults: the switches.
func TestIntrospectorFaults(t *testing.T) {
	x := newTestIntrospector(t)
	tok, _ := x.OpaqueToken(Claims{})
	x.SetDown(true)
	if status, _ := introspect(t, x, tok, defaultBasic); status != 503 {
		t.Fatalf("down: %d", status)
	}
	x.SetOutage(502)
	if status, _ := introspect(t, x, tok, defaultBasic); status != 502 {
		t.Fatalf("outage: %d", status)
	}
	x.SetDown(false)
	x.SetGarbage(true)
	if status, m := introspect(t, x, tok, defaultBasic); status != 200 || m != nil {
		t.Fatalf("garbage: %d %v", status, m)
	}
	x.SetGarbage(false)
	x.SetHuge(true)
	req, _ := http.NewRequest(http.MethodPost, x.Endpoint(), strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	defaultBasic(req, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(body) < hugeAnswerBytes || !json.Valid(body) {
		t.Fatalf("huge: %d bytes", len(body))
	}
	x.SetHuge(false)
	x.SetSlow(200 * time.Millisecond)
	start := time.Now()
	if status, _ := introspect(t, x, tok, defaultBasic); status != 200 || time.Since(start) < 200*time.Millisecond {
		t.Fatalf("slow: %d after %v", status, time.Since(start))
	}
	x.SetSlow(0)
	// Malformed requests.
	for _, body := range []string{"", "token=a&token=b", "foo=bar"} {
		req, _ := http.NewRequest(http.MethodPost, x.Endpoint(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		defaultBasic(req, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("body %q: %d", body, resp.StatusCode)
		}
	}
	req, _ = http.NewRequest(http.MethodPost, x.Endpoint(), strings.NewReader(`{"token":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
		t.Fatalf("JSON body: %v %v", resp, err)
	}
}

// TestIssuerIntrospector: an Issuer serves introspection for its opaque
// tokens beside its JWTs and advertises the endpoint in discovery.
func TestIssuerIntrospector(t *testing.T) {
	iss, err := NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	resp, err := http.Get(iss.DiscoveryURL())
	if err != nil {
		t.Fatal(err)
	}
	var md map[string]any
	json.NewDecoder(resp.Body).Decode(&md)
	resp.Body.Close()
	if md["introspection_endpoint"] != iss.IntrospectionURL() || md["issuer"] != iss.URL() {
		t.Fatalf("discovery %v", md)
	}
	x := iss.Introspector()
	if x != iss.Introspector() || x.URL() != iss.URL() || x.Endpoint() != iss.IntrospectionURL() {
		t.Fatal("Introspector")
	}
	tok, _ := x.OpaqueToken(Claims{Subject: "bob"})
	if status, m := introspect(t, x, tok, defaultBasic); status != 200 || m["sub"] != "bob" || m["iss"] != iss.URL() {
		t.Fatalf("%d %v", status, m)
	}
	x.Close() // a no-op for an Issuer's
	if status, _ := introspect(t, x, tok, defaultBasic); status != 200 {
		t.Fatal("Close of an Issuer's Introspector stopped the Issuer")
	}
}

// TestStandaloneDiscovery: a standalone Introspector serves both
// discovery documents.
func TestStandaloneDiscovery(t *testing.T) {
	x := newTestIntrospector(t)
	base := strings.TrimSuffix(x.URL(), "/")
	for _, p := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		var md map[string]any
		json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
		if md["issuer"] != x.URL() || md["introspection_endpoint"] != x.Endpoint() {
			t.Fatalf("%s: %v", p, md)
		}
	}
}
