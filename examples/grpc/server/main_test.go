package main

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/jwtguard/jwtguard/examples/grpc/contactspb"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
)

// TestRun starts the server command on a free loopback port, reads the
// address it prints, calls it and stops it.
func TestRun(t *testing.T) {
	cfg := demo.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, pw); pw.Close() }()
	sc := bufio.NewScanner(pr)
	sc.Buffer(nil, 1<<20)
	if !sc.Scan() {
		t.Fatalf("no output: %v", sc.Err())
	}
	addr, ok := strings.CutPrefix(sc.Text(), "grpc: listening on ")
	if !ok {
		t.Fatalf("first line %q", sc.Text())
	}
	var printed strings.Builder
	copied := make(chan struct{})
	go func() { io.Copy(&printed, pr); close(copied) }()

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health: %v %v", resp, err)
	}
	if _, err := contactspb.NewContactsClient(conn).List(context.Background(), &contactspb.ListRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("List without token: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	<-copied
	if !strings.Contains(printed.String(), "go run ./examples/grpc/client -addr "+addr+" -token ey") {
		t.Errorf("no client command printed:\n%s", printed.String())
	}
}

// The TLS flags belong to the HTTP demos: the gRPC example refuses them
// rather than serve plaintext while the user asked for TLS.
func TestRunRefusesTLSFlags(t *testing.T) {
	for _, set := range []func(*demo.Config){
		func(c *demo.Config) { c.DevTLS = true },
		func(c *demo.Config) { c.TLSCert, c.TLSKey = "server.pem", "server-key.pem" },
	} {
		cfg := demo.DefaultConfig()
		cfg.Addr = "127.0.0.1:0"
		set(&cfg)
		if err := run(context.Background(), cfg, io.Discard); err == nil || !strings.Contains(err.Error(), "belong to the HTTP demos") {
			t.Errorf("run: %v", err)
		}
	}
}
