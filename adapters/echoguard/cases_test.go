package echoguard_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/adapters/echoguard"
	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// The shared adapter cases (internal/adaptertest) through echo: the table
// lives in the core module, which cannot import echo, so this module runs
// it with the exported runners.

// opts are the options of every echo API of the cases.
var opts = []echoguard.Option{echoguard.WithRealm("contacts"), echoguard.WithPermissions()}

// httpOpts are the same options for the net/http reference.
var httpOpts = []httpguard.Option{httpguard.WithRealm("contacts"), httpguard.WithPermissions()}

// subject answers {"sub": ...} with the sub of the claims the handler
// sees, as every handler of the cases must.
func subject(c echo.Context) error {
	var sub string
	if cl, ok := echoguard.Claims(c); ok {
		sub = cl.Subject
	}
	return c.JSON(http.StatusOK, map[string]string{"sub": sub})
}

// netHTTP is the reference: the net/http API of the cases, on a Mux.
func netHTTP(v *middleware.Validator) http.Handler { return netHTTPWith(v, httpOpts) }

// netHTTPWith is netHTTP with the options httpOpts.
func netHTTPWith(v *middleware.Validator, httpOpts []httpguard.Option) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sub string
		if cl, ok := middleware.ClaimsFromContext(r.Context()); ok {
			sub = cl.Subject
		}
		json.NewEncoder(w).Encode(map[string]string{"sub": sub})
	})
	mux := httpguard.NewMux(v, httpOpts...)
	for _, rt := range adaptertest.Routes {
		p := adaptertest.Patterns[rt]
		mux.Handle(p.Method+" "+p.Pattern, adaptertest.HTTPRequirement(rt), h)
	}
	return mux
}

var open = scopecheck.Public

// routes registers every route of the cases with add: its method, its
// path (gin's pattern syntax is echo's) and the requirement the table
// gives it.
func routes(add func(method, path string, req scopecheck.Requirement)) {
	for _, rt := range adaptertest.Routes {
		p := adaptertest.Patterns[rt]
		add(p.Method, p.Gin, adaptertest.HTTPRequirement(rt))
	}
}

// echoAPIs are the layouts echo applications use, each serving the routes
// of the cases.
var echoAPIs = []struct {
	name string
	// build builds the layout with the echo options opts, and httpOpts
	// for an httpguard guard in front.
	build func(v *middleware.Validator, opts []echoguard.Option, httpOpts []httpguard.Option) http.Handler
}{
	{"echo: Protect and Require per route", func(v *middleware.Validator, opts []echoguard.Option, httpOpts []httpguard.Option) http.Handler {
		e := echo.New()
		protect := echoguard.Protect(v, opts...)
		routes(func(method, path string, req scopecheck.Requirement) {
			if req.IsPublic() {
				e.Add(method, path, subject, echoguard.Require(v, req, opts...))
				return
			}
			e.Add(method, path, subject, protect, echoguard.Require(v, req, opts...))
		})
		return e
	}},
	{"echo: Protect on a group", func(v *middleware.Validator, opts []echoguard.Option, httpOpts []httpguard.Option) http.Handler {
		e := echo.New()
		api := e.Group("/api", echoguard.Protect(v, opts...))
		routes(func(method, path string, req scopecheck.Requirement) {
			if req.IsPublic() {
				e.Add(method, path, subject, echoguard.Require(v, req, opts...))
				return
			}
			api.Add(method, strings.TrimPrefix(path, "/api"), subject, echoguard.Require(v, req, opts...))
		})
		return e
	}},
	{"echo: public Require on the Echo, Require per route", func(v *middleware.Validator, opts []echoguard.Option, httpOpts []httpguard.Option) http.Handler {
		e := echo.New()
		e.Use(echoguard.Require(v, open, opts...))
		routes(func(method, path string, req scopecheck.Requirement) {
			e.Add(method, path, subject, echoguard.Require(v, req, opts...))
		})
		return e
	}},
	{"echo: Protect on the group and on the route", func(v *middleware.Validator, opts []echoguard.Option, httpOpts []httpguard.Option) http.Handler {
		e := echo.New()
		api := e.Group("/api", echoguard.Protect(v, opts...))
		routes(func(method, path string, req scopecheck.Requirement) {
			if req.IsPublic() {
				e.Add(method, path, subject, echoguard.Require(v, req, opts...))
				return
			}
			api.Add(method, strings.TrimPrefix(path, "/api"), subject, echoguard.Protect(v, opts...), echoguard.Require(v, req, opts...))
		})
		return e
	}},
	{"echo behind a public httpguard.Require", func(v *middleware.Validator, opts []echoguard.Option, httpOpts []httpguard.Option) http.Handler {
		e := echo.New()
		routes(func(method, path string, req scopecheck.Requirement) {
			e.Add(method, path, subject, echoguard.Require(v, req, opts...))
		})
		return httpguard.Require(v, scopecheck.Public, e, httpOpts...)
	}},
}

