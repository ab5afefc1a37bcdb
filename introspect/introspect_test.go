package introspect

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// TestIntrospectActive: an active answer becomes a Result with every
// RFC 7662 member typed, and Raw keeps the rest.
func TestIntrospectActive(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	key, err := jwtguardtest.NewDPoPKey(jwks.ES256)
	if err != nil {
		t.Fatal(err)
	}
	nbf := time.Now().Add(-time.Minute).Truncate(time.Second)
	tok := mint(t, x, jwtguardtest.Claims{
		Subject:   "00u1alice",
		Audience:  []string{"https://other.example.com", api},
		Scope:     "read:contacts write:contacts",
		ClientID:  "0oa-spa",
		ID:        "AT.1234",
		NotBefore: nbf,
		ExpiresIn: 30 * time.Minute,
		DPoPKey:   key,
		Custom: map[string]any{
			"username":     "alice@example.com",
			"uid":          "00u1alice",
			"realm_access": map[string]any{"roles": []string{"admin"}},
		},
	})
	c := newClient(t, kitConfig(x))
	res, err := c.Introspect(ctxT(t), tok)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Active: true, Scope: "read:contacts write:contacts", ClientID: "0oa-spa",
		Username: "alice@example.com", TokenType: "DPoP", Subject: "00u1alice",
		Audience: []string{"https://other.example.com", api}, Issuer: x.URL(), ID: "AT.1234",
		NotBefore: nbf, Cnf: Confirmation{JKT: key.Thumbprint()},
	}
	if res.Active != want.Active || res.Scope != want.Scope || res.ClientID != want.ClientID ||
		res.Username != want.Username || res.TokenType != want.TokenType || res.Subject != want.Subject ||
		!slices.Equal(res.Audience, want.Audience) || res.Issuer != want.Issuer || res.ID != want.ID ||
		!res.NotBefore.Equal(want.NotBefore) || res.Cnf != want.Cnf || res.TokenUse != "" {
		t.Fatalf("got %+v\nwant %+v", res, want)
	}
	if d := time.Until(res.ExpiresAt); d < 29*time.Minute || d > 31*time.Minute {
		t.Fatalf("exp %v, want in 30 min", res.ExpiresAt)
	}
	if d := time.Since(res.IssuedAt); d < 0 || d > time.Minute {
		t.Fatalf("iat %v, want now", res.IssuedAt)
	}
	if !bytes.Contains(res.Raw(), []byte(`"realm_access":{"roles":["admin"]}`)) || !bytes.Contains(res.Raw(), []byte(`"uid":"00u1alice"`)) {
		t.Fatalf("raw answer lacks the custom members: %s", res.Raw())
	}
	if got := res.Scopes(); !slices.Equal(got, []string{"read:contacts", "write:contacts"}) {
		t.Fatalf("Scopes() = %q", got)
	}
	if !res.Cnf.Bound() {
		t.Fatal("a DPoP-bound token is not Bound()")
	}
}

