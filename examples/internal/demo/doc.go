// Package demo holds what jwtguard's example programs share, so that the
// net/http, gin and gRPC demos keep one contract: the configuration (flags
// and JWTGUARD_* environment variables), the key source and validator built
// from it, the embedded development issuer with its minted demo tokens, the
// in-memory contacts data and the /api/me answer.
//
// A demo program reads its configuration, starts an Env and serves:
//
//	cfg := demo.DefaultConfig()
//	if err := cfg.Parse("contacts", os.Args[1:], os.Getenv); err != nil { ... }
//	env, err := demo.Start(cfg) // dev issuer when no -issuer; never blocks on the network
//	defer env.Close()
//	... serve with env.Validator, demo.NewStore(), demo.WhoAmI ...
//
// Nothing here is specific to a transport except PrintCurl, which prints
// curl commands for the HTTP routes, and the TLS flags (-tls-cert,
// -tls-key, -client-ca, -dev-tls; tls.go), which RunHTTP serves: HTTPS,
// and client certificates for certificate-bound tokens (RFC 8705).
package demo
