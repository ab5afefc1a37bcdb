// Package peers compares jwtguard with the raw standard-library floor and
// with the Go JWT libraries an API would otherwise use, on the same
// Auth0-style tokens with the same checks (signature, iss, aud, exp), in one
// go test -bench run. It is its own module so that the peers never enter
// jwtguard's go.mod. See ../README.md and ../run.sh.
package peers
