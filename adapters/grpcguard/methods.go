package grpcguard

import (
	"fmt"
	"strings"

	"github.com/jwtguard/jwtguard/scopecheck"
)

// Methods maps gRPC full method names ("/contacts.v1.Contacts/Delete") to
// what they need. A key that ends in "/" ("/grpc.health.v1.Health/")
// covers every method of that service; an exact method entry wins over its
// service's entry. Methods in neither are refused (fail closed).
//
// A requirement compares a claim with a field of the request message
// through an extractor in its entry:
//
//	"/contacts.v1.Contacts/ListOrg": scopecheck.And(scopecheck.All("read:contacts"),
//		scopecheck.Claim("org_id").EqualsRequest("org", scopecheck.Field((*contactspb.ListOrgRequest).GetOrg))),
//
// gRPC has no path parameters: EqualsParam is never satisfied here.
type Methods map[string]scopecheck.Requirement

// Services that are commonly public, for WithPublicHealth and
// WithPublicReflection.
const (
	HealthService            = "/grpc.health.v1.Health/"
	ReflectionService        = "/grpc.reflection.v1.ServerReflection/"
	ReflectionServiceV1Alpha = "/grpc.reflection.v1alpha.ServerReflection/"
)

// table is the checked, private copy of a Methods map.
type table struct {
	exact    map[string]scopecheck.Requirement
	services map[string]scopecheck.Requirement
}

// compile checks every entry and copies the map, so later changes to the
// caller's map change nothing.
func compile(m Methods, public []string) (*table, error) {
	t := &table{exact: map[string]scopecheck.Requirement{}, services: map[string]scopecheck.Requirement{}}
	for name, req := range m {
		if err := checkName(name); err != nil {
			return nil, err
		}
		if err := req.Validate(); err != nil {
			return nil, fmt.Errorf("grpcguard: method %s: %w", name, err)
		}
		t.put(name, req)
	}
	for _, name := range public {
		if req, ok := m[name]; ok && !req.IsPublic() {
			return nil, fmt.Errorf("grpcguard: %s is declared public by an option and needs %s in the table", name, req)
		}
		t.put(name, scopecheck.Public)
	}
	return t, nil
}

func (t *table) put(name string, req scopecheck.Requirement) {
	if strings.HasSuffix(name, "/") {
		t.services[name] = req
	} else {
		t.exact[name] = req
	}
}

// checkName accepts "/service/method" and "/service/" (gRPC over HTTP/2
// ":path" syntax), with no space or control character.
func checkName(name string) error {
	svc, method, ok := strings.Cut(strings.TrimPrefix(name, "/"), "/")
	if !strings.HasPrefix(name, "/") || !ok || svc == "" || strings.Contains(method, "/") {
		return fmt.Errorf(`grpcguard: %q is not a full method name: want "/package.Service/Method" or "/package.Service/"`, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("grpcguard: %q is not a full method name: it holds a space or control character", name)
		}
	}
	return nil
}

// lookup returns the requirement of fullMethod: its exact entry, else its
// service's entry. ok is false for a method in neither.
func (t *table) lookup(fullMethod string) (req scopecheck.Requirement, ok bool) {
	if req, ok = t.exact[fullMethod]; ok {
		return req, true
	}
	if i := strings.LastIndexByte(fullMethod, '/'); i > 0 {
		req, ok = t.services[fullMethod[:i+1]]
	}
	return req, ok
}

// Policy returns the Guard's effective access policy: every method and
// service of its table with its requirement, the services declared public
// by options included (see scopecheck.Policy for the JSON schema).
// Methods in neither are refused and appear nowhere.
func (g *Guard) Policy() scopecheck.Policy {
	all := make(map[string]scopecheck.Requirement, len(g.table.exact)+len(g.table.services))
	for name, r := range g.table.services {
		all[name] = r
	}
	for name, r := range g.table.exact {
		all[name] = r
	}
	return scopecheck.NewPolicy(all)
}
