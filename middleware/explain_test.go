package middleware

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/jwtguard/jwtguard/jwks"
)

// check returns the named check of r, failing t when it is absent.
func (r *Report) check(t *testing.T, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %v", name, names(r))
	return Check{}
}

// wantFail asserts that check name failed with reason and that its detail
// and hint contain the given fragments.
func wantFail(t *testing.T, r *Report, name string, reason Reason, detail, hint []string) {
	t.Helper()
	c := r.check(t, name)
	if c.OK || c.Skipped || c.Reason != reason {
		t.Fatalf("%s: %+v, want a failure with %s", name, c, reason)
	}
	for _, d := range detail {
		if !strings.Contains(c.Detail, d) {
			t.Errorf("%s detail %q lacks %q", name, c.Detail, d)
		}
	}
	for _, h := range hint {
		if !strings.Contains(c.Hint, h) {
			t.Errorf("%s hint %q lacks %q", name, c.Hint, h)
		}
	}
}

func TestExplainAccepted(t *testing.T) {
	v := newValidator(t)
	r := explainAgrees(t, v, token(t, "EdDSA", nil))
	if !r.Accepted || r.Reason != "" || len(r.Checks) != len(checkOrder)-1 {
		t.Fatalf("%+v", r)
	}
	var h, c map[string]any
	if json.Unmarshal(r.Header, &h) != nil || json.Unmarshal(r.Claims, &c) != nil || h["kid"] != "ed" || c["sub"] != "auth0|user-1" {
		t.Fatalf("header %s claims %s", r.Header, r.Claims)
	}
	if k := r.check(t, CheckKey); !strings.Contains(k.Detail, fixture.keySet[9].Thumbprint()) {
		t.Errorf("key detail %q lacks the thumbprint", k.Detail)
	}
}

// TestExplainRunsEveryCheck: a token wrong in many ways gets every
// problem reported, the first one giving the verdict.
func TestExplainRunsEveryCheck(t *testing.T) {
	v := newValidator(t, WithStrictTokenType())
	tok := token(t, "ES256", func(h, c map[string]any) {
		c["iss"] = "https://other.example.com/"
		c["aud"] = "client-abc"
		c["nonce"] = "n"
		c["exp"] = time.Now().Unix() - 7200
		h["kid"] = "unknown"
	})
	r := explainAgrees(t, v, tok)
	if r.Reason != ReasonTokenType {
		t.Fatalf("reason %s", r.Reason)
	}
	var failed []string
	for _, c := range r.Checks {
		if !c.OK && !c.Skipped {
			failed = append(failed, c.Name)
		}
	}
	want := []string{CheckType, CheckIssuer, CheckKind, CheckAudience, CheckExpiry}
	if strings.Join(failed, ",") != strings.Join(want, ",") {
		t.Fatalf("failed %v, want %v", failed, want)
	}
	if k := r.check(t, CheckKey); !k.Skipped {
		t.Fatalf("key check of an untrusted issuer: %+v", k)
	}
}

func TestExplainIssuerHints(t *testing.T) {
	v := newValidator(t)
	for _, tc := range []struct{ iss, hint string }{
		{"https://issuer.example.com", "trailing slash"},
		{"http://issuer.example.com/", "differs only by scheme"},
		{"https://Issuer.Example.com/", "differs only by case"},
		{"HTTP://issuer.example.com", "differs only by scheme and trailing slash"},
		{"https://tenant-b.eu.auth0.com/", "another tenant or environment"},
		{"https://login.example.com/", "custom domain"},
		{"https://issuer.example.com/realms/other", "realm"},
	} {
		t.Run(tc.iss, func(t *testing.T) {
			r := explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["iss"] = tc.iss }))
			wantFail(t, r, CheckIssuer, ReasonIssuer, []string{`"` + tc.iss + `"`, testIssuer}, []string{tc.hint})
			if k := r.check(t, CheckKey); !k.Skipped {
				t.Errorf("key check %+v", k)
			}
		})
	}
}

