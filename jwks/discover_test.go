package jwks

import (
	"context"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDiscoveryURLs(t *testing.T) {
	tests := []struct {
		issuer string
		want   []string
	}{
		{"https://tenant.eu.auth0.com/", []string{
			"https://tenant.eu.auth0.com/.well-known/openid-configuration",
			"https://tenant.eu.auth0.com/.well-known/oauth-authorization-server"}},
		{"https://idp.example.com", []string{
			"https://idp.example.com/.well-known/openid-configuration",
			"https://idp.example.com/.well-known/oauth-authorization-server"}},
		// RFC 8414 section 3.1: the well-known segment goes between the host
		// and the issuer's path.
		{"https://idp.example.com/realms/acme", []string{
			"https://idp.example.com/realms/acme/.well-known/openid-configuration",
			"https://idp.example.com/.well-known/oauth-authorization-server/realms/acme"}},
		{"https://idp.example.com:8443/tenant1/", []string{
			"https://idp.example.com:8443/tenant1/.well-known/openid-configuration",
			"https://idp.example.com:8443/.well-known/oauth-authorization-server/tenant1"}},
	}
	for _, tt := range tests {
		got := DiscoveryURLs(tt.issuer)
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("DiscoveryURLs(%q) =\n %q\nwant\n %q", tt.issuer, got, tt.want)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	const iss = "https://idp.example.com/"
	tests := []struct {
		name    string
		doc     string
		want    string
		wantErr error  // sentinel, when there is one
		errFrag string // else a fragment of the message
	}{
		{"ok", `{"issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/keys"}`, "https://idp.example.com/keys", nil, ""},
		{"loopback http jwks_uri of an https issuer", `{"issuer":"https://idp.example.com/","jwks_uri":"http://127.0.0.1:9/keys"}`, "", ErrInsecureURL, ""},
		{"issuer without trailing slash", `{"issuer":"https://idp.example.com","jwks_uri":"https://idp.example.com/keys"}`, "", ErrIssuerMismatch, ""},
		{"issuer of another case", `{"issuer":"https://IDP.example.com/","jwks_uri":"https://idp.example.com/keys"}`, "", ErrIssuerMismatch, ""},
		{"issuer missing", `{"jwks_uri":"https://idp.example.com/keys"}`, "", ErrIssuerMismatch, ""},
		{"issuer empty", `{"issuer":"","jwks_uri":"https://idp.example.com/keys"}`, "", ErrIssuerMismatch, ""},
		{"Issuer is not issuer", `{"Issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/keys"}`, "", ErrIssuerMismatch, ""},
		{"issuer repeated", `{"issuer":"https://evil.example/","issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/keys"}`, "", nil, "repeated"},
		{"issuer not a string", `{"issuer":["https://idp.example.com/"],"jwks_uri":"https://idp.example.com/keys"}`, "", nil, "not a string"},
		{"plain http jwks_uri", `{"issuer":"https://idp.example.com/","jwks_uri":"http://idp.example.com/keys"}`, "", ErrInsecureURL, ""},
		{"relative jwks_uri", `{"issuer":"https://idp.example.com/","jwks_uri":"/keys"}`, "", nil, "not absolute"},
		{"no jwks_uri", `{"issuer":"https://idp.example.com/"}`, "", nil, "no jwks_uri"},
		{"jwks_uri null", `{"issuer":"https://idp.example.com/","jwks_uri":null}`, "", nil, "not a string"},
		{"not JSON", `<html>`, "", nil, "not a metadata document"},
		{"trailing garbage", `{"issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/keys"}<html>`, "", nil, "data after the JSON object"},
		{"array", `[]`, "", nil, "not a metadata document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMetadata("https://idp.example.com/.well-known/openid-configuration", []byte(tt.doc), iss, false)
			switch {
			case tt.want != "":
				if err != nil || got != tt.want {
					t.Fatalf("parseMetadata = %q, %v; want %q", got, err, tt.want)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) || got != "" {
					t.Fatalf("parseMetadata = %q, %v; want %v", got, err, tt.wantErr)
				}
			default:
				if err == nil || !strings.Contains(err.Error(), tt.errFrag) || got != "" {
					t.Fatalf("parseMetadata = %q, %v; want an error containing %q", got, err, tt.errFrag)
				}
			}
		})
	}
}

// TestParseMetadataNeverLeavesHTTPS: an https issuer's jwks_uri must be
// https, whatever its host and even with InsecureAllowHTTP; a plain http
// issuer keeps the rules of checkURL.
func TestParseMetadataNeverLeavesHTTPS(t *testing.T) {
	tests := []struct {
		name, issuer, jwksURI string
		insecure              bool
		ok                    bool
	}{
		{"https issuer, https jwks_uri", "https://idp.example.com", "https://keys.example.com/jwks", false, true},
		{"https issuer, http loopback jwks_uri", "https://idp.example.com", "http://127.0.0.1:8080/jwks", false, false},
		{"https issuer, http localhost jwks_uri", "https://idp.example.com", "http://localhost/jwks", false, false},
		{"https issuer, http [::1] jwks_uri", "https://idp.example.com", "http://[::1]/jwks", false, false},
		{"https issuer, http jwks_uri, InsecureAllowHTTP", "https://idp.example.com", "http://keys.example.com/jwks", true, false},
		{"HTTPS issuer, http loopback jwks_uri", "HTTPS://idp.example.com", "http://127.0.0.1/jwks", false, false},
		{"https loopback issuer, http loopback jwks_uri", "https://127.0.0.1:8443", "http://127.0.0.1:8080/jwks", false, false},
		{"http loopback issuer, http loopback jwks_uri", "http://127.0.0.1:8080", "http://127.0.0.1:8080/jwks", false, true},
		{"http issuer, http jwks_uri, InsecureAllowHTTP", "http://idp.internal", "http://keys.internal/jwks", true, true},
		{"http issuer, http jwks_uri off loopback", "http://127.0.0.1", "http://keys.example.com/jwks", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := json.Marshal(map[string]string{"issuer": tt.issuer, "jwks_uri": tt.jwksURI})
			docURL := DiscoveryURLs(tt.issuer)[0]
			got, err := parseMetadata(docURL, doc, tt.issuer, tt.insecure)
			if tt.ok {
				if err != nil || got != tt.jwksURI {
					t.Fatalf("parseMetadata = %q, %v; want %q", got, err, tt.jwksURI)
				}
				return
			}
			if got != "" || !errors.Is(err, ErrInsecureURL) {
				t.Fatalf("parseMetadata = %q, %v; want ErrInsecureURL", got, err)
			}
		})
	}
}

