package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Main is the main function of a demo program called name: it parses the
// flags and JWTGUARD_* variables into cfg (a bad flag exits with status 2),
// logs key-source problems to standard error, and calls run until SIGINT or
// SIGTERM (an error exits with status 1).
func Main(name string, cfg Config, run func(ctx context.Context, cfg Config, out io.Writer) error) {
	if err := cfg.Parse(name, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// RunHTTP starts the demo Env of cfg and serves the handler newHandler
// builds for it on cfg.Addr until ctx ends. It listens at once, even when
// the issuer is unreachable (protected routes answer 503 with Retry-After
// until the keys arrive), prints the listening line, and with the
// development issuer waits for its in-process keys so that the curl
// commands it prints work when pasted.
func RunHTTP(ctx context.Context, name string, cfg Config, out io.Writer, newHandler func(*Env) http.Handler) error {
	env, err := Start(cfg)
	if err != nil {
		return err
	}
	defer env.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: newHandler(env), ReadHeaderTimeout: 10 * time.Second, TLSConfig: env.TLS}
	served := make(chan error, 1)
	go func() {
		if env.TLS != nil {
			served <- srv.ServeTLS(ln, "", "") // certificates in TLSConfig; HTTP/2 as well
			return
		}
		served <- srv.Serve(ln)
	}()
	base := env.scheme() + "://" + ln.Addr().String()
	PrintListening(out, name, base, env.Config)
	env.printTLS(out, name)
	if env.DevTLS != nil && env.Dev == nil {
		env.printRealIssuerTLS(out, base)
	}
	if env.Dev != nil {
		if err := printDevCommands(ctx, env, out, base); err != nil && ctx.Err() == nil {
			srv.Close()
			<-served
			return fmt.Errorf("demo: development issuer: %w", err)
		}
	}
	select {
	case err := <-served:
		return err // Serve never returns nil
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// printDevCommands waits (5 s at most) for the development issuer's keys,
// which load in milliseconds, then prints the curl commands.
func printDevCommands(ctx context.Context, env *Env, out io.Writer, base string) error {
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := env.Prime(pctx); err != nil {
		return err
	}
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		return err
	}
	if env.DevTLS != nil {
		env.printCurlTLS(out, base, tokens)
		return nil
	}
	PrintCurl(out, base, env.Dev, tokens)
	return nil
}
