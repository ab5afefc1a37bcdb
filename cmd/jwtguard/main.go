// Command jwtguard says exactly why an API refuses a JWT access token, and
// what in an issuer's configuration will make it refuse them.
//
//	go run github.com/jwtguard/jwtguard/cmd/jwtguard explain -issuer ISS -audience AUD TOKEN
//	go run github.com/jwtguard/jwtguard/cmd/jwtguard doctor -issuer ISS -audience AUD
//	go run github.com/jwtguard/jwtguard/cmd/jwtguard decode TOKEN
//
// explain validates TOKEN as a middleware.Validator configured with the
// flags would (the same code: middleware.Validator.Explain), fetching the
// keys as the validator does, and prints the decoded header and claims,
// one line per check (ok, FAIL or skip, its name, the values involved and
// the nearest fix) and a last line "accepted" or "refused: <reason>".
// doctor fetches the issuer's discovery document and JWKS and reports, one
// finding a line, what will make the validator refuse tokens. decode
// prints a token's header and claims without verifying anything.
//
// Exit status: 0 accepted (explain), healthy (doctor), decoded (decode);
// 1 refused, something will break, not a JWT; 2 a usage or configuration
// error, or (explain) the keys could not be fetched, which is not the
// token's fault: the verdict is then keys_unavailable, as Validate's.
//
// explain is an oracle: its output tells which check failed and the
// values involved. It is a tool for developers and operators; never put
// it, or Validator.Explain, behind an endpoint an untrusted client can
// call.
package main

import (
	"os"
	"time"
)

func main() {
	a := &app{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		now:    time.Now,
		color:  isTerminal(os.Stdout) && os.Getenv("NO_COLOR") == "",
	}
	os.Exit(a.run(os.Args[1:]))
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
