package httpguard

import (
	"errors"
	"net/http"
	"slices"
	"sync"

	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Mux is an http.ServeMux whose routes cannot exist without a stated
// requirement: Handle takes one beside the Go 1.22 pattern
// ("DELETE /api/contacts/{id}"). Requests that match no route get the
// ServeMux's 404 or 405. A Mux is safe for concurrent use.
type Mux struct {
	v    *middleware.Validator
	opts []Option
	mux  *http.ServeMux

	mu     sync.Mutex
	scopes []string                          // every scope a route requires, for RFC 9728
	routes map[string]scopecheck.Requirement // pattern to requirement, for Policy
}

// NewMux returns an empty Mux validating tokens with v.
func NewMux(v *middleware.Validator, opts ...Option) *Mux {
	if v == nil {
		panic("httpguard: nil validator")
	}
	return &Mux{v: v, opts: opts, mux: http.NewServeMux(), routes: map[string]scopecheck.Requirement{}}
}

// Handle registers h for pattern behind requirement r. It panics, as
// http.ServeMux.Handle does, on a bad pattern or an unset or invalid
// requirement.
func (m *Mux) Handle(pattern string, r scopecheck.Requirement, h http.Handler) {
	m.mux.Handle(pattern, Require(m.v, r, h, m.opts...))
	m.mu.Lock()
	m.routes[pattern] = r
	for _, sc := range r.Scopes() {
		if !slices.Contains(m.scopes, sc) {
			m.scopes = append(m.scopes, sc)
		}
	}
	m.mu.Unlock()
}

// HandleResourceMetadata serves the RFC 9728 protected resource metadata
// document at GET /.well-known/oauth-protected-resource, without a token,
// with scopes_supported listing every scope the Mux's routes require
// (those registered so far and later ones). Configure
// middleware.WithResourceMetadataURL so that challenges point to it.
func (m *Mux) HandleResourceMetadata() {
	pattern := "GET " + middleware.ResourceMetadataPath
	m.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		scopes := slices.Clone(m.scopes)
		m.mu.Unlock()
		writeMetadata(w, m.v.ResourceMetadata(scopes...))
	}))
	m.mu.Lock()
	m.routes[pattern] = scopecheck.Public
	m.mu.Unlock()
}

// Policy returns the Mux's effective access policy: every pattern
// registered so far with its requirement (the resource metadata document
// is public), as data for review and golden files (see scopecheck.Policy
// for the JSON schema). Requests that match no pattern get the
// ServeMux's 404 or 405 and appear nowhere.
func (m *Mux) Policy() scopecheck.Policy {
	m.mu.Lock()
	defer m.mu.Unlock()
	return scopecheck.NewPolicy(m.routes)
}

// HandleFunc registers f for pattern behind requirement r.
func (m *Mux) HandleFunc(pattern string, r scopecheck.Requirement, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, r, http.HandlerFunc(f))
}

// ServeHTTP dispatches to the route's guarded handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

func errorsIsMissing(err error) bool { return errors.Is(err, middleware.ErrMissingToken) }
