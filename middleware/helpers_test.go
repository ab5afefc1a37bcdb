package middleware

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

const (
	testIssuer   = "https://issuer.example.com/"
	testAudience = "https://api.example.com"
	testNS       = "https://myapp.example.com/"
)

// testKeys are generated once per test binary: RSA generation is slow.
type testKeys struct {
	rsa     *rsa.PrivateKey
	rsa2    *rsa.PrivateKey
	ec256   *ecdsa.PrivateKey
	ec384   *ecdsa.PrivateKey
	ec521   *ecdsa.PrivateKey
	ed      ed25519.PrivateKey
	hmac    []byte
	keySet  []*jwks.Key
	hmacKey *jwks.Key
}

var fixture = func() *testKeys {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	k := &testKeys{hmac: []byte("0123456789abcdef0123456789abcdef")}
	var err error
	k.rsa, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.rsa2, err = rsa.GenerateKey(rand.Reader, 2048)
	must(err)
	k.ec256, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	k.ec384, _ = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	k.ec521, _ = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	_, k.ed, _ = ed25519.GenerateKey(rand.Reader)
	add := func(kid, alg string, pub crypto.PublicKey) {
		key, err := jwks.NewKey(kid, alg, pub)
		must(err)
		k.keySet = append(k.keySet, key)
	}
	add("rs256", "RS256", &k.rsa.PublicKey)
	add("rs384", "RS384", &k.rsa.PublicKey)
	add("rs512", "RS512", &k.rsa.PublicKey)
	add("ps256", "PS256", &k.rsa.PublicKey)
	add("ps384", "PS384", &k.rsa.PublicKey)
	add("ps512", "PS512", &k.rsa.PublicKey)
	add("es256", "ES256", &k.ec256.PublicKey)
	add("es384", "ES384", &k.ec384.PublicKey)
	add("es512", "ES512", &k.ec521.PublicKey)
	add("ed", "EdDSA", k.ed.Public())
	k.hmacKey, err = jwks.NewHMACKey("", "HS256", k.hmac)
	must(err)
	return k
}()

// signer returns the private key that matches a kid of fixture.keySet.
func (k *testKeys) signerFor(alg string) crypto.Signer {
	switch alg[:2] {
	case "RS", "PS":
		return k.rsa
	case "Ed":
		return k.ed
	}
	switch alg {
	case "ES384":
		return k.ec384
	case "ES512":
		return k.ec521
	}
	return k.ec256
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign signs header and claims (marshalled as given) with alg using the
// standard library, independently of the code under test.
func sign(t testing.TB, alg string, signer crypto.Signer, header, claims any) string {
	t.Helper()
	h := marshal(t, header)
	p := marshal(t, claims)
	input := b64url(h) + "." + b64url(p)
	return input + "." + b64url(rawSign(t, alg, signer, []byte(input)))
}

func marshal(t testing.TB, v any) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func rawSign(t testing.TB, alg string, signer crypto.Signer, input []byte) []byte {
	t.Helper()
	var h crypto.Hash
	switch alg[2:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	var digest []byte
	if h != 0 {
		hh := h.New()
		hh.Write(input)
		digest = hh.Sum(nil)
	}
	var sig []byte
	var err error
	switch alg[:2] {
	case "RS":
		sig, err = rsa.SignPKCS1v15(rand.Reader, signer.(*rsa.PrivateKey), h, digest)
	case "PS":
		sig, err = rsa.SignPSS(rand.Reader, signer.(*rsa.PrivateKey), h, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES":
		priv := signer.(*ecdsa.PrivateKey)
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, digest)
		size := (priv.Curve.Params().BitSize + 7) / 8
		sig = make([]byte, 2*size)
		if err == nil {
			r.FillBytes(sig[:size])
			s.FillBytes(sig[size:])
		}
	case "Ed":
		sig = ed25519.Sign(signer.(ed25519.PrivateKey), input)
	case "HS":
		m := hmac.New(h.New, fixture.hmac)
		m.Write(input)
		sig = m.Sum(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// claims returns a valid claim set for the test validator.
func claims() map[string]any {
	now := time.Now().Unix()
	return map[string]any{
		"iss":                     testIssuer,
		"sub":                     "auth0|user-1",
		"aud":                     []string{testAudience, testIssuer + "userinfo"},
		"iat":                     now,
		"exp":                     now + 3600,
		"azp":                     "client-abc",
		"scope":                   "openid read:contacts delete:contacts",
		"permissions":             []string{"read:contacts"},
		testNS + "favorite_color": "blue",
	}
}

func hdr(alg, kid string) map[string]any {
	h := map[string]any{"alg": alg, "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	return h
}

// token signs a valid token with the fixture key for alg.
func token(t testing.TB, alg string, mutate func(h, c map[string]any)) string {
	t.Helper()
	h, c := hdr(alg, kidFor(alg)), claims()
	if mutate != nil {
		mutate(h, c)
	}
	return sign(t, alg, fixture.signerFor(alg), h, c)
}

func kidFor(alg string) string {
	switch alg {
	case "EdDSA":
		return "ed"
	case "HS256":
		return ""
	}
	return map[byte]string{'R': "rs", 'P': "ps", 'E': "es"}[alg[0]] + alg[2:]
}

// countingSource wraps a set and counts Refresh calls.
type countingSource struct {
	set       atomic.Pointer[jwks.Set]
	refreshes atomic.Int64
	next      *jwks.Set // served after the first Refresh, if set
}

func (s *countingSource) Keys() *jwks.Set { return s.set.Load() }

func (s *countingSource) Refresh(ctx context.Context, kid string) (*jwks.Set, error) {
	s.refreshes.Add(1)
	if s.next != nil {
		s.set.Store(s.next)
	}
	if s.set.Load() == nil {
		return nil, jwks.ErrUnavailable
	}
	return s.set.Load(), nil
}

func newSource(keys ...*jwks.Key) *countingSource {
	s := &countingSource{}
	s.set.Store(jwks.NewSet(keys...))
	return s
}

func newValidator(t testing.TB, opts ...Option) *Validator {
	t.Helper()
	opts = append([]Option{WithKeys(newSource(fixture.keySet...)), WithNamespace(testNS)}, opts...)
	v, err := New(testIssuer, testAudience, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sha256Sum(s string) []byte {
	h := crypto.SHA256.New()
	h.Write([]byte(s))
	return h.Sum(nil)
}
