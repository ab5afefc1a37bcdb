package adaptertest

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// ServiceName is the gRPC service the cases call. It is described by hand
// (no generated code): requests are google.protobuf.Empty, answers a
// google.protobuf.StringValue holding the subject the handler saw.
const ServiceName = "adaptertest.v1.Contacts"

// methodNames are the methods of the routes; each also has a
// server-streaming twin named with "Stream" appended.
var methodNames = [...]string{Read: "List", Delete: "Delete", Public: "Public", OrgRead: "OrgList",
	Admin: "Admin", Billing: "Billing", Batch: "Batch", Profile: "Profile", Audit: "Audit"}

// Method returns the full method name of route, unary or server-streaming.
func Method(r Route, stream bool) string {
	name := methodNames[r]
	if stream {
		name += "Stream"
	}
	return "/" + ServiceName + "/" + name
}

// Methods is the method table matching the routes (GRPCRequirement): List
// and ListStream need read:contacts, Delete and DeleteStream
// delete:contacts, Public and PublicStream nothing, and so on. Unlisted is
// registered but deliberately absent.
func Methods() map[string]scopecheck.Requirement {
	m := map[string]scopecheck.Requirement{}
	for _, stream := range []bool{false, true} {
		for _, r := range Routes {
			m[Method(r, stream)] = GRPCRequirement(r)
		}
	}
	return m
}

// Request is the request message of a call to method: a StringValue
// holding Org for OrgList and OrgListStream, an Empty otherwise.
func Request(method string) proto.Message {
	if strings.HasSuffix(method, "/"+methodNames[OrgRead]) || strings.HasSuffix(method, "/"+methodNames[OrgRead]+"Stream") {
		return wrapperspb.String(Org)
	}
	return &emptypb.Empty{}
}

// newRequest returns an empty request message of method's type.
func newRequest(method string) proto.Message {
	return Request(method).ProtoReflect().New().Interface()
}

// Unlisted is a method the service has and Methods leaves out.
const Unlisted = "/" + ServiceName + "/Unlisted"

// subjectOf is what every handler answers: the sub of the claims in ctx.
func subjectOf(ctx context.Context) *wrapperspb.StringValue {
	c, ok := middleware.ClaimsFromContext(ctx)
	if !ok {
		return wrapperspb.String("")
	}
	return wrapperspb.String(c.Subject)
}

func unaryHandler(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
	method := grpc.ServerTransportStreamFromContext(ctx).Method()
	in := newRequest(method)
	if err := dec(in); err != nil {
		return nil, err
	}
	h := func(ctx context.Context, _ any) (any, error) { return subjectOf(ctx), nil }
	if icpt == nil {
		return h(ctx, in)
	}
	return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: method}, h)
}

// streamHandler sends the subject twice, so a client can tell a stream that
// was refused before its first message from one that broke later.
func streamHandler(_ any, ss grpc.ServerStream) error {
	method, _ := grpc.Method(ss.Context())
	in := newRequest(method)
	if err := ss.RecvMsg(in); err != nil {
		return err
	}
	for range 2 {
		if err := ss.SendMsg(subjectOf(ss.Context())); err != nil {
			return err
		}
	}
	return nil
}

func serviceDesc() *grpc.ServiceDesc {
	d := &grpc.ServiceDesc{ServiceName: ServiceName, HandlerType: (*any)(nil)}
	for _, name := range append(methodNames[:], "Unlisted") {
		d.Methods = append(d.Methods, grpc.MethodDesc{MethodName: name, Handler: unaryHandler})
		d.Streams = append(d.Streams, grpc.StreamDesc{StreamName: name + "Stream", Handler: streamHandler, ServerStreams: true, ClientStreams: false})
	}
	return d
}

// GRPCAuthority is the ":authority" of calls over ServeGRPC's connection
// (the target's endpoint).
const GRPCAuthority = "bufnet"

// ServeGRPC starts a server with opts (the interceptors under test) over an
// in-memory bufconn listener, registers the test service and whatever
// register adds, and returns a client connection. Everything stops when t
// ends.
func ServeGRPC(t testing.TB, register func(*grpc.Server), opts ...grpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	return serveGRPC(t, register, insecure.NewCredentials(), opts...)
}

