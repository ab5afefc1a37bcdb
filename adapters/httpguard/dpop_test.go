package httpguard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// dpopOffer is the DPoP challenge a default Validator adds beside Bearer
// (RFC 9449 section 7.1) under realm "contacts".
const dpopOffer = `, DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`

// doDPoP sends a request with the DPoP scheme and the given proofs.
func (f *fixture) doDPoP(t *testing.T, method, path, token string, proofs ...string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, nil)
	req.Header.Set("Authorization", "DPoP "+token)
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), body: string(b), header: resp.Header}
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		json.Unmarshal(b, &a.problem)
	}
	return a
}

func proof(t *testing.T, k *jwtguardtest.DPoPKey, p jwtguardtest.Proof) string {
	t.Helper()
	s, err := k.Proof(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDPoP(t *testing.T) {
	f := setup(t, httpguard.WithRealm("contacts"))
	k, err := jwtguardtest.NewDPoPKey("")
	if err != nil {
		t.Fatal(err)
	}
	bound := f.mint(t, jwtguardtest.Claims{Scope: "read:contacts", DPoPKey: k})
	url := f.srv.URL + "/api/contacts"

	p := proof(t, k, jwtguardtest.Proof{Method: "GET", URL: url, AccessToken: bound})
	if a := f.doDPoP(t, "GET", "/api/contacts", bound, p); a.status != 200 || !strings.Contains(a.body, `"authed":true`) {
		t.Fatalf("valid DPoP request: %d %s", a.status, a.body)
	}
	const proofErr = `Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA", error="invalid_dpop_proof", error_description=`
	cases := []struct {
		name      string
		do        func() answer
		status    int
		challenge string
		reason    middleware.Reason
	}{
		{"replayed proof", func() answer { return f.doDPoP(t, "GET", "/api/contacts", bound, p) }, 401,
			proofErr + `"the DPoP proof was already used (jti replay)"`, middleware.ReasonDPoPReplay},
		{"proof for another URI", func() answer {
			return f.doDPoP(t, "GET", "/api/contacts", bound, proof(t, k, jwtguardtest.Proof{Method: "GET", URL: f.srv.URL + "/api/me", AccessToken: bound}))
		}, 401, proofErr + `"the DPoP proof htu does not match the request URI"`, middleware.ReasonDPoPProof},
		{"proof for another method", func() answer {
			return f.doDPoP(t, "GET", "/api/contacts", bound, proof(t, k, jwtguardtest.Proof{Method: "POST", URL: url, AccessToken: bound}))
		}, 401, proofErr + `"the DPoP proof htm does not match the request method"`, middleware.ReasonDPoPProof},
		{"no proof", func() answer { return f.doDPoP(t, "GET", "/api/contacts", bound) }, 401,
			proofErr + `"the request must carry exactly one DPoP proof header"`, middleware.ReasonDPoPProof},
		{"downgrade to Bearer", func() answer { return f.do(t, "GET", "/api/contacts", "Bearer "+bound) }, 401,
			`Bearer realm="contacts", error="invalid_token", error_description="a DPoP-bound access token was sent with the Bearer scheme (RFC 9449 section 7.2)"` + dpopOffer,
			middleware.ReasonDPoPDowngrade},
		{"scope error on the DPoP challenge", func() answer {
			return f.doDPoP(t, "DELETE", "/api/contacts/1", bound, proof(t, k, jwtguardtest.Proof{Method: "DELETE", URL: f.srv.URL + "/api/contacts/1", AccessToken: bound}))
		}, 403, `Bearer realm="contacts"` + dpopOffer + `, error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"`,
			middleware.ReasonInsufficientScope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.do()
			if a.status != tc.status || a.challenge != tc.challenge || a.problem.Reason != tc.reason {
				t.Fatalf("got %d %q %s\nwant %d %q %s", a.status, a.challenge, a.problem.Reason, tc.status, tc.challenge, tc.reason)
			}
		})
	}
}

func TestDPoPNonceFlow(t *testing.T) {
	f := setupWith(t, []middleware.Option{middleware.WithDPoPNonce([]byte("0123456789abcdef0123456789abcdef"), time.Minute)})
	k, _ := jwtguardtest.NewDPoPKey(jwks.EdDSA)
	bound := f.mint(t, jwtguardtest.Claims{DPoPKey: k})
	url := f.srv.URL + "/api/me"
	a := f.doDPoP(t, "GET", "/api/me", bound, proof(t, k, jwtguardtest.Proof{Method: "GET", URL: url, AccessToken: bound}))
	nonce := a.header.Get("DPoP-Nonce")
	if a.status != 401 || nonce == "" || !strings.Contains(a.challenge, `DPoP realm="contacts", algs=`) ||
		!strings.Contains(a.challenge, `error="use_dpop_nonce"`) || a.problem.Error != "use_dpop_nonce" {
		t.Fatalf("first call: %d nonce %q %q", a.status, nonce, a.challenge)
	}
	a = f.doDPoP(t, "GET", "/api/me", bound, proof(t, k, jwtguardtest.Proof{Method: "GET", URL: url, AccessToken: bound, Nonce: nonce}))
	if a.status != 200 || a.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("with the nonce: %d %s, DPoP-Nonce %q", a.status, a.body, a.header.Get("DPoP-Nonce"))
	}
}

