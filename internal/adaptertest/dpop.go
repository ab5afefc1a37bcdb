package adaptertest

import (
	"testing"

	"github.com/jwtguard/jwtguard/jwtguardtest"
)

// Target is the request a DPoP proof names (RFC 9449 section 4.2): htm and
// htu as the adapter under test computes them.
type Target struct {
	Method string // "GET", ...; "POST" for every gRPC call
	URL    string // "http://example.com/api/contacts", "http://bufnet/adaptertest.v1.Contacts/List"
}

// HTTPTarget is the target of route for a request made with
// httptest.NewRequest (Host example.com, no TLS).
func HTTPTarget(r Route) Target {
	p := HTTPRoutes[r]
	return Target{Method: p[0], URL: "http://example.com" + p[1]}
}

// GRPCTarget is the target of route for a call over ServeGRPC's connection:
// gRPC is always POST, and the URI is http (no TLS) :// the ":authority"
// the client dials ("bufnet") followed by the full method name.
func GRPCTarget(r Route, stream bool) Target {
	return Target{Method: "POST", URL: "http://" + GRPCAuthority + Method(r, stream)}
}

// HTTPRoutes are the method and path of a request to each route on the
// HTTP adapters.
var HTTPRoutes = map[Route][2]string{
	Read:    {"GET", "/api/contacts"},
	Delete:  {"DELETE", "/api/contacts/1"},
	Public:  {"GET", "/api/public"},
	OrgRead: {"GET", "/api/orgs/" + Org + "/contacts"},
	Admin:   {"GET", "/api/admin"},
	Billing: {"GET", "/api/billing"},
	Batch:   {"POST", "/api/batch"},
	Profile: {"GET", "/api/profile"},
	Audit:   {"GET", "/api/audit"},
}

// Patterns are the method and route pattern of each route: net/http's
// (Pattern) and gin's (Gin).
var Patterns = map[Route]struct{ Method, Pattern, Gin string }{
	Read:    {"GET", "/api/contacts", "/api/contacts"},
	Delete:  {"DELETE", "/api/contacts/{id}", "/api/contacts/:id"},
	Public:  {"GET", "/api/public", "/api/public"},
	OrgRead: {"GET", "/api/orgs/{org}/contacts", "/api/orgs/:org/contacts"},
	Admin:   {"GET", "/api/admin", "/api/admin"},
	Billing: {"GET", "/api/billing", "/api/billing"},
	Batch:   {"POST", "/api/batch", "/api/batch"},
	Profile: {"GET", "/api/profile", "/api/profile"},
	Audit:   {"GET", "/api/audit", "/api/audit"},
}

// DPoP mints the proofs of one request with Env.DPoPKey.
type DPoP struct {
	// Target is the request the adapter will see.
	Target Target
	// Nonce is the server nonce the case's proofs carry ("" for none).
	Nonce string
	mint  func(jwtguardtest.Proof) string
}

// Proof mints a proof for p. Method and URL default to the Target's, and
// Nonce to the DPoP's.
func (d DPoP) Proof(p jwtguardtest.Proof) string {
	if p.Method == "" {
		p.Method = d.Target.Method
	}
	if p.URL == "" {
		p.URL = d.Target.URL
	}
	if p.Nonce == "" {
		p.Nonce = d.Nonce
	}
	return d.mint(p)
}

// Proofs returns the DPoP header (HTTP) or dpop metadata (gRPC) values of
// case tc for a request to at, carrying nonce; nil when the case sends
// none. Minting failures fail t.
func (e *Env) Proofs(t testing.TB, tc Case, at Target, nonce string) []string {
	t.Helper()
	if tc.Proofs == nil {
		return nil
	}
	d := DPoP{Target: at, Nonce: nonce, mint: func(p jwtguardtest.Proof) string {
		t.Helper()
		proof, err := e.DPoPKey.Proof(p)
		if err != nil {
			t.Fatal(err)
		}
		return proof
	}}
	return tc.Proofs(d, e.Tokens)
}
