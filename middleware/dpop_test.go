package middleware

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/dpop"
	"github.com/jwtguard/jwtguard/jwks"
)

const apiURL = "https://api.example.com/contacts/1"

// dpopClient is a client holding a DPoP key.
type dpopClient struct {
	key *ecdsa.PrivateKey
	jwk map[string]any
	jkt string
}

func newDPoPClient(t testing.TB) *dpopClient {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x := b64url(k.PublicKey.X.FillBytes(make([]byte, 32)))
	y := b64url(k.PublicKey.Y.FillBytes(make([]byte, 32)))
	// RFC 7638 section 3.2: required members, lexicographic order, no
	// white space; computed here by hand, independently of the code.
	tp := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return &dpopClient{key: k, jwk: map[string]any{"kty": "EC", "crv": "P-256", "x": x, "y": y}, jkt: b64url(tp[:])}
}

// boundToken mints an access token bound to the client's key.
func (c *dpopClient) boundToken(t testing.TB) string {
	return token(t, "ES256", func(h, cl map[string]any) { cl["cnf"] = map[string]any{"jkt": c.jkt} })
}

var jtiCounter atomic.Int64

// proof mints a valid proof for method and url carrying access token tok;
// mutate changes it before signing.
func (c *dpopClient) proof(t testing.TB, method, url, tok string, mutate func(h, cl map[string]any)) string {
	t.Helper()
	ath := sha256.Sum256([]byte(tok))
	h := map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": c.jwk}
	cl := map[string]any{
		"jti": "proof-" + time.Now().Format("150405.000000000") + "-" + string(rune('a'+jtiCounter.Add(1)%26)),
		"htm": method, "htu": url, "iat": time.Now().Unix(), "ath": b64url(ath[:]),
	}
	if mutate != nil {
		mutate(h, cl)
	}
	return sign(t, "ES256", c.key, h, cl)
}

func dpopCreds(tok, proof string) Credentials {
	return Credentials{Scheme: SchemeDPoP, Token: tok, Proofs: []string{proof}, Method: "DELETE", URL: apiURL}
}

func TestDPoPAccepts(t *testing.T) {
	v := newValidator(t)
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	cl, err := v.Authenticate(context.Background(), dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if cl.ConfirmationJKT != c.jkt {
		t.Fatalf("cnf.jkt = %q, want %q", cl.ConfirmationJKT, c.jkt)
	}
	// htu compared after RFC 3986 normalisation; query and fragment ignored.
	for _, u := range []string{"HTTPS://API.example.com:443/contacts/1", "https://api.example.com/contacts/./1?x=1#f", "https://api.example.com/%63ontacts/1"} {
		if _, err := v.Authenticate(context.Background(), dpopCreds(tok, c.proof(t, "DELETE", u, tok, nil))); err != nil {
			t.Errorf("htu %s: %v", u, err)
		}
	}
}

func TestDPoPRejects(t *testing.T) {
	c := newDPoPClient(t)
	other := newDPoPClient(t)
	ctx := context.Background()
	tok := c.boundToken(t)
	unbound := token(t, "ES256", nil)
	hs := func(tt *testing.T) string {
		// An HS256 "proof" keyed with a secret: never accepted.
		h := map[string]any{"typ": "dpop+jwt", "alg": "HS256", "jwk": map[string]any{"kty": "oct", "k": b64url(fixture.hmac)}}
		ath := sha256.Sum256([]byte(tok))
		return sign(tt, "HS256", nil, h, map[string]any{"jti": "x", "htm": "DELETE", "htu": apiURL, "iat": time.Now().Unix(), "ath": b64url(ath[:])})
	}
	cases := []struct {
		name   string
		creds  func(t *testing.T) Credentials
		reason Reason
		cat    error
	}{
		{"wrong htm", func(t *testing.T) Credentials { return dpopCreds(tok, c.proof(t, "GET", apiURL, tok, nil)) }, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"wrong htu", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", "https://api.example.com/contacts/2", tok, nil))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"htu other host", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", "https://evil.example.com/contacts/1", tok, nil))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"stale iat", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { cl["iat"] = time.Now().Add(-2 * time.Minute).Unix() }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"future iat", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { cl["iat"] = time.Now().Add(2 * time.Minute).Unix() }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"ath mismatch", func(t *testing.T) Credentials { return dpopCreds(tok, c.proof(t, "DELETE", apiURL, unbound, nil)) }, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"no ath", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { delete(cl, "ath") }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"jkt mismatch", func(t *testing.T) Credentials { return dpopCreds(tok, other.proof(t, "DELETE", apiURL, tok, nil)) }, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"private key in jwk", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) {
				j := map[string]any{"d": b64url(c.key.D.Bytes())}
				for k, v := range c.jwk {
					j[k] = v
				}
				h["jwk"] = j
			}))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"HS256 proof", func(t *testing.T) Credentials { return dpopCreds(tok, hs(t)) }, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"typ JWT", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { h["typ"] = "JWT" }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"no jwk", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { delete(h, "jwk") }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"jwk of another key than the signer", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { h["jwk"] = other.jwk }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"no jti", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { delete(cl, "jti") }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"string iat", func(t *testing.T) Credentials {
			return dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, func(h, cl map[string]any) { cl["iat"] = "now" }))
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"no proof", func(t *testing.T) Credentials { cr := dpopCreds(tok, ""); cr.Proofs = nil; return cr }, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"two proofs", func(t *testing.T) Credentials {
			p := c.proof(t, "DELETE", apiURL, tok, nil)
			cr := dpopCreds(tok, p)
			cr.Proofs = append(cr.Proofs, p)
			return cr
		}, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"proof garbage", func(t *testing.T) Credentials { return dpopCreds(tok, "not-a-jwt") }, ReasonDPoPProof, ErrInvalidDPoPProof},
		{"unbound token with DPoP scheme", func(t *testing.T) Credentials {
			return dpopCreds(unbound, c.proof(t, "DELETE", apiURL, unbound, nil))
		}, ReasonDPoPNotBound, ErrInvalidToken},
		{"downgrade to Bearer", func(t *testing.T) Credentials { return Credentials{Scheme: SchemeBearer, Token: tok} }, ReasonDPoPDowngrade, ErrInvalidToken},
		{"bad access token", func(t *testing.T) Credentials {
			bad := tok[:len(tok)-4] + "AAAA"
			return dpopCreds(bad, c.proof(t, "DELETE", apiURL, bad, nil))
		}, ReasonSignature, ErrInvalidToken},
	}
	v := newValidator(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Authenticate(ctx, tc.creds(t))
			assertDPoPError(t, err, tc.reason, tc.cat)
		})
	}
}

