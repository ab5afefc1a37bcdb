package demo

import (
	"errors"
	"flag"
	"io"
	"reflect"
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
			want: Config{Addr: "127.0.0.1:0", Issuers: []string{"https://tenant.eu.auth0.com/"}, JWKSURI: "https://tenant.eu.auth0.com/.well-known/jwks.json",
				Audience: "https://api.example.org", Namespace: "https://ns.example.org/", JWKSRefresh: 5 * time.Minute, JWKSMinRefresh: 30 * time.Second},
		},
		{
			name: "every env var",
			env: map[string]string{"JWTGUARD_ADDR": ":9000", "JWTGUARD_ISSUER": "https://kc.example.org/realms/r", "JWTGUARD_JWKS_URI": "https://kc.example.org/certs",
				"JWTGUARD_AUDIENCE": "api", "JWTGUARD_NAMESPACE": "https://n/", "JWTGUARD_JWKS_REFRESH": "2m", "JWTGUARD_JWKS_MIN_REFRESH": "2s"},
			want: Config{Addr: ":9000", Issuers: []string{"https://kc.example.org/realms/r"}, JWKSURI: "https://kc.example.org/certs",
				Audience: "api", Namespace: "https://n/", JWKSRefresh: 2 * time.Minute, JWKSMinRefresh: 2 * time.Second},
		},
		{
			name: "flag wins over env",
			env:  map[string]string{"JWTGUARD_AUDIENCE": "from-env", "JWTGUARD_ISSUER": "https://env.example/"},
			args: []string{"-audience", "from-flag"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://env.example/"}, Audience: "from-flag", Namespace: DefaultNamespace},
		},
		{
			name: "issuer repeated",
			args: []string{"-issuer", "https://a.example/", "-issuer", "https://b.example/", "-issuer", "https://c.example"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://a.example/", "https://b.example/", "https://c.example"},
				Audience: DefaultAudience, Namespace: DefaultNamespace},
		},
		{
			name: "env issuer list with spaces",
			env:  map[string]string{"JWTGUARD_ISSUER": " https://a.example/ ,https://b.example/,  https://c.example "},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://a.example/", "https://b.example/", "https://c.example"},
				Audience: DefaultAudience, Namespace: DefaultNamespace},
		},
		{
			name: "issuer flags replace the env list",
			env:  map[string]string{"JWTGUARD_ISSUER": "https://a.example/,https://b.example/"},
			args: []string{"-issuer", "https://c.example/", "-issuer", "https://d.example/"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://c.example/", "https://d.example/"},
				Audience: DefaultAudience, Namespace: DefaultNamespace},
		},
		{
			name: "one issuer with its JWKS",
			args: []string{"-issuer", "https://a.example/", "-jwks-uri", "https://a.example/keys"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://a.example/"}, JWKSURI: "https://a.example/keys",
				Audience: DefaultAudience, Namespace: DefaultNamespace},
		},
		{name: "empty element in the env list", env: map[string]string{"JWTGUARD_ISSUER": "https://a.example/,,https://b.example/"},
			err: `demo: JWTGUARD_ISSUER "https://a.example/,,https://b.example/": an issuer of the comma-separated list is empty`},
		{name: "trailing comma in the env list", env: map[string]string{"JWTGUARD_ISSUER": "https://a.example/, "},
			err: `demo: JWTGUARD_ISSUER "https://a.example/, ": an issuer of the comma-separated list is empty`},
		{name: "empty issuer flag", args: []string{"-issuer", "https://a.example/", "-issuer", ""}, err: "demo: -issuer is empty"},
		{name: "issuer given twice", args: []string{"-issuer", "https://a.example/", "-issuer", "https://a.example/"},
			err: "demo: -issuer https://a.example/ is given twice"},
		{name: "jwks-uri with several issuers", args: []string{"-issuer", "https://a.example/", "-issuer", "https://b.example/", "-jwks-uri", "https://a.example/keys"},
			err: "demo: -jwks-uri names the keys of one issuer, and 2 issuers are given: leave it out, and each issuer's keys are found by its discovery document"},
		{
			name: "TLS flags",
			args: []string{"-tls-cert", "server.pem", "-tls-key", "server-key.pem", "-client-ca", "ca.pem"},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace,
				TLSCert: "server.pem", TLSKey: "server-key.pem", ClientCA: "ca.pem"},
		},
		{
			name: "TLS env vars",
			env:  map[string]string{"JWTGUARD_TLS_CERT": "c.pem", "JWTGUARD_TLS_KEY": "k.pem", "JWTGUARD_CLIENT_CA": "ca.pem"},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace, TLSCert: "c.pem", TLSKey: "k.pem", ClientCA: "ca.pem"},
		},
		{name: "-dev-tls", args: []string{"-dev-tls"}, want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace, DevTLS: true}},
		{name: "JWTGUARD_DEV_TLS", env: map[string]string{"JWTGUARD_DEV_TLS": "true"},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace, DevTLS: true}},
		{name: "-dev-tls=false wins over JWTGUARD_DEV_TLS", env: map[string]string{"JWTGUARD_DEV_TLS": "1"}, args: []string{"-dev-tls=false"},
			want: Config{Addr: DefaultAddr, Audience: DefaultAudience, Namespace: DefaultNamespace}},
		{name: "-dev-tls with a real issuer", args: []string{"-dev-tls", "-issuer", "https://tenant.eu.auth0.com/"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://tenant.eu.auth0.com/"}, Audience: DefaultAudience, Namespace: DefaultNamespace, DevTLS: true}},
		{name: "bad JWTGUARD_DEV_TLS", env: map[string]string{"JWTGUARD_DEV_TLS": "yes please"}, err: "JWTGUARD_DEV_TLS"},
		{name: "-tls-cert without -tls-key", args: []string{"-tls-cert", "c.pem"}, err: "-tls-cert and -tls-key go together"},
		{name: "-tls-key without -tls-cert", env: map[string]string{"JWTGUARD_TLS_KEY": "k.pem"}, err: "-tls-cert and -tls-key go together"},
		{name: "-client-ca without TLS", args: []string{"-client-ca", "ca.pem"}, err: "-client-ca needs -tls-cert and -tls-key"},
		{name: "-dev-tls with -tls-cert", args: []string{"-dev-tls", "-tls-cert", "c.pem", "-tls-key", "k.pem"}, err: "-dev-tls generates its own certificates"},
		{name: "-dev-tls with -tls-cert, -client-ca", args: []string{"-dev-tls", "-tls-cert", "c.pem", "-tls-key", "k.pem", "-client-ca", "ca.pem"},
			err: "-dev-tls generates its own certificates"},
		{
			name: "introspection flags",
			args: []string{"-issuer", "https://kc.example.org/realms/r", "-introspection-url", "https://kc.example.org/realms/r/protocol/openid-connect/token/introspect",
				"-introspection-client-id", "contacts-api", "-introspection-client-secret", "s3cret"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://kc.example.org/realms/r"}, Audience: DefaultAudience, Namespace: DefaultNamespace,
				IntrospectionURL:      "https://kc.example.org/realms/r/protocol/openid-connect/token/introspect",
				IntrospectionClientID: "contacts-api", IntrospectionClientSecret: "s3cret"},
		},
		{
			name: "introspection env vars, a flag wins",
			env: map[string]string{"JWTGUARD_ISSUER": "https://hydra.example.org/", "JWTGUARD_INTROSPECTION_URL": "https://hydra-admin.example.org/admin/oauth2/introspect",
				"JWTGUARD_INTROSPECTION_CLIENT_ID": "env-id", "JWTGUARD_INTROSPECTION_CLIENT_SECRET": "env-secret"},
			args: []string{"-introspection-client-id", "flag-id"},
			want: Config{Addr: DefaultAddr, Issuers: []string{"https://hydra.example.org/"}, Audience: DefaultAudience, Namespace: DefaultNamespace,
				IntrospectionURL:      "https://hydra-admin.example.org/admin/oauth2/introspect",
				IntrospectionClientID: "flag-id", IntrospectionClientSecret: "env-secret"},
		},
		{name: "introspection without credentials", args: []string{"-issuer", "https://i.example/", "-introspection-url", "https://i.example/introspect"},
			err: "-introspection-url needs -introspection-client-id and -introspection-client-secret"},
		{name: "introspection without a secret", args: []string{"-issuer", "https://i.example/", "-introspection-url", "https://i.example/introspect", "-introspection-client-id", "x"},
			err: "needs -introspection-client-id and -introspection-client-secret"},
		{name: "introspection credentials without URL", env: map[string]string{"JWTGUARD_INTROSPECTION_CLIENT_ID": "x", "JWTGUARD_INTROSPECTION_CLIENT_SECRET": "y"},
			args: []string{"-issuer", "https://i.example/"}, err: "need -introspection-url"},
		{name: "introspection with the development issuer", args: []string{"-introspection-url", "https://i.example/introspect",
			"-introspection-client-id", "x", "-introspection-client-secret", "y"}, err: "needs -issuer"},
		{name: "introspection URL not absolute", args: []string{"-issuer", "https://i.example/", "-introspection-url", "/introspect",
			"-introspection-client-id", "x", "-introspection-client-secret", "y"}, err: "not an absolute https URL"},
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
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.HasPrefix(tc.err, "demo:") && err.Error() != tc.err {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tc.want) {
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
	for _, want := range []string{"-addr", "JWTGUARD_ADDR", "-issuer", "-jwks-uri", "-audience", "-namespace", "-jwks-refresh", "-jwks-min-refresh", "JWTGUARD_JWKS_MIN_REFRESH",
		"-tls-cert", "JWTGUARD_TLS_CERT", "-tls-key", "JWTGUARD_TLS_KEY", "-client-ca", "JWTGUARD_CLIENT_CA", "-dev-tls", "JWTGUARD_DEV_TLS",
		"-introspection-url", "JWTGUARD_INTROSPECTION_URL", "-introspection-client-id", "JWTGUARD_INTROSPECTION_CLIENT_ID",
		"-introspection-client-secret", "JWTGUARD_INTROSPECTION_CLIENT_SECRET",
		"-redis", "JWTGUARD_REDIS", "-dpop-nonce-secret", "JWTGUARD_DPOP_NONCE_SECRET"} {
		if !strings.Contains(usage.String(), want) {
			t.Errorf("usage lacks %s:\n%s", want, usage.String())
		}
	}
}
