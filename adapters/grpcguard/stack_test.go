package grpcguard_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

const dpopOffer = `DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"`

// chained serves the test service behind guards, the first outermost, in
// one grpc.ChainUnaryInterceptor and one grpc.ChainStreamInterceptor.
func chained(t *testing.T, guards ...*grpcguard.Guard) *grpc.ClientConn {
	t.Helper()
	var unary []grpc.UnaryServerInterceptor
	var stream []grpc.StreamServerInterceptor
	for _, g := range guards {
		unary, stream = append(unary, g.Unary()), append(stream, g.Stream())
	}
	return adaptertest.ServeGRPC(t, nil, grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...))
}

func newGuard(t *testing.T, v *middleware.Validator, m grpcguard.Methods) *grpcguard.Guard {
	t.Helper()
	g, err := grpcguard.New(v, m, grpcguard.WithRealm("contacts"), grpcguard.WithPermissions())
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// wholeService needs a valid token for every method of the test service.
var wholeService = grpcguard.Methods{"/" + adaptertest.ServiceName + "/": scopecheck.Authenticated}

// callAs calls route with tok as Bearer, or as DPoP with a fresh proof.
func callAs(t *testing.T, env *adaptertest.Env, conn *grpc.ClientConn, r adaptertest.Route, stream bool, tok string, dpop bool, nonce string) adaptertest.GRPCResult {
	t.Helper()
	var auth, proofs []string
	switch {
	case dpop:
		at := adaptertest.GRPCTarget(r, stream)
		p, err := env.DPoPKey.Proof(jwtguardtest.Proof{Method: at.Method, URL: at.URL, AccessToken: tok, Nonce: nonce})
		if err != nil {
			t.Fatal(err)
		}
		auth, proofs = []string{"DPoP " + tok}, []string{p}
	case tok != "":
		auth = []string{"Bearer " + tok}
	}
	return adaptertest.CallDPoP(context.Background(), conn, adaptertest.Method(r, stream), stream, auth, proofs)
}

// same reports whether two calls got the same answer.
func same(a, b adaptertest.GRPCResult) bool {
	return a.Status.Code() == b.Status.Code() && a.Status.Message() == b.Status.Message() && a.Reason == b.Reason &&
		a.Code == b.Code && a.Scope == b.Scope && a.Challenge == b.Challenge && a.NonceTrailer == b.NonceTrailer &&
		slices.Equal(a.NonceHeaders, b.NonceHeaders) && slices.Equal(a.Subjects, b.Subjects)
}

// TestChainedGuards: however many interceptors of one validator a call
// goes through, it is authenticated once, a DPoP proof is not refused as
// its own replay, and the answer is the one of a single interceptor.
func TestChainedGuards(t *testing.T) {
	env := adaptertest.NewEnv(t)
	v, n := env.Counted(t, adaptertest.Audience)
	single := chained(t, newGuard(t, v, adaptertest.Methods()))
	stacks := []struct {
		name string
		conn *grpc.ClientConn
	}{
		{"the same table twice", chained(t, newGuard(t, v, adaptertest.Methods()), newGuard(t, v, adaptertest.Methods()))},
		{"whole service, then the table", chained(t, newGuard(t, v, wholeService), newGuard(t, v, adaptertest.Methods()))},
		{"three", chained(t, newGuard(t, v, wholeService), newGuard(t, v, adaptertest.Methods()), newGuard(t, v, wholeService))},
	}
	const scope403 = `error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts"`
	calls := []struct {
		name        string
		route       adaptertest.Route
		tok         string
		dpop        bool
		validations int64
		code        codes.Code
		challenge   string
	}{
		{"Bearer ok", adaptertest.Read, env.Tokens.Reader, false, 1, codes.OK, ""},
		{"DPoP ok, one proof", adaptertest.Read, env.Tokens.Bound, true, 1, codes.OK, ""},
		{"Bearer lacking the scope", adaptertest.Delete, env.Tokens.Reader, false, 1, codes.PermissionDenied,
			`Bearer realm="contacts", ` + scope403 + ", " + dpopOffer},
		{"DPoP lacking the scope", adaptertest.Delete, env.Tokens.Bound, true, 1, codes.PermissionDenied,
			`Bearer realm="contacts", ` + dpopOffer + ", " + scope403},
		{"no token", adaptertest.Read, "", false, 0, codes.Unauthenticated, `Bearer realm="contacts", ` + dpopOffer},
	}
	for _, s := range stacks {
		for _, stream := range []bool{false, true} {
			kind := map[bool]string{false: "unary", true: "stream"}[stream]
			for _, c := range calls {
				t.Run(s.name+"/"+kind+"/"+c.name, func(t *testing.T) {
					ref := callAs(t, env, single, c.route, stream, c.tok, c.dpop, "")
					n.Take()
					got := callAs(t, env, s.conn, c.route, stream, c.tok, c.dpop, "")
					if k := n.Take(); k != c.validations {
						t.Errorf("%d validations, want %d", k, c.validations)
					}
					if got.Status.Code() != c.code || got.Challenge != c.challenge {
						t.Errorf("got %s %q (%s), want %s %q", got.Status.Code(), got.Challenge, got.Status.Message(), c.code, c.challenge)
					}
					if c.code == codes.OK && !slices.Equal(got.Subjects, map[bool][]string{false: {"auth0|alice"}, true: {"auth0|alice", "auth0|alice"}}[stream]) {
						t.Errorf("handler saw %q", got.Subjects)
					}
					if !same(got, ref) {
						t.Errorf("chain %+v\nsingle %+v", got, ref)
					}
				})
			}
		}
	}
}

// TestChainedGuardsNonce: a DPoP call served through chained interceptors
// gets one dpop-nonce header, as through one.
func TestChainedGuardsNonce(t *testing.T) {
	env := adaptertest.NewEnv(t)
	v, _ := env.Counted(t, adaptertest.Audience, middleware.WithDPoPNonce([]byte("grpcguard chain nonce secret, 32+ bytes"), time.Hour))
	conn := chained(t, newGuard(t, v, adaptertest.Methods()), newGuard(t, v, adaptertest.Methods()))
	for _, stream := range []bool{false, true} {
		first := callAs(t, env, conn, adaptertest.Read, stream, env.Tokens.Bound, true, "")
		if first.Status.Code() != codes.Unauthenticated || first.NonceTrailer == "" {
			t.Fatalf("stream %v, proof without nonce: %s %q", stream, first.Status.Code(), first.NonceTrailer)
		}
		got := callAs(t, env, conn, adaptertest.Read, stream, env.Tokens.Bound, true, first.NonceTrailer)
		if got.Status.Code() != codes.OK || !slices.Equal(got.NonceHeaders, []string{first.NonceTrailer}) {
			t.Errorf("stream %v: %s (%s), dpop-nonce header %q, want OK and %q once", stream, got.Status.Code(), got.Status.Message(), got.NonceHeaders, first.NonceTrailer)
		}
	}
}

// TestChainedGuardsTwoValidators: an interceptor of API B behind one of API
// A authenticates the call again and refuses a token for A only; one of A
// further in reuses A's claims.
func TestChainedGuardsTwoValidators(t *testing.T) {
	env := adaptertest.NewEnv(t)
	const other = "https://other.example.com"
	a, na := env.Counted(t, adaptertest.Audience, middleware.WithNamespace("https://a.example.com/"))
	b, nb := env.Counted(t, other)
	// The handler must see A's claims, which resolve A's namespace.
	var color atomic.Value
	see := func(ctx context.Context) {
		c, _ := middleware.ClaimsFromContext(ctx)
		s, _ := middleware.Custom[string](c, "color")
		color.Store(s)
	}
	guards := []*grpcguard.Guard{newGuard(t, a, wholeService), newGuard(t, b, wholeService), newGuard(t, a, adaptertest.Methods())}
	conn := adaptertest.ServeGRPC(t, nil,
		grpc.ChainUnaryInterceptor(guards[0].Unary(), guards[1].Unary(), guards[2].Unary(),
			func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				see(ctx)
				return h(ctx, req)
			}),
		grpc.ChainStreamInterceptor(guards[0].Stream(), guards[1].Stream(), guards[2].Stream(),
			func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
				see(ss.Context())
				return h(srv, ss)
			}))
	both, err := env.Issuer.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Scope: "read:contacts",
		Audience: []string{adaptertest.Audience, other}, DPoPKey: env.DPoPKey,
		Custom: map[string]any{"https://a.example.com/color": "blue"}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		tok       string
		dpop      bool
		code      codes.Code
		challenge string
	}{
		{"token for A only", env.Tokens.Reader, false, codes.Unauthenticated,
			`Bearer realm="contacts", error="invalid_token", error_description="the token is not intended for this API (aud)", ` + dpopOffer},
		{"DPoP token for both: each validator checks the proof once, A's claims reach the handler", both, true, codes.OK, ""},
	}
	for _, stream := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(map[bool]string{false: "unary", true: "stream"}[stream]+"/"+tc.name, func(t *testing.T) {
				na.Take()
				nb.Take()
				color.Store("")
				got := callAs(t, env, conn, adaptertest.Read, stream, tc.tok, tc.dpop, "")
				if want := map[codes.Code]string{codes.OK: "blue"}[tc.code]; color.Load() != want {
					t.Errorf("the handler's claims resolve color to %q, want %q", color.Load(), want)
				}
				if got.Status.Code() != tc.code || got.Challenge != tc.challenge {
					t.Errorf("got %s %q (%s), want %s %q", got.Status.Code(), got.Challenge, got.Status.Message(), tc.code, tc.challenge)
				}
				if x, y := na.Take(), nb.Take(); x != 1 || y != 1 {
					t.Errorf("validations A %d, B %d; want 1 each", x, y)
				}
			})
		}
	}
}
