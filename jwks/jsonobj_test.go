package jwks

import (
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/jsonscan"
)

// nested is n arrays, one inside the other.
func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// TestDocumentsReadStrictly: JWK Sets and discovery documents are read by
// the token reader's rules (internal/jsonscan), stricter than encoding/json
// was: invalid UTF-8 anywhere and nesting deeper than jsonscan.MaxDepth
// refuse the whole document, as do repeated names and trailing data.
func TestDocumentsReadStrictly(t *testing.T) {
	one, _ := json.Marshal(jwkOf(t, newEC(t, elliptic.P256()), "k"))
	const iss = "https://idp.example.com/"
	md := `"issuer":"` + iss + `","jwks_uri":"https://idp.example.com/keys"`
	// A member value nests MaxDepth+1 levels below the document object at
	// most: the reader counts from the first value.
	deepest, tooDeep := nested(jsonscan.MaxDepth+1), nested(jsonscan.MaxDepth+2)
	tests := []struct {
		name    string
		jwks    string // a JWK Set
		md      string // a discovery document
		wantErr error  // nil: accepted
	}{
		{"nesting at the limit", `{"x":` + deepest + `,"keys":[` + string(one) + `]}`, `{` + md + `,"x":` + deepest + `}`, nil},
		{"nesting past the limit", `{"x":` + tooDeep + `,"keys":[` + string(one) + `]}`, `{` + md + `,"x":` + tooDeep + `}`, jsonscan.ErrDepth},
		{"invalid UTF-8 in a value", "{\"x\":\"a\xffb\",\"keys\":[]}", "{" + md + ",\"x\":\"a\xffb\"}", jsonscan.ErrUTF8},
		{"invalid UTF-8 in a name", "{\"\xfe\":1,\"keys\":[]}", "{" + md + ",\"\xfe\":1}", jsonscan.ErrUTF8},
		{"invalid UTF-8 in a key's kid", "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"k\xff\"}]}", "{" + md + ",\"y\":{\"z\":[\"\xff\"]}}", jsonscan.ErrUTF8},
		{"lone surrogate escape", `{"x":"\ud800","keys":[]}`, `{` + md + `,"x":"\ud800"}`, nil},
		{"repeated name", `{"keys":[],"keys":[]}`, `{` + md + `,"issuer":"x"}`, jsonscan.ErrDuplicate},
		{"trailing data", `{"keys":[]} x`, `{` + md + `} x`, jsonscan.ErrTrailing},
		{"number beyond float64", `{"x":1e400,"keys":[]}`, `{` + md + `,"x":1e400}`, jsonscan.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseJWKS([]byte(tt.jwks), nil)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("JWKS refused: %v", err)
			case tt.wantErr != nil && (s != nil || !errors.Is(err, ErrMalformedDocument) || !errors.Is(err, tt.wantErr)):
				t.Errorf("JWKS: %v, %v; want ErrMalformedDocument and %v", s, err, tt.wantErr)
			case err != nil && strings.Contains(err.Error(), "jsonscan"):
				t.Errorf("JWKS error names the internal package: %v", err)
			}
			uri, err := parseMetadata(iss+".well-known/openid-configuration", []byte(tt.md), iss, false)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("discovery document refused: %v", err)
			case tt.wantErr != nil && (uri != "" || !errors.Is(err, tt.wantErr)):
				t.Errorf("discovery document: %q, %v; want %v", uri, err, tt.wantErr)
			}
		})
	}
}

// TestRepeatedMemberNamed: a repeated member is named in the error.
func TestRepeatedMemberNamed(t *testing.T) {
	_, err := parseObject([]byte(`{"use":"enc","kty":"EC","use":"sig"}`))
	if err == nil || err.Error() != `member "use" repeated` || !errors.Is(err, jsonscan.ErrDuplicate) {
		t.Fatalf("err = %v", err)
	}
}
