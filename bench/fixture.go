package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// The identity of the fixture's tokens, shaped like an Auth0 tenant and API.
const (
	Issuer    = "https://tenant.eu.auth0.com/" // trailing slash, as Auth0 issues it
	Audience  = "https://contacts.example.com"
	Namespace = "https://myapp.example.com/"
	ClientID  = "kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU"
)

// Algs are the algorithms the benchmarks cover; Peers are the ones the
// peer comparison covers (every peer supports them).
var (
	Algs  = []string{"RS256", "PS256", "ES256", "EdDSA", "HS256"}
	Peers = []string{"RS256", "ES256", "EdDSA"}
)

// Signer holds one algorithm's key pair: the private half signs fixture
// tokens, the public half (or the HMAC secret) verifies them.
type Signer struct {
	Alg     string
	KID     string
	Private crypto.Signer    // nil for HS256
	Public  crypto.PublicKey // nil for HS256
	Secret  []byte           // HS256 only
	Key     *jwks.Key        // the same key for jwtguard
}

// Fixture is a set of signers, one per entry of Algs. It is immutable once
// built and safe for concurrent use.
type Fixture struct {
	signers map[string]*Signer
	created time.Time
}

// NewFixture generates fresh keys: RSA 2048, P-256, Ed25519 and a 32-byte
// HMAC secret.
func NewFixture() (*Fixture, error) {
	f := &Fixture{signers: map[string]*Signer{}, created: time.Now()}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	_, dk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	for _, s := range []*Signer{
		{Alg: "RS256", KID: "Xq3mTn0cR7uVb1Zs9LkD2", Private: rk, Public: &rk.PublicKey},
		{Alg: "PS256", KID: "Pw8aH2jKe5Yt6Uo3NiB4c", Private: rk, Public: &rk.PublicKey},
		{Alg: "ES256", KID: "Ec5vJ8qLs1Dx4Wm7Rz0Fa", Private: ek, Public: &ek.PublicKey},
		{Alg: "EdDSA", KID: "Ed2kG6hNp9Cy3Sv5Tb8Qe", Private: dk, Public: dk.Public()},
		{Alg: "HS256", KID: "Hs7fM4rWx0Ga1Jd6Ke9Lb", Secret: secret},
	} {
		if s.Secret != nil {
			s.Key, err = jwks.NewHMACKey(s.KID, s.Alg, s.Secret)
		} else {
			s.Key, err = jwks.NewKey(s.KID, s.Alg, s.Public)
		}
		if err != nil {
			return nil, err
		}
		f.signers[s.Alg] = s
	}
	return f, nil
}

// Signer returns the signer of alg, or nil for an algorithm not in Algs.
func (f *Fixture) Signer(alg string) *Signer { return f.signers[alg] }

// Keys returns the jwtguard keys of every signer.
func (f *Fixture) Keys() []*jwks.Key {
	out := make([]*jwks.Key, 0, len(Algs))
	for _, a := range Algs {
		out = append(out, f.signers[a].Key)
	}
	return out
}

// Claims returns the payload of an Auth0 access token for a user: a
// namespaced custom claim first (Auth0 puts rule/action claims first), then
// iss with its trailing slash, sub, aud as an array of two (the API and the
// tenant's userinfo endpoint, as when openid is requested), iat, exp one day
// later, scope, azp and the RBAC permissions array; no gty. n makes the
// subject, and so the token, distinct.
func (f *Fixture) Claims(n int) []byte {
	iat := f.created.Unix()
	return fmt.Appendf(nil, `{"%sroles":["admin","editor"],"iss":%q,"sub":"auth0|64f1c2a9b8e7d6c5b4a3%04d",`+
		`"aud":[%q,"%suserinfo"],"iat":%d,"exp":%d,"scope":"openid profile email read:contacts write:contacts",`+
		`"azp":%q,"permissions":["read:contacts","write:contacts"]}`,
		Namespace, Issuer, n%10000, Audience, Issuer, iat, iat+86400, ClientID)
}

// Token returns an Auth0-style token signed by alg's signer; n makes it
// distinct (see Claims).
func (f *Fixture) Token(alg string, n int) (string, error) {
	s := f.signers[alg]
	if s == nil {
		return "", fmt.Errorf("bench: no signer for %q", alg)
	}
	return s.Sign(f.Claims(n))
}

// Sign signs payload in a compact JWS with header {"alg","typ":"JWT","kid"}.
func (s *Signer) Sign(payload []byte) (string, error) {
	h := fmt.Appendf(nil, `{"alg":%q,"typ":"JWT","kid":%q}`, s.Alg, s.KID)
	input := b64(h) + "." + b64(payload)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch s.Alg {
	case "RS256":
		sig, err = rsa.SignPKCS1v15(nil, s.Private.(*rsa.PrivateKey), crypto.SHA256, sum[:])
	case "PS256":
		sig, err = rsa.SignPSS(rand.Reader, s.Private.(*rsa.PrivateKey), crypto.SHA256, sum[:],
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case "ES256":
		r, ss, e := ecdsa.Sign(rand.Reader, s.Private.(*ecdsa.PrivateKey), sum[:])
		sig, err = make([]byte, 64), e
		if e == nil {
			r.FillBytes(sig[:32])
			ss.FillBytes(sig[32:])
		}
	case "EdDSA":
		sig = ed25519.Sign(s.Private.(ed25519.PrivateKey), []byte(input))
	case "HS256":
		m := hmac.New(sha256.New, s.Secret)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	default:
		err = fmt.Errorf("bench: cannot sign %q", s.Alg)
	}
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// Validator returns a jwtguard Validator for the fixture's issuer and
// audience, with every fixture key in a static source (no network) and the
// given token cache size (0 turns the cache off).
func (f *Fixture) Validator(cacheSize int) (*middleware.Validator, error) {
	src, err := jwks.Static(f.Keys()...)
	if err != nil {
		return nil, err
	}
	algs := make([]jwks.Alg, len(Algs))
	for i, a := range Algs {
		algs[i] = jwks.Alg(a)
	}
	return middleware.New(Issuer, Audience,
		middleware.WithKeys(src),
		middleware.WithAlgorithms(algs...),
		middleware.WithNamespace(Namespace),
		middleware.WithTokenCache(cacheSize))
}

// CPUMeter reports the process CPU time per iteration of a benchmark loop as
// the custom metric "cpu-ns/op", beside go test's wall-clock ns/op. Start
// it right before the loop and call Report right after.
type CPUMeter struct{ start time.Duration }

// StartCPU starts a CPUMeter.
func StartCPU() CPUMeter { return CPUMeter{ProcessCPU()} }

// Report adds the metric to b for b.N iterations; nothing when the clock
// is unavailable.
func (m CPUMeter) Report(b interface{ ReportMetric(float64, string) }, n int) {
	if end := ProcessCPU(); m.start > 0 && end > m.start && n > 0 {
		b.ReportMetric(float64(end-m.start)/float64(n), "cpu-ns/op")
	}
}
