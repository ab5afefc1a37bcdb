// Command server runs the jwtguard gRPC example: contacts.v1.Contacts
// (List needs read:contacts, Delete delete:contacts, the server-streaming
// Watch read:contacts) and the standard health service, public, protected
// by grpcguard.
//
//	go run ./examples/grpc/server
//
// With no flags it starts an embedded development issuer on loopback and
// prints client commands with minted tokens; -issuer protects it with a
// real authorization server instead. The flags and JWTGUARD_* variables
// are those of examples/contacts, but for the TLS ones (-tls-cert,
// -tls-key, -client-ca, -dev-tls), which it refuses: it serves plaintext
// gRPC on loopback. -addr defaults to 127.0.0.1:50051.
//
// The first line printed is "grpc: listening on HOST:PORT".
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jwtguard/jwtguard/examples/grpc/internal/contactsrv"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
)

// DefaultAddr is the default listen address of the gRPC example.
const DefaultAddr = "127.0.0.1:50051"

func main() {
	cfg := demo.DefaultConfig()
	cfg.Addr = DefaultAddr
	demo.Main("server", cfg, run)
}

// run serves until ctx ends.
func run(ctx context.Context, cfg demo.Config, out io.Writer) error {
	if cfg.TLSCert != "" || cfg.ClientCA != "" || cfg.DevTLS {
		return errors.New("grpc: -tls-cert, -tls-key, -client-ca and -dev-tls belong to the HTTP demos; this example serves plaintext gRPC on loopback")
	}
	env, err := demo.Start(cfg)
	if err != nil {
		return err
	}
	defer env.Close()
	// Listen at once: until the keys arrive, protected calls get
	// Unavailable and the health service still answers.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	demo.PrintListening(out, "grpc", ln.Addr().String(), env.Config)
	if env.Dev != nil {
		tokens, err := env.Dev.MintTokens()
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(out, `
Development issuer: %s. Demo tokens are valid for %.0f hours. Try:

  # read-only token: List and Watch work, Delete is PermissionDenied
  go run ./examples/grpc/client -addr %[3]s -token %[4]s -delete 1

  # read+delete token (Auth0 permissions)
  go run ./examples/grpc/client -addr %[3]s -token %[5]s -delete 1

  # no token: Unauthenticated, health still SERVING
  go run ./examples/grpc/client -addr %[3]s

`, env.Dev.URL(), demo.TokenLifetime.Hours(), ln.Addr(), tokens.Reader, tokens.Admin)
	}
	srv := contactsrv.NewServer(env.Validator, demo.NewStore())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Let calls finish; Watch streams last until their client leaves, so
	// stop hard after a grace period.
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		srv.Stop()
		<-stopped
	}
	return <-served
}
