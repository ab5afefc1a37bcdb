package middleware

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/introspect"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// introKit is an issuer of JWTs and opaque tokens (the test kit's) and a
// Validator that validates both.
type introKit struct {
	iss *jwtguardtest.Issuer
	x   *jwtguardtest.Introspector
	v   *Validator
}

const introAPI = "https://contacts.example.com"

// newIntroKit starts an issuer and a Validator with WithKeys and opts;
// without an introspection option, WithIntrospectionEndpoint at the
// issuer's endpoint is added.
func newIntroKit(t testing.TB, opts ...Option) *introKit {
	t.Helper()
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)
	k := &introKit{iss: iss, x: iss.Introspector()}
	k.v = k.validator(t, opts...)
	return k
}

func (k *introKit) validator(t testing.TB, opts ...Option) *Validator {
	t.Helper()
	src, err := jwks.NewRemote(k.iss.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	all := []Option{WithKeys(src), WithNamespace(testNS)}
	if opts == nil {
		all = append(all, k.endpoint())
	}
	v, err := New(k.iss.URL(), introAPI, append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// endpoint is WithIntrospectionEndpoint for the kit's endpoint and client.
func (k *introKit) endpoint(opts ...introspect.Option) Option {
	return WithIntrospectionEndpoint(k.iss.IntrospectionURL(),
		jwtguardtest.DefaultIntrospectionClientID, jwtguardtest.DefaultIntrospectionClientSecret, opts...)
}

// opaque mints an opaque token for introAPI (unless c names an audience).
func (k *introKit) opaque(t testing.TB, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{introAPI}
	}
	tok, err := k.x.OpaqueToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func (k *introKit) jwt(t testing.TB, c jwtguardtest.Claims) string {
	t.Helper()
	if c.Audience == nil {
		c.Audience = []string{introAPI}
	}
	tok, err := k.iss.AccessToken(c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestIntrospectionClaims: an opaque token and a JWT with the same claims
// give the same Claims, but for how they were validated.
func TestIntrospectionClaims(t *testing.T) {
	k := newIntroKit(t)
	claims := jwtguardtest.Claims{
		Subject: "auth0|alice", Scope: "read:contacts write:contacts", SCP: []string{"admin"},
		Permissions: []string{"delete:contacts"}, ClientID: "client-1", AuthorizedParty: "azp-1",
		GrantType: "client-credentials", ID: "jti-1", NotBefore: time.Now().Add(-time.Minute),
		Custom: map[string]any{testNS + "favorite_color": "blue", "tenant": "t1"},
	}
	ctx := context.Background()
	jc, err := k.v.Validate(ctx, k.jwt(t, claims))
	if err != nil {
		t.Fatal(err)
	}
	claims.Custom["username"] = "alice@example.com"
	tok := k.opaque(t, claims)
	oc, err := k.v.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if jc.Introspected || !oc.Introspected {
		t.Fatalf("Introspected: JWT %v, opaque %v", jc.Introspected, oc.Introspected)
	}
	if oc.Issuer != k.iss.URL() || oc.Subject != jc.Subject || !slices.Equal(oc.Audience, jc.Audience) ||
		oc.ID != "jti-1" || oc.ClientID() != "client-1" || oc.AuthorizedParty != "azp-1" || !oc.IsMachine() ||
		!slices.Equal(oc.Scopes(), jc.Scopes()) || !slices.Equal(oc.Permissions, jc.Permissions) ||
		oc.Username != "alice@example.com" || jc.Username != "" {
		t.Fatalf("opaque claims %+v\nJWT claims %+v", oc, jc)
	}
	for _, p := range [][2]time.Time{{oc.ExpiresAt, jc.ExpiresAt}, {oc.IssuedAt, jc.IssuedAt}, {oc.NotBefore, jc.NotBefore}} {
		if p[0].Unix() != p[1].Unix() || p[0].IsZero() {
			t.Fatalf("times: opaque %v, JWT %v", p[0], p[1])
		}
	}
	if oc.Algorithm != "" || oc.KeyID != "" || oc.Type != "" || !strings.Contains(string(oc.Raw()), `"active":true`) {
		t.Fatalf("header members %q %q %q, raw %s", oc.Algorithm, oc.KeyID, oc.Type, oc.Raw())
	}
	if color, err := Custom[string](oc, "favorite_color"); err != nil || color != "blue" {
		t.Fatalf("namespaced custom claim: %q, %v", color, err)
	}
	custom := oc.CustomClaims()
	if string(custom["tenant"]) != `"t1"` || string(custom["favorite_color"]) != `"blue"` {
		t.Fatalf("custom claims %v", custom)
	}
	for _, m := range []string{"active", "token_type", "username", "iss", "scope"} {
		if _, ok := custom[m]; ok {
			t.Errorf("custom claims list %q: %v", m, custom)
		}
	}
	if _, ok := jc.CustomClaims()["tenant"]; !ok {
		t.Error("JWT custom claims")
	}
	if u, err := Custom[string](oc, "username"); err != nil || u != "alice@example.com" {
		t.Errorf("Custom username: %q, %v", u, err)
	}
}

// TestIntrospectionIssuerDefault: an answer without iss is the client's
// issuer's.
func TestIntrospectionIssuerDefault(t *testing.T) {
	k := newIntroKit(t)
	c, err := k.v.Validate(context.Background(), k.opaque(t, jwtguardtest.Claims{Custom: map[string]any{"iss": nil}}))
	if err != nil || c.Issuer != k.iss.URL() {
		t.Fatalf("%+v, %v", c, err)
	}
}

// TestIntrospectionRouting: only opaque shapes are introspected; JWS, JWE
// and damaged JWS keep their local answers, and without introspection an
// opaque token keeps its refusal.
func TestIntrospectionRouting(t *testing.T) {
	k := newIntroKit(t)
	without := k.validator(t, WithLeeway(time.Minute))
	ctx := context.Background()
	jwe := b64url([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM"}`)) + ".a.b.c.d"
	damaged := b64url([]byte(`{"alg":"RS256"}`)) + ".payload"
	hydra := "ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww"
	for _, tc := range []struct {
		name      string
		v         *Validator
		token     string
		reason    Reason
		requested bool
	}{
		{"JWT", k.v, k.jwt(t, jwtguardtest.Claims{}), "", false},
		{"opaque", k.v, k.opaque(t, jwtguardtest.Claims{}), "", true},
		{"unknown opaque", k.v, "8xLOxBtZp8Qk3vT2", ReasonInactive, true},
		{"Hydra-shaped opaque", k.v, hydra, ReasonInactive, true},
		{"opaque, base64 alphabet", k.v, "aGVsbG8+d29ybGQ/Zm9v==", ReasonInactive, true},
		{"not a b64token", k.v, "a!b", ReasonMalformed, false},
		{"JWE", k.v, jwe, ReasonEncrypted, false},
		{"damaged JWS", k.v, damaged, ReasonMalformed, false},
		{"bad JWS", k.v, "a.b.c", ReasonEncoding, false},
		{"without introspection: opaque", without, k.opaque(t, jwtguardtest.Claims{}), ReasonOpaque, false},
		{"without introspection: Hydra", without, hydra, ReasonOpaque, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := k.x.Requests()
			_, err := tc.v.Validate(ctx, tc.token)
			assertReason(t, err, tc.reason)
			if got := k.x.Requests() > before; got != tc.requested {
				t.Fatalf("introspection request made: %v, want %v", got, tc.requested)
			}
		})
	}
}

func assertReason(t *testing.T, err error, want Reason) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Reason != want {
		t.Fatalf("err %v, want reason %s", err, want)
	}
}

// TestOpaqueShape agrees with jose.Split on every shape.
func TestOpaqueShape(t *testing.T) {
	for _, tok := range []string{
		"8xLOxBtZp8Qk3vT2", "jgt_abc", "ory_at_x.y", "a", "ab", "abc", "abcd", "a.b.c", "a.b.c.d.e", "a.b.c.d",
		b64url([]byte(`{"alg":"RS256"}`)) + ".x", b64url([]byte(`{"alg":"RS256"}`)),
		b64url([]byte(` {"a":1}`)) + ".x.y.z", b64url([]byte("\n\n\n{}")), b64url([]byte(`{`)), "eyJ", "eyJh.x",
		"a+b/c==", "++++", "....", "", "a\nb\nc\nd", "e\nyJ9",
	} {
		want := false
		if _, e := splitCompact(tok); e != nil && e.Reason == ReasonOpaque {
			want = true
		}
		if got := opaqueShape(tok); got != want {
			t.Errorf("opaqueShape(%q) = %v, want %v", tok, got, want)
		}
	}
}

// TestIntrospectionRefusals: what the endpoint refuses is 401
// invalid_token with the reason of the matching JWT check.
func TestIntrospectionRefusals(t *testing.T) {
	k := newIntroKit(t)
	revoked := k.opaque(t, jwtguardtest.Claims{})
	k.x.Revoke(revoked)
	refresh, err := k.x.RefreshToken(jwtguardtest.Claims{Audience: []string{introAPI}})
	if err != nil {
		t.Fatal(err)
	}
	forced := func(m map[string]any) string {
		m["active"] = true
		return k.opaque(t, jwtguardtest.Claims{Custom: m})
	}
	for _, tc := range []struct {
		name   string
		token  string
		reason Reason
	}{
		{"revoked", revoked, ReasonInactive},
		{"unknown", "jgt_unknown", ReasonInactive},
		{"refresh token", refresh, ReasonTokenType},
		{"ID token type", forced(map[string]any{"typ": "ID"}), ReasonTokenType},
		{"other audience", k.opaque(t, jwtguardtest.Claims{Audience: []string{"https://other.example.com"}}), ReasonAudience},
		{"no audience", k.opaque(t, jwtguardtest.Claims{Audience: []string{}}), ReasonAudience},
		{"other issuer", k.opaque(t, jwtguardtest.Claims{Issuer: "https://evil.example.com/"}), ReasonIssuer},
		{"expired", forced(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}), ReasonExpired},
		{"no exp", forced(map[string]any{"exp": nil}), ReasonMissingExpiry},
		{"not yet valid", k.opaque(t, jwtguardtest.Claims{NotBefore: time.Now().Add(time.Hour)}), ReasonNotYetValid},
		{"issued in the future", k.opaque(t, jwtguardtest.Claims{IssuedAt: time.Now().Add(time.Hour)}), ReasonIssuedInFuture},
		{"too long for introspection", "jgt_" + strings.Repeat("a", introspect.MaxTokenBytes), ReasonTooLarge},
		{"scp of the wrong type", k.opaque(t, jwtguardtest.Claims{Custom: map[string]any{"scp": 7}}), ReasonClaims},
		{"bound to a cnf jwk", k.opaque(t, jwtguardtest.Claims{Custom: map[string]any{"cnf": map[string]any{"jwk": map[string]any{"kty": "EC"}}}}), ReasonUnsupportedConfirmation},
		{"token_type DPoP without cnf.jkt", k.opaque(t, jwtguardtest.Claims{Custom: map[string]any{"token_type": "DPoP"}}), ReasonUnsupportedConfirmation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := k.v.Validate(context.Background(), tc.token)
			assertReason(t, err, tc.reason)
			e := AsError(err)
			if !errors.Is(err, ErrInvalidToken) || e.HTTPStatus() != 401 || e.Code() != "invalid_token" || e.GRPCCode() != grpcUnauthenticated {
				t.Fatalf("%v: status %d code %q", err, e.HTTPStatus(), e.Code())
			}
			if strings.Contains(e.Description, "jgt_") || strings.Contains(e.Description, k.iss.IntrospectionURL()) {
				t.Fatalf("description %q quotes the token or the endpoint", e.Description)
			}
		})
	}
	// The introspect error is the cause, for logs.
	_, err = k.v.Validate(context.Background(), revoked)
	if !errors.Is(err, introspect.ErrInactive) {
		t.Fatalf("%v does not wrap introspect.ErrInactive", err)
	}
}

// TestIntrospectionUnavailable: an endpoint that cannot answer is 503,
// never 401 and never an accepted token.
func TestIntrospectionUnavailable(t *testing.T) {
	k := newIntroKit(t)
	limited := k.validator(t, k.endpoint(introspect.WithRateLimit(0.01, 1)))
	slow := k.validator(t, k.endpoint(introspect.WithTimeout(50*time.Millisecond)))
	ctx := context.Background()
	tok := k.opaque(t, jwtguardtest.Claims{})
	check := func(t *testing.T, v *Validator, token string, reason Reason) *Error {
		t.Helper()
		c, err := v.Validate(ctx, token)
		if c != nil {
			t.Fatal("accepted")
		}
		assertReason(t, err, reason)
		e := AsError(err)
		if !errors.Is(err, ErrUnavailable) || e.HTTPStatus() != 503 || e.GRPCCode() != grpcUnavailable || e.Code() != "" ||
			Challenge("r", e) != "" || !errors.Is(err, introspect.ErrUnavailable) {
			t.Fatalf("%v: status %d, gRPC %d, code %q", err, e.HTTPStatus(), e.GRPCCode(), e.Code())
		}
		if strings.Contains(e.Description, k.iss.IntrospectionURL()) {
			t.Fatalf("description %q names the endpoint", e.Description)
		}
		return e
	}
	t.Run("down", func(t *testing.T) {
		k.x.SetDown(true)
		defer k.x.SetDown(false)
		check(t, k.v, tok, ReasonIntrospectionUnavailable)
	})
	t.Run("client refused", func(t *testing.T) {
		k.x.SetOutage(http.StatusUnauthorized)
		defer k.x.SetOutage(0)
		check(t, k.v, tok, ReasonIntrospectionUnavailable)
	})
	t.Run("garbage", func(t *testing.T) {
		k.x.SetGarbage(true)
		defer k.x.SetGarbage(false)
		check(t, k.v, tok, ReasonIntrospectionUnavailable)
	})
	t.Run("slow", func(t *testing.T) {
		k.x.SetSlow(time.Second)
		defer k.x.SetSlow(0)
		check(t, slow, tok, ReasonIntrospectionUnavailable)
	})
	t.Run("undiscoverable", func(t *testing.T) {
		down, err := jwtguardtest.NewIssuer()
		if err != nil {
			t.Fatal(err)
		}
		defer down.Close()
		down.SetDown(true)
		src, _ := jwks.NewRemote(down.JWKSURL(), jwks.WithLogger(slog.New(slog.DiscardHandler)))
		defer src.Close()
		v, err := New(down.URL(), introAPI, WithKeys(src), WithIntrospectionEndpoint("", "id", "secret"))
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		check(t, v, tok, ReasonIntrospectionUnavailable)
	})
	t.Run("rate limited", func(t *testing.T) {
		if _, err := limited.Validate(ctx, tok); err != nil {
			t.Fatal(err)
		}
		e := check(t, limited, k.opaque(t, jwtguardtest.Claims{}), ReasonIntrospectionRateLimited)
		if e.RetryAfter < time.Second {
			t.Fatalf("RetryAfter %s", e.RetryAfter)
		}
		// Annotated for Authenticate, it keeps its RetryAfter.
		_, err := limited.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: k.opaque(t, jwtguardtest.Claims{})})
		if AsError(err).RetryAfter < time.Second || AsError(err).Reason != ReasonIntrospectionRateLimited {
			t.Fatalf("Authenticate: %v, RetryAfter %s", err, AsError(err).RetryAfter)
		}
	})
	// Back up: the same token is accepted (failures are not cached).
	if _, err := k.v.Validate(ctx, tok); err != nil {
		t.Fatal(err)
	}
}

// TestIntrospectionWarning: a failing endpoint is logged at warn with its
// cause, at most every 30 s, never with the token.
func TestIntrospectionWarning(t *testing.T) {
	k := newIntroKit(t, WithLeeway(time.Minute))
	var buf lockedBuffer
	v := k.validator(t, k.endpoint(), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	k.x.SetOutage(http.StatusUnauthorized)
	tok := k.opaque(t, jwtguardtest.Claims{})
	for range 3 {
		v.Validate(context.Background(), tok)
	}
	out := buf.String()
	if strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "token introspection failed") ||
		!strings.Contains(out, "HTTP 401") || !strings.Contains(out, k.iss.URL()) || strings.Contains(out, tok) {
		t.Fatalf("log:\n%s", out)
	}
	v.intro.warned.Add(-int64(introspectionWarnEvery))
	v.Validate(context.Background(), tok)
	if n := strings.Count(buf.String(), "level=WARN"); n != 2 {
		t.Fatalf("%d warnings after 30 s:\n%s", n, buf.String())
	}
}

// TestIntrospectionBinding: the cnf of an answer binds the token as a
// JWT's does.
func TestIntrospectionBinding(t *testing.T) {
	k := newIntroKit(t)
	key, err := jwtguardtest.NewDPoPKey("")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bound := k.opaque(t, jwtguardtest.Claims{Subject: "dpop-client", DPoPKey: key})
	const url = "https://api.example.com/contacts"
	proof := func(tok string) string {
		p, err := key.Proof(jwtguardtest.Proof{Method: "GET", URL: url, AccessToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := k.v.Authenticate(ctx, Credentials{Scheme: SchemeDPoP, Token: bound, Proofs: []string{proof(bound)}, Method: "GET", URL: url})
	if err != nil || c.Subject != "dpop-client" || c.ConfirmationJKT != key.Thumbprint() {
		t.Fatalf("DPoP: %+v, %v", c, err)
	}
	_, err = k.v.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: bound})
	assertReason(t, err, ReasonDPoPDowngrade)
	_, err = k.v.Validate(ctx, bound)
	assertReason(t, err, ReasonDPoPDowngrade)
	_, err = k.v.Authenticate(ctx, Credentials{Scheme: SchemeDPoP, Token: bound, Method: "GET", URL: url})
	assertReason(t, err, ReasonDPoPProof)
	other := k.opaque(t, jwtguardtest.Claims{DPoPKey: key})
	_, err = k.v.Authenticate(ctx, Credentials{Scheme: SchemeDPoP, Token: bound, Proofs: []string{proof(other)}, Method: "GET", URL: url})
	assertReason(t, err, ReasonDPoPProof)
	plain := k.opaque(t, jwtguardtest.Claims{})
	_, err = k.v.Authenticate(ctx, Credentials{Scheme: SchemeDPoP, Token: plain, Proofs: []string{proof(plain)}, Method: "GET", URL: url})
	assertReason(t, err, ReasonDPoPNotBound)
	only := k.validator(t, k.endpoint(), WithDPoP(DPoPRequired))
	_, err = only.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: plain})
	assertReason(t, err, ReasonDPoPRequired)
}

