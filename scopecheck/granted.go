package scopecheck

import (
	"strings"

	"github.com/jwtguard/jwtguard/middleware"
)

// Granted is the set of scopes a token grants, with the claims that grant
// them. Building and querying it allocates nothing: it reads the claims in
// place.
type Granted struct {
	scope       string
	scp         []string
	permissions []string
	claims      *middleware.Claims
}

// GrantedBy returns the scopes granted by c: scope and scp, plus Auth0's
// permissions array when permissions is true (Auth0 RBAC with "Add
// Permissions in the Access Token"). A nil c grants nothing.
func GrantedBy(c *middleware.Claims, permissions bool) Granted {
	if c == nil {
		return Granted{}
	}
	g := Granted{scope: c.Scope, scp: c.SCP, claims: c}
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

// hasToken reports whether the space-delimited list holds s as a whole
// token. It looks for s with strings.Index, then checks that spaces or the
// ends of list surround it. A token never holds a space.
func hasToken(list, s string) bool {
	if s == "" || strings.IndexByte(s, ' ') >= 0 {
		return false
	}
	for from := 0; from <= len(list)-len(s); {
		i := strings.Index(list[from:], s)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(s)
		if (i == 0 || list[i-1] == ' ') && (end == len(list) || list[end] == ' ') {
			return true
		}
		from = i + 1
	}
	return false
}

// Check is the common call: does the token c satisfy r? It is CheckRequest
// without a request: requirements that compare a claim with a value of
// the request (EqualsParam, EqualsRequest) are not satisfied.
func Check(r Requirement, c *middleware.Claims, permissions bool) error {
	return r.check(&input{g: GrantedBy(c, permissions)})
}
