package adaptertest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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

// dpopAlgs is the algs parameter of the DPoP challenge of every validator
// of the cases: the default, every asymmetric algorithm.
const dpopAlgs = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"

var apis = []adaptertest.API{adaptertest.DefaultAPI, adaptertest.KeysDown, adaptertest.NonceAPI, adaptertest.DPoPOnlyAPI}

// httpAnswer is what an HTTP adapter answered.
type httpAnswer struct {
	rec     *httptest.ResponseRecorder
	problem middleware.Problem
	sub     string
}

func serveHTTP(t *testing.T, h http.Handler, tc adaptertest.Case, tokens adaptertest.Tokens, proofs []string) httpAnswer {
	t.Helper()
	p := adaptertest.HTTPRoutes[tc.Route]
	req := httptest.NewRequest(p[0], p[1], nil)
	for _, a := range tc.Auth(tokens) {
		req.Header.Add("Authorization", a)
	}
	for _, pr := range proofs {
		req.Header.Add("DPoP", pr)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	a := httpAnswer{rec: rec}
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &a.problem); err != nil {
			t.Fatalf("problem body %q: %v", rec.Body, err)
		}
		return a
	}
	var body struct{ Sub string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("handler body %q: %v", rec.Body, err)
	}
	a.sub = body.Sub
	return a
}

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

