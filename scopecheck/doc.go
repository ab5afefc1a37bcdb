// Package scopecheck states what a route needs from an access token and
// checks it.
//
// A Requirement is All(...), Any(...), a composition of them (And, Or), or
// one of the two explicit non-scope requirements: Public (no token at all)
// and Authenticated (any valid access token). The zero Requirement is
// "unset" and denies everything: a route that states nothing is never
// served (fail closed).
//
// Granted scopes come from the scope claim (space-delimited, RFC 9068
// section 2.2.3), scp (a string or an array: Okta, Entra ID) and, when a
// policy enables it, Auth0's RBAC permissions array. Matching is exact and
// case-sensitive (RFC 6749 section 3.3): "read:contacts:all" and
// "xread:contacts" never satisfy "read:contacts".
package scopecheck