func assertDPoPError(t *testing.T, err error, reason Reason, cat error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, cat) || e.Reason != reason {
		t.Fatalf("err = %v (reason %v), want reason %s in %v", err, reasonOf(err), reason, cat)
	}
	if e.HTTPStatus() != 401 {
		t.Fatalf("status %d, want 401", e.HTTPStatus())
	}
}

func reasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestDPoPReplay(t *testing.T) {
	v := newValidator(t)
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	p := c.proof(t, "DELETE", apiURL, tok, nil)
	if _, err := v.Authenticate(context.Background(), dpopCreds(tok, p)); err != nil {
		t.Fatal(err)
	}
	_, err := v.Authenticate(context.Background(), dpopCreds(tok, p))
	assertDPoPError(t, err, ReasonDPoPReplay, ErrInvalidDPoPProof)
}

func TestDPoPModes(t *testing.T) {
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	plain := token(t, "ES256", nil)
	ctx := context.Background()

	off := newValidator(t, WithDPoP(DPoPDisabled))
	_, err := off.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
	if !errors.Is(err, ErrMissingToken) {
		t.Errorf("DPoP scheme with DPoP disabled: %v, want ErrMissingToken", err)
	}
	if _, err := off.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: plain}); err != nil {
		t.Errorf("Bearer with DPoP disabled: %v", err)
	}
	_, err = off.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: tok})
	assertDPoPError(t, err, ReasonDPoPDowngrade, ErrInvalidToken)
	if ch := Challenge("api", err); ch != `Bearer realm="api", error="invalid_token", error_description="a DPoP-bound access token was sent with the Bearer scheme (RFC 9449 section 7.2)"` {
		t.Errorf("challenge with DPoP disabled: %s", ch)
	}

	req := newValidator(t, WithDPoP(DPoPRequired), WithDPoPAlgorithms(jwks.ES256, jwks.EdDSA))
	_, err = req.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: plain})
	assertDPoPError(t, err, ReasonDPoPRequired, ErrInvalidToken)
	if ch := Challenge("api", err); ch != `DPoP realm="api", algs="ES256 EdDSA", error="invalid_token", error_description="this API accepts DPoP-bound access tokens only (RFC 9449)"` {
		t.Errorf("challenge with DPoP required: %s", ch)
	}
	if _, err := req.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil))); err != nil {
		t.Errorf("DPoP with DPoP required: %v", err)
	}
	_, err = req.Authenticate(ctx, Credentials{Scheme: SchemeBearer})
	if !errors.Is(err, ErrMissingToken) || Challenge("", err) != `DPoP algs="ES256 EdDSA"` {
		t.Errorf("no token with DPoP required: %v / %s", err, Challenge("", err))
	}
}

