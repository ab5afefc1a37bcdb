package middleware

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestHintValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "https://evil.example/", `"https://evil.example/"`},
		{"empty", "", `""`},
		{"control characters dropped", "a\x00b\x1b[31mc\r\nd\x7f", `"ab[31mcd"`},
		{"C1 control dropped", "a\u0085b", `"ab"`},
		{"bidi override and zero-width dropped", "evil\u202egpj.exe\u200b", `"evilgpj.exe"`},
		{"invalid UTF-8 replaced", "a\xffb", `"a�b"`},
		{"quote and backslash escaped", `a"b\c`, `"a\"b\\c"`},
		{"non-ASCII kept", "é日本", `"é日本"`},
		{"exactly the bound", strings.Repeat("a", maxHintValue), `"` + strings.Repeat("a", maxHintValue) + `"`},
		{"cut at the bound", strings.Repeat("é", maxHintValue+50), `"` + strings.Repeat("é", maxHintValue) + `…"`},
		{"dropped characters do not count", strings.Repeat("\x00", 200) + "ok", `"ok"`},
	}
	for _, tt := range tests {
		if got := hintValue(tt.in); got != tt.want {
			t.Errorf("%s: hintValue(%q) = %s, want %s", tt.name, tt.in, got, tt.want)
		}
	}
	if got, want := hintValues([]string{"a", "b", "c", "d", "e", "f"}), `"a", "b", "c", "d" (and 2 more)`; got != want {
		t.Errorf("hintValues = %s, want %s", got, want)
	}
}

const (
	howTestAudience = "Auth0: audience=https://api.example.com in the authorization request; " +
		"Okta: a custom authorization server whose audience is https://api.example.com; " +
		"Entra ID: scope=api://<app-id>/.default on the v2.0 endpoint, which gives the app as aud; " +
		"Keycloak: an audience mapper (or client scope) that adds https://api.example.com; " +
		"ORY Hydra: audience=https://api.example.com, which must be among the client's allowed audiences"
	trustsTestIssuer = `this API trusts "https://issuer.example.com/": `
)