// TestRules: each check of the answer, one at a time, with the kit
// answering what the case asks for. Leeway is the default 60 s.
func TestRules(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	now := time.Now()
	past := func(d time.Duration) int64 { return now.Add(-d).Unix() }
	future := func(d time.Duration) int64 { return now.Add(d).Unix() }
	type tc struct {
		name    string
		claims  jwtguardtest.Claims
		refresh bool // mint with RefreshToken
		revoke  bool
		unknown bool // a token the kit never minted
		allow   bool // AllowMissingAudience
		want    Kind
	}
	custom := func(kv ...any) jwtguardtest.Claims {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return jwtguardtest.Claims{Custom: m}
	}
	cases := []tc{
		{name: "active", want: ""},
		{name: "revoked", revoke: true, want: KindInactive},
		{name: "unknown token", unknown: true, want: KindInactive},
		{name: "expired at the kit", claims: jwtguardtest.Claims{ExpiresIn: -time.Hour}, want: KindInactive},

		// active must be the JSON boolean true.
		{name: "active string true", claims: custom("active", "true"), want: KindBadResponse},
		{name: "active 1", claims: custom("active", 1), want: KindBadResponse},
		{name: "active null", claims: custom("active", nil), want: KindBadResponse},
		{name: "active false with members", claims: custom("active", false), want: KindInactive},

		// exp is required and in the future, with leeway.
		{name: "no exp", claims: custom("exp", nil), want: KindMissingExpiry},
		{name: "exp past leeway", claims: custom("active", true, "exp", past(2*time.Minute)), want: KindExpired},
		{name: "exp within leeway", claims: custom("active", true, "exp", past(30*time.Second)), want: ""},
		{name: "exp fractional", claims: custom("exp", float64(future(time.Hour))+0.5), want: ""},
		// nbf and iat, with the same leeway.
		{name: "nbf past leeway", claims: custom("nbf", future(2*time.Minute)), want: KindNotYetValid},
		{name: "nbf within leeway", claims: custom("nbf", future(30*time.Second)), want: ""},
		{name: "iat past leeway", claims: custom("iat", future(2*time.Minute)), want: KindIssuedInFuture},
		{name: "iat within leeway", claims: custom("iat", future(30*time.Second)), want: ""},

		// iss, when present, exactly the configured issuer.
		{name: "iss absent", claims: custom("iss", nil), want: ""},
		{name: "iss other", claims: custom("iss", "https://evil.example.com/"), want: KindIssuerMismatch},
		{name: "iss without trailing slash", claims: custom("iss", strings.TrimSuffix(x.URL(), "/")), want: KindIssuerMismatch},
		{name: "iss empty", claims: custom("iss", ""), want: ""},

		// aud: string or array containing ours; absent refused unless allowed.
		{name: "aud other", claims: jwtguardtest.Claims{Audience: []string{"https://other.example.com"}}, want: KindAudience},
		{name: "aud array with ours", claims: jwtguardtest.Claims{Audience: []string{"a", api, "b"}}, want: ""},
		{name: "aud absent", claims: custom("aud", nil), want: KindMissingAud},
		{name: "aud empty string", claims: custom("aud", ""), want: KindMissingAud},
		{name: "aud empty array", claims: custom("aud", []string{}), want: KindMissingAud},
		{name: "aud absent allowed", claims: custom("aud", nil), allow: true, want: ""},
		{name: "aud empty array allowed", claims: custom("aud", []string{}), allow: true, want: ""},
		{name: "aud other with missing allowed", claims: jwtguardtest.Claims{Audience: []string{"https://other.example.com"}}, allow: true, want: KindAudience},
		{name: "aud case differs", claims: jwtguardtest.Claims{Audience: []string{strings.ToUpper(api)}}, want: KindAudience},

		// An access token, not a refresh or ID token.
		{name: "hydra refresh token", refresh: true, want: KindNotAccessToken},
		{name: "token_use access_token", claims: custom("token_use", "access_token"), want: ""},
		{name: "token_use id_token", claims: custom("token_use", "id_token"), want: KindNotAccessToken},
		{name: "token_use empty", claims: custom("token_use", ""), want: ""},
		{name: "token_type bearer lower case", claims: custom("token_type", "bearer"), want: ""},
		{name: "token_type DPoP", claims: custom("token_type", "DPoP"), want: ""},
		{name: "token_type absent", claims: custom("token_type", nil), want: ""},
		{name: "token_type refresh_token", claims: custom("token_type", "refresh_token"), want: KindNotAccessToken},
		{name: "token_type id_token", claims: custom("token_type", "id_token"), want: KindNotAccessToken},
		{name: "token_type N_A", claims: custom("token_type", "N_A"), want: KindNotAccessToken},
		{name: "token_type mac", claims: custom("token_type", "mac"), want: KindNotAccessToken},
		{name: "token_type empty", claims: custom("token_type", ""), want: KindNotAccessToken},
		{name: "keycloak typ Bearer", claims: custom("typ", "Bearer"), want: ""},
		{name: "keycloak typ Refresh", claims: custom("typ", "Refresh"), want: KindNotAccessToken},
		{name: "keycloak typ ID", claims: custom("typ", "ID"), want: KindNotAccessToken},
		{name: "keycloak typ Offline", claims: custom("typ", "Offline"), want: KindNotAccessToken},
		{name: "keycloak typ DPoP", claims: custom("typ", "DPoP"), want: ""},
		{name: "typ at+jwt", claims: custom("typ", "at+JWT"), want: ""},
		{name: "typ JWT", claims: custom("typ", "JWT"), want: KindNotAccessToken},

		// Members of the wrong JSON type: the answer is broken.
		{name: "scope number", claims: custom("scope", 5), want: KindBadResponse},
		{name: "scope array", claims: custom("scope", []string{"a"}), want: KindBadResponse},
		{name: "client_id bool", claims: custom("client_id", true), want: KindBadResponse},
		{name: "username object", claims: custom("username", map[string]any{}), want: KindBadResponse},
		{name: "sub absent", claims: custom("sub", nil), want: ""},
		{name: "jti number", claims: custom("jti", 7), want: KindBadResponse},
		{name: "iss number", claims: custom("iss", 1), want: KindBadResponse},
		{name: "exp string", claims: custom("exp", "4102444800"), want: KindBadResponse},
		{name: "exp negative", claims: custom("exp", -1), want: KindBadResponse},
		{name: "exp beyond 9999", claims: custom("exp", 1e12), want: KindBadResponse},
		{name: "iat bool", claims: custom("iat", true), want: KindBadResponse},
		{name: "nbf array", claims: custom("nbf", []int{1}), want: KindBadResponse},
		{name: "aud number", claims: custom("aud", 5), want: KindBadResponse},
		{name: "aud array of numbers", claims: custom("aud", []int{1}), want: KindBadResponse},
		{name: "aud array mixed", claims: custom("aud", []any{api, 1}), want: KindBadResponse},
		{name: "token_type number", claims: custom("token_type", 1), want: KindBadResponse},
		{name: "token_use bool", claims: custom("token_use", false), want: KindBadResponse},
		{name: "typ number", claims: custom("typ", 1), want: KindBadResponse},
		{name: "cnf string", claims: custom("cnf", "x"), want: KindBadResponse},
		{name: "cnf jkt number", claims: custom("cnf", map[string]any{"jkt": 5}), want: KindBadResponse},
		{name: "cnf x5t number", claims: custom("cnf", map[string]any{"x5t#S256": 5}), want: KindBadResponse},
		{name: "custom member of any type", claims: custom("ext", []any{1, "a", nil, map[string]any{"b": true}}), want: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var tok string
			var err error
			c := tc.claims
			if c.Audience == nil {
				c.Audience = []string{api}
			}
			switch {
			case tc.unknown:
				tok = "jgt_neverminted"
			case tc.refresh:
				tok, err = x.RefreshToken(c)
			default:
				tok, err = x.OpaqueToken(c)
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.revoke {
				x.Revoke(tok)
			}
			cfg := kitConfig(x)
			cfg.AllowMissingAudience = tc.allow
			cl := newClient(t, cfg, WithCache(0, 0, 0))
			res, err := cl.Introspect(ctxT(t), tok)
			if got := kindOfErr(t, err, tok); got != tc.want {
				t.Fatalf("kind %q (%v), want %q", got, err, tc.want)
			}
			if (res != nil) != (err == nil) {
				t.Fatalf("result %v with error %v", res, err)
			}
		})
	}
}

