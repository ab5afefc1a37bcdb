package jwtguardtest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

const aud = "https://contacts.example.com"

func newIssuer(t *testing.T, opts ...jwtguardtest.Option) *jwtguardtest.Issuer {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	return iss
}

// remoteValidator validates tokens of iss with keys fetched from its JWKS.
func remoteValidator(t *testing.T, iss *jwtguardtest.Issuer, opts ...jwks.Option) (*middleware.Validator, *jwks.Remote) {
	t.Helper()
	src, err := jwks.NewRemote(iss.JWKSURL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	v, err := middleware.New(iss.URL(), aud, middleware.WithKeys(src), middleware.WithTokenCache(0))
	if err != nil {
		t.Fatal(err)
	}
	return v, src
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func mint(t *testing.T, iss *jwtguardtest.Issuer, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{aud}
	}
	tok, err := iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// segment decodes part n (0 header, 1 payload) of a compact JWS.
func segment(t *testing.T, tok string, n int) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[n])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func reasonOf(err error) middleware.Reason {
	var e *middleware.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func TestDiscoveryAndJWKSServed(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithCacheControl("max-age=120"))
	if !strings.HasPrefix(iss.URL(), "http://127.0.0.1:") || !strings.HasSuffix(iss.URL(), "/") {
		t.Fatalf("URL() = %q, want http://127.0.0.1:PORT/", iss.URL())
	}
	if iss.DiscoveryURL() != iss.URL()+".well-known/openid-configuration" || iss.JWKSURL() != iss.URL()+".well-known/jwks.json" {
		t.Fatalf("DiscoveryURL %q JWKSURL %q", iss.DiscoveryURL(), iss.JWKSURL())
	}
	for _, u := range jwks.DiscoveryURLs(iss.URL()) { // OIDC, then RFC 8414
		resp, body := get(t, u)
		var md struct {
			Issuer  string   `json:"issuer"`
			JWKSURI string   `json:"jwks_uri"`
			Algs    []string `json:"id_token_signing_alg_values_supported"`
		}
		if err := json.Unmarshal(body, &md); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s %v", u, resp.StatusCode, body, err)
		}
		if md.Issuer != iss.URL() || md.JWKSURI != iss.JWKSURL() || len(md.Algs) != 1 || md.Algs[0] != "RS256" {
			t.Errorf("%s: %+v", u, md)
		}
	}
	if n := iss.DiscoveryFetches(); n != 2 {
		t.Errorf("DiscoveryFetches = %d, want 2", n)
	}

	resp, body := get(t, iss.JWKSURL())
	var set struct{ Keys []map[string]string }
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Type") != "application/jwk-set+json" || resp.Header.Get("Cache-Control") != "max-age=120" {
		t.Errorf("headers %v", resp.Header)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("keys %v", set.Keys)
	}
	k := set.Keys[0]
	if k["kid"] != iss.KeyID() || k["alg"] != "RS256" || k["use"] != "sig" || k["kty"] != "RSA" || k["e"] != "AQAB" || k["d"] != "" {
		t.Errorf("JWK %v", k)
	}
	if string(body) != string(iss.JWKS()) {
		t.Error("JWKS() differs from what is served")
	}
	// ETag / If-None-Match (RFC 9110 section 13.1.2).
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, iss.JWKSURL(), "If-None-Match", etag); etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %q: %d", etag, resp.StatusCode)
	}
	iss.SetCacheControl("")
	if resp, _ := get(t, iss.JWKSURL()); resp.Header.Get("Cache-Control") != "" {
		t.Error("Cache-Control still sent")
	}
	if n := iss.JWKSFetches(); n != 3 {
		t.Errorf("JWKSFetches = %d, want 3", n)
	}
}

func TestWithoutDiscovery(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithoutDiscovery())
	if resp, _ := get(t, iss.DiscoveryURL()); resp.StatusCode != 404 {
		t.Fatalf("discovery: %d", resp.StatusCode)
	}
	// jwks.Discover falls back to Auth0's location.
	src, err := jwks.Discover(iss.URL(), jwks.WithFallbackJWKS(iss.JWKSURL()))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := src.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	if got := src.Keys().KIDs(); len(got) != 1 || got[0] != iss.KeyID() {
		t.Errorf("kids %v", got)
	}
}

