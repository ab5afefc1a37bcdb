package middleware

import (
	"context"
	"crypto/x509"
)

// confirmation records the members of a token's cnf claim (RFC 7800
// section 3.1), decoded with the other claims and kept in Claims, so the
// binding checks run after the verified-token cache as well. jwtguard
// verifies jkt (DPoP, RFC 9449) and x5t#S256 (certificate binding, RFC
// 8705); any other member binds the token to something it cannot check,
// and the token is refused under every scheme until it can
// (ReasonUnsupportedConfirmation).
type confirmation uint8

const (
	cnfPresent confirmation = 1 << iota // a cnf claim, even {}
	cnfJKT                              // jkt: DPoP key thumbprint, RFC 9449 section 6.1
	cnfX5T                              // x5t#S256: certificate thumbprint, RFC 8705 section 3.1
	cnfJWK                              // jwk: RFC 7800 section 3.2
	cnfJWE                              // jwe: RFC 7800 section 3.3
	cnfKID                              // kid: RFC 7800 section 3.4
	cnfJKU                              // jku: RFC 7800 section 3.5
	cnfOther                            // any other member
)

// confirmationMember returns the flag of a cnf member other than jkt and
// x5t#S256.
func confirmationMember(name string) confirmation {
	switch name {
	case "jwk":
		return cnfJWK
	case "jwe":
		return cnfJWE
	case "kid":
		return cnfKID
	case "jku":
		return cnfJKU
	}
	return cnfOther
}

// bindingError checks the sender constraint of a verified token against
// the scheme it came with and the request's client certificate (RFC 7800
// section 3.1; RFC 6750 for Bearer):
//
//   - unbound (no cnf): nil for every scheme, and get is never called;
//   - a cnf this validator cannot verify (any member but jkt and
//     x5t#S256, an empty cnf, an empty jkt): ReasonUnsupportedConfirmation,
//     for every scheme;
//   - DPoP-bound (cnf.jkt): ReasonDPoPDowngrade for Bearer (RFC 9449
//     section 7.2); for the DPoP scheme authenticate checks the proof
//     next;
//   - certificate-bound (cnf.x5t#S256), under either scheme: the client
//     certificate get returns must have that thumbprint (RFC 8705 section
//     3; certificateError). A token bound both ways needs both: the DPoP
//     scheme with its proof, and the certificate.
//
// It allocates only to refuse.
func (v *Validator) bindingError(ctx context.Context, c *Claims, scheme string, get func() (*x509.Certificate, error)) *Error {
	if c.cnf == 0 {
		return nil
	}
	if e := c.unsupportedConfirmation(); e != nil {
		return e
	}
	if c.cnf&cnfJKT != 0 && scheme != SchemeDPoP {
		return invalid(ReasonDPoPDowngrade, "a DPoP-bound access token was sent with the Bearer scheme (RFC 9449 section 7.2)")
	}
	if c.cnf&cnfX5T != 0 {
		return v.certificateError(ctx, c.ConfirmationX5T, get)
	}
	return nil
}

// unsupportedConfirmation refuses a cnf with a member other than jkt and
// x5t#S256, naming the class of binding (never a value, nor an unknown
// member's name). RFC 7800 section 3.1 requires a confirmation method in
// cnf: an empty cnf claims a binding nothing can check, and is refused
// too, as is an empty jkt. An empty or malformed x5t#S256 is
// certificateError's (bad_claims).
func (c *Claims) unsupportedConfirmation() *Error {
	var desc string
	switch m := c.cnf; {
	case m&cnfJWK != 0:
		desc = "the access token is bound to a proof-of-possession key given in cnf jwk (RFC 7800); this API does not verify that binding"
	case m&cnfJWE != 0:
		desc = "the access token is bound to an encrypted proof-of-possession key (cnf jwe, RFC 7800); this API does not verify that binding"
	case m&cnfKID != 0:
		desc = "the access token is bound to a proof-of-possession key named by cnf kid (RFC 7800); this API does not verify that binding"
	case m&cnfJKU != 0:
		desc = "the access token is bound to a proof-of-possession key from a JWK Set URL (cnf jku, RFC 7800); this API does not verify that binding"
	case m&cnfOther != 0:
		desc = "the access token is bound by a confirmation method (cnf member) this API does not know"
	case m&(cnfJKT|cnfX5T) == 0:
		desc = "the access token's confirmation claim (cnf) is empty; RFC 7800 section 3.1 requires a confirmation method"
	case m&cnfJKT != 0 && c.ConfirmationJKT == "":
		desc = "the access token's cnf.jkt is empty"
	default:
		return nil
	}
	return invalid(ReasonUnsupportedConfirmation, desc).
		withHint("request a Bearer or a DPoP-bound (cnf jkt, RFC 9449) access token for this API")
}
