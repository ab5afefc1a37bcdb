package middleware

import (
	"context"
	"strings"
	"testing"
)

// TestTokenShapes: a token that cannot be a JWS or a JWE (not exactly 3 or
// 5 dot-separated segments) is an opaque token of some authorization
// server, whatever its alphabet; only a token whose first segment is a
// JOSE header is a damaged JWS. Real shapes of other servers' tokens.
func TestTokenShapes(t *testing.T) {
	v := newValidator(t, WithTokenCache(0))
	hdr := b64url([]byte(`{"alg":"RS256","kid":"rs256"}`))
	cases := []struct {
		name   string
		token  string
		reason Reason
	}{
		// Opaque tokens of other servers.
		{"ORY Hydra access token", "ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww", ReasonOpaque},
		{"ORY Hydra refresh token", "ory_rt_k3mO5qU-ZfDq0Zx1h_3mL.Qq7Ss9Uu1Ww_Vb7-X9z", ReasonOpaque},
		{"fosite token", "HbjGxLHn0ZhX0hzUGwUF2oBmB3wyrCzWiBoX1Ps2tGU.5kBPOmbGDjYyYRKTtcbbXQUTyT0vXhRB7Uq3Ks6I9IA", ReasonOpaque},
		{"Keycloak-like UUID", "3f2a9c1e-7b4d-4e8a-9f0b-2c6d8e1a5b7c", ReasonOpaque},
		{"Okta-like opaque", "00Dy0b9qLp8a6Vd3fN2s1Q7w5rT4uE0iO9pA8sD7fG6hJ5k", ReasonOpaque},
		{"Ping reference token", "hN7bQb1Xq0s0kL3a2mCzR5yT8vWcE4uI", ReasonOpaque},
		{"Auth0 opaque", "2YotnFZFEjr1zCsicMWpAA", ReasonOpaque},
		{"base64 std with +/=", "q1w2E3r4+T5y6/U7i8O9p0==", ReasonOpaque},
		{"base64 std with one dot", "a+b/c==.d+e/f==", ReasonOpaque},
		{"tilde", "tGzv3JOkF0XG5Qx2TlKWIA~", ReasonOpaque},
		{"no dot, odd characters", "abc$def!", ReasonOpaque},
		{"one dot", "abc.def", ReasonOpaque},
		{"a lone dot", ".", ReasonOpaque},
		{"four segments of opaque parts", "a.b.c.d", ReasonOpaque},
		{"six segments of opaque parts", "a.b.c.d.e.f", ReasonOpaque},
		// JWS and JWE shapes stay on their paths.
		{"three segments, standard alphabet", "a+b.c.d", ReasonEncoding},
		{"three segments, not base64url", "a.b.c", ReasonEncoding},
		{"three segments, empty header", "..", ReasonMalformed},
		{"five segments", "a.b.c.d.e", ReasonEncrypted},
		{"five segments, standard alphabet", "a+.b.c.d.e", ReasonEncoding},
		// A JOSE header first: a damaged JWS, not an opaque token.
		{"JOSE header alone", hdr, ReasonMalformed},
		{"JOSE header and payload", hdr + ".e30", ReasonMalformed},
		{"JOSE header, four segments", hdr + ".e30.c2ln.eA", ReasonMalformed},
		{"JOSE header, unencoded payload with dots", hdr + `.{"iss":"https://a.example/"}.c2ln`, ReasonEncoding},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertRejected(t, v, tc.token, tc.reason, ErrInvalidToken)
			_, err := v.Validate(context.Background(), tc.token)
			e := AsError(err)
			if len(tc.token) >= 8 && (strings.Contains(e.Description, tc.token) || strings.Contains(e.Hint, tc.token)) {
				t.Errorf("the error echoes the token: %q / %q", e.Description, e.Hint)
			}
			// The fast splitter and the precise one agree on the verdict.
			_, fe := splitCompactFast(tc.token)
			_, se := splitCompact(tc.token)
			if (fe == nil) != (se == nil) && (se == nil || se.Reason != ReasonEncoding) {
				t.Errorf("fast %v, slow %v", fe, se)
			}
		})
	}
}

// TestOpaqueAndJWEHints: the hints are not worded for one vendor.
func TestOpaqueAndJWEHints(t *testing.T) {
	v := newValidator(t)
	_, err := v.Validate(context.Background(), "ory_at_ZfDq0Zx1h-3mL.Vb7-X9z_Aa1Cc3Ee5")
	e := AsError(err)
	for _, want := range []string{"audience=<API identifier>", "ORY Hydra", "Keycloak", "Okta", "introspection (RFC 7662)"} {
		if !strings.Contains(e.Hint, want) {
			t.Errorf("opaque hint %q lacks %q", e.Hint, want)
		}
	}
	_, err = v.Validate(context.Background(), "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..aXY.Y3Q.dGFn")
	e = AsError(err)
	if !strings.Contains(e.Hint, "other authorization servers encrypt access tokens only when configured to") || !strings.Contains(e.Hint, "Auth0") {
		t.Errorf("JWE hint %q", e.Hint)
	}
}