// TestWithIntrospectionConfiguration: the client must fit the Validator.
func TestWithIntrospectionConfiguration(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	src, _ := jwks.NewRemote(iss.JWKSURL())
	defer src.Close()
	client := func(issuer string, aud ...string) *introspect.Client {
		c, err := introspect.New(introspect.Config{Issuer: issuer, Endpoint: iss.IntrospectionURL(),
			ClientID: "id", ClientSecret: "secret", Audiences: aud})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const second = "https://second.example.com/"
	for _, tc := range []struct {
		name string
		opts []Option
		err  string
	}{
		{"ok", []Option{WithIntrospection(client(iss.URL(), introAPI))}, ""},
		{"second issuer", []Option{WithIssuer(second, src), WithIntrospection(client(second, introAPI))}, ""},
		{"second audience", []Option{WithAudiences("api2"), WithIntrospection(client(iss.URL(), "api2", introAPI))}, ""},
		{"nil", []Option{WithIntrospection(nil)}, "nil client"},
		{"untrusted issuer", []Option{WithIntrospection(client(second, introAPI))}, `issuer "https://second.example.com/" is not one this Validator trusts`},
		{"issuer without its slash", []Option{WithIntrospection(client(strings.TrimSuffix(iss.URL(), "/"), introAPI))}, "trailing slash"},
		{"audience not accepted", []Option{WithIntrospection(client(iss.URL(), introAPI, "api2"))}, `accepts audience "api2"`},
		{"twice", []Option{WithIntrospection(client(iss.URL(), introAPI)), WithIntrospectionEndpoint("", "id", "s")}, "configured twice"},
		{"endpoint without credentials", []Option{WithIntrospectionEndpoint(iss.IntrospectionURL(), "", "")}, "WithIntrospectionEndpoint: introspect: client_secret_basic needs"},
		{"endpoint not https", []Option{WithIntrospectionEndpoint("http://example.com/introspect", "id", "s")}, "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(iss.URL(), introAPI, append([]Option{WithKeys(src)}, tc.opts...)...)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				v.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err %v, want %q", err, tc.err)
			}
		})
	}
	c := client(iss.URL(), introAPI)
	v, err := New(iss.URL(), introAPI, WithKeys(src), WithIntrospection(c))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if v.Introspection() != c {
		t.Fatal("Introspection() is not the client given")
	}
	plain, err := New(iss.URL(), introAPI, WithKeys(src))
	if err != nil || plain.Introspection() != nil {
		t.Fatalf("Introspection() without introspection: %v", err)
	}
	plain.Close()
	// Ready does not wait for introspection.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil || !v.Ready() {
		t.Fatalf("Prime %v, Ready %v", err, v.Ready())
	}
}

