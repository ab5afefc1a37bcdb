package middleware

import (
	"errors"

	"github.com/jwtguard/jwtguard/dpop"
)

// dpopError maps an error of dpop.Verifier.Verify to the validator's
// vocabulary. It is the one place where DPoP verdicts become categories
// and reasons:
//
//   - a bad proof: ErrInvalidDPoPProof, ReasonDPoPProof (401);
//   - a replayed proof: ErrInvalidDPoPProof, ReasonDPoPReplay (401);
//   - a client key over its replay quota: ErrInvalidDPoPProof,
//     ReasonDPoPReplayQuota (401: the client's doing);
//   - a missing or stale server nonce: ErrUseDPoPNonce, ReasonDPoPNonce,
//     with the fresh nonce in Error.DPoPNonce (401);
//   - a replay store that fails or is full: ErrUnavailable,
//     ReasonReplayStoreUnavailable (503: a dependency of the API fails,
//     not the client).
//
// The description is the dpop error's, which is client-safe; the dpop
// error stays the cause for the replay store's verdicts, so
// errors.Is(err, dpop.ErrReplayStoreFull) holds.
func dpopError(err error) *Error {
	var de *dpop.Error
	if !errors.As(err, &de) {
		return AsError(err)
	}
	switch de.Kind {
	case dpop.KindReplay:
		return NewError(ErrInvalidDPoPProof, ReasonDPoPReplay, de.Description)
	case dpop.KindQuota:
		return NewError(ErrInvalidDPoPProof, ReasonDPoPReplayQuota, de.Description).withCause(de)
	case dpop.KindNonce:
		e := NewError(ErrUseDPoPNonce, ReasonDPoPNonce, de.Description)
		e.DPoPNonce = de.Nonce
		return e
	case dpop.KindUnavailable:
		return NewError(ErrUnavailable, ReasonReplayStoreUnavailable, de.Description).withCause(de)
	}
	return proofError(de.Description)
}

// proofError is a refused proof the validator finds itself (no proof, two
// proofs) or dpop.KindProof.
func proofError(desc string) *Error {
	return NewError(ErrInvalidDPoPProof, ReasonDPoPProof, desc)
}
