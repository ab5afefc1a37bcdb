// Package authctx holds the context key under which jwtguard's adapters
// store verified claims. It is internal so that only jwtguard can mark a
// request authenticated; everyone reads through
// middleware.ClaimsFromContext.
package authctx

import "context"

// key is an unexported pointer-free struct type: no other package can build
// a value equal to it.
type key struct{}

// With returns ctx carrying v. Only jwtguard packages can call it.
func With(ctx context.Context, v any) context.Context {
	return context.WithValue(ctx, key{}, v)
}

// Value returns what With stored, or nil.
func Value(ctx context.Context) any {
	if ctx == nil {
		return nil
	}
	return ctx.Value(key{})
}
