package grpcguard_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// serve starts a server guarded by New(v, methods, opts...) over bufconn.
func serve(t *testing.T, v *middleware.Validator, methods grpcguard.Methods, register func(*grpc.Server), opts ...grpcguard.Option) *grpc.ClientConn {
	t.Helper()
	g, err := grpcguard.New(v, methods, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return adaptertest.ServeGRPC(t, register,
		grpc.ChainUnaryInterceptor(g.Unary()), grpc.ChainStreamInterceptor(g.Stream()))
}

func call(conn *grpc.ClientConn, method string, stream bool, auth ...string) adaptertest.GRPCResult {
	return adaptertest.Call(context.Background(), conn, method, stream, auth)
}

func TestNewRejectsBadTables(t *testing.T) {
	env := adaptertest.NewEnv(t)
	ok := scopecheck.All("read:contacts")
	cases := []struct {
		name    string
		v       *middleware.Validator
		methods grpcguard.Methods
		opts    []grpcguard.Option
		want    string
	}{
		{"nil validator", nil, grpcguard.Methods{}, nil, "nil validator"},
		{"unset requirement", env.V, grpcguard.Methods{"/a.B/C": {}}, nil, "no requirement stated"},
		{"All()", env.V, grpcguard.Methods{"/a.B/C": scopecheck.All()}, nil, "at least one scope"},
		{"scope with a space", env.V, grpcguard.Methods{"/a.B/C": scopecheck.All("read contacts")}, nil, "not a scope token"},
		{"no leading slash", env.V, grpcguard.Methods{"a.B/C": ok}, nil, "not a full method name"},
		{"no method part", env.V, grpcguard.Methods{"/a.B": ok}, nil, "not a full method name"},
		{"empty service", env.V, grpcguard.Methods{"//C": ok}, nil, "not a full method name"},
		{"root", env.V, grpcguard.Methods{"/": ok}, nil, "not a full method name"},
		{"three parts", env.V, grpcguard.Methods{"/a.B/C/D": ok}, nil, "not a full method name"},
		{"space", env.V, grpcguard.Methods{"/a.B/C ": ok}, nil, "space or control character"},
		{"health public and scoped", env.V, grpcguard.Methods{grpcguard.HealthService: ok},
			[]grpcguard.Option{grpcguard.WithPublicHealth()}, "declared public"},
		{"nil extractor", env.V, grpcguard.Methods{"/a.B/C": ok},
			[]grpcguard.Option{grpcguard.WithClientCertificates(nil)}, "WithClientCertificates given a nil extractor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := grpcguard.New(tc.v, tc.methods, tc.opts...)
			if err == nil || !strings.HasPrefix(err.Error(), "grpcguard: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error containing %q", err, tc.want)
			}
			for name, build := range map[string]func(){
				"Unary":  func() { grpcguard.Unary(tc.v, tc.methods, tc.opts...) },
				"Stream": func() { grpcguard.Stream(tc.v, tc.methods, tc.opts...) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s did not panic", name)
						}
					}()
					build()
				}()
			}
		})
	}
	if _, err := grpcguard.New(env.V, grpcguard.Methods{grpcguard.HealthService: scopecheck.Public}, grpcguard.WithPublicHealth()); err != nil {
		t.Errorf("health public twice: %v", err)
	}
}

// TestUnlistedMethodIsDenied: a registered method absent from the table is
// refused with PermissionDenied whatever the token, unary and stream.
func TestUnlistedMethodIsDenied(t *testing.T) {
	env := adaptertest.NewEnv(t)
	conn := serve(t, env.V, adaptertest.Methods(), nil, grpcguard.WithRealm("contacts"))
	for _, stream := range []bool{false, true} {
		method := adaptertest.Unlisted
		if stream {
			method += "Stream"
		}
		for _, auth := range [][]string{nil, {"Bearer " + env.Tokens.Deleter}, {"Bearer " + env.Tokens.Expired}} {
			res := call(conn, method, stream, auth...)
			if res.Status.Code() != codes.PermissionDenied || res.Status.Message() != "this resource has no access policy" ||
				res.Reason != middleware.ReasonInsufficientScope || len(res.Subjects) != 0 {
				t.Errorf("%s with %d tokens: %v %q, %d messages", method, len(auth), res.Status.Code(), res.Status.Message(), len(res.Subjects))
			}
		}
	}
}

