package dpop

// Kind classifies a refused proof, for the caller to answer it.
type Kind uint8

const (
	// KindProof: the proof is missing a claim, malformed, forged, for
	// another request, key or access token, or outside its time window
	// (RFC 9449 section 4.3; "invalid_dpop_proof", 401).
	KindProof Kind = iota + 1
	// KindReplay: the proof was already used (RFC 9449 section 11.1;
	// "invalid_dpop_proof", 401).
	KindReplay
	// KindQuota: the proof's client key holds as many live proofs as the
	// replay store allows one key (ErrReplayKeyQuota): the client's doing;
	// it may retry later with a new proof ("invalid_dpop_proof", 401).
	KindQuota
	// KindNonce: the proof lacks the server nonce, or has a stale one
	// (RFC 9449 section 9; "use_dpop_nonce", 401). Error.Nonce is the
	// nonce to use.
	KindNonce
	// KindUnavailable: the replay store failed or is full, so the proof
	// cannot be checked now. A server-side condition: answer 503, never
	// 401. Error.Err is the store's error.
	KindUnavailable
)

// String returns "proof", "replay", "quota", "nonce" or "unavailable".
func (k Kind) String() string {
	switch k {
	case KindProof:
		return "proof"
	case KindReplay:
		return "replay"
	case KindQuota:
		return "quota"
	case KindNonce:
		return "nonce"
	case KindUnavailable:
		return "unavailable"
	}
	return "unknown"
}

// Error is the error of Verifier.Verify. It never holds the proof, the
// access token or key material.
type Error struct {
	Kind Kind
	// Description says what is wrong, safe to send to the client (it
	// holds no value read from the proof).
	Description string
	// Nonce is, for KindNonce, the nonce the client must put in its next
	// proof, sent in the DPoP-Nonce header (RFC 9449 section 9).
	Nonce string
	// Err is the replay store's error for KindQuota and KindUnavailable.
	Err error
}

// Error returns "dpop: <description>".
func (e *Error) Error() string { return "dpop: " + e.Description }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

func proofError(desc string) *Error { return &Error{Kind: KindProof, Description: desc} }
