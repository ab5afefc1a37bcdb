package demo

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

func primed(t *testing.T, env *Env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.Prime(ctx); err != nil {
		t.Fatal(err)
	}
}

// The development issuer's demo tokens are what the contract promises.
func TestStartWithDevelopmentIssuer(t *testing.T) {
	env, err := Start(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.Dev == nil || len(env.Config.Issuers) != 1 || env.Config.Issuers[0] != env.Dev.URL() || len(env.Keys) != 1 {
		t.Fatalf("issuers %q, dev %v, %d key sources", env.Config.Issuers, env.Dev, len(env.Keys))
	}
	primed(t, env)
	if !env.Ready() {
		t.Fatal("not ready after Prime")
	}
	tok, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	reader, err := env.Validator.Validate(ctx, tok.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got := WhoAmI(reader); got.Sub != "auth0|reader" || strings.Join(got.Scopes, " ") != "read:contacts" ||
		string(got.Custom["favorite_color"]) != `"blue"` || len(got.Custom) != 1 {
		t.Errorf("reader: %+v", got)
	}
	if d := time.Until(reader.ExpiresAt); d < TokenLifetime-time.Minute || d > TokenLifetime+time.Minute {
		t.Errorf("reader expires in %s", d)
	}
	admin, err := env.Validator.Validate(ctx, tok.Admin)
	if err != nil {
		t.Fatal(err)
	}
	if got := WhoAmI(admin); got.Sub != "auth0|admin" || strings.Join(got.Scopes, " ") != "read:contacts delete:contacts" || admin.Scope != "" {
		t.Errorf("admin: %+v (scope %q)", got, admin.Scope)
	}
	var e *middleware.Error
	if _, err := env.Validator.Validate(ctx, tok.ID); !errors.As(err, &e) || e.Reason != middleware.ReasonIDToken {
		t.Errorf("ID token: %v", err)
	}
}

// The development issuer's opaque token is introspected at its endpoint
// and says what the read-only JWT says.
func TestStartDevelopmentIntrospection(t *testing.T) {
	env, err := Start(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.Config.IntrospectionURL != env.Dev.IntrospectionURL() || env.Validator.Introspection() == nil {
		t.Fatalf("introspection URL %q, client %v", env.Config.IntrospectionURL, env.Validator.Introspection())
	}
	primed(t, env)
	tok, err := env.Dev.MintTokens()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	jwt, err := env.Validator.Validate(ctx, tok.Reader)
	if err != nil {
		t.Fatal(err)
	}
	opaque, err := env.Validator.Validate(ctx, tok.Opaque)
	if err != nil {
		t.Fatal(err)
	}
	if !opaque.Introspected || !reflect.DeepEqual(WhoAmI(opaque), WhoAmI(jwt)) || opaque.AuthorizedParty != "demo-client" {
		t.Errorf("opaque %+v, JWT %+v", WhoAmI(opaque), WhoAmI(jwt))
	}
}

// With -issuer and the introspection settings, that issuer's opaque
// tokens are introspected at the given URL; without them, refused.
func TestStartIntrospection(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	iss.Introspector().SetClientCredentials("contacts-api", "s3cret")
	tok, err := iss.Introspector().OpaqueToken(jwtguardtest.Claims{Subject: "u", Audience: []string{DefaultAudience}, Scope: ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Issuers = []string{iss.URL()}
	plain, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var e *middleware.Error
	if _, err := plain.Validator.Validate(context.Background(), tok); !errors.As(err, &e) || e.Reason != middleware.ReasonOpaque {
		t.Fatalf("without introspection: %v", err)
	}
	cfg.IntrospectionURL, cfg.IntrospectionClientID, cfg.IntrospectionClientSecret = iss.IntrospectionURL(), "contacts-api", "s3cret"
	env, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	c, err := env.Validator.Validate(context.Background(), tok)
	if err != nil || c.Subject != "u" || !c.Introspected {
		t.Fatalf("%+v, %v", c, err)
	}
	cfg.IntrospectionClientSecret = "wrong"
	wrong, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	if _, err := wrong.Validator.Validate(context.Background(), tok); !errors.As(err, &e) || e.Reason != middleware.ReasonIntrospectionUnavailable {
		t.Fatalf("wrong client secret: %v", err)
	}
}

func TestKeySource(t *testing.T) {
	noDiscovery, err := jwtguardtest.NewIssuer(jwtguardtest.WithoutDiscovery())
	if err != nil {
		t.Fatal(err)
	}
	defer noDiscovery.Close()
	withDiscovery, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer withDiscovery.Close()
	cases := []struct {
		name   string
		cfg    Config
		issuer string
		iss    *jwtguardtest.Issuer
		err    string
	}{
		{name: "discovery", issuer: withDiscovery.URL(), iss: withDiscovery},
		{name: "fallback to /.well-known/jwks.json", issuer: noDiscovery.URL(), iss: noDiscovery},
		{name: "jwks-uri", cfg: Config{JWKSURI: noDiscovery.JWKSURL()}, issuer: "https://unused.example.com/", iss: noDiscovery},
		{name: "refresh options", cfg: Config{JWKSRefresh: time.Minute, JWKSMinRefresh: time.Second}, issuer: withDiscovery.URL(), iss: withDiscovery},
		{name: "plain http to a remote host", issuer: "http://idp.example.com/", err: "-issuer"},
		{name: "bad jwks-uri", cfg: Config{JWKSURI: "ftp://x/"}, err: "-jwks-uri"},
		{name: "too small refresh", cfg: Config{JWKSRefresh: time.Millisecond}, issuer: withDiscovery.URL(), err: "at least 1s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := KeySource(tc.cfg, tc.issuer)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := src.Prime(ctx); err != nil {
				t.Fatal(err)
			}
			if kids := src.Keys().KIDs(); len(kids) != 1 || kids[0] != tc.iss.KeyID() {
				t.Errorf("kids %v", kids)
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Addr: DefaultAddr, Audience: DefaultAudience, Issuers: []string{" https://x.example/"}},
		{Addr: DefaultAddr, Audience: ""},
		{Addr: DefaultAddr, Audience: DefaultAudience, Issuers: []string{"http://idp.example.com/"}},
		{Addr: DefaultAddr, Audience: DefaultAudience, Issuers: []string{"https://a.example/", "http://idp.example.com/"}},
		{Addr: DefaultAddr, Audience: DefaultAudience, Issuers: []string{"https://idp.example.com/"},
			IntrospectionURL: "http://idp.example.com/introspect", IntrospectionClientID: "x", IntrospectionClientSecret: "y"},
	} {
		if env, err := Start(cfg); err == nil {
			env.Close()
			t.Errorf("Start(%+v) succeeded", cfg)
		}
	}
}

func TestStore(t *testing.T) {
	s := NewStore()
	if got := s.List(); len(got) != 3 || got[0].ID != "1" || got[1].ID != "2" || got[2].ID != "3" || got[2].Name != "Grace Hopper" {
		t.Fatalf("List = %v", got)
	}
	if !s.Delete("2") || s.Delete("2") || s.Delete("nope") {
		t.Error("Delete results")
	}
	if got := s.List(); len(got) != 2 || got[1].ID != "3" {
		t.Errorf("after delete: %v", got)
	}
	s.Delete("1")
	s.Delete("3")
	if got := s.List(); got == nil || len(got) != 0 {
		t.Errorf("empty store lists %#v", got)
	}
}
