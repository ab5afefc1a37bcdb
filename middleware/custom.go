package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/jwtguard/jwtguard/internal/jsonscan"
)

// ErrClaimNotFound is wrapped by the error of Custom when the token has no
// such claim, and by the error of DecodeCustom when no field of the
// destination struct matched a claim. The error's text names the claim
// names that were tried and, when the token has the claim under a
// namespace that was not given to WithNamespace, the option that would
// find it.
var ErrClaimNotFound = errors.New("middleware: claim not found")

// claimNotFoundError is the error of a failed Custom or DecodeCustom
// lookup: its own text, and ErrClaimNotFound for errors.Is.
type claimNotFoundError struct{ msg string }

func (e *claimNotFoundError) Error() string { return e.msg }
func (e *claimNotFoundError) Unwrap() error { return ErrClaimNotFound }

// registered lists the claims the Claims struct already carries; they are
// not custom claims.
var registered = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true,
	"jti": true, "azp": true, "client_id": true, "scope": true, "scp": true,
	"permissions": true, "gty": true, "cnf": true,
}

// introspectionMembers are the members of an introspection answer (RFC
// 7662 section 2.2) that describe the answer or have a Claims field: not
// custom claims of an introspected token.
var introspectionMembers = map[string]bool{"active": true, "token_type": true, "username": true}

// Custom decodes the claim name into a T. The name is looked up with each
// namespace of the validator prepended, in the order given to
// WithNamespace (Auth0-style namespaced claims: "favorite_color" finds
// "https://myapp.example.com/favorite_color"), then exactly as given, so a
// full claim name ("https://other.example.com/favorite_color") and a
// plain private claim ("tenant_id") are always found whatever the
// namespaces. Nothing is decoded until Custom is called.
//
// It returns an error wrapping ErrClaimNotFound when the claim is absent,
// when name is "" and when c is nil (a request that was not
// authenticated); the error lists the names tried and, when the token has
// the name under a namespace that is not configured, says which
// WithNamespace would find it. It returns a decode error when the claim
// does not fit T.
func Custom[T any](c *Claims, name string) (T, error) {
	var zero T
	raw, ok := c.lookup(name)
	if !ok {
		return zero, c.notFound(name)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, fmt.Errorf("middleware: claim %q: %w", name, err)
	}
	return v, nil
}

// CustomClaims returns every custom claim as raw JSON: a claim under a
// namespace given to WithNamespace by its short name (the namespace
// stripped), every other claim that is not a registered one (iss, sub,
// aud, exp, nbf, iat, jti, azp, client_id, scope, scp, permissions, gty,
// cnf) by its full name, so that claims under a namespace that is not
// configured are listed too; for an introspected token, not the answer's
// active, token_type and username either. For every key k, the value is what
// Custom(c, k) decodes: a namespaced claim wins over a plain claim of the
// same short name, and the first namespace given to WithNamespace wins
// over later ones. It returns an empty map for a nil c.
func (c *Claims) CustomClaims() map[string]json.RawMessage {
	out := c.shortNames()
	c.each(func(k string, v []byte) {
		if _, dup := out[k]; !dup && !registered[k] && !(c.Introspected && introspectionMembers[k]) && !c.underNamespace(k) {
			out[k] = json.RawMessage(v)
		}
	})
	return out
}

// NamespacedClaims returns only the claims under the validator's
// namespaces, namespace stripped (the first namespace given to
// WithNamespace wins when two hold the same short name). It returns an
// empty map when no namespace is configured or c is nil.
func (c *Claims) NamespacedClaims() map[string]json.RawMessage {
	return c.shortNames()
}

// DecodeCustom decodes the custom claims into dst, a pointer to the
// caller's own struct (or map), using encoding/json rules. A field finds
// its claim by the full claim name
// (`json:"https://myapp.example.com/favorite_color"`, as with other Go JWT
// libraries), by the short name when the namespace was given to
// WithNamespace (`json:"favorite_color"`), or, for a plain private claim,
// by its name. Registered claims (see CustomClaims) are not decoded: read
// them from the Claims fields. A map receives the short names of
// namespaced claims and the full names of every custom claim.
//
// When dst points to a struct and not one of its fields matched a claim,
// DecodeCustom returns an error wrapping ErrClaimNotFound that lists the
// names looked for and, when the token has them under a namespace that is
// not configured, the WithNamespace that would find them; dst is left
// unchanged. A struct whose fields are all tagged omitempty (or omitzero)
// is all optional and never gets this error, nor does a struct with a
// custom UnmarshalJSON. One matching field is enough: DecodeCustom does
// not check that each field was present. A nil c decodes as a token
// without custom claims.
func DecodeCustom(c *Claims, dst any) error {
	view := c.CustomClaims()
	c.each(func(k string, v []byte) {
		if _, dup := view[k]; !dup && c.underNamespace(k) {
			view[k] = json.RawMessage(v)
		}
	})
	b, err := json.Marshal(view)
	if err != nil {
		return fmt.Errorf("middleware: custom claims: %w", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("middleware: custom claims: %w", err)
	}
	t, names, required := structFields(dst)
	if !required || matchesAny(names, view) {
		return nil
	}
	return c.noFieldMatched(t, names)
}

// shortNames returns the claims under the validator's namespaces by their
// short names; the earliest namespace wins.
func (c *Claims) shortNames() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if c == nil || len(c.namespaces) == 0 {
		return out
	}
	rank := map[string]int{}
	c.each(func(k string, v []byte) {
		for i, ns := range c.namespaces {
			short, ok := strings.CutPrefix(k, ns)
			if !ok || short == "" {
				continue
			}
			if r, seen := rank[short]; !seen || i < r {
				out[short], rank[short] = json.RawMessage(v), i
			}
		}
	})
	return out
}

