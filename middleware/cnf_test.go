package middleware

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

const x5tValue = "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"

func TestConfirmationDecoded(t *testing.T) {
	var cs claimSet
	if e := decodeClaims([]byte(`{"cnf":{"jkt":"thumb","x5t#S256":"`+x5tValue+`"}}`), &cs); e != nil {
		t.Fatal(e)
	}
	if cs.ConfirmationJKT != "thumb" || cs.ConfirmationX5T != x5tValue || cs.cnf != cnfPresent|cnfJKT|cnfX5T {
		t.Fatalf("jkt %q x5t %q flags %b", cs.ConfirmationJKT, cs.ConfirmationX5T, cs.cnf)
	}
	for _, bad := range []string{`{"cnf":{"x5t#S256":1}}`, `{"cnf":{"jkt":null}}`, `{"cnf":"x"}`, `{"cnf":{"jkt":"a","jkt":"b"}}`} {
		var cs claimSet
		if e := decodeClaims([]byte(bad), &cs); e == nil || e.Reason != ReasonClaims {
			t.Errorf("%s: %v", bad, e)
		}
	}
}

// TestUnsupportedConfirmation: a token sender-constrained by anything but
// cnf.jkt and cnf.x5t#S256 is refused under every scheme and by the public
// Validate, with a description that names the class of binding and never
// a value. (Certificate binding: mtls_test.go.)
func TestUnsupportedConfirmation(t *testing.T) {
	c := newDPoPClient(t)
	ctx := context.Background()
	cases := []struct {
		name string
		cnf  map[string]any
		desc string // in the description
	}{
		{"certificate-bound and jwk", map[string]any{"x5t#S256": x5tValue, "jwk": c.jwk}, "cnf jwk"},
		{"certificate-bound, DPoP-bound and kid", map[string]any{"x5t#S256": x5tValue, "jkt": c.jkt, "kid": "k"}, "cnf kid"},
		{"empty jkt beside x5t#S256", map[string]any{"x5t#S256": x5tValue, "jkt": ""}, "cnf.jkt is empty"},
		{"jwk (RFC 7800)", map[string]any{"jwk": c.jwk}, "cnf jwk"},
		{"jwk and jkt", map[string]any{"jwk": c.jwk, "jkt": c.jkt}, "cnf jwk"},
		{"jwe (RFC 7800)", map[string]any{"jwe": "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d"}, "cnf jwe"},
		{"kid (RFC 7800)", map[string]any{"kid": "client-key-7"}, "cnf kid"},
		{"jku (RFC 7800)", map[string]any{"jku": "https://client.example/jwks", "kid": "k"}, "cnf kid"},
		{"jku alone", map[string]any{"jku": "https://client.example/jwks"}, "cnf jku"},
		{"unknown member", map[string]any{"osc": "tls-exporter-9f2"}, "confirmation method (cnf member) this API does not know"},
		{"unknown member and jkt", map[string]any{"osc": "tls-exporter-9f2", "jkt": c.jkt}, "does not know"},
		{"empty cnf", map[string]any{}, "confirmation claim (cnf) is empty"},
		{"empty jkt", map[string]any{"jkt": ""}, "cnf.jkt is empty"},
	}
	validators := map[string]*Validator{"cache on": newValidator(t), "cache off": newValidator(t, WithTokenCache(0))}
	disabled := newValidator(t, WithDPoP(DPoPDisabled))
	for _, tc := range cases {
		tok := token(t, "ES256", func(h, cl map[string]any) { cl["cnf"] = tc.cnf })
		check := func(t *testing.T, err error) {
			t.Helper()
			assertDPoPError(t, err, ReasonUnsupportedConfirmation, ErrInvalidToken)
			e := AsError(err)
			if !strings.Contains(e.Description, tc.desc) {
				t.Errorf("description %q lacks %q", e.Description, tc.desc)
			}
			for _, val := range tc.cnf {
				s, _ := json.Marshal(val)
				if v := strings.Trim(string(s), `"`); len(v) > 4 && strings.Contains(e.Description+e.Hint, v) {
					t.Errorf("description %q echoes a cnf value", e.Description)
				}
			}
			if strings.Contains(e.Description, "osc") {
				t.Errorf("description %q names an unknown member", e.Description)
			}
		}
		for vname, v := range validators {
			t.Run(tc.name+"/"+vname, func(t *testing.T) {
				for i := 0; i < 2; i++ { // the second time from the cache, when on
					_, err := v.Validate(ctx, tok)
					check(t, err)
					_, err = v.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: tok})
					check(t, err)
					_, err = v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
					check(t, err)
				}
			})
		}
		t.Run(tc.name+"/DPoP disabled", func(t *testing.T) {
			_, err := disabled.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: tok})
			check(t, err)
		})
	}
}

// TestValidateRefusesBoundTokens: the public Validate is the Bearer path;
// a caller extracting tokens by itself never accepts a DPoP-bound token
// without its proof. Authenticate with the DPoP scheme does, and the cache
// answers both ways correctly.
func TestValidateRefusesBoundTokens(t *testing.T) {
	c := newDPoPClient(t)
	ctx := context.Background()
	for _, name := range []string{"cache on", "cache off"} {
		t.Run(name, func(t *testing.T) {
			v := newValidator(t)
			if name == "cache off" {
				v = newValidator(t, WithTokenCache(0))
			}
			tok := c.boundToken(t)
			assertRejected(t, v, tok, ReasonDPoPDowngrade, ErrInvalidToken)
			cl, err := v.Authenticate(ctx, dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
			if err != nil || cl.ConfirmationJKT != c.jkt {
				t.Fatalf("DPoP after Validate: %v", err)
			}
			assertRejected(t, v, tok, ReasonDPoPDowngrade, ErrInvalidToken)
			_, err = v.Authenticate(ctx, Credentials{Scheme: SchemeBearer, Token: tok})
			assertDPoPError(t, err, ReasonDPoPDowngrade, ErrInvalidToken)
			// An unbound token is unaffected.
			if _, err := v.Validate(ctx, token(t, "ES256", nil)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestBindingErrorsObserved: the binding check is part of the observed
// validation, with its reason and the matched issuer.
func TestBindingErrorsObserved(t *testing.T) {
	obs := &recordingObserver{}
	v := newValidator(t, WithObserver(obs))
	tok := token(t, "ES256", func(h, cl map[string]any) { cl["cnf"] = map[string]any{"kid": "k"} })
	v.Validate(context.Background(), tok)
	v.Authenticate(context.Background(), Credentials{Scheme: SchemeBearer, Token: tok})
	if len(obs.events) != 2 {
		t.Fatalf("events %+v", obs.events)
	}
	for _, ev := range obs.events {
		if ev.Reason != ReasonUnsupportedConfirmation || ev.Issuer != testIssuer {
			t.Errorf("event %+v", ev)
		}
	}
}