// TestIntrospectionEndpointClient: the client WithIntrospectionEndpoint
// builds uses the Validator's audiences, leeway, clock and observer.
func TestIntrospectionEndpointClient(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	k := &introKit{iss: iss, x: iss.Introspector()}
	obs := &introObserver{}
	now := time.Now().Add(2 * time.Hour)
	v := k.validator(t, k.endpoint(), WithAudiences("https://api2.example.com"), WithObserver(obs),
		WithLeeway(0), WithClock(func() time.Time { return now }))
	if got := v.Introspection().Audiences(); !slices.Equal(got, []string{introAPI, "https://api2.example.com"}) {
		t.Fatalf("audiences %q", got)
	}
	if v.Introspection().Issuer() != iss.URL() {
		t.Fatalf("issuer %q", v.Introspection().Issuer())
	}
	ctx := context.Background()
	// On the Validator's clock, two hours ahead, a token that expires in
	// an hour (forced active by the endpoint) has expired.
	tok := k.opaque(t, jwtguardtest.Claims{Audience: []string{"https://api2.example.com"}, ExpiresIn: time.Hour,
		Custom: map[string]any{"active": true}})
	_, err = v.Validate(ctx, tok)
	assertReason(t, err, ReasonExpired)
	now = time.Now()
	v.Introspection().Purge()
	if _, err := v.Validate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	// No leeway: exp exactly now is expired.
	now = time.Now().Add(time.Hour)
	v.Introspection().Purge()
	_, err = v.Validate(ctx, tok)
	assertReason(t, err, ReasonExpired)

	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.requests) != 3 || obs.lookups != 3 {
		t.Fatalf("the observer saw %d requests, %d lookups", len(obs.requests), obs.lookups)
	}
	if len(obs.events) != 3 || obs.events[0].Path != PathIntrospection || obs.events[0].Issuer != iss.URL() ||
		obs.events[0].Reason != ReasonExpired || obs.events[1].Reason != "" || obs.events[1].Cached {
		t.Fatalf("validation events %+v", obs.events)
	}
}