func TestDPoPChallenges(t *testing.T) {
	v := newValidator(t, WithDPoPAlgorithms(jwks.ES256, jwks.RS256), WithResourceMetadataURL("https://api.example.com/.well-known/oauth-protected-resource"))
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	ctx := context.Background()
	md := `resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"`
	_, err := v.Authenticate(ctx, Credentials{})
	if got, want := Challenge("api", err), `Bearer realm="api", `+md+`, DPoP realm="api", algs="ES256 RS256", `+md; got != want {
		t.Errorf("no token:\n got %s\nwant %s", got, want)
	}
	_, err = v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "GET", apiURL, tok, nil)))
	got := Challenge("", err)
	if !strings.HasPrefix(got, `Bearer `+md+`, DPoP algs="ES256 RS256", `+md+`, error="invalid_dpop_proof", error_description="the DPoP proof htm`) {
		t.Errorf("bad proof: %s", got)
	}
	// A scope error of a DPoP request goes on the DPoP challenge.
	scopeErr := NewError(ErrInsufficientScope, ReasonInsufficientScope, "missing scope")
	scopeErr.Scopes = []string{"delete:contacts"}
	got = Challenge("", v.Annotate(scopeErr, SchemeDPoP))
	if !strings.HasSuffix(got, `DPoP algs="ES256 RS256", `+md+`, error="insufficient_scope", error_description="missing scope", scope="delete:contacts"`) ||
		strings.Contains(got[:strings.Index(got, "DPoP")], "error=") {
		t.Errorf("scope error on DPoP: %s", got)
	}
	// Plain errors (no Annotate) keep the RFC 6750 Bearer challenge.
	if got := Challenge("", scopeErr); got != `Bearer error="insufficient_scope", error_description="missing scope", scope="delete:contacts"` {
		t.Errorf("unannotated: %s", got)
	}
}

func TestDPoPNonce(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	now := time.Now()
	clock := func() time.Time { return now }
	v := newValidator(t, WithDPoPNonce(secret, time.Minute), WithClock(clock))
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	ctx := context.Background()
	_, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrUseDPoPNonce) || e.DPoPNonce == "" || e.Code() != "use_dpop_nonce" {
		t.Fatalf("proof without nonce: %v", err)
	}
	nonce := e.DPoPNonce
	if v.DPoPNonce() != nonce {
		t.Fatalf("DPoPNonce() = %q, error carried %q", v.DPoPNonce(), nonce)
	}
	withNonce := func(n string) func(h, cl map[string]any) {
		return func(h, cl map[string]any) { cl["nonce"] = n; cl["iat"] = now.Unix() }
	}
	if _, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, withNonce(nonce)))); err != nil {
		t.Fatalf("proof with the nonce: %v", err)
	}
	// A forged nonce and a nonce from another secret are refused.
	other, _ := dpop.NewNonces([]byte("another-secret-another-secret-xx"), time.Minute)
	for _, n := range []string{"forged", other.Current(now), nonce[:len(nonce)-2] + "AA"} {
		_, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, withNonce(n))))
		if !errors.Is(err, ErrUseDPoPNonce) {
			t.Errorf("nonce %q: %v", n, err)
		}
	}
	// The nonce stays good for the next period, not the one after.
	now = now.Add(time.Minute)
	if _, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, withNonce(nonce)))); err != nil {
		t.Fatalf("nonce one period later: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, withNonce(nonce)))); !errors.Is(err, ErrUseDPoPNonce) {
		t.Fatalf("nonce two periods later: %v", err)
	}
}

func TestResourceMetadata(t *testing.T) {
	v := newValidator(t, WithDPoP(DPoPRequired), WithDPoPAlgorithms(jwks.ES256))
	md := v.ResourceMetadata("read:contacts")
	if md.Resource != testAudience || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != testIssuer ||
		!md.DPoPBoundAccessTokensRequired || len(md.DPoPSigningAlgValuesSupported) != 1 || md.ScopesSupported[0] != "read:contacts" {
		t.Fatalf("metadata = %+v", md)
	}
	if _, err := New(testIssuer, testAudience, WithKeys(newSource(fixture.keySet...)), WithResourceMetadataURL("/relative")); err == nil {
		t.Fatal("relative metadata URL accepted")
	}
}

// TestDPoPSmallOrderKey: a proof whose jwk is the Ed25519 identity point,
// signed with the forged signature R = identity, S = 0 that such a key
// verifies for every message, is refused (jwks.NewKey refuses the key).
// Without that check anyone who obtained a token bound to such a key could
// mint proofs for it.
func TestDPoPSmallOrderKey(t *testing.T) {
	identity := make([]byte, 32)
	identity[0] = 1
	x := b64url(identity)
	tp := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	tok := token(t, "ES256", func(h, cl map[string]any) { cl["cnf"] = map[string]any{"jkt": b64url(tp[:])} })
	ath := sha256.Sum256([]byte(tok))
	h := marshal(t, map[string]any{"typ": "dpop+jwt", "alg": "EdDSA", "jwk": map[string]any{"kty": "OKP", "crv": "Ed25519", "x": x}})
	cl := marshal(t, map[string]any{"jti": "small-order", "htm": "DELETE", "htu": apiURL, "iat": time.Now().Unix(), "ath": b64url(ath[:])})
	forged := make([]byte, 64)
	forged[0] = 1 // R = identity, S = 0
	proof := b64url(h) + "." + b64url(cl) + "." + b64url(forged)
	_, err := newValidator(t).Authenticate(context.Background(), dpopCreds(tok, proof))
	assertDPoPError(t, err, ReasonDPoPProof, ErrInvalidDPoPProof)
	if e := AsError(err); !strings.Contains(e.Description, "does not fit its algorithm") {
		t.Fatalf("refused with %q, want the key refused", e.Description)
	}
}
