package connectguard_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/jwtguard/jwtguard/adapters/connectguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

const realm = `Bearer realm="contacts", DPoP realm="contacts", algs="` + adaptertest.DPoPAlgs + `"`

// TestProtocols: over each protocol, unary and streaming procedures are
// served with the claims in the handler's ctx, and refused with the right
// code, ErrorInfo, challenge and no message.
func TestProtocols(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), opts...))
	tk := env.Tokens
	for _, p := range protocols {
		for _, stream := range []bool{false, true} {
			name := p.name + map[bool]string{false: " unary", true: " stream"}[stream]
			t.Run(name, func(t *testing.T) {
				read, remove := adaptertest.Method(adaptertest.Read, stream), adaptertest.Method(adaptertest.Delete, stream)
				if res := call(t, srv, read, stream, []string{bearer(tk.Reader)}, nil, p.opts...); res.err != nil || len(res.subjects) == 0 || res.subjects[0] != "auth0|alice" {
					t.Errorf("reader: %v %v", res.err, res.subjects)
				}
				for _, c := range []struct {
					procedure string
					auth      []string
					code      connect.Code
					reason    middleware.Reason
					challenge string
				}{
					{read, nil, connect.CodeUnauthenticated, middleware.ReasonMissingToken, realm},
					{read, []string{bearer(tk.Expired)}, connect.CodeUnauthenticated, middleware.ReasonExpired,
						`Bearer realm="contacts", error="invalid_token", error_description="the token has expired", DPoP realm="contacts", algs="` + adaptertest.DPoPAlgs + `"`},
					{remove, []string{bearer(tk.Reader)}, connect.CodePermissionDenied, middleware.ReasonInsufficientScope,
						`Bearer realm="contacts", error="insufficient_scope", error_description="the access token lacks the scope this resource requires: delete:contacts", scope="delete:contacts", DPoP realm="contacts", algs="` + adaptertest.DPoPAlgs + `"`},
					{read, []string{bearer(tk.Reader), bearer(tk.Reader)}, connect.CodeInvalidArgument, middleware.ReasonInvalidRequest,
						`Bearer realm="contacts", error="invalid_request", error_description="the request has more than one Authorization header", DPoP realm="contacts", algs="` + adaptertest.DPoPAlgs + `"`},
				} {
					res := call(t, srv, c.procedure, stream, c.auth, nil, p.opts...)
					if res.codeOf() != c.code || res.reason != c.reason || res.challenge != c.challenge || len(res.subjects) != 0 {
						t.Errorf("%s %d tokens: %v reason %q challenge %q, %d messages", c.procedure, len(c.auth), res.err, res.reason, res.challenge, len(res.subjects))
					}
				}
			})
		}
	}
}

func bearer(tok string) string { return "Bearer " + tok }

// TestKeysUnavailable: the issuer's keys cannot be loaded: unavailable
// with Retry-After, never unauthenticated, and no challenge.
func TestKeysUnavailable(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.Down, table(), serviceMux(), connectguard.WithRetryAfter(1500*time.Millisecond)))
	for _, p := range protocols {
		res := call(t, srv, adaptertest.Method(adaptertest.Read, false), false, []string{bearer(env.Tokens.Reader)}, nil, p.opts...)
		if res.codeOf() != connect.CodeUnavailable || res.reason != middleware.ReasonKeysUnavailable || res.retryAfter != "2" || res.challenge != "" {
			t.Errorf("%s: %v reason %q Retry-After %q challenge %q", p.name, res.err, res.reason, res.retryAfter, res.challenge)
		}
	}
}

