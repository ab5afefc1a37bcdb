package adaptertest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/adapters/grpcguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

func subject(c *middleware.Claims, ok bool) string {
	if !ok {
		return ""
	}
	return c.Subject
}

// httpOpts are the options of the net/http adapter in every API.
var httpOpts = []httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}

// subjectHandler answers the sub of the claims the request carries.
var subjectHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"sub": subject(middleware.ClaimsFromContext(r.Context()))})
})

// netHTTP builds the net/http API of the cases, with extra options.
func netHTTP(v *middleware.Validator, extra ...httpguard.Option) http.Handler {
	mux := httpguard.NewMux(v, append(slices.Clone(httpOpts), extra...)...)
	for _, r := range adaptertest.Routes {
		p := adaptertest.Patterns[r]
		mux.Handle(p.Method+" "+p.Pattern, adaptertest.HTTPRequirement(r), subjectHandler)
	}
	return mux
}

// netHTTPGates builds the same API as chi users do: a guard for every
// route (public here, since one route is) and a Gate per route on a plain
// http.ServeMux.
func netHTTPGates(v *middleware.Validator) http.Handler {
	mux := http.NewServeMux()
	for _, r := range adaptertest.Routes {
		p := adaptertest.Patterns[r]
		mux.Handle(p.Method+" "+p.Pattern, httpguard.Gate(v, adaptertest.HTTPRequirement(r), httpOpts...)(subjectHandler))
	}
	return httpguard.Require(v, scopecheck.Public, mux, httpOpts...)
}

// ginOpts are the options of the gin adapter in every API.
var ginOpts = []ginguard.Option{ginguard.WithRealm("contacts"), ginguard.WithPermissions(), ginguard.Strict()}

// ginAPI builds the same API on gin.
func ginAPI(v *middleware.Validator) http.Handler { return ginRoutes(v, false) }

// ginRoutes builds the gin API, with a second Protect on the /api group
// when twice, and extra options.
func ginRoutes(v *middleware.Validator, twice bool, extra ...ginguard.Option) *gin.Engine {
	gin.SetMode(gin.TestMode)
	ginOpts := append(slices.Clone(ginOpts), extra...)
	r := gin.New()
	r.Use(ginguard.Protect(v, ginOpts...))
	h := func(c *gin.Context) { c.JSON(200, map[string]string{"sub": subject(ginguard.Claims(c))}) }
	api := r.Group("/api")
	if twice {
		api.Use(ginguard.Protect(v, ginOpts...))
	}
	for _, rt := range adaptertest.Routes {
		p := adaptertest.Patterns[rt]
		api.Handle(p.Method, strings.TrimPrefix(p.Gin, "/api"), ginguard.Require(adaptertest.HTTPRequirement(rt)), h)
	}
	return r
}

// grpcAPI serves the same API over gRPC.
func grpcAPI(t *testing.T, v *middleware.Validator) *grpc.ClientConn { return grpcChain(t, v, 1) }

// grpcChain serves it behind n chained guards with the same table.
func grpcChain(t *testing.T, v *middleware.Validator, n int) *grpc.ClientConn {
	opts := []grpcguard.Option{grpcguard.WithRealm("contacts"), grpcguard.WithPermissions()}
	var unary []grpc.UnaryServerInterceptor
	var stream []grpc.StreamServerInterceptor
	for range n {
		unary = append(unary, grpcguard.Unary(v, adaptertest.Methods(), opts...))
		stream = append(stream, grpcguard.Stream(v, adaptertest.Methods(), opts...))
	}
	return adaptertest.ServeGRPC(t, nil, grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...))
}

func sendGRPC(t *testing.T, env *adaptertest.Env, conn *grpc.ClientConn, tc adaptertest.Case, stream bool) adaptertest.GRPCResult {
	t.Helper()
	method := adaptertest.Method(tc.Route, stream)
	call := func(p []string) adaptertest.GRPCResult {
		return adaptertest.CallDPoP(context.Background(), conn, method, stream, tc.Auth(env.Tokens), p)
	}
	proofs := adaptertest.ProofsFor(t, env, tc, adaptertest.GRPCTarget(tc.Route, stream), func(p []string) (bool, middleware.Reason, string) {
		res := call(p)
		return res.Status.Code() == codes.OK, res.Reason, res.NonceTrailer
	})
	return call(proofs)
}

