package middleware

import (
	"context"

	"github.com/jwtguard/jwtguard/internal/authctx"
)

// ClaimsFromContext returns the verified claims that a jwtguard adapter put
// into the request context. ok is false for requests that were not
// authenticated (public routes, or no jwtguard adapter in front). There is
// no exported setter: only jwtguard's adapters can mark a request
// authenticated.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := authctx.Value(ctx).(*Claims)
	return c, ok && c != nil
}
