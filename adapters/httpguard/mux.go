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
	scopes []string // every scope a route requires, for RFC 9728
}

// NewMux returns an empty Mux validating tokens with v.
func NewMux(v *middleware.Validator, opts ...Option) *Mux {
	if v == nil {
		panic("httpguard: nil validator")
	}
	return &Mux{v: v, opts: opts, mux: http.NewServeMux()}
}

// Handle registers h for pattern behind requirement r. It panics, as
// http.ServeMux.Handle does, on a bad pattern or an unset or invalid
// requirement.
func (m *Mux) Handle(pattern string, r scopecheck.Requirement, h http.Handler) {
	m.mux.Handle(pattern, Require(m.v, r, h, m.opts...))
	m.mu.Lock()
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
	m.mux.Handle("GET "+middleware.ResourceMetadataPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		scopes := slices.Clone(m.scopes)
		m.mu.Unlock()
		writeMetadata(w, m.v.ResourceMetadata(scopes...))
	}))
}

// HandleFunc registers f for pattern behind requirement r.
func (m *Mux) HandleFunc(pattern string, r scopecheck.Requirement, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, r, http.HandlerFunc(f))
}

// ServeHTTP dispatches to the route's guarded handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.mux.ServeHTTP(w, r) }

func errorsIsMissing(err error) bool { return errors.Is(err, middleware.ErrMissingToken) }