// TestConnectUnaryIsPlainHTTP: a Connect unary refusal is an ordinary HTTP
// answer: 401/403/400/503 with the challenge in WWW-Authenticate and the
// Connect error as JSON.
func TestConnectUnaryIsPlainHTTP(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), opts...))
	post := func(path string, auth ...string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		for _, a := range auth {
			req.Header.Add("Authorization", a)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}
	resp, body := post(adaptertest.Method(adaptertest.Read, false))
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != realm || body["code"] != "unauthenticated" ||
		body["message"] != "no bearer token in the Authorization header" {
		t.Errorf("no token: %d %q %v", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	resp, body = post(adaptertest.Method(adaptertest.Delete, false), bearer(env.Tokens.Reader))
	if resp.StatusCode != 403 || body["code"] != "permission_denied" || len(body["details"].([]any)) != 1 {
		t.Errorf("reader deletes: %d %v", resp.StatusCode, body)
	}
	// The JSON form of a google.protobuf.StringValue is a JSON string.
	req, _ := http.NewRequest("POST", srv.URL+adaptertest.Method(adaptertest.Read, false), strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer(env.Tokens.Reader))
	ok, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(ok.Body)
	ok.Body.Close()
	if ok.StatusCode != 200 || string(got) != `"auth0|alice"` {
		t.Errorf("reader reads: %d %s", ok.StatusCode, got)
	}
}

// TestGRPCChallengeIsAHeader: over the gRPC protocol the status travels in
// trailers, the challenge in the response headers (net/http drops a
// WWW-Authenticate trailer).
func TestGRPCChallengeIsAHeader(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), opts...))
	req, _ := http.NewRequest("POST", srv.URL+adaptertest.Method(adaptertest.Read, false), bytes.NewReader([]byte{0, 0, 0, 0, 0}))
	req.Header.Set("Content-Type", "application/grpc")
	req.Header.Set("TE", "trailers")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("WWW-Authenticate") != realm || resp.Trailer.Get("Grpc-Status") != "16" ||
		resp.Trailer.Get("Grpc-Status-Details-Bin") == "" {
		t.Errorf("%d header %v trailer %v", resp.StatusCode, resp.Header, resp.Trailer)
	}
}

// TestUnlistedIsDenied: a procedure absent from the table, and any path
// that is no procedure of the table, is refused with permission_denied
// whatever the token, before its handler runs.
func TestUnlistedIsDenied(t *testing.T) {
	env := adaptertest.NewEnv(t)
	var ran atomic.Int32
	mux := serviceMux()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ran.Add(1); mux.ServeHTTP(w, r) })
	srv := serve(t, connectguard.Protect(env.V, table(), next, opts...))
	for _, p := range protocols {
		for _, stream := range []bool{false, true} {
			procedure := adaptertest.Unlisted
			if stream {
				procedure += "Stream"
			}
			for _, auth := range [][]string{nil, {bearer(env.Tokens.Deleter)}, {bearer(env.Tokens.Expired)}} {
				res := call(t, srv, procedure, stream, auth, nil, p.opts...)
				if res.codeOf() != connect.CodePermissionDenied || res.err.Message() != "this resource has no access policy" ||
					res.reason != middleware.ReasonInsufficientScope || len(res.subjects) != 0 {
					t.Errorf("%s %s with %d tokens: %v reason %q", p.name, procedure, len(auth), res.err, res.reason)
				}
			}
		}
	}
	// Paths that are not the table's procedures: a prefix, a trailing
	// slash, the service alone, another shape.
	read := adaptertest.Method(adaptertest.Read, false)
	for _, path := range []string{"/rpc" + read, read + "/", "/" + adaptertest.ServiceName + "/", "/" + adaptertest.ServiceName, "/", "/metrics"} {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bearer(env.Tokens.Deleter))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	// A request that is no RPC gets httpguard's problem+json answer.
	req, _ := http.NewRequest("POST", srv.URL+"/upload", strings.NewReader("x"))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p middleware.Problem
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/problem+json" || p.Reason != middleware.ReasonInsufficientScope {
		t.Errorf("no RPC: %d %s %+v", resp.StatusCode, resp.Header.Get("Content-Type"), p)
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("next ran %d times", n)
	}
}

