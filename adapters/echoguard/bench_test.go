package echoguard_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/echoguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// BenchmarkRequest serves one authorized request (read:contacts) through
// echo with Protect and Require, and through httpguard.Mux for comparison;
// the validator's token cache answers after the first request, so the
// numbers show the adapters' own cost.
func BenchmarkRequest(b *testing.B) {
	env := adaptertest.NewEnv(b)
	e := echo.New()
	e.GET("/api/contacts", func(c echo.Context) error { return c.NoContent(204) },
		echoguard.Protect(env.V), echoguard.Require(env.V, scopecheck.All("read:contacts")))

	mux := httpguard.NewMux(env.V)
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })

	for name, h := range map[string]http.Handler{"echo": e, "net-http": mux} {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/contacts", nil)
			req.Header.Set("Authorization", "Bearer "+env.Tokens.Reader)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 204 {
				b.Fatalf("status %d", rec.Code)
			}
			b.ReportAllocs()
			for b.Loop() {
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
