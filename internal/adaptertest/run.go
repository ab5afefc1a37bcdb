package adaptertest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/jwtguard/jwtguard/middleware"
)

// The runners of the table: what consistency_test.go uses, exported so that
// adapters in modules of their own (echo, Connect), which the core module
// cannot import, run the very same cases and checks from their tests.

// DPoPAlgs is the algs parameter of the DPoP challenge of every validator
// of the cases: the default, every asymmetric algorithm.
const DPoPAlgs = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA"

// HTTPAnswer is what an HTTP adapter answered.
type HTTPAnswer struct {
	Rec *httptest.ResponseRecorder
	// Problem is the problem+json body of a refusal.
	Problem middleware.Problem
	// Sub is the sub the handler saw, from its {"sub": ...} body.
	Sub string
}

// ServeHTTP sends the request of tc (HTTPRoutes, its Authorization values,
// proofs as DPoP headers) to h. The handler of every route must answer
// {"sub": <the sub of the claims it saw, "" for none>}.
func ServeHTTP(t testing.TB, h http.Handler, tc Case, tokens Tokens, proofs []string) HTTPAnswer {
	t.Helper()
	p := HTTPRoutes[tc.Route]
	req := httptest.NewRequest(p[0], p[1], nil)
	for _, a := range tc.Auth(tokens) {
		req.Header.Add("Authorization", a)
	}
	for _, pr := range proofs {
		req.Header.Add("DPoP", pr)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return answer(t, rec)
}

// answer reads a recorded answer: the problem body of a refusal, the
// handler's sub otherwise.
func answer(t testing.TB, rec *httptest.ResponseRecorder) HTTPAnswer {
	t.Helper()
	a := HTTPAnswer{Rec: rec}
	if rec.Code >= 400 {
		if err := json.Unmarshal(rec.Body.Bytes(), &a.Problem); err != nil {
			t.Fatalf("problem body %q: %v", rec.Body, err)
		}
		return a
	}
	var body struct{ Sub string }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("handler body %q: %v", rec.Body, err)
	}
	a.Sub = body.Sub
	return a
}

// SendHTTP sends tc to h with the proofs the case asks for, after the
// preliminary request it needs (ProofsFor).
func SendHTTP(t testing.TB, env *Env, h http.Handler, tc Case) HTTPAnswer {
	t.Helper()
	proofs := ProofsFor(t, env, tc, HTTPTarget(tc.Route), func(p []string) (bool, middleware.Reason, string) {
		a := ServeHTTP(t, h, tc, env.Tokens, p)
		return a.Rec.Code == 200, a.Problem.Reason, a.Rec.Header().Get("DPoP-Nonce")
	})
	return ServeHTTP(t, h, tc, env.Tokens, proofs)
}

// Sender sends a case's request with proofs through one adapter and says
// whether it was served, else the reason and the nonce of the refusal.
type Sender func(proofs []string) (served bool, reason middleware.Reason, nonce string)

// ProofsFor returns the proofs of tc for a request to at, after the
// preliminary request the case asks for (Replay, RetryWithNonce), sent
// with send.
func ProofsFor(t testing.TB, env *Env, tc Case, at Target, send Sender) []string {
	t.Helper()
	switch {
	case tc.Replay:
		p := env.Proofs(t, tc, at, "")
		if served, reason, _ := send(p); !served {
			t.Fatalf("the proof was refused the first time: %s", reason)
		}
		return p
	case tc.RetryWithNonce:
		served, reason, nonce := send(env.Proofs(t, tc, at, ""))
		if served || reason != middleware.ReasonDPoPNonce || nonce == "" {
			t.Fatalf("proof without nonce: served %v, reason %q, nonce %q; want use_dpop_nonce and a nonce", served, reason, nonce)
		}
		return env.Proofs(t, tc, at, nonce)
	}
	return env.Proofs(t, tc, at, "")
}

// CheckHTTP checks an HTTP adapter's answer a (named name in failures)
// against tc: status, DPoP-Nonce, the exact challenge (WantChallenge), the
// problem body, Retry-After, and the sub the handler saw.
func CheckHTTP(t testing.TB, name string, a HTTPAnswer, tc Case) {
	t.Helper()
	if a.Rec.Code != tc.Status {
		t.Fatalf("%s: status %d, want %d: %s", name, a.Rec.Code, tc.Status, a.Rec.Body)
	}
	if n := a.Rec.Header().Get("DPoP-Nonce"); (n != "") != tc.Nonce {
		t.Errorf("%s: DPoP-Nonce %q, want one: %v", name, n, tc.Nonce)
	}
	ch := a.Rec.Header().Get("WWW-Authenticate")
	if tc.Status < 400 {
		if a.Sub != tc.Subject || ch != "" {
			t.Errorf("%s: handler saw sub %q (want %q), challenge %q", name, a.Sub, tc.Subject, ch)
		}
		return
	}
	p := a.Problem
	if p.Status != tc.Status || p.Error != tc.Code || p.Reason != tc.Reason || p.Scope != tc.Scope || p.Detail == "" ||
		p.ACRValues != tc.ACRValues || p.MaxAge != tc.MaxAge {
		t.Errorf("%s: problem %+v, want status %d error %q reason %q scope %q acr_values %q max_age %d",
			name, p, tc.Status, tc.Code, tc.Reason, tc.Scope, tc.ACRValues, tc.MaxAge)
	}
	if want := WantChallenge(tc, p.Detail); ch != want {
		t.Errorf("%s: challenge\n%q, want\n%q", name, ch, want)
	}
	if ra := a.Rec.Header().Get("Retry-After"); (tc.Status == 503) != (ra != "") {
		t.Errorf("%s: Retry-After %q on %d", name, ra, tc.Status)
	}
}

// WantChallenge is the WWW-Authenticate value of a refusal of tc whose
// description is desc: the Bearer challenge (unless DPoP is required) and
// the DPoP one (RFC 9449 section 7.1), the error attributes on the scheme
// tc.ErrorOn names; none for a 503. Adapters are configured with realm
// "contacts".
func WantChallenge(tc Case, desc string) string {
	if tc.Status == 503 {
		return ""
	}
	bearer, dpop := `Bearer realm="contacts"`, `DPoP realm="contacts", algs="`+DPoPAlgs+`"`
	if tc.Code != "" {
		attrs := `, error="` + tc.Code + `", error_description="` + desc + `"`
		if tc.Scope != "" {
			attrs += `, scope="` + tc.Scope + `"`
		}
		if tc.ACRValues != "" {
			attrs += `, acr_values="` + tc.ACRValues + `"`
		}
		if tc.MaxAge != 0 {
			attrs += `, max_age="` + strconv.FormatInt(tc.MaxAge, 10) + `"`
		}
		if tc.ErrorOn == middleware.SchemeDPoP {
			dpop += attrs
		} else {
			bearer += attrs
		}
	}
	if tc.API == DPoPOnlyAPI {
		return dpop
	}
	return bearer + ", " + dpop
}
