// Package demotest is the contract every jwtguard HTTP demo keeps (the
// routes, flags and answers of examples/contacts), as tests each demo runs
// against its own handler, so the net/http and gin demos cannot drift
// apart.
package demotest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// Start builds the demo Env of cfg and the handler newHandler makes for it;
// with prime it waits for the keys. The Env is closed when the test ends.
func Start(t *testing.T, cfg demo.Config, newHandler func(*demo.Env) http.Handler, prime bool) (*demo.Env, http.Handler) {
	t.Helper()
	env, err := demo.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	if prime {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Prime(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return env, newHandler(env)
}

// Answer is what a demo answered one request.
type Answer struct {
	Status  int
	Header  http.Header
	Body    []byte
	Problem map[string]any // the problem+json body, when there is one
}

// Call serves one request through h in process, with the given
// Authorization header values.
func Call(t *testing.T, h http.Handler, method, path string, auth ...string) Answer {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := Answer{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if rec.Header().Get("Content-Type") == "application/problem+json" {
		if err := json.Unmarshal(a.Body, &a.Problem); err != nil {
			t.Fatalf("problem body %s: %v", a.Body, err)
		}
	}
	return a
}

// Bearer is the Authorization value of a bearer token.
func Bearer(tok string) string { return "Bearer " + tok }

// Answers checks every answer of the contract: status, the exact
// WWW-Authenticate challenge (RFC 6750 section 3, RFC 9449 section 7.1) and
// the RFC 9457 body.
func Answers(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	env, h := Start(t, demo.DefaultConfig(), newHandler, true)
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
	// Another issuer, whose first key has the same kid ("key-1") as the
	// development issuer's: a token it signs claiming our issuer must fail
	// the signature check, not find a key.
	other, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	forged, err := other.AccessToken(jwtguardtest.Claims{Issuer: env.Dev.URL(), Audience: []string{demo.DefaultAudience}, Scope: "read:contacts"})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.AccessToken(jwtguardtest.Claims{Audience: []string{demo.DefaultAudience}, Scope: "read:contacts"})
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
	const orgDetail = "the access token does not meet this resource's requirement on the claim org_id"
	orgRefused := br + `, error="insufficient_scope", error_description="` + orgDetail + `"` + dpop
	now := time.Now().Unix()
	// audit is a token with scope, acr ("" for none) and auth_time (0 for
	// none).
	audit := func(scope, acr string, authTime int64) jwtguardtest.Claims {
		c := jwtguardtest.Claims{Subject: "auth0|auditor", Scope: scope, Custom: map[string]any{}}
		if acr != "" {
			c.Custom["acr"] = acr
		}
		if authTime != 0 {
			c.Custom["auth_time"] = authTime
		}
		return c
	}
	stepUp := func(desc string) string {
		return br + `, error="insufficient_user_authentication", error_description="` + desc + `", acr_values="` + demo.MFA + `", max_age="300"` + dpop
	}
	stepUpProblem := map[string]string{"error": "insufficient_user_authentication", "reason": "insufficient_user_authentication",
		"acr_values": demo.MFA, "max_age": "300", "scope": ""}
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
		{"list without token", "GET", "/api/contacts", nil, 401, realm,
			map[string]string{"reason": "missing_token", "error": ""}},
		{"list with Basic", "GET", "/api/contacts", []string{"Basic dTpw"}, 401, realm,
			map[string]string{"reason": "missing_token"}},
		{"delete without token", "DELETE", "/api/contacts/1", nil, 401, realm, map[string]string{"reason": "missing_token"}},
		{"me without token", "GET", "/api/me", nil, 401, realm, map[string]string{"reason": "missing_token"}},
		{"reader lists", "GET", "/api/contacts", []string{Bearer(tokens.Reader)}, 200, "", nil},
		{"admin lists (permissions)", "GET", "/api/contacts", []string{Bearer(tokens.Admin)}, 200, "", nil},
		{"reader cannot delete", "DELETE", "/api/contacts/1", []string{Bearer(tokens.Reader)}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"` + dpop,
			map[string]string{"error": "insufficient_scope", "reason": "insufficient_scope", "scope": "delete:contacts",
				"detail": "the access token lacks the scope this resource requires: delete:contacts"}},
		{"no scope cannot list", "GET", "/api/contacts", []string{Bearer(mint(jwtguardtest.Claims{Subject: "u"}))}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts"` + dpop,
			map[string]string{"error": "insufficient_scope", "scope": "read:contacts"}},
		{"prefix scope is not the scope", "GET", "/api/contacts", []string{Bearer(mint(jwtguardtest.Claims{Scope: "read:contacts:all xread:contacts"}))}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts"` + dpop, nil},
		{"ID token", "GET", "/api/me", []string{Bearer(tokens.ID)}, 401,
			inv + `"an ID token was sent instead of an access token"` + dpop,
			map[string]string{"error": "invalid_token", "reason": "id_token",
				"hint": "send the access_token of the token response, not the id_token: an ID token is for the client, not for an API"}},
		{"expired", "GET", "/api/contacts", []string{Bearer(mint(jwtguardtest.Claims{Scope: "read:contacts", ExpiresIn: -time.Hour}))}, 401,
			inv + `"the token has expired"` + dpop, map[string]string{"error": "invalid_token", "reason": "expired"}},
		{"not yet valid", "GET", "/api/me", []string{Bearer(mint(jwtguardtest.Claims{NotBefore: time.Now().Add(time.Hour)}))}, 401,
			inv + `"the token is not valid yet (nbf)"` + dpop, map[string]string{"reason": "not_yet_valid"}},
		{"other audience", "GET", "/api/me", []string{Bearer(mint(jwtguardtest.Claims{Audience: []string{"https://other.example.com"}}))}, 401,
			inv + `"the token is not intended for this API (aud)"` + dpop, map[string]string{"reason": "audience_mismatch"}},
		{"other issuer", "GET", "/api/contacts", []string{Bearer(foreign)}, 401,
			inv + `"the token issuer is not trusted by this API"` + dpop, map[string]string{"reason": "issuer_mismatch"}},
		{"forged signature", "GET", "/api/contacts", []string{Bearer(forged)}, 401,
			inv + `"the token signature is invalid"` + dpop, map[string]string{"reason": "bad_signature"}},
		// The development issuer's opaque tokens are introspected (RFC
		// 7662): one it never issued is not active.
		{"unknown opaque token", "GET", "/api/me", []string{"Bearer 8xLOxBtZp8"}, 401,
			inv + `"the access token is not active (revoked, expired or unknown to the authorization server)"` + dpop,
			map[string]string{"error": "invalid_token", "reason": "inactive_token"}},
		{"opaque token lists", "GET", "/api/contacts", []string{Bearer(tokens.Opaque)}, 200, "", nil},
		{"opaque token cannot delete", "DELETE", "/api/contacts/1", []string{Bearer(tokens.Opaque)}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"` + dpop,
			map[string]string{"error": "insufficient_scope", "reason": "insufficient_scope", "scope": "delete:contacts"}},
		{"two Authorization headers", "GET", "/api/me", []string{Bearer(tokens.Reader), Bearer(tokens.Reader)}, 400,
			br + `, error="invalid_request", error_description="the request has more than one Authorization header"` + dpop,
			map[string]string{"error": "invalid_request", "reason": "invalid_request"}},
		{"unknown route", "GET", "/api/nope", []string{Bearer(tokens.Reader)}, 404, "", nil},

		// Beyond scopes: the organization in the path (org_id, top-level
		// as Auth0 Organizations issue it) and a step-up (RFC 9470).
		{"org member lists its org", "GET", "/api/orgs/" + demo.Org + "/contacts", []string{Bearer(tokens.Org)}, 200, "", nil},
		{"org member of another org", "GET", "/api/orgs/globex/contacts", []string{Bearer(tokens.Org)}, 403, orgRefused,
			map[string]string{"error": "insufficient_scope", "reason": "claim_requirement", "scope": "", "detail": orgDetail}},
		{"no org_id", "GET", "/api/orgs/" + demo.Org + "/contacts", []string{Bearer(tokens.Reader)}, 403, orgRefused,
			map[string]string{"error": "insufficient_scope", "reason": "claim_requirement", "scope": ""}},
		{"org member without read:contacts", "GET", "/api/orgs/" + demo.Org + "/contacts",
			[]string{Bearer(mint(jwtguardtest.Claims{Subject: "u", Custom: map[string]any{"org_id": demo.Org}}))}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:contacts", scope="read:contacts"` + dpop,
			map[string]string{"error": "insufficient_scope", "reason": "insufficient_scope", "scope": "read:contacts"}},
		{"audit after MFA", "GET", "/api/audit", []string{Bearer(tokens.Auditor)}, 200, "", nil},
		{"audit without the acr", "GET", "/api/audit", []string{Bearer(mint(audit(demo.ScopeAudit, "", now)))}, 401,
			stepUp("a different authentication level is required"), stepUpProblem},
		{"audit, another acr", "GET", "/api/audit", []string{Bearer(mint(audit(demo.ScopeAudit, "pwd", now)))}, 401,
			stepUp("a different authentication level is required"), stepUpProblem},
		{"audit, sign-in too old", "GET", "/api/audit", []string{Bearer(mint(audit(demo.ScopeAudit, demo.MFA, now-301)))}, 401,
			stepUp("more recent authentication is required"), stepUpProblem},
		{"audit, no auth_time", "GET", "/api/audit", []string{Bearer(mint(audit(demo.ScopeAudit, demo.MFA, 0)))}, 401,
			stepUp("more recent authentication is required"), stepUpProblem},
		{"audit, admin without MFA", "GET", "/api/audit", []string{Bearer(tokens.Admin)}, 401,
			stepUp("a different authentication level and more recent authentication are required"), stepUpProblem},
		{"audit after MFA without read:audit", "GET", "/api/audit", []string{Bearer(mint(audit(demo.ScopeRead, demo.MFA, now)))}, 403,
			br + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: read:audit", scope="read:audit"` + dpop,
			map[string]string{"error": "insufficient_scope", "reason": "insufficient_scope", "scope": "read:audit", "acr_values": "", "max_age": ""}},
		{"unknown route without token", "GET", "/api/nope", nil, 404, "", nil},
		{"wrong method", "POST", "/api/contacts", []string{Bearer(tokens.Admin)}, 405, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Call(t, h, tc.method, tc.path, tc.auth...)
			if a.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.Status, tc.status, a.Body)
			}
			ch := a.Header.Get("WWW-Authenticate")
			switch {
			case tc.challenge != "" && ch != tc.challenge:
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", ch, tc.challenge)
			case tc.status < 400 && ch != "":
				t.Errorf("challenge on a success: %s", ch)
			case tc.status >= 404 && ch != "":
				t.Errorf("challenge on a %d: %s", tc.status, ch)
			case tc.status == 401 && !strings.HasPrefix(ch, br):
				t.Errorf("401 without a Bearer challenge: %q", ch)
			}
			if tc.status == 401 || tc.status == 403 || tc.status == 400 {
				if a.Header.Get("Content-Type") != "application/problem+json" || a.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("headers %v", a.Header)
				}
				if a.Problem["status"] != float64(tc.status) || a.Problem["detail"] == "" {
					t.Errorf("problem %v", a.Problem)
				}
				// The body carries the challenge's code and description.
				if code, _ := a.Problem["error"].(string); code != "" && !strings.Contains(ch, `error="`+code+`", error_description="`+a.Problem["detail"].(string)+`"`) {
					t.Errorf("body %v disagrees with challenge %s", a.Problem, ch)
				}
			}
			for k, want := range tc.problem {
				var got string
				if v, ok := a.Problem[k]; ok {
					got = fmt.Sprint(v) // max_age is a number
				}
				if got != want {
					t.Errorf("problem %s = %q, want %q", k, got, want)
				}
			}
			if tc.status == 200 && strings.HasPrefix(tc.path, "/api/") && a.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type %q", a.Header.Get("Content-Type"))
			}
		})
	}
}

