package middleware

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jwtguard/jwtguard/jwks"
)

func stepUpError() *Error {
	e := NewError(ErrInsufficientUserAuthentication, ReasonInsufficientUserAuthentication, "a different authentication level is required")
	e.ACRValues = []string{"http://schemas.openid.net/pape/policies/2007/06/multi-factor", "urn:mfa"}
	e.MaxAge = 300 * time.Second
	return e
}

// TestStepUpCategory: RFC 9470 section 3, a 401 with its own error code,
// Unauthenticated over gRPC.
func TestStepUpCategory(t *testing.T) {
	e := stepUpError()
	if !errors.Is(e, ErrInsufficientUserAuthentication) || errors.Is(e, ErrInvalidToken) {
		t.Error("category")
	}
	if e.Code() != "insufficient_user_authentication" || e.HTTPStatus() != 401 || e.GRPCCode() != grpcUnauthenticated {
		t.Errorf("code %q status %d grpc %d", e.Code(), e.HTTPStatus(), e.GRPCCode())
	}
	for _, r := range []Reason{ReasonClaimRequirement, ReasonInsufficientUserAuthentication} {
		if !slices.Contains(Reasons, r) {
			t.Errorf("Reasons lacks %s", r)
		}
	}
	seen := map[Reason]bool{}
	for _, r := range Reasons {
		if seen[r] {
			t.Errorf("Reasons lists %s twice", r)
		}
		seen[r] = true
	}
}

// TestStepUpChallenge: acr_values and max_age (whole seconds) follow the
// error attributes, on the scheme the request used (RFC 9449 section 7.1).
func TestStepUpChallenge(t *testing.T) {
	e := stepUpError()
	const attrs = `error="insufficient_user_authentication", error_description="a different authentication level is required", ` +
		`acr_values="http://schemas.openid.net/pape/policies/2007/06/multi-factor urn:mfa", max_age="300"`
	if got, want := Challenge("api", e), `Bearer realm="api", `+attrs; got != want {
		t.Errorf("bearer:\n got %s\nwant %s", got, want)
	}
	only := NewError(ErrInsufficientUserAuthentication, ReasonInsufficientUserAuthentication, "more recent authentication is required")
	only.MaxAge = 90*time.Second + 900*time.Millisecond
	if got, want := Challenge("", only), `Bearer error="insufficient_user_authentication", error_description="more recent authentication is required", max_age="90"`; got != want {
		t.Errorf("max_age only:\n got %s\nwant %s", got, want)
	}
	v := newValidator(t, WithDPoPAlgorithms(jwks.ES256))
	if got, want := Challenge("", v.Annotate(e, SchemeDPoP)), `Bearer, DPoP algs="ES256", `+attrs; got != want {
		t.Errorf("dpop:\n got %s\nwant %s", got, want)
	}
	if got, want := Challenge("", v.Annotate(e, SchemeBearer)), `Bearer `+attrs+`, DPoP algs="ES256"`; got != want {
		t.Errorf("bearer with dpop offered:\n got %s\nwant %s", got, want)
	}
	// Attribute values cannot break the header open.
	bad := stepUpError()
	bad.ACRValues = []string{`a"b\c`}
	bad.MaxAge = 0
	if got, want := Challenge("", bad), `Bearer error="insufficient_user_authentication", error_description="a different authentication level is required", acr_values="a'b/c"`; got != want {
		t.Errorf("quoting:\n got %s\nwant %s", got, want)
	}
	// Other categories never carry the step-up attributes' absence as noise.
	if got := Challenge("", invalid(ReasonExpired, "the token has expired")); got != `Bearer error="invalid_token", error_description="the token has expired"` {
		t.Errorf("invalid_token: %s", got)
	}
}

func TestStepUpProblem(t *testing.T) {
	b, err := json.Marshal(ProblemFor(stepUpError(), false))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"a different authentication level is required",` +
		`"error":"insufficient_user_authentication","reason":"insufficient_user_authentication",` +
		`"acr_values":"http://schemas.openid.net/pape/policies/2007/06/multi-factor urn:mfa","max_age":300}`
	if string(b) != want {
		t.Errorf("problem\n got %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(ProblemFor(invalid(ReasonExpired, "expired"), false))
	if string(b) != `{"type":"about:blank","title":"Unauthorized","status":401,"detail":"expired","error":"invalid_token","reason":"expired"}` {
		t.Errorf("problem without step-up: %s", b)
	}
}
