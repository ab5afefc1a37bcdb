package middleware

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

func TestValidateAcceptsEveryAlgorithm(t *testing.T) {
	v := newValidator(t)
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			c, err := v.Validate(context.Background(), token(t, alg, nil))
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if c.Algorithm != alg || c.KeyID != kidFor(alg) {
				t.Errorf("header info = %s/%s", c.Algorithm, c.KeyID)
			}
		})
	}
}

func TestValidateClaims(t *testing.T) {
	v := newValidator(t)
	c, err := v.Validate(context.Background(), token(t, "RS256", func(h, c map[string]any) {
		c["exp"] = 4102444800.5 // fractional seconds are valid NumericDates
		c["nbf"] = 1000
		c["jti"] = "tok-1"
		c["gty"] = "client-credentials"
		c["scp"] = "User.Read Mail.Send"
		c["plain"] = 7
		c[testNS+"roles"] = []string{"admin"}
	}))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"iss", c.Issuer, testIssuer},
		{"sub", c.Subject, "auth0|user-1"},
		{"aud", strings.Join(c.Audience, ","), testAudience + "," + testIssuer + "userinfo"},
		{"exp", c.ExpiresAt.UnixMilli(), int64(4102444800500)},
		{"nbf", c.NotBefore.Unix(), int64(1000)},
		{"jti", c.ID, "tok-1"},
		{"client", c.ClientID(), "client-abc"},
		{"machine", c.IsMachine(), true},
		{"scopes", strings.Join(c.Scopes(), " "), "openid read:contacts delete:contacts User.Read Mail.Send"},
		{"permissions", strings.Join(c.Permissions, " "), "read:contacts"},
		{"cnf.jkt", c.ConfirmationJKT, ""}, // bound tokens: see TestConfirmationDecoded
		{"typ", c.Type, "JWT"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	color, err := Custom[string](c, "favorite_color")
	if err != nil || color != "blue" {
		t.Errorf("Custom favorite_color = %q, %v", color, err)
	}
	plain, err := Custom[int](c, "plain")
	if err != nil || plain != 7 {
		t.Errorf("Custom plain = %d, %v", plain, err)
	}
	if _, err := Custom[string](c, "missing"); !errors.Is(err, ErrClaimNotFound) {
		t.Errorf("Custom missing: %v", err)
	}
	if _, err := Custom[int](c, "favorite_color"); err == nil || errors.Is(err, ErrClaimNotFound) {
		t.Errorf("Custom with the wrong type: %v", err)
	}
	var mine struct {
		FavoriteColor string   `json:"favorite_color"`
		Roles         []string `json:"roles"`
		Plain         int      `json:"plain"`
	}
	if err := DecodeCustom(c, &mine); err != nil || mine.FavoriteColor != "blue" || len(mine.Roles) != 1 || mine.Plain != 7 {
		t.Errorf("DecodeCustom = %+v, %v", mine, err)
	}
	ns := c.NamespacedClaims()
	if len(ns) != 2 || string(ns["favorite_color"]) != `"blue"` {
		t.Errorf("NamespacedClaims = %v", ns)
	}
	if _, ok := c.CustomClaims()["sub"]; ok {
		t.Error("CustomClaims includes a registered claim")
	}
}

func TestClaimsAudienceString(t *testing.T) {
	v := newValidator(t)
	c, err := v.Validate(context.Background(), token(t, "ES256", func(h, c map[string]any) { c["aud"] = testAudience }))
	if err != nil || len(c.Audience) != 1 || c.Audience[0] != testAudience {
		t.Fatalf("aud string: %v %v", c, err)
	}
}

// rejection is one refused token: the reason and category it must produce.
type rejection struct {
	name   string
	token  func(t *testing.T) string
	reason Reason
	cat    error
}

func mutated(alg string, f func(h, c map[string]any)) func(t *testing.T) string {
	return func(t *testing.T) string { return token(t, alg, f) }
}