func TestExplainIDToken(t *testing.T) {
	v := newValidator(t)
	for _, marker := range []string{"nonce", "at_hash", "c_hash"} {
		t.Run(marker, func(t *testing.T) {
			r := explainAgrees(t, v, token(t, "RS256", func(h, c map[string]any) {
				c[marker] = "x"
				c["aud"] = "kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU"
			}))
			hint := []string{"ID token", "client's ID", "audience=" + testAudience}
			wantFail(t, r, CheckKind, ReasonIDToken, []string{marker}, hint)
			wantFail(t, r, CheckAudience, ReasonAudience, []string{"kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU"}, hint)
		})
	}
	t.Run("the API as aud", func(t *testing.T) {
		r := explainAgrees(t, v, token(t, "RS256", func(h, c map[string]any) { c["nonce"] = "x"; c["aud"] = testAudience }))
		wantFail(t, r, CheckKind, ReasonIDToken, []string{"nonce"}, []string{"not the id_token"})
	})
	t.Run("Keycloak access token with nonce", func(t *testing.T) {
		r := explainAgrees(t, v, token(t, "RS256", func(h, c map[string]any) { c["nonce"] = "x"; c["typ"] = "Bearer" }))
		if k := r.check(t, CheckKind); !k.OK || !strings.Contains(k.Detail, "Keycloak") {
			t.Fatalf("%+v", k)
		}
	})
}

func TestExplainOpaqueAndJWE(t *testing.T) {
	v := newValidator(t)
	for _, tc := range []struct {
		name, tok string
		reason    Reason
		detail    string
		hint      []string
	}{
		{"Auth0 opaque", "2YotnFZFEjr1zCsicMWpAA", ReasonOpaque, "1 dot-separated segment", []string{"audience=", "jwt", "introspection"}},
		{"Hydra", "ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww", ReasonOpaque, "ORY Hydra opaque access token", []string{"access_token_strategy"}},
		{"JWE", b64url([]byte(`{"alg":"dir","enc":"A256GCM"}`)) + "..aXY.Y3Q.dGFn", ReasonEncrypted, "JWE", []string{"audience="}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := explainAgrees(t, v, tc.tok)
			wantFail(t, r, CheckFormat, tc.reason, []string{tc.detail}, tc.hint)
			for _, c := range r.Checks[1:] {
				if !c.Skipped {
					t.Errorf("check %+v ran on a token that is not a JWS", c)
				}
			}
			if strings.Contains(r.Checks[0].Detail, tc.tok[:10]) {
				t.Errorf("the detail quotes the opaque token: %q", r.Checks[0].Detail)
			}
		})
	}
	r := v.Explain(context.Background(), b64url([]byte(`{"alg":"dir","enc":"A256GCM"}`))+"..aXY.Y3Q.dGFn")
	if string(r.Header) != `{"alg":"dir","enc":"A256GCM"}` {
		t.Errorf("JWE header %s", r.Header)
	}
}

func TestExplainTimes(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	v := newValidator(t, WithClock(func() time.Time { return now }), WithLeeway(30*time.Second))
	at := func(m map[string]any) string {
		return token(t, "ES256", func(h, c map[string]any) {
			c["iat"], c["exp"] = now.Unix()-60, now.Unix()+600
			for k, x := range m {
				c[k] = x
			}
		})
	}
	r := explainAgrees(t, v, at(map[string]any{"exp": now.Unix() - 3600}))
	wantFail(t, r, CheckExpiry, ReasonExpired, []string{"expired 3600 s (1h) ago", "leeway 30 s", "exp 2030-03-17T16:46:40Z"}, []string{"new access token"})
	r = explainAgrees(t, v, at(map[string]any{"exp": now.Unix() - 20}))
	if c := r.check(t, CheckExpiry); !c.OK || !strings.Contains(c.Detail, "within the leeway 30 s") {
		t.Errorf("%+v", c)
	}
	r = explainAgrees(t, v, at(map[string]any{"nbf": now.Unix() + 90}))
	wantFail(t, r, CheckNotBefore, ReasonNotYetValid, []string{"not valid for another 90 s (1m30s)", "leeway 30 s"}, []string{"NTP"})
	r = explainAgrees(t, v, at(map[string]any{"iat": now.Unix() + 45}))
	wantFail(t, r, CheckIssuedAt, ReasonIssuedInFuture, []string{"issued 45 s in the future"}, []string{"NTP"})
	// ExplainAt moves the clock: the expired token was valid then.
	tok := at(map[string]any{"exp": now.Unix() - 3600, "iat": now.Unix() - 3*3600})
	if r := v.Explain(context.Background(), tok, ExplainAt(now.Add(-2*time.Hour))); !r.Accepted {
		t.Fatalf("ExplainAt: %+v", r.Failed())
	}
}

