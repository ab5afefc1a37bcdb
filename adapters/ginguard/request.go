package ginguard

import "github.com/gin-gonic/gin"

// request is the scopecheck.Request of a gin request: path parameters are
// gin.Context.Param (":org" in the route). A struct holding one pointer:
// passing it as an interface allocates nothing.
type request struct{ c *gin.Context }

func (q request) Method() string { return q.c.Request.Method }

func (q request) Param(name string) (string, bool) {
	v := q.c.Param(name)
	return v, v != ""
}

func (q request) Message() any { return nil }
