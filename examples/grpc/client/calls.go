package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/jwtguard/jwtguard/examples/grpc/contactspb"
)

// caller makes the calls and prints one line per answer.
type caller struct {
	out      io.Writer
	contacts contactspb.ContactsClient
	health   healthpb.HealthClient
}

func newCaller(conn grpc.ClientConnInterface, out io.Writer) *caller {
	return &caller{out: out, contacts: contactspb.NewContactsClient(conn), health: healthpb.NewHealthClient(conn)}
}

// withToken sends tok as "authorization: Bearer <tok>" metadata; "" sends
// none.
func withToken(ctx context.Context, tok string) context.Context {
	if tok == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

// refusal renders a gRPC error: code, message and the www-authenticate
// trailer when there is one.
func refusal(err error, trailer metadata.MD, note ...string) string {
	st := status.Convert(err)
	s := st.Code().String() + ": " + st.Message()
	for _, n := range note {
		s += " " + n
	}
	if ch := trailer.Get("www-authenticate"); len(ch) > 0 {
		s += "\n      www-authenticate: " + ch[0]
	}
	return s
}

func (c *caller) checkHealth(ctx context.Context, who string) {
	resp, err := c.health.Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		fmt.Fprintf(c.out, "Health.Check  %-14s -> %s\n", who, refusal(err, nil))
		return
	}
	fmt.Fprintf(c.out, "Health.Check  %-14s -> %s\n", who, resp.GetStatus())
}

// withDPoP sends a DPoP-bound token as "authorization: DPoP <tok>" and its
// proof as "dpop" metadata (RFC 9449 section 7.1).
func withDPoP(ctx context.Context, tok, proof string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "DPoP "+tok, "dpop", proof)
}

func (c *caller) list(ctx context.Context, who, tok string) {
	c.listWith(withToken(ctx, tok), who)
}

// listWith calls List with the credentials already in ctx.
func (c *caller) listWith(ctx context.Context, who string) {
	var trailer metadata.MD
	resp, err := c.contacts.List(ctx, &contactspb.ListRequest{}, grpc.Trailer(&trailer))
	if err != nil {
		fmt.Fprintf(c.out, "List          %-14s -> %s\n", who, refusal(err, trailer))
		return
	}
	names := make([]string, 0, len(resp.GetContacts()))
	for _, ct := range resp.GetContacts() {
		names = append(names, ct.GetId()+" "+ct.GetName())
	}
	fmt.Fprintf(c.out, "List          %-14s -> OK, %d contacts: %s\n", who, len(names), strings.Join(names, ", "))
}

func (c *caller) remove(ctx context.Context, who, tok, id string) {
	var trailer metadata.MD
	_, err := c.contacts.Delete(withToken(ctx, tok), &contactspb.DeleteRequest{Id: id}, grpc.Trailer(&trailer))
	if err != nil {
		fmt.Fprintf(c.out, "Delete %-6s %-14s -> %s\n", id, who, refusal(err, trailer))
		return
	}
	fmt.Fprintf(c.out, "Delete %-6s %-14s -> OK\n", id, who)
}

// watch opens a Watch stream and returns a function that prints the next n
// events. A refused stream prints its status at the first receive, before
// any message, and the returned function prints nothing.
func (c *caller) watch(ctx context.Context, who, tok string) (next func(n int) error, err error) {
	stream, err := c.contacts.Watch(withToken(ctx, tok), &contactspb.WatchRequest{})
	if err != nil {
		fmt.Fprintf(c.out, "Watch         %-14s -> %s\n", who, refusal(err, nil))
		return nil, err
	}
	next = func(n int) error {
		for range n {
			ev, err := stream.Recv()
			if err != nil {
				if errors.Is(err, io.EOF) || status.Code(err) == codes.Canceled || status.Code(err) == codes.DeadlineExceeded {
					return nil
				}
				fmt.Fprintf(c.out, "Watch         %-14s -> %s\n", who, refusal(err, stream.Trailer(), "(before any message)"))
				return err
			}
			kind := strings.ToLower(strings.TrimPrefix(ev.GetKind().String(), "KIND_"))
			fmt.Fprintf(c.out, "Watch         %-14s -> %s %s %s\n", who, kind, ev.GetContact().GetId(), ev.GetContact().GetName())
		}
		return nil
	}
	return next, nil
}
