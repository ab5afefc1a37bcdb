package middleware

// confirmation records the members of a token's cnf claim (RFC 7800
// section 3.1), decoded with the other claims and kept in Claims, so the
// binding checks run after the verified-token cache as well. jwtguard
// verifies jkt only (DPoP, RFC 9449); any other member binds the token to
// something it cannot check, and the token is refused under every scheme
// until it can (ReasonUnsupportedConfirmation). Certificate binding
// (RFC 8705 x5t#S256) is decoded already (Claims.ConfirmationX5T) for the
// day it is verified.
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
// the scheme it came with (RFC 7800 section 3.1; RFC 6750 for Bearer):
//
//   - unbound (no cnf): nil for every scheme;
//   - a cnf this validator cannot verify (any member but jkt, an empty
//     cnf, an empty jkt): ReasonUnsupportedConfirmation, for every scheme;
//   - DPoP-bound (cnf.jkt only): nil for the DPoP scheme, whose proof
//     authenticate checks next, and ReasonDPoPDowngrade for Bearer (RFC
//     9449 section 7.2).
//
// It allocates only to refuse.
func (c *Claims) bindingError(scheme string) *Error {
	if c.cnf == 0 {
		return nil
	}
	if e := c.unsupportedConfirmation(); e != nil {
		return e
	}
	if scheme != SchemeDPoP {
		return invalid(ReasonDPoPDowngrade, "a DPoP-bound access token was sent with the Bearer scheme (RFC 9449 section 7.2)")
	}
	return nil
}

// unsupportedConfirmation refuses a cnf other than a non-empty jkt alone,
// naming the class of binding (never a value, nor an unknown member's
// name). RFC 7800 section 3.1 requires a confirmation method in cnf: an
// empty cnf claims a binding nothing can check, and is refused too.
func (c *Claims) unsupportedConfirmation() *Error {
	var desc string
	switch m := c.cnf; {
	case m&cnfX5T != 0:
		desc = "the access token is certificate-bound (cnf x5t#S256, RFC 8705 mutual TLS); this API does not verify certificate binding"
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
	case m&cnfJKT == 0:
		desc = "the access token's confirmation claim (cnf) is empty; RFC 7800 section 3.1 requires a confirmation method"
	case c.ConfirmationJKT == "":
		desc = "the access token's cnf.jkt is empty"
	default:
		return nil
	}
	return invalid(ReasonUnsupportedConfirmation, desc).
		withHint("request a Bearer or a DPoP-bound (cnf jkt, RFC 9449) access token for this API")
}