func raw(header, payload string) func(t *testing.T) string {
	return func(t *testing.T) string {
		return sign(t, "RS256", fixture.rsa, header, payload)
	}
}

func TestValidateRejects(t *testing.T) {
	now := time.Now().Unix()
	valid := func(t *testing.T) string { return token(t, "RS256", nil) }
	cases := []rejection{
		{"empty", func(*testing.T) string { return "" }, ReasonMissingToken, ErrMissingToken},
		{"opaque", func(*testing.T) string { return "x3J5fQ9vB0s8aTdk" }, ReasonOpaque, ErrInvalidToken},
		{"opaque with odd chars", func(*testing.T) string { return "abc$def" }, ReasonOpaque, ErrInvalidToken},
		{"JWE five parts", func(*testing.T) string { return "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn" }, ReasonEncrypted, ErrInvalidToken},
		{"four parts", func(t *testing.T) string { return valid(t) + ".x" }, ReasonMalformed, ErrInvalidToken},
		{"two parts", func(t *testing.T) string { p := strings.Split(valid(t), "."); return p[0] + "." + p[1] }, ReasonMalformed, ErrInvalidToken},
		{"empty header", func(t *testing.T) string { return "." + strings.SplitN(valid(t), ".", 2)[1] }, ReasonMalformed, ErrInvalidToken},
		{"padding", func(t *testing.T) string { p := strings.Split(valid(t), "."); return p[0] + "=." + p[1] + "." + p[2] }, ReasonEncoding, ErrInvalidToken},
		{"std alphabet", func(t *testing.T) string { return strings.Replace(valid(t), "-", "+", 1) + "+" }, ReasonEncoding, ErrInvalidToken},
		{"newline", func(t *testing.T) string { v := valid(t); return v[:10] + "\n" + v[10:] }, ReasonEncoding, ErrInvalidToken},
		{"NUL byte", func(t *testing.T) string { v := valid(t); return v[:10] + "\x00" + v[10:] }, ReasonEncoding, ErrInvalidToken},
		{"non-zero trailing bits", func(t *testing.T) string {
			p := strings.Split(valid(t), ".")
			return p[0] + "." + p[1] + "." + p[2][:len(p[2])-1] + "B" // 256-byte sig: 2 chars in last quantum
		}, ReasonEncoding, ErrInvalidToken},
		{"too large", func(t *testing.T) string {
			return token(t, "RS256", func(h, c map[string]any) { c["pad"] = strings.Repeat("a", 17<<10) })
		}, ReasonTooLarge, ErrInvalidToken},
		{"header not JSON", raw("not json", "{}"), ReasonHeader, ErrInvalidToken},
		{"header array", raw("[]", "{}"), ReasonHeader, ErrInvalidToken},
		{"header duplicate alg", raw(`{"alg":"none","alg":"RS256","kid":"rs256"}`, "{}"), ReasonHeader, ErrInvalidToken},
		{"header alg number", raw(`{"alg":256}`, "{}"), ReasonHeader, ErrInvalidToken},
		{"header trailing data", raw(`{"alg":"RS256"} x`, "{}"), ReasonHeader, ErrInvalidToken},
		{"alg none", func(t *testing.T) string {
			return b64url([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64url(marshal(t, claims())) + "."
		}, ReasonAlgorithm, ErrInvalidToken},
		{"alg None signed", mutated("RS256", func(h, c map[string]any) { h["alg"] = "None" }), ReasonAlgorithm, ErrInvalidToken},
		{"alg NONE", mutated("RS256", func(h, c map[string]any) { h["alg"] = "NONE" }), ReasonAlgorithm, ErrInvalidToken},
		{"alg missing", mutated("RS256", func(h, c map[string]any) { delete(h, "alg") }), ReasonAlgorithm, ErrInvalidToken},
		{"alg lower case", mutated("RS256", func(h, c map[string]any) { h["alg"] = "rs256" }), ReasonAlgorithm, ErrInvalidToken},
		{"HS256 not allowed", func(t *testing.T) string { return sign(t, "HS256", nil, hdr("HS256", "rs256"), claims()) }, ReasonAlgorithm, ErrInvalidToken},
		{"crit", mutated("RS256", func(h, c map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = 1 }), ReasonCrit, ErrInvalidToken},
		{"empty crit", mutated("RS256", func(h, c map[string]any) { h["crit"] = []string{} }), ReasonCrit, ErrInvalidToken},
		{"b64 false", mutated("RS256", func(h, c map[string]any) { h["b64"] = false }), ReasonCrit, ErrInvalidToken},
		{"cty JWT", mutated("RS256", func(h, c map[string]any) { h["cty"] = "JWT" }), ReasonNested, ErrInvalidToken},
		{"enc in header", mutated("RS256", func(h, c map[string]any) { h["enc"] = "A256GCM" }), ReasonEncrypted, ErrInvalidToken},
		{"typ id_token", mutated("RS256", func(h, c map[string]any) { h["typ"] = "id_token" }), ReasonTokenType, ErrInvalidToken},
		{"typ dpop+jwt", mutated("RS256", func(h, c map[string]any) { h["typ"] = "dpop+jwt" }), ReasonTokenType, ErrInvalidToken},
		{"kid unknown", mutated("RS256", func(h, c map[string]any) { h["kid"] = "../../etc/passwd" }), ReasonUnknownKey, ErrInvalidToken},
		{"kid missing, several keys", mutated("RS256", func(h, c map[string]any) { delete(h, "kid") }), ReasonUnknownKey, ErrInvalidToken},
		{"kid long", mutated("RS256", func(h, c map[string]any) { h["kid"] = strings.Repeat("k", 4000) }), ReasonUnknownKey, ErrInvalidToken},
		{"kid control chars", mutated("RS256", func(h, c map[string]any) { h["kid"] = "rs256\u0000" }), ReasonUnknownKey, ErrInvalidToken},
		{"RS256 on PS256 key", func(t *testing.T) string { return sign(t, "RS256", fixture.rsa, hdr("RS256", "ps256"), claims()) }, ReasonKeyMismatch, ErrInvalidToken},
		{"ES256 header on RSA kid", func(t *testing.T) string { return sign(t, "ES256", fixture.ec256, hdr("ES256", "rs256"), claims()) }, ReasonKeyMismatch, ErrInvalidToken},
		{"ES256 on P-384 key", func(t *testing.T) string { return sign(t, "ES256", fixture.ec256, hdr("ES256", "es384"), claims()) }, ReasonKeyMismatch, ErrInvalidToken},
		{"jku injection", func(t *testing.T) string {
			h := hdr("RS256", "rs256")
			h["jku"], h["x5u"] = "https://attacker.example/jwks", "https://attacker.example/cert"
			return sign(t, "RS256", fixture.rsa2, h, claims())
		}, ReasonSignature, ErrInvalidToken},
		{"embedded jwk", func(t *testing.T) string {
			h := hdr("RS256", "rs256")
			h["jwk"] = map[string]any{"kty": "RSA", "n": b64url(fixture.rsa2.N.Bytes()), "e": "AQAB"}
			return sign(t, "RS256", fixture.rsa2, h, claims())
		}, ReasonSignature, ErrInvalidToken},
		{"signature stripped", func(t *testing.T) string { v := valid(t); return v[:strings.LastIndex(v, ".")+1] }, ReasonSignature, ErrInvalidToken},
		{"signature bit flip", func(t *testing.T) string {
			v := []byte(valid(t))
			i := strings.LastIndex(string(v), ".") + 5
			if v[i] == 'A' {
				v[i] = 'B'
			} else {
				v[i] = 'A'
			}
			return string(v)
		}, ReasonSignature, ErrInvalidToken},
		{"payload swap", func(t *testing.T) string {
			a := strings.Split(valid(t), ".")
			b := strings.Split(token(t, "RS256", func(h, c map[string]any) { c["sub"] = "admin" }), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}, ReasonSignature, ErrInvalidToken},
		{"ECDSA psychic signature", func(t *testing.T) string {
			v := token(t, "ES256", nil)
			return v[:strings.LastIndex(v, ".")+1] + b64url(make([]byte, 64))
		}, ReasonSignature, ErrInvalidToken},
		{"ECDSA DER signature", func(t *testing.T) string {
			v := token(t, "ES256", nil)
			input := v[:strings.LastIndex(v, ".")]
			der, _ := fixture.ec256.Sign(nil, sha256Sum(input), nil)
			return input + "." + b64url(der)
		}, ReasonSignature, ErrInvalidToken},
		{"iss trailing slash", mutated("RS256", func(h, c map[string]any) { c["iss"] = strings.TrimSuffix(testIssuer, "/") }), ReasonIssuer, ErrInvalidToken},
		{"iss case", mutated("RS256", func(h, c map[string]any) { c["iss"] = strings.ToUpper(testIssuer) }), ReasonIssuer, ErrInvalidToken},
		{"iss missing", mutated("RS256", func(h, c map[string]any) { delete(c, "iss") }), ReasonIssuer, ErrInvalidToken},
		{"iss number", mutated("RS256", func(h, c map[string]any) { c["iss"] = 1 }), ReasonClaims, ErrInvalidToken},
		{"aud other", mutated("RS256", func(h, c map[string]any) { c["aud"] = "https://other.example.com" }), ReasonAudience, ErrInvalidToken},
		{"aud empty array", mutated("RS256", func(h, c map[string]any) { c["aud"] = []string{} }), ReasonAudience, ErrInvalidToken},
		{"aud missing", mutated("RS256", func(h, c map[string]any) { delete(c, "aud") }), ReasonAudience, ErrInvalidToken},
		{"aud number", mutated("RS256", func(h, c map[string]any) { c["aud"] = 1 }), ReasonClaims, ErrInvalidToken},
		{"aud object", mutated("RS256", func(h, c map[string]any) { c["aud"] = map[string]any{"a": testAudience} }), ReasonClaims, ErrInvalidToken},
		{"aud array with number", mutated("RS256", func(h, c map[string]any) { c["aud"] = []any{testAudience, 1} }), ReasonClaims, ErrInvalidToken},
		{"exp missing", mutated("RS256", func(h, c map[string]any) { delete(c, "exp") }), ReasonMissingExpiry, ErrInvalidToken},
		{"exp past", mutated("RS256", func(h, c map[string]any) { c["exp"] = now - 61 }), ReasonExpired, ErrInvalidToken},
		{"exp string", mutated("RS256", func(h, c map[string]any) { c["exp"] = "4102444800" }), ReasonClaims, ErrInvalidToken},
		{"exp bool", mutated("RS256", func(h, c map[string]any) { c["exp"] = true }), ReasonClaims, ErrInvalidToken},
		{"exp null", mutated("RS256", func(h, c map[string]any) { c["exp"] = nil }), ReasonClaims, ErrInvalidToken},
		{"exp huge", mutated("RS256", func(h, c map[string]any) { c["exp"] = 1e300 }), ReasonClaims, ErrInvalidToken},
		{"exp overflow", raw(`{"alg":"RS256","kid":"rs256"}`, `{"iss":"`+testIssuer+`","aud":"`+testAudience+`","exp":1e400}`), ReasonClaims, ErrInvalidToken},
		{"exp negative", mutated("RS256", func(h, c map[string]any) { c["exp"] = -1 }), ReasonClaims, ErrInvalidToken},
		{"nbf future", mutated("RS256", func(h, c map[string]any) { c["nbf"] = now + 120 }), ReasonNotYetValid, ErrInvalidToken},
		{"nbf string", mutated("RS256", func(h, c map[string]any) { c["nbf"] = "0" }), ReasonClaims, ErrInvalidToken},
		{"iat future", mutated("RS256", func(h, c map[string]any) { c["iat"] = now + 120 }), ReasonIssuedInFuture, ErrInvalidToken},
		{"ID token nonce", mutated("RS256", func(h, c map[string]any) { c["nonce"] = "n-0S6_WzA2Mj" }), ReasonIDToken, ErrInvalidToken},
		{"ID token at_hash", mutated("RS256", func(h, c map[string]any) { c["at_hash"] = "77QmUPtjPfzWtF2AnpK9RQ" }), ReasonIDToken, ErrInvalidToken},
		{"ID token c_hash", mutated("RS256", func(h, c map[string]any) { c["c_hash"] = "x" }), ReasonIDToken, ErrInvalidToken},
		{"scope array", mutated("RS256", func(h, c map[string]any) { c["scope"] = []string{"read:contacts"} }), ReasonClaims, ErrInvalidToken},
		{"permissions string", mutated("RS256", func(h, c map[string]any) { c["permissions"] = "read:contacts" }), ReasonClaims, ErrInvalidToken},
		{"duplicate sub", raw(`{"alg":"RS256","kid":"rs256"}`, `{"sub":"a","sub":"b"}`), ReasonClaims, ErrInvalidToken},
		{"duplicate iss", raw(`{"alg":"RS256","kid":"rs256"}`, `{"iss":"x","iss":"`+testIssuer+`"}`), ReasonClaims, ErrInvalidToken},
		{"claims not object", raw(`{"alg":"RS256","kid":"rs256"}`, `"x"`), ReasonClaims, ErrInvalidToken},
		{"invalid UTF-8", raw(`{"alg":"RS256","kid":"rs256"}`, "{\"sub\":\"\xff\"}"), ReasonClaims, ErrInvalidToken},
		{"NUL in string", raw(`{"alg":"RS256","kid":"rs256"}`, "{\"sub\":\"a\x00b\"}"), ReasonClaims, ErrInvalidToken},
		{"deep nesting", raw(`{"alg":"RS256","kid":"rs256"}`, `{"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`), ReasonClaims, ErrInvalidToken},
		{"trailing comma", raw(`{"alg":"RS256","kid":"rs256"}`, `{"sub":"a",}`), ReasonClaims, ErrInvalidToken},
	}
	v := newValidator(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertRejected(t, v, tc.token(t), tc.reason, tc.cat)
		})
	}
}

func assertRejected(t *testing.T, v *Validator, tok string, reason Reason, cat error) {
	t.Helper()
	c, err := v.Validate(context.Background(), tok)
	if err == nil {
		t.Fatalf("accepted: %+v", c)
	}
	if c != nil {
		t.Error("claims returned with an error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not *Error: %v", err, err)
	}
	if e.Reason != reason {
		t.Errorf("reason = %s, want %s (%v)", e.Reason, reason, err)
	}
	if !errors.Is(err, cat) {
		t.Errorf("error %v is not %v", err, cat)
	}
	if strings.Contains(e.Description, "eyJ") || !strings.HasPrefix(err.Error(), "middleware: ") {
		t.Errorf("description %q leaks the token or lacks the package prefix", e.Description)
	}
	explainAgrees(t, v, tok) // every refusal asserted here, the attack corpus included
}

func TestTokenTypePolicy(t *testing.T) {
	cases := []struct {
		typ    string
		strict bool
		ok     bool
	}{
		{"at+jwt", false, true}, {"AT+JWT", false, true}, {"application/at+jwt", false, true},
		{"Application/At+Jwt", true, true}, {"JWT", false, true}, {"", false, true},
		{"application/jwt", false, true}, {"JWT", true, false}, {"", true, false},
		{"id+jwt", false, false}, {"secevent+jwt", false, false}, {"jwt+at", false, false},
	}
	for _, tc := range cases {
		var opts []Option
		if tc.strict {
			opts = append(opts, WithStrictTokenType())
		}
		v := newValidator(t, opts...)
		tok := token(t, "ES256", func(h, c map[string]any) {
			if tc.typ == "" {
				delete(h, "typ")
			} else {
				h["typ"] = tc.typ
			}
		})
		_, err := v.Validate(context.Background(), tok)
		if (err == nil) != tc.ok {
			t.Errorf("typ %q strict=%v: err = %v, want ok=%v", tc.typ, tc.strict, err, tc.ok)
		}
		if err != nil && AsError(err).Reason != ReasonTokenType {
			t.Errorf("typ %q: reason %s", tc.typ, AsError(err).Reason)
		}
	}
}

func TestLeeway(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name   string
		leeway time.Duration
		exp    int64
		ok     bool
	}{
		{"within default leeway", DefaultLeeway, now.Unix() - 30, true},
		{"past default leeway", DefaultLeeway, now.Unix() - 90, false},
		{"no leeway", 0, now.Unix() - 1, false},
		{"future", 0, now.Unix() + 5, true},
	}
	for _, tc := range cases {
		v := newValidator(t, WithLeeway(tc.leeway), WithClock(func() time.Time { return now }))
		_, err := v.Validate(context.Background(), token(t, "EdDSA", func(h, c map[string]any) { c["exp"] = tc.exp; c["iat"] = tc.exp - 60 }))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestHMACOnlyWhenConfigured(t *testing.T) {
	hs, err := jwks.Static(fixture.hmacKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := New(testIssuer, testAudience, WithKeys(hs), WithAlgorithms(jwks.HS256))
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, "HS256", nil, hdr("HS256", ""), claims())
	if _, err := v.Validate(context.Background(), tok); err != nil {
		t.Fatalf("configured HS256: %v", err)
	}
	// HS256 allowed, but the issuer's keys are RSA: the RSA public key can
	// never act as an HMAC secret (key confusion).
	v2 := newValidator(t, WithAlgorithms(jwks.RS256, jwks.HS256))
	assertRejected(t, v2, sign(t, "HS256", nil, hdr("HS256", "rs256"), claims()), ReasonKeyMismatch, ErrInvalidToken)
	// And an RS256 validator refuses HS256 outright.
	assertRejected(t, newValidator(t), tok, ReasonAlgorithm, ErrInvalidToken)
}

func TestIssuerKeysAreBound(t *testing.T) {
	const other = "https://other-tenant.example.com/"
	rsaKey, _ := jwks.NewKey("rs256", "RS256", &fixture.rsa.PublicKey)
	otherKey, _ := jwks.NewKey("other", "RS256", &fixture.rsa2.PublicKey)
	v, err := New(testIssuer, testAudience, WithKeys(newSource(rsaKey)), WithIssuer(other, newSource(otherKey)))
	if err != nil {
		t.Fatal(err)
	}
	ok := sign(t, "RS256", fixture.rsa2, hdr("RS256", "other"), func() map[string]any { c := claims(); c["iss"] = other; return c }())
	if _, err := v.Validate(context.Background(), ok); err != nil {
		t.Fatalf("second issuer: %v", err)
	}
	// A token claiming the first issuer, signed with the second issuer's key.
	forged := sign(t, "RS256", fixture.rsa2, hdr("RS256", "other"), claims())
	assertRejected(t, v, forged, ReasonUnknownKey, ErrInvalidToken)
}

func TestUnknownKIDRefreshesOnlyAfterCheapChecks(t *testing.T) {
	rotated, _ := jwks.NewKey("new", "RS256", &fixture.rsa2.PublicKey)
	old, _ := jwks.NewKey("rs256", "RS256", &fixture.rsa.PublicKey)
	src := newSource(old)
	src.next = jwks.NewSet(old, rotated)
	v, err := New(testIssuer, testAudience, WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	bad := []func(h, c map[string]any){
		func(h, c map[string]any) { c["iss"] = "https://evil.example.com/" },
		func(h, c map[string]any) { c["aud"] = "x" },
		func(h, c map[string]any) { c["exp"] = 1 },
		func(h, c map[string]any) { h["alg"] = "HS256" },
	}
	for _, m := range bad {
		h, c := hdr("RS256", "new"), claims()
		m(h, c)
		v.Validate(context.Background(), sign(t, "RS256", fixture.rsa2, h, c))
	}
	if n := src.refreshes.Load(); n != 0 {
		t.Fatalf("cheap-check failures triggered %d refreshes", n)
	}
	tok := sign(t, "RS256", fixture.rsa2, hdr("RS256", "new"), claims())
	if _, err := v.Validate(context.Background(), tok); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := src.refreshes.Load(); n != 1 {
		t.Fatalf("refreshes = %d, want 1", n)
	}
}

func TestKeysUnavailable(t *testing.T) {
	src := &countingSource{}
	v, err := New(testIssuer, testAudience, WithKeys(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Validate(context.Background(), token(t, "RS256", nil))
	if !errors.Is(err, ErrKeysUnavailable) || !errors.Is(err, jwks.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
	e := AsError(err)
	if e.HTTPStatus() != http.StatusServiceUnavailable || e.Code() != "" || e.GRPCCode() != 14 {
		t.Errorf("status %d code %q grpc %d", e.HTTPStatus(), e.Code(), e.GRPCCode())
	}
	if v.Ready() {
		t.Error("Ready with no keys")
	}
}

func TestNewRequiresConfiguration(t *testing.T) {
	src := WithKeys(newSource(fixture.keySet...))
	cases := []struct {
		name     string
		iss, aud string
		opts     []Option
		want     string
	}{
		{"no issuer", "", testAudience, []Option{src}, "issuer is required"},
		{"no audience", testIssuer, "", []Option{src}, "audience"},
		{"spaces in issuer", " " + testIssuer, testAudience, []Option{src}, "spaces"},
		{"empty allowlist", testIssuer, testAudience, []Option{src, WithAlgorithms()}, "at least one"},
		{"none", testIssuer, testAudience, []Option{src, WithAlgorithms("none")}, "unsupported"},
		{"leeway", testIssuer, testAudience, []Option{src, WithLeeway(time.Hour)}, "leeway"},
		{"nil source", testIssuer, testAudience, []Option{WithKeys(nil)}, "nil source"},
		{"tiny size", testIssuer, testAudience, []Option{src, WithMaxTokenSize(10)}, "size"},
		{"dup issuer", testIssuer, testAudience, []Option{src, WithIssuer(testIssuer, newSource())}, "twice"},
	}
	for _, tc := range cases {
		_, err := New(tc.iss, tc.aud, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		cat    error
		status int
		code   string
		grpc   uint32
	}{
		{ErrMissingToken, 401, "", 16},
		{ErrInvalidRequest, 400, "invalid_request", 3},
		{ErrInvalidToken, 401, "invalid_token", 16},
		{ErrInsufficientScope, 403, "insufficient_scope", 7},
		{ErrKeysUnavailable, 503, "", 14},
	}
	for _, tc := range cases {
		e := NewError(tc.cat, ReasonInternal, "x")
		if e.HTTPStatus() != tc.status || e.Code() != tc.code || e.GRPCCode() != tc.grpc || !errors.Is(e, tc.cat) {
			t.Errorf("%v: %d %q %d", tc.cat, e.HTTPStatus(), e.Code(), e.GRPCCode())
		}
	}
	foreign := AsError(errors.New("boom"))
	if !errors.Is(foreign, ErrInvalidToken) || foreign.HTTPStatus() != 401 {
		t.Errorf("foreign error mapped to %v", foreign)
	}
}
