package grpcguard

import (
	"github.com/jwtguard/jwtguard/internal/methodtable"
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

// naming is how grpcguard names method-table entries in its errors.
var naming = methodtable.Naming{Package: "grpcguard", Kind: "method", Noun: "a full method name"}

// Policy returns the Guard's effective access policy: every method and
// service of its table with its requirement, the services declared public
// by options included (see scopecheck.Policy for the JSON schema).
// Methods in neither are refused and appear nowhere.
func (g *Guard) Policy() scopecheck.Policy {
	return scopecheck.NewPolicy(g.table.Entries())
}
