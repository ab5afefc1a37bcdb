package jwks

import (
	"context"
	"crypto/elliptic"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// record is a captured log record: level, message and attributes.
type record struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// capture is a slog.Handler that keeps every record.
type capture struct {
	mu      sync.Mutex
	records []record
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *capture) WithGroup(string) slog.Handler            { return c }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	rec := record{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.attrs[a.Key] = a.Value.String()
		return true
	})
	c.mu.Lock()
	c.records = append(c.records, rec)
	c.mu.Unlock()
	return nil
}

// of returns the records of source at level min or above.
func (c *capture) of(source string, min slog.Level) []record {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []record
	for _, r := range c.records {
		if r.attrs["source"] == source && r.level >= min {
			out = append(out, r)
		}
	}
	return out
}

func hasMsg(records []record, msg string) bool {
	for _, r := range records {
		if r.msg == msg {
			return true
		}
	}
	return false
}

// captureDefault makes slog.Default a capture for the rest of the test.
// Tests that use it must not run in parallel.
func captureDefault(t *testing.T) *capture {
	c := &capture{}
	prev := slog.Default()
	slog.SetDefault(slog.New(c))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return c
}

// Without WithLogger, failed fetches still reach slog.Default: the first
// at once, then at most one record per defaultLogInterval, which counts
// the records held back. The wording says whether there are keys.
func TestDefaultLoggerFailures(t *testing.T) {
	logs := captureDefault(t)
	p := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	p.setBehaviour(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	obs := &recObserver{}
	r := newTestRemote(t, p.url(), WithName("no-keys"), WithObserver(obs), WithMinRefreshInterval(time.Second))
	eventually(t, 5*time.Second, "the first failure", func() bool { return obs.failedFetches() == 1 })
	if _, err := r.Refresh(context.Background(), "k1"); err == nil {
		t.Fatal("Refresh against a failing IdP succeeded")
	}
	eventually(t, 5*time.Second, "the second failure", func() bool { return obs.failedFetches() == 2 })
	const noKeys = "jwks: key fetch failed; there are no keys yet, so no token can be verified until a fetch succeeds"
	got := logs.of("no-keys", slog.LevelDebug)
	if len(got) != 1 || got[0].level != slog.LevelWarn || got[0].msg != noKeys || !strings.Contains(got[0].attrs["error"], "HTTP 502") ||
		got[0].attrs["trigger"] != "initial" {
		t.Fatalf("records after two failures: %+v\nwant one warning: %s", got, noKeys)
	}

	// defaultLogInterval later, the next failure is logged with the count
	// of those held back.
	r.defaultLogged.Add(-int64(defaultLogInterval))
	time.Sleep(time.Second) // past WithMinRefreshInterval
	r.Refresh(context.Background(), "k1")
	eventually(t, 5*time.Second, "a record after the interval", func() bool { return len(logs.of("no-keys", slog.LevelDebug)) == 2 })
	second := logs.of("no-keys", slog.LevelDebug)[1]
	if second.msg != noKeys || second.attrs["held_back"] == "" || second.attrs["held_back"] == "0" {
		t.Fatalf("record after the interval: %+v; want the held-back count", second)
	}

	// A source that has keys keeps them, and says so.
	p2 := newIDP(t, jwkOf(t, newEC(t, elliptic.P256()), "k1"))
	r2 := newTestRemote(t, p2.url(), WithName("has-keys"))
	prime(t, r2, 5*time.Second)
	p2.setBehaviour(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	r2.Refresh(context.Background(), "k2")
	eventually(t, 5*time.Second, "a record of the failed refresh", func() bool { return len(logs.of("has-keys", slog.LevelDebug)) == 1 })
	if rec := logs.of("has-keys", slog.LevelDebug)[0]; rec.level != slog.LevelWarn || rec.msg != "jwks: key refresh failed; keeping the previous keys" ||
		rec.attrs["keys"] != "1" {
		t.Fatalf("record %+v", rec)
	}
	// Key-set changes and dropped keys are not default-logged.
	if n := len(logs.of("has-keys", slog.LevelDebug)); n != 1 {
		t.Fatalf("%d records for has-keys, want 1", n)
	}
}

// Close during a slow fetch or discovery logs nothing at warn or error,
// neither to WithLogger nor to slog.Default: a fetch that Close cancels is
// no failure of the IdP.
func TestCloseDuringFetchLogsNothingAlarming(t *testing.T) {
	logs := captureDefault(t)
	tests := []struct {
		name   string
		logger bool
		build  func(p *idp, opts ...Option) (*Remote, error)
		hits   func(p *idp) int
	}{
		{"JWKS fetch, default logger", false,
			func(p *idp, opts ...Option) (*Remote, error) { return NewRemote(p.url(), opts...) },
			func(p *idp) int { return int(p.hits.Load()) }},
		{"JWKS fetch, WithLogger", true,
			func(p *idp, opts ...Option) (*Remote, error) { return NewRemote(p.url(), opts...) },
			func(p *idp) int { return int(p.hits.Load()) }},
		{"discovery with a fallback, default logger", false,
			func(p *idp, opts ...Option) (*Remote, error) {
				return Discover(p.srv.URL+"/", append(opts, WithFallbackJWKS(p.url()))...)
			},
			func(p *idp) int { return p.count("/.well-known/openid-configuration") }},
		{"discovery with a fallback, WithLogger", true,
			func(p *idp, opts ...Option) (*Remote, error) {
				return Discover(p.srv.URL+"/", append(opts, WithFallbackJWKS(p.url()))...)
			},
			func(p *idp) int { return p.count("/.well-known/openid-configuration") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newIDP(t)
			p.setBehaviour(p.hang)
			p.route("/.well-known/openid-configuration", p.hang)
			own := &capture{}
			name := "closing " + tt.name
			opts := []Option{WithName(name)}
			if tt.logger {
				opts = append(opts, WithLogger(slog.New(own)))
			}
			r, err := tt.build(p, opts...)
			if err != nil {
				t.Fatal(err)
			}
			eventually(t, 5*time.Second, "the fetch hanging", func() bool { return tt.hits(p) == 1 })
			r.Close()
			for _, c := range []*capture{logs, own} {
				if recs := c.of(name, slog.LevelWarn); len(recs) != 0 {
					t.Fatalf("Close during a fetch logged %+v", recs)
				}
			}
			if tt.logger && !hasMsg(own.of(name, slog.LevelDebug), "jwks: fetch stopped by Close") {
				t.Errorf("no debug record of the fetch stopped by Close: %+v", own.of(name, slog.LevelDebug))
			}
			if err := r.Prime(canceled()); !errors.Is(err, ErrUnavailable) {
				t.Errorf("Prime after Close: %v", err)
			}
		})
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
