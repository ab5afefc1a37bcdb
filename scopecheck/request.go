package scopecheck

import "github.com/jwtguard/jwtguard/middleware"

// Request is the request being authorized, as an adapter shows it to
// requirements that compare a claim with a value of the request
// (ClaimRef.EqualsParam, ClaimRef.EqualsRequest). httpguard, ginguard and
// grpcguard implement it; other adapters can too.
type Request interface {
	// Method is the HTTP method ("GET"), or the gRPC full method name
	// ("/contacts.v1.Contacts/List").
	Method() string
	// Param returns the path parameter name of the route that matched:
	// http.Request.PathValue for net/http ("{org}" in the pattern),
	// gin.Context.Param for gin (":org"). ok is false when the route has
	// no such parameter or its value is empty. gRPC has no path
	// parameters: read the request message with EqualsRequest and Field.
	Param(name string) (value string, ok bool)
	// Message is the decoded request message of an RPC (the request of a
	// unary gRPC call, the first message of a stream), nil for HTTP.
	Message() any
}

// CheckRequest reports whether the token c, sent with the request req,
// satisfies r. permissions counts Auth0's permissions array as granted
// scopes. req may be nil: a requirement that reads the request is then not
// satisfied.
//
// It returns nil or a *middleware.Error. When r is not satisfied, the error
// says what to do, in this order of precedence:
//
//  1. The token's authentication is too weak or too old (ACR, MaxAge):
//     ErrInsufficientUserAuthentication, 401
//     error="insufficient_user_authentication" with acr_values and max_age
//     (RFC 9470 section 3), naming every acr and max_age of the failing
//     conjunction, since a new token must meet them all. A step-up comes
//     first: the client cannot learn whether the new token will do until
//     the user has authenticated as asked, and a token lacking a scope
//     is then refused with 403 in turn.
//  2. Scopes are missing: ErrInsufficientScope, 403 insufficient_scope
//     with the scope attribute naming them (RFC 6750 section 3.1).
//  3. Only claims fail (Claim, Client, Machine, User):
//     ErrInsufficientScope, 403 insufficient_scope (the token lacks the
//     privileges, RFC 6750 section 3.1) with ReasonClaimRequirement and
//     no scope attribute. The description names the claims, never a
//     value from the token or from the requirement.
//
// An unset or invalid requirement fails closed: 403 insufficient_scope,
// "this resource has no access policy". Public and Authenticated are
// satisfied by any token: whether a token is needed at all is the
// adapter's decision. On success it allocates nothing.
func CheckRequest(r Requirement, c *middleware.Claims, permissions bool, req Request) error {
	return r.check(&input{g: GrantedBy(c, permissions), req: req})
}

// Field returns a reader of a field of the request message, for
// EqualsRequest: the message must be an M (a *contactspb.ListRequest, say)
// and get returns the field; an empty field, a message of another type and
// no message at all (HTTP) read as no value, so the requirement is not
// satisfied. A method expression is the usual get:
//
//	scopecheck.Claim("org_id").EqualsRequest("org", scopecheck.Field((*contactspb.ListRequest).GetOrg))
//
// A panic in get is recovered and reads as no value.
func Field[M any](get func(M) string) func(Request) (string, bool) {
	return func(r Request) (v string, ok bool) {
		if r == nil || get == nil {
			return "", false
		}
		m, isM := r.Message().(M)
		if !isM {
			return "", false
		}
		defer func() {
			if recover() != nil {
				v, ok = "", false
			}
		}()
		v = get(m)
		return v, v != ""
	}
}

// UsesRequest reports whether r compares a claim with a value of the
// request (EqualsParam, EqualsRequest): an adapter that cannot show the
// request yet (a gRPC stream before its first message) then waits for it
// before refusing.
func (r Requirement) UsesRequest() bool {
	switch r.op {
	case opEqualsParam, opEqualsRequest:
		return true
	}
	for _, s := range r.subs {
		if s.UsesRequest() {
			return true
		}
	}
	return false
}