// TestServiceEntries: a service key covers its procedures; an exact entry
// wins.
func TestServiceEntries(t *testing.T) {
	env := adaptertest.NewEnv(t)
	procs := connectguard.Procedures{
		"/" + adaptertest.ServiceName + "/":           scopecheck.All("read:contacts"),
		adaptertest.Method(adaptertest.Delete, false): scopecheck.All("delete:contacts"),
	}
	srv := serve(t, connectguard.Protect(env.V, procs, serviceMux()))
	reader := []string{bearer(env.Tokens.Reader)}
	if res := call(t, srv, adaptertest.Unlisted, false, reader, nil); res.err != nil {
		t.Errorf("service entry: %v", res.err)
	}
	if res := call(t, srv, adaptertest.Unlisted+"Stream", true, reader, nil, connect.WithGRPC()); res.err != nil || len(res.subjects) != 2 {
		t.Errorf("service entry, stream: %v", res.err)
	}
	if res := call(t, srv, adaptertest.Method(adaptertest.Delete, false), false, reader, nil); res.codeOf() != connect.CodePermissionDenied {
		t.Errorf("exact entry: %v", res.err)
	}
	if res := call(t, srv, adaptertest.Unlisted, false, nil, nil); res.codeOf() != connect.CodeUnauthenticated {
		t.Errorf("service entry without token: %v", res.err)
	}
}

func TestTableIsCopied(t *testing.T) {
	env := adaptertest.NewEnv(t)
	read := adaptertest.Method(adaptertest.Read, false)
	procs := connectguard.Procedures{read: scopecheck.All("read:contacts")}
	g, err := connectguard.New(env.V, procs)
	if err != nil {
		t.Fatal(err)
	}
	procs[read] = scopecheck.Public
	procs[adaptertest.Unlisted] = scopecheck.Public
	srv := serve(t, g.Handler(serviceMux()))
	if res := call(t, srv, read, false, nil, nil); res.codeOf() != connect.CodeUnauthenticated {
		t.Errorf("changed entry took effect: %v", res.err)
	}
	if res := call(t, srv, adaptertest.Unlisted, false, nil, nil); res.codeOf() != connect.CodePermissionDenied {
		t.Errorf("added entry took effect: %v", res.err)
	}
}

func TestPublicHealthAndReflection(t *testing.T) {
	env := adaptertest.NewEnv(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	status := func(h http.Handler, path string) int {
		srv := serve(t, h)
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	closed := connectguard.Protect(env.V, table(), ok)
	open := connectguard.Protect(env.V, table(), ok, connectguard.WithPublicHealth(), connectguard.WithPublicReflection())
	for _, path := range []string{"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"} {
		if s := status(closed, path); s != 403 {
			t.Errorf("%s not declared public: %d", path, s)
		}
		if s := status(open, path); s != 204 {
			t.Errorf("%s declared public: %d", path, s)
		}
	}
	if s := status(open, adaptertest.Method(adaptertest.Read, false)); s != 401 {
		t.Errorf("public health opened the API: %d", s)
	}
}

func TestWithoutChallenge(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(), connectguard.WithoutChallenge()))
	for _, p := range protocols {
		res := call(t, srv, adaptertest.Method(adaptertest.Read, false), false, []string{bearer(env.Tokens.Expired)}, nil, p.opts...)
		if res.codeOf() != connect.CodeUnauthenticated || res.challenge != "" || res.reason != middleware.ReasonExpired {
			t.Errorf("%s: %v, challenge %q", p.name, res.err, res.challenge)
		}
	}
}

func TestPreflight(t *testing.T) {
	env := adaptertest.NewEnv(t)
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, c := range []struct {
		opt  []connectguard.Option
		path string
		want int
	}{
		{[]connectguard.Option{connectguard.WithPreflight()}, adaptertest.Method(adaptertest.Read, false), 204},
		{[]connectguard.Option{connectguard.WithPreflight()}, adaptertest.Unlisted, 204},
		{nil, adaptertest.Method(adaptertest.Read, false), 401},
		{nil, adaptertest.Unlisted, 403},
	} {
		srv := serve(t, connectguard.Protect(env.V, table(), ok, c.opt...))
		req, _ := http.NewRequest("OPTIONS", srv.URL+c.path, nil)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s, %d options: %d, want %d", c.path, len(c.opt), resp.StatusCode, c.want)
		}
	}
}

