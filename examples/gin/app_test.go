package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// startAPI builds the gin engine with the development issuer (or cfg's
// issuer) and, when prime is true, waits for the keys.
func startAPI(t *testing.T, cfg demo.Config, prime bool) (*demo.Env, *gin.Engine) {
	t.Helper()
	env, err := demo.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	if prime {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Keys.Prime(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return env, newEngine(env, demo.NewStore())
}

type answer struct {
	status  int
	header  http.Header
	body    []byte
	problem map[string]any
}

// call serves one request through the engine.
func call(t *testing.T, h http.Handler, method, path string, auth ...string) answer {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := answer{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if rec.Header().Get("Content-Type") == "application/problem+json" {
		if err := json.Unmarshal(a.body, &a.problem); err != nil {
			t.Fatalf("problem body %s: %v", a.body, err)
		}
	}
	return a
}

func bearer(tok string) string { return "Bearer " + tok }

// TestAnswers checks every answer of the contract on gin: status, the exact
// WWW-Authenticate challenge (RFC 6750 section 3) and the RFC 9457 body,
// the same as examples/contacts gives.
func TestAnswers(t *testing.T) {
	env, r := startAPI(t, demo.DefaultConfig(), true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	mint := func(c jwtguardtest.Claims) string {
		if c.Audience == nil {
			c.Audience = []string{demo.DefaultAudience}
		}
		tok, err := env.Dev.AccessToken(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	other, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	forged, err := other.AccessToken(jwtguardtest.Claims{Issuer: env.Config.Issuer, Audience: []string{demo.DefaultAudience}, Scope: "read:contacts"})
	if err != nil {
		t.Fatal(err)
	}

	// The demo accepts DPoP too (RFC 9449 section 7.1): every challenge
	// offers both schemes.
	const (
		dpop  = `, DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`
		br    = `Bearer realm="contacts"`
		realm = br + dpop
		inv   = br + `, error="invalid_token", error_description=`
	)
	cases := []struct {
		name      string
		method    string
		path      string
		auth      []string
		status    int
		challenge string            // exact WWW-Authenticate; "" means none
		problem   map[string]string // problem members that must match exactly
	}{
		{"public", "GET", "/api/public", nil, 200, "", nil},
		{"public ignores a bad token", "GET", "/api/public", []string{"Bearer x.y.z"}, 200, "", nil},
		{"readyz", "GET", "/readyz", nil, 200, "", nil},
		{"list without token", "GET", "/api/contacts", nil, 401, realm, map[string]string{"reason": "missing_token", "error": ""}},
		{"list with Basic", "GET", "/api/contacts", []string{"Basic dTpw"}, 401, realm, map[string]string{"reason": "missing_token"}},
		{"delete without token", "DELETE", "/api/contacts/1", nil, 401, realm, map[string]string{"reason": "missing_token"}},
		{"me without token", "GET", "/api/me", nil, 401, realm, map[string]string{"reason": "missing_token"}},
		{"reader lists", "GET", "/api/contacts", []string{bearer(tokens.Reader)}, 200, "", nil},
		{"admin lists (permissions)", "GET", "/api/contacts", []string{bearer(tokens.Admin)}, 200, "", nil},
		{"reader cannot delete", "DELETE", "/api/contacts/1", []string{bearer(tokens.Reader)}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"` + dpop,
			map[string]string{"error": "insufficient_scope", "reason": "insufficient_scope", "scope": "delete:contacts",
				"detail": "the access token lacks the scope this resource requires: delete:contacts"}},
		{"no scope cannot list", "GET", "/api/contacts", []string{bearer(mint(jwtguardtest.Claims{Subject: "u"}))}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts"` + dpop,
			map[string]string{"error": "insufficient_scope", "scope": "read:contacts"}},
		{"ID token", "GET", "/api/me", []string{bearer(tokens.ID)}, 401,
			inv + `"an ID token was sent instead of an access token"` + dpop,
			map[string]string{"error": "invalid_token", "reason": "id_token",
				"hint": "send the access token obtained with audience=<API identifier>, not the id_token"}},
		{"expired", "GET", "/api/contacts", []string{bearer(mint(jwtguardtest.Claims{Scope: "read:contacts", ExpiresIn: -time.Hour}))}, 401,
			inv + `"the token has expired"` + dpop, map[string]string{"error": "invalid_token", "reason": "expired"}},
		{"other audience", "GET", "/api/me", []string{bearer(mint(jwtguardtest.Claims{Audience: []string{"https://other.example.com"}}))}, 401,
			inv + `"the token is not intended for this API (aud)"` + dpop, map[string]string{"reason": "audience_mismatch"}},
		{"forged signature", "GET", "/api/contacts", []string{bearer(forged)}, 401,
			inv + `"the token signature is invalid"` + dpop, map[string]string{"reason": "bad_signature"}},
		{"opaque token", "GET", "/api/me", []string{"Bearer 8xLOxBtZp8"}, 401, "", map[string]string{"reason": "opaque_token"}},
		{"two Authorization headers", "GET", "/api/me", []string{bearer(tokens.Reader), bearer(tokens.Reader)}, 400,
			br + `, error="invalid_request", error_description="the request has more than one Authorization header"` + dpop,
			map[string]string{"error": "invalid_request", "reason": "invalid_request"}},
		{"unknown route", "GET", "/api/nope", []string{bearer(tokens.Reader)}, 404, "", nil},
		{"unknown route without token", "GET", "/api/nope", nil, 404, "", nil},
		{"wrong method", "POST", "/api/contacts", []string{bearer(tokens.Admin)}, 405, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, r, tc.method, tc.path, tc.auth...)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.body)
			}
			ch := a.header.Get("WWW-Authenticate")
			switch {
			case tc.challenge != "" && ch != tc.challenge:
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", ch, tc.challenge)
			case tc.status < 400 && ch != "":
				t.Errorf("challenge on a success: %s", ch)
			case tc.status == 401 && !strings.HasPrefix(ch, br):
				t.Errorf("401 without a Bearer challenge: %q", ch)
			case tc.status >= 404 && ch != "":
				t.Errorf("challenge on a %d: %s", tc.status, ch)
			}
			if tc.status == 401 || tc.status == 403 || tc.status == 400 {
				if a.header.Get("Content-Type") != "application/problem+json" || a.header.Get("Cache-Control") != "no-store" {
					t.Fatalf("headers %v", a.header)
				}
				if a.problem["status"] != float64(tc.status) || a.problem["detail"] == "" {
					t.Errorf("problem %v", a.problem)
				}
				if code, _ := a.problem["error"].(string); code != "" && !strings.Contains(ch, `error="`+code+`", error_description="`+a.problem["detail"].(string)+`"`) {
					t.Errorf("body %v disagrees with challenge %s", a.problem, ch)
				}
			}
			for k, want := range tc.problem {
				if got, _ := a.problem[k].(string); got != want {
					t.Errorf("problem %s = %q, want %q", k, got, want)
				}
			}
			if tc.status == 200 && strings.HasPrefix(tc.path, "/api/") && a.header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", a.header.Get("Content-Type"))
			}
		})
	}
}

func TestListMeAndDelete(t *testing.T) {
	env, r := startAPI(t, demo.DefaultConfig(), true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	a := call(t, r, "GET", "/api/contacts", bearer(tokens.Reader))
	if want := `[{"id":"1","name":"Ada Lovelace","email":"ada@example.com"},{"id":"2","name":"Alan Turing","email":"alan@example.com"},{"id":"3","name":"Grace Hopper","email":"grace@example.com"}]` + "\n"; string(a.body) != want {
		t.Fatalf("list %s", a.body)
	}
	for _, tc := range []struct{ token, want string }{
		{tokens.Reader, `{"sub":"auth0|reader","scopes":["read:contacts"],"custom":{"favorite_color":"blue"}}`},
		{tokens.Admin, `{"sub":"auth0|admin","scopes":["read:contacts","delete:contacts"],"custom":{"favorite_color":"blue"}}`},
	} {
		if a := call(t, r, "GET", "/api/me", bearer(tc.token)); a.status != 200 || strings.TrimSpace(string(a.body)) != tc.want {
			t.Errorf("/api/me: %d %s, want %s", a.status, a.body, tc.want)
		}
	}
	if a := call(t, r, "DELETE", "/api/contacts/2", bearer(tokens.Admin)); a.status != 204 || len(a.body) != 0 {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	for _, id := range []string{"2", "999"} {
		a := call(t, r, "DELETE", "/api/contacts/"+id, bearer(tokens.Admin))
		var body map[string]string
		if a.status != 404 || json.Unmarshal(a.body, &body) != nil || body["error"] != "not_found" || body["detail"] != "no contact with id "+id {
			t.Errorf("delete %s again: %d %s", id, a.status, a.body)
		}
	}
	var list []demo.Contact
	if err := json.Unmarshal(call(t, r, "GET", "/api/contacts", bearer(tokens.Reader)).body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"1", "3"}) {
		t.Errorf("ids after delete %v", ids)
	}
}

// TestEveryRouteStatesARequirement: in Strict mode a route without
// ginguard.Require answers 403 "no access policy" even to the admin; none
// of the demo's routes does.
func TestEveryRouteStatesARequirement(t *testing.T) {
	env, r := startAPI(t, demo.DefaultConfig(), true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	routes := r.Routes()
	if len(routes) != 7 {
		t.Errorf("%d routes, want 7", len(routes))
	}
	for _, rt := range routes {
		path := strings.ReplaceAll(rt.Path, ":id", "3")
		if a := call(t, r, rt.Method, path, bearer(tokens.Admin)); a.status == 403 {
			t.Errorf("%s %s: %d %s", rt.Method, rt.Path, a.status, a.body)
		}
	}
}

// While the issuer is down public routes work, protected routes answer 503
// with Retry-After and no challenge, and /readyz is 503; once the issuer is
// back, everything works without a restart.
func TestIssuerDownThenUp(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	iss.SetDown(true)
	cfg := demo.DefaultConfig()
	cfg.Issuer = iss.URL()
	cfg.JWKSMinRefresh = time.Second
	env, r := startAPI(t, cfg, false)
	if env.Dev != nil {
		t.Fatal("development issuer started although -issuer was given")
	}
	tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: "u", Audience: []string{demo.DefaultAudience}, Scope: "read:contacts"})
	if err != nil {
		t.Fatal(err)
	}
	if a := call(t, r, "GET", "/readyz"); a.status != 503 || string(a.body) != "keys not loaded yet\n" {
		t.Errorf("/readyz while down: %d %q", a.status, a.body)
	}
	if a := call(t, r, "GET", "/api/public"); a.status != 200 {
		t.Errorf("/api/public while down: %d", a.status)
	}
	a := call(t, r, "GET", "/api/contacts", bearer(tok))
	if a.status != 503 || a.header.Get("Retry-After") != "5" || a.header.Get("WWW-Authenticate") != "" ||
		a.problem["reason"] != string(middleware.ReasonKeysUnavailable) || a.problem["status"] != float64(503) {
		t.Fatalf("protected route while down: %d %v %s", a.status, a.header, a.body)
	}
	if a := call(t, r, "GET", "/api/contacts"); a.status != 401 {
		t.Errorf("no token while down: %d", a.status)
	}
	iss.SetDown(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := call(t, r, "GET", "/api/contacts", bearer(tok))
		if a.status == 200 {
			break
		}
		if a.status != 503 || time.Now().After(deadline) {
			t.Fatalf("after recovery: %d %s", a.status, a.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := call(t, r, "GET", "/readyz"); a.status != 200 || string(a.body) != "ok\n" {
		t.Errorf("/readyz after recovery: %d %q", a.status, a.body)
	}
}

// TestRun starts the program on a free loopback port, reads the address it
// prints, calls it and stops it.
func TestRun(t *testing.T) {
	cfg := demo.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no output: %v", sc.Err())
	}
	url, ok := strings.CutPrefix(sc.Text(), "gin: listening on ")
	if !ok {
		t.Fatalf("first line %q", sc.Text())
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(url + "/api/public")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"message":"public: no token needed"}`+"\n" {
		t.Errorf("/api/public: %d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