func TestExplainHeaderHints(t *testing.T) {
	v := newValidator(t, WithStrictTokenType())
	r := explainAgrees(t, v, token(t, "ES256", nil))
	wantFail(t, r, CheckType, ReasonTokenType, []string{`typ "JWT"`, "only at+jwt"}, []string{"rfc9068_profile", "WithStrictTokenType"})
	r = explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { h["typ"] = "dpop+jwt" }))
	wantFail(t, r, CheckType, ReasonTokenType, nil, []string{"DPoP proof"})

	v = newValidator(t)
	r = explainAgrees(t, v, hsSign(t, fixture.hmac, hdr("HS256", "rs256"), claims()))
	wantFail(t, r, CheckAlgorithm, ReasonAlgorithm, []string{`alg "HS256" is not allowed`, "RS256, RS384"}, []string{"shared secret", "RS256"})
	wantFail(t, r, CheckKey, ReasonKeyMismatch, []string{`kid "rs256" is a key bound to RS256`}, nil)
	r = explainAgrees(t, v, unsigned(`{"alg":"none"}`, validClaimsJSON(t, ""), nil))
	wantFail(t, r, CheckAlgorithm, ReasonAlgorithm, nil, []string{"unsigned"})

	// A key bound to another algorithm: PS256 on the RS256-bound kid.
	r = explainAgrees(t, v, sign(t, "PS256", fixture.rsa, hdr("PS256", "rs256"), claims()))
	wantFail(t, r, CheckKey, ReasonKeyMismatch, []string{`kid "rs256" is a key bound to RS256`, `alg "PS256"`}, []string{"exactly one algorithm", "JWKS name that alg"})
	if c := r.check(t, CheckSignature); !c.Skipped {
		t.Errorf("signature %+v", c)
	}
	r = explainAgrees(t, v, token(t, "RS256", func(h, c map[string]any) { h["crit"] = []string{"exp"}; h["cty"] = "JWT" }))
	wantFail(t, r, CheckHeader, ReasonCrit, []string{"crit", "nested"}, nil)
}

func TestExplainSignatureAndBinding(t *testing.T) {
	v := newValidator(t)
	r := explainAgrees(t, v, sign(t, "RS256", fixture.rsa2, hdr("RS256", "rs256"), claims()))
	wantFail(t, r, CheckSignature, ReasonSignature, []string{"signature is invalid", `"rs256"`}, []string{"same kid"})
	r = explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["cnf"] = map[string]any{"jkt": "0ZcOCORZNYy"} }))
	wantFail(t, r, CheckBinding, ReasonDPoPDowngrade, []string{"DPoP-bound", `"0ZcOCORZNYy"`}, []string{"DPoP scheme"})
	r = explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["cnf"] = map[string]any{"x5t#S256": "abc"} }))
	wantFail(t, r, CheckBinding, ReasonClaims, []string{"not a certificate thumbprint"}, nil)
	const thumb = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0"
	r = explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["cnf"] = map[string]any{"x5t#S256": thumb} }))
	wantFail(t, r, CheckBinding, ReasonMTLSNoCertificate, []string{"certificate-bound", thumb}, []string{"client certificate"})
	r = explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["cnf"] = map[string]any{"jwk": map[string]any{}} }))
	wantFail(t, r, CheckBinding, ReasonUnsupportedConfirmation, nil, nil)
}