// netHTTP builds the net/http API of the cases.
func netHTTP(v *middleware.Validator) http.Handler {
	mux := httpguard.NewMux(v, httpOpts...)
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
// when twice.
func ginRoutes(v *middleware.Validator, twice bool) *gin.Engine {
	gin.SetMode(gin.TestMode)
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

// sender sends a case's request with proofs through one adapter and says
// whether it was served, else the reason and the nonce of the refusal.
type sender func(proofs []string) (served bool, reason middleware.Reason, nonce string)

// proofsFor returns the proofs of tc for a request to at, after the
// preliminary request the case asks for (Replay, RetryWithNonce).
func proofsFor(t *testing.T, env *adaptertest.Env, tc adaptertest.Case, at adaptertest.Target, send sender) []string {
	t.Helper()
	switch {
	case tc.Replay:
		p := env.Proofs(t, tc, at, "")
		if served, reason, _ := send(p); !served {
			t.Fatalf("the proof was refused the first time: %s", reason)
		}
		return p
	case tc.RetryWithNonce:
		served, reason, nonce := send(env.Proofs(t, tc, at, ""))
		if served || reason != middleware.ReasonDPoPNonce || nonce == "" {
			t.Fatalf("proof without nonce: served %v, reason %q, nonce %q; want use_dpop_nonce and a nonce", served, reason, nonce)
		}
		return env.Proofs(t, tc, at, nonce)
	}
	return env.Proofs(t, tc, at, "")
}

func sendHTTP(t *testing.T, env *adaptertest.Env, h http.Handler, tc adaptertest.Case) httpAnswer {
	t.Helper()
	proofs := proofsFor(t, env, tc, adaptertest.HTTPTarget(tc.Route), func(p []string) (bool, middleware.Reason, string) {
		a := serveHTTP(t, h, tc, env.Tokens, p)
		return a.rec.Code == 200, a.problem.Reason, a.rec.Header().Get("DPoP-Nonce")
	})
	return serveHTTP(t, h, tc, env.Tokens, proofs)
}

func sendGRPC(t *testing.T, env *adaptertest.Env, conn *grpc.ClientConn, tc adaptertest.Case, stream bool) adaptertest.GRPCResult {
	t.Helper()
	method := adaptertest.Method(tc.Route, stream)
	call := func(p []string) adaptertest.GRPCResult {
		return adaptertest.CallDPoP(context.Background(), conn, method, stream, tc.Auth(env.Tokens), p)
	}
	proofs := proofsFor(t, env, tc, adaptertest.GRPCTarget(tc.Route, stream), func(p []string) (bool, middleware.Reason, string) {
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
	for _, a := range apis {
		v := env.Validator(a)
		httpAPIs[a], ginAPIs[a], grpcAPIs[a] = netHTTP(v), ginAPI(v), grpcAPI(t, v)
	}

	for _, tc := range adaptertest.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			ha := sendHTTP(t, env, httpAPIs[tc.API], tc)
			checkHTTP(t, "net/http", ha, tc)
			ga := sendHTTP(t, env, ginAPIs[tc.API], tc)
			checkHTTP(t, "gin", ga, tc)
			if tc.Status >= 400 {
				for _, k := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control", "Retry-After", "X-Content-Type-Options"} {
					if g, h := ga.rec.Header().Get(k), ha.rec.Header().Get(k); g != h {
						t.Errorf("%s: gin %q, net/http %q", k, g, h)
					}
				}
				if g, h := ga.rec.Body.String(), ha.rec.Body.String(); g != h {
					t.Errorf("bodies differ:\ngin      %s\nnet/http %s", g, h)
				}
			}
			for _, stream := range []bool{false, true} {
				name := "grpc unary"
				if stream {
					name = "grpc stream"
				}
				res := sendGRPC(t, env, grpcAPIs[tc.API], tc, stream)
				checkGRPC(t, name, res, tc, stream, ha.rec.Header().Get("WWW-Authenticate"))
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
	for _, a := range apis {
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
			ref := sendHTTP(t, env, single[tc.API], tc)
			checkHTTP(t, "net/http", ref, tc)
			for i, s := range stacks {
				a := sendHTTP(t, env, handlers[i][tc.API], tc)
				checkHTTP(t, s.name, a, tc)
				if tc.Status < 400 {
					continue
				}
				for _, k := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control", "Retry-After", "X-Content-Type-Options", "DPoP-Nonce"} {
					if g, h := a.rec.Header().Get(k), ref.rec.Header().Get(k); g != h && k != "DPoP-Nonce" {
						t.Errorf("%s: %s %q, net/http %q", s.name, k, g, h)
					} else if k == "DPoP-Nonce" && (g == "") != (h == "") {
						t.Errorf("%s: DPoP-Nonce %q, net/http %q", s.name, g, h)
					}
				}
				if g, h := a.rec.Body.String(), ref.rec.Body.String(); g != h {
					t.Errorf("%s: bodies differ:\n%s\nnet/http %s", s.name, g, h)
				}
			}
			for _, stream := range []bool{false, true} {
				name := map[bool]string{false: "grpc unary, two interceptors", true: "grpc stream, two interceptors"}[stream]
				res := sendGRPC(t, env, grpcAPIs[tc.API], tc, stream)
				checkGRPC(t, name, res, tc, stream, ref.rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func checkHTTP(t *testing.T, name string, a httpAnswer, tc adaptertest.Case) {
	t.Helper()
	if a.rec.Code != tc.Status {
		t.Fatalf("%s: status %d, want %d: %s", name, a.rec.Code, tc.Status, a.rec.Body)
	}
	if n := a.rec.Header().Get("DPoP-Nonce"); (n != "") != tc.Nonce {
		t.Errorf("%s: DPoP-Nonce %q, want one: %v", name, n, tc.Nonce)
	}
	ch := a.rec.Header().Get("WWW-Authenticate")
	if tc.Status < 400 {
		if a.sub != tc.Subject || ch != "" {
			t.Errorf("%s: handler saw sub %q (want %q), challenge %q", name, a.sub, tc.Subject, ch)
		}
		return
	}
	p := a.problem
	if p.Status != tc.Status || p.Error != tc.Code || p.Reason != tc.Reason || p.Scope != tc.Scope || p.Detail == "" ||
		p.ACRValues != tc.ACRValues || p.MaxAge != tc.MaxAge {
		t.Errorf("%s: problem %+v, want status %d error %q reason %q scope %q acr_values %q max_age %d",
			name, p, tc.Status, tc.Code, tc.Reason, tc.Scope, tc.ACRValues, tc.MaxAge)
	}
	if want := wantChallenge(tc, p.Detail); ch != want {
		t.Errorf("%s: challenge\n%q, want\n%q", name, ch, want)
	}
	if ra := a.rec.Header().Get("Retry-After"); (tc.Status == 503) != (ra != "") {
		t.Errorf("%s: Retry-After %q on %d", name, ra, tc.Status)
	}
}

// wantChallenge is the WWW-Authenticate value of a refusal of tc whose
// description is desc: the Bearer challenge (unless DPoP is required) and
// the DPoP one (RFC 9449 section 7.1), the error attributes on the scheme
// tc.ErrorOn names; none for a 503.
func wantChallenge(tc adaptertest.Case, desc string) string {
	if tc.Status == 503 {
		return ""
	}
	bearer, dpop := `Bearer realm="contacts"`, `DPoP realm="contacts", algs="`+dpopAlgs+`"`
	if tc.Code != "" {
		attrs := `, error="` + tc.Code + `", error_description="` + desc + `"`
		if tc.Scope != "" {
			attrs += `, scope="` + tc.Scope + `"`
		}
		if tc.ACRValues != "" {
			attrs += `, acr_values="` + tc.ACRValues + `"`
		}
		if tc.MaxAge != 0 {
			attrs += `, max_age="` + strconv.FormatInt(tc.MaxAge, 10) + `"`
		}
		if tc.ErrorOn == middleware.SchemeDPoP {
			dpop += attrs
		} else {
			bearer += attrs
		}
	}
	if tc.API == adaptertest.DPoPOnlyAPI {
		return dpop
	}
	return bearer + ", " + dpop
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
	if want := wantChallenge(tc, res.Status.Message()); res.Challenge != want {
		t.Errorf("%s: challenge\n%q, want\n%q", name, res.Challenge, want)
	}
	// The challenge is the HTTP one, except that descriptions of where the
	// token was looked for may say "metadata" instead of "header".
	if tc.Reason != middleware.ReasonInvalidRequest && res.Challenge != httpChallenge {
		t.Errorf("%s: challenge %q, net/http sent %q", name, res.Challenge, httpChallenge)
	}
}
