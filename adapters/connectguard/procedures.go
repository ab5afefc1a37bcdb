package connectguard

import (
	"fmt"
	"strings"

	"github.com/jwtguard/jwtguard/scopecheck"
)

// Procedures maps Connect procedures ("/contacts.v1.Contacts/Delete", the
// path a Connect, gRPC or gRPC-Web call is sent to) to what they need. A
// key that ends in "/" ("/grpc.health.v1.Health/") covers every procedure
// of that service; an exact entry wins over its service's entry. Requests
// to a path in neither are refused (fail closed).
type Procedures map[string]scopecheck.Requirement

// Services that are commonly public, for WithPublicHealth and
// WithPublicReflection (connectrpc.com/grpchealth, connectrpc.com/grpcreflect).
const (
	HealthService            = "/grpc.health.v1.Health/"
	ReflectionService        = "/grpc.reflection.v1.ServerReflection/"
	ReflectionServiceV1Alpha = "/grpc.reflection.v1alpha.ServerReflection/"
)

// table is the checked, private copy of a Procedures map.
type table struct {
	exact    map[string]scopecheck.Requirement
	services map[string]scopecheck.Requirement
}

// compile checks every entry and copies the map, so later changes to the
// caller's map change nothing.
func compile(p Procedures, public []string) (*table, error) {
	t := &table{exact: map[string]scopecheck.Requirement{}, services: map[string]scopecheck.Requirement{}}
	for name, req := range p {
		if err := checkName(name); err != nil {
			return nil, err
		}
		if err := req.Validate(); err != nil {
			return nil, fmt.Errorf("connectguard: procedure %s: %w", name, err)
		}
		if req.UsesRequest() {
			// The guard answers before the body is read: a requirement on
			// a path parameter or a message field could only fail or be
			// skipped here, and skipping would open the procedure.
			return nil, fmt.Errorf("connectguard: procedure %s: %s compares a claim with a value of the request, "+
				"which a guard in front of the Connect handler cannot read; check it in the handler", name, req)
		}
		t.put(name, req)
	}
	for _, name := range public {
		if req, ok := p[name]; ok && !req.IsPublic() {
			return nil, fmt.Errorf("connectguard: %s is declared public by an option and needs %s in the table", name, req)
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

// checkName accepts "/service/method" and "/service/", with no space or
// control character.
func checkName(name string) error {
	svc, method, ok := strings.Cut(strings.TrimPrefix(name, "/"), "/")
	if !strings.HasPrefix(name, "/") || !ok || svc == "" || strings.Contains(method, "/") {
		return fmt.Errorf(`connectguard: %q is not a procedure: want "/package.Service/Method" or "/package.Service/"`, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("connectguard: %q is not a procedure: it holds a space or control character", name)
		}
	}
	return nil
}

// match returns the table key that covers the request path p: p itself
// when it has an exact entry, else its service's key when p is
// "/service/method" and the service has an entry. ok is false for a path
// in neither, and for any path of another shape. Exact keys never end in
// "/" and service keys always do, so a key names one entry.
func (t *table) match(p string) (key string, ok bool) {
	if _, ok := t.exact[p]; ok {
		return p, true
	}
	if i := strings.LastIndexByte(p, '/'); i > 0 && i < len(p)-1 {
		if _, ok := t.services[p[:i+1]]; ok {
			return p[:i+1], true
		}
	}
	return "", false
}