// Every algorithm's tokens verify with the validator, fetched over HTTP,
// and carry the header the issuer claims.
func TestAlgorithms(t *testing.T) {
	sigLen := map[jwks.Alg]int{jwks.ES256: 64, jwks.ES384: 96, jwks.ES512: 132, jwks.EdDSA: 64}
	for _, alg := range jwks.AsymmetricAlgs {
		t.Run(string(alg), func(t *testing.T) {
			iss := newIssuer(t, jwtguardtest.WithAlgorithm(alg))
			v, _ := remoteValidator(t, iss)
			tok := mint(t, iss, jwtguardtest.Claims{Subject: "auth0|alice", Scope: "read:contacts"})
			c, err := v.Validate(context.Background(), tok)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if c.Algorithm != string(alg) || c.KeyID != iss.KeyID() || c.Type != "JWT" || c.Subject != "auth0|alice" || c.Scope != "read:contacts" {
				t.Errorf("claims %+v", c)
			}
			if want, ok := sigLen[alg]; ok {
				sig, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[2])
				if len(sig) != want {
					t.Errorf("signature is %d bytes, want %d (RFC 7518 section 3.4 R||S)", len(sig), want)
				}
			}
		})
	}
}

func TestWithAlgorithmRefusesHMACAndUnknown(t *testing.T) {
	for _, alg := range []jwks.Alg{"HS256", "none", "rs256", ""} {
		if _, err := jwtguardtest.NewIssuer(jwtguardtest.WithAlgorithm(alg)); err == nil {
			t.Errorf("WithAlgorithm(%q) accepted", alg)
		}
	}
	iss := newIssuer(t)
	if _, err := iss.RotateTo("HS512"); err == nil {
		t.Error("RotateTo(HS512) accepted")
	}
	if _, err := iss.AccessToken(jwtguardtest.Claims{Header: map[string]any{"alg": "none"}}); err == nil {
		t.Error("Header alg accepted")
	}
}

// The validator refuses what the kit mints for negative paths, with the
// right Reason.
func TestRefusedTokens(t *testing.T) {
	iss := newIssuer(t)
	v, err := middleware.New(iss.URL(), aud, middleware.WithKeys(staticKeys(t, iss)))
	if err != nil {
		t.Fatal(err)
	}
	strict, err := middleware.New(iss.URL(), aud, middleware.WithKeys(staticKeys(t, iss)), middleware.WithStrictTokenType())
	if err != nil {
		t.Fatal(err)
	}
	idTok, err := iss.IDToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{aud}}, "n-0S6")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cases := []struct {
		name   string
		v      *middleware.Validator
		token  string
		reason middleware.Reason // "" means accepted
	}{
		{"access token", v, mint(t, iss, jwtguardtest.Claims{}), ""},
		{"ID token", v, idTok, middleware.ReasonIDToken},
		{"expired", v, mint(t, iss, jwtguardtest.Claims{ExpiresIn: -time.Hour}), middleware.ReasonExpired},
		{"not yet valid", v, mint(t, iss, jwtguardtest.Claims{NotBefore: now.Add(time.Hour)}), middleware.ReasonNotYetValid},
		{"nbf within leeway", v, mint(t, iss, jwtguardtest.Claims{NotBefore: now.Add(10 * time.Second)}), ""},
		{"issued in the future", v, mint(t, iss, jwtguardtest.Claims{IssuedAt: now.Add(time.Hour)}), middleware.ReasonIssuedInFuture},
		{"other issuer", v, mint(t, iss, jwtguardtest.Claims{Issuer: "https://evil.example.com/"}), middleware.ReasonIssuer},
		{"other audience", v, mint(t, iss, jwtguardtest.Claims{Audience: []string{"https://other.example.com"}}), middleware.ReasonAudience},
		{"unknown kid", v, mint(t, iss, jwtguardtest.Claims{Header: map[string]any{"kid": "nope"}}), middleware.ReasonUnknownKey},
		{"no kid, one key", v, mint(t, iss, jwtguardtest.Claims{Header: map[string]any{"kid": nil}}), ""},
		{"id+jwt type", v, mint(t, iss, jwtguardtest.Claims{Type: "id+jwt"}), middleware.ReasonTokenType},
		{"strict accepts at+jwt", strict, mint(t, iss, jwtguardtest.Claims{Type: jwtguardtest.TypeAccessToken}), ""},
		{"strict refuses JWT", strict, mint(t, iss, jwtguardtest.Claims{}), middleware.ReasonTokenType},
		{"no exp", v, mint(t, iss, jwtguardtest.Claims{Custom: map[string]any{"exp": nil}}), middleware.ReasonMissingExpiry},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.v.Validate(context.Background(), tc.token)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, middleware.ErrInvalidToken) || reasonOf(err) != tc.reason {
				t.Fatalf("err = %v (reason %q), want invalid_token %q", err, reasonOf(err), tc.reason)
			}
		})
	}
}

