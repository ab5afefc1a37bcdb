package ginguard

import (
	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/middleware"
)

// Claims returns the verified claims Protect put in the request of c. ok is
// false when the request was not authenticated (a public route called
// without a valid token, or no Protect in front). It is the same as
// middleware.ClaimsFromContext(c.Request.Context()); there is no string key
// to remember and no setter.
func Claims(c *gin.Context) (*middleware.Claims, bool) {
	if c == nil || c.Request == nil {
		return nil, false
	}
	return middleware.ClaimsFromContext(c.Request.Context())
}

// httpguardWriteError renders through httpguard, so gin and net/http
// answers are byte for byte the same.
func httpguardWriteError(c *gin.Context, err error, cfg *config) {
	httpguard.WriteError(c.Writer, c.Request, err, cfg.render...)
}
