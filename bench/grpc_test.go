package bench

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// BenchmarkGRPC measures unary calls through the gRPC adapter over a real
// loopback TCP listener (127.0.0.1), one client connection: the standard
// health service's Check, a small request and answer.
//
//	route=open      no interceptor (the same token is sent, and ignored)
//	route=cached    grpcguard.Unary, the same RS256 token every time
//	route=distinct  grpcguard.Unary, a different RS256 token each time
func BenchmarkGRPC(b *testing.B) { benchGRPC(b, false) }

// BenchmarkGRPCParallel is BenchmarkGRPC with b.RunParallel callers.
func BenchmarkGRPCParallel(b *testing.B) { benchGRPC(b, true) }

func benchGRPC(b *testing.B, parallel bool) {
	f := mustFixture(b)
	tok := mustToken(b, f, "RS256", 0)
	for _, route := range []string{"open", "cached", "distinct"} {
		b.Run("route="+route, func(b *testing.B) {
			var opts []grpc.ServerOption
			if route != "open" {
				v := mustValidator(b, f, middleware.DefaultCacheSize)
				methods := grpcguard.Methods{"/grpc.health.v1.Health/Check": scopecheck.Authenticated}
				opts = append(opts, grpc.ChainUnaryInterceptor(grpcguard.Unary(v, methods)))
			}
			toks := []string{tok}
			if route == "distinct" {
				toks = rsDistinct.get(b, f, b.N)
			}
			client := serveHealth(b, opts...)
			var next atomic.Int64
			call := func() error {
				// The open route gets the token too, unread (as for HTTP).
				ctx := metadata.AppendToOutgoingContext(context.Background(),
					"authorization", "Bearer "+toks[int(next.Add(1)-1)%len(toks)])
				_, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
				return err
			}
			runRequests(b, parallel, call, func() { next.Store(0) })
		})
	}
}

// serveHealth starts a gRPC server with the health service on a loopback
// listener and returns a client; both stop when the benchmark ends.
func serveHealth(b *testing.B, opts ...grpc.ServerOption) healthpb.HealthClient {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(lis)
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		srv.Stop()
		b.Fatal(err)
	}
	b.Cleanup(func() {
		conn.Close()
		srv.Stop()
		<-done
	})
	return healthpb.NewHealthClient(conn)
}
