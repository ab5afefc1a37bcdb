package httpguard

import "net/http"

// request is the scopecheck.Request of an HTTP request: path parameters
// are http.Request.PathValue, so they exist when the guard is the handler
// of a ServeMux pattern (a Mux route, a Gate or Require registered per
// route), not when it wraps the whole mux. A struct holding one pointer:
// passing it as an interface allocates nothing.
type request struct{ r *http.Request }

func (q request) Method() string { return q.r.Method }

func (q request) Param(name string) (string, bool) {
	v := q.r.PathValue(name)
	return v, v != ""
}

func (q request) Message() any { return nil }
