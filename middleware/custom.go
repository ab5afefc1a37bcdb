package middleware

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrClaimNotFound is returned by Custom when the token has no such claim.
var ErrClaimNotFound = errors.New("middleware: claim not found")

// registered lists the claims the Claims struct already carries; they are
// not custom claims.
var registered = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true,
	"jti": true, "azp": true, "client_id": true, "scope": true, "scp": true,
	"permissions": true, "gty": true, "cnf": true,
}

// Custom decodes the custom claim name into a T. The name is looked up with
// each namespace of the validator prepended (Auth0 namespaced claims, e.g.
// "favorite_color" finds "https://myapp.example.com/favorite_color"), then
// as given, so non-namespaced private claims are reachable too. Nothing is
// decoded until Custom is called. It returns ErrClaimNotFound when the claim
// is absent and a decode error when it does not fit T.
func Custom[T any](c *Claims, name string) (T, error) {
	var zero T
	raw, ok := c.lookup(name)
	if !ok {
		return zero, fmt.Errorf("%w: %q", ErrClaimNotFound, name)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, fmt.Errorf("middleware: claim %q: %w", name, err)
	}
	return v, nil
}

// CustomClaims returns the namespaced claims with their namespace stripped,
// plus the non-registered claims without a namespace, as raw JSON.
// A namespaced claim wins over a plain claim of the same short name.
func (c *Claims) CustomClaims() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	plain := map[string]json.RawMessage{}
	c.each(func(k string, v []byte) {
		for _, ns := range c.namespaces {
			if short, ok := strings.CutPrefix(k, ns); ok && short != "" {
				out[short] = json.RawMessage(v)
				return
			}
		}
		if !registered[k] && !strings.Contains(k, "://") {
			plain[k] = json.RawMessage(v)
		}
	})
	for k, v := range plain {
		if _, dup := out[k]; !dup {
			out[k] = v
		}
	}
	return out
}

// NamespacedClaims returns only the claims under the validator's
// namespaces, namespace stripped.
func (c *Claims) NamespacedClaims() map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	c.each(func(k string, v []byte) {
		for _, ns := range c.namespaces {
			if short, ok := strings.CutPrefix(k, ns); ok && short != "" {
				out[short] = json.RawMessage(v)
				return
			}
		}
	})
	return out
}

// DecodeCustom decodes the custom claims (see CustomClaims) into dst, a
// pointer to the caller's own struct, using encoding/json rules.
func DecodeCustom(c *Claims, dst any) error {
	b, err := json.Marshal(c.CustomClaims())
	if err != nil {
		return fmt.Errorf("middleware: custom claims: %w", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("middleware: custom claims: %w", err)
	}
	return nil
}

// lookup finds name under each namespace, then as given.
func (c *Claims) lookup(name string) ([]byte, bool) {
	if name == "" {
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

// each calls fn for every top-level member of the payload. The payload was
// validated by decodeClaims, so it parses.
func (c *Claims) each(fn func(k string, v []byte)) {
	var r objectReader
	r.reset(c.raw)
	for r.next() {
		k := r.key
		v, ok := r.skipValue()
		if !ok {
			return
		}
		fn(k, v)
	}
}
