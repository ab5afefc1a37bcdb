package jwks_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

// The EC key of RFC 7517 appendix A.1, and a symmetric key that a JWKS must
// never provide.
const exampleJWKS = `{"keys":[
 {"kty":"oct","kid":"shared","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
 {"kty":"EC","crv":"P-256","kid":"1","use":"sig",
  "x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
  "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}]}`

// ParseJWKS binds each key to one algorithm and drops unusable keys one by
// one, saying why.
func ExampleParseJWKS() {
	set, err := jwks.ParseJWKS([]byte(exampleJWKS), nil)
	if err != nil {
		panic(err)
	}
	k, _ := set.Lookup("1")
	fmt.Println(set.KIDs(), k.Alg())
	for _, d := range set.Dropped() {
		fmt.Println(d)
	}
	// Output:
	// [1] ES256
	// jwks: key 0 (kid "shared") dropped: symmetric (oct) keys are never taken from a JWKS
}

// NewRemote never blocks; Prime lets a service wait for the first key set
// before it starts serving.
func ExampleNewRemote() {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		fmt.Fprint(w, exampleJWKS)
	}))
	defer idp.Close()

	keys, err := jwks.NewRemote(idp.URL+"/.well-known/jwks.json", jwks.WithMaxWait(time.Second))
	if err != nil {
		panic(err)
	}
	defer keys.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := keys.Prime(ctx); err != nil {
		fmt.Println("keys unavailable:", err)
		return
	}
	fmt.Println("ready:", keys.Ready(), keys.Keys().KIDs())
	// Output:
	// ready: true [1]
}