// ListMeAndDelete checks the bodies of the list, /api/me and delete routes.
func ListMeAndDelete(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	env, h := Start(t, demo.DefaultConfig(), newHandler, true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	var list []demo.Contact
	a := Call(t, h, "GET", "/api/contacts", Bearer(tokens.Reader))
	if err := json.Unmarshal(a.Body, &list); err != nil || len(list) != 3 || list[0].ID != "1" || list[0].Name != "Ada Lovelace" {
		t.Fatalf("list %s: %v", a.Body, err)
	}

	for _, tc := range []struct {
		token string
		want  string
	}{
		{tokens.Reader, `{"sub":"auth0|reader","scopes":["read:contacts"],"custom":{"favorite_color":"blue"}}`},
		{tokens.Admin, `{"sub":"auth0|admin","scopes":["read:contacts","delete:contacts"],"custom":{"favorite_color":"blue"}}`},
	} {
		a := Call(t, h, "GET", "/api/me", Bearer(tc.token))
		if a.Status != 200 || strings.TrimSpace(string(a.Body)) != tc.want {
			t.Errorf("/api/me: %d %s, want %s", a.Status, a.Body, tc.want)
		}
	}
	// scp (Okta) grants too; a token without custom claims has "custom": {}.
	scp, err := env.Dev.AccessToken(jwtguardtest.Claims{Subject: "okta|u", Audience: []string{demo.DefaultAudience}, SCP: []string{"read:contacts"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := Call(t, h, "GET", "/api/me", Bearer(scp)); strings.TrimSpace(string(a.Body)) != `{"sub":"okta|u","scopes":["read:contacts"],"custom":{}}` {
		t.Errorf("/api/me scp: %s", a.Body)
	}

	if a := Call(t, h, "DELETE", "/api/contacts/2", Bearer(tokens.Admin)); a.Status != 204 || len(a.Body) != 0 {
		t.Fatalf("delete: %d %s", a.Status, a.Body)
	}
	for _, id := range []string{"2", "999"} {
		a := Call(t, h, "DELETE", "/api/contacts/"+id, Bearer(tokens.Admin))
		var body map[string]string
		if a.Status != 404 || json.Unmarshal(a.Body, &body) != nil || body["error"] != "not_found" || body["detail"] != "no contact with id "+id {
			t.Errorf("delete %s again: %d %s", id, a.Status, a.Body)
		}
	}
	a = Call(t, h, "GET", "/api/contacts", Bearer(tokens.Reader))
	list = nil
	if err := json.Unmarshal(a.Body, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"1", "3"}) {
		t.Errorf("ids after delete %v", ids)
	}

	// The organization's contacts are the list; the audit log records
	// the deletion.
	if a := Call(t, h, "GET", "/api/orgs/"+demo.Org+"/contacts", Bearer(tokens.Org)); a.Status != 200 ||
		a.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(a.Body), `"Grace Hopper"`) || strings.Contains(string(a.Body), `"Alan Turing"`) {
		t.Errorf("org contacts: %d %s", a.Status, a.Body)
	}
	if a := Call(t, h, "GET", "/api/audit", Bearer(tokens.Auditor)); a.Status != 200 ||
		strings.TrimSpace(string(a.Body)) != `[{"action":"delete","id":"2"}]` {
		t.Errorf("audit: %d %s", a.Status, a.Body)
	}
}

// AuditStartsEmpty checks that the audit log of a fresh demo is an empty
// JSON array, not null.
func AuditStartsEmpty(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	env, h := Start(t, demo.DefaultConfig(), newHandler, true)
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	if a := Call(t, h, "GET", "/api/audit", Bearer(tokens.Auditor)); a.Status != 200 || strings.TrimSpace(string(a.Body)) != "[]" {
		t.Errorf("audit: %d %s", a.Status, a.Body)
	}
}

// MatrixRoutes are the routes of the demos' access matrix.
var MatrixRoutes = []string{
	"GET /api/public", "GET /api/me", "GET /api/contacts", "DELETE /api/contacts/1",
	"GET /api/orgs/acme/contacts", "GET /api/orgs/globex/contacts", "GET /api/audit",
	"GET " + middleware.ResourceMetadataPath,
}

// AccessMatrix runs the test kit's personas (jwtguardtest.Personas) against
// every route of the demo, each request on a fresh demo (newHandler), and
// compares who may call what with the golden file (rewritten with update).
func AccessMatrix(t *testing.T, newHandler func(*demo.Env) http.Handler, golden string, update bool) {
	env, _ := Start(t, demo.DefaultConfig(), newHandler, true)
	personas, err := env.Dev.Personas(jwtguardtest.PersonaConfig{
		Audience:     demo.DefaultAudience,
		ReaderScopes: []string{demo.ScopeRead},
		AdminScopes:  []string{demo.ScopeRead, demo.ScopeDelete, demo.ScopeAudit},
		Org:          demo.Org,
	})
	if err != nil {
		t.Fatal(err)
	}
	fresh := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { newHandler(env).ServeHTTP(w, r) })
	m, err := jwtguardtest.AccessMatrix(fresh, personas, MatrixRoutes...)
	if err != nil {
		t.Fatal(err)
	}
	if err := jwtguardtest.CompareGolden(golden, []byte(m.String()), update); err != nil {
		t.Fatal(err)
	}
}

// IssuerDownThenUp checks that while the issuer is down the API listens, public routes work, protected
// routes answer 503 with Retry-After and no challenge, and /readyz is 503;
// once the issuer is back, everything works without a restart.
func IssuerDownThenUp(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	iss.SetDown(true)
	cfg := demo.DefaultConfig()
	cfg.Issuers = []string{iss.URL()}
	cfg.JWKSMinRefresh = time.Second
	env, h := Start(t, cfg, newHandler, false)
	if env.Dev != nil {
		t.Fatal("development issuer started although -issuer was given")
	}
	tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: "u", Audience: []string{demo.DefaultAudience}, Scope: "read:contacts"})
	if err != nil {
		t.Fatal(err)
	}
	if a := Call(t, h, "GET", "/readyz"); a.Status != 503 || string(a.Body) != "keys not loaded yet\n" {
		t.Errorf("/readyz while down: %d %q", a.Status, a.Body)
	}
	if a := Call(t, h, "GET", "/api/public"); a.Status != 200 {
		t.Errorf("/api/public while down: %d", a.Status)
	}
	a := Call(t, h, "GET", "/api/contacts", Bearer(tok))
	if a.Status != 503 || a.Header.Get("Retry-After") != "5" || a.Header.Get("WWW-Authenticate") != "" ||
		a.Problem["reason"] != string(middleware.ReasonKeysUnavailable) || a.Problem["status"] != float64(503) {
		t.Fatalf("protected route while down: %d %v %s", a.Status, a.Header, a.Body)
	}
	// A missing token is still the client's problem, even while down.
	if a := Call(t, h, "GET", "/api/contacts"); a.Status != 401 {
		t.Errorf("no token while down: %d", a.Status)
	}
	iss.SetDown(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		a := Call(t, h, "GET", "/api/contacts", Bearer(tok))
		if a.Status == 200 {
			break
		}
		if a.Status != 503 || time.Now().After(deadline) {
			t.Fatalf("after recovery: %d %s", a.Status, a.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a := Call(t, h, "GET", "/readyz"); a.Status != 200 {
		t.Errorf("/readyz after recovery: %d", a.Status)
	}
}

// SeveralIssuers checks -issuer given twice: a token of either issuer is
// accepted, each verified only with its own issuer's keys (both kits sign
// with the kid "key-1"); a token of an issuer not listed is 401
// invalid_token and no request reaches that issuer; /readyz is 503 until
// both issuers' keys are loaded, and the issuer that was down works once it
// is back, without a restart.
func SeveralIssuers(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	a, b, stranger := kitIssuer(t), kitIssuer(t), kitIssuer(t)
	b.SetDown(true)
	cfg := demo.DefaultConfig()
	cfg.Issuers = []string{a.URL(), b.URL()}
	cfg.JWKSMinRefresh = time.Second
	env, h := Start(t, cfg, newHandler, false)
	if env.Dev != nil || len(env.Keys) != 2 {
		t.Fatalf("development issuer %v, %d key sources", env.Dev, len(env.Keys))
	}
	mint := func(iss *jwtguardtest.Issuer, claimed string) string {
		tok, err := iss.AccessToken(jwtguardtest.Claims{Issuer: claimed, Subject: "u", Audience: []string{demo.DefaultAudience}, Scope: "read:contacts"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	fromA, fromB := mint(a, ""), mint(b, "")
	await := func(what, tok string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			a := Call(t, h, "GET", "/api/contacts", Bearer(tok))
			if a.Status == 200 {
				return
			}
			if a.Status != 503 || time.Now().After(deadline) {
				t.Fatalf("%s: %d %s", what, a.Status, a.Body)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	await("first issuer's token", fromA)
	if a := Call(t, h, "GET", "/readyz"); a.Status != 503 || string(a.Body) != "keys not loaded yet\n" {
		t.Errorf("/readyz while the second issuer is down: %d %q", a.Status, a.Body)
	}
	if a := Call(t, h, "GET", "/api/contacts", Bearer(fromB)); a.Status != 503 || a.Problem["reason"] != string(middleware.ReasonKeysUnavailable) {
		t.Errorf("second issuer's token while it is down: %d %s", a.Status, a.Body)
	}
	b.SetDown(false)
	await("second issuer's token once it is back", fromB)
	if a := Call(t, h, "GET", "/readyz"); a.Status != 200 {
		t.Errorf("/readyz with both issuers' keys: %d %q", a.Status, a.Body)
	}
	for _, tc := range []struct {
		name, tok, reason, description string
	}{
		{"second issuer's key claiming the first", mint(b, a.URL()), "bad_signature", "the token signature is invalid"},
		{"first issuer's key claiming the second", mint(a, b.URL()), "bad_signature", "the token signature is invalid"},
		{"an issuer not listed", mint(stranger, ""), "issuer_mismatch", "the token issuer is not trusted by this API"},
	} {
		a := Call(t, h, "GET", "/api/contacts", Bearer(tc.tok))
		if a.Status != 401 || a.Problem["error"] != "invalid_token" || a.Problem["reason"] != tc.reason ||
			!strings.HasPrefix(a.Header.Get("WWW-Authenticate"), `Bearer realm="contacts", error="invalid_token", error_description="`+tc.description+`"`) {
			t.Errorf("%s: %d %v %s", tc.name, a.Status, a.Header, a.Body)
		}
	}
	if n := stranger.JWKSFetches() + stranger.DiscoveryFetches(); n != 0 {
		t.Errorf("%d requests reached the issuer that is not listed", n)
	}
}

func kitIssuer(t *testing.T) *jwtguardtest.Issuer {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	return iss
}

// CertificateBound checks certificate-bound tokens (RFC 8705) over real
// TLS with -dev-tls: the demo's bound token is served with its client
// certificate and refused (401 invalid_token) with another certificate of
// the CA or none; tokens without cnf work with or without a certificate;
// a DPoP proof names the https URL; the RFC 9728 metadata says
// tls_client_certificate_bound_access_tokens.
func CertificateBound(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	cfg := demo.DefaultConfig()
	cfg.DevTLS = true
	env, h := Start(t, cfg, newHandler, true)
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.TLS = env.TLS
	srv.StartTLS()
	defer srv.Close()
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	d := env.DevTLS
	get := func(cert *jwtguardtest.Certificate, path string, header ...string) Answer {
		t.Helper()
		tr := &http.Transport{TLSClientConfig: d.CA.ClientTLSConfig(cert), ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Add(header[i], header[i+1])
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		a := Answer{Status: resp.StatusCode, Header: resp.Header}
		a.Body, _ = io.ReadAll(resp.Body)
		if resp.Header.Get("Content-Type") == "application/problem+json" {
			if err := json.Unmarshal(a.Body, &a.Problem); err != nil {
				t.Fatalf("problem body %s: %v", a.Body, err)
			}
		}
		return a
	}
	const br = `Bearer realm="contacts", error="invalid_token", error_description=`
	cases := []struct {
		name   string
		cert   *jwtguardtest.Certificate
		path   string
		token  string
		status int
		reason string
		sub    string
	}{
		{"bound, its certificate", d.Client, "/api/me", tokens.MTLS, 200, "", `"sub":"auth0|mtls-client"`},
		{"bound, another certificate", d.Other, "/api/me", tokens.MTLS, 401, "mtls_certificate_mismatch", ""},
		{"bound, no certificate", nil, "/api/me", tokens.MTLS, 401, "mtls_no_certificate", ""},
		{"unbound, a certificate", d.Client, "/api/contacts", tokens.Reader, 200, "", `"Ada Lovelace"`},
		{"unbound, no certificate", nil, "/api/contacts", tokens.Reader, 200, "", `"Ada Lovelace"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := get(tc.cert, tc.path, "Authorization", Bearer(tc.token))
			if a.Status != tc.status || (tc.sub != "" && !strings.Contains(string(a.Body), tc.sub)) {
				t.Fatalf("%d %s", a.Status, a.Body)
			}
			if tc.status == 401 {
				if a.Problem["reason"] != tc.reason || a.Problem["error"] != "invalid_token" ||
					!strings.HasPrefix(a.Header.Get("WWW-Authenticate"), br+`"the access token is certificate-bound (RFC 8705)`) {
					t.Errorf("%v %s", a.Header, a.Body)
				}
			}
		})
	}
	proof, err := demo.MintProof(env.Dev, srv.URL, tokens.DPoP)
	if err != nil {
		t.Fatal(err)
	}
	if a := get(nil, "/api/me", "Authorization", "DPoP "+tokens.DPoP, "DPoP", proof); a.Status != 200 {
		t.Errorf("DPoP over https: %d %s", a.Status, a.Body)
	}
	if a := get(nil, middleware.ResourceMetadataPath); a.Status != 200 ||
		!strings.Contains(string(a.Body), `"tls_client_certificate_bound_access_tokens":true`) {
		t.Errorf("metadata: %d %s", a.Status, a.Body)
	}
}

// Introspection checks opaque access tokens (RFC 7662): with the
// development issuer, and with -issuer and the -introspection-* settings,
// every route answers an opaque token exactly as the JWT with the same
// claims; an inactive (unknown or revoked) token is 401 inactive_token; an
// endpoint that is down is 503 with Retry-After; without the settings an
// opaque token is 401 opaque_token.
func Introspection(t *testing.T, newHandler func(*demo.Env) http.Handler) {
	t.Run("development issuer", func(t *testing.T) {
		env, h := Start(t, demo.DefaultConfig(), newHandler, true)
		tokens, err := env.Dev.MintTokens()
		if err != nil {
			t.Fatal(err)
		}
		sameAnswers(t, h, tokens.Opaque, tokens.Reader)
		revoked, err := env.Dev.Introspector().OpaqueToken(jwtguardtest.Claims{Subject: "auth0|reader",
			Audience: []string{demo.DefaultAudience}, Scope: demo.ScopeRead})
		if err != nil {
			t.Fatal(err)
		}
		if a := Call(t, h, "GET", "/api/contacts", Bearer(revoked)); a.Status != 200 {
			t.Fatalf("before revocation: %d %s", a.Status, a.Body)
		}
		env.Dev.Introspector().Revoke(revoked)
		// The answer is cached (introspect.DefaultPositiveTTL); once it is
		// forgotten, the revocation shows.
		env.Validator.Introspection().Invalidate(revoked)
		inactive(t, h, revoked)
		if a := Call(t, h, "GET", "/metrics"); a.Status != 200 || !strings.Contains(string(a.Body),
			`jwtguard_introspection_requests_total{issuer="`+env.Config.Issuers[0]+`",result="ok"}`) {
			t.Errorf("/metrics: %d, no introspection requests:\n%s", a.Status, a.Body)
		}
	})
	t.Run("configured issuer", func(t *testing.T) {
		iss, err := jwtguardtest.NewIssuer()
		if err != nil {
			t.Fatal(err)
		}
		defer iss.Close()
		x := iss.Introspector()
		x.SetClientCredentials("contacts-api", "s3cret")
		mint := func(c jwtguardtest.Claims) (jwt, opaque string) {
			c.Audience = []string{demo.DefaultAudience}
			if jwt, err = iss.AccessToken(c); err != nil {
				t.Fatal(err)
			}
			if opaque, err = x.OpaqueToken(c); err != nil {
				t.Fatal(err)
			}
			return jwt, opaque
		}
		cfg := demo.DefaultConfig()
		cfg.Issuers = []string{iss.URL()}
		_, plain := Start(t, cfg, newHandler, true)
		cfg.IntrospectionURL, cfg.IntrospectionClientID, cfg.IntrospectionClientSecret = iss.IntrospectionURL(), "contacts-api", "s3cret"
		_, h := Start(t, cfg, newHandler, true)

		custom := map[string]any{demo.DefaultNamespace + "favorite_color": "green"}
		jwt, opaque := mint(jwtguardtest.Claims{Subject: "okta|reader", Scope: demo.ScopeRead, Custom: custom})
		sameAnswers(t, h, opaque, jwt)
		jwt, opaque = mint(jwtguardtest.Claims{Subject: "okta|admin", Scope: demo.ScopeRead + " " + demo.ScopeDelete})
		if a, b := Call(t, h, "DELETE", "/api/contacts/3", Bearer(opaque)), Call(t, h, "DELETE", "/api/contacts/2", Bearer(jwt)); a.Status != 204 || b.Status != 204 {
			t.Errorf("delete: opaque %d %s, JWT %d %s", a.Status, a.Body, b.Status, b.Body)
		}
		_, revoked := mint(jwtguardtest.Claims{Subject: "okta|reader", Scope: demo.ScopeRead})
		x.Revoke(revoked)
		inactive(t, h, revoked)

		a := Call(t, plain, "GET", "/api/me", Bearer(opaque))
		if a.Status != 401 || a.Problem["reason"] != string(middleware.ReasonOpaque) {
			t.Errorf("without introspection: %d %s", a.Status, a.Body)
		}

		x.SetDown(true)
		_, fresh := mint(jwtguardtest.Claims{Subject: "okta|reader", Scope: demo.ScopeRead})
		a = Call(t, h, "GET", "/api/contacts", Bearer(fresh))
		if a.Status != 503 || a.Header.Get("Retry-After") != "5" || a.Header.Get("WWW-Authenticate") != "" ||
			a.Problem["reason"] != string(middleware.ReasonIntrospectionUnavailable) {
			t.Errorf("endpoint down: %d %v %s", a.Status, a.Header, a.Body)
		}
		if a := Call(t, h, "GET", "/api/contacts", Bearer(jwt)); a.Status != 200 {
			t.Errorf("a JWT while the endpoint is down: %d %s", a.Status, a.Body)
		}
		if a := Call(t, h, "GET", "/readyz"); a.Status != 200 {
			t.Errorf("/readyz while the endpoint is down: %d", a.Status)
		}
		x.SetDown(false)
		if a := Call(t, h, "GET", "/api/contacts", Bearer(fresh)); a.Status != 200 {
			t.Errorf("endpoint back: %d %s", a.Status, a.Body)
		}
	})
}

// sameAnswers checks that every route answers the opaque token exactly as
// the JWT: status, body and challenge.
func sameAnswers(t *testing.T, h http.Handler, opaque, jwt string) {
	t.Helper()
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/contacts"}, {"GET", "/api/me"}, {"GET", "/api/public"}, {"DELETE", "/api/contacts/1"},
	} {
		a, b := Call(t, h, r.method, r.path, Bearer(opaque)), Call(t, h, r.method, r.path, Bearer(jwt))
		if a.Status != b.Status || string(a.Body) != string(b.Body) ||
			a.Header.Get("WWW-Authenticate") != b.Header.Get("WWW-Authenticate") {
			t.Errorf("%s %s: opaque %d %s %q; JWT %d %s %q", r.method, r.path, a.Status, a.Body, a.Header.Get("WWW-Authenticate"),
				b.Status, b.Body, b.Header.Get("WWW-Authenticate"))
		}
	}
	if a := Call(t, h, "GET", "/api/contacts", Bearer(opaque)); a.Status != 200 {
		t.Errorf("opaque token lists: %d %s", a.Status, a.Body)
	}
}

// inactive checks the answer to an opaque token that is not active.
func inactive(t *testing.T, h http.Handler, tok string) {
	t.Helper()
	a := Call(t, h, "GET", "/api/contacts", Bearer(tok))
	if a.Status != 401 || a.Problem["reason"] != string(middleware.ReasonInactive) || a.Problem["error"] != "invalid_token" ||
		!strings.Contains(a.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("inactive token: %d %v %s", a.Status, a.Header, a.Body)
	}
}
