package bench

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/middleware"
)

// fixture is built once per test binary (RSA key generation is slow) and
// never changes afterwards.
var fixture = sync.OnceValues(NewFixture)

func mustFixture(tb testing.TB) *Fixture {
	tb.Helper()
	f, err := fixture()
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func mustToken(tb testing.TB, f *Fixture, alg string, n int) string {
	tb.Helper()
	tok, err := f.Token(alg, n)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func mustValidator(tb testing.TB, f *Fixture, cacheSize int) *middleware.Validator {
	tb.Helper()
	v, err := f.Validator(cacheSize)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// tamper changes the first character of the signature, so the token stays
// well-formed but its signature no longer verifies.
func tamper(tok string) string {
	b := []byte(tok)
	i := strings.LastIndexByte(tok, '.') + 1
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestFixture checks that what the benchmarks measure is real work: the
// floor and the validator accept each fixture token and reject it once
// tampered with, and FloorJSON returns the token's claims.
func TestFixture(t *testing.T) {
	f := mustFixture(t)
	v := mustValidator(t, f, 0)
	for _, alg := range Algs {
		t.Run(alg, func(t *testing.T) {
			tok := mustToken(t, f, alg, 1)
			s := f.Signer(alg)
			if !Floor(s, tok) {
				t.Fatal("Floor rejected a valid token")
			}
			if Floor(s, tamper(tok)) {
				t.Fatal("Floor accepted a tampered token")
			}
			c, ok := FloorJSON(s, tok, time.Now())
			if !ok || c.Issuer != Issuer || len(c.Audience) != 2 || c.Audience[0] != Audience {
				t.Fatalf("FloorJSON = %+v, %v", c, ok)
			}
			if _, ok := FloorJSON(s, tok, time.Now().Add(48*time.Hour)); ok {
				t.Fatal("FloorJSON accepted an expired token")
			}
			cs, err := v.Validate(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if cs.Issuer != Issuer || cs.ClientID() != ClientID || cs.Algorithm != alg || len(cs.Permissions) != 2 {
				t.Fatalf("claims = %+v", cs)
			}
			roles, err := middleware.Custom[[]string](cs, "roles")
			if err != nil || len(roles) != 2 {
				t.Fatalf("roles = %v, %v", roles, err)
			}
			_, err = v.Validate(context.Background(), tamper(tok))
			if e := middleware.AsError(err); e == nil || e.Reason != middleware.ReasonSignature {
				t.Fatalf("tampered token: %v", err)
			}
		})
	}
}
