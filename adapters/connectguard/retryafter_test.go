package connectguard_test

import (
	"strconv"
	"testing"

	"connectrpc.com/connect"

	"github.com/jwtguard/jwtguard/adapters/connectguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// TestRetryAfterOfTheError: an unavailable refusal whose error knows when
// to retry (the introspection client's rate limit, far longer than the
// default 5 s) carries that Retry-After.
func TestRetryAfterOfTheError(t *testing.T) {
	env := adaptertest.NewEnv(t)
	v, _ := env.Counted(t, adaptertest.Audience, middleware.WithIntrospectionEndpoint(env.Issuer.IntrospectionURL(),
		jwtguardtest.DefaultIntrospectionClientID, jwtguardtest.DefaultIntrospectionClientSecret,
		introspect.WithRateLimit(0.01, 1)))
	srv := serve(t, connectguard.Protect(v, table(), serviceMux(), opts...))
	read := adaptertest.Method(adaptertest.Read, false)
	if res := call(t, srv, read, false, []string{bearer(env.Tokens.OpaqueReader)}, nil); res.err != nil {
		t.Fatal(res.err) // the bucket's one request
	}
	for _, p := range protocols {
		res := call(t, srv, read, false, []string{bearer(env.Tokens.OpaqueDeleter)}, nil, p.opts...)
		if n, _ := strconv.Atoi(res.retryAfter); res.codeOf() != connect.CodeUnavailable ||
			res.reason != middleware.ReasonIntrospectionRateLimited || n < 90 || n > 100 {
			t.Errorf("%s: %v reason %q Retry-After %q", p.name, res.err, res.reason, res.retryAfter)
		}
	}
}
