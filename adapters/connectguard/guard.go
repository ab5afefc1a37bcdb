package connectguard

import (
	"errors"
	"fmt"
	"net/http"

	"connectrpc.com/connect"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/internal/methodtable"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// Guard holds a validator and a checked procedure table. Its Handler
// wraps the http.Handler that serves the Connect handlers (a ServeMux, or
// one handler). A Guard is immutable and safe for concurrent use.
type Guard struct {
	v     *middleware.Validator
	table *methodtable.Table
	cfg   *config
	ew    *connect.ErrorWriter
	// guard are the options of the httpguard guards that authenticate
	// listed procedures, refusals written by writeError; render those of
	// httpguard.WriteError for requests that are no RPC.
	guard, render []httpguard.Option
}

// New checks procedures (procedure paths, valid requirements, no conflict
// with the public services declared by options) and the options, and
// returns a Guard. The table is copied: changing procedures later changes
// nothing.
func New(v *middleware.Validator, procedures Procedures, opts ...Option) (*Guard, error) {
	if v == nil {
		return nil, errors.New("connectguard: nil validator")
	}
	cfg := newConfig(opts)
	t, err := methodtable.Compile(procedures, cfg.public, naming, checkRequest)
	if err != nil {
		return nil, err
	}
	g := &Guard{v: v, table: t, cfg: cfg, ew: connect.NewErrorWriter(cfg.handlerOpts...)}
	g.render = []httpguard.Option{httpguard.WithRealm(cfg.realm), httpguard.WithRetryAfter(cfg.retryAfter)}
	g.guard = append([]httpguard.Option{httpguard.WithExternalURL(cfg.externalURL),
		httpguard.WithErrorWriter(g.writeError)}, g.render...)
	if cfg.permissions {
		g.guard = append(g.guard, httpguard.WithPermissions())
	}
	if cfg.preflight {
		g.guard = append(g.guard, httpguard.WithPreflight())
	}
	g.guard = append(g.guard, cfg.certs...)
	if err := checkGuard(v, g.guard); err != nil {
		return nil, err
	}
	return g, nil
}

// Protect returns New(v, procedures, opts...).Handler(next). It panics
// where New returns an error: the mistake shows at start-up, never as an
// open procedure.
func Protect(v *middleware.Validator, procedures Procedures, next http.Handler, opts ...Option) http.Handler {
	g, err := New(v, procedures, opts...)
	if err != nil {
		panic(err)
	}
	return g.Handler(next)
}

// checkGuard builds an httpguard guard with opts, which checks them (the
// external URL), and returns its complaint as connectguard's.
func checkGuard(v *middleware.Validator, opts []httpguard.Option) (err error) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		e, ok := p.(error)
		if !ok {
			err = fmt.Errorf("connectguard: %v", p)
			return
		}
		if inner := errors.Unwrap(e); inner != nil {
			e = inner // "httpguard: middleware: ..." becomes "connectguard: middleware: ..."
		}
		err = fmt.Errorf("connectguard: %w", e)
	}()
	httpguard.Protect(v, http.NotFoundHandler(), opts...)
	return nil
}

// Handler returns next behind the Guard. A request to a procedure of the
// table is authenticated as httpguard authenticates it (the Authorization
// header with the Bearer or DPoP scheme, the DPoP proof header checked
// against the request's method and URL) and checked against the
// procedure's requirement; a public procedure is never refused, and gets
// the claims of a valid token. A request to any other path is refused with
// permission_denied before its token is read. The verified claims reach
// the Connect handlers' ctx (middleware.ClaimsFromContext).
//
// A request that a guard of the same validator already authenticated (a
// platform-wide Guard or httpguard in front) is not authenticated again,
// which would refuse its DPoP proof as a replay; its claims are checked
// against this table. A guard of another validator authenticates the
// request itself.
//
// Put the Guard where request paths are procedures ("/pkg.Service/Method"),
// inside any http.StripPrefix: a path the table does not name is refused.
//
// Handler panics on a nil next.
func (g *Guard) Handler(next http.Handler) http.Handler {
	if next == nil {
		panic("connectguard: Handler given a nil handler")
	}
	h := &handler{g: g, next: next, guards: map[string]http.Handler{}}
	for key, req := range g.table.Entries() {
		h.guards[key] = httpguard.Require(g.v, req, next, g.guard...)
	}
	return h
}

// handler is the http.Handler of Guard.Handler: the httpguard guard of
// every table entry, by table key, each serving next.
type handler struct {
	g      *Guard
	next   http.Handler
	guards map[string]http.Handler
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if key, _, ok := h.g.table.Match(r.URL.Path); ok {
		h.guards[key].ServeHTTP(w, r)
		return
	}
	if h.g.cfg.preflight && isPreflight(r) {
		h.next.ServeHTTP(w, r)
		return
	}
	// Fail closed, before looking at the token: scopecheck's own answer
	// for a resource that states no requirement.
	w.Header().Del("DPoP-Nonce")
	h.g.writeError(w, r, h.g.v.Annotate(scopecheck.Requirement{}.Check(scopecheck.Granted{}), ""))
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
}
