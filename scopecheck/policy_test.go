package scopecheck

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	p := NewPolicy(map[string]Requirement{
		"GET /api/public":              Public,
		"GET /api/contacts":            All("read:contacts"),
		"DELETE /api/contacts/{id}":    All("delete:contacts"),
		"GET /api/me":                  Authenticated,
		"GET /api/orgs/{org}/contacts": And(All("read:contacts"), orgParam()),
		"GET /api/audit":               And(All("read:audit"), ACR(mfa), MaxAge(300*time.Second)),
		"POST /api/contacts":           Or(All("write:contacts"), Claim("roles").Includes("admin")),
		"/grpc.health.v1.Health/":      Public,
	})
	j, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "policy.golden.json", j)
	golden(t, "policy.golden.txt", []byte(p.String()))
	var back struct {
		Version int
		Routes  []struct {
			Route       string
			Requirement map[string]any
			Text        string
		}
	}
	if err := json.Unmarshal(j, &back); err != nil || back.Version != 1 || len(back.Routes) != 8 || back.Routes[0].Route != "GET /api/audit" || back.Routes[7].Route != "/grpc.health.v1.Health/" {
		t.Fatalf("%v %+v", err, back)
	}
}
