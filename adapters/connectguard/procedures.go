package connectguard

import (
	"fmt"

	"github.com/jwtguard/jwtguard/internal/methodtable"
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

// naming is how connectguard names procedure-table entries in its errors.
var naming = methodtable.Naming{Package: "connectguard", Kind: "procedure", Noun: "a procedure"}

// checkRequest refuses a requirement on the request: the guard answers
// before the body is read, so a requirement on a path parameter or a
// message field could only fail or be skipped here, and skipping would
// open the procedure.
func checkRequest(name string, req scopecheck.Requirement) error {
	if req.UsesRequest() {
		return fmt.Errorf("connectguard: procedure %s: %s compares a claim with a value of the request, "+
			"which a guard in front of the Connect handler cannot read; check it in the handler", name, req)
	}
	return nil
}
