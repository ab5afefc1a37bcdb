package jwks

import (
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestParseJWKSKeys checks, key by key, which algorithm a JWK is bound to
// or why it is dropped (RFC 7517 section 4, RFC 7518 sections 3 and 6).
func TestParseJWKSKeys(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	p256 := newEC(t, elliptic.P256())
	p384 := newEC(t, elliptic.P384())
	p521 := newEC(t, elliptic.P521())
	ed := newEd(t)
	ecPriv := jwkOf(t, p256, "k", "d", b64(p256.D.Bytes()))
	tests := []struct {
		name    string
		jwk     map[string]any
		allowed []Alg
		want    Alg    // bound algorithm when kept
		drop    string // reason fragment when dropped
	}{
		{"RSA without alg binds RS256", jwkOf(t, rsaKey, "k"), nil, RS256, ""},
		{"RSA without alg, PS256 only allowed", jwkOf(t, rsaKey, "k"), []Alg{PS256}, PS256, ""},
		{"RSA without alg, RS512 only allowed", jwkOf(t, rsaKey, "k"), []Alg{ES256, RS512}, RS512, ""},
		{"RSA alg PS384", jwkOf(t, rsaKey, "k", "alg", "PS384"), nil, PS384, ""},
		{"RSA alg not allowed", jwkOf(t, rsaKey, "k", "alg", "RS256"), []Alg{PS256}, "", "alg RS256 is not allowed"},
		{"RSA alg HS256", jwkOf(t, rsaKey, "k", "alg", "HS256"), nil, "", "not a supported signature algorithm"},
		{"alg none", jwkOf(t, rsaKey, "k", "alg", "none"), nil, "", "not a supported signature algorithm"},
		{"RSA under 2048 bits", jwkOf(t, testSmallRSAKey(), "k"), nil, "", "2048"},
		{"EC P-256 binds ES256", jwkOf(t, p256, "k"), nil, ES256, ""},
		{"EC P-384 binds ES384", jwkOf(t, p384, "k"), nil, ES384, ""},
		{"EC P-521 binds ES512", jwkOf(t, p521, "k"), nil, ES512, ""},
		{"EC P-256 with alg ES384", jwkOf(t, p256, "k", "alg", "ES384"), nil, "", "needs curve P-384"},
		{"EC with alg RS256", jwkOf(t, p256, "k", "alg", "RS256"), nil, "", "needs an RSA key"},
		{"EC not allowed", jwkOf(t, p256, "k"), []Alg{RS256}, "", "no allowed algorithm"},
		{"EC unknown curve", jwkOf(t, p256, "k", "crv", "secp256k1"), nil, "", "unsupported curve"},
		{"OKP Ed25519 binds EdDSA", jwkOf(t, ed, "k"), nil, EdDSA, ""},
		{"OKP X25519", jwkOf(t, ed, "k", "crv", "X25519"), nil, "", "unsupported OKP curve"},
		{"use sig kept", jwkOf(t, p256, "k", "use", "sig"), nil, ES256, ""},
		{"use enc dropped", jwkOf(t, p256, "k", "use", "enc"), nil, "", `use "enc"`},
		{"use null dropped", jwkOf(t, p256, "k", "use", json.RawMessage("null")), nil, "", `"use" is not a string`},
		{"key_ops verify kept", jwkOf(t, p256, "k", "key_ops", []string{"verify"}), nil, ES256, ""},
		{"key_ops without verify", jwkOf(t, p256, "k", "key_ops", []string{"encrypt", "sign"}), nil, "", "key_ops"},
		{"key_ops empty", jwkOf(t, p256, "k", "key_ops", []string{}), nil, "", "key_ops"},
		{"key_ops not an array", jwkOf(t, p256, "k", "key_ops", "verify"), nil, "", "not an array"},
		{"private EC key", ecPriv, nil, "", "private key material"},
		{"oct key", map[string]any{"kty": "oct", "kid": "k", "k": b64(make([]byte, 32)), "alg": "HS256"}, nil, "", "symmetric (oct) keys are never taken"},
		{"oct key without alg", map[string]any{"kty": "oct", "kid": "k", "k": b64(make([]byte, 32))}, nil, "", "symmetric (oct) keys are never taken"},
		{"unknown kty", map[string]any{"kty": "XYZ", "kid": "k"}, nil, "", "unsupported kty"},
		{"no kty", map[string]any{"kid": "k", "n": "AQAB"}, nil, "", "unsupported kty"},
		{"kid not a string", jwkOf(t, p256, "", "kid", 7), nil, "", `"kid" is not a string`},
		{"RSA with bad modulus", jwkOf(t, rsaKey, "k", "n", "!!"), nil, "", "invalid JWK"},
		{"kty RSA with EC members", jwkOf(t, p256, "k", "kty", "RSA"), nil, "", "invalid JWK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseJWKS(jwksDoc(t, tt.jwk), tt.allowed)
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			if tt.drop != "" {
				d := s.Dropped()
				if s.Len() != 0 || len(d) != 1 {
					t.Fatalf("kept %d keys, dropped %v; want the key dropped", s.Len(), d)
				}
				var ke *KeyError
				if !errors.As(d[0], &ke) || ke.Index != 0 || !strings.Contains(ke.Reason, tt.drop) {
					t.Fatalf("dropped with %v, want reason containing %q", d[0], tt.drop)
				}
				return
			}
			k, ok := s.Lookup("k")
			if !ok || len(s.Dropped()) != 0 {
				t.Fatalf("key not kept: %v", s.Dropped())
			}
			if k.Alg() != tt.want {
				t.Fatalf("bound to %s, want %s", k.Alg(), tt.want)
			}
		})
	}
}

