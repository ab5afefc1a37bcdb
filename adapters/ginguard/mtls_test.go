package ginguard_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwtguard/jwtguard/adapters/ginguard"
	"github.com/jwtguard/jwtguard/internal/adaptertest"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// A nil extractor is a start-up mistake: Protect panics. (The
// certificate-bound cases over TLS are internal/adaptertest's MTLSCases.)
func TestClientCertificatesNil(t *testing.T) {
	env := adaptertest.NewEnv(t)
	defer func() {
		if r := recover(); fmt.Sprint(r) != "ginguard: WithClientCertificates given a nil extractor" {
			t.Errorf("recovered %v", r)
		}
	}()
	ginguard.Protect(env.V, ginguard.WithClientCertificates(nil))
	t.Error("no panic")
}

// The extractor given reaches the credentials: a trusted proxy's header
// is read.
func TestClientCertificatesOption(t *testing.T) {
	env := adaptertest.NewEnv(t)
	for _, d := range []adaptertest.Deployment{adaptertest.BehindProxy, adaptertest.InsecureUnverified} {
		for _, tc := range adaptertest.MTLSCases {
			if tc.Deploy != d || !strings.Contains(tc.Name, "its") {
				continue
			}
			r := gin.New()
			r.Use(ginguard.Protect(env.V, ginguard.WithRealm("contacts"), ginguard.WithClientCertificates(env.Extractor(t, d))))
			r.GET("/api/contacts", ginguard.Require(scopecheck.All("read:contacts")), func(c *gin.Context) {
				cl, _ := ginguard.Claims(c)
				c.JSON(200, map[string]string{"sub": cl.Subject})
			})
			a := adaptertest.SendHTTPS(t, env, env.ServeHTTPS(t, r, d), tc)
			adaptertest.CheckHTTP(t, tc.Name, a, tc.Case)
		}
	}
}
