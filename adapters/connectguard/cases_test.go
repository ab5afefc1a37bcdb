package connectguard_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/jwtguard/jwtguard/adapters/connectguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// The shared adapter cases (internal/adaptertest) through Connect: the
// table lives in the core module, which cannot import Connect, so this
// module runs it with the exported runners. Connect's codes are gRPC's, so
// each case's GRPC code is the expected Connect code; reason, RFC 6750
// error code, scopes and the challenge are compared exactly.

// opts are the options of every Guard of the cases.
var opts = []connectguard.Option{connectguard.WithRealm("contacts"), connectguard.WithPermissions()}

// layouts are the ways a Connect server puts guards of one validator in
// front of its handlers.
var layouts = []struct {
	name  string
	build func(v *middleware.Validator) http.Handler
}{
	{"Guard", func(v *middleware.Validator) http.Handler {
		return connectguard.Protect(v, table(), serviceMux(), opts...)
	}},
	{"two Guards", func(v *middleware.Validator) http.Handler {
		return connectguard.Protect(v, table(), connectguard.Protect(v, table(), serviceMux(), opts...), opts...)
	}},
	{"Guard behind a public httpguard.Require", func(v *middleware.Validator) http.Handler {
		return httpguard.Require(v, scopecheck.Public, connectguard.Protect(v, table(), serviceMux(), opts...),
			httpguard.WithRealm("contacts"), httpguard.WithPermissions())
	}},
}

// TestSharedCases runs every case of adaptertest.Cases through each
// layout, over the Connect, gRPC and gRPC-Web protocols, as a unary call
// and as a server stream.
func TestSharedCases(t *testing.T) {
	env := adaptertest.NewEnv(t)
	servers := make([]map[adaptertest.API]*httptest.Server, len(layouts))
	for i, l := range layouts {
		servers[i] = map[adaptertest.API]*httptest.Server{}
		for _, a := range adaptertest.APIs {
			servers[i][a] = serve(t, l.build(env.Validator(a)))
		}
	}
	for _, tc := range adaptertest.Cases {
		if tc.Route == adaptertest.OrgRead {
			continue // a requirement on the request message: refused by New
		}
		t.Run(tc.Name, func(t *testing.T) {
			for i, l := range layouts {
				srv := servers[i][tc.API]
				for _, p := range protocols {
					for _, stream := range []bool{false, true} {
						name := l.name + ", " + p.name + map[bool]string{false: " unary", true: " stream"}[stream]
						res := send(t, env, srv, tc, stream, p.opts...)
						check(t, name, res, tc, stream)
					}
				}
			}
		})
	}
}

// send sends tc to srv with the proofs the case asks for, after the
// preliminary call it needs.
func send(t *testing.T, env *adaptertest.Env, srv *httptest.Server, tc adaptertest.Case, stream bool, opts ...connect.ClientOption) result {
	t.Helper()
	procedure := adaptertest.Method(tc.Route, stream)
	at := adaptertest.Target{Method: http.MethodPost, URL: srv.URL + procedure}
	do := func(proofs []string) result {
		return call(t, srv, procedure, stream, tc.Auth(env.Tokens), proofs, opts...)
	}
	proofs := adaptertest.ProofsFor(t, env, tc, at, func(p []string) (bool, middleware.Reason, string) {
		res := do(p)
		return res.err == nil, res.reason, res.nonce
	})
	return do(proofs)
}

// check checks res against tc: the Connect code is the case's gRPC code;
// a served call delivered the handler's messages with the subject it saw
// (and a nonce when the case has one); a refused call delivered none and
// carries the reason, RFC 6750 code and scopes in its ErrorInfo, the exact
// challenge net/http sends, the nonce and Retry-After.
func check(t *testing.T, name string, res result, tc adaptertest.Case, stream bool) {
	t.Helper()
	if got, want := res.codeOf(), connect.Code(tc.GRPC); got != want {
		t.Fatalf("%s: code %v (%v), want %v", name, got, res.err, want)
	}
	if (res.nonce != "") != tc.Nonce {
		t.Errorf("%s: DPoP-Nonce %q, want one: %v", name, res.nonce, tc.Nonce)
	}
	if res.err == nil {
		want := 1
		if stream {
			want = 2
		}
		if len(res.subjects) != want {
			t.Fatalf("%s: %d messages, want %d", name, len(res.subjects), want)
		}
		for _, s := range res.subjects {
			if s != tc.Subject {
				t.Errorf("%s: handler saw sub %q, want %q", name, s, tc.Subject)
			}
		}
		return
	}
	if len(res.subjects) != 0 {
		t.Errorf("%s: refused call delivered %d messages", name, len(res.subjects))
	}
	msg := res.err.Message()
	if res.reason != tc.Reason || res.code != tc.Code || res.scope != tc.Scope || msg == "" {
		t.Errorf("%s: reason %q code %q scope %q message %q; want %q %q %q", name, res.reason, res.code, res.scope, msg, tc.Reason, tc.Code, tc.Scope)
	}
	if tc.Scope != "" && !strings.Contains(msg, tc.Scope) {
		t.Errorf("%s: message %q does not name the missing scopes %q", name, msg, tc.Scope)
	}
	if want := adaptertest.WantChallenge(tc, msg); res.challenge != want {
		t.Errorf("%s: challenge\n%q, want\n%q", name, res.challenge, want)
	}
	if (res.retryAfter != "") != (tc.Status == 503) {
		t.Errorf("%s: Retry-After %q on %v", name, res.retryAfter, res.err.Code())
	}
}

