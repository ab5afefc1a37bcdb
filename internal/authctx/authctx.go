// Package authctx holds the context keys under which jwtguard's adapters
// record what they learned about a request. It is internal so that only
// jwtguard can mark a request authenticated; everyone reads the claims
// through middleware.ClaimsFromContext.
//
// Two records exist, under two keys:
//
//   - Auth: a guard verified the request's credentials with a validator
//     (By) and got Claims. A later guard of the same validator reuses them
//     instead of authenticating the request again, which would see the
//     DPoP proof's jti a second time and refuse it as a replay (RFC 9449
//     section 11.1). A guard of another validator (another API, another
//     audience) ignores the record and authenticates the request itself.
//   - Failure: a guard of a public route found no valid credentials and
//     let the request through without claims. It is not an authentication:
//     ClaimsFromContext does not see it and guards do not reuse it; it only
//     tells a later gate of the same validator why to refuse.
//
// The validator is stored as an any (this package cannot import
// middleware, which imports it) and compared by identity.
package authctx

import "context"

// key and failureKey are unexported pointer-free struct types: no other
// package can build a value equal to them.
type (
	key        struct{}
	failureKey struct{}
)

// Auth records one successful authentication.
type Auth struct {
	prev *Auth // the record this one hides, if any

	// By is the *middleware.Validator that verified Claims; nil when the
	// claims were stored with With, then no guard reuses them.
	By any
	// Claims are the verified *middleware.Claims.
	Claims any
	// Scheme is the scheme the token came with: middleware.SchemeBearer
	// or middleware.SchemeDPoP.
	Scheme string
}

// WithAuth returns ctx carrying a. Only jwtguard packages can call it.
func WithAuth(ctx context.Context, a Auth) context.Context {
	a.prev = get(ctx)
	return context.WithValue(ctx, key{}, &a)
}

// With returns ctx carrying claims verified by no known validator: they
// reach ClaimsFromContext but no guard reuses them.
func With(ctx context.Context, claims any) context.Context {
	return WithAuth(ctx, Auth{Claims: claims})
}

// Value returns the claims of the innermost Auth of ctx, or nil.
func Value(ctx context.Context) any {
	if a := get(ctx); a != nil {
		return a.Claims
	}
	return nil
}

// AuthBy returns the innermost Auth of ctx that validator by (not nil)
// made: a guard of by may reuse it. Records of other validators are
// skipped, never returned. ok is false when by authenticated nothing.
func AuthBy(ctx context.Context, by any) (Auth, bool) {
	if by == nil {
		return Auth{}, false
	}
	for a := get(ctx); a != nil; a = a.prev {
		if a.By == by && a.Claims != nil {
			return *a, true
		}
	}
	return Auth{}, false
}

func get(ctx context.Context) *Auth {
	if ctx == nil {
		return nil
	}
	a, _ := ctx.Value(key{}).(*Auth)
	return a
}

// failure is why a guard of by let a request through unauthenticated.
type failure struct {
	by   any
	err  error
	prev *failure
}

// WithFailure returns ctx recording that a guard of validator by found no
// valid credentials (err) and let the request through, as public routes
// do. It does not mark the request authenticated.
func WithFailure(ctx context.Context, by any, err error) context.Context {
	return context.WithValue(ctx, failureKey{}, &failure{by: by, err: err, prev: getFailure(ctx)})
}

// FailureBy returns the error of the innermost WithFailure of ctx that
// validator by (not nil) recorded.
func FailureBy(ctx context.Context, by any) (error, bool) {
	if by == nil {
		return nil, false
	}
	for f := getFailure(ctx); f != nil; f = f.prev {
		if f.by == by {
			return f.err, true
		}
	}
	return nil, false
}

func getFailure(ctx context.Context) *failure {
	if ctx == nil {
		return nil
	}
	f, _ := ctx.Value(failureKey{}).(*failure)
	return f
}

// ClaimsBy returns the claims and scheme of AuthBy(ctx, by) as a *C
// (*middleware.Claims for the adapters).
func ClaimsBy[C any](ctx context.Context, by any) (claims *C, scheme string, ok bool) {
	a, ok := AuthBy(ctx, by)
	if !ok {
		return nil, "", false
	}
	c, ok := a.Claims.(*C)
	if !ok || c == nil {
		return nil, "", false
	}
	return c, a.Scheme, true
}
