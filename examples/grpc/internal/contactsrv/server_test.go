package contactsrv

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/jwtguard/jwtguard/examples/grpc/contactspb"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// start serves NewServer over bufconn with the development issuer (or
// cfg's issuer) and returns a client and the demo tokens.
func start(t *testing.T, cfg demo.Config, prime bool) (contactspb.ContactsClient, healthpb.HealthClient, demo.Tokens) {
	t.Helper()
	env, err := demo.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	var tokens demo.Tokens
	if prime {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := env.Prime(ctx); err != nil {
			t.Fatal(err)
		}
		if tokens, err = env.Dev.MintTokens(); err != nil {
			t.Fatal(err)
		}
	}
	lis := bufconn.Listen(1 << 20)
	srv := NewServer(env.Validator, demo.NewStore())
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); srv.Stop(); <-done })
	return contactspb.NewContactsClient(conn), healthpb.NewHealthClient(conn), tokens
}

func auth(tok string) context.Context {
	ctx := context.Background()
	if tok == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
}

func TestCalls(t *testing.T) {
	c, h, tok := start(t, demo.DefaultConfig(), true)

	if resp, err := h.Check(context.Background(), &healthpb.HealthCheckRequest{Service: contactspb.Contacts_ServiceDesc.ServiceName}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health without token: %v %v", resp, err)
	}
	unary := []struct {
		name string
		call func() error
		code codes.Code
		msg  string // substring of the message
	}{
		{"List without token", func() error { _, err := c.List(auth(""), &contactspb.ListRequest{}); return err }, codes.Unauthenticated, "no bearer token"},
		{"List with ID token", func() error { _, err := c.List(auth(tok.ID), &contactspb.ListRequest{}); return err }, codes.Unauthenticated, "ID token"},
		{"List as reader", func() error { _, err := c.List(auth(tok.Reader), &contactspb.ListRequest{}); return err }, codes.OK, ""},
		{"Delete as reader", func() error { _, err := c.Delete(auth(tok.Reader), &contactspb.DeleteRequest{Id: "1"}); return err }, codes.PermissionDenied, "delete:contacts"},
		{"Delete unknown as admin", func() error { _, err := c.Delete(auth(tok.Admin), &contactspb.DeleteRequest{Id: "99"}); return err }, codes.NotFound, `"99"`},
	}
	for _, tc := range unary {
		if err := tc.call(); status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.msg) {
			t.Errorf("%s: %v, want %v %q", tc.name, err, tc.code, tc.msg)
		}
	}

	// A refused Watch ends before its first message.
	refused, err := c.Watch(auth(""), &contactspb.WatchRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := refused.Recv(); status.Code(err) != codes.Unauthenticated || ev != nil {
		t.Errorf("Watch without token: %v %v", ev, err)
	}

	// The reader watches; the admin deletes; the watcher sees who deleted.
	ctx, cancel := context.WithCancel(auth(tok.Reader))
	defer cancel()
	w, err := c.Watch(ctx, &contactspb.WatchRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 3 {
		ev, err := w.Recv()
		if err != nil || ev.GetKind() != contactspb.ContactEvent_KIND_EXISTING {
			t.Fatalf("existing: %v %v", ev, err)
		}
		ids = append(ids, ev.GetContact().GetId())
	}
	if strings.Join(ids, ",") != "1,2,3" {
		t.Errorf("existing ids %v", ids)
	}
	if _, err := c.Delete(auth(tok.Admin), &contactspb.DeleteRequest{Id: "2"}); err != nil {
		t.Fatalf("Delete as admin: %v", err)
	}
	ev, err := w.Recv()
	if err != nil || ev.GetKind() != contactspb.ContactEvent_KIND_DELETED || ev.GetContact().GetId() != "2" || ev.GetContact().GetName() != "deleted by auth0|admin" {
		t.Errorf("deletion event: %v %v", ev, err)
	}
	list, err := c.List(auth(tok.Admin), &contactspb.ListRequest{})
	if err != nil || len(list.GetContacts()) != 2 {
		t.Errorf("List after delete: %v %v", list, err)
	}
}

// TestIssuerDown: while the keys cannot be loaded, protected calls get
// Unavailable (never Unauthenticated) and health still answers.
func TestIssuerDown(t *testing.T) {
	iss, err := jwtguardtest.NewIssuer()
	if err != nil {
		t.Fatal(err)
	}
	defer iss.Close()
	iss.SetOutage(http.StatusServiceUnavailable)
	cfg := demo.DefaultConfig()
	cfg.Issuers = []string{iss.URL()}
	c, h, _ := start(t, cfg, false)
	tok, err := iss.AccessToken(jwtguardtest.Claims{Subject: "u", Audience: []string{demo.DefaultAudience}, Scope: demo.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.List(auth(tok), &contactspb.ListRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("List while down: %v", err)
	}
	w, err := c.Watch(auth(tok), &contactspb.WatchRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Recv(); status.Code(err) != codes.Unavailable {
		t.Errorf("Watch while down: %v", err)
	}
	if _, err := h.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health while down: %v", err)
	}
}
