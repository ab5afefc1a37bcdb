package demo

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want Config
		err  string // substring; "" means success
	}{
		{name: "defaults", want: DefaultConfig()},
		{
			name: "every flag",
			args: []string{"-addr", "127.0.0.1:0", "-issuer", "https://tenant.eu.auth0.com/", "-jwks-uri", "https://tenant.eu.auth0.com/.well-known/jwks.json",
				"-audience", "https://api.example.org", "-namespace", "https://ns.example.org/", "-jwks-refresh", "5m", "-jwks-min-refresh", "30s"},
			want: Config{Addr: "127.0.0.1:0", Issuer: "https://tenant.eu.auth0.com/", JWKSURI: "https://tenant.eu.auth0.com/.well-known/jwks.json",
				Audience: "https://api.example.org", Namespace: "https://ns.example.org/", JWKSRefresh: 5 * time.Minute, JWKSMinRefresh: 30 * time.Second},
		},
		{
			name: "every env var",
			env: map[string]string{"JWTGUARD_ADDR": ":9000", "JWTGUARD_ISSUER": "https://kc.example.org/realms/r", "JWTGUARD_JWKS_URI": "https://kc.example.org/certs",
				"JWTGUARD_AUDIENCE": "api", "JWTGUARD_NAMESPACE": "https://n/", "JWTGUARD_JWKS_REFRESH": "2m", "JWTGUARD_JWKS_MIN_REFRESH": "2s"},
			want: Config{Addr: ":9000", Issuer: "https://kc.example.org/realms/r", JWKSURI: "https://kc.example.org/certs",
				Audience: "api", Namespace: "https://n/", JWKSRefresh: 2 * time.Minute, JWKSMinRefresh: 2 * time.Second},
		},
		{
			name: "flag wins over env",
			env:  map[string]string{"JWTGUARD_AUDIENCE": "from-env", "JWTGUARD_ISSUER": "https://env.example/"},
			args: []string{"-audience", "from-flag"},
			want: Config{Addr: DefaultAddr, Issuer: "https://env.example/", Audience: "from-flag", Namespace: DefaultNamespace},
		},
		{name: "bad env duration", env: map[string]string{"JWTGUARD_JWKS_REFRESH": "soon"}, err: "JWTGUARD_JWKS_REFRESH"},
		{name: "bad flag duration", args: []string{"-jwks-min-refresh", "x"}, err: "jwks-min-refresh"},
		{name: "refresh under 1s", args: []string{"-jwks-refresh", "500ms"}, err: "at least 1s"},
		{name: "min refresh under 1s", args: []string{"-jwks-min-refresh", "-1s"}, err: "at least 1s"},
		{name: "empty audience", args: []string{"-audience", ""}, err: "-audience is empty"},
		{name: "empty addr", env: map[string]string{}, args: []string{"-addr="}, err: "-addr is empty"},
		{
			name: "redis and nonce secret by flag",
			args: []string{"-redis", "redis://127.0.0.1:6379/0", "-dpop-nonce-secret", strings.Repeat("s", 32)},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace,
				Redis: "redis://127.0.0.1:6379/0", DPoPNonceSecret: strings.Repeat("s", 32)},
		},
		{
			name: "redis and nonce secret by env",
			env:  map[string]string{"JWTGUARD_REDIS": "rediss://user:pw@redis.internal:6380/1", "JWTGUARD_DPOP_NONCE_SECRET": strings.Repeat("e", 40)},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace,
				Redis: "rediss://user:pw@redis.internal:6380/1", DPoPNonceSecret: strings.Repeat("e", 40)},
		},
		{
			name: "nonce secret alone",
			args: []string{"-dpop-nonce-secret", strings.Repeat("s", 32)},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace, DPoPNonceSecret: strings.Repeat("s", 32)},
		},
		{name: "short nonce secret", args: []string{"-dpop-nonce-secret", strings.Repeat("s", 31)}, err: "at least 32"},
		{name: "short nonce secret by env", env: map[string]string{"JWTGUARD_DPOP_NONCE_SECRET": "short"}, err: "at least 32"},
		{name: "redis not a URL", args: []string{"-redis", "127.0.0.1:6379"}, err: "redis:// or rediss://"},
		{name: "stray argument", args: []string{"extra"}, err: "unexpected arguments"},
		{name: "unknown flag", args: []string{"-port", "1"}, err: "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env = tc.env
			c := DefaultConfig()
			err := c.Parse("contacts", tc.args, getenv, io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c != tc.want {
				t.Errorf("got  %+v\nwant %+v", c, tc.want)
			}
		})
	}
}

func TestParseHelp(t *testing.T) {
	var usage strings.Builder
	c := DefaultConfig()
	err := c.Parse("contacts", []string{"-h"}, func(string) string { return "" }, &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"-addr", "JWTGUARD_ADDR", "-issuer", "-jwks-uri", "-audience", "-namespace", "-jwks-refresh", "-jwks-min-refresh", "JWTGUARD_JWKS_MIN_REFRESH", "-redis", "JWTGUARD_REDIS", "-dpop-nonce-secret", "JWTGUARD_DPOP_NONCE_SECRET"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("usage lacks %s:\n%s", want, usage.String())
		}
	}
}
