package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/jwtguard/jwtguard/examples/grpc/contactspb"
	"github.com/jwtguard/jwtguard/examples/grpc/internal/contactsrv"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// tour starts the example server on a loopback port with the development
// issuer, calls it with each demo token and prints what each call got.
func tour(ctx context.Context, out io.Writer) error {
	cfg := demo.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	env, err := demo.Start(cfg)
	if err != nil {
		return err
	}
	defer env.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := env.Prime(pctx); err != nil {
		return fmt.Errorf("demo: loading the development issuer's keys: %w", err)
	}
	tokens, err := env.Dev.MintTokens()
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := contactsrv.NewServer(env.Validator, demo.NewStore())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		srv.Stop()
		<-served
	}()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()

	fmt.Fprintf(out, "contacts.v1.Contacts on %s, development issuer %s\n\n", ln.Addr(), env.Dev.URL())
	c := newCaller(conn, out)
	c.checkHealth(ctx, "no token")
	c.list(ctx, "no token", "")
	c.list(ctx, "ID token", tokens.ID)
	c.list(ctx, "reader token", tokens.Reader)
	c.remove(ctx, "reader token", tokens.Reader, "1")

	// A DPoP-bound token (RFC 9449): each call carries a fresh proof signed
	// with the client's key, naming POST (gRPC always is) and the call's URI,
	// scheme://authority/fullMethod (http here: no TLS).
	listURI := "http://" + ln.Addr().String() + contactspb.Contacts_List_FullMethodName
	proof, err := env.Dev.DPoPKey.Proof(jwtguardtest.Proof{Method: "POST", URL: listURI, AccessToken: tokens.DPoP})
	if err != nil {
		return err
	}
	c.listWith(withDPoP(ctx, tokens.DPoP, proof), "DPoP token")
	c.listWith(withDPoP(ctx, tokens.DPoP, proof), "replayed proof")
	c.list(ctx, "DPoP as Bearer", tokens.DPoP)

	if next, err := c.watch(ctx, "no token", ""); err == nil {
		next(1) // refused: the status arrives instead of the first message
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	next, err := c.watch(wctx, "reader token", tokens.Reader)
	if err != nil {
		return err
	}
	if err := next(3); err != nil { // the three existing contacts
		return err
	}
	c.remove(ctx, "admin token", tokens.Admin, "1")
	if err := next(1); err != nil { // the deletion, as it happens
		return err
	}
	stop()
	c.remove(ctx, "admin token", tokens.Admin, "1")
	c.list(ctx, "admin token", tokens.Admin)
	return nil
}
