package middleware

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// lockedBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The issuer is configured with a trailing slash more or less than the
// issuer publishes, and the fallback JWKS path is configured as the demos
// do: the keys load, but the validator is not Ready, Prime says why, the
// error log names both values and the fix, and the refused tokens' hint
// says the same. Configured exactly, everything works.
func TestReadyIssuerTrailingSlash(t *testing.T) {
	tests := []struct {
		name      string
		kit       []jwtguardtest.Option
		configure func(published string) string
		mismatch  bool
	}{
		{"Auth0 style issuer configured without its slash", nil,
			func(p string) string { return strings.TrimSuffix(p, "/") }, true},
		{"Okta style issuer configured with a slash", []jwtguardtest.Option{jwtguardtest.WithoutTrailingSlash()},
			func(p string) string { return p + "/" }, true},
		{"Auth0 style issuer configured exactly", nil, func(p string) string { return p }, false},
		{"Okta style issuer configured exactly", []jwtguardtest.Option{jwtguardtest.WithoutTrailingSlash()},
			func(p string) string { return p }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := jwtguardtest.NewIssuer(tt.kit...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(iss.Close)
			published := iss.URL()
			configured := tt.configure(published)
			var logs lockedBuffer
			v, err := New(configured, testAudience, WithTokenCache(0),
				WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				WithKeyOptions(jwks.WithFallbackJWKS(strings.TrimSuffix(configured, "/")+"/.well-known/jwks.json")))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { v.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = v.Prime(ctx)
			if v.issuers[0].keys.Keys().Len() == 0 {
				t.Fatalf("no keys loaded: %v", err)
			}
			tok, terr := iss.AccessToken(jwtguardtest.Claims{Audience: []string{testAudience}})
			if terr != nil {
				t.Fatal(terr)
			}
			_, verr := v.Validate(context.Background(), tok)
			if !tt.mismatch {
				if err != nil || !v.Ready() || verr != nil {
					t.Fatalf("configured exactly: Prime %v, Ready %v, Validate %v", err, v.Ready(), verr)
				}
				if strings.Contains(logs.String(), "level=ERROR") {
					t.Fatalf("error logged:\n%s", logs.String())
				}
				return
			}
			if v.Ready() {
				t.Fatal("Ready while the configured issuer cannot match the issuer's own discovery document")
			}
			wantPrime := `middleware: issuer "` + configured + `" does not match "` + published +
				`", the issuer its discovery document publishes; configure the issuer exactly as "` + published +
				`": jwks: discovery document names another issuer`
			if err == nil || err.Error() != wantPrime || !errors.Is(err, jwks.ErrIssuerMismatch) {
				t.Fatalf("Prime error %v\nwant %s", err, wantPrime)
			}
			fix := `configure the issuer exactly as \"` + published + `\"`
			if log := logs.String(); strings.Count(log, "level=ERROR") != 1 || !strings.Contains(log, fix) ||
				!strings.Contains(log, "configured="+configured+" ") || !strings.Contains(log, "published="+published+"\n") {
				t.Fatalf("want one error naming both issuers and the fix %s; log:\n%s", fix, log)
			}
			var e *Error
			if !errors.As(verr, &e) || e.Reason != ReasonIssuer || !strings.HasSuffix(e.Hint, `configure the issuer exactly as "`+published+`"`) {
				t.Fatalf("Validate: %v (hint %q)", verr, e.Hint)
			}
		})
	}
}
