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

// TestRemoteStaleIfError: after a good fetch, every kind of IdP failure is
// a failed fetch, bounded in time, and the last good set keeps serving: it
// is never poisoned.
func TestRemoteStaleIfError(t *testing.T) {
	t.Parallel()
	good := newEC(t, elliptic.P256())
	tooMany := make([]map[string]any, MaxKeys+1)
	for i := range tooMany {
		tooMany[i] = jwkOf(t, good, "many"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	tooManyDoc := jwksDoc(t, tooMany...)
	badKeysDoc := jwksDoc(t,
		map[string]any{"kty": "oct", "kid": "sym", "k": b64(make([]byte, 32))},
		jwkOf(t, newEC(t, elliptic.P256()), "enc", "use", "enc"),
		jwkOf(t, testSmallRSAKey(), "small"))
	body := func(status int, b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write(b)
		}
	}
	tests := []struct {
		name   string
		behave func(p *idp) http.HandlerFunc
		check  func(t *testing.T, err error) // the error of the failed fetch
	}{
		{"connection dropped", func(p *idp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				c, _, _ := w.(http.Hijacker).Hijack()
				c.Close()
			}
		}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "EOF") {
				t.Fatalf("error %v, want EOF", err)
			}
		}},
		{"500", func(*idp) http.HandlerFunc { return body(500, []byte("oops")) }, wantStatus(500)},
		{"503", func(*idp) http.HandlerFunc { return body(503, nil) }, wantStatus(503)},
		{"404", func(*idp) http.HandlerFunc { return body(404, nil) }, wantStatus(404)},
		{"304 without If-None-Match", func(*idp) http.HandlerFunc { return body(304, nil) }, wantStatus(304)},
		{"garbage", func(*idp) http.HandlerFunc { return body(200, []byte("<html>login</html>")) }, wantIs(ErrMalformedDocument)},
		{"not a key set", func(*idp) http.HandlerFunc { return body(200, []byte(`{"error":"x"}`)) }, wantIs(ErrMalformedDocument)},
		{"empty key set", func(*idp) http.HandlerFunc { return body(200, []byte(`{"keys":[]}`)) }, wantIs(ErrMalformedDocument)},
		{"all keys invalid", func(*idp) http.HandlerFunc { return body(200, badKeysDoc) }, wantIs(ErrMalformedDocument)},
		{"too many keys", func(*idp) http.HandlerFunc { return body(200, tooManyDoc) }, wantIs(ErrMalformedDocument)},
		{"oversized", func(*idp) http.HandlerFunc {
			return body(200, []byte(`{"keys":[],"x":"`+strings.Repeat("a", MaxDocumentBytes)+`"}`))
		}, wantIs(ErrMalformedDocument)},
		{"endless body", func(p *idp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				chunk := []byte(strings.Repeat(" ", 64<<10))
				for r.Context().Err() == nil {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}
		}, wantIs(ErrMalformedDocument)},
		{"hanging", func(p *idp) http.HandlerFunc { return p.hang }, wantIs(ErrWaitTimeout)},
		{"slow body", func(p *idp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{"keys":[`))
				w.(http.Flusher).Flush()
				p.hang(w, r)
			}
		}, wantIs(ErrWaitTimeout)},
		{"redirect loop", func(p *idp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/jwks", http.StatusFound) }
		}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "redirects") {
				t.Fatalf("error %v, want a redirect limit", err)
			}
		}},
		{"redirect to plain http", func(p *idp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://keys.example.com/jwks", http.StatusFound)
			}
		}, wantIs(ErrInsecureURL)},
		{"redirect to another scheme", func(p *idp) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "ftp://keys.example.com/jwks", http.StatusFound)
			}
		}, wantIs(ErrInsecureURL)},
	}
	// These cases also wait for the scheduled retry and the recovery.
	fullCases := map[string]bool{"500": true, "garbage": true, "hanging": true}
	// In these cases the request stops waiting (WithMaxWait) before the
	// fetch ends; in the others the fetch's own error comes back.
	hangs := map[string]bool{"hanging": true, "slow body": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newIDP(t, jwkOf(t, good, "good"))
			clientTimeout := 5 * time.Second
			if hangs[tt.name] {
				clientTimeout = 600 * time.Millisecond
			}
			lc := newLoopbackClient(clientTimeout)
			obs := &recObserver{}
			maxWait := 3 * time.Second
			if hangs[tt.name] {
				maxWait = 300 * time.Millisecond
			}
			r := newTestRemote(t, p.url(), WithHTTPClient(lc.Client), WithObserver(obs),
				WithMinRefreshInterval(time.Second), WithRefreshInterval(time.Second), WithMaxWait(maxWait))
			prime(t, r, 5*time.Second)
			set := r.Keys()
			key, _ := set.Lookup("good")
			p.setBehaviour(tt.behave(p))

			// A request that asks for an unknown kid waits at most maxWait.
			start := time.Now()
			got, err := r.Refresh(context.Background(), "unknown")
			if d := time.Since(start); d > maxWait+time.Second {
				t.Fatalf("Refresh took %v, bound %v", d, maxWait)
			}
			tt.check(t, err)
			if got != set || r.Keys() != set {
				t.Fatal("the set changed after a failed fetch")
			}
			// The fetch itself ends within the client timeout, and the key
			// keeps working.
			eventually(t, 5*time.Second, "the failed fetch ended", func() bool { return obs.failedFetches() >= 1 })
			for _, ev := range obs.events() {
				if ev.Duration > clientTimeout+2*time.Second {
					t.Errorf("a fetch took %v; the client timeout is %v", ev.Duration, clientTimeout)
				}
			}
			if k, ok := r.Keys().Lookup("good"); !ok || k != key || r.Keys() != set {
				t.Fatal("the cached key stopped working")
			}
			if lc.offLoopback.Load() != 0 {
				t.Fatalf("%d requests attempted off loopback", lc.offLoopback.Load())
			}
			if !fullCases[tt.name] {
				return
			}
			// The scheduled refresh fails too and is retried; when the IdP
			// recovers, the next fetch succeeds.
			eventually(t, 6*time.Second, "a failed scheduled fetch", func() bool { return obs.failedFetches() >= 2 })
			if r.Keys() != set {
				t.Fatal("the set changed after a failed scheduled fetch")
			}
			p.setKeys(t, jwkOf(t, good, "good"), jwkOf(t, newEC(t, elliptic.P256()), "new"))
			p.setBehaviour(nil)
			eventually(t, 5*time.Second, "recovered", func() bool { _, ok := r.Keys().Lookup("new"); return ok })
		})
	}
}

func wantStatus(code int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != code {
			t.Fatalf("error %v, want HTTP %d", err, code)
		}
	}
}

func wantIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) { t.Helper(); wantErrIs(t, err, target) }
}

// A hanging JWKS endpoint never holds a request longer than its context
// (when WithMaxWait is longer) or WithMaxWait (when the context is longer).
// The error says which bound ended the wait.
func TestRemoteHangingBounds(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	p.setBehaviour(p.hang)
	r := newTestRemote(t, p.url(), WithMaxWait(5*time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	set, err := r.Refresh(ctx, "k")
	if !errors.Is(err, context.DeadlineExceeded) || set != nil {
		t.Fatalf("Refresh = %v, %v; want the context's deadline", set, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Refresh held the request %v; its context allowed 100ms", d)
	}
	r2 := newTestRemote(t, p.url(), WithMaxWait(400*time.Millisecond))
	start = time.Now()
	_, err = r2.Refresh(context.Background(), "k")
	wantErrIs(t, err, ErrWaitTimeout)
	if d := time.Since(start); d < 350*time.Millisecond || d > 3*time.Second {
		t.Fatalf("Refresh waited %v; WithMaxWait is 400ms", d)
	}
}

// The default client has a timeout: a fetch against a server that accepts
// the connection and never answers ends on its own.
func TestRemoteDefaultClientTimeout(t *testing.T) {
	cfg, err := newRemoteConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.client.Timeout != DefaultHTTPTimeout || cfg.client.CheckRedirect == nil {
		t.Fatalf("default client timeout %v", cfg.client.Timeout)
	}
	user := &http.Client{Timeout: time.Second}
	cfg, _ = newRemoteConfig([]Option{WithHTTPClient(user)})
	if cfg.client == user || user.CheckRedirect != nil || cfg.client.CheckRedirect == nil {
		t.Fatal("the caller's client was modified or not given the redirect policy")
	}
	// The redirect policy refuses http to other hosts also for a caller's client.
	req, _ := http.NewRequest(http.MethodGet, "http://keys.example.com/", nil)
	if err := cfg.client.CheckRedirect(req, nil); !errors.Is(err, ErrInsecureURL) {
		t.Fatalf("CheckRedirect = %v", err)
	}
}

// A JWKS behind a discovery document that fails after a good start keeps
// its keys too.
func TestDiscoverStaleIfError(t *testing.T) {
	t.Parallel()
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	iss := p.srv.URL + "/"
	p.route("/.well-known/openid-configuration", discoveryDoc(iss, p.url()))
	r := newTestDiscover(t, iss, WithRefreshInterval(time.Second))
	prime(t, r, 5*time.Second)
	set := r.Keys()
	p.route("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": "https://evil.example/", "jwks_uri": "http://127.0.0.1:1/"})
	})
	p.setBehaviour(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) })
	before := p.hits.Load()
	eventually(t, 5*time.Second, "a failed JWKS refresh", func() bool { return p.hits.Load() > before })
	if r.Keys() != set {
		t.Fatal("the set changed")
	}
	// Discovery is not repeated once it succeeded: the jwks_uri is kept.
	if p.count("/.well-known/openid-configuration") != 1 {
		t.Fatalf("discovery fetched %d times", p.count("/.well-known/openid-configuration"))
	}
}
