package peers

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/jwtguard/jwtguard/bench"
)

var fixture = sync.OnceValues(bench.NewFixture)

func mustFixture(tb testing.TB) *bench.Fixture {
	tb.Helper()
	f, err := fixture()
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestSameChecks shows that every library, the floor aside, does the checks
// the comparison claims: it accepts the fixture token and refuses a bad
// signature, another issuer, another audience and an expired token. The
// floor checks the signature only.
func TestSameChecks(t *testing.T) {
	f := mustFixture(t)
	for _, alg := range bench.Peers {
		s := f.Signer(alg)
		good := f.Claims(1)
		variant := func(old, new string) string {
			p := bytes.Replace(good, []byte(old), []byte(new), 1)
			if bytes.Equal(p, good) {
				t.Fatalf("%q not in the fixture claims", old)
			}
			tok, err := s.Sign(p)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		valid, err := s.Sign(good)
		if err != nil {
			t.Fatal(err)
		}
		sigAt := strings.LastIndexByte(valid, '.') + 1
		badSig := valid[:sigAt] + flip(valid[sigAt]) + valid[sigAt+1:]
		bad := map[string]string{
			"signature": badSig,
			"issuer":    variant(`"iss":"https://tenant.eu.auth0.com/"`, `"iss":"https://evil.example.com/"`),
			"audience":  variant(`"aud":["https://contacts.example.com"`, `"aud":["https://other.example.com"`),
			"expired":   variant(`"exp":`, `"exp":1000000000,"x":`),
		}
		for _, lib := range Libs {
			t.Run(alg+"/"+lib.Name, func(t *testing.T) {
				check, err := lib.New(f, s)
				if err != nil {
					t.Fatal(err)
				}
				if err := check(valid); err != nil {
					t.Fatalf("valid token refused: %v", err)
				}
				for what, tok := range bad {
					if lib.Name == "floor" && what != "signature" {
						continue
					}
					if check(tok) == nil {
						t.Errorf("accepted a token with a bad %s", what)
					}
				}
			})
		}
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// BenchmarkPeers validates the same Auth0-style token with every library.
// Compare with benchstat -col /lib, or run ../run.sh for the table with
// ratios to the floor.
func BenchmarkPeers(b *testing.B) {
	f := mustFixture(b)
	for _, alg := range bench.Peers {
		s := f.Signer(alg)
		tok, err := f.Token(alg, 1)
		if err != nil {
			b.Fatal(err)
		}
		for _, lib := range Libs {
			b.Run("alg="+alg+"/lib="+lib.Name, func(b *testing.B) {
				check, err := lib.New(f, s)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				cpu := bench.StartCPU()
				for b.Loop() {
					if err := check(tok); err != nil {
						b.Fatal(err)
					}
				}
				cpu.Report(b, b.N)
			})
		}
	}
}

// BenchmarkPaired runs each library against the floor, alternately in the
// same loop (see bench.Paired): its x-base metric is the library's ratio to
// the floor under the same machine conditions.
func BenchmarkPaired(b *testing.B) {
	f := mustFixture(b)
	for _, alg := range bench.Peers {
		s := f.Signer(alg)
		tok, err := f.Token(alg, 1)
		if err != nil {
			b.Fatal(err)
		}
		floor := func() bool { return bench.Floor(s, tok) }
		for _, lib := range Libs[1:] {
			b.Run("alg="+alg+"/lib="+lib.Name, func(b *testing.B) {
				check, err := lib.New(f, s)
				if err != nil {
					b.Fatal(err)
				}
				bench.Paired(b, floor, func() bool { return check(tok) == nil })
			})
		}
	}
}
