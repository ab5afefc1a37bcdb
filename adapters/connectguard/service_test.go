package connectguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtguard/jwtguard/adapters/connectguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
)

// The test service is adaptertest's, served by Connect handlers written by
// hand (no generated code): every procedure takes a google.protobuf.Empty
// and answers google.protobuf.StringValue messages holding the subject of
// the claims the handler saw; the server streams send two.

// procedures are the procedures the service serves: one per route of the
// cases but OrgRead (see table), and Unlisted, unary and server-streaming
// ("...Stream").
func procedures() []string {
	var ps []string
	for _, r := range adaptertest.Routes {
		if r != adaptertest.OrgRead {
			ps = append(ps, adaptertest.Method(r, false), adaptertest.Method(r, true))
		}
	}
	return append(ps, adaptertest.Unlisted, adaptertest.Unlisted+"Stream")
}

// table is the procedure table of the cases: adaptertest.Methods, which
// leaves Unlisted out, without OrgRead, whose requirement reads the
// request message: New refuses it (TestRequestRequirementsRefused).
func table() connectguard.Procedures {
	t := connectguard.Procedures(adaptertest.Methods())
	for _, stream := range []bool{false, true} {
		delete(t, adaptertest.Method(adaptertest.OrgRead, stream))
	}
	return t
}

func subjectOf(ctx context.Context) *wrapperspb.StringValue {
	if c, ok := middleware.ClaimsFromContext(ctx); ok {
		return wrapperspb.String(c.Subject)
	}
	return wrapperspb.String("")
}

// serviceMux serves every procedure, with opts on every handler.
func serviceMux(opts ...connect.HandlerOption) *http.ServeMux {
	mux := http.NewServeMux()
	for _, p := range procedures() {
		if len(p) > len("Stream") && p[len(p)-len("Stream"):] == "Stream" {
			mux.Handle(p, connect.NewServerStreamHandler(p,
				func(ctx context.Context, _ *connect.Request[emptypb.Empty], s *connect.ServerStream[wrapperspb.StringValue]) error {
					for range 2 {
						if err := s.Send(subjectOf(ctx)); err != nil {
							return err
						}
					}
					return nil
				}, opts...))
			continue
		}
		mux.Handle(p, connect.NewUnaryHandler(p,
			func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[wrapperspb.StringValue], error) {
				return connect.NewResponse(subjectOf(ctx)), nil
			}, opts...))
	}
	return mux
}

// serve starts h on an HTTP/2 TLS test server (gRPC needs HTTP/2) and
// returns it; its Client trusts it. It stops when t ends.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// protocols are the three protocols a Connect client speaks.
var protocols = []struct {
	name string
	opts []connect.ClientOption
}{
	{"connect", nil},
	{"grpc", []connect.ClientOption{connect.WithGRPC()}},
	{"grpc-web", []connect.ClientOption{connect.WithGRPCWeb()}},
}

// result is what a call got.
type result struct {
	err       *connect.Error // nil when served
	reason    middleware.Reason
	code      string // RFC 6750 error code, from the ErrorInfo detail
	scope     string // missing scopes, from the same detail
	challenge string // WWW-Authenticate of the error's metadata
	// nonce is the DPoP-Nonce of a served call's response header, or of a
	// refusal's metadata; retryAfter the Retry-After of a refusal.
	nonce, retryAfter string
	subjects          []string // one per message received
}

// call calls procedure at srv with the Authorization and DPoP header
// values given, as a unary call or a server stream, over the protocol opts
// select.
func call(t testing.TB, srv *httptest.Server, procedure string, stream bool, auth, proofs []string, opts ...connect.ClientOption) result {
	t.Helper()
	return callWith(t, srv.Client(), srv.URL, procedure, stream, http.Header{"Authorization": auth, "Dpop": proofs}, opts...)
}

// callWith is call with an HTTP client of its own, to the server at base,
// with the request headers h.
func callWith(t testing.TB, hc *http.Client, base, procedure string, stream bool, h http.Header, opts ...connect.ClientOption) result {
	t.Helper()
	client := connect.NewClient[emptypb.Empty, wrapperspb.StringValue](hc, base+procedure, opts...)
	req := connect.NewRequest(&emptypb.Empty{})
	for k, vs := range h {
		for _, v := range vs {
			req.Header().Add(k, v)
		}
	}
	var res result
	var err error
	ctx := context.Background()
	if !stream {
		var out *connect.Response[wrapperspb.StringValue]
		if out, err = client.CallUnary(ctx, req); err == nil {
			res.subjects = append(res.subjects, out.Msg.GetValue())
			res.nonce = out.Header().Get("DPoP-Nonce")
		}
	} else {
		s, serr := client.CallServerStream(ctx, req)
		if serr != nil {
			err = serr
		} else {
			for s.Receive() {
				res.subjects = append(res.subjects, s.Msg().GetValue())
			}
			if err = s.Err(); err == nil {
				res.nonce = s.ResponseHeader().Get("DPoP-Nonce")
			}
			s.Close()
		}
	}
	if err == nil {
		return res
	}
	if !errors.As(err, &res.err) {
		t.Fatalf("%s: %v is not a *connect.Error", procedure, err)
	}
	for _, d := range res.err.Details() {
		v, derr := d.Value()
		if info, ok := v.(*errdetails.ErrorInfo); derr == nil && ok && info.GetDomain() == "jwtguard" {
			res.reason = middleware.Reason(info.GetReason())
			res.code = info.GetMetadata()["error"]
			res.scope = info.GetMetadata()["scope"]
		}
	}
	res.challenge = res.err.Meta().Get("WWW-Authenticate")
	res.nonce = res.err.Meta().Get("DPoP-Nonce")
	res.retryAfter = res.err.Meta().Get("Retry-After")
	return res
}

// codeOf is the Connect code of r, CodeOf(nil) when served.
func (r result) codeOf() connect.Code {
	if r.err == nil {
		return 0
	}
	return r.err.Code()
}
