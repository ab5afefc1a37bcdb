package scopecheck

import "github.com/jwtguard/jwtguard/middleware"

// Granted is the set of scopes a token grants. Building and querying it
// allocates nothing: it reads the claims in place.
type Granted struct {
	scope       string
	scp         []string
	permissions []string
}

// GrantedBy returns the scopes granted by c: scope and scp, plus Auth0's
// permissions array when permissions is true (Auth0 RBAC with "Add
// Permissions in the Access Token"). A nil c grants nothing.
func GrantedBy(c *middleware.Claims, permissions bool) Granted {
	if c == nil {
		return Granted{}
	}
	g := Granted{scope: c.Scope, scp: c.SCP}
	if permissions {
		g.permissions = c.Permissions
	}
	return g
}

// Has reports whether scope s is granted, by exact, case-sensitive match of
// whole scope tokens.
func (g Granted) Has(s string) bool {
	if s == "" {
		return false
	}
	if hasToken(g.scope, s) {
		return true
	}
	for _, x := range g.scp {
		if x == s {
			return true
		}
	}
	for _, x := range g.permissions {
		if x == s {
			return true
		}
	}
	return false
}

// hasToken reports whether the space-delimited list holds s as a whole token.
func hasToken(list, s string) bool {
	for len(list) > 0 {
		i := 0
		for i < len(list) && list[i] != ' ' {
			i++
		}
		if list[:i] == s {
			return true
		}
		if i == len(list) {
			return false
		}
		list = list[i+1:]
	}
	return false
}

// Check is the common call: does the token c satisfy r?
func Check(r Requirement, c *middleware.Claims, permissions bool) error {
	return r.Check(GrantedBy(c, permissions))
}
