package grpcguard_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// callDPoP calls route with Tokens.Bound and a proof for method and url
// ("" for GRPCTarget's), unary and stream.
func callDPoP(t *testing.T, env *adaptertest.Env, conn *grpc.ClientConn, stream bool, method, url, nonce string) adaptertest.GRPCResult {
	t.Helper()
	at := adaptertest.GRPCTarget(adaptertest.Read, stream)
	if method == "" {
		method = at.Method
	}
	if url == "" {
		url = at.URL
	}
	proof, err := env.DPoPKey.Proof(jwtguardtest.Proof{Method: method, URL: url, AccessToken: env.Tokens.Bound, Nonce: nonce})
	if err != nil {
		t.Fatal(err)
	}
	return adaptertest.CallDPoP(context.Background(), conn, adaptertest.Method(adaptertest.Read, stream), stream,
		[]string{"DPoP " + env.Tokens.Bound}, []string{proof})
}

// TestDPoPTarget: a proof must name POST and scheme://authority/fullMethod,
// or the configured external base followed by the full method name.
func TestDPoPTarget(t *testing.T) {
	env := adaptertest.NewEnv(t)
	plain := serve(t, env.V, adaptertest.Methods(), nil)
	external := serve(t, env.V, adaptertest.Methods(), nil, grpcguard.WithExternalURL("https://api.example.com/"))
	tlsGuard, err := grpcguard.New(env.V, adaptertest.Methods())
	if err != nil {
		t.Fatal(err)
	}
	overTLS := adaptertest.ServeGRPCTLS(t, nil,
		grpc.ChainUnaryInterceptor(tlsGuard.Unary()), grpc.ChainStreamInterceptor(tlsGuard.Stream()))

	cases := []struct {
		name   string
		conn   *grpc.ClientConn
		method string
		base   string // the proof's htu is base + full method name; "" for GRPCTarget
		ok     bool
	}{
		{"plain, http://bufnet", plain, "", "", true},
		{"plain, authority in upper case", plain, "", "http://BUFNET", true},
		{"plain, https", plain, "", "https://bufnet", false},
		{"plain, other authority", plain, "", "http://api.example.com", false},
		{"plain, GET", plain, "GET", "", false},
		{"external, its base", external, "", "https://api.example.com", true},
		{"external, the call's own authority", external, "", "http://bufnet", false},
		{"TLS, https://bufnet", overTLS, "", "https://bufnet", true},
		{"TLS, http://bufnet", overTLS, "", "http://bufnet", false},
	}
	for _, tc := range cases {
		for _, stream := range []bool{false, true} {
			url := ""
			if tc.base != "" {
				url = tc.base + adaptertest.Method(adaptertest.Read, stream)
			}
			res := callDPoP(t, env, tc.conn, stream, tc.method, url, "")
			switch {
			case tc.ok && (res.Status.Code() != codes.OK || len(res.Subjects) == 0 || res.Subjects[0] != "auth0|alice"):
				t.Errorf("%s, stream %v: %v %q, want served", tc.name, stream, res.Status.Code(), res.Status.Message())
			case !tc.ok && (res.Status.Code() != codes.Unauthenticated || res.Reason != middleware.ReasonDPoPProof ||
				res.Code != "invalid_dpop_proof" || !strings.HasPrefix(res.Challenge, "Bearer, DPoP algs=")):
				t.Errorf("%s, stream %v: %v %q reason %q challenge %q, want invalid_dpop_proof", tc.name, stream,
					res.Status.Code(), res.Status.Message(), res.Reason, res.Challenge)
			}
		}
	}
}