// TestRequestRequirementsRefused: a requirement that compares a claim with
// a path parameter or a message field cannot be checked in front of the
// handler, so the table refuses it at construction rather than skipping
// it (which would open the procedure) or failing every call.
func TestRequestRequirementsRefused(t *testing.T) {
	env := adaptertest.NewEnv(t)
	for _, stream := range []bool{false, true} {
		p := adaptertest.Method(adaptertest.OrgRead, stream)
		_, err := connectguard.New(env.Validator(adaptertest.DefaultAPI),
			connectguard.Procedures{p: adaptertest.GRPCRequirement(adaptertest.OrgRead)})
		if err == nil || !strings.Contains(err.Error(), "connectguard: procedure "+p) {
			t.Errorf("%s: err %v", p, err)
		}
	}
}

// TestMTLSCases runs adaptertest.MTLSCases over real TLS connections
// (HTTP/2) through each layout, over the three protocols, unary and
// stream, deployed as each case says (WithClientCertificates with
// env.Extractor(d), or no option).
func TestMTLSCases(t *testing.T) {
	env := adaptertest.NewEnv(t)
	servers := map[adaptertest.Deployment][]*httptest.Server{}
	for _, d := range adaptertest.Deployments {
		o, h := slices.Clone(opts), []httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}
		if ext := env.Extractor(t, d); ext != nil {
			o = append(o, connectguard.WithClientCertificates(ext))
			h = append(h, httpguard.WithClientCertificates(ext))
		}
		v := env.V
		for _, build := range []func() http.Handler{
			func() http.Handler { return connectguard.Protect(v, table(), serviceMux(), o...) },
			func() http.Handler {
				return connectguard.Protect(v, table(), connectguard.Protect(v, table(), serviceMux(), o...), o...)
			},
			func() http.Handler {
				return httpguard.Require(v, scopecheck.Public, connectguard.Protect(v, table(), serviceMux(), o...), h...)
			},
		} {
			servers[d] = append(servers[d], env.ServeHTTPS(t, build(), d))
		}
	}
	clients := map[adaptertest.Cert]*http.Client{}
	for _, c := range adaptertest.Certs {
		clients[c] = env.HTTPSClient(t, c)
	}
	for _, tc := range adaptertest.MTLSCases {
		t.Run(tc.Name, func(t *testing.T) {
			for i, srv := range servers[tc.Deploy] {
				for _, p := range protocols {
					for _, stream := range []bool{false, true} {
						name := layouts[i].name + ", " + p.name + map[bool]string{false: " unary", true: " stream"}[stream]
						procedure := adaptertest.Method(tc.Route, stream)
						at := adaptertest.Target{Method: http.MethodPost, URL: srv.URL + procedure}
						do := func(proofs []string) result {
							h := http.Header{"Authorization": tc.Auth(env.Tokens), "Dpop": proofs}
							if tc.Header != nil {
								h[adaptertest.ProxyHeader] = tc.Header(env)
							}
							return callWith(t, clients[tc.Cert], srv.URL, procedure, stream, h, p.opts...)
						}
						proofs := adaptertest.ProofsFor(t, env, tc.Case, at, func(p []string) (bool, middleware.Reason, string) {
							res := do(p)
							return res.err == nil, res.reason, res.nonce
						})
						check(t, name, do(proofs), tc.Case, stream)
					}
				}
			}
		})
	}
}

// A nil extractor is refused by New.
func TestClientCertificatesNil(t *testing.T) {
	env := adaptertest.NewEnv(t)
	_, err := connectguard.New(env.V, table(), connectguard.WithClientCertificates(nil))
	if err == nil || err.Error() != "connectguard: WithClientCertificates given a nil extractor" {
		t.Fatalf("New: %v", err)
	}
}
