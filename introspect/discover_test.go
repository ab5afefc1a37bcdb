package introspect

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TestDiscoverIssuerKit: the test kit's Issuer advertises its
// introspection endpoint in OIDC discovery; a Client without Endpoint
// finds it and validates the Issuer's opaque tokens.
func TestDiscoverIssuerKit(t *testing.T) {
	t.Parallel()
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	ep, err := DiscoverEndpoint(ctxT(t), iss.URL())
	if err != nil || ep != iss.IntrospectionURL() {
		t.Fatalf("DiscoverEndpoint = %q, %v; want %q", ep, err, iss.IntrospectionURL())
	}
	tok, err := iss.Introspector().OpaqueToken(jwtguardtest.Claims{Subject: "alice", Audience: []string{api}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, Config{
		Issuer: iss.URL(), Audiences: []string{api},
		ClientID: jwtguardtest.DefaultIntrospectionClientID, ClientSecret: jwtguardtest.DefaultIntrospectionClientSecret,
	})
	res, err := c.Introspect(ctxT(t), tok)
	if err != nil || res.Subject != "alice" || res.Issuer != iss.URL() {
		t.Fatalf("%+v, %v", res, err)
	}
	if n := iss.DiscoveryFetches(); n != 2 { // DiscoverEndpoint, then the Client's: once
		t.Fatalf("%d discovery fetches, want 2", n)
	}
	for range 3 {
		c.Purge()
		if _, err := c.Introspect(ctxT(t), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := iss.DiscoveryFetches(); n != 2 {
		t.Fatalf("%d discovery fetches: the endpoint must be discovered once", n)
	}
}

// metadataServer serves the documents of docs by path and counts fetches.
func metadataServer(t *testing.T, docs func(base string) map[string]any) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		doc, ok := docs(srv.URL)[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if s, ok := doc.(string); ok { // raw
			w.Write([]byte(s))
			return
		}
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestDiscoverEndpoint: the rules of discovery: OIDC first, then RFC 8414
// with the issuer's path, issuer identical, endpoint https or loopback.
func TestDiscoverEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		path    string // the issuer's path, "/" or "/realms/r"
		docs    func(base, issuer string) map[string]any
		want    string // the endpoint, relative to base; "" when an error is wanted
		wantErr string
	}{
		{"oidc", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": map[string]any{"issuer": iss, "introspection_endpoint": base + "/i"}}
		}, "/i", ""},
		{"rfc 8414 with path", "/realms/r", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/oauth-authorization-server/realms/r": map[string]any{"issuer": iss, "introspection_endpoint": base + "/realms/r/i"}}
		}, "/realms/r/i", ""},
		{"oidc with path", "/realms/r", func(base, iss string) map[string]any {
			return map[string]any{"/realms/r/.well-known/openid-configuration": map[string]any{"issuer": iss, "introspection_endpoint": base + "/x"}}
		}, "/x", ""},
		{"oidc without endpoint, rfc 8414 with", "/", func(base, iss string) map[string]any {
			return map[string]any{
				"/.well-known/openid-configuration":       map[string]any{"issuer": iss},
				"/.well-known/oauth-authorization-server": map[string]any{"issuer": iss, "introspection_endpoint": base + "/i2"},
			}
		}, "/i2", ""},
		{"issuer without trailing slash", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": map[string]any{"issuer": strings.TrimSuffix(iss, "/"), "introspection_endpoint": base + "/i"}}
		}, "", "names issuer"},
		{"another issuer", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": map[string]any{"issuer": "https://evil.example.com/", "introspection_endpoint": base + "/i"}}
		}, "", "names issuer"},
		{"no issuer", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": map[string]any{"introspection_endpoint": base + "/i"}}
		}, "", "names issuer"},
		{"http endpoint elsewhere", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": map[string]any{"issuer": iss, "introspection_endpoint": "http://idp.example.com/i"}}
		}, "", "plain http"},
		{"endpoint not a string", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": map[string]any{"issuer": iss, "introspection_endpoint": 1}}
		}, "", "not a string"},
		{"repeated issuer", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": `{"issuer":"https://evil.example.com/","issuer":"` + iss + `","introspection_endpoint":"` + base + `/i"}`}
		}, "", "repeated"},
		{"not json", "/", func(base, iss string) map[string]any {
			return map[string]any{"/.well-known/openid-configuration": `<html>`}
		}, "", "not a metadata document"},
		{"nothing", "/", func(base, iss string) map[string]any { return nil }, "", "HTTP 404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var issuer string
			srv, _ := metadataServer(t, func(base string) map[string]any { return tc.docs(base, issuer) })
			issuer = srv.URL + tc.path
			ep, err := DiscoverEndpoint(ctxT(t), issuer)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %q, %v; want an error mentioning %q", ep, err, tc.wantErr)
				}
				return
			}
			if err != nil || ep != srv.URL+tc.want {
				t.Fatalf("got %q, %v; want %q", ep, err, srv.URL+tc.want)
			}
		})
	}
}

