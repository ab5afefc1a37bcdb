package middleware_test

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
)

// tenantDB is the API's own list of customer tenants: the resolver looks
// the token's iss up in it, exactly, and answers with what it holds.
type tenantDB struct {
	mu      sync.Mutex
	tenants map[string]middleware.IssuerConfig // by issuer
}

func (db *tenantDB) resolve(ctx context.Context, iss string) (middleware.IssuerConfig, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	cfg, ok := db.tenants[iss]
	if !ok {
		// Never a pattern ("https://*.auth0.com/"): anyone can open a
		// tenant that matches it.
		return middleware.IssuerConfig{}, middleware.ErrIssuerNotTrusted
	}
	return cfg, nil
}

// A multi-tenant API: every customer has an authorization server of its
// own, known only from the API's tenant database. The token's iss, read
// before the signature is checked, picks the tenant; an issuer the
// database does not hold is refused without a request to it.
func ExampleWithIssuerResolver() {
	acme, _ := jwtguardtest.NewIssuer()
	defer acme.Close()
	stranger, _ := jwtguardtest.NewIssuer()
	defer stranger.Close()

	const api = "https://contacts.example.com"
	db := &tenantDB{tenants: map[string]middleware.IssuerConfig{
		acme.URL(): {Namespaces: []string{"https://acme.example.com/"}, Label: "acme"},
	}}
	v, err := middleware.New("", api, middleware.WithIssuerResolver(db.resolve),
		middleware.WithResolverSettings(middleware.ResolverSettings{MaxIssuers: 1000}))
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close() // stops the key sources of the resolved tenants

	for _, iss := range []*jwtguardtest.Issuer{acme, stranger} {
		tok, _ := iss.AccessToken(jwtguardtest.Claims{Audience: []string{api},
			Custom: map[string]any{"https://acme.example.com/plan": "gold"}})
		c, err := v.Validate(context.Background(), tok)
		if err != nil {
			fmt.Println(middleware.AsError(err).Reason)
			continue
		}
		plan, _ := middleware.Custom[string](c, "plan")
		fmt.Println("accepted, plan", plan)
	}
	st := v.IssuerStatus()
	fmt.Println(len(st), st[0].Label, st[0].Resolved, st[0].Ready)
	fmt.Println("requests to the stranger:", stranger.JWKSFetches()+stranger.DiscoveryFetches())
	// Output:
	// accepted, plan gold
	// issuer_mismatch
	// 1 acme true true
	// requests to the stranger: 0
}