func staticKeys(t *testing.T, iss *jwtguardtest.Issuer) jwks.Source {
	t.Helper()
	src, err := jwks.StaticJWKS(iss.JWKS(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestMintedClaims(t *testing.T) {
	iss := newIssuer(t)
	tok := mint(t, iss, jwtguardtest.Claims{
		Subject: "client@clients", Audience: []string{aud, "https://tenant/userinfo"},
		Scope: "a b", SCP: []string{"User.Read"}, Permissions: []string{"p"},
		ClientID: "cid", AuthorizedParty: "azp1", GrantType: "client-credentials", ID: "jti-1",
		Header: map[string]any{"x-test": "1"},
		Custom: map[string]any{"https://myapp.example.com/color": "blue", "scope": "overridden"},
	})
	h, p := segment(t, tok, 0), segment(t, tok, 1)
	if h["alg"] != "RS256" || h["typ"] != "JWT" || h["kid"] != iss.KeyID() || h["x-test"] != "1" {
		t.Errorf("header %v", h)
	}
	wantStr := map[string]string{"iss": iss.URL(), "sub": "client@clients", "client_id": "cid", "azp": "azp1",
		"gty": "client-credentials", "jti": "jti-1", "scope": "overridden", "https://myapp.example.com/color": "blue"}
	for k, want := range wantStr {
		if p[k] != want {
			t.Errorf("%s = %v, want %q", k, p[k], want)
		}
	}
	if a, ok := p["aud"].([]any); !ok || len(a) != 2 {
		t.Errorf("aud = %v, want an array of 2", p["aud"])
	}
	exp, iat := p["exp"].(float64), p["iat"].(float64)
	if d := exp - iat; d < 3599 || d > 3601 {
		t.Errorf("exp-iat = %v, want 3600", d)
	}

	// RFC 9068: at+jwt, with a client_id even when none was asked for;
	// one audience is a string; each token has its own jti.
	a := mint(t, iss, jwtguardtest.Claims{Type: jwtguardtest.TypeAccessToken})
	b := mint(t, iss, jwtguardtest.Claims{Type: jwtguardtest.TypeAccessToken})
	ha, pa, pb := segment(t, a, 0), segment(t, a, 1), segment(t, b, 1)
	if ha["typ"] != "at+jwt" || pa["client_id"] != jwtguardtest.DefaultClientID || pa["aud"] != aud {
		t.Errorf("at+jwt header %v claims %v", ha, pa)
	}
	if pa["jti"] == "" || pa["jti"] == pb["jti"] {
		t.Errorf("jti %v and %v", pa["jti"], pb["jti"])
	}

	// ID tokens carry the nonce and no authorization claims.
	id, err := iss.IDToken(jwtguardtest.Claims{Subject: "u", Scope: "a", Permissions: []string{"p"}}, "n1")
	if err != nil {
		t.Fatal(err)
	}
	pid := segment(t, id, 1)
	if pid["nonce"] != "n1" || pid["scope"] != nil || pid["permissions"] != nil {
		t.Errorf("ID token claims %v", pid)
	}
}

// Rotation: the new kid is accepted at once through the unknown-kid
// refresh; the old key stays published until removed, and removal revokes
// its tokens at the next refresh.
func TestRotateAndRemove(t *testing.T) {
	iss := newIssuer(t)
	v, src := remoteValidator(t, iss, jwks.WithRefreshInterval(time.Second), jwks.WithMinRefreshInterval(time.Second))
	ctx := context.Background()
	oldKID := iss.KeyID()
	oldTok := mint(t, iss, jwtguardtest.Claims{})
	if _, err := v.Validate(ctx, oldTok); err != nil {
		t.Fatal(err)
	}
	newKID, err := iss.RotateTo(jwks.ES256)
	if err != nil {
		t.Fatal(err)
	}
	if newKID == oldKID || iss.KeyID() != newKID || iss.Algorithm() != jwks.ES256 {
		t.Fatalf("kids %s -> %s (KeyID %s, alg %s)", oldKID, newKID, iss.KeyID(), iss.Algorithm())
	}
	if got := iss.KeyIDs(); len(got) != 2 || got[0] != oldKID || got[1] != newKID {
		t.Fatalf("KeyIDs = %v", got)
	}
	newTok := mint(t, iss, jwtguardtest.Claims{})
	if c, err := v.Validate(ctx, newTok); err != nil || c.KeyID != newKID || c.Algorithm != "ES256" {
		t.Fatalf("new-key token: %v %+v", err, c)
	}
	if _, err := v.Validate(ctx, oldTok); err != nil {
		t.Fatalf("old-key token refused during rotation: %v", err)
	}

	if err := iss.RemoveKey("nope"); !errors.Is(err, jwtguardtest.ErrUnknownKey) {
		t.Errorf("RemoveKey(nope) = %v", err)
	}
	if err := iss.RemoveKey(oldKID); err != nil {
		t.Fatal(err)
	}
	if err := iss.RemoveKey(newKID); !errors.Is(err, jwtguardtest.ErrLastKey) {
		t.Errorf("removing the last key: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := v.Validate(ctx, oldTok)
		if reasonOf(err) == middleware.ReasonUnknownKey {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("removed key still accepted after 10 s (keys %v): %v", src.Keys().KIDs(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := v.Validate(ctx, newTok); err != nil {
		t.Errorf("current key refused after removal of the old one: %v", err)
	}
}

func TestRemoveSigningKey(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithAlgorithm(jwks.EdDSA))
	first := iss.KeyID()
	second, err := iss.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if iss.Algorithm() != jwks.EdDSA {
		t.Errorf("Rotate changed the algorithm to %s", iss.Algorithm())
	}
	if err := iss.RemoveKey(second); err != nil {
		t.Fatal(err)
	}
	if iss.KeyID() != first {
		t.Errorf("signing key %s after removing %s, want %s", iss.KeyID(), second, first)
	}
	if h := segment(t, mint(t, iss, jwtguardtest.Claims{}), 0); h["kid"] != first {
		t.Errorf("kid %v", h["kid"])
	}
}

// Outage: before the first fetch the validator answers ErrKeysUnavailable;
// once keys are cached it keeps validating through an outage.
func TestOutage(t *testing.T) {
	iss := newIssuer(t)
	iss.SetDown(true)
	for _, u := range []string{iss.DiscoveryURL(), iss.JWKSURL()} {
		if resp, _ := get(t, u); resp.StatusCode != 503 {
			t.Fatalf("%s during outage: %d", u, resp.StatusCode)
		}
	}
	v, src := remoteValidator(t, iss, jwks.WithRefreshInterval(time.Second), jwks.WithMinRefreshInterval(time.Second))
	tok := mint(t, iss, jwtguardtest.Claims{})
	_, err := v.Validate(context.Background(), tok)
	if !errors.Is(err, middleware.ErrKeysUnavailable) || reasonOf(err) != middleware.ReasonKeysUnavailable {
		t.Fatalf("before the first fetch: %v", err)
	}
	iss.SetDown(false)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := src.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Validate(ctx, tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	iss.SetOutage(http.StatusBadGateway)
	if resp, _ := get(t, iss.JWKSURL()); resp.StatusCode != 502 {
		t.Fatalf("SetOutage(502): %d", resp.StatusCode)
	}
	// Wait for a background refresh to hit the outage, then validate with
	// the cached keys.
	before := iss.JWKSFetches()
	for iss.JWKSFetches() < before+1 {
		if ctx.Err() != nil {
			t.Fatal("no refresh during the outage")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := v.Validate(ctx, tok); err != nil {
		t.Fatalf("cached keys not used during the outage: %v", err)
	}
}

// JWKSFetches lets tests assert the unknown-kid rate limit: a flood of
// made-up kids costs at most one fetch per WithMinRefreshInterval.
func TestFetchCounterShowsRateLimit(t *testing.T) {
	iss := newIssuer(t)
	v, src := remoteValidator(t, iss, jwks.WithMinRefreshInterval(time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := src.Prime(ctx); err != nil {
		t.Fatal(err)
	}
	before := iss.JWKSFetches()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := iss.AccessToken(jwtguardtest.Claims{Audience: []string{aud},
				Header: map[string]any{"kid": "made-up-" + string(rune('a'+i))}})
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := v.Validate(ctx, tok); reasonOf(err) != middleware.ReasonUnknownKey {
				t.Errorf("made-up kid: %v", err)
			}
		}()
	}
	wg.Wait()
	if got := iss.JWKSFetches() - before; got != 1 {
		t.Errorf("20 made-up kids caused %d fetches, want 1", got)
	}
}

// Minting, rotating and serving run concurrently (go test -race).
func TestConcurrentUse(t *testing.T) {
	iss := newIssuer(t, jwtguardtest.WithAlgorithm(jwks.ES256))
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := iss.AccessToken(jwtguardtest.Claims{}); err != nil {
					t.Error(err)
				}
				iss.KeyIDs()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 3 {
			if _, err := iss.Rotate(); err != nil {
				t.Error(err)
			}
			resp, err := http.Get(iss.JWKSURL())
			if err != nil {
				t.Error(err)
				continue
			}
			resp.Body.Close()
		}
	}()
	wg.Wait()
	if n := len(iss.KeyIDs()); n != 4 {
		t.Errorf("%d keys after 3 rotations", n)
	}
}
