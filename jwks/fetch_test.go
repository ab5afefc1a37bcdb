package jwks

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url      string
		insecure bool
		ok       bool
		insecErr bool // the error wraps ErrInsecureURL
	}{
		{"https://idp.example.com/.well-known/jwks.json", false, true, false},
		{"HTTPS://idp.example.com/jwks", false, true, false},
		{"http://127.0.0.1:8080/jwks", false, true, false},
		{"http://127.1.2.3/jwks", false, true, false},
		{"http://[::1]:9000/jwks", false, true, false},
		{"http://localhost/jwks", false, true, false},
		{"http://LocalHost:80/jwks", false, true, false},
		{"http://idp.example.com/jwks", false, false, true},
		{"http://idp.example.com/jwks", true, true, false},
		{"http://localhost.evil.example/jwks", false, false, true},
		{"http://127.0.0.1.nip.io/jwks", false, false, true},
		{"http://10.0.0.1/jwks", false, false, true},
		{"http://0.0.0.0/jwks", false, false, true},
		{"ftp://idp.example.com/jwks", false, false, true},
		{"ftp://idp.example.com/jwks", true, false, true},
		{"file:///etc/passwd", false, false, false},
		{"/relative/jwks", false, false, false},
		{"idp.example.com/jwks", false, false, false},
		{"https://", false, false, false},
		{"https://idp.example.com/%zz", false, false, false},
		{"", false, false, false},
	}
	for _, tt := range tests {
		err := checkURL(tt.url, tt.insecure)
		if (err == nil) != tt.ok {
			t.Errorf("checkURL(%q, insecure=%v) = %v, want ok=%v", tt.url, tt.insecure, err, tt.ok)
			continue
		}
		if errors.Is(err, ErrInsecureURL) != tt.insecErr {
			t.Errorf("checkURL(%q) = %v; wraps ErrInsecureURL: %v, want %v", tt.url, err, !tt.insecErr, tt.insecErr)
		}
	}
}

// TestCacheTTL covers RFC 9111 section 4.2.1 freshness: max-age first,
// then Expires relative to Date.
func TestCacheTTL(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	date := now.Add(-time.Hour) // the server's clock is an hour behind
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"none", http.Header{}, 0, false},
		{"max-age", http.Header{"Cache-Control": {"public, max-age=600"}}, 10 * time.Minute, true},
		{"max-age quoted", http.Header{"Cache-Control": {`max-age="120"`}}, 2 * time.Minute, true},
		{"MAX-AGE", http.Header{"Cache-Control": {"MAX-AGE=60"}}, time.Minute, true},
		{"max-age huge", http.Header{"Cache-Control": {"max-age=99999999999"}}, MaxCacheTTL, true},
		{"max-age negative ignored", http.Header{"Cache-Control": {"max-age=-5"}}, 0, false},
		{"max-age garbage ignored", http.Header{"Cache-Control": {"max-age=abc"}}, 0, false},
		{"no-store", http.Header{"Cache-Control": {"max-age=600, no-store"}}, 0, true},
		{"no-cache", http.Header{"Cache-Control": {"no-cache"}}, 0, true},
		{"second header line", http.Header{"Cache-Control": {"public", "max-age=300"}}, 5 * time.Minute, true},
		{"max-age beats Expires", http.Header{"Cache-Control": {"max-age=60"}, "Expires": {http.TimeFormat}}, time.Minute, true},
		{"Expires with Date", http.Header{"Expires": {date.Add(30 * time.Minute).Format(http.TimeFormat)}, "Date": {date.Format(http.TimeFormat)}}, 30 * time.Minute, true},
		{"Expires without Date", http.Header{"Expires": {now.Add(2 * time.Hour).Format(http.TimeFormat)}}, 2 * time.Hour, true},
		{"Expires in the past", http.Header{"Expires": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0, true},
		{"Expires invalid means expired", http.Header{"Expires": {"0"}}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := (&response{header: tt.header}).cacheTTL(now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("cacheTTL = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// The TTL a Remote uses: an explicit WithRefreshInterval as given (down to
// one second), else the cache headers clamped to [1 min, 24 h], else 15 min.
func TestRemoteTTL(t *testing.T) {
	tests := []struct {
		name    string
		refresh time.Duration
		header  http.Header
		want    time.Duration
	}{
		{"default", 0, http.Header{}, DefaultRefreshInterval},
		{"max-age", 0, http.Header{"Cache-Control": {"max-age=3600"}}, time.Hour},
		{"max-age clamped up", 0, http.Header{"Cache-Control": {"max-age=5"}}, MinCacheTTL},
		{"no-store clamped up", 0, http.Header{"Cache-Control": {"no-store"}}, MinCacheTTL},
		{"max-age clamped down", 0, http.Header{"Cache-Control": {"max-age=604800"}}, MaxCacheTTL},
		{"Expires clamped down", 0, http.Header{"Expires": {time.Now().Add(72 * time.Hour).UTC().Format(http.TimeFormat)}}, MaxCacheTTL},
		{"explicit interval beats headers", 2 * time.Second, http.Header{"Cache-Control": {"max-age=3600"}}, 2 * time.Second},
		{"explicit one second", time.Second, http.Header{}, time.Second},
		{"explicit 48 h", 48 * time.Hour, http.Header{}, 48 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.refresh > 0 {
				opts = append(opts, WithRefreshInterval(tt.refresh))
			}
			cfg, err := newRemoteConfig(opts)
			if err != nil {
				t.Fatal(err)
			}
			r := &Remote{cfg: cfg}
			if got := r.ttl(&response{header: tt.header}); got != tt.want {
				t.Fatalf("ttl = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	for range 1000 {
		if d := jitter(time.Second); d > time.Second || d < 900*time.Millisecond {
			t.Fatalf("jitter(1s) = %v, want within [0.9s, 1s]", d)
		}
	}
	if d := jitter(0); d != DefaultRefreshInterval {
		t.Fatalf("jitter(0) = %v", d)
	}
}
