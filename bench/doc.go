// Package bench holds jwtguard's benchmarks and the fixture they share with
// the peer comparison module in bench/peers: signing keys, Auth0-style access
// tokens and the raw standard-library "floor" that every number is compared
// with.
//
// The floor is the least work any validator must do for a compact JWS:
// decode the signature from base64url, hash the signing input and verify
// the signature with the standard library (issue 5). Nothing is parsed or
// checked. FloorJSON adds what a straightforward implementation does next:
// decode the claims with encoding/json and check iss, aud and exp.
//
// The package has no effect on the library: nothing outside bench imports
// it. See bench/README.md for the commands and the numbers.
package bench