// introObserver is a middleware.Observer and an introspect.Observer.
type introObserver struct {
	mu       sync.Mutex
	events   []ValidationEvent
	requests []introspect.RequestEvent
	lookups  int
}

func (o *introObserver) Validated(ev ValidationEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, ev)
}

func (o *introObserver) Introspected(ev introspect.RequestEvent) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, ev)
}

func (o *introObserver) CacheLookup(bool, introspect.Kind) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lookups++
}

func (o *introObserver) RateLimited(string) {}

// TestIntrospectionCaching: introspected tokens stay out of the
// verified-token cache; the client's cache answers repeats, and a revoked
// token is refused once its answer is forgotten.
func TestIntrospectionCaching(t *testing.T) {
	k := newIntroKit(t)
	ctx := context.Background()
	tok := k.opaque(t, jwtguardtest.Claims{Subject: "s"})
	first, err := k.v.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if k.v.cache.get(tok, k.v.nowSeconds()) != nil {
		t.Fatal("an introspected token is in the verified-token cache")
	}
	again, err := k.v.Validate(ctx, tok)
	if err != nil || again != first || k.x.Requests() != 1 {
		t.Fatalf("repeat: %v, same claims %v, %d requests", err, again == first, k.x.Requests())
	}
	k.x.Revoke(tok)
	if _, err := k.v.Validate(ctx, tok); err != nil {
		t.Fatalf("within the cached answer's life: %v", err)
	}
	k.v.Introspection().Invalidate(tok)
	_, err = k.v.Validate(ctx, tok)
	assertReason(t, err, ReasonInactive)
}

