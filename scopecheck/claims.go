package scopecheck

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jwtguard/jwtguard/internal/rawjson"
	"github.com/jwtguard/jwtguard/middleware"
)

// ClaimRef names a claim of the access token for a requirement on its
// value: Claim("org_id").Equals("acme"). Build it with Claim or
// ClaimPath; the zero ClaimRef names nothing and its requirements fail
// Validate.
//
// Values are read from the token's JSON payload in place
// (middleware.Claims.RawCustom), without decoding the rest and without
// allocating. A claim that is absent, or of another JSON type than the
// requirement compares (a number where a string is wanted, an array
// holding a non-string), does not satisfy it. Comparisons are exact and
// case-sensitive.
type ClaimRef struct {
	p claimPath
}

// claimPath is where a claim is: the top-level claim (found as
// middleware.Custom finds it, under the validator's namespaces first) and
// members of nested objects under it. candidates are tried in order; the
// first whose top-level claim exists is the one.
type claimPath struct {
	name       string      // as given to Claim, or ClaimPath's segments rendered
	segments   []string    // ClaimPath's segments; nil for Claim
	candidates []candidate // precomputed at construction
}

type candidate struct {
	top  string
	rest []string
}

// Claim names a claim: a top-level claim ("org_id", "acr"), a namespaced
// one by its full name ("https://myapp.example.com/roles") or by its short
// name under a namespace given to middleware.WithNamespace ("roles"), or a
// member of a nested object by a dotted path ("realm_access.roles",
// Keycloak).
//
// The name is first taken whole, since claim names hold dots too (URLs).
// When the token has no such top-level claim and name holds dots, the
// longest part before a dot that names a top-level claim is the claim, and
// the rest, split at every dot, are the members to descend into. Use
// ClaimPath when a member name holds a dot itself
// (resource_access.my.app.roles).
func Claim(name string) ClaimRef {
	p := claimPath{name: name}
	if name == "" {
		return ClaimRef{p}
	}
	p.candidates = append(p.candidates, candidate{top: name})
	for i := len(name) - 1; i > 0; i-- {
		if name[i] != '.' {
			continue
		}
		rest := strings.Split(name[i+1:], ".")
		if !allNonEmpty(rest) {
			continue
		}
		p.candidates = append(p.candidates, candidate{top: name[:i], rest: rest})
	}
	return ClaimRef{p}
}

// ClaimPath names a member of nested objects by its exact names: the
// top-level claim (found as Claim finds it, namespaces first), then one
// member name per level, dots and all:
// ClaimPath("resource_access", "my.app", "roles").
func ClaimPath(names ...string) ClaimRef {
	segs := clean(names)
	p := claimPath{segments: segs, name: renderPath(segs)}
	if len(segs) > 0 && allNonEmpty(segs) {
		p.candidates = []candidate{{top: segs[0], rest: segs[1:]}}
	}
	return ClaimRef{p}
}

func allNonEmpty(list []string) bool {
	for _, s := range list {
		if s == "" {
			return false
		}
	}
	return true
}

// renderPath writes ClaimPath's segments as a path a reader can take
// apart: dots between plain names, brackets around names holding a dot.
func renderPath(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		switch {
		case strings.ContainsAny(s, `.[]"`) || s == "":
			b.WriteString("[" + strconv.Quote(s) + "]")
		case i > 0:
			b.WriteString("." + s)
		default:
			b.WriteString(s)
		}
	}
	return b.String()
}

// String returns the claim's name as requirements render it.
func (c ClaimRef) String() string { return c.p.name }

func (c ClaimRef) with(o op, r rule) Requirement {
	r.path = c.p
	return checked(Requirement{op: o, rule: &r})
}

// Equals needs the claim to be the JSON string value.
func (c ClaimRef) Equals(value string) Requirement {
	return c.with(opEquals, rule{values: []string{value}})
}

// OneOf needs the claim to be a JSON string equal to one of values.
func (c ClaimRef) OneOf(values ...string) Requirement {
	return c.with(opOneOf, rule{values: clean(values)})
}

// Includes needs the claim to include value: an array of strings holding
// it ("roles": ["admin", "user"]), or a string of space-delimited values
// holding it as a whole value ("roles": "admin user"). An array holding
// anything but strings does not satisfy it.
func (c ClaimRef) Includes(value string) Requirement {
	return c.with(opIncludes, rule{values: []string{value}})
}

// EqualsParam needs the claim to be a JSON string equal to the path
// parameter name of the route (Request.Param): with
// "GET /api/orgs/{org}/contacts" (net/http) or "/api/orgs/:org/contacts"
// (gin), Claim("org_id").EqualsParam("org") lets a token of org_id "acme"
// read /api/orgs/acme/contacts only. A route without the parameter, an
// empty value and gRPC (no path parameters: use EqualsRequest) do not
// satisfy it.
func (c ClaimRef) EqualsParam(name string) Requirement {
	return c.with(opEqualsParam, rule{param: name})
}

