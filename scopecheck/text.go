package scopecheck

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// String renders the requirement for people, in the words of the policy
// (see Policy):
//
//	read:contacts
//	read:contacts AND delete:contacts
//	read:audit OR admin
//	read:contacts AND org_id == {org}
//	realm_access.roles includes "admin"
//	client_id in ["billing-service"] AND machine token
//	read:audit AND acr in ["http://schemas.openid.net/pape/policies/2007/06/multi-factor"] AND auth_time within 300s
//	public, authenticated, unset
//
// AND binds tighter than OR; a mixed composition is parenthesized. A
// value in quotes is from the requirement, "{org}" a value of the request
// (EqualsParam, EqualsRequest). Never a value from a token.
func (r Requirement) String() string {
	var b strings.Builder
	r.write(&b)
	return b.String()
}

// kind is how r composes for parentheses: "and", "or" or "" (one term).
func (r *Requirement) kind() string {
	switch r.op {
	case opAll, opAnd:
		if len(r.scopes)+len(r.subs) > 1 {
			return "and"
		}
		if len(r.subs) == 1 {
			return r.subs[0].kind()
		}
	case opAny, opOr:
		if len(r.scopes)+len(r.subs) > 1 {
			return "or"
		}
		if len(r.subs) == 1 {
			return r.subs[0].kind()
		}
	}
	return ""
}

func (r *Requirement) write(b *strings.Builder) {
	switch r.op {
	case opUnset:
		b.WriteString("unset")
	case opPublic:
		b.WriteString("public")
	case opAuthenticated:
		b.WriteString("authenticated")
	case opAll:
		b.WriteString(strings.Join(r.scopes, " AND "))
	case opAny:
		b.WriteString(strings.Join(r.scopes, " OR "))
	case opAnd, opOr:
		sep, self := " AND ", "and"
		if r.op == opOr {
			sep, self = " OR ", "or"
		}
		for i := range r.subs {
			if i > 0 {
				b.WriteString(sep)
			}
			s := &r.subs[i]
			if k := s.kind(); k != "" && k != self {
				b.WriteByte('(')
				s.write(b)
				b.WriteByte(')')
			} else {
				s.write(b)
			}
		}
	case opEquals:
		b.WriteString(r.rule.path.name + " == " + strconv.Quote(r.rule.values[0]))
	case opOneOf:
		b.WriteString(r.rule.path.name + " in " + quoteList(r.rule.values))
	case opIncludes:
		b.WriteString(r.rule.path.name + " includes " + strconv.Quote(r.rule.values[0]))
	case opEqualsParam, opEqualsRequest:
		b.WriteString(r.rule.path.name + " == {" + r.rule.param + "}")
	case opClient:
		b.WriteString("client_id in " + quoteList(r.rule.values))
	case opMachine:
		b.WriteString("machine token")
	case opUser:
		b.WriteString("user token")
	case opACR:
		b.WriteString("acr in " + quoteList(r.rule.values))
	case opMaxAge:
		fmt.Fprintf(b, "auth_time within %ds", int64(r.rule.maxAge.Seconds()))
	}
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// requirementJSON is the JSON form of a requirement: exactly one of the
// kinds is present (see MarshalJSON).
type requirementJSON struct {
	Unset         bool          `json:"unset,omitempty"`
	Public        bool          `json:"public,omitempty"`
	Authenticated bool          `json:"authenticated,omitempty"`
	All           []string      `json:"all,omitempty"`
	Any           []string      `json:"any,omitempty"`
	And           []Requirement `json:"and,omitempty"`
	Or            []Requirement `json:"or,omitempty"`
	Claim         string        `json:"claim,omitempty"`
	ClaimPath     []string      `json:"claim_path,omitempty"`
	Equals        string        `json:"equals,omitempty"`
	OneOf         []string      `json:"one_of,omitempty"`
	Includes      string        `json:"includes,omitempty"`
	EqualsParam   string        `json:"equals_param,omitempty"`
	EqualsRequest string        `json:"equals_request,omitempty"`
	Client        []string      `json:"client,omitempty"`
	Machine       bool          `json:"machine,omitempty"`
	User          bool          `json:"user,omitempty"`
	ACR           []string      `json:"acr,omitempty"`
	MaxAge        int64         `json:"max_age,omitempty"`
}

// MarshalJSON renders the requirement as data, one JSON object per
// requirement (schema version 1, see Policy):
//
//	{"public":true}   {"authenticated":true}   {"unset":true}
//	{"all":["read:contacts","write:contacts"]}   {"any":[...]}
//	{"and":[<requirement>,...]}   {"or":[<requirement>,...]}
//	{"claim":"org_id","equals":"acme"}
//	{"claim":"org_id","one_of":["acme","globex"]}
//	{"claim":"realm_access.roles","includes":"admin"}
//	{"claim":"org_id","equals_param":"org"}      a path parameter
//	{"claim":"org_id","equals_request":"org"}    a value read from the request (EqualsRequest)
//	{"claim_path":["resource_access","my.app","roles"],"includes":"admin"}
//	{"client":["billing-service"]}   {"machine":true}   {"user":true}
//	{"acr":["http://schemas.openid.net/pape/policies/2007/06/multi-factor"]}
//	{"max_age":300}                              seconds
//
// A requirement that Validate rejects, other than the zero value, is an
// error.
func (r Requirement) MarshalJSON() ([]byte, error) {
	if r.op != opUnset {
		if err := r.Validate(); err != nil {
			return nil, err
		}
	}
	var j requirementJSON
	switch r.op {
	case opUnset:
		j.Unset = true
	case opPublic:
		j.Public = true
	case opAuthenticated:
		j.Authenticated = true
	case opAll:
		j.All = r.scopes
	case opAny:
		j.Any = r.scopes
	case opAnd:
		j.And = r.subs
	case opOr:
		j.Or = r.subs
	case opClient:
		j.Client = r.rule.values
	case opMachine:
		j.Machine = true
	case opUser:
		j.User = true
	case opACR:
		j.ACR = r.rule.values
	case opMaxAge:
		j.MaxAge = int64(r.rule.maxAge.Seconds())
	default:
		if p := r.rule.path; p.segments != nil {
			j.ClaimPath = p.segments
		} else {
			j.Claim = p.name
		}
		switch r.op {
		case opEquals:
			j.Equals = r.rule.values[0]
		case opOneOf:
			j.OneOf = r.rule.values
		case opIncludes:
			j.Includes = r.rule.values[0]
		case opEqualsParam:
			j.EqualsParam = r.rule.param
		case opEqualsRequest:
			j.EqualsRequest = r.rule.param
		}
	}
	return json.Marshal(j)
}