// TestConfirmation: cnf members other than jkt and x5t#S256 are reported,
// not dropped, so an API can refuse a binding it cannot check.
func TestConfirmation(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	for _, tc := range []struct {
		cnf  map[string]any
		want Confirmation
	}{
		{map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}, Confirmation{X5TS256: "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}},
		{map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", "kid": "k1"}, Confirmation{JKT: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", Other: true}},
		{map[string]any{"jwk": map[string]any{"kty": "EC"}}, Confirmation{Other: true}},
		{map[string]any{}, Confirmation{}},
	} {
		tok := mint(t, x, jwtguardtest.Claims{Custom: map[string]any{"cnf": tc.cnf}})
		res, err := newClient(t, kitConfig(x)).Introspect(ctxT(t), tok)
		if err != nil {
			t.Fatal(err)
		}
		if res.Cnf != tc.want || res.Cnf.Bound() != (tc.want != Confirmation{}) {
			t.Fatalf("cnf %v: got %+v, want %+v", tc.cnf, res.Cnf, tc.want)
		}
	}
}

// TestMalformedToken: tokens that are not RFC 6750 b64token, or too long,
// are refused without a request.
func TestMalformedToken(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	c := newClient(t, kitConfig(x))
	for _, tok := range []string{
		"", "a b", "abc\n", "=abc", "ab=c", "tok\x00en", "jgt_é", strings.Repeat("a", MaxTokenBytes+1),
	} {
		_, err := c.Introspect(ctxT(t), tok)
		if k := kindOfErr(t, err, ""); k != KindMalformedToken {
			t.Errorf("token %q: kind %q, want malformed_token", truncate(tok), k)
		}
	}
	// The longest allowed token is sent.
	if _, err := c.Introspect(ctxT(t), strings.Repeat("a", MaxTokenBytes)); !errors.Is(err, ErrInactive) {
		t.Fatalf("a 4 KiB token: %v", err)
	}
	if n := x.Requests(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
}

// TestNew: configuration errors are caught by New.
func TestNew(t *testing.T) {
	t.Parallel()
	ok := Config{
		Issuer: "https://idp.example.com/", Endpoint: "https://idp.example.com/oauth2/introspect",
		ClientID: "api", ClientSecret: "s", Audiences: []string{api},
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		opts []Option
		err  string // "" when New must succeed
	}{
		{name: "ok", mod: func(*Config) {}},
		{name: "discovered endpoint", mod: func(c *Config) { c.Endpoint = "" }},
		{name: "loopback http", mod: func(c *Config) { c.Issuer, c.Endpoint = "http://127.0.0.1:8080/", "http://localhost:8080/i" }},
		{name: "post", mod: func(c *Config) { c.AuthMethod = ClientSecretPost }},
		{name: "none", mod: func(c *Config) { c.AuthMethod, c.ClientID, c.ClientSecret = NoClientAuth, "", "" }},
		{name: "no issuer", mod: func(c *Config) { c.Issuer = "" }, err: "not absolute"},
		{name: "http issuer", mod: func(c *Config) { c.Issuer = "http://idp.example.com/" }, err: "https"},
		{name: "http issuer allowed", mod: func(c *Config) { c.Issuer = "http://idp.example.com/" }, opts: []Option{InsecureAllowHTTP()}},
		{name: "issuer with query", mod: func(c *Config) { c.Issuer = "https://idp.example.com/?a=b" }, err: "query"},
		{name: "http endpoint", mod: func(c *Config) { c.Endpoint = "http://idp.example.com/i" }, err: "https"},
		{name: "ftp endpoint", mod: func(c *Config) { c.Endpoint = "ftp://idp.example.com/i" }, err: "scheme"},
		{name: "no client id", mod: func(c *Config) { c.ClientID = "" }, err: "ClientID"},
		{name: "no secret", mod: func(c *Config) { c.ClientSecret = "" }, err: "ClientSecret"},
		{name: "none with secret", mod: func(c *Config) { c.AuthMethod = NoClientAuth }, err: "NoClientAuth"},
		{name: "private_key_jwt", mod: func(c *Config) { c.AuthMethod = "private_key_jwt" }, err: "unsupported"},
		{name: "no audience", mod: func(c *Config) { c.Audiences = nil }, err: "Audiences"},
		{name: "empty audience", mod: func(c *Config) { c.Audiences = []string{api, ""} }, err: "Audiences"},
		{name: "negative leeway", mod: func(c *Config) { c.Leeway = -1 }, err: "leeway"},
		{name: "huge leeway", mod: func(c *Config) { c.Leeway = time.Hour }, err: "leeway"},
		{name: "bad cache", mod: func(*Config) {}, opts: []Option{WithCache(-1, 0, 0)}, err: "cache"},
		{name: "bad concurrency", mod: func(*Config) {}, opts: []Option{WithConcurrency(0)}, err: "concurrency"},
		{name: "bad rate", mod: func(*Config) {}, opts: []Option{WithRateLimit(0, 1)}, err: "rate"},
		{name: "bad burst", mod: func(*Config) {}, opts: []Option{WithRateLimit(1, 0)}, err: "rate"},
		{name: "bad timeout", mod: func(*Config) {}, opts: []Option{WithTimeout(0)}, err: "timeout"},
		{name: "nil client", mod: func(*Config) {}, opts: []Option{WithHTTPClient(nil)}, err: "nil"},
		{name: "nil observer", mod: func(*Config) {}, opts: []Option{WithObserver(nil)}, err: "nil"},
		{name: "nil clock", mod: func(*Config) {}, opts: []Option{WithClock(nil)}, err: "nil"},
	} {
		cfg := ok
		cfg.Audiences = slices.Clone(ok.Audiences)
		tc.mod(&cfg)
		_, err := New(cfg, tc.opts...)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.err)
		case err != nil && !strings.HasPrefix(err.Error(), "introspect: "):
			t.Errorf("%s: error %q lacks the prefix", tc.name, err)
		}
	}
}