// TestDPoPNonceMetadata: a use_dpop_nonce refusal carries the nonce in the
// dpop-nonce trailer even without a challenge; a call served with it gets a
// fresh one in the dpop-nonce header.
func TestDPoPNonceMetadata(t *testing.T) {
	env := adaptertest.NewEnv(t)
	conn := serve(t, env.Nonce, adaptertest.Methods(), nil, grpcguard.WithoutChallenge())
	for _, stream := range []bool{false, true} {
		first := callDPoP(t, env, conn, stream, "", "", "")
		if first.Status.Code() != codes.Unauthenticated || first.Reason != middleware.ReasonDPoPNonce || first.Code != "use_dpop_nonce" ||
			first.NonceTrailer == "" || first.NonceHeader != "" || first.Challenge != "" {
			t.Fatalf("stream %v, no nonce: %v reason %q, nonce header %q trailer %q, challenge %q", stream,
				first.Status.Code(), first.Reason, first.NonceHeader, first.NonceTrailer, first.Challenge)
		}
		wrong := callDPoP(t, env, conn, stream, "", "", "bm90LWEtbm9uY2U")
		if wrong.Reason != middleware.ReasonDPoPNonce || wrong.NonceTrailer == "" {
			t.Errorf("stream %v, forged nonce: %v reason %q", stream, wrong.Status.Code(), wrong.Reason)
		}
		next := callDPoP(t, env, conn, stream, "", "", first.NonceTrailer)
		if next.Status.Code() != codes.OK || next.NonceHeader == "" || next.NonceTrailer != "" {
			t.Errorf("stream %v, with nonce: %v %q, nonce header %q trailer %q", stream,
				next.Status.Code(), next.Status.Message(), next.NonceHeader, next.NonceTrailer)
		}
		if again := callDPoP(t, env, conn, stream, "", "", next.NonceHeader); again.Status.Code() != codes.OK {
			t.Errorf("stream %v, with the nonce of the header: %v %q", stream, again.Status.Code(), again.Status.Message())
		}
	}
	// Bearer calls and APIs without nonces get no nonce.
	res := call(conn, adaptertest.Method(adaptertest.Read, false), false, "Bearer "+env.Tokens.Reader)
	if res.Status.Code() != codes.OK || res.NonceHeader != "" {
		t.Errorf("Bearer: %v, nonce header %q", res.Status.Code(), res.NonceHeader)
	}
	plain := serve(t, env.V, adaptertest.Methods(), nil)
	if res := callDPoP(t, env, plain, false, "", "", ""); res.Status.Code() != codes.OK || res.NonceHeader != "" {
		t.Errorf("no nonces: %v, nonce header %q", res.Status.Code(), res.NonceHeader)
	}
}

// TestDPoPDisabled: with DPoPDisabled the DPoP scheme is no token at all,
// and the challenge names Bearer only.
func TestDPoPDisabled(t *testing.T) {
	env := adaptertest.NewEnv(t)
	src, err := jwks.NewRemote(env.Issuer.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	v, err := middleware.New(env.Issuer.URL(), adaptertest.Audience, middleware.WithKeys(src), middleware.WithDPoP(middleware.DPoPDisabled))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	conn := serve(t, v, adaptertest.Methods(), nil, grpcguard.WithRealm("contacts"))
	for _, stream := range []bool{false, true} {
		res := callDPoP(t, env, conn, stream, "", "", "")
		if res.Status.Code() != codes.Unauthenticated || res.Reason != middleware.ReasonMissingToken || res.Challenge != `Bearer realm="contacts"` {
			t.Errorf("stream %v: %v reason %q challenge %q", stream, res.Status.Code(), res.Reason, res.Challenge)
		}
	}
}

func TestExternalURLIsChecked(t *testing.T) {
	env := adaptertest.NewEnv(t)
	for _, base := range []string{"api.example.com", "ftp://api.example.com", "https://", "https://api.example.com/?x=1", "https://api.example.com/#f", "https://u@api.example.com"} {
		_, err := grpcguard.New(env.V, adaptertest.Methods(), grpcguard.WithExternalURL(base))
		if err == nil || !strings.HasPrefix(err.Error(), "grpcguard: dpop: external URL") {
			t.Errorf("New with %q: %v", base, err)
		}
		func() {
			defer func() {
				if e, ok := recover().(error); !ok || !strings.HasPrefix(e.Error(), "grpcguard: dpop: external URL") {
					t.Errorf("Stream with %q: panic %v", base, e)
				}
			}()
			grpcguard.Stream(env.V, adaptertest.Methods(), grpcguard.WithExternalURL(base))
		}()
	}
}