// ServeGRPCTLS is ServeGRPC over TLS, with a fresh self-signed certificate
// for GRPCAuthority that the client trusts.
func ServeGRPCTLS(t testing.TB, register func(*grpc.Server), opts ...grpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	server, client := tlsPair(t)
	return serveGRPC(t, register, client, append(opts, grpc.Creds(server))...)
}

func serveGRPC(t testing.TB, register func(*grpc.Server), creds credentials.TransportCredentials, opts ...grpc.ServerOption) *grpc.ClientConn {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(opts...)
	srv.RegisterService(serviceDesc(), struct{}{})
	if register != nil {
		register(srv)
	}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(lis) }()
	conn, err := grpc.NewClient("passthrough:///"+GRPCAuthority,
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		srv.Stop()
		<-done
	})
	return conn
}

// GRPCResult is what a call got.
type GRPCResult struct {
	Status    *status.Status
	Reason    middleware.Reason // from the google.rpc.ErrorInfo detail
	Code      string            // RFC 6750 error code, from the same detail
	Scope     string            // missing scopes, from the same detail
	ACRValues string            // a step-up's acr_values, from the same detail
	MaxAge    string            // a step-up's max_age (seconds), from the same detail
	Challenge string            // the www-authenticate trailer
	// NonceHeader and NonceTrailer are the dpop-nonce header and trailer
	// (the first value); NonceHeaders every value of the header.
	NonceHeader, NonceTrailer string
	NonceHeaders              []string
	Subjects                  []string // one per message received
}

// Call calls method with auth as authorization metadata values, as a unary
// call or a server stream, and reports what came back. DPoP proofs go in
// ctx ("dpop" metadata), or use CallDPoP.
func Call(ctx context.Context, conn *grpc.ClientConn, method string, stream bool, auth []string) GRPCResult {
	return CallDPoP(ctx, conn, method, stream, auth, nil)
}

// CallDPoP is Call with proofs as dpop metadata values.
func CallDPoP(ctx context.Context, conn *grpc.ClientConn, method string, stream bool, auth, proofs []string) GRPCResult {
	for _, a := range auth {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", a)
	}
	for _, p := range proofs {
		ctx = metadata.AppendToOutgoingContext(ctx, "dpop", p)
	}
	var res GRPCResult
	var header, trailer metadata.MD
	var err error
	if !stream {
		out := new(wrapperspb.StringValue)
		err = conn.Invoke(ctx, method, Request(method), out, grpc.Header(&header), grpc.Trailer(&trailer))
		if err == nil {
			res.Subjects = append(res.Subjects, out.GetValue())
		}
	} else {
		err = func() error {
			cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, method)
			if err != nil {
				return err
			}
			defer func() {
				header, _ = cs.Header()
				trailer = cs.Trailer()
			}()
			if err := cs.SendMsg(Request(method)); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			if err := cs.CloseSend(); err != nil {
				return err
			}
			for {
				out := new(wrapperspb.StringValue)
				if err := cs.RecvMsg(out); err != nil {
					if errors.Is(err, io.EOF) {
						return nil
					}
					return err
				}
				res.Subjects = append(res.Subjects, out.GetValue())
			}
		}()
	}
	res.Status = status.Convert(err)
	for _, d := range res.Status.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == "jwtguard" {
			res.Reason = middleware.Reason(info.GetReason())
			res.Code = info.GetMetadata()["error"]
			res.Scope = info.GetMetadata()["scope"]
			res.ACRValues = info.GetMetadata()["acr_values"]
			res.MaxAge = info.GetMetadata()["max_age"]
		}
	}
	if v := trailer.Get("www-authenticate"); len(v) > 0 {
		res.Challenge = v[0]
	}
	if v := header.Get("dpop-nonce"); len(v) > 0 {
		res.NonceHeader, res.NonceHeaders = v[0], v
	}
	if v := trailer.Get("dpop-nonce"); len(v) > 0 {
		res.NonceTrailer = v[0]
	}
	return res
}
