package connectguard_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/jwtguard/jwtguard/adapters/connectguard"
	"github.com/jwtguard/jwtguard/jwtguardtest"
	"github.com/jwtguard/jwtguard/middleware"
	"github.com/jwtguard/jwtguard/scopecheck"
)

// The Guard fronts the Connect handlers: a listed procedure needs what the
// table says, an unlisted one is refused whatever the token.
func Example() {
	iss, _ := jwtguardtest.NewIssuer() // stands in for Auth0, Okta, Keycloak...
	defer iss.Close()
	const api = "https://contacts.example.com"
	v, err := middleware.New(iss.URL(), api)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := v.Prime(ctx); err != nil { // wait for the issuer's keys
		log.Fatal(err)
	}

	// A procedure written by hand; generated code registers the same way.
	whoami := func(ctx context.Context, _ *connect.Request[emptypb.Empty]) (*connect.Response[wrapperspb.StringValue], error) {
		claims, _ := middleware.ClaimsFromContext(ctx)
		return connect.NewResponse(wrapperspb.String(claims.Subject)), nil
	}
	mux := http.NewServeMux()
	for _, p := range []string{"/contacts.v1.Contacts/List", "/contacts.v1.Contacts/Purge"} {
		mux.Handle(p, connect.NewUnaryHandler(p, whoami))
	}
	srv := httptest.NewServer(connectguard.Protect(v, connectguard.Procedures{
		"/contacts.v1.Contacts/List": scopecheck.All("read:contacts"),
	}, mux, connectguard.WithRealm("contacts")))
	defer srv.Close()

	reader, _ := iss.AccessToken(jwtguardtest.Claims{Subject: "auth0|alice", Audience: []string{api}, Scope: "read:contacts"})
	for _, c := range []struct{ procedure, token string }{
		{"/contacts.v1.Contacts/List", reader},
		{"/contacts.v1.Contacts/List", ""},
		{"/contacts.v1.Contacts/Purge", reader},
	} {
		client := connect.NewClient[emptypb.Empty, wrapperspb.StringValue](srv.Client(), srv.URL+c.procedure)
		req := connect.NewRequest(&emptypb.Empty{})
		if c.token != "" {
			req.Header().Set("Authorization", "Bearer "+c.token)
		}
		res, err := client.CallUnary(context.Background(), req)
		var cerr *connect.Error
		if errors.As(err, &cerr) {
			fmt.Printf("%s: %s\n  %s\n", cerr.Code(), cerr.Message(), cerr.Meta().Get("WWW-Authenticate"))
			continue
		}
		fmt.Println("ok:", res.Msg.GetValue())
	}
	// Output:
	// ok: auth0|alice
	// unauthenticated: no bearer token in the Authorization header
	//   Bearer realm="contacts", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"
	// permission_denied: this resource has no access policy
	//   Bearer realm="contacts", error="insufficient_scope", error_description="this resource has no access policy", DPoP realm="contacts", algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"
}