// TestSharedCases runs every case of adaptertest.Cases through each echo
// layout: each must answer as the table says (exact status, challenge,
// problem body; a DPoP proof checked once) and byte for byte as the
// net/http Mux (headers and body of every refusal).
func TestSharedCases(t *testing.T) {
	env := adaptertest.NewEnv(t)
	ref := map[adaptertest.API]http.Handler{}
	apis := make([]map[adaptertest.API]http.Handler, len(echoAPIs))
	for _, a := range adaptertest.APIs {
		v := env.Validator(a)
		ref[a] = netHTTP(v)
		for i, api := range echoAPIs {
			if apis[i] == nil {
				apis[i] = map[adaptertest.API]http.Handler{}
			}
			apis[i][a] = api.build(v, opts, httpOpts)
		}
	}
	for _, tc := range adaptertest.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			want := adaptertest.SendHTTP(t, env, ref[tc.API], tc)
			adaptertest.CheckHTTP(t, "net/http", want, tc)
			for i, api := range echoAPIs {
				got := adaptertest.SendHTTP(t, env, apis[i][tc.API], tc)
				adaptertest.CheckHTTP(t, api.name, got, tc)
				if tc.Status < 400 {
					continue
				}
				for _, k := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control", "Retry-After", "X-Content-Type-Options"} {
					if g, w := got.Rec.Header().Get(k), want.Rec.Header().Get(k); g != w {
						t.Errorf("%s: %s %q, net/http %q", api.name, k, g, w)
					}
				}
				if g, w := got.Rec.Header().Get("DPoP-Nonce"), want.Rec.Header().Get("DPoP-Nonce"); (g == "") != (w == "") {
					t.Errorf("%s: DPoP-Nonce %q, net/http %q", api.name, g, w)
				}
				if g, w := got.Rec.Body.String(), want.Rec.Body.String(); g != w {
					t.Errorf("%s: bodies differ:\necho     %s\nnet/http %s", api.name, g, w)
				}
			}
		})
	}
}

// TestMTLSCases runs adaptertest.MTLSCases over real TLS connections
// through each echo layout and the net/http reference, deployed as each
// case says (WithClientCertificates(env.Extractor(d)) or no option).
func TestMTLSCases(t *testing.T) {
	env := adaptertest.NewEnv(t)
	type servers struct {
		ref  *httptest.Server
		echo []*httptest.Server
	}
	deployed := map[adaptertest.Deployment]servers{}
	for _, d := range adaptertest.Deployments {
		o, h := slices.Clone(opts), slices.Clone(httpOpts)
		if ext := env.Extractor(t, d); ext != nil {
			o = append(o, echoguard.WithClientCertificates(ext))
			h = append(h, httpguard.WithClientCertificates(ext))
		}
		s := servers{ref: env.ServeHTTPS(t, netHTTPWith(env.V, h), d)}
		for _, api := range echoAPIs {
			s.echo = append(s.echo, env.ServeHTTPS(t, api.build(env.V, o, h), d))
		}
		deployed[d] = s
	}
	for _, tc := range adaptertest.MTLSCases {
		t.Run(tc.Name, func(t *testing.T) {
			s := deployed[tc.Deploy]
			want := adaptertest.SendHTTPS(t, env, s.ref, tc)
			adaptertest.CheckHTTP(t, "net/http", want, tc.Case)
			for i, api := range echoAPIs {
				got := adaptertest.SendHTTPS(t, env, s.echo[i], tc)
				adaptertest.CheckHTTP(t, api.name, got, tc.Case)
				if g, w := got.Rec.Body.String(), want.Rec.Body.String(); tc.Status >= 400 && g != w {
					t.Errorf("%s: bodies differ:\necho     %s\nnet/http %s", api.name, g, w)
				}
			}
		})
	}
}

// A nil extractor is a start-up mistake: Protect and Require panic.
func TestClientCertificatesNil(t *testing.T) {
	env := adaptertest.NewEnv(t)
	for name, build := range map[string]func(){
		"Protect": func() { echoguard.Protect(env.V, echoguard.WithClientCertificates(nil)) },
		"Require": func() {
			echoguard.Require(env.V, scopecheck.All("read:contacts"), echoguard.WithClientCertificates(nil))
		},
		"public": func() { echoguard.Require(env.V, open, echoguard.WithClientCertificates(nil)) },
	} {
		func() {
			defer func() {
				if r := fmt.Sprint(recover()); r != "echoguard: WithClientCertificates given a nil extractor" {
					t.Errorf("%s: recovered %q", name, r)
				}
			}()
			build()
		}()
	}
}