// TestServiceWideEntry: "/pkg.Service/" covers the service's methods; an
// exact entry wins over it.
func TestServiceWideEntry(t *testing.T) {
	env := adaptertest.NewEnv(t)
	conn := serve(t, env.V, grpcguard.Methods{
		"/" + adaptertest.ServiceName + "/":           scopecheck.All("read:contacts"),
		adaptertest.Method(adaptertest.Delete, false): scopecheck.All("delete:contacts"),
	}, nil)
	reader := "Bearer " + env.Tokens.Reader
	if res := call(conn, adaptertest.Unlisted, false, reader); res.Status.Code() != codes.OK {
		t.Errorf("service entry: %v", res.Status)
	}
	if res := call(conn, adaptertest.Unlisted+"Stream", true, reader); res.Status.Code() != codes.OK || len(res.Subjects) != 2 {
		t.Errorf("service entry, stream: %v", res.Status)
	}
	if res := call(conn, adaptertest.Method(adaptertest.Delete, false), false, reader); res.Status.Code() != codes.PermissionDenied {
		t.Errorf("exact entry: %v", res.Status)
	}
	if res := call(conn, adaptertest.Unlisted, false); res.Status.Code() != codes.Unauthenticated {
		t.Errorf("service entry without token: %v", res.Status)
	}
}

func TestTableIsCopied(t *testing.T) {
	env := adaptertest.NewEnv(t)
	methods := grpcguard.Methods{adaptertest.Method(adaptertest.Read, false): scopecheck.All("read:contacts")}
	conn := serve(t, env.V, methods, nil)
	methods[adaptertest.Method(adaptertest.Read, false)] = scopecheck.Public
	methods[adaptertest.Unlisted] = scopecheck.Public
	if res := call(conn, adaptertest.Method(adaptertest.Read, false), false); res.Status.Code() != codes.Unauthenticated {
		t.Errorf("changed entry took effect: %v", res.Status)
	}
	if res := call(conn, adaptertest.Unlisted, false); res.Status.Code() != codes.PermissionDenied {
		t.Errorf("added entry took effect: %v", res.Status)
	}
}

func TestPublicHealthAndReflection(t *testing.T) {
	env := adaptertest.NewEnv(t)
	register := func(s *grpc.Server) {
		healthpb.RegisterHealthServer(s, health.NewServer())
		reflection.Register(s)
	}
	check := func(conn *grpc.ClientConn) codes.Code {
		_, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
		return status.Code(err)
	}
	watch := func(conn *grpc.ClientConn) codes.Code {
		s, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = s.Recv()
		}
		return status.Code(err)
	}
	listServices := func(conn *grpc.ClientConn) (codes.Code, int) {
		s, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
		if err != nil {
			return status.Code(err), 0
		}
		// A refused stream may fail Send with io.EOF; Recv has the status.
		s.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
		resp, err := s.Recv()
		s.CloseSend()
		return status.Code(err), len(resp.GetListServicesResponse().GetService())
	}

	closed := serve(t, env.V, adaptertest.Methods(), register)
	if c := check(closed); c != codes.PermissionDenied {
		t.Errorf("health not declared public: %v", c)
	}
	if c, _ := listServices(closed); c != codes.PermissionDenied {
		t.Errorf("reflection not declared public: %v", c)
	}

	open := serve(t, env.V, adaptertest.Methods(), register, grpcguard.WithPublicHealth(), grpcguard.WithPublicReflection())
	if c := check(open); c != codes.OK {
		t.Errorf("public health Check: %v", c)
	}
	if c := watch(open); c != codes.OK {
		t.Errorf("public health Watch: %v", c)
	}
	if c, n := listServices(open); c != codes.OK || n < 3 {
		t.Errorf("public reflection: %v, %d services", c, n)
	}
	if res := call(open, adaptertest.Method(adaptertest.Read, false), false); res.Status.Code() != codes.Unauthenticated {
		t.Errorf("public health opened the API: %v", res.Status)
	}
}

