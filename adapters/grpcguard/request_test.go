package grpcguard_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// orgOf is the extractor of the tests: the request is a StringValue
// holding the org.
var orgOf = scopecheck.Field((*wrapperspb.StringValue).GetValue)

func TestGuardPolicy(t *testing.T) {
	env := adaptertest.NewEnv(t)
	g, err := grpcguard.New(env.V, grpcguard.Methods{
		"/contacts.v1.Contacts/List":    scopecheck.All("read:contacts"),
		"/contacts.v1.Contacts/ListOrg": scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsRequest("org", orgOf)),
		"/contacts.v1.Audit/":           scopecheck.And(scopecheck.All("read:audit"), scopecheck.ACR("urn:mfa"), scopecheck.MaxAge(5*time.Minute)),
		"/contacts.v1.Audit/Ping":       scopecheck.Authenticated,
	}, grpcguard.WithPublicHealth())
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.Policy().JSON()
	if err != nil {
		t.Fatal(err)
	}
	const path = "testdata/policy.golden.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("policy differs from %s (go test -update):\n%s", path, got)
	}
}

// TestStreamWaitsForTheMessage: a stream whose requirement reads the
// request is decided on its first message; nothing the handler sends
// before leaves, and a refusal stands whatever the handler returns.
func TestStreamWaitsForTheMessage(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var ran, sent atomic.Int32
	recvFirst := func(_ any, ss grpc.ServerStream) error {
		ran.Add(1)
		in := new(wrapperspb.StringValue)
		if err := ss.RecvMsg(in); err != nil {
			return nil // swallows the refusal: the status must still be it
		}
		sent.Add(1)
		return ss.SendMsg(wrapperspb.String("contacts of " + in.GetValue()))
	}
	sendFirst := func(_ any, ss grpc.ServerStream) error {
		ran.Add(1)
		if err := ss.SendMsg(wrapperspb.String("too early")); err == nil {
			sent.Add(1)
		}
		return nil
	}
	neverRecv := func(_ any, ss grpc.ServerStream) error { ran.Add(1); return nil }
	headerFirst := func(_ any, ss grpc.ServerStream) error {
		ran.Add(1)
		if err := ss.SendHeader(metadata.Pairs("x-early", "1")); err == nil {
			sent.Add(1)
		}
		return recvFirst(nil, ss)
	}
	desc := &grpc.ServiceDesc{ServiceName: "org.v1.Org", HandlerType: (*any)(nil), Streams: []grpc.StreamDesc{
		{StreamName: "Watch", ServerStreams: true, Handler: recvFirst},
		{StreamName: "SendFirst", ServerStreams: true, Handler: sendFirst},
		{StreamName: "NeverRecv", ServerStreams: true, Handler: neverRecv},
		{StreamName: "HeaderFirst", ServerStreams: true, Handler: headerFirst},
	}}
	org := scopecheck.And(scopecheck.All("read:contacts"), scopecheck.Claim("org_id").EqualsRequest("org", orgOf))
	conn := serve(t, env.V, grpcguard.Methods{"/org.v1.Org/": org},
		func(s *grpc.Server) { s.RegisterService(desc, struct{}{}) }, grpcguard.WithRealm("contacts"))
	acme, err := env.Issuer.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{adaptertest.Audience},
		Scope: "read:contacts", Custom: map[string]any{"org_id": "acme"}})
	if err != nil {
		t.Fatal(err)
	}
	open := func(method, org string) ([]string, metadata.MD, error) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+acme)
		cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method)
		if err != nil {
			t.Fatal(err)
		}
		if org != "" {
			cs.SendMsg(wrapperspb.String(org))
		}
		cs.CloseSend()
		var got []string
		for {
			out := new(wrapperspb.StringValue)
			if err := cs.RecvMsg(out); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				return got, cs.Trailer(), err
			}
			got = append(got, out.GetValue())
		}
	}
	const refusal = `Bearer realm="contacts", error="insufficient_scope", error_description="the access token does not meet this resource's requirement on the claim org_id", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`
	for _, tc := range []struct {
		name, method, org string
		code              codes.Code
		msgs              int
	}{
		{"own org", "/org.v1.Org/Watch", "acme", codes.OK, 1},
		{"other org", "/org.v1.Org/Watch", "globex", codes.PermissionDenied, 0},
		{"handler sends first", "/org.v1.Org/SendFirst", "acme", codes.PermissionDenied, 0},
		{"handler never receives", "/org.v1.Org/NeverRecv", "acme", codes.PermissionDenied, 0},
		{"handler sends a header first", "/org.v1.Org/HeaderFirst", "acme", codes.PermissionDenied, 0},
	} {
		sent.Store(0)
		got, trailer, err := open(tc.method, tc.org)
		if status.Code(err) != tc.code || len(got) != tc.msgs || int(sent.Load()) != tc.msgs {
			t.Errorf("%s: %v, messages %q, sent %d", tc.name, err, got, sent.Load())
		}
		if tc.code != codes.OK {
			if ch := trailer.Get("www-authenticate"); len(ch) != 1 || ch[0] != refusal {
				t.Errorf("%s: challenge %q", tc.name, ch)
			}
		}
	}
	if ran.Load() == 0 {
		t.Error("handlers never ran")
	}
}
