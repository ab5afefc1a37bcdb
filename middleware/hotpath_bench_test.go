package middleware

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/jwtguard/jwtguard/internal/jose"
)

// auth0Payload is the claims of an Auth0 access token (see bench/fixture.go).
const auth0Payload = `{"https://myapp.example.com/roles":["admin","editor"],"iss":"https://tenant.eu.auth0.com/",` +
	`"sub":"auth0|64f1c2a9b8e7d6c5b4a30001","aud":["https://contacts.example.com","https://tenant.eu.auth0.com/userinfo"],` +
	`"iat":1790000000,"exp":1790086400,"scope":"openid profile email read:contacts write:contacts",` +
	`"azp":"kQ8vR1xYb2NmT4pZ7wLc3HdF6sJg9AeU","permissions":["read:contacts","write:contacts"]}`

const auth0Header = `{"alg":"RS256","typ":"JWT","kid":"Xq3mTn0cR7uVb1Zs9LkD2"}`

// auth0Shaped is a token of the size of an RS256 Auth0 token; its
// signature is 256 arbitrary bytes.
var auth0Shaped = base64.RawURLEncoding.EncodeToString([]byte(auth0Header)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(auth0Payload)) + "." +
	base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("s", 256)))

// The benchmarks below split the hot path of Validate into its parts; the
// whole path, beside the signature floor, is in bench/.

func BenchmarkSplitCompact(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, e := splitCompact(auth0Shaped); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkSplitCompactFast(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, e := splitCompactFast(auth0Shaped); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkDecodeHeader(b *testing.B) {
	data := []byte(auth0Header)
	b.ReportAllocs()
	for b.Loop() {
		var h header
		if e := decodeHeader(data, &h); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkDecodeClaims(b *testing.B) {
	data := []byte(auth0Payload)
	b.ReportAllocs()
	for b.Loop() {
		var cs claimSet
		if e := decodeClaims(data, &cs); e != nil {
			b.Fatal(e)
		}
	}
}

func BenchmarkDecodeSegments(b *testing.B) {
	p, _ := splitCompact(auth0Shaped)
	buf := make([]byte, len(auth0Shaped))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := jose.DecodeSegment(buf, p.Header); !ok {
			b.Fatal("header")
		}
		if _, ok := jose.DecodeSegment(buf, p.Payload); !ok {
			b.Fatal("payload")
		}
	}
}