// The hints of refused tokens, exactly: they name the configured and the
// received values (bounded, without control characters) and fit every
// authorization server, not Auth0 alone.
func TestHints(t *testing.T) {
	v := newValidator(t, WithTokenCache(0))
	entra, err := New("https://login.microsoftonline.com/tid/v2.0", "api://11111111-2222-3333-4444-555555555555",
		WithKeys(newSource(fixture.keySet...)))
	if err != nil {
		t.Fatal(err)
	}
	entraClaims := func(c map[string]any) {
		c["iss"], c["aud"] = "https://login.microsoftonline.com/tid/v2.0", "api://11111111-2222-3333-4444-555555555555"
	}
	tests := []struct {
		name   string
		v      *Validator
		token  string
		reason Reason
		hint   string
	}{
		{"issuer: trailing slash", v, token(t, "ES256", func(h, c map[string]any) { c["iss"] = "https://issuer.example.com" }),
			ReasonIssuer, `the token's iss is "https://issuer.example.com"; ` + trustsTestIssuer +
				`issuers are compared exactly, trailing slash included (Auth0 issuers end with "/"; ` +
				`Okta, Keycloak and Entra ID v2.0 issuers do not): if this token comes from your authorization server, ` +
				`configure the issuer exactly as "https://issuer.example.com"`},
		{"issuer: another one, hostile value", v, token(t, "ES256", func(h, c map[string]any) {
			c["iss"] = "https://evil.example/\x1b[2J\u202e" + strings.Repeat("x", 300)
		}),
			ReasonIssuer, `the token's iss is "https://evil.example/[2J` + strings.Repeat("x", maxHintValue-24) + `…"; ` + trustsTestIssuer +
				`issuers are compared exactly: check the tenant (Auth0, Entra ID), the authorization server ` +
				`(Okta: a custom one, not the org server) or the realm (Keycloak) the client gets its tokens from, ` +
				`or trust that issuer with middleware.WithIssuer`},
		{"issuer: missing", v, token(t, "ES256", func(h, c map[string]any) { delete(c, "iss") }),
			ReasonIssuer, `the token has no iss; this API trusts "https://issuer.example.com/"`},
		{"issuer: Entra ID v1.0 token for a v2.0 configuration", entra, token(t, "ES256", func(h, c map[string]any) {
			entraClaims(c)
			c["iss"] = "https://sts.windows.net/tid/"
		}),
			ReasonIssuer, `the token's iss is "https://sts.windows.net/tid/"; this API trusts "https://login.microsoftonline.com/tid/v2.0": ` +
				`Entra ID issues v1.0 tokens (iss https://sts.windows.net/<tenant>/) unless the API's app registration sets ` +
				`requestedAccessTokenVersion (accessTokenAcceptedVersion) to 2 (iss https://login.microsoftonline.com/<tenant>/v2.0): ` +
				`change the manifest, or trust that issuer with middleware.WithIssuer`},
		{"audience: missing", v, token(t, "ES256", func(h, c map[string]any) { delete(c, "aud") }),
			ReasonAudience, `the token has no aud: the client must request an access token for this API ("https://api.example.com"): ` + howTestAudience},
		{"audience: empty string", v, token(t, "ES256", func(h, c map[string]any) { c["aud"] = "" }),
			ReasonAudience, `the token has no aud: the client must request an access token for this API ("https://api.example.com"): ` + howTestAudience},
		{"audience: empty list", v, token(t, "ES256", func(h, c map[string]any) { c["aud"] = []string{} }),
			ReasonAudience, `the token has no aud: the client must request an access token for this API ("https://api.example.com"): ` + howTestAudience},
		{"audience: another API", v, token(t, "ES256", func(h, c map[string]any) {
			c["aud"] = []string{"https://other.example.com", "https://issuer.example.com/userinfo", "a", "b\x00", "c"}
		}),
			ReasonAudience, `the token's aud is "https://other.example.com", "https://issuer.example.com/userinfo", "a", "b" (and 1 more); ` +
				`this API accepts "https://api.example.com": the client must request an access token for this API (` + howTestAudience +
				`); if this token is meant for this API, accept its audience with middleware.WithAudiences`},
		{"audience: Microsoft Graph", entra, token(t, "ES256", func(h, c map[string]any) {
			entraClaims(c)
			c["aud"] = "00000003-0000-0000-c000-000000000000"
		}),
			ReasonAudience, `the token's aud is "00000003-0000-0000-c000-000000000000"; this API accepts "api://11111111-2222-3333-4444-555555555555": ` +
				`the token is for Microsoft Graph, not for this API (Entra ID issues it for Graph scopes such as User.Read); ` +
				`request scope=api://<app-id>/.default instead`},
		{"audience: Entra ID v2.0 client ID for a v1.0 identifier", entra, token(t, "ES256", func(h, c map[string]any) {
			entraClaims(c)
			c["aud"] = "11111111-2222-3333-4444-555555555555"
		}),
			ReasonAudience, `the token's aud is "11111111-2222-3333-4444-555555555555"; this API accepts "api://11111111-2222-3333-4444-555555555555": ` +
				`Entra ID v2.0 tokens carry the application (client) ID as aud and v1.0 tokens the Application ID URI: ` +
				`accept both with middleware.WithAudiences`},
		{"audience: missing, Entra ID identifier", entra, token(t, "ES256", func(h, c map[string]any) {
			entraClaims(c)
			delete(c, "aud")
		}),
			ReasonAudience, `the token has no aud: the client must request an access token for this API ("api://11111111-2222-3333-4444-555555555555"): ` +
				`Auth0: audience=api://11111111-2222-3333-4444-555555555555 in the authorization request; ` +
				`Okta: a custom authorization server whose audience is api://11111111-2222-3333-4444-555555555555; ` +
				`Entra ID: scope=api://11111111-2222-3333-4444-555555555555/.default on the v2.0 endpoint, which gives the app as aud; ` +
				`Keycloak: an audience mapper (or client scope) that adds api://11111111-2222-3333-4444-555555555555; ` +
				`ORY Hydra: audience=api://11111111-2222-3333-4444-555555555555, which must be among the client's allowed audiences`},
		{"ID token", v, token(t, "ES256", func(h, c map[string]any) { c["nonce"] = "n" }),
			ReasonIDToken, `send the access_token of the token response, not the id_token: an ID token is for the client, not for an API`},
		{"opaque token", v, "2YotnFZFEjr1zCsicMWpAA", ReasonOpaque,
			`the token is not a JWT: send the access token, not a refresh token or an API key. ` +
				`Auth0 issues an opaque access token when the authorization request names no audience (add audience=<API identifier>); ` +
				`ORY Hydra issues opaque access tokens unless its access-token strategy is jwt ` +
				`(strategies.access_token, or the client's access_token_strategy); Okta, Entra ID and Keycloak access tokens are JWTs. ` +
				`Servers that issue opaque tokens by design (Ping, Okta's org server, Hydra) are validated by introspection (RFC 7662) when this API configures it`},
		{"JWE", v, "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn", ReasonEncrypted,
			`the access token is encrypted: Auth0 encrypts it when the authorization request names no audience ` +
				`(add audience=<API identifier>) or when the API has JSON Web Encryption on (turn it off); ` +
				`other authorization servers encrypt access tokens only when configured to: turn that off for this API`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Validate(context.Background(), tt.token)
			var e *Error
			if !errors.As(err, &e) || e.Reason != tt.reason {
				t.Fatalf("Validate: %v, want reason %s", err, tt.reason)
			}
			if e.Hint != tt.hint {
				t.Fatalf("hint\n got %s\nwant %s", e.Hint, tt.hint)
			}
			// The hint is for the developer: the challenge, the
			// description and a problem without hints never carry it.
			if p := ProblemFor(e, false); p.Hint != "" {
				t.Errorf("problem without hints has hint %q", p.Hint)
			}
			if p := ProblemFor(e, true); p.Hint != tt.hint {
				t.Errorf("problem with hints has hint %q", p.Hint)
			}
			if ch := Challenge("api", e); strings.Contains(ch, "evil") || strings.Contains(e.Description, "evil") ||
				strings.Contains(e.Error(), "evil") {
				t.Errorf("a token value reached the challenge %q or the description %q", ch, e.Description)
			}
		})
	}
}
