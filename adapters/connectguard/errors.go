package connectguard

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/jwtguard/jwtguard/adapters/httpguard"
	"github.com/jwtguard/jwtguard/middleware"
)

// Metadata keys of refusals and of calls served with a DPoP-bound token.
// A refusal carries them as Connect sends an error's metadata: HTTP headers
// for the Connect protocol's unary calls, end-of-stream metadata for its
// streams, trailers for gRPC and gRPC-Web (headers of a trailers-only
// gRPC-Web answer), except that over gRPC the challenge is a response
// header. Connect clients find them all in (*connect.Error).Meta().
const (
	// ChallengeKey holds the RFC 6750 section 3 challenge of a refusal.
	ChallengeKey = "WWW-Authenticate"
	// NonceKey holds a server nonce (RFC 9449 section 9): a header of a
	// call served with a DPoP-bound token, metadata of a use_dpop_nonce
	// refusal.
	NonceKey = "DPoP-Nonce"
	// RetryAfterKey holds the seconds to wait after unavailable.
	RetryAfterKey = "Retry-After"
)

// ErrorDomain is the domain of the google.rpc.ErrorInfo detail of every
// refusal, as grpcguard sends it.
const ErrorDomain = "jwtguard"

// writeError answers a refused request: a Connect error in the protocol of
// the request (Connect, gRPC, gRPC-Web), or, for a request that is no RPC,
// httpguard's problem+json answer.
func (g *Guard) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := middleware.AsError(err)
	if !g.ew.IsSupported(r) {
		httpguard.WriteError(w, r, e, g.render...)
		return
	}
	ce := g.connectError(e)
	if ch := ce.Meta().Get(ChallengeKey); ch != "" && isGRPC(r) {
		// gRPC sends an error's metadata as HTTP trailers, and net/http
		// drops a WWW-Authenticate trailer (authentication fields belong
		// in the header section, RFC 9110 section 6.5.1): the challenge
		// goes in the response headers instead.
		ce.Meta().Del(ChallengeKey)
		w.Header().Set(ChallengeKey, ch)
	}
	g.ew.Write(w, r, ce) // an error here is the client's connection
}

// isGRPC reports whether r is a call of the gRPC protocol (not gRPC-Web).
func isGRPC(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return strings.HasPrefix(ct, "application/grpc") && !strings.HasPrefix(ct, "application/grpc-web")
}

// connectError converts a refusal into its Connect error: the code from
// (*middleware.Error).GRPCCode (unauthenticated, permission_denied,
// unavailable, invalid_argument; Connect's codes are gRPC's), the
// client-safe description as message, a google.rpc.ErrorInfo detail with
// jwtguard's reason, the RFC 6750 error code and the missing scopes, and as
// metadata the challenge (RFC 6750 section 3, RFC 9449 section 7.1), the
// nonce of use_dpop_nonce and the Retry-After of unavailable (WithRetryAfter,
// or the error's own RetryAfter when longer).
func (g *Guard) connectError(e *middleware.Error) *connect.Error {
	ce := connect.NewError(connect.Code(e.GRPCCode()), errors.New(e.Description))
	info := &errdetails.ErrorInfo{Domain: ErrorDomain, Reason: string(e.Reason), Metadata: map[string]string{}}
	if code := e.Code(); code != "" {
		info.Metadata["error"] = code
	}
	if len(e.Scopes) > 0 {
		info.Metadata["scope"] = strings.Join(e.Scopes, " ")
	}
	if d, err := connect.NewErrorDetail(info); err == nil {
		ce.AddDetail(d)
	}
	if !g.cfg.noChallenge {
		if ch := middleware.Challenge(g.cfg.realm, e); ch != "" {
			ce.Meta().Set(ChallengeKey, ch)
		}
	}
	if e.DPoPNonce != "" {
		ce.Meta().Set(NonceKey, e.DPoPNonce)
	}
	if e.HTTPStatus() == http.StatusServiceUnavailable {
		ce.Meta().Set(RetryAfterKey, strconv.Itoa(int((max(g.cfg.retryAfter, e.RetryAfter)+time.Second-1)/time.Second)))
	}
	return ce
}
