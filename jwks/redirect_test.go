package jwks

import (
	"crypto/elliptic"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is a plain http loopback server that counts every request
// and answers with h.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

// firstFetchErr waits for the source's first fetch and returns its error.
func firstFetchErr(t *testing.T, obs *recObserver) error {
	t.Helper()
	eventually(t, 5*time.Second, "a fetch", func() bool { return len(obs.events()) > 0 })
	return obs.events()[0].Err
}

// TestRedirectNeverLeavesHTTPS: a key or discovery fetch that started on
// https refuses a redirect to plain http, to loopback too and even with
// InsecureAllowHTTP; the plain http server receives no request.
func TestRedirectNeverLeavesHTTPS(t *testing.T) {
	t.Parallel()
	keys := jwksDoc(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	serveKeys := func(w http.ResponseWriter, r *http.Request) { w.Write(keys) }
	tests := []struct {
		name     string
		discover bool   // Discover instead of NewRemote
		target   string // where the https server redirects: "http" or "localhost"
		insecure bool
	}{
		{"JWKS to http 127.0.0.1", false, "http", false},
		{"JWKS to http localhost", false, "localhost", false},
		{"JWKS to http 127.0.0.1, InsecureAllowHTTP", false, "http", true},
		{"discovery to http 127.0.0.1", true, "http", false},
		{"discovery to http localhost, InsecureAllowHTTP", true, "localhost", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			plain, hits := countingServer(t, serveKeys)
			target := plain.URL
			if tt.target == "localhost" {
				target = strings.Replace(target, "127.0.0.1", "localhost", 1)
			}
			tls := httptest.NewTLSServer(redirectTo(target + "/jwks"))
			t.Cleanup(tls.Close)
			obs := &recObserver{}
			opts := []Option{WithHTTPClient(tls.Client()), WithObserver(obs)}
			if tt.insecure {
				opts = append(opts, InsecureAllowHTTP())
			}
			var r *Remote
			if tt.discover {
				r = newTestDiscover(t, tls.URL+"/", opts...)
			} else {
				r = newTestRemote(t, tls.URL+"/jwks", opts...)
			}
			err := firstFetchErr(t, obs)
			if n := hits.Load(); n != 0 || r.Keys() != nil {
				t.Fatalf("plain http server got %d requests, keys %v", n, r.Keys().KIDs())
			}
			wantErrIs(t, err, ErrInsecureURL)
			if !strings.Contains(err.Error(), "leaves https") {
				t.Fatalf("error %v, want the redirect named", err)
			}
		})
	}
}

// TestRedirectChains: the rule holds for any https hop of a chain, and
// https to https redirects work.
func TestRedirectChains(t *testing.T) {
	t.Parallel()
	keys := jwksDoc(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	serveKeys := func(w http.ResponseWriter, r *http.Request) { w.Write(keys) }

	t.Run("https to https is followed", func(t *testing.T) {
		t.Parallel()
		dst := httptest.NewTLSServer(http.HandlerFunc(serveKeys))
		t.Cleanup(dst.Close)
		src := httptest.NewTLSServer(redirectTo(dst.URL + "/jwks"))
		t.Cleanup(src.Close)
		r := newTestRemote(t, src.URL+"/jwks", WithHTTPClient(src.Client()))
		prime(t, r, 5*time.Second)
		if _, ok := r.Keys().Lookup("k1"); !ok {
			t.Fatal("keys not loaded through an https redirect")
		}
	})

	t.Run("https, https, then http", func(t *testing.T) {
		t.Parallel()
		plain, hits := countingServer(t, serveKeys)
		mid := httptest.NewTLSServer(redirectTo(plain.URL + "/jwks"))
		t.Cleanup(mid.Close)
		src := httptest.NewTLSServer(redirectTo(mid.URL + "/jwks"))
		t.Cleanup(src.Close)
		obs := &recObserver{}
		r := newTestRemote(t, src.URL+"/jwks", WithHTTPClient(src.Client()), WithObserver(obs))
		err := firstFetchErr(t, obs)
		if n := hits.Load(); n != 0 || r.Keys() != nil {
			t.Fatalf("plain http server got %d requests", n)
		}
		wantErrIs(t, err, ErrInsecureURL)
	})

	t.Run("http loopback, https, then http", func(t *testing.T) {
		t.Parallel()
		last, hits := countingServer(t, serveKeys)
		mid := httptest.NewTLSServer(redirectTo(last.URL + "/jwks"))
		t.Cleanup(mid.Close)
		first, _ := countingServer(t, redirectTo(mid.URL+"/jwks"))
		obs := &recObserver{}
		r := newTestRemote(t, first.URL+"/jwks", WithHTTPClient(mid.Client()), WithObserver(obs))
		err := firstFetchErr(t, obs)
		if n := hits.Load(); n != 0 || r.Keys() != nil {
			t.Fatalf("plain http server after the https hop got %d requests", n)
		}
		wantErrIs(t, err, ErrInsecureURL)
	})
}

// TestDiscoverHTTPSIssuerHTTPJWKS: an https issuer whose discovery document
// names a plain http jwks_uri on loopback gets no keys, and the http server
// receives no request.
func TestDiscoverHTTPSIssuerHTTPJWKS(t *testing.T) {
	t.Parallel()
	keys := jwksDoc(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	plain, hits := countingServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write(keys) })
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		discoveryDoc("https://"+r.Host+"/", plain.URL+"/jwks")(w, r)
	}))
	t.Cleanup(tls.Close)
	iss := tls.URL + "/"
	obs := &recObserver{}
	r := newTestDiscover(t, iss, WithHTTPClient(tls.Client()), WithObserver(obs))
	err := firstFetchErr(t, obs)
	if n := hits.Load(); n != 0 || r.Keys() != nil {
		t.Fatalf("plain http jwks_uri got %d requests", n)
	}
	wantErrIs(t, err, ErrInsecureURL)
	var se *StatusError
	if errors.As(err, &se) || !strings.Contains(err.Error(), "is not https, but the issuer is") {
		t.Fatalf("error %v, want the jwks_uri refused", err)
	}
}