func TestDiscoverConfigErrors(t *testing.T) {
	tests := []struct {
		issuer string
		opts   []Option
		frag   string
	}{
		{"http://idp.example.com/", nil, "plain http"},
		{"idp.example.com", nil, "not absolute"},
		{"https://idp.example.com/?tenant=1", nil, "query or fragment"},
		{"https://idp.example.com/#x", nil, "query or fragment"},
		{"https://idp.example.com/", []Option{WithFallbackJWKS("http://idp.example.com/jwks")}, "fallback"},
		{"https://idp.example.com/", []Option{WithMaxWait(0)}, "max wait"},
	}
	for _, tt := range tests {
		r, err := Discover(tt.issuer, tt.opts...)
		if err == nil || !strings.Contains(err.Error(), tt.frag) {
			if r != nil {
				r.Close()
			}
			t.Errorf("Discover(%q) error %v, want one containing %q", tt.issuer, err, tt.frag)
		}
	}
}

// discoveryDoc serves a metadata document.
func discoveryDoc(issuer, jwksURI string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": jwksURI})
	}
}

func newTestDiscover(t testing.TB, issuer string, opts ...Option) *Remote {
	t.Helper()
	r, err := Discover(issuer, opts...)
	if err != nil {
		t.Fatalf("Discover(%q): %v", issuer, err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestDiscover(t *testing.T) {
	t.Parallel()
	key := jwkOf(t, newEC(t, elliptic.P256()), "k1")
	const oidc, rfc8414 = "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"

	t.Run("OIDC document", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		p.route(oidc, discoveryDoc(iss, p.url()))
		r := newTestDiscover(t, iss)
		prime(t, r, 5*time.Second)
		if _, ok := r.Keys().Lookup("k1"); !ok || p.count(rfc8414) != 0 || r.Name() != iss {
			t.Fatalf("keys %v, RFC 8414 hits %d, name %q", r.Keys().KIDs(), p.count(rfc8414), r.Name())
		}
	})

	t.Run("RFC 8414 when the OIDC document is missing, issuer with a path", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/tenant"
		p.route(rfc8414+"/tenant", discoveryDoc(iss, p.url()))
		r := newTestDiscover(t, iss)
		prime(t, r, 5*time.Second)
		if p.count("/tenant"+oidc) != 1 {
			t.Fatalf("OIDC document fetched %d times, want 1 (tried first)", p.count("/tenant"+oidc))
		}
		if _, ok := r.Keys().Lookup("k1"); !ok {
			t.Fatal("keys not loaded through RFC 8414 metadata")
		}
	})

	t.Run("issuer mismatch refused", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		p.route(oidc, discoveryDoc(p.srv.URL, p.url())) // no trailing slash
		p.route(rfc8414, discoveryDoc("https://evil.example/", p.url()))
		r := newTestDiscover(t, iss)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		err := r.Prime(ctx)
		wantErrIs(t, err, ErrUnavailable)
		wantErrIs(t, err, ErrIssuerMismatch)
		if r.Keys() != nil || p.hits.Load() != 0 {
			t.Fatalf("keys %v, JWKS fetched %d times; want none", r.Keys(), p.hits.Load())
		}
	})

	t.Run("plain http jwks_uri to another host refused", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		p.route(oidc, discoveryDoc(iss, "http://keys.example.com/jwks"))
		lc := newLoopbackClient(time.Second)
		r := newTestDiscover(t, iss, WithHTTPClient(lc.Client))
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		err := r.Prime(ctx)
		wantErrIs(t, err, ErrInsecureURL)
		if lc.offLoopback.Load() != 0 {
			t.Fatalf("%d requests attempted off loopback", lc.offLoopback.Load())
		}
	})

	t.Run("fallback JWKS when discovery fails", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		var buf syncBuffer
		r := newTestDiscover(t, iss, WithFallbackJWKS(p.url()), WithLogger(slogTo(&buf)))
		prime(t, r, 5*time.Second)
		if p.count(oidc) == 0 || p.count(rfc8414) == 0 {
			t.Fatal("discovery not tried before the fallback")
		}
		if _, ok := r.Keys().Lookup("k1"); !ok {
			t.Fatal("fallback keys not loaded")
		}
		if !strings.Contains(buf.String(), "using the fallback JWKS URL") {
			t.Fatalf("no warning about the fallback in the log:\n%s", buf.String())
		}
	})

	t.Run("no fallback, both documents missing", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		r := newTestDiscover(t, p.srv.URL+"/")
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		err := r.Prime(ctx)
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
			t.Fatalf("Prime error %v, want a 404 StatusError", err)
		}
	})

	t.Run("discovery retried after a failure", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		r := newTestDiscover(t, iss, WithRefreshInterval(time.Second))
		eventually(t, 5*time.Second, "discovery attempted", func() bool { return p.count(rfc8414) > 0 })
		p.route(oidc, discoveryDoc(iss, p.url()))
		prime(t, r, 5*time.Second)
	})
}
