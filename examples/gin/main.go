// Command gin is the jwtguard demo on gin: the same contacts API as
// examples/contacts (same routes, flags, answers and embedded development
// issuer), protected by ginguard.
//
//	go run ./examples/gin
//
// With no flags it needs no account anywhere: it starts an embedded
// development issuer on loopback (the jwtguard test kit), protects the API
// with it, and prints ready-to-paste curl commands with minted tokens. With
// -issuer it protects the API with a real authorization server (Auth0, Okta,
// Keycloak, Entra ID...).
//
// Flags (each also read from the environment variable in brackets):
//
//	-addr              listen address [JWTGUARD_ADDR] (default 127.0.0.1:8080)
//	-issuer            exact iss to accept, trailing slash included [JWTGUARD_ISSUER]
//	-jwks-uri          JWKS URL, instead of discovery [JWTGUARD_JWKS_URI]
//	-audience          API identifier [JWTGUARD_AUDIENCE] (default https://contacts.example.com)
//	-namespace         custom-claim namespace [JWTGUARD_NAMESPACE] (default https://myapp.example.com/)
//	-jwks-refresh      background key refresh interval [JWTGUARD_JWKS_REFRESH]
//	-jwks-min-refresh  minimum gap between unknown-kid refreshes [JWTGUARD_JWKS_MIN_REFRESH]
//
// Routes: GET /api/public (no token), GET /api/contacts (read:contacts),
// DELETE /api/contacts/:id (delete:contacts), GET /api/me (any valid access
// token), GET /readyz (200 once the keys are loaded, else 503). Scopes come
// from the scope claim and Auth0's permissions array.
//
// The first line printed is "gin: listening on http://HOST:PORT"; with
// -addr 127.0.0.1:0 it names the port the system chose.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/examples/internal/demo"
)

func main() {
	cfg := demo.DefaultConfig()
	if err := cfg.Parse("gin", os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run starts the API (and the development issuer when no issuer is given)
// and serves until ctx ends.
func run(ctx context.Context, cfg demo.Config, out io.Writer) error {
	env, err := demo.Start(cfg)
	if err != nil {
		return err
	}
	defer env.Close()

	// Listen at once, even when the issuer is unreachable: protected routes
	// answer 503 with Retry-After until the keys arrive.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	demo.PrintListening(out, "gin", base, env.Config)
	if env.Dev != nil {
		tokens, err := env.Dev.MintTokens()
		if err != nil {
			ln.Close()
			return err
		}
		demo.PrintCurl(out, base, env.Dev, tokens)
	}
	srv := &http.Server{Handler: newEngine(env, demo.NewStore()), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	err = srv.Serve(ln)
	<-done
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