// EqualsRequest needs the claim to be a JSON string equal to the value get
// reads from the request, such as a field of a gRPC request message (see
// Field). name labels the value in String and in the policy
// ("org_id == {org}"). No value (ok false, or "") does not satisfy it.
func (c ClaimRef) EqualsRequest(name string, get func(Request) (string, bool)) Requirement {
	return c.with(opEqualsRequest, rule{param: name, get: get})
}

// Client needs the token to be issued to one of the OAuth clients ids:
// client_id (RFC 9068 section 2.2), else azp (OIDC Core section 2), as
// middleware.Claims.ClientID reads them.
func Client(ids ...string) Requirement {
	return checked(Requirement{op: opClient, rule: &rule{values: clean(ids)}})
}

// Machine needs a token issued to a machine (OAuth client credentials),
// as middleware.Claims.IsMachine tells: Auth0's gty "client-credentials"
// or a sub ending in "@clients".
func Machine() Requirement { return Requirement{op: opMachine} }

// User needs a token issued to a user: any token Machine does not accept.
func User() Requirement { return Requirement{op: opUser} }

var (
	errNoClaim = errors.New("scopecheck: a claim requirement needs a claim name (Claim or ClaimPath with non-empty names)")
	errNoValue = errors.New("scopecheck: a claim requirement needs non-empty values")
)

// validate checks the data of a requirement of kind o.
func (r *rule) validate(o op) error {
	switch o {
	case opACR, opMaxAge:
		return r.validateStepUp(o)
	case opClient:
		if len(r.values) == 0 || !allNonEmpty(r.values) {
			return errors.New("scopecheck: Client needs at least one client id, none empty")
		}
		return nil
	}
	if len(r.path.candidates) == 0 {
		return errNoClaim
	}
	switch o {
	case opEquals, opOneOf, opIncludes:
		if len(r.values) == 0 || !allNonEmpty(r.values) {
			return errNoValue
		}
	case opEqualsParam:
		if r.param == "" {
			return errors.New("scopecheck: EqualsParam needs a parameter name")
		}
	case opEqualsRequest:
		if r.param == "" || r.get == nil {
			return errors.New("scopecheck: EqualsRequest needs a name and a function")
		}
	}
	return nil
}

// claimSatisfied evaluates the claim requirements.
func (r *Requirement) claimSatisfied(in *input) bool {
	c := in.claims()
	switch r.op {
	case opClient:
		id := c.ClientID()
		return id != "" && contains(r.rule.values, id)
	case opMachine:
		return c.IsMachine()
	case opUser:
		return c != nil && !c.IsMachine()
	}
	v, ok := r.rule.path.lookup(c)
	if !ok {
		return false
	}
	switch r.op {
	case opEquals:
		return rawjson.Equal(v, r.rule.values[0])
	case opOneOf:
		s, ok := rawjson.StringOf(v)
		return ok && contains(r.rule.values, s)
	case opIncludes:
		return includes(v, r.rule.values[0])
	case opEqualsParam, opEqualsRequest:
		if in.req == nil {
			return false
		}
		var want string
		if r.op == opEqualsParam {
			want, ok = in.req.Param(r.rule.param)
		} else {
			want, ok = r.rule.get(in.req)
		}
		return ok && want != "" && rawjson.Equal(v, want)
	}
	return false
}

// lookup returns the raw value of the claim in c.
func (p *claimPath) lookup(c *middleware.Claims) ([]byte, bool) {
	for _, cand := range p.candidates {
		v, ok := c.RawCustom(cand.top)
		if !ok {
			continue
		}
		for _, name := range cand.rest {
			if v, ok = member(v, name); !ok {
				return nil, false
			}
		}
		return v, true
	}
	return nil, false
}

// member returns the value of the member name of the JSON object obj. A
// name present twice is ambiguous and found nowhere (the token decoder
// refuses duplicate names at the top level only).
func member(obj []byte, name string) ([]byte, bool) {
	var o rawjson.Object
	var found []byte
	for o.Reset(obj); o.Next(); {
		if o.KeyIs(name) {
			if found != nil {
				return nil, false
			}
			found = o.Value()
		}
	}
	if o.Failed() {
		return nil, false
	}
	return found, found != nil
}

// includes reports whether v, an array of strings or a space-delimited
// string, holds s.
func includes(v []byte, s string) bool {
	switch rawjson.KindOf(v) {
	case rawjson.KindString:
		list, ok := rawjson.StringOf(v)
		return ok && hasToken(list, s)
	case rawjson.KindArray:
		var a rawjson.Array
		found := false
		for a.Reset(v); a.Next(); {
			e := a.Value()
			if rawjson.KindOf(e) != rawjson.KindString {
				return false
			}
			found = found || rawjson.Equal(e, s)
		}
		return found && !a.Failed()
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
