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
	// (RFC 7800 cnf) by a method the validator does not verify (cnf jwk,
	// jwe, kid, jku, an unknown member, an empty cnf); refused under every
	// scheme.
	ReasonUnsupportedConfirmation Reason = "unsupported_cnf"

	// Certificate-bound access tokens (RFC 8705 section 3), all 401
	// invalid_token. A malformed cnf.x5t#S256 is ReasonClaims.
	//
	// ReasonMTLSNoCertificate: the token is certificate-bound and the
	// request presented no client certificate the API may use (none, one
	// the TLS handshake did not verify, none in a trusted proxy's
	// header), or the validation had no request (Validate).
	ReasonMTLSNoCertificate Reason = "mtls_no_certificate"
	// ReasonMTLSCertificateMismatch: the request's client certificate is
	// not the one the token is bound to.
	ReasonMTLSCertificateMismatch Reason = "mtls_certificate_mismatch"
	// ReasonMTLSProxyHeader: the TLS-terminating proxy the API trusts
	// (mtls.WithProxyHeader) forwarded a client certificate header that
	// cannot be used (several values, too long, malformed): a deployment
	// fault, logged at error level, answered 401 so that no client can
	// cause a 5xx.
	ReasonMTLSProxyHeader Reason = "mtls_proxy_header"
	// Token introspection (RFC 7662, WithIntrospection).
	//
	// ReasonInactive: the authorization server answered "active": false
	// for an opaque token (revoked, expired, unknown); 401 invalid_token.
	// Its other refusals reuse the reasons of the matching JWT checks
	// (expired, audience_mismatch, wrong_token_type...).
	ReasonInactive Reason = "inactive_token"
	// ReasonIntrospectionUnavailable: the introspection endpoint could not
	// be discovered, reached or understood (ErrUnavailable, 503).
	ReasonIntrospectionUnavailable Reason = "introspection_unavailable"
	// ReasonIntrospectionRateLimited: the introspection client's own flood
	// limits turned the request down (ErrUnavailable, 503; Error.RetryAfter
	// says when to retry).
	ReasonIntrospectionRateLimited Reason = "introspection_rate_limited"
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
	ReasonClaimRequirement, ReasonInsufficientUserAuthentication,
	ReasonMTLSNoCertificate, ReasonMTLSCertificateMismatch, ReasonMTLSProxyHeader,
	ReasonInactive, ReasonIntrospectionUnavailable, ReasonIntrospectionRateLimited,
	ReasonRevoked, ReasonRevocationUnavailable,
}