// TestIntrospectionSingleFlight: 64 concurrent requests with one fresh
// opaque token make one introspection request through the Validator.
func TestIntrospectionSingleFlight(t *testing.T) {
	k := newIntroKit(t)
	k.x.SetSlow(50 * time.Millisecond) // all 64 arrive while the first is in flight
	tok := k.opaque(t, jwtguardtest.Claims{Subject: "s", Scope: "read:contacts"})
	var wg sync.WaitGroup
	claims := make([]*Claims, 64)
	errs := make([]error, 64)
	start := make(chan struct{})
	for i := range 64 {
		wg.Go(func() {
			<-start
			claims[i], errs[i] = k.v.Authenticate(context.Background(), Credentials{Scheme: SchemeBearer, Token: tok})
		})
	}
	close(start)
	wg.Wait()
	for i := range 64 {
		if errs[i] != nil || claims[i].Subject != "s" || claims[i].Scope != "read:contacts" {
			t.Fatalf("request %d: %+v, %v", i, claims[i], errs[i])
		}
	}
	if n := k.x.Requests(); n != 1 {
		t.Fatalf("%d introspection requests, want 1", n)
	}
}

// TestIntrospectionMemo: claims are read once per answer; a new answer
// (after Purge) is read again.
func TestIntrospectionMemo(t *testing.T) {
	k := newIntroKit(t)
	ctx := context.Background()
	tok := k.opaque(t, jwtguardtest.Claims{Subject: "s"})
	a, err := k.v.Validate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := k.v.Validate(ctx, tok); b != a {
		t.Fatal("the same answer was read twice")
	}
	k.v.Introspection().Purge()
	b, err := k.v.Validate(ctx, tok)
	if err != nil || b == a || b.Subject != "s" {
		t.Fatalf("after Purge: %v, same claims %v", err, b == a)
	}
	// A large answer is read each time, not remembered.
	big := k.opaque(t, jwtguardtest.Claims{Custom: map[string]any{"pad": strings.Repeat("x", memoMaxRaw)}})
	c1, err := k.v.Validate(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	if c2, _ := k.v.Validate(ctx, big); c2 == c1 || c2.Subject != c1.Subject {
		t.Fatal("a large answer was remembered")
	}
}

// BenchmarkAuthenticateIntrospectedCacheHit is the cost of an opaque token
// whose answer the introspection client has cached: hash, cache lookup,
// claims from the memo.
func BenchmarkAuthenticateIntrospectedCacheHit(b *testing.B) {
	k := newIntroKit(b)
	tok := k.opaque(b, jwtguardtest.Claims{Subject: "auth0|64f1c2a9b8e7d6c5b4a30001", Scope: "openid profile read:contacts write:contacts",
		Permissions: []string{"read:contacts", "write:contacts"}, AuthorizedParty: "kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU"})
	ctx := context.Background()
	cred := Credentials{Scheme: SchemeBearer, Token: tok}
	if _, err := k.v.Authenticate(ctx, cred); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.v.Authenticate(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateIntrospectedMiss is the cost of an opaque token the
// client has not cached: one round trip to the test kit's endpoint on
// loopback (the cache is off, the flood limits out of the way).
func BenchmarkAuthenticateIntrospectedMiss(b *testing.B) {
	k := newIntroKit(b, WithLeeway(time.Minute)) // no introspection yet: the kit's URL is needed first
	k.v = k.validator(b, k.endpoint(introspect.WithCache(0, 0, 0), introspect.WithRateLimit(1e9, 1<<30)))
	tok := k.opaque(b, jwtguardtest.Claims{Subject: "s", Scope: "read:contacts"})
	ctx := context.Background()
	cred := Credentials{Scheme: SchemeBearer, Token: tok}
	before := k.x.Requests()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.v.Authenticate(ctx, cred); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if k.x.Requests()-before != int64(b.N) {
		b.Fatalf("%d requests for %d validations", k.x.Requests()-before, b.N)
	}
}
