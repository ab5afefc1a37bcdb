// Package contactsrv is the server side of the jwtguard gRPC example: the
// contacts.v1.Contacts service and the grpc.Server that protects it with
// grpcguard. The server and client commands share it.
package contactsrv

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/examples/grpc/contactspb"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Methods is what each method needs. A method of the server missing here is
// refused with PermissionDenied (grpcguard fails closed); the health
// service is declared public by grpcguard.WithPublicHealth.
func Methods() grpcguard.Methods {
	return grpcguard.Methods{
		contactspb.Contacts_List_FullMethodName:   scopecheck.All(demo.ScopeRead),
		contactspb.Contacts_Delete_FullMethodName: scopecheck.All(demo.ScopeDelete),
		contactspb.Contacts_Watch_FullMethodName:  scopecheck.All(demo.ScopeRead),
	}
}

// NewServer returns a grpc.Server with the contacts service over store and
// the standard health service (public, SERVING), every call checked by
// grpcguard with v. Scopes come from scope and Auth0's permissions.
func NewServer(v *middleware.Validator, store *demo.Store) *grpc.Server {
	opts := []grpcguard.Option{grpcguard.WithPublicHealth(), grpcguard.WithPermissions(), grpcguard.WithRealm("contacts")}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcguard.Unary(v, Methods(), opts...)),
		grpc.ChainStreamInterceptor(grpcguard.Stream(v, Methods(), opts...)),
	)
	contactspb.RegisterContactsServer(srv, NewService(store))
	hs := health.NewServer()
	hs.SetServingStatus(contactspb.Contacts_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	return srv
}
