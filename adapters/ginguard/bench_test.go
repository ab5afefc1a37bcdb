package ginguard_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// BenchmarkRequest serves one authorized request (read:contacts) through
// gin with ginguard, and through httpguard.Mux for comparison; the
// validator's token cache answers after the first request, so the numbers
// show the adapters' own cost.
func BenchmarkRequest(b *testing.B) {
	env := adaptertest.NewEnv(b)
	ok := func(c *gin.Context) { c.Status(204) }
	r := gin.New()
	r.Use(ginguard.Protect(env.V, ginguard.Strict()))
	r.GET("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), ok)

	mux := httpguard.NewMux(env.V)
	mux.HandleFunc("GET /api/contacts", scopecheck.All("read:contacts"), func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })

	for name, h := range map[string]http.Handler{"gin": r, "net-http": mux} {
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