func TestExplainScope(t *testing.T) {
	v := newValidator(t)
	tok := token(t, "ES256", func(h, c map[string]any) {
		c["scope"] = "openid"
		c["permissions"] = []string{"read:contacts", "write:contacts"}
	})
	r := v.Explain(context.Background(), tok, ExplainRequirement([]string{"read:contacts"}, false))
	if r.Accepted || r.Reason != ReasonInsufficientScope {
		t.Fatalf("%+v", r)
	}
	assertReportLeadsToVerdict(t, r, tok)
	wantFail(t, r, CheckScope, ReasonInsufficientScope, []string{`missing: "read:contacts"`, "permissions (not counted)"},
		[]string{"permissions claim", "WithPermissions"})
	if r := v.Explain(context.Background(), tok, ExplainRequirement([]string{"read:contacts"}, true)); !r.Accepted {
		t.Fatalf("permissions counted: %+v", r.Failed())
	}
	r = v.Explain(context.Background(), tok, ExplainRequirement([]string{"admin"}, true))
	wantFail(t, r, CheckScope, ReasonInsufficientScope, []string{`missing: "admin"`}, []string{"scope=admin"})
	// A refused token keeps Validate's verdict; the scope is reported too.
	r = v.Explain(context.Background(), token(t, "ES256", func(h, c map[string]any) { c["aud"] = "x" }), ExplainRequirement([]string{"admin"}, false))
	if r.Reason != ReasonAudience || r.check(t, CheckScope).OK {
		t.Fatalf("%+v", r)
	}
}

// TestExplainUnknownKid: the key check says whether Validate refreshed
// the key source, and how that went.
func TestExplainUnknownKid(t *testing.T) {
	t.Run("refreshed, still unknown", func(t *testing.T) {
		src := newSource(fixture.keySet...)
		v, _ := New(testIssuer, testAudience, WithKeys(src))
		r := explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { h["kid"] = "rotated" }))
		wantFail(t, r, CheckKey, ReasonUnknownKey, []string{`kid "rotated" is not among the 10 key(s)`, "asked for new keys", "still unknown"}, []string{"another tenant"})
	})
	t.Run("no refresh after an earlier failure", func(t *testing.T) {
		src := newSource(fixture.keySet...)
		v, _ := New(testIssuer, testAudience, WithKeys(src))
		r := v.Explain(context.Background(), token(t, "ES256", func(h, c map[string]any) { h["kid"] = "rotated"; c["aud"] = "x" }))
		wantFail(t, r, CheckKey, ReasonUnknownKey, []string{"not refreshed"}, nil)
		if n := src.refreshes.Load(); n != 0 {
			t.Fatalf("%d refreshes", n)
		}
	})
	t.Run("the refresh brings the kid", func(t *testing.T) {
		src := newSource(fixture.keySet[0])
		src.next = jwks.NewSet(fixture.keySet...)
		v, _ := New(testIssuer, testAudience, WithKeys(src))
		r := v.Explain(context.Background(), token(t, "ES256", nil))
		if c := r.check(t, CheckKey); !r.Accepted || !strings.Contains(c.Detail, "fetched new keys") {
			t.Fatalf("%+v", c)
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		doc, _ := json.Marshal(map[string]any{"keys": []any{map[string]string{
			"kty": "OKP", "crv": "Ed25519", "kid": "ed", "alg": "EdDSA", "x": b64url(fixture.ed.Public().(ed25519.PublicKey)),
		}}})
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Write(doc)
		}))
		defer srv.Close()
		src, err := jwks.NewRemote(srv.URL, jwks.WithMinRefreshInterval(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		if err := src.Prime(context.Background()); err != nil {
			t.Fatal(err)
		}
		v, _ := New(testIssuer, testAudience, WithKeys(src))
		tok := token(t, "EdDSA", func(h, c map[string]any) { h["kid"] = "new" })
		r := v.Explain(context.Background(), tok)
		wantFail(t, r, CheckKey, ReasonUnknownKey, []string{"asked for new keys"}, nil)
		r = v.Explain(context.Background(), tok)
		wantFail(t, r, CheckKey, ReasonUnknownKey, []string{"refused by the rate limit", "WithMinRefreshInterval"}, nil)
		if n := hits.Load(); n != 2 {
			t.Fatalf("%d fetches, want 2", n)
		}
	})
	t.Run("keys unavailable", func(t *testing.T) {
		v, _ := New(testIssuer, testAudience, WithKeys(&countingSource{}))
		r := explainAgrees(t, v, token(t, "ES256", nil))
		wantFail(t, r, CheckKey, ReasonKeysUnavailable, []string{"no keys", "failed"}, []string{"not the token's fault"})
	})
}

