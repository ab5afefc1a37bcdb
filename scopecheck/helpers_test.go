package scopecheck

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

const (
	testAudience = "https://contacts.example.com"
	testNS       = "https://myapp.example.com/"
	mfa          = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
)

var fixture struct {
	once sync.Once
	iss  *jwtguardtest.Issuer
	v    *middleware.Validator
	err  error
}

// claimsOf mints an access token with c (audience filled in) and returns
// its claims as the validator leaves them: namespace testNS configured.
func claimsOf(t testing.TB, c jwtguardtest.Claims) *middleware.Claims {
	t.Helper()
	fixture.once.Do(func() {
		// ES256: fast to generate and sign; the keys never leave the test.
		fixture.iss, fixture.err = jwtguardtest.NewIssuer(jwtguardtest.WithAlgorithm(jwks.ES256))
		if fixture.err != nil {
			return
		}
		src, err := jwks.StaticJWKS(fixture.iss.JWKS(), nil)
		if err != nil {
			fixture.err = err
			return
		}
		fixture.v, fixture.err = middleware.New(fixture.iss.URL(), testAudience,
			middleware.WithKeys(src), middleware.WithNamespace(testNS), middleware.WithTokenCache(0))
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
	if c.Audience == nil {
		c.Audience = []string{testAudience}
	}
	tok, err := fixture.iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := fixture.v.Validate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// custom mints a token whose claims are the registered ones plus extra.
func custom(t testing.TB, extra map[string]any) *middleware.Claims {
	t.Helper()
	return claimsOf(t, jwtguardtest.Claims{Subject: "auth0|alice", Custom: extra})
}

// fakeRequest is a Request with fixed parameters and message.
type fakeRequest struct {
	method string
	params map[string]string
	msg    any
}

func (r *fakeRequest) Method() string { return r.method }

func (r *fakeRequest) Param(name string) (string, bool) {
	v, ok := r.params[name]
	return v, ok && v != ""
}

func (r *fakeRequest) Message() any { return r.msg }

// at freezes the clock of MaxAge at t for the test.
func at(t *testing.T, tm time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return tm }
	t.Cleanup(func() { now = old })
}