// TestConfigLeewayDefault: Leeway 0 means DefaultLeeway, and the audience
// list is copied.
func TestConfigLeewayDefault(t *testing.T) {
	auds := []string{api}
	c, err := New(Config{Issuer: "https://idp.example.com/", ClientID: "a", ClientSecret: "b", Audiences: auds})
	if err != nil {
		t.Fatal(err)
	}
	auds[0] = "changed"
	if c.policy.leeway != DefaultLeeway || c.policy.audiences[0] != api || c.cfg.AuthMethod != ClientSecretBasic {
		t.Fatalf("policy %+v, method %q", c.policy, c.cfg.AuthMethod)
	}
}

// TestObserver: requests and cache lookups are reported with their kind.
func TestObserver(t *testing.T) {
	t.Parallel()
	x := newKit(t)
	obs := &recObserver{}
	c := newClient(t, kitConfig(x), WithObserver(obs))
	good := mint(t, x, jwtguardtest.Claims{})
	bad := mint(t, x, jwtguardtest.Claims{Audience: []string{"other"}})
	for range 2 {
		c.Introspect(ctxT(t), good)
		c.Introspect(ctxT(t), bad)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.requests) != 2 || obs.requests[0].Kind != "" || obs.requests[1].Kind != KindAudience ||
		obs.requests[0].StatusCode != 200 || obs.requests[0].Issuer != x.URL() || obs.requests[0].Duration <= 0 {
		t.Fatalf("requests %+v", obs.requests)
	}
	if obs.hits != 2 || obs.misses != 2 || !slices.Equal(obs.hitKinds, []Kind{"", KindAudience}) {
		t.Fatalf("hits %d %v, misses %d", obs.hits, obs.hitKinds, obs.misses)
	}
}
