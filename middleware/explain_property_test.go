package middleware

import (
	"context"
	"crypto/ed25519"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The property: for every token, Explain's verdict is Validate's (cache
// off), and the report leads to it: its first failed check carries the
// verdict's reason, it has no verdict check of its own (see
// Report.reconcile), and its checks come in Validate's order. It runs over
// the attack corpus (assertRejected calls explainAgrees, so every attack
// of attack_test.go and every other refusal asserted in this package is
// explained too), the seed corpora of FuzzValidate and FuzzValidateSigned
// (FuzzExplain and FuzzExplainSigned below), and random mutations of
// valid tokens (TestExplainAgreesMutations).

// checkOrder is the order of the checks of a report.
var checkOrder = []string{CheckFormat, CheckHeader, CheckType, CheckAlgorithm, CheckPayload, CheckIssuer, CheckKind,
	CheckAudience, CheckExpiry, CheckNotBefore, CheckIssuedAt, CheckKey, CheckSignature, CheckBinding, CheckScope}

// explainAgrees validates tok with v's checks and the cache off, explains
// it at the same instant, and fails t when the two disagree or the report
// does not lead to the verdict.
func explainAgrees(t testing.TB, v *Validator, tok string) *Report {
	t.Helper()
	now := v.now()
	vc := *v
	vc.cache = nil
	vc.now = func() time.Time { return now }
	_, err := vc.Validate(context.Background(), tok)
	r := v.Explain(context.Background(), tok, ExplainAt(now))
	var want Reason
	if err != nil {
		want = AsError(err).Reason
	}
	if r.Accepted != (err == nil) || r.Reason != want {
		t.Fatalf("Explain: accepted %v reason %q; Validate: %v (token %.80q)", r.Accepted, r.Reason, err, tok)
	}
	assertReportLeadsToVerdict(t, r, tok)
	return r
}

func assertReportLeadsToVerdict(t testing.TB, r *Report, tok string) {
	t.Helper()
	last := -1
	for _, c := range r.Checks {
		if c.Name == CheckVerdict {
			t.Fatalf("the checks did not foresee the verdict %s: %+v (token %.80q)", r.Reason, c, tok)
		}
		i := slices.Index(checkOrder, c.Name)
		if i <= last {
			t.Fatalf("check %q out of order or repeated in %v", c.Name, names(r))
		}
		last = i
		if c.Detail == "" {
			t.Fatalf("check %q without detail", c.Name)
		}
		if c.OK && (c.Skipped || c.Reason != "") || c.Skipped && c.Reason != "" {
			t.Fatalf("check %+v is inconsistent", c)
		}
	}
	f := r.Failed()
	switch {
	case r.Accepted && f != nil:
		t.Fatalf("accepted, yet %s failed", f.Name)
	case !r.Accepted && (f == nil || f.Reason != r.Reason):
		t.Fatalf("refused with %s, first failed check %+v", r.Reason, f)
	case r.Accepted && len(r.Checks) < len(checkOrder)-1:
		t.Fatalf("accepted with checks %v", names(r))
	}
}

func names(r *Report) []string {
	var out []string
	for _, c := range r.Checks {
		out = append(out, c.Name)
	}
	return out
}

// fuzzCorpus reads the seed corpus of a fuzz target: one entry per file,
// one value per line after the "go test fuzz v1" header.
func fuzzCorpus(t testing.TB, target string) [][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no seed corpus for %s: %v", target, err)
	}
	var out [][]string
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var vals []string
		for _, l := range lines[1:] {
			i, j := strings.IndexByte(l, '('), strings.LastIndexByte(l, ')')
			s, err := strconv.Unquote(l[i+1 : j])
			if err != nil {
				t.Fatalf("%s: %q: %v", name, l, err)
			}
			vals = append(vals, s)
		}
		out = append(out, vals)
	}
	return out
}

// FuzzExplain: the seeds of FuzzValidate, from its corpus and from the
// tokens it adds in code, and whatever the fuzzer makes of them: Explain
// agrees with Validate.
func FuzzExplain(f *testing.F) {
	for _, vals := range fuzzCorpus(f, "FuzzValidate") {
		f.Add(vals[0])
	}
	for _, alg := range []string{"RS256", "ES256", "EdDSA", "PS256"} {
		tok := token(f, alg, nil)
		p := strings.Split(tok, ".")
		f.Add(tok)
		f.Add(p[0] + "." + p[1] + ".")
		f.Add(p[0] + "=." + p[1] + "." + p[2])
		f.Add(tok[:len(tok)-1])
	}
	f.Add(token(f, "ES256", func(h, c map[string]any) {
		c["cnf"] = map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}
	}))
	f.Add(token(f, "ES256", func(h, c map[string]any) { c["typ"] = "Bearer"; c["nonce"] = "n" }))
	f.Add("ory_at_ZfDq0Zx1h-3mL_kT0pQ9vR2sW4yB6nC8eG1iK3mO5qU.Vb7-X9z_Aa1Cc3Ee5Gg7Ii9Kk1Mm3Oo5Qq7Ss9Uu1Ww")
	f.Add("")
	v := newValidator(f)
	f.Fuzz(func(t *testing.T, tok string) { explainAgrees(t, v, tok) })
}

