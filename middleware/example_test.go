package middleware_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
	"github.com/jwtguard/jwtguard/middleware"
)

// mint signs an EdDSA token; real tokens come from your authorization server.
func mint(priv ed25519.PrivateKey, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	input := enc([]byte(`{"alg":"EdDSA","typ":"at+jwt","kid":"k1"}`)) + "." + enc([]byte(payload))
	return input + "." + enc(ed25519.Sign(priv, []byte(input)))
}

func Example() {
	pub, priv, _ := ed25519.GenerateKey(nil)
	key, _ := jwks.NewKey("k1", "EdDSA", pub)
	keys, _ := jwks.Static(key)

	v, err := middleware.New("https://tenant.example.com/", "https://contacts.example.com",
		middleware.WithKeys(keys),
		middleware.WithNamespace("https://myapp.example.com/"))
	if err != nil {
		panic(err)
	}

	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	tok := mint(priv, `{"iss":"https://tenant.example.com/","sub":"auth0|42",`+
		`"aud":["https://contacts.example.com"],"exp":`+exp+`,"scope":"read:contacts",`+
		`"https://myapp.example.com/favorite_color":"blue"}`)

	claims, err := v.Validate(context.Background(), tok)
	if err != nil {
		panic(err)
	}
	color, _ := middleware.Custom[string](claims, "favorite_color")
	fmt.Println(claims.Subject, claims.Scopes(), color)

	// An ID token sent as a bearer token is refused, with a reason.
	_, err = v.Validate(context.Background(), mint(priv, `{"iss":"https://tenant.example.com/",`+
		`"aud":"https://contacts.example.com","exp":`+exp+`,"nonce":"n"}`))
	var e *middleware.Error
	fmt.Println(errors.As(err, &e), e.Reason, e.HTTPStatus(), e.Code())
	// Output:
	// auth0|42 [read:contacts] blue
	// true id_token 401 invalid_token
}