func TestDPoPBehindProxy(t *testing.T) {
	f := setup(t, httpguard.WithExternalURL("https://api.example.com"))
	k, _ := jwtguardtest.NewDPoPKey("")
	bound := f.mint(t, jwtguardtest.Claims{DPoPKey: k})
	ok := f.doDPoP(t, "GET", "/api/me", bound, proof(t, k, jwtguardtest.Proof{Method: "GET", URL: "https://api.example.com/api/me", AccessToken: bound}))
	internal := f.doDPoP(t, "GET", "/api/me", bound, proof(t, k, jwtguardtest.Proof{Method: "GET", URL: f.srv.URL + "/api/me", AccessToken: bound}))
	if ok.status != 200 || internal.status != 401 || internal.problem.Reason != middleware.ReasonDPoPProof {
		t.Fatalf("external URL: %d; internal URL: %d %s", ok.status, internal.status, internal.problem.Reason)
	}
}

func TestResourceMetadata(t *testing.T) {
	f := setupWith(t, []middleware.Option{middleware.WithResourceMetadataURL("https://api.example.com" + middleware.ResourceMetadataPath)})
	mux := httpguard.NewMux(f.v)
	mux.HandleFunc("GET /a", scopecheck.All("read:contacts"), echo)
	mux.HandleResourceMetadata()
	mux.HandleFunc("DELETE /a", scopecheck.Or(scopecheck.All("delete:contacts"), scopecheck.Any("admin")), echo)
	rec := serve(mux, "GET", middleware.ResourceMetadataPath, "")
	var md middleware.ResourceMetadata
	if err := json.Unmarshal(rec.Body.Bytes(), &md); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if md.Resource != audience || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != f.iss.URL() ||
		strings.Join(md.ScopesSupported, " ") != "read:contacts delete:contacts admin" ||
		md.BearerMethodsSupported[0] != "header" || len(md.DPoPSigningAlgValuesSupported) != 10 {
		t.Fatalf("metadata %+v", md)
	}
	rec = serve(mux, "GET", "/a", "")
	want := `Bearer resource_metadata="https://api.example.com/.well-known/oauth-protected-resource", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`
	if got := rec.Header().Get("WWW-Authenticate"); rec.Code != 401 || got != want {
		t.Fatalf("challenge %q\nwant %q", got, want)
	}
	h := httpguard.ResourceMetadataHandler(f.v, "x")
	rec = serve(h, "GET", "/", "")
	if !strings.Contains(rec.Body.String(), `"scopes_supported":["x"]`) {
		t.Fatalf("handler: %s", rec.Body)
	}
}

// serve runs one request through h in process.
func serve(h http.Handler, method, path, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestExternalURLIsChecked(t *testing.T) {
	f := setup(t)
	for _, base := range []string{"api.example.com", "ftp://api.example.com", "https://api.example.com/?q=1", "https://u@api.example.com", "https://"} {
		func() {
			defer func() {
				if e, ok := recover().(error); !ok || !strings.HasPrefix(e.Error(), "httpguard: dpop: external URL") {
					t.Errorf("Protect with %q: recovered %v", base, e)
				}
			}()
			httpguard.Protect(f.v, http.NotFoundHandler(), httpguard.WithExternalURL(base))
		}()
	}
	httpguard.Protect(f.v, http.NotFoundHandler(), httpguard.WithExternalURL("https://api.example.com/base"))
}
