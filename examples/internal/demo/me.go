package demo

import (
	"encoding/json"

	"github.com/jwtguard/jwtguard/middleware"
)

// Me is the answer of GET /api/me: who the access token says the caller is.
type Me struct {
	Sub string `json:"sub"`
	// Scopes are the granted scopes: scope and scp, then Auth0's
	// permissions, without duplicates; never nil.
	Scopes []string `json:"scopes"`
	// Custom holds the namespaced claims with the namespace stripped, e.g.
	// {"favorite_color": "blue"}; never nil.
	Custom map[string]json.RawMessage `json:"custom"`
}

// WhoAmI builds the /api/me answer from verified claims.
func WhoAmI(c *middleware.Claims) Me {
	scopes := c.Scopes()
	for _, p := range c.Permissions {
		if !contains(scopes, p) {
			scopes = append(scopes, p)
		}
	}
	if scopes == nil {
		scopes = []string{}
	}
	return Me{Sub: c.Subject, Scopes: scopes, Custom: c.NamespacedClaims()}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
