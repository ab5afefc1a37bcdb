package scopecheck

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"text/tabwriter"
)

// PolicyVersion is the version of the Policy JSON schema. It changes only
// when a change could make a tool misread an older document.
const PolicyVersion = 1

// Policy is the effective access policy of a route table: what each route
// (an HTTP pattern "GET /api/contacts", a gRPC method or service
// "/contacts.v1.Contacts/List") requires. httpguard.Mux.Policy,
// ginguard.Policy and grpcguard.Guard.Policy export it, so the policy can
// be reviewed, diffed in code review and checked in CI.
//
// Its JSON form (schema version 1) is
//
//	{
//	  "version": 1,
//	  "routes": [
//	    {"route": "GET /api/contacts", "requirement": {"all": ["read:contacts"]}, "text": "read:contacts"},
//	    ...
//	  ]
//	}
//
// with routes sorted by path, then method; "requirement" as
// Requirement.MarshalJSON describes and "text" as Requirement.String
// renders it. Members may be added in later versions of schema 1;
// tools should ignore members they do not know.
type Policy struct {
	Version int           `json:"version"`
	Routes  []PolicyRoute `json:"routes"`
}

// PolicyRoute is what one route requires.
type PolicyRoute struct {
	Route       string      `json:"route"`
	Requirement Requirement `json:"requirement"`
	Text        string      `json:"text"`
}

// NewPolicy returns the policy of routes (route to requirement), sorted.
func NewPolicy(routes map[string]Requirement) Policy {
	p := Policy{Version: PolicyVersion, Routes: make([]PolicyRoute, 0, len(routes))}
	for route, r := range routes {
		p.Routes = append(p.Routes, PolicyRoute{Route: route, Requirement: r, Text: r.String()})
	}
	slices.SortFunc(p.Routes, func(a, b PolicyRoute) int { return compareRoutes(a.Route, b.Route) })
	return p
}

// compareRoutes orders "METHOD path" patterns by path, then method; a
// route without a method sorts before the same path with one.
func compareRoutes(a, b string) int {
	am, ap := splitRoute(a)
	bm, bp := splitRoute(b)
	if c := strings.Compare(ap, bp); c != 0 {
		return c
	}
	return strings.Compare(am, bm)
}

func splitRoute(r string) (method, path string) {
	if m, p, ok := strings.Cut(r, " "); ok {
		return m, strings.TrimLeft(p, " ")
	}
	return "", r
}

// JSON returns the policy as indented JSON ending in a newline, the form
// to commit as a golden file.
func (p Policy) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// String renders the policy as a table, one route a line:
//
//	GET /api/contacts   read:contacts
func (p Policy) String() string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 3, ' ', 0)
	for _, r := range p.Routes {
		w.Write([]byte(r.Route + "\t" + r.Text + "\n"))
	}
	w.Flush()
	return b.String()
}
