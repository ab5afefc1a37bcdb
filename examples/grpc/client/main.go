// Command client calls the jwtguard gRPC example (contacts.v1.Contacts)
// and prints what each call got.
//
//	go run ./examples/grpc/client
//
// With no flags it needs nothing else: it starts the example server on a
// loopback port with an embedded development issuer, mints the demo tokens
// (reader: read:contacts; admin: read:contacts and delete:contacts through
// Auth0 permissions; an ID token) and runs a tour: the public health check,
// calls without a token, with each token, a Watch stream refused before its
// first message, and a Watch that sees the admin's deletion.
//
// Against a running server (go run ./examples/grpc/server prints the
// command with tokens):
//
//	go run ./examples/grpc/client -addr 127.0.0.1:50051 -token <access token> [-delete 1]
//
// it checks health, lists, watches for -watch (default 1s) and, with
// -delete, deletes that contact, all with that one token.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func main() {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	addr := fs.String("addr", "", "address of a running example server (empty: start one in process, with a development issuer, and run the tour)")
	token := fs.String("token", "", "access token to send with -addr")
	del := fs.String("delete", "", "with -addr: the id of a contact to delete")
	watchFor := fs.Duration("watch", time.Second, "with -addr: how long to print Watch events")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %v\n", fs.Args())
		os.Exit(2)
	}
	ctx := context.Background()
	var err error
	if *addr == "" {
		err = tour(ctx, os.Stdout)
	} else {
		err = callServer(ctx, os.Stdout, *addr, *token, *del, *watchFor)
	}
	if err != nil {
		log.Fatal(err)
	}
}

// callServer makes every call against the server at addr with tok.
func callServer(ctx context.Context, out io.Writer, addr, tok, del string, watchFor time.Duration) error {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	who := "token"
	if tok == "" {
		who = "no token"
	}
	c := newCaller(conn, out)
	c.checkHealth(ctx, "no token")
	c.list(ctx, who, tok)
	wctx, cancel := context.WithTimeout(ctx, watchFor)
	defer cancel()
	if next, err := c.watch(wctx, who, tok); err == nil {
		next(1 << 20) // until the deadline ends the stream
	}
	if del != "" {
		c.remove(ctx, who, tok, del)
	}
	return nil
}