// TestStreamRefusedBeforeFirstMessage: the handler of a refused stream
// never runs, and the client's first Recv gets the status.
func TestStreamRefusedBeforeFirstMessage(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var ran atomic.Int32
	desc := &grpc.ServiceDesc{
		ServiceName: "count.v1.Counter",
		HandlerType: (*any)(nil),
		Streams: []grpc.StreamDesc{{StreamName: "Watch", ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			ran.Add(1)
			return ss.SendMsg(&emptypb.Empty{})
		}}},
	}
	conn := serve(t, env.V, grpcguard.Methods{"/count.v1.Counter/Watch": scopecheck.All("read:contacts")},
		func(s *grpc.Server) { s.RegisterService(desc, struct{}{}) }, grpcguard.WithRealm("contacts"))
	for _, tc := range []struct {
		auth string
		code codes.Code
	}{{"", codes.Unauthenticated}, {"Bearer " + env.Tokens.Expired, codes.Unauthenticated}, {"Bearer " + env.Tokens.IDToken, codes.Unauthenticated}} {
		ctx := context.Background()
		if tc.auth != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", tc.auth)
		}
		cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/count.v1.Counter/Watch")
		if err != nil {
			t.Fatal(err)
		}
		cs.SendMsg(&emptypb.Empty{})
		cs.CloseSend()
		err = cs.RecvMsg(new(emptypb.Empty))
		if status.Code(err) != tc.code {
			t.Errorf("first Recv: %v, want %v", err, tc.code)
		}
		if ch := cs.Trailer().Get("www-authenticate"); len(ch) != 1 || !strings.HasPrefix(ch[0], `Bearer realm="contacts"`) {
			t.Errorf("trailer www-authenticate = %q", ch)
		}
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("handler of a refused stream ran %d times", n)
	}
}

// TestClaimsReachHandlers: unary handlers get them in ctx, stream handlers
// through the wrapped stream's Context.
func TestClaimsReachHandlers(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var unary, stream atomic.Pointer[middleware.Claims]
	desc := &grpc.ServiceDesc{
		ServiceName: "claims.v1.Claims",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Get", Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/claims.v1.Claims/Get"}, func(ctx context.Context, _ any) (any, error) {
				c, _ := middleware.ClaimsFromContext(ctx)
				unary.Store(c)
				return &emptypb.Empty{}, nil
			})
		}}},
		Streams: []grpc.StreamDesc{{StreamName: "Watch", ServerStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
			c, _ := middleware.ClaimsFromContext(ss.Context())
			stream.Store(c)
			return nil
		}}},
	}
	conn := serve(t, env.V, grpcguard.Methods{"/claims.v1.Claims/": scopecheck.All("delete:contacts")},
		func(s *grpc.Server) { s.RegisterService(desc, struct{}{}) }, grpcguard.WithPermissions())
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+env.Tokens.Deleter)
	if err := conn.Invoke(ctx, "/claims.v1.Claims/Get", &emptypb.Empty{}, new(emptypb.Empty)); err != nil {
		t.Fatal(err)
	}
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/claims.v1.Claims/Watch")
	if err != nil {
		t.Fatal(err)
	}
	cs.CloseSend()
	if err := cs.RecvMsg(new(emptypb.Empty)); !errors.Is(err, io.EOF) {
		t.Fatalf("stream: %v, want a clean end", err)
	}
	for name, c := range map[string]*middleware.Claims{"unary": unary.Load(), "stream": stream.Load()} {
		if c == nil || c.Subject != "auth0|alice" || len(c.Permissions) != 2 {
			t.Errorf("%s handler claims: %+v", name, c)
		}
	}
}

func TestWithoutChallenge(t *testing.T) {
	env := adaptertest.NewEnv(t)
	conn := serve(t, env.V, adaptertest.Methods(), nil, grpcguard.WithoutChallenge())
	for _, stream := range []bool{false, true} {
		res := call(conn, adaptertest.Method(adaptertest.Read, stream), stream, "Bearer "+env.Tokens.Expired)
		if res.Status.Code() != codes.Unauthenticated || res.Challenge != "" {
			t.Errorf("stream %v: %v, challenge %q", stream, res.Status.Code(), res.Challenge)
		}
	}
}
