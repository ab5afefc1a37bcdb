package middleware

import (
	"context"
	"errors"
	"time"
)

// RevocationQuery is what a Revocation is asked about one verified token:
// the claims a revocation can name. Empty strings and a zero IssuedAt mean
// the claim is absent.
type RevocationQuery struct {
	JTI      string    // jti
	Sub      string    // sub
	ClientID string    // client_id, else azp (Claims.ClientID)
	IssuedAt time.Time // iat; zero when the token has none
}

// Revocation is a revocation list consulted by a Validator for every
// token that passed the signature and claims checks, the tokens the
// verified-token cache answers for included (WithRevocation). One call of
// Check answers for one token, so a list kept elsewhere costs at most one
// round trip; the lists of jwtguard answer from memory.
//
// Check reports revoked true when any of these holds:
//
//   - the token's jti was revoked (RevokeJTI);
//   - its client_id was revoked (RevokeClient);
//   - its sub was revoked before T (RevokeSubject: "log out everywhere")
//     and its iat is before T, or it has no iat (fail closed: a token
//     without iat could have been issued at any time).
//
// An error means the list cannot answer; the request is refused with 503
// (ErrUnavailable, ReasonRevocationUnavailable), never accepted and never
// 401. Implementations must be safe for concurrent use and should be
// fast: Check runs on every request.
type Revocation interface {
	Check(ctx context.Context, q RevocationQuery) (revoked bool, err error)
}

// Revoker is a Revocation that can be written to. Each revocation holds
// until until, after which it is forgotten: pass the exp of the token it
// revokes, or now plus the longest lifetime the issuer gives its tokens,
// so that it outlives every token it revokes. A revocation whose until has
// passed is a no-op. Revoking again extends the entry, never shortens it.
type Revoker interface {
	Revocation
	// RevokeJTI revokes the token whose jti is jti.
	RevokeJTI(ctx context.Context, jti string, until time.Time) error
	// RevokeSubject revokes the tokens of sub issued before before (iat <
	// before), and those of sub without iat.
	RevokeSubject(ctx context.Context, sub string, before, until time.Time) error
	// RevokeClient revokes every token issued to clientID.
	RevokeClient(ctx context.Context, clientID string, until time.Time) error
}

// MaxRevocationIDSize is the longest jti, sub or client_id a Revoker of
// jwtguard accepts (bytes); longer ones are refused by the Revoke methods.
const MaxRevocationIDSize = 1024

// ErrRevocationFull is returned by a Revoker that holds as many live
// revocations as it may: it never forgets a live one to make room.
var ErrRevocationFull = errors.New("middleware: revocation list full")

// WithRevocation consults r for every token that passes the checks of
// Validate, after the verified-token cache (a cached token is consulted
// too, so a revoked token is refused from the next request on) and before
// the DPoP proof. A revoked token is refused with ErrInvalidToken
// (invalid_token, 401) and ReasonRevoked; when r fails, the request gets
// ErrUnavailable (503, ReasonRevocationUnavailable).
func WithRevocation(r Revocation) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("middleware: nil revocation list")
		}
		c.revocation = r
		return nil
	}
}

// revocationError consults the validator's revocation list about c.
func (v *Validator) revocationError(ctx context.Context, c *Claims) *Error {
	revoked, err := v.revocation.Check(ctx, RevocationQuery{
		JTI: c.ID, Sub: c.Subject, ClientID: c.ClientID(), IssuedAt: c.IssuedAt})
	switch {
	case err != nil:
		return NewError(ErrUnavailable, ReasonRevocationUnavailable,
			"the revocation list cannot be consulted; try again shortly").withCause(err)
	case revoked:
		return invalid(ReasonRevoked, "the access token has been revoked")
	}
	return nil
}
