package echoguard

import (
	"github.com/labstack/echo/v4"

	"github.com/jwtguard/jwtguard/middleware"
)

// Claims returns the verified claims a guard put in the request of c. ok
// is false when the request was not authenticated (a public route called
// without a valid token, or no guard in front). It is the same as
// middleware.ClaimsFromContext(c.Request().Context()); there is no string
// key to remember and no setter.
func Claims(c echo.Context) (*middleware.Claims, bool) {
	if c == nil {
		return nil, false
	}
	r := c.Request()
	if r == nil {
		return nil, false
	}
	return middleware.ClaimsFromContext(r.Context())
}
