package middleware

// Reason says why a request was refused. The list is fixed, so a Reason is
// safe as a metric label: it never carries anything taken from a token.
type Reason string

// The reasons. Each check of the validator has its own.
const (
	ReasonMissingToken      Reason = "missing_token"
	ReasonInvalidRequest    Reason = "invalid_request"
	ReasonTooLarge          Reason = "token_too_large"
	ReasonOpaque            Reason = "opaque_token"
	ReasonEncrypted         Reason = "encrypted_token"
	ReasonMalformed         Reason = "malformed"
	ReasonEncoding          Reason = "bad_encoding"
	ReasonHeader            Reason = "bad_header"
	ReasonAlgorithm         Reason = "alg_not_allowed"
	ReasonCrit              Reason = "unsupported_crit"
	ReasonNested            Reason = "nested_token"
	ReasonTokenType         Reason = "wrong_token_type"
	ReasonClaims            Reason = "bad_claims"
	ReasonIssuer            Reason = "issuer_mismatch"
	ReasonAudience          Reason = "audience_mismatch"
	ReasonMissingExpiry     Reason = "missing_exp"
	ReasonExpired           Reason = "expired"
	ReasonNotYetValid       Reason = "not_yet_valid"
	ReasonIssuedInFuture    Reason = "issued_in_future"
	ReasonIDToken           Reason = "id_token"
	ReasonUnknownKey        Reason = "unknown_kid"
	ReasonKeyMismatch       Reason = "alg_key_mismatch"
	ReasonSignature         Reason = "bad_signature"
	ReasonKeysUnavailable   Reason = "keys_unavailable"
	ReasonInsufficientScope Reason = "insufficient_scope"
	ReasonInternal          Reason = "internal"

	// DPoP (RFC 9449).
	ReasonDPoPProof     Reason = "dpop_invalid_proof"
	ReasonDPoPReplay    Reason = "dpop_replay"
	ReasonDPoPNonce     Reason = "dpop_nonce"
	ReasonDPoPDowngrade Reason = "dpop_downgrade"
	ReasonDPoPNotBound  Reason = "dpop_not_bound"
	ReasonDPoPRequired  Reason = "dpop_required"
	// ReasonDPoPReplayQuota: the proof's client key holds as many recent
	// proofs as the replay store allows one key (dpop.ErrReplayKeyQuota).
	ReasonDPoPReplayQuota Reason = "dpop_replay_quota"
	// ReasonReplayStoreUnavailable: the DPoP replay store failed or is
	// full (ErrUnavailable, 503).
	ReasonReplayStoreUnavailable Reason = "replay_store_unavailable"

	// ReasonUnsupportedConfirmation: the token is sender-constrained
	// (RFC 7800 cnf) by a method the validator does not verify, such as
	// certificate binding (RFC 8705 x5t#S256); refused under every scheme.
	ReasonUnsupportedConfirmation Reason = "unsupported_cnf"

	// ReasonRevoked: the token is on the revocation list (WithRevocation):
	// its jti, its client or its subject was revoked.
	ReasonRevoked Reason = "revoked"
	// ReasonRevocationUnavailable: the revocation list could not answer
	// (ErrUnavailable, 503).
	ReasonRevocationUnavailable Reason = "revocation_unavailable"
)

// Reasons lists every Reason, for observers that pre-register labels.
var Reasons = []Reason{
	ReasonMissingToken, ReasonInvalidRequest, ReasonTooLarge, ReasonOpaque,
	ReasonEncrypted, ReasonMalformed, ReasonEncoding, ReasonHeader,
	ReasonAlgorithm, ReasonCrit, ReasonNested, ReasonTokenType, ReasonClaims,
	ReasonIssuer, ReasonAudience, ReasonMissingExpiry, ReasonExpired,
	ReasonNotYetValid, ReasonIssuedInFuture, ReasonIDToken, ReasonUnknownKey,
	ReasonKeyMismatch, ReasonSignature, ReasonKeysUnavailable,
	ReasonInsufficientScope, ReasonInternal,
	ReasonDPoPProof, ReasonDPoPReplay, ReasonDPoPNonce, ReasonDPoPDowngrade,
	ReasonDPoPNotBound, ReasonDPoPRequired, ReasonUnsupportedConfirmation,
	ReasonDPoPReplayQuota, ReasonReplayStoreUnavailable,
	ReasonRevoked, ReasonRevocationUnavailable,
}
