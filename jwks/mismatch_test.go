package jwks

import (
	"crypto/elliptic"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// The issuer's own discovery document names another issuer (a trailing
// slash more or less): the source records it, logs it at error with the
// fix, and is not Ready even when the fallback JWKS loads keys; the
// condition is found at each discovery and clears when the document names
// the configured issuer.
func TestIssuerMismatch(t *testing.T) {
	t.Parallel()
	key := jwkOf(t, newEC(t, elliptic.P256()), "k1")
	const oidc, rfc8414 = "/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"
	tests := []struct {
		name      string
		configure func(base string) (configured, published string)
		fallback  bool
		wantMsg   string // with BASE for the IdP's URL
	}{
		{"Auth0 style: the configured issuer lacks the slash", func(base string) (string, string) { return base, base + "/" }, true,
			`jwks: the configured issuer "BASE" does not match "BASE/", the issuer its discovery document publishes ` +
				`(they differ only by a trailing slash, which counts); tokens carry the published issuer, so none will be accepted: ` +
				`configure the issuer exactly as "BASE/"`},
		{"Okta style: the configured issuer has a slash too many", func(base string) (string, string) { return base + "/oauth2/default/", base + "/oauth2/default" }, true,
			`jwks: the configured issuer "BASE/oauth2/default/" does not match "BASE/oauth2/default", the issuer its discovery document publishes ` +
				`(they differ only by a trailing slash, which counts); tokens carry the published issuer, so none will be accepted: ` +
				`configure the issuer exactly as "BASE/oauth2/default"`},
		{"another host, no fallback", func(base string) (string, string) { return base + "/", "https://login.example.com/" }, false,
			`jwks: the configured issuer "BASE/" does not match "https://login.example.com/", the issuer its discovery document publishes; ` +
				`tokens carry the published issuer, so none will be accepted: configure the issuer exactly as "https://login.example.com/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newIDP(t, key)
			configured, published := tt.configure(p.srv.URL)
			doc := discoveryDoc(published, p.url())
			path := strings.TrimSuffix(strings.TrimPrefix(configured, p.srv.URL), "/")
			p.route(path+oidc, doc)
			p.route(rfc8414+path, doc)
			logs := &capture{}
			opts := []Option{WithLogger(slog.New(logs)), WithRefreshInterval(time.Second)}
			if tt.fallback {
				opts = append(opts, WithFallbackJWKS(p.url()))
			}
			r := newTestDiscover(t, configured, opts...)
			eventually(t, 5*time.Second, "the mismatch found", func() bool { _, ok := r.IssuerMismatch(); return ok })
			if got, ok := r.IssuerMismatch(); got != published || !ok {
				t.Fatalf("IssuerMismatch = %q, %v; want %q", got, ok, published)
			}
			if tt.fallback {
				prime(t, r, 5*time.Second)
				if _, ok := r.Keys().Lookup("k1"); !ok {
					t.Fatal("the fallback keys were not loaded")
				}
			}
			if r.Ready() {
				t.Fatal("Ready with an issuer mismatch")
			}
			// Discovery runs again at every refresh: the error is logged
			// once, not at each fetch.
			eventually(t, 5*time.Second, "a second discovery", func() bool { return p.count(path+oidc) >= 2 })
			errs := logs.of(configured, slog.LevelError)
			want := strings.ReplaceAll(tt.wantMsg, "BASE", p.srv.URL)
			if len(errs) != 1 || errs[0].msg != want || errs[0].attrs["configured"] != configured || errs[0].attrs["published"] != published {
				t.Fatalf("error records %+v\nwant one: %s", errs, want)
			}
			for _, w := range logs.of(configured, slog.LevelWarn) {
				if strings.Contains(w.msg, "fallback") {
					t.Errorf("a mismatch is not reported as a plain discovery failure: %+v", w)
				}
			}

			// The issuer fixes its document (or the operator the
			// configuration): the condition clears.
			fixed := discoveryDoc(configured, p.url())
			p.route(path+oidc, fixed)
			p.route(rfc8414+path, fixed)
			eventually(t, 5*time.Second, "the mismatch cleared", func() bool { _, ok := r.IssuerMismatch(); return !ok })
			eventually(t, 5*time.Second, "Ready", r.Ready)
			if infos := logs.of(configured, slog.LevelInfo); !hasMsg(infos, "jwks: the discovery document now names the configured issuer") {
				t.Errorf("no record of the mismatch clearing: %+v", infos)
			}
		})
	}

	t.Run("no mismatch", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		p.route(oidc, discoveryDoc(iss, p.url()))
		r := newTestDiscover(t, iss)
		prime(t, r, 5*time.Second)
		if got, ok := r.IssuerMismatch(); ok || got != "" || !r.Ready() {
			t.Fatalf("IssuerMismatch = %q, %v; Ready %v", got, ok, r.Ready())
		}
		nr := newTestRemote(t, p.url())
		prime(t, nr, 5*time.Second)
		if _, ok := nr.IssuerMismatch(); ok || !nr.Ready() {
			t.Fatal("NewRemote source reports a mismatch")
		}
	})

	t.Run("documents missing is no mismatch", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		r := newTestDiscover(t, p.srv.URL+"/", WithFallbackJWKS(p.url()))
		prime(t, r, 5*time.Second)
		if _, ok := r.IssuerMismatch(); ok || !r.Ready() {
			t.Fatal("a missing discovery document counted as a mismatch")
		}
	})

	t.Run("one document matches", func(t *testing.T) {
		t.Parallel()
		p := newIDP(t, key)
		iss := p.srv.URL + "/"
		p.route(oidc, discoveryDoc(p.srv.URL, p.url()))
		p.route(rfc8414, discoveryDoc(iss, p.url()))
		r := newTestDiscover(t, iss)
		prime(t, r, 5*time.Second)
		if _, ok := r.IssuerMismatch(); ok || !r.Ready() {
			t.Fatal("mismatch reported although the RFC 8414 document names the issuer")
		}
	})
}

// An issuer mismatch reaches slog.Default at error without WithLogger,
// even right after a failure was logged there.
func TestDefaultLoggerIssuerMismatch(t *testing.T) {
	logs := captureDefault(t)
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	r := newTestDiscover(t, p.srv.URL)
	eventually(t, 5*time.Second, "the failure logged", func() bool { return len(logs.of(p.srv.URL, slog.LevelWarn)) == 1 })
	p.route("/.well-known/openid-configuration", discoveryDoc(p.srv.URL+"/", p.url()))
	eventually(t, 5*time.Second, "the mismatch logged", func() bool { return len(logs.of(p.srv.URL, slog.LevelError)) == 1 })
	errs := logs.of(p.srv.URL, slog.LevelError)
	if !strings.HasSuffix(errs[0].msg, `configure the issuer exactly as "`+p.srv.URL+`/"`) {
		t.Fatalf("error record %+v", errs[0])
	}
	if r.Ready() || r.Keys() != nil {
		t.Fatal("keys or Ready with an issuer mismatch and no fallback")
	}
}
