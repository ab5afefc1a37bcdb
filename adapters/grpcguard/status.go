package grpcguard

import (
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/jwtguard/jwtguard/middleware"
)

// statusOf converts a refusal into its gRPC status: the code from
// (*middleware.Error).GRPCCode (Unauthenticated, PermissionDenied,
// Unavailable, InvalidArgument), the client-safe description as message,
// and a google.rpc.ErrorInfo detail with jwtguard's reason, the RFC 6750
// (or RFC 9470) error code, the missing scopes ("scope") and, for a
// step-up, "acr_values" and "max_age" (seconds).
func statusOf(e *middleware.Error) error {
	st := status.New(codes.Code(e.GRPCCode()), e.Description)
	info := &errdetails.ErrorInfo{Domain: "jwtguard", Reason: string(e.Reason), Metadata: map[string]string{}}
	if code := e.Code(); code != "" {
		info.Metadata["error"] = code
	}
	if len(e.Scopes) > 0 {
		info.Metadata["scope"] = strings.Join(e.Scopes, " ")
	}
	// A step-up (RFC 9470 section 3): what a new token needs, as in the
	// challenge.
	if len(e.ACRValues) > 0 {
		info.Metadata["acr_values"] = strings.Join(e.ACRValues, " ")
	}
	if e.MaxAge > 0 {
		info.Metadata["max_age"] = strconv.FormatInt(int64(e.MaxAge/time.Second), 10)
	}
	if withInfo, err := st.WithDetails(info); err == nil {
		st = withInfo
	}
	return st.Err()
}

// trailer is the trailer of a refusal: the "www-authenticate" challenge
// (RFC 6750 section 3, RFC 9449 section 7.1), unless turned off or the
// refusal is Unavailable, and for use_dpop_nonce the nonce the next proof
// must carry in "dpop-nonce" (RFC 9449 section 9). It is nil when there is
// nothing to send.
func (g *Guard) trailer(e *middleware.Error) metadata.MD {
	var md metadata.MD
	if !g.cfg.noChallenge {
		if ch := middleware.Challenge(g.cfg.realm, e); ch != "" {
			md = metadata.Pairs(ChallengeKey, ch)
		}
	}
	if e.DPoPNonce != "" {
		md = metadata.Join(md, metadata.Pairs(NonceKey, e.DPoPNonce))
	}
	return md
}

// nonceHeader is the header of a call served with a DPoP-bound token when
// the validator uses nonces: a fresh nonce for the next proof (RFC 9449
// section 9). It is nil otherwise.
func (g *Guard) nonceHeader(scheme string) metadata.MD {
	if scheme != middleware.SchemeDPoP {
		return nil
	}
	if n := g.v.DPoPNonce(); n != "" {
		return metadata.Pairs(NonceKey, n)
	}
	return nil
}

// Metadata keys the interceptors read and write.
const (
	// AuthorizationKey holds "Bearer <token>" or "DPoP <token>".
	AuthorizationKey = "authorization"
	// ProofKey holds the DPoP proof (RFC 9449 section 4), exactly one.
	ProofKey = "dpop"
	// ChallengeKey is the trailer holding the WWW-Authenticate challenge.
	ChallengeKey = "www-authenticate"
	// NonceKey holds a server nonce: a header of a call served with a
	// DPoP-bound token, a trailer of a use_dpop_nonce refusal.
	NonceKey = "dpop-nonce"
)
