package middleware

import (
	"context"
	"encoding/json"
	"testing"
)

// TestTokenKindClaim pins the ID-token rule (claimSet.kindError): at_hash
// and c_hash always mark an ID token; the payload typ claim (Keycloak's
// token kind, not the JOSE header typ) names the kind when present; nonce
// marks an ID token unless that claim names an access token.
func TestTokenKindClaim(t *testing.T) {
	v := newValidator(t, WithTokenCache(0))
	const client = "keycloak-js-spa"
	// kc mints a Keycloak-shaped token: header typ JWT, azp the client,
	// session claims, and the members given (nil removes one).
	kc := func(members map[string]any) func(t *testing.T) string {
		return mutated("RS256", func(h, c map[string]any) {
			c["azp"] = client
			c["aud"] = testAudience
			c["session_state"] = "5c0c2d1e-58a9-4d7e-9a53-3b8e2a9d7f10"
			c["realm_access"] = map[string]any{"roles": []string{"user"}}
			for k, val := range members {
				if val == nil {
					delete(c, k)
					continue
				}
				c[k] = val
			}
		})
	}
	accepted := []struct {
		name  string
		token func(t *testing.T) string
	}{
		{"Keycloak access token with nonce", kc(map[string]any{"typ": "Bearer", "nonce": "n-0S6_WzA2Mj"})},
		{"Keycloak access token without nonce", kc(map[string]any{"typ": "Bearer"})},
		{"Keycloak DPoP-kind access token with nonce", kc(map[string]any{"typ": "DPoP", "nonce": "n-0S6_WzA2Mj"})},
		{"header typ at+jwt and typ claim Bearer", func(t *testing.T) string {
			return token(t, "RS256", func(h, c map[string]any) { h["typ"] = "at+jwt"; c["typ"] = "Bearer"; c["nonce"] = "n" })
		}},
	}
	for _, tc := range accepted {
		t.Run("accepted: "+tc.name, func(t *testing.T) {
			if _, err := v.Validate(context.Background(), tc.token(t)); err != nil {
				t.Fatal(err)
			}
		})
	}
	cases := []rejection{
		{"Keycloak ID token for the client", kc(map[string]any{"typ": "ID", "nonce": "n", "aud": client, "at_hash": "77QmUPtjPfzWtF2AnpK9RQ"}), ReasonIDToken, ErrInvalidToken},
		{"Keycloak ID token for the client, no at_hash", kc(map[string]any{"typ": "ID", "nonce": "n", "aud": client}), ReasonIDToken, ErrInvalidToken},
		{"typ ID with the API as audience", kc(map[string]any{"typ": "ID", "nonce": "n"}), ReasonIDToken, ErrInvalidToken},
		{"typ ID without nonce", kc(map[string]any{"typ": "ID"}), ReasonIDToken, ErrInvalidToken},
		{"typ ID under header typ at+jwt", func(t *testing.T) string {
			return token(t, "RS256", func(h, c map[string]any) { h["typ"] = "at+jwt"; c["typ"] = "ID" })
		}, ReasonIDToken, ErrInvalidToken},
		{"nonce without typ claim", kc(map[string]any{"nonce": "n"}), ReasonIDToken, ErrInvalidToken},
		{"typ Bearer with at_hash", kc(map[string]any{"typ": "Bearer", "nonce": "n", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ"}), ReasonIDToken, ErrInvalidToken},
		{"typ Bearer with c_hash", kc(map[string]any{"typ": "Bearer", "c_hash": "LDktKdoQak3Pk0cnXxCltA"}), ReasonIDToken, ErrInvalidToken},
		{"typ Refresh", kc(map[string]any{"typ": "Refresh", "nonce": "n"}), ReasonTokenType, ErrInvalidToken},
		{"typ Offline", kc(map[string]any{"typ": "Offline"}), ReasonTokenType, ErrInvalidToken},
		{"typ Logout", kc(map[string]any{"typ": "Logout"}), ReasonTokenType, ErrInvalidToken},
		{"typ Serialized-ID", kc(map[string]any{"typ": "Serialized-ID"}), ReasonTokenType, ErrInvalidToken},
		{"typ bearer in lower case", kc(map[string]any{"typ": "bearer", "nonce": "n"}), ReasonTokenType, ErrInvalidToken},
		{"typ empty string", kc(map[string]any{"typ": ""}), ReasonTokenType, ErrInvalidToken},
		{"typ at+jwt as a claim", kc(map[string]any{"typ": "at+jwt"}), ReasonTokenType, ErrInvalidToken},
		{"typ number", kc(map[string]any{"typ": 1}), ReasonClaims, ErrInvalidToken},
		{"typ null", kc(map[string]any{"typ": json.RawMessage("null"), "nonce": "n"}), ReasonClaims, ErrInvalidToken},
		{"typ array", kc(map[string]any{"typ": []string{"Bearer"}, "nonce": "n"}), ReasonClaims, ErrInvalidToken},
		{"typ object", kc(map[string]any{"typ": map[string]any{"v": "Bearer"}}), ReasonClaims, ErrInvalidToken},
		{"typ bool", kc(map[string]any{"typ": true}), ReasonClaims, ErrInvalidToken},
		{"JOSE header typ Bearer is not the claim", func(t *testing.T) string {
			return token(t, "RS256", func(h, c map[string]any) { h["typ"] = "Bearer"; c["nonce"] = "n" })
		}, ReasonTokenType, ErrInvalidToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertRejected(t, v, tc.token(t), tc.reason, tc.cat)
		})
	}
}
