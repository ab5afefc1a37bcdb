package middleware

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/jwtguard/jwtguard/dpop"
)

// failingStore is a DPoP replay store that fails with err.
type failingStore struct{ err error }

func (s failingStore) Seen(context.Context, dpop.ReplayEntry) (bool, error) { return false, s.err }

// TestReplayStoreFailureIs503: a replay store that fails or is full is the
// API's failure: ErrUnavailable, 503 and gRPC Unavailable, no error code
// and no challenge, never a 401; the store's error stays the cause.
func TestReplayStoreFailureIs503(t *testing.T) {
	c := newDPoPClient(t)
	tok := c.boundToken(t)
	for _, storeErr := range []error{errors.New("connection refused"), dpop.ErrReplayStoreFull} {
		v := newValidator(t, WithDPoPReplayStore(failingStore{storeErr}))
		_, err := v.Authenticate(context.Background(), dpopCreds(tok, c.proof(t, "DELETE", apiURL, tok, nil)))
		e := AsError(err)
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalidDPoPProof) || errors.Is(err, ErrKeysUnavailable) ||
			!errors.Is(err, storeErr) || e.Reason != ReasonReplayStoreUnavailable {
			t.Fatalf("%v: err = %v (reason %s)", storeErr, err, e.Reason)
		}
		if e.HTTPStatus() != http.StatusServiceUnavailable || e.GRPCCode() != grpcUnavailable || e.Code() != "" || Challenge("api", err) != "" {
			t.Errorf("%v: status %d, gRPC %d, code %q, challenge %q", storeErr, e.HTTPStatus(), e.GRPCCode(), e.Code(), Challenge("api", err))
		}
		if p := ProblemFor(err, false); p.Status != 503 || p.Error != "" || p.Reason != ReasonReplayStoreUnavailable {
			t.Errorf("%v: problem %+v", storeErr, p)
		}
	}
}

// TestKeysUnavailableIsUnavailable: ErrKeysUnavailable is one kind of
// ErrUnavailable, and both are answered alike.
func TestKeysUnavailableIsUnavailable(t *testing.T) {
	if !errors.Is(ErrKeysUnavailable, ErrUnavailable) || errors.Is(ErrUnavailable, ErrKeysUnavailable) {
		t.Fatal("ErrKeysUnavailable does not unwrap to ErrUnavailable alone")
	}
	if ErrKeysUnavailable.Error() != "middleware: verification keys unavailable" {
		t.Errorf("ErrKeysUnavailable text %q", ErrKeysUnavailable)
	}
	for _, cat := range []error{ErrKeysUnavailable, ErrUnavailable} {
		e := NewError(cat, ReasonKeysUnavailable, "later")
		if !errors.Is(e, ErrUnavailable) || e.HTTPStatus() != 503 || e.GRPCCode() != grpcUnavailable || e.Code() != "" || Challenge("", e) != "" {
			t.Errorf("%v: status %d, gRPC %d, code %q", cat, e.HTTPStatus(), e.GRPCCode(), e.Code())
		}
	}
}

// TestNewReasonsListed: the reasons of this change are in Reasons.
func TestNewReasonsListed(t *testing.T) {
	for _, r := range []Reason{ReasonDPoPReplayQuota, ReasonReplayStoreUnavailable} {
		if !slices.Contains(Reasons, r) {
			t.Errorf("%s missing from Reasons", r)
		}
	}
}
