package bench

import (
	"context"
	"crypto/fips140"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"testing"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// rawRSA is an RSA key made by hand, so a test can hold keys crypto/rsa
// refuses to generate or use in FIPS 140-only mode (e = 3, an odd modulus
// length) and sign with them without crypto/rsa.
type rawRSA struct{ n, d *big.Int }

// newRawRSA returns a key with public exponent e whose primes have pBits
// and qBits bits. Prime generation is itself refused in FIPS 140-only
// mode: it runs under fips140.WithoutEnforcement (test minting only).
func newRawRSA(tb testing.TB, e, pBits, qBits int) (*rawRSA, *rsa.PublicKey) {
	tb.Helper()
	E := big.NewInt(int64(e))
	one := big.NewInt(1)
	for {
		var p, q *big.Int
		var err error
		fips140.WithoutEnforcement(func() {
			if p, err = rand.Prime(rand.Reader, pBits); err == nil {
				q, err = rand.Prime(rand.Reader, qBits)
			}
		})
		if err != nil {
			tb.Fatal(err)
		}
		n := new(big.Int).Mul(p, q)
		if n.BitLen() != pBits+qBits || p.Cmp(q) == 0 {
			continue
		}
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(E, phi)
		if d == nil {
			continue // e divides p-1 or q-1
		}
		return &rawRSA{n: n, d: d}, &rsa.PublicKey{N: n, E: e}
	}
}

// signRS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2.1)
// done with math/big: EM = 00 01 FF..FF 00 DigestInfo, s = EM^d mod n.
func (k *rawRSA) signRS256(msg []byte) []byte {
	prefix := []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	sum := sha256.Sum256(msg)
	size := (k.n.BitLen() + 7) / 8
	em := make([]byte, size)
	em[1] = 1
	t := append(prefix, sum[:]...)
	for i := 2; i < size-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[size-len(t):], t)
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), k.d, k.n)
	return s.FillBytes(make([]byte, size))
}

// fipsCase is a key or secret and how FIPS 140-3 mode regards it.
type fipsCase struct {
	name     string
	approved bool                                   // FIPS 186-5 / SP 800-107 approved
	key      func(tb testing.TB) (*jwks.Key, error) // the jwtguard key, or NewKey's error
	token    func(tb testing.TB, s *Signer) string  // a token the key verifies (s.Key is the key)
}

// TestFIPSAnswers runs keys and secrets FIPS 140-3 does not approve through
// jwks.NewKey/NewHMACKey and Validator.Validate in the running build and
// logs what jwtguard answers (the table "What FIPS mode refuses" of
// bench/README.md comes from GODEBUG=fips140=only go test -v -run
// TestFIPSAnswers ./bench/). In every build: no panic; approved keys
// verify; under fips140=only no token of a non-approved key is accepted.
func TestFIPSAnswers(t *testing.T) {
	f := mustFixture(t)
	t.Logf("crypto build: %s", CryptoBuild())
	rawToken := func(raw *rawRSA) func(testing.TB, *Signer) string {
		return func(tb testing.TB, s *Signer) string {
			input := b64(fmt.Appendf(nil, `{"alg":"RS256","typ":"JWT","kid":%q}`, s.KID)) + "." + b64(f.Claims(1))
			return input + "." + b64(raw.signRS256([]byte(input)))
		}
	}
	e3, e3pub := newRawRSA(t, 3, 1024, 1024)
	odd, oddpub := newRawRSA(t, 65537, 1025, 1024)
	var small *rsa.PrivateKey
	fips140.WithoutEnforcement(func() {
		var err error
		if small, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			t.Fatal(err)
		}
	})
	fixtureKey := func(alg string) func(testing.TB) (*jwks.Key, error) {
		return func(testing.TB) (*jwks.Key, error) { return f.Signer(alg).Key, nil }
	}
	fixtureToken := func(tb testing.TB, s *Signer) string { return mustToken(tb, f, s.Alg, 1) }
	cases := []fipsCase{
		{name: "RS256, RSA 2048, e=65537", approved: true, key: fixtureKey("RS256"), token: fixtureToken},
		{name: "PS256, RSA 2048, e=65537", approved: true, key: fixtureKey("PS256"), token: fixtureToken},
		{name: "ES256, P-256", approved: true, key: fixtureKey("ES256"), token: fixtureToken},
		{name: "EdDSA, Ed25519", approved: true, key: fixtureKey("EdDSA"), token: fixtureToken},
		{name: "HS256, 32-byte secret", approved: true, key: fixtureKey("HS256"), token: fixtureToken},
		{name: "RS256, RSA 2048, e=3", key: func(testing.TB) (*jwks.Key, error) {
			return jwks.NewKey("e3", "RS256", e3pub)
		}, token: rawToken(e3)},
		{name: "RS256, RSA 2049 bits (odd length)", key: func(testing.TB) (*jwks.Key, error) {
			return jwks.NewKey("odd", "RS256", oddpub)
		}, token: rawToken(odd)},
		{name: "RS256, RSA 1024", key: func(testing.TB) (*jwks.Key, error) {
			return jwks.NewKey("small", "RS256", &small.PublicKey)
		}},
		{name: "HS256, 13-byte secret (under 112 bits)", key: func(testing.TB) (*jwks.Key, error) {
			return jwks.NewHMACKey("short", "HS256", make([]byte, 13))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k, err := c.key(t)
			if err != nil {
				if c.approved {
					t.Fatalf("approved key refused: %v", err)
				}
				t.Logf("%s | refused at configuration: %v", CryptoBuild(), err)
				return
			}
			s := &Signer{Alg: string(k.Alg()), KID: k.ID(), Key: k}
			v, err := middleware.New(Issuer, Audience,
				middleware.WithKeys(mustStatic(t, k)),
				middleware.WithAlgorithms(k.Alg()),
				middleware.WithNamespace(Namespace),
				middleware.WithTokenCache(0))
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Validate(context.Background(), c.token(t, s))
			var e *middleware.Error
			switch {
			case err == nil && !c.approved && fips140.Enforced():
				t.Errorf("%s | NewKey accepts it and Validate ACCEPTS its token in FIPS 140-only mode", CryptoBuild())
			case err == nil:
				if !c.approved {
					t.Logf("%s | accepted (not FIPS-approved: only fips140=only refuses it)", CryptoBuild())
				}
			case c.approved:
				t.Errorf("%s | valid token of an approved key refused: %v", CryptoBuild(), err)
			case errors.As(err, &e):
				t.Logf("%s | NewKey accepts it; Validate refuses every token: reason %s (%v)", CryptoBuild(), e.Reason, err)
				if e.Reason == middleware.ReasonSignature {
					t.Logf("known gap: a valid signature reported as %s; jwks.NewKey should refuse the key in FIPS 140-only mode", e.Reason)
				}
			default:
				t.Errorf("%s | refused without a *middleware.Error: %v", CryptoBuild(), err)
			}
		})
	}
}

func mustStatic(tb testing.TB, keys ...*jwks.Key) jwks.Source {
	tb.Helper()
	src, err := jwks.Static(keys...)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}
