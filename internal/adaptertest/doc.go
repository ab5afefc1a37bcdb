// Package adaptertest holds the one table of cases that every jwtguard
// adapter (net/http, gin, gRPC unary and stream) must answer the same way,
// with the environment the cases need: an in-process issuer, a validator
// with keys, a validator whose keys cannot be loaded, and the tokens.
// consistency_test.go runs the table through all the adapters.
package adaptertest
