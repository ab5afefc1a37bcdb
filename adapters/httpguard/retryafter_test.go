package httpguard_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/middleware"
)

// TestRetryAfterOfTheError: a 503 whose error knows when to retry (the
// introspection client's rate limit) sends that when it is longer than
// WithRetryAfter.
func TestRetryAfterOfTheError(t *testing.T) {
	limited := func(d time.Duration) *middleware.Error {
		e := middleware.NewError(middleware.ErrUnavailable, middleware.ReasonIntrospectionRateLimited, "later")
		e.RetryAfter = d
		return e
	}
	for _, tc := range []struct {
		name string
		err  *middleware.Error
		opts []httpguard.Option
		want string
	}{
		{"longer than the default", limited(42 * time.Second), nil, "42"},
		{"shorter than the default", limited(2 * time.Second), nil, "5"},
		{"rounded up", limited(1500 * time.Millisecond), []httpguard.Option{httpguard.WithRetryAfter(time.Second)}, "2"},
		{"none", limited(0), []httpguard.Option{httpguard.WithRetryAfter(3 * time.Second)}, "3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			httpguard.WriteError(rec, httptest.NewRequest("GET", "/", nil), tc.err, tc.opts...)
			if rec.Code != 503 || rec.Header().Get("Retry-After") != tc.want {
				t.Fatalf("status %d, Retry-After %q, want %q", rec.Code, rec.Header().Get("Retry-After"), tc.want)
			}
		})
	}
}
