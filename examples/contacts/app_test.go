package main

import (
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"testing"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/examples/internal/demo"
	"github.com/jwtguard/jwtguard/examples/internal/demo/demotest"
	"github.com/jwtguard/jwtguard/jwtguardtest"
)

type answer struct {
	status  int
	header  http.Header
	body    []byte
	problem map[string]any
}

func call(t *testing.T, method, url string, auth ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	a.body, _ = io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		if err := json.Unmarshal(a.body, &a.problem); err != nil {
			t.Fatalf("problem body %s: %v", a.body, err)
		}
	}
	return a
}

func bearer(tok string) string { return "Bearer " + tok }

// TestContract runs the contract every HTTP demo keeps (routes, answers,
// bodies, outage behaviour) against this demo's handler.
func TestContract(t *testing.T) {
	h := func(env *demo.Env) http.Handler { return newHandler(env, demo.NewStore()) }
	t.Run("answers", func(t *testing.T) { demotest.Answers(t, h) })
	t.Run("list, me and delete", func(t *testing.T) { demotest.ListMeAndDelete(t, h) })
	t.Run("DPoP call", func(t *testing.T) { demotest.DPoPCall(t, h) })
	t.Run("metrics and resource metadata", func(t *testing.T) { demotest.MetricsAndResourceMetadata(t, h) })
	t.Run("issuer down then up", func(t *testing.T) { demotest.IssuerDownThenUp(t, h) })
	t.Run("introspection", func(t *testing.T) { demotest.Introspection(t, h) })
	t.Run("certificate-bound tokens", func(t *testing.T) { demotest.CertificateBound(t, h) })
	t.Run("several issuers", func(t *testing.T) { demotest.SeveralIssuers(t, h) })
	t.Run("audit starts empty", func(t *testing.T) { demotest.AuditStartsEmpty(t, h) })
}

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestAccessMatrix: who may call what, persona by persona (the test kit's
// personas), kept in testdata/access.golden: a change of policy shows in
// the diff. go test -update rewrites it.
func TestAccessMatrix(t *testing.T) {
	demotest.AccessMatrix(t, func(env *demo.Env) http.Handler { return newHandler(env, demo.NewStore()) },
		"testdata/access.golden", *update)
}

// TestPolicy: the Mux's policy as data, kept in testdata/policy.golden.json.
func TestPolicy(t *testing.T) {
	env, err := demo.Start(demo.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	p, err := newHandler(env, demo.NewStore()).(*httpguard.Mux).Policy().JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := jwtguardtest.CompareGolden("testdata/policy.golden.json", p, *update); err != nil {
		t.Fatal(err)
	}
}
