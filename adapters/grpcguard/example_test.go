package grpcguard_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthgrpc "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// statusServer stands in for an API's own service: the standard health
// service, whose Check reads the caller's claims.
type statusServer struct {
	healthgrpc.UnimplementedHealthServer
}

func (statusServer) Check(ctx context.Context, _ *healthgrpc.HealthCheckRequest) (*healthgrpc.HealthCheckResponse, error) {
	claims, _ := middleware.ClaimsFromContext(ctx)
	fmt.Println("Check called by", claims.Subject)
	return &healthgrpc.HealthCheckResponse{Status: healthgrpc.HealthCheckResponse_SERVING}, nil
}

// Every method gets a requirement in a table; the unary and stream
// interceptors share it, and a method missing from it is refused.
func Example() {
	iss, _ := jwtguardtest.NewIssuer() // stands in for Auth0, Okta, Keycloak...
	defer iss.Close()
	const api = "https://status.example.com"
	v, err := middleware.New(iss.URL(), api)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil { // wait for the issuer's keys
		log.Fatal(err)
	}

	methods := grpcguard.Methods{"/grpc.health.v1.Health/Check": scopecheck.All("status:read")}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(grpcguard.Unary(v, methods, grpcguard.WithRealm("status"))),
		grpc.ChainStreamInterceptor(grpcguard.Stream(v, methods, grpcguard.WithRealm("status"))),
	)
	healthgrpc.RegisterHealthServer(srv, statusServer{})
	lis := bufconn.Listen(1 << 20) // in memory; a net.Listener in production
	go srv.Serve(lis)
	defer srv.Stop()
	conn, err := grpc.NewClient("passthrough:///status",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	client := healthgrpc.NewHealthClient(conn)

	reader, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "svc-monitor@clients", Audience: []string{api}, Scope: "status:read"})
	nobody, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|carol", Audience: []string{api}})
	for _, token := range []string{reader, nobody, ""} {
		ctx := ctx
		if token != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		}
		var trailer metadata.MD
		resp, err := client.Check(ctx, &healthgrpc.HealthCheckRequest{}, grpc.Trailer(&trailer))
		if err != nil {
			st := status.Convert(err)
			fmt.Println(st.Code(), st.Message(), trailer.Get("www-authenticate"))
			continue
		}
		fmt.Println(resp.GetStatus())
	}
	// Output:
	// Check called by svc-monitor@clients
	// SERVING
	// PermissionDenied the access token lacks the scope this resource requires: status:read [Bearer realm="status", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: status:read", scope="status:read", DPoP realm="status", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"]
	// Unauthenticated no bearer token in the authorization metadata [Bearer realm="status", DPoP realm="status", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"]
}
