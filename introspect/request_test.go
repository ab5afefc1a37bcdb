package introspect

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// A secret that breaks naive Basic encodings: ':' splits it, '+' and '%'
// are mangled by a decoder when not form-urlencoded, and non-ASCII text.
const (
	trickyID     = "api:v2+ü"
	trickySecret = "s3:cr%et+ /é€"
)

// TestRequest: the request is RFC 7662 section 2.1: a form-urlencoded POST
// of token and token_type_hint, Accept: application/json, client_id and
// secret form-urlencoded before base64 (RFC 6749 section 2.3.1), or in the
// body with client_secret_post, or absent with NoClientAuth.
func TestRequest(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, ctype, accept, authz string
		form                         url.Values
	}
	var mu sync.Mutex
	var got seen
	srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		got = seen{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("Authorization"), form}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"active":false}`)
	})
	const tok = "2YotnFZFEjr1zCsicMWpAA+/=="
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("api%3Av2%2B%C3%BC:s3%3Acr%25et%2B+%2F%C3%A9%E2%82%AC"))
	for _, tc := range []struct {
		method    AuthMethod
		id, sec   string
		wantAuthz string
		wantForm  url.Values
	}{
		{"", trickyID, trickySecret, basic, url.Values{"token": {tok}, "token_type_hint": {"access_token"}}},
		{ClientSecretBasic, "api", "secret", "Basic " + base64.StdEncoding.EncodeToString([]byte("api:secret")),
			url.Values{"token": {tok}, "token_type_hint": {"access_token"}}},
		{ClientSecretPost, trickyID, trickySecret, "",
			url.Values{"token": {tok}, "token_type_hint": {"access_token"}, "client_id": {trickyID}, "client_secret": {trickySecret}}},
		{NoClientAuth, "", "", "", url.Values{"token": {tok}, "token_type_hint": {"access_token"}}},
	} {
		cfg := rawConfig(srv)
		cfg.AuthMethod, cfg.ClientID, cfg.ClientSecret = tc.method, tc.id, tc.sec
		_, err := newClient(t, cfg).Introspect(ctxT(t), tok)
		if k := kindOfErr(t, err, tok); k != KindInactive {
			t.Fatalf("%q: %v", tc.method, err)
		}
		mu.Lock()
		g := got
		mu.Unlock()
		if g.method != http.MethodPost || g.ctype != "application/x-www-form-urlencoded" || g.accept != "application/json" {
			t.Errorf("%q: request %+v", tc.method, g)
		}
		if g.authz != tc.wantAuthz {
			t.Errorf("%q: Authorization %q, want %q", tc.method, g.authz, tc.wantAuthz)
		}
		if g.form.Encode() != tc.wantForm.Encode() {
			t.Errorf("%q: form %v, want %v", tc.method, g.form, tc.wantForm)
		}
	}
}

// TestClientAuthAgainstKit: the kit decodes credentials as an
// authorization server must; both methods authenticate with the tricky
// secret, and a wrong secret is a 401 from the endpoint: our
// misconfiguration, never the token's fault.
func TestClientAuthAgainstKit(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	x.SetClientCredentials(trickyID, trickySecret)
	tok := mint(t, x, jwtguardtest.Claims{Subject: "alice"})
	for _, m := range []AuthMethod{ClientSecretBasic, ClientSecretPost} {
		cfg := kitConfig(x)
		cfg.AuthMethod, cfg.ClientID, cfg.ClientSecret = m, trickyID, trickySecret
		res, err := newClient(t, cfg).Introspect(ctxT(t), tok)
		if err != nil || res.Subject != "alice" {
			t.Fatalf("%s: %v", m, err)
		}
		cfg.ClientSecret = trickySecret + "x"
		_, err = newClient(t, cfg).Introspect(ctxT(t), tok)
		var e *Error
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &e) || e.Kind != KindUnavailable || e.StatusCode != 401 {
			t.Fatalf("%s with a wrong secret: %v", m, err)
		}
		if !strings.Contains(e.Description, "client credentials") || strings.Contains(e.Error(), trickySecret) {
			t.Fatalf("description %q", e.Description)
		}
	}
	// A naive Basic header (raw id:secret, no form-urlencoding) is refused
	// by the kit: the encoding matters.
	req, _ := http.NewRequest(http.MethodPost, x.Endpoint(), strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(trickyID, trickySecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("naive Basic encoding: HTTP %d, want 401", resp.StatusCode)
	}
}

// TestResponseHandling: statuses, Content-Type, sizes and redirects of the
// endpoint's answer.
func TestResponseHandling(t *testing.T) {
	t.Parallel()
	active := `{"active":true,"aud":"https://api.example.com","exp":4102444800}`
	for _, tc := range []struct {
		name       string
		h          http.HandlerFunc
		want       Kind
		wantStatus int
	}{
		{"json", answer(200, "application/json", active), "", 0},
		{"json charset", answer(200, "application/json; charset=UTF-8", active), "", 0},
		{"+json", answer(200, "application/token-introspection+json", active), "", 0},
		{"no content type", answer(200, "", active), "", 0},
		{"text/html", answer(200, "text/html", active), KindBadResponse, 0},
		{"jwt answer", answer(200, "application/token-introspection+jwt", "eyJ.eyJ.sig"), KindBadResponse, 0},
		{"201", answer(201, "application/json", active), KindUnavailable, 201},
		{"204", answer(204, "", ""), KindUnavailable, 204},
		{"400", answer(400, "application/json", `{"error":"invalid_request"}`), KindUnavailable, 400},
		{"401", answer(401, "application/json", `{"error":"invalid_client"}`), KindUnavailable, 401},
		{"403", answer(403, "", ""), KindUnavailable, 403},
		{"404", answer(404, "", ""), KindUnavailable, 404},
		{"429", answer(429, "", ""), KindUnavailable, 429},
		{"500", answer(500, "application/json", active), KindUnavailable, 500},
		{"502", answer(502, "", ""), KindUnavailable, 502},
		{"503", answer(503, "", ""), KindUnavailable, 503},
		{"redirect 307", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}, KindUnavailable, 0},
		{"redirect 302", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, KindUnavailable, 0},
		{"exactly max size", answer(200, "application/json", padded(active, MaxResponseBytes)), "", 0},
		{"one byte over", answer(200, "application/json", padded(active, MaxResponseBytes+1)), KindBadResponse, 0},
		{"over, chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			body := padded(active, MaxResponseBytes+100)
			for i := 0; i < len(body); i += 1000 {
				io.WriteString(w, body[i:min(i+1000, len(body))])
				w.(http.Flusher).Flush()
			}
		}, KindBadResponse, 0},
		{"body cut short", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, `{"active":true`)
		}, KindUnavailable, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRawServer(t, tc.h)
			c := newClient(t, rawConfig(srv))
			_, err := c.Introspect(ctxT(t), "tok")
			if k := kindOfErr(t, err, "tok"); k != tc.want {
				t.Fatalf("kind %q (%v), want %q", k, err, tc.want)
			}
			var e *Error
			if errors.As(err, &e) && e.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", e.StatusCode, tc.wantStatus)
			}
			if n := srv.count(); n != 1 {
				t.Fatalf("%d requests: redirects must not be followed", n)
			}
		})
	}
}

func answer(status int, ctype, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		} else {
			w.Header()["Content-Type"] = nil // no sniffing
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// padded returns the JSON object obj padded with a custom member to n
// bytes.
func padded(obj string, n int) string {
	head := obj[:len(obj)-1] + `,"pad":"`
	return head + strings.Repeat("p", n-len(head)-2) + `"}`
}

// TestTimeout: a slow endpoint costs at most the timeout, then
// ErrUnavailable; the caller's own deadline is honoured as well.
func TestTimeout(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	x.SetSlow(5 * time.Second)
	tok := mint(t, x, jwtguardtest.Claims{})
	c := newClient(t, kitConfig(x), WithTimeout(200*time.Millisecond))
	start := time.Now()
	_, err := c.Introspect(ctxT(t), tok)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v with a 200 ms timeout", d)
	}
	if k := kindOfErr(t, err, tok); k != KindUnavailable {
		t.Fatalf("%v", err)
	}
}
