// Package methodtable is the fail-closed table of RPC names shared by the
// gRPC and Connect adapters: full method names ("/package.Service/Method",
// the HTTP/2 ":path" of a gRPC call and the path of a Connect procedure)
// and whole services ("/package.Service/"), each with its requirement. A
// name in neither is not in the table, and the adapters refuse it.
package methodtable

import (
	"fmt"
	"strings"

	"github.com/jwtguard/jwtguard/scopecheck"
)

// Naming is how an adapter names the table's entries in its errors.
type Naming struct {
	Package string // "grpcguard"
	Kind    string // "method": "grpcguard: method /a.B/C: ..."
	Noun    string // "a full method name": `"x" is not a full method name`
}

// Table is a checked, private copy of an adapter's table. It is immutable
// and safe for concurrent use.
type Table struct {
	exact    map[string]scopecheck.Requirement
	services map[string]scopecheck.Requirement
}

// Compile checks every entry of entries (its name, its requirement, and
// check when not nil, which returns the adapter's own error) and copies
// them, so later changes to the caller's map change nothing. The names in
// public are added as scopecheck.Public; one that entries gives another
// requirement is a configuration error.
func Compile(entries map[string]scopecheck.Requirement, public []string, n Naming,
	check func(name string, req scopecheck.Requirement) error) (*Table, error) {
	t := &Table{exact: map[string]scopecheck.Requirement{}, services: map[string]scopecheck.Requirement{}}
	for name, req := range entries {
		if err := n.checkName(name); err != nil {
			return nil, err
		}
		if err := req.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", n.Package, n.Kind, name, err)
		}
		if check != nil {
			if err := check(name, req); err != nil {
				return nil, err
			}
		}
		t.put(name, req)
	}
	for _, name := range public {
		if req, ok := entries[name]; ok && !req.IsPublic() {
			return nil, fmt.Errorf("%s: %s is declared public by an option and needs %s in the table", n.Package, name, req)
		}
		t.put(name, scopecheck.Public)
	}
	return t, nil
}

func (t *Table) put(name string, req scopecheck.Requirement) {
	if strings.HasSuffix(name, "/") {
		t.services[name] = req
	} else {
		t.exact[name] = req
	}
}

// checkName accepts "/service/method" and "/service/", with no space or
// control character.
func (n Naming) checkName(name string) error {
	svc, method, ok := strings.Cut(strings.TrimPrefix(name, "/"), "/")
	if !strings.HasPrefix(name, "/") || !ok || svc == "" || strings.Contains(method, "/") {
		return fmt.Errorf(`%s: %q is not %s: want "/package.Service/Method" or "/package.Service/"`, n.Package, name, n.Noun)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%s: %q is not %s: it holds a space or control character", n.Package, name, n.Noun)
		}
	}
	return nil
}

// Match returns the entry that covers name: its exact entry, else its
// service's entry when name is "/service/method". key is the table key
// of that entry; ok is false for a name in neither, and for any name of
// another shape. Exact keys never end in "/" and service keys always do,
// so a key names one entry.
func (t *Table) Match(name string) (key string, req scopecheck.Requirement, ok bool) {
	if req, ok := t.exact[name]; ok {
		return name, req, true
	}
	if i := strings.LastIndexByte(name, '/'); i > 0 && i < len(name)-1 {
		if req, ok := t.services[name[:i+1]]; ok {
			return name[:i+1], req, true
		}
	}
	return "", scopecheck.Requirement{}, false
}

// Entries returns every entry, services and exact names, in a new map.
func (t *Table) Entries() map[string]scopecheck.Requirement {
	all := make(map[string]scopecheck.Requirement, len(t.exact)+len(t.services))
	for name, r := range t.services {
		all[name] = r
	}
	for name, r := range t.exact {
		all[name] = r
	}
	return all
}