// TestAdaptersAgree runs adaptertest.Cases through net/http, gin, gRPC
// unary and gRPC stream, and checks each against the table (exact
// challenges) and the HTTP adapters against each other byte for byte.
func TestAdaptersAgree(t *testing.T) {
	env := adaptertest.NewEnv(t)
	httpAPIs, ginAPIs, grpcAPIs := map[adaptertest.API]http.Handler{}, map[adaptertest.API]http.Handler{}, map[adaptertest.API]*grpc.ClientConn{}
	for _, a := range adaptertest.APIs {
		v := env.Validator(a)
		httpAPIs[a], ginAPIs[a], grpcAPIs[a] = netHTTP(v), ginAPI(v), grpcAPI(t, v)
	}

	for _, tc := range adaptertest.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			ha := adaptertest.SendHTTP(t, env, httpAPIs[tc.API], tc)
			adaptertest.CheckHTTP(t, "net/http", ha, tc)
			ga := adaptertest.SendHTTP(t, env, ginAPIs[tc.API], tc)
			adaptertest.CheckHTTP(t, "gin", ga, tc)
			if tc.Status >= 400 {
				for _, k := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control", "Retry-After", "X-Content-Type-Options"} {
					if g, h := ga.Rec.Header().Get(k), ha.Rec.Header().Get(k); g != h {
						t.Errorf("%s: gin %q, net/http %q", k, g, h)
					}
				}
				if g, h := ga.Rec.Body.String(), ha.Rec.Body.String(); g != h {
					t.Errorf("bodies differ:\ngin      %s\nnet/http %s", g, h)
				}
			}
			for _, stream := range []bool{false, true} {
				name := "grpc unary"
				if stream {
					name = "grpc stream"
				}
				res := sendGRPC(t, env, grpcAPIs[tc.API], tc, stream)
				checkGRPC(t, name, res, tc, stream, ha.Rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// TestStackedAdaptersAgree runs adaptertest.Cases through stacks of guards
// of one validator, as applications compose them: each must answer as the
// table says (a DPoP proof is checked once, never refused as its own
// replay), and the HTTP stacks byte for byte as the single net/http Mux.
func TestStackedAdaptersAgree(t *testing.T) {
	env := adaptertest.NewEnv(t)
	stacks := []struct {
		name  string
		build func(*middleware.Validator) http.Handler
	}{
		{"net/http: public Require around the Mux", func(v *middleware.Validator) http.Handler {
			return httpguard.Require(v, scopecheck.Public, netHTTP(v), httpOpts...)
		}},
		{"net/http: public Require, a Gate per route", netHTTPGates},
		{"gin: Protect on the engine and on the group", func(v *middleware.Validator) http.Handler { return ginRoutes(v, true) }},
		{"gin behind a public httpguard.Require", func(v *middleware.Validator) http.Handler {
			return httpguard.Require(v, scopecheck.Public, ginAPI(v), httpOpts...)
		}},
	}
	single := map[adaptertest.API]http.Handler{}
	handlers := make([]map[adaptertest.API]http.Handler, len(stacks))
	grpcAPIs := map[adaptertest.API]*grpc.ClientConn{}
	for _, a := range adaptertest.APIs {
		v := env.Validator(a)
		single[a], grpcAPIs[a] = netHTTP(v), grpcChain(t, v, 2)
		for i, s := range stacks {
			if handlers[i] == nil {
				handlers[i] = map[adaptertest.API]http.Handler{}
			}
			handlers[i][a] = s.build(v)
		}
	}
	for _, tc := range adaptertest.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			ref := adaptertest.SendHTTP(t, env, single[tc.API], tc)
			adaptertest.CheckHTTP(t, "net/http", ref, tc)
			for i, s := range stacks {
				a := adaptertest.SendHTTP(t, env, handlers[i][tc.API], tc)
				adaptertest.CheckHTTP(t, s.name, a, tc)
				if tc.Status < 400 {
					continue
				}
				for _, k := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control", "Retry-After", "X-Content-Type-Options", "DPoP-Nonce"} {
					if g, h := a.Rec.Header().Get(k), ref.Rec.Header().Get(k); g != h && k != "DPoP-Nonce" {
						t.Errorf("%s: %s %q, net/http %q", s.name, k, g, h)
					} else if k == "DPoP-Nonce" && (g == "") != (h == "") {
						t.Errorf("%s: DPoP-Nonce %q, net/http %q", s.name, g, h)
					}
				}
				if g, h := a.Rec.Body.String(), ref.Rec.Body.String(); g != h {
					t.Errorf("%s: bodies differ:\n%s\nnet/http %s", s.name, g, h)
				}
			}
			for _, stream := range []bool{false, true} {
				name := map[bool]string{false: "grpc unary, two interceptors", true: "grpc stream, two interceptors"}[stream]
				res := sendGRPC(t, env, grpcAPIs[tc.API], tc, stream)
				checkGRPC(t, name, res, tc, stream, ref.Rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func checkGRPC(t *testing.T, name string, res adaptertest.GRPCResult, tc adaptertest.Case, stream bool, httpChallenge string) {
	t.Helper()
	if res.Status.Code() != tc.GRPC {
		t.Fatalf("%s: code %s (%q), want %s", name, res.Status.Code(), res.Status.Message(), tc.GRPC)
	}
	if tc.GRPC == codes.OK {
		if (res.NonceHeader != "") != tc.Nonce || res.NonceTrailer != "" {
			t.Errorf("%s: dpop-nonce header %q trailer %q, want a header: %v", name, res.NonceHeader, res.NonceTrailer, tc.Nonce)
		}
		want := 1
		if stream {
			want = 2
		}
		if len(res.Subjects) != want {
			t.Fatalf("%s: %d messages, want %d", name, len(res.Subjects), want)
		}
		for _, s := range res.Subjects {
			if s != tc.Subject {
				t.Errorf("%s: handler saw sub %q, want %q", name, s, tc.Subject)
			}
		}
		return
	}
	if (res.NonceTrailer != "") != tc.Nonce || res.NonceHeader != "" {
		t.Errorf("%s: dpop-nonce header %q trailer %q, want a trailer: %v", name, res.NonceHeader, res.NonceTrailer, tc.Nonce)
	}
	if len(res.Subjects) != 0 {
		t.Errorf("%s: refused call delivered %d messages", name, len(res.Subjects))
	}
	maxAge := ""
	if tc.MaxAge != 0 {
		maxAge = strconv.FormatInt(tc.MaxAge, 10)
	}
	if res.Reason != tc.Reason || res.Code != tc.Code || res.Scope != tc.Scope || res.Status.Message() == "" ||
		res.ACRValues != tc.ACRValues || res.MaxAge != maxAge {
		t.Errorf("%s: reason %q code %q scope %q acr_values %q max_age %q message %q; want %q %q %q %q %q", name,
			res.Reason, res.Code, res.Scope, res.ACRValues, res.MaxAge, res.Status.Message(), tc.Reason, tc.Code, tc.Scope, tc.ACRValues, maxAge)
	}
	if tc.Scope != "" && !strings.Contains(res.Status.Message(), tc.Scope) {
		t.Errorf("%s: message %q does not name the missing scopes %q", name, res.Status.Message(), tc.Scope)
	}
	if want := adaptertest.WantChallenge(tc, res.Status.Message()); res.Challenge != want {
		t.Errorf("%s: challenge\n%q, want\n%q", name, res.Challenge, want)
	}
	// The challenge is the HTTP one, except that descriptions of where the
	// token was looked for may say "metadata" instead of "header".
	if tc.Reason != middleware.ReasonInvalidRequest && res.Challenge != httpChallenge {
		t.Errorf("%s: challenge %q, net/http sent %q", name, res.Challenge, httpChallenge)
	}
}

// TestAdaptersAgreeMTLS runs adaptertest.MTLSCases over real TLS
// connections through net/http (a Mux, and a public guard with a Gate per
// route), gin (one and two Protects) and gRPC unary and stream (one and two
// interceptors), each deployed as the case says: the default, or
// WithClientCertificates(env.Extractor(d)).
func TestAdaptersAgreeMTLS(t *testing.T) {
	env := adaptertest.NewEnv(t)
	type deployed struct {
		https map[string]*httptest.Server
		addr  map[int]string
		conns map[int]map[adaptertest.Cert]*grpc.ClientConn
	}
	apis := map[adaptertest.Deployment]deployed{}
	for _, d := range adaptertest.Deployments {
		var hopts []httpguard.Option
		var gopts []ginguard.Option
		var ropts []grpcguard.Option
		if ext := env.Extractor(t, d); ext != nil {
			hopts = []httpguard.Option{httpguard.WithClientCertificates(ext)}
			gopts = []ginguard.Option{ginguard.WithClientCertificates(ext)}
			ropts = []grpcguard.Option{grpcguard.WithClientCertificates(ext)}
		}
		v := env.V
		gates := func() http.Handler {
			mux := http.NewServeMux()
			o := append(slices.Clone(httpOpts), hopts...)
			gate := func(r scopecheck.Requirement) http.Handler { return httpguard.Gate(v, r, o...)(subjectHandler) }
			mux.Handle("GET /api/contacts", gate(scopecheck.All("read:contacts")))
			mux.Handle("DELETE /api/contacts/{id}", gate(scopecheck.All("delete:contacts")))
			mux.Handle("GET /api/public", gate(scopecheck.Public))
			return httpguard.Require(v, scopecheck.Public, mux, o...)
		}()
		dep := deployed{https: map[string]*httptest.Server{
			"net/http":                      env.ServeHTTPS(t, netHTTP(v, hopts...), d),
			"net/http: public guard, Gates": env.ServeHTTPS(t, gates, d),
			"gin":                           env.ServeHTTPS(t, ginRoutes(v, false, gopts...), d),
			"gin: two Protects":             env.ServeHTTPS(t, ginRoutes(v, true, gopts...), d),
		}, addr: map[int]string{}, conns: map[int]map[adaptertest.Cert]*grpc.ClientConn{}}
		for _, n := range []int{1, 2} {
			o := append([]grpcguard.Option{grpcguard.WithRealm("contacts"), grpcguard.WithPermissions()}, ropts...)
			var unary []grpc.UnaryServerInterceptor
			var stream []grpc.StreamServerInterceptor
			for range n {
				unary = append(unary, grpcguard.Unary(v, adaptertest.Methods(), o...))
				stream = append(stream, grpcguard.Stream(v, adaptertest.Methods(), o...))
			}
			addr := env.ServeGRPCMTLS(t, d, grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...))
			dep.addr[n], dep.conns[n] = addr, map[adaptertest.Cert]*grpc.ClientConn{}
			for _, c := range adaptertest.Certs {
				dep.conns[n][c] = env.DialMTLS(t, addr, c)
			}
		}
		apis[d] = dep
	}
	for _, tc := range adaptertest.MTLSCases {
		t.Run(tc.Name, func(t *testing.T) {
			dep := apis[tc.Deploy]
			ref := adaptertest.SendHTTPS(t, env, dep.https["net/http"], tc)
			adaptertest.CheckHTTP(t, "net/http", ref, tc.Case)
			for name, srv := range dep.https {
				a := adaptertest.SendHTTPS(t, env, srv, tc)
				adaptertest.CheckHTTP(t, name, a, tc.Case)
				if g, h := a.Rec.Body.String(), ref.Rec.Body.String(); tc.Status >= 400 && g != h {
					t.Errorf("%s: body %s, net/http %s", name, g, h)
				}
			}
			for _, n := range []int{1, 2} {
				for _, stream := range []bool{false, true} {
					name := fmt.Sprintf("grpc (%d interceptors) stream %v", n, stream)
					res := adaptertest.CallMTLS(t, env, dep.addr[n], dep.conns[n], tc, stream)
					checkGRPC(t, name, res, tc.Case, stream, ref.Rec.Header().Get("WWW-Authenticate"))
				}
			}
		})
	}
}