// TestHandlerOptions: the Guard classifies requests as the handlers do;
// with the Connect protocol header required, a unary POST without it is
// no RPC and gets a problem+json answer.
func TestHandlerOptions(t *testing.T) {
	env := adaptertest.NewEnv(t)
	srv := serve(t, connectguard.Protect(env.V, table(), serviceMux(connect.WithRequireConnectProtocolHeader()),
		connectguard.WithHandlerOptions(connect.WithRequireConnectProtocolHeader())))
	for header, want := range map[string]string{"": "application/problem+json", "1": "application/json"} {
		req, _ := http.NewRequest("POST", srv.URL+adaptertest.Method(adaptertest.Read, false), strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set("Connect-Protocol-Version", header)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("Content-Type") != want {
			t.Errorf("Connect-Protocol-Version %q: %d %s, want %s", header, resp.StatusCode, resp.Header.Get("Content-Type"), want)
		}
	}
}

func TestNewChecks(t *testing.T) {
	env := adaptertest.NewEnv(t)
	read := adaptertest.Method(adaptertest.Read, false)
	for name, c := range map[string]struct {
		v     *middleware.Validator
		procs connectguard.Procedures
		opts  []connectguard.Option
	}{
		"nil validator":           {nil, table(), nil},
		"no leading slash":        {env.V, connectguard.Procedures{"a.B/C": scopecheck.Public}, nil},
		"no method part":          {env.V, connectguard.Procedures{"/a.B": scopecheck.Public}, nil},
		"three parts":             {env.V, connectguard.Procedures{"/a.B/C/D": scopecheck.Public}, nil},
		"empty service":           {env.V, connectguard.Procedures{"//C": scopecheck.Public}, nil},
		"space":                   {env.V, connectguard.Procedures{"/a.B/C D": scopecheck.Public}, nil},
		"zero requirement":        {env.V, connectguard.Procedures{read: {}}, nil},
		"All()":                   {env.V, connectguard.Procedures{read: scopecheck.All()}, nil},
		"health public and not":   {env.V, connectguard.Procedures{connectguard.HealthService: scopecheck.All("x")}, []connectguard.Option{connectguard.WithPublicHealth()}},
		"external URL, no scheme": {env.V, table(), []connectguard.Option{connectguard.WithExternalURL("api.example.com")}},
		"external URL, query":     {env.V, table(), []connectguard.Option{connectguard.WithExternalURL("https://api.example.com/?x=1")}},
	} {
		g, err := connectguard.New(c.v, c.procs, c.opts...)
		if err == nil || g != nil || !strings.HasPrefix(err.Error(), "connectguard: ") || strings.Contains(err.Error(), "httpguard") {
			t.Errorf("%s: %v", name, err)
		}
		func() {
			defer func() {
				if p, ok := recover().(error); !ok || p.Error() != err.Error() {
					t.Errorf("%s: Protect panicked with %v, want %v", name, p, err)
				}
			}()
			connectguard.Protect(c.v, c.procs, http.NotFoundHandler(), c.opts...)
		}()
	}
	if _, err := connectguard.New(env.V, connectguard.Procedures{connectguard.HealthService: scopecheck.Public},
		connectguard.WithPublicHealth(), connectguard.WithExternalURL("https://api.example.com")); err != nil {
		t.Errorf("a valid table: %v", err)
	}
}

func TestHandlerNilNext(t *testing.T) {
	env := adaptertest.NewEnv(t)
	g, err := connectguard.New(env.V, table())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if p, _ := recover().(string); !strings.HasPrefix(p, "connectguard: ") {
			t.Errorf("panic %q", p)
		}
	}()
	g.Handler(nil)
}