// TestDiscoverRedirects: a discovery fetch follows a few redirects, never
// from https to plain http (loopback included) and never more than 3.
func TestDiscoverRedirects(t *testing.T) {
	t.Parallel()
	var plain *httptest.Server
	plain = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": "x", "introspection_endpoint": plain.URL + "/i"})
	}))
	t.Cleanup(plain.Close)
	var tls *httptest.Server
	tls = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/.well-known/"):
			http.Redirect(w, r, "/hop1", http.StatusFound)
		case r.URL.Path == "/hop1":
			http.Redirect(w, r, "/doc", http.StatusFound)
		case r.URL.Path == "/doc":
			json.NewEncoder(w).Encode(map[string]any{"issuer": tls.URL + "/", "introspection_endpoint": tls.URL + "/i"})
		}
	}))
	t.Cleanup(tls.Close)
	ep, err := DiscoverEndpoint(ctxT(t), tls.URL+"/", WithHTTPClient(tls.Client()))
	if err != nil || ep != tls.URL+"/i" {
		t.Fatalf("two redirects within https: %q, %v", ep, err)
	}

	down := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(down.Close)
	_, err = DiscoverEndpoint(ctxT(t), down.URL+"/", WithHTTPClient(down.Client()))
	if !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("a redirect from https to http://127.0.0.1: %v, want ErrInsecureURL", err)
	}

	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	}))
	t.Cleanup(loop.Close)
	_, err = DiscoverEndpoint(ctxT(t), loop.URL+"/")
	if err == nil || !strings.Contains(err.Error(), "more than 3 redirects") {
		t.Fatalf("a redirect loop: %v", err)
	}
}

// TestLazyDiscoveryFailure: a Client whose endpoint cannot be discovered
// answers KindDiscovery (503), tries again only after 10 s, then recovers.
func TestLazyDiscoveryFailure(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	var broken atomic.Bool
	broken.Store(true)
	var hits atomic.Int64
	var meta *httptest.Server
	meta = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if broken.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"issuer": meta.URL + "/", "introspection_endpoint": x.Endpoint()})
	}))
	t.Cleanup(meta.Close)
	tok := mint(t, x, jwtguardtest.Claims{Issuer: meta.URL + "/"})
	clock := newFakeClock()
	cfg := kitConfig(x)
	cfg.Issuer, cfg.Endpoint = meta.URL+"/", ""
	c := newClient(t, cfg, WithClock(clock.now))

	_, err := c.Introspect(ctxT(t), tok)
	if k := kindOfErr(t, err, tok); k != KindDiscovery || hits.Load() != 2 {
		t.Fatalf("%v after %d fetches; want discovery_failed after 2 (both documents)", err, hits.Load())
	}
	broken.Store(false)
	clock.advance(9 * time.Second)
	_, err = c.Introspect(ctxT(t), tok)
	if k := kindOfErr(t, err, tok); k != KindDiscovery || hits.Load() != 2 {
		t.Fatalf("within 10 s: %v after %d fetches; want the last error, no fetch", err, hits.Load())
	}
	clock.advance(time.Second)
	if _, err = c.Introspect(ctxT(t), tok); err != nil || hits.Load() != 3 {
		t.Fatalf("after 10 s: %v after %d fetches", err, hits.Load())
	}
	if x.Requests() != 1 {
		t.Fatalf("%d introspection requests", x.Requests())
	}
}