// FuzzExplainSigned: the seeds of FuzzValidateSigned, signed with the
// fixture's Ed25519 key, so that every policy check is reached.
func FuzzExplainSigned(f *testing.F) {
	for _, vals := range fuzzCorpus(f, "FuzzValidateSigned") {
		f.Add([]byte(vals[0]), []byte(vals[1]))
	}
	v := newValidator(f)
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		input := b64url(header) + "." + b64url(payload)
		explainAgrees(t, v, input+"."+b64url(ed25519.Sign(fixture.ed, []byte(input))))
	})
}

// TestExplainAgreesMutations: random mutations of valid tokens of every
// kind (characters replaced, inserted, deleted, segments swapped,
// duplicated, dropped, cut), under several configurations.
func TestExplainAgreesMutations(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	validators := []*Validator{
		newValidator(t),
		newValidator(t, WithStrictTokenType(), WithLeeway(0)),
		newValidator(t, WithAlgorithms("ES256", "EdDSA"), WithMaxTokenSize(600)),
		newValidator(t, WithClock(func() time.Time { return now })),
	}
	var seeds []string
	for _, alg := range []string{"RS256", "PS384", "ES256", "ES512", "EdDSA"} {
		seeds = append(seeds, token(t, alg, nil))
	}
	for _, m := range []func(h, c map[string]any){
		func(h, c map[string]any) { h["typ"] = "at+jwt" },
		func(h, c map[string]any) { c["nonce"] = "n"; c["aud"] = "client-abc" },
		func(h, c map[string]any) { c["typ"] = "Bearer"; c["nonce"] = "n" },
		func(h, c map[string]any) { c["exp"] = 1 },
		func(h, c map[string]any) { c["nbf"] = 4102444800 },
		func(h, c map[string]any) { c["iat"] = 4102444800 },
		func(h, c map[string]any) { c["cnf"] = map[string]any{"jkt": "abc"} },
		func(h, c map[string]any) { c["cnf"] = map[string]any{"x5t#S256": "abc"} },
		func(h, c map[string]any) { h["kid"] = "nope" },
		func(h, c map[string]any) { delete(h, "kid") },
		func(h, c map[string]any) { h["kid"] = "ps256" },
		func(h, c map[string]any) { c["iss"] = "http://issuer.example.com" },
		func(h, c map[string]any) { delete(c, "exp") },
	} {
		seeds = append(seeds, token(t, "ES256", m))
	}
	seeds = append(seeds, "2YotnFZFEjr1zCsicMWpAA", "a.b.c.d.e")
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n"
	rng := rand.New(rand.NewPCG(1, 2))
	mutate := func(tok string) string {
		b := []byte(tok)
		for n := 1 + rng.IntN(3); n > 0 && len(b) > 0; n-- {
			i := rng.IntN(len(b))
			switch rng.IntN(8) {
			case 0, 1:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 2:
				b = slices.Insert(b, i, alphabet[rng.IntN(len(alphabet))])
			case 3:
				b = slices.Delete(b, i, i+1)
			case 4:
				b = b[:i]
			case 5:
				p := strings.Split(string(b), ".")
				if len(p) > 1 {
					j, k := rng.IntN(len(p)), rng.IntN(len(p))
					p[j], p[k] = p[k], p[j]
				}
				b = []byte(strings.Join(p, "."))
			case 6:
				p := strings.Split(string(b), ".")
				p = slices.Insert(p, rng.IntN(len(p)+1), p[rng.IntN(len(p))])
				b = []byte(strings.Join(p, "."))
			case 7:
				p := strings.Split(string(b), ".")
				j := rng.IntN(len(p))
				p = slices.Delete(p, j, j+1)
				b = []byte(strings.Join(p, "."))
			}
		}
		return string(b)
	}
	n := 3000
	if testing.Short() {
		n = 300
	}
	for _, s := range seeds {
		for _, v := range validators {
			explainAgrees(t, v, s)
		}
	}
	for i := 0; i < n; i++ {
		tok := mutate(seeds[rng.IntN(len(seeds))])
		explainAgrees(t, validators[i%len(validators)], tok)
	}
}