// Members are read by exact name and may not repeat, so that jwx and the
// checks here always read the same key.
func TestParseJWKSMemberNames(t *testing.T) {
	p256 := newEC(t, elliptic.P256())
	base, _ := json.Marshal(jwkOf(t, p256, "k"))
	body := string(base[1 : len(base)-1])
	tests := []struct {
		name string
		jwk  string
		keep bool
	}{
		{"repeated use", `{"use":"enc",` + body + `,"use":"sig"}`, false},
		{"repeated kty", `{"kty":"oct",` + body + `}`, false},
		{"repeated alg", `{"alg":"ES256",` + body + `,"alg":"RS256"}`, false},
		{"differently cased use is not use", `{"USE":"enc",` + body + `}`, true},
		{"differently cased kty is not kty", `{"KTY":"oct",` + body + `}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseJWKS([]byte(`{"keys":[`+tt.jwk+`]}`), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Len() == 1; got != tt.keep {
				t.Fatalf("kept = %v, want %v (dropped: %v)", got, tt.keep, s.Dropped())
			}
			if !tt.keep && !strings.Contains(s.Dropped()[0].Error(), "repeated") {
				t.Fatalf("dropped with %v, want a repeated-member reason", s.Dropped()[0])
			}
		})
	}
}

// One bad key never drops the others.
func TestParseJWKSDropsOneByOne(t *testing.T) {
	rsaKey := testRSAKeys()[0]
	p256 := newEC(t, elliptic.P256())
	doc := jwksDoc(t,
		jwkOf(t, p256, "good-ec"),
		map[string]any{"kty": "oct", "kid": "sym", "k": b64(make([]byte, 32))},
		jwkOf(t, newEC(t, elliptic.P256()), "enc", "use", "enc"),
		jwkOf(t, testSmallRSAKey(), "small"),
		jwkOf(t, rsaKey, "good-rsa"),
		jwkOf(t, p256, "priv", "d", b64(p256.D.Bytes())),
		jwkOf(t, newEC(t, elliptic.P256()), "good-ec"), // duplicate kid
		map[string]any{"kty": 1},
	)
	s, err := ParseJWKS(doc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.KIDs(); fmt.Sprint(got) != "[good-ec good-rsa]" {
		t.Fatalf("KIDs = %v", got)
	}
	want := []struct {
		index  int
		kid    string
		reason string
	}{{1, "sym", "symmetric (oct)"}, {2, "enc", "use"}, {3, "small", "2048"}, {5, "priv", "private"}, {6, "good-ec", "duplicate kid"}, {7, "", "not a string"}}
	d := s.Dropped()
	if len(d) != len(want) {
		t.Fatalf("dropped %d keys, want %d: %v", len(d), len(want), d)
	}
	for i, w := range want {
		var ke *KeyError
		if !errors.As(d[i], &ke) || ke.Index != w.index || ke.KID != w.kid || !strings.Contains(ke.Reason, w.reason) {
			t.Errorf("dropped[%d] = %v, want index %d kid %q reason %q", i, d[i], w.index, w.kid, w.reason)
		}
	}
	k, _ := s.Lookup("good-ec")
	if jwkOf(t, k.PublicKey(), "")["x"] != jwkOf(t, p256, "")["x"] {
		t.Fatal("the duplicate kid replaced the first key")
	}
}

func TestParseJWKSDocument(t *testing.T) {
	p256 := newEC(t, elliptic.P256())
	one, _ := json.Marshal(jwkOf(t, p256, "k"))
	keysDoc := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"keys":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"kty":"EC","crv":"P-256","kid":"k%d","x":%q,"y":%q}`, i, jwkOf(t, p256, "")["x"], jwkOf(t, p256, "")["y"])
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	big := []byte(`{"keys":[],"pad":"` + strings.Repeat("a", MaxDocumentBytes) + `"}`)
	tests := []struct {
		name    string
		doc     []byte
		wantErr bool
		keys    int
	}{
		{"empty keys", []byte(`{"keys":[]}`), false, 0},
		{"one key", []byte(`{"keys":[` + string(one) + `]}`), false, 1},
		{"other members ignored", []byte(`{"x":{"y":[1]},"keys":[` + string(one) + `]}`), false, 1},
		{"100 keys", keysDoc(MaxKeys), false, MaxKeys},
		{"101 keys", keysDoc(MaxKeys + 1), true, 0},
		{"over 1 MiB", big, true, 0},
		{"not JSON", []byte(`<html>`), true, 0},
		{"empty", nil, true, 0},
		{"array", []byte(`[` + string(one) + `]`), true, 0},
		{"no keys member", []byte(`{}`), true, 0},
		{"keys null", []byte(`{"keys":null}`), true, 0},
		{"keys object", []byte(`{"keys":{}}`), true, 0},
		{"keys string", []byte(`{"keys":"[]"}`), true, 0},
		{"Keys is not keys", []byte(`{"Keys":[]}`), true, 0},
		{"repeated keys member", []byte(`{"keys":[],"keys":[` + string(one) + `]}`), true, 0},
		{"trailing data", []byte(`{"keys":[]}{}`), true, 0},
		{"trailing invalid JSON", []byte(`{"keys":[]}A0`), true, 0},
		{"trailing bracket", []byte(`{"keys":[]}]`), true, 0},
		{"trailing NUL", []byte("{\"keys\":[]}\x00"), true, 0},
		{"trailing no-break space", []byte("{\"keys\":[]}\u00a0"), true, 0},
		{"trailing JSON whitespace", []byte("{\"keys\":[]} \t\r\n"), false, 0},
		{"truncated", []byte(`{"keys":[` + string(one)), true, 0},
		{"a single JWK", one, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseJWKS(tt.doc, nil)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformedDocument) || s != nil {
					t.Fatalf("ParseJWKS = %v, %v; want ErrMalformedDocument", s, err)
				}
				return
			}
			if err != nil || s.Len() != tt.keys {
				t.Fatalf("ParseJWKS = %d keys, %v; want %d keys", s.Len(), err, tt.keys)
			}
		})
	}
}