// underNamespace reports whether k is a claim under one of the validator's
// namespaces.
func (c *Claims) underNamespace(k string) bool {
	for _, ns := range c.namespaces {
		if len(k) > len(ns) && strings.HasPrefix(k, ns) {
			return true
		}
	}
	return false
}

// lookup finds name under each namespace, then as given.
func (c *Claims) lookup(name string) ([]byte, bool) {
	if c == nil || name == "" {
		return nil, false
	}
	var found []byte
	var rank = len(c.namespaces) + 1
	c.each(func(k string, v []byte) {
		for i, ns := range c.namespaces {
			if i < rank && len(k) == len(ns)+len(name) && strings.HasPrefix(k, ns) && k[len(ns):] == name {
				found, rank = v, i
				return
			}
		}
		if k == name && rank > len(c.namespaces) {
			found, rank = v, len(c.namespaces)
		}
	})
	return found, found != nil
}

// each calls fn for every top-level member of the payload; never for a
// nil c. The payload was validated by decodeClaims, so it parses.
func (c *Claims) each(fn func(k string, v []byte)) {
	if c == nil {
		return
	}
	var r jsonscan.Reader
	r.Reset(c.raw)
	for r.Next() {
		k := r.Key()
		v, ok := r.SkipValue()
		if !ok {
			return
		}
		fn(k, v)
	}
}

// maxSuggestions bounds the claims a not-found error points at.
const maxSuggestions = 3

// notFound is the error of Custom for name.
func (c *Claims) notFound(name string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "middleware: claim %q not found", name)
	switch {
	case c == nil:
		b.WriteString(": no claims (the request was not authenticated)")
	case name == "":
		b.WriteString(": the claim name is empty")
	default:
		b.WriteString(" (tried ")
		for _, ns := range c.namespaces {
			fmt.Fprintf(&b, "%q, ", ns+name)
		}
		fmt.Fprintf(&b, "%q)", name)
		c.suggest(&b, []string{name})
	}
	return &claimNotFoundError{b.String()}
}

// noFieldMatched is the error of DecodeCustom when no field of the struct
// type t (whose claim names are names) matched a claim.
func (c *Claims) noFieldMatched(t reflect.Type, names []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "middleware: no claim matched a field of %s (looked for %s", t, quoteList(names))
	switch {
	case c == nil:
		b.WriteString("): no claims (the request was not authenticated)")
		return &claimNotFoundError{b.String()}
	case len(c.namespaces) == 0:
		b.WriteString(" as given; no namespace configured)")
	default:
		fmt.Fprintf(&b, " as given and under the namespaces %s)", quoteList(c.namespaces))
	}
	c.suggest(&b, names)
	return &claimNotFoundError{b.String()}
}

// suggest appends, when the token has one of names under a namespace that
// is not configured, those claims and the WithNamespace that would find
// them: "; the token has "https://other.example.com/favorite_color": add
// middleware.WithNamespace("https://other.example.com/")".
func (c *Claims) suggest(b *strings.Builder, names []string) {
	var keys, nss []string
	c.each(func(k string, _ []byte) {
		if len(keys) == maxSuggestions {
			return
		}
		for _, name := range names {
			ns, ok := strings.CutSuffix(k, name)
			if !ok || ns == "" || !strings.ContainsAny(ns[len(ns)-1:], "/:#") {
				continue
			}
			keys = append(keys, k)
			if !contains(nss, ns) {
				nss = append(nss, ns)
			}
			return
		}
	})
	if len(keys) > 0 {
		fmt.Fprintf(b, "; the token has %s: add middleware.WithNamespace(%s)", quoteList(keys), quoteList(nss))
	}
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// matchesAny reports whether a claim of view would fill one of the
// fields named names; encoding/json matches names case-insensitively.
func matchesAny(names []string, view map[string]json.RawMessage) bool {
	for k := range view {
		for _, n := range names {
			if strings.EqualFold(k, n) {
				return true
			}
		}
	}
	return false
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// structFields returns, when dst is a pointer to a struct decoded field by
// field, the struct type and the claim names of its fields (as
// encoding/json names them), and whether one of them is required (not
// omitempty or omitzero). required is false for anything else.
func structFields(dst any) (t reflect.Type, names []string, required bool) {
	pt := reflect.TypeOf(dst)
	if pt == nil || pt.Kind() != reflect.Pointer || pt.Elem().Kind() != reflect.Struct || pt.Implements(unmarshalerType) {
		return nil, nil, false
	}
	t = pt.Elem()
	collectFields(t, 0, func(name string, optional bool) {
		names = append(names, name)
		required = required || !optional
	})
	return t, names, required
}

// collectFields calls fn with the JSON name of each field of the struct
// type t that encoding/json decodes into, embedded structs included.
func collectFields(t reflect.Type, depth int, fn func(name string, optional bool)) {
	if depth > 8 {
		return
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, depth+1, fn)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		optional := false
		for _, o := range strings.Split(opts, ",") {
			optional = optional || o == "omitempty" || o == "omitzero"
		}
		fn(name, optional)
	}
}