// TestExplainLeavesNoTrace: Explain neither reads nor fills the cache,
// and reports nothing to the observer.
func TestExplainLeavesNoTrace(t *testing.T) {
	var events countingObserver
	v := newValidator(t, WithObserver(&events))
	tok := token(t, "ES256", nil)
	if r := v.Explain(context.Background(), tok); !r.Accepted {
		t.Fatal(r.Failed())
	}
	if v.cache.get(tok, v.nowSeconds()) != nil {
		t.Fatal("Explain filled the cache")
	}
	if _, err := v.Validate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	// A cached token is explained in full: its signature is checked again.
	if c := v.Explain(context.Background(), tok).check(t, CheckSignature); !c.OK || !strings.Contains(c.Detail, "verified") {
		t.Fatalf("%+v", c)
	}
	if n := events.Load(); n != 1 {
		t.Fatalf("%d observer events, want the one of Validate", n)
	}
}

type countingObserver struct{ atomic.Int64 }

func (o *countingObserver) Validated(ValidationEvent) { o.Add(1) }

// TestExplainCleansValues: values read from the token are quoted, cut and
// cleaned in the details and hints, as in Error.Hint.
func TestExplainCleansValues(t *testing.T) {
	v := newValidator(t)
	evil := "https://e\u202evil.example.com/\x1b[31m" + strings.Repeat("x", 300)
	r := explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["iss"] = evil; c["aud"] = evil; h["kid"] = evil }))
	for _, c := range r.Checks {
		for _, s := range []string{c.Detail, c.Hint} {
			if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) {
				t.Fatalf("%s: control or format character in %q", c.Name, s)
			}
			if strings.Contains(s, strings.Repeat("x", 101)) {
				t.Fatalf("%s: value not cut: %q", c.Name, s)
			}
		}
	}
}

func TestExplainEncodingLenient(t *testing.T) {
	v := newValidator(t)
	tok := token(t, "ES256", func(h, c map[string]any) { c["aud"] = "x" })
	p := strings.Split(tok, ".")
	r := explainAgrees(t, v, p[0]+"==."+p[1]+"."+p[2])
	wantFail(t, r, CheckFormat, ReasonEncoding, []string{"padding", "leniently"}, nil)
	wantFail(t, r, CheckAudience, ReasonAudience, nil, nil)
	if r.Header == nil || r.Claims == nil {
		t.Fatal("the padded segments were not decoded for display")
	}
}

func TestExplainTooLarge(t *testing.T) {
	v := newValidator(t)
	r := explainAgrees(t, v, token(t, "ES256", func(h, c map[string]any) { c["pad"] = strings.Repeat("a", 20<<10) }))
	wantFail(t, r, CheckFormat, ReasonTooLarge, []string{"over the limit of 16384 bytes"}, []string{"WithMaxTokenSize"})
	if !r.check(t, CheckSignature).OK {
		t.Fatal("the checks after the size did not run")
	}
	r = explainAgrees(t, v, strings.Repeat("a", 2<<20))
	if r.Reason != ReasonTooLarge || !r.Checks[1].Skipped {
		t.Fatalf("%+v", r.Checks[:2])
	}
	// A validator that accepts more than Explain decodes on its own.
	huge := newValidator(t, WithMaxTokenSize(3<<20))
	if r := explainAgrees(t, huge, token(t, "ES256", func(h, c map[string]any) { c["pad"] = strings.Repeat("a", 2<<20) })); !r.Accepted {
		t.Fatalf("%+v", r.Failed())
	}
	if r := explainAgrees(t, v, ""); r.Reason != ReasonMissingToken {
		t.Fatal(r.Reason)
	}
}

// TestExplainManyIssuers: with enough issuers the Validator looks them up
// in a map; Explain's copy must point into its own issuers (whose key
// sources it traces) and keep each issuer's settings, or it reports a
// verdict or a key lookup that is not Validate's.
func TestExplainManyIssuers(t *testing.T) {
	var opts []Option
	for i := range manyIssuers + 2 {
		opts = append(opts, WithIssuer("https://other-"+strconv.Itoa(i)+".example.com/", newSource(fixture.keySet...)))
	}
	v := newValidator(t, opts...)
	if v.byIssuer == nil {
		t.Fatal("the validator does not index its issuers: the test needs more of them")
	}
	r := explainAgrees(t, v, token(t, "EdDSA", nil))
	if !r.Accepted {
		t.Fatalf("%+v", r)
	}
	if k := r.check(t, CheckKey); !strings.Contains(k.Detail, "bound to EdDSA") {
		t.Errorf("key detail %q", k.Detail)
	}
}
