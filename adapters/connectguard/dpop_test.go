package connectguard_test

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtguard/jwtguard/adapters/connectguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// proof is a DPoP proof of Tokens.Bound for htm and htu, with nonce.
func proof(t *testing.T, env *adaptertest.Env, htm, htu, nonce string) []string {
	t.Helper()
	p, err := env.DPoPKey.Proof(jwtguardtest.Proof{Method: htm, URL: htu, AccessToken: env.Tokens.Bound, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	return []string{p}
}

func dpopAuth(env *adaptertest.Env) []string { return []string{"DPoP " + env.Tokens.Bound} }

// TestDPoPProcedureURL: the htu of a call is the HTTP URL of its procedure
// (https here: the server is TLS), its htm POST, over every protocol; the
// same proof twice is a replay; with server nonces, use_dpop_nonce carries
// the nonce and a served call the next one.
func TestDPoPProcedureURL(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), opts...))
	nonces := serve(t, connectguard.Protect(env.Nonce, table(), serviceMux(), opts...))
	for _, p := range protocols {
		for _, stream := range []bool{false, true} {
			procedure := adaptertest.Method(adaptertest.Read, stream)
			name := p.name + map[bool]string{false: " unary", true: " stream"}[stream]
			htu := srv.URL + procedure
			pr := proof(t, env, "POST", htu, "")
			if res := call(t, srv, procedure, stream, dpopAuth(env), pr, p.opts...); res.err != nil || res.subjects[0] != "auth0|alice" {
				t.Fatalf("%s: %v", name, res.err)
			}
			if res := call(t, srv, procedure, stream, dpopAuth(env), pr, p.opts...); res.reason != middleware.ReasonDPoPReplay {
				t.Errorf("%s, replayed proof: %v", name, res.err)
			}
			for _, bad := range [][2]string{
				{"POST", strings.Replace(htu, "https://", "http://", 1)},
				{"GET", htu},
				{"POST", srv.URL + adaptertest.Method(adaptertest.Public, stream)},
			} {
				res := call(t, srv, procedure, stream, dpopAuth(env), proof(t, env, bad[0], bad[1], ""), p.opts...)
				if res.codeOf() != connect.CodeUnauthenticated || res.reason != middleware.ReasonDPoPProof ||
					!strings.HasSuffix(res.challenge, `error="invalid_dpop_proof", error_description="`+res.err.Message()+`"`) {
					t.Errorf("%s, proof for %s %s: %v, challenge %q", name, bad[0], bad[1], res.err, res.challenge)
				}
			}

			htu = nonces.URL + procedure
			first := call(t, nonces, procedure, stream, dpopAuth(env), proof(t, env, "POST", htu, ""), p.opts...)
			if first.reason != middleware.ReasonDPoPNonce || first.nonce == "" {
				t.Fatalf("%s, no nonce: %v, nonce %q", name, first.err, first.nonce)
			}
			next := call(t, nonces, procedure, stream, dpopAuth(env), proof(t, env, "POST", htu, first.nonce), p.opts...)
			if next.err != nil || next.nonce == "" {
				t.Fatalf("%s, with the nonce: %v, next nonce %q", name, next.err, next.nonce)
			}
		}
	}
}

// TestDPoPConnectGET: a Connect GET call (an idempotent procedure) is
// proved with htm GET and the procedure's URL without its query.
func TestDPoPConnectGET(t *testing.T) {
	env := adaptertest.NewEnv(t)
	procedure := adaptertest.Method(adaptertest.Read, false)
	mux := http.NewServeMux()
	mux.Handle(procedure, connect.NewUnaryHandler(procedure,
		func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[wrapperspb.StringValue], error) {
			return connect.NewResponse(subjectOf(ctx)), nil
		}, connect.WithIdempotency(connect.IdempotencyNoSideEffects)))
	srv := serve(t, connectguard.Protect(env.V, table(), mux))
	get := []connect.ClientOption{connect.WithHTTPGet(), connect.WithIdempotency(connect.IdempotencyNoSideEffects)}
	if res := call(t, srv, procedure, false, dpopAuth(env), proof(t, env, "GET", srv.URL+procedure, ""), get...); res.err != nil || res.subjects[0] != "auth0|alice" {
		t.Fatalf("GET: %v", res.err)
	}
	if res := call(t, srv, procedure, false, dpopAuth(env), proof(t, env, "POST", srv.URL+procedure, ""), get...); res.reason != middleware.ReasonDPoPProof {
		t.Errorf("GET with a POST proof: %v", res.err)
	}
}

// TestDPoPExternalURL: behind a proxy, the htu base is the configured one.
func TestDPoPExternalURL(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), connectguard.WithExternalURL("https://api.example.com/")))
	procedure := adaptertest.Method(adaptertest.Read, false)
	if res := call(t, srv, procedure, false, dpopAuth(env), proof(t, env, "POST", "https://api.example.com"+procedure, "")); res.err != nil {
		t.Fatalf("external URL: %v", res.err)
	}
	if res := call(t, srv, procedure, false, dpopAuth(env), proof(t, env, "POST", srv.URL+procedure, "")); res.reason != middleware.ReasonDPoPProof {
		t.Errorf("the server's own URL: %v", res.err)
	}
}

// TestGRPCGoClient: a grpc-go client (not Connect's) calls through the
// Guard: a refusal has its code and ErrorInfo in the status, the challenge
// in the response header metadata; a DPoP call proves
// https://<authority>/<procedure>.
func TestGRPCGoClient(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), opts...))
	conn := grpcConn(t, srv)
	procedure := adaptertest.Method(adaptertest.Read, false)

	var header metadata.MD
	err := conn.Invoke(context.Background(), procedure, &emptypb.Empty{}, new(wrapperspb.StringValue), grpc.Header(&header))
	st := status.Convert(err)
	var reason string
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == "jwtguard" {
			reason = info.GetReason()
		}
	}
	if st.Code() != codes.Unauthenticated || reason != string(middleware.ReasonMissingToken) ||
		strings.Join(header.Get("www-authenticate"), "|") != realm {
		t.Errorf("no token: %v, reason %q, header %v", st, reason, header)
	}

	authority := strings.TrimPrefix(srv.URL, "https://")
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "DPoP "+env.Tokens.Bound,
		"dpop", proof(t, env, "POST", "https://"+authority+procedure, "")[0])
	out := new(wrapperspb.StringValue)
	if err := conn.Invoke(ctx, procedure, &emptypb.Empty{}, out); err != nil || out.GetValue() != "auth0|alice" {
		t.Fatalf("DPoP: %v %q", err, out.GetValue())
	}
}

// grpcConn is a grpc-go connection to srv, trusting its certificate.
func grpcConn(t *testing.T, srv *httptest.Server) *grpc.ClientConn {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	conn, err := grpc.NewClient(strings.TrimPrefix(srv.URL, "https://"),
		grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, "")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
