package bench

import "crypto/fips140"

// CryptoBuild names the cryptography the running binary uses, so a result
// file says what was measured rather than what the script meant to build:
//
//	boringcrypto             GOEXPERIMENT=boringcrypto: BoringSSL's FIPS module through cgo
//	fips140=on module=V      GODEBUG=fips140=on (or a GOFIPS140 build), Go Cryptographic Module V
//	fips140=only module=V    the same, non-approved algorithms refused
//	default                  the Go Cryptographic Module, FIPS 140-3 mode off
//
// V is fips140.Version(): "latest" for the module in GOROOT/src, or the
// frozen snapshot GOFIPS140 selected (v1.0.0, v1.26.0).
func CryptoBuild() string {
	if boringCrypto {
		return "boringcrypto"
	}
	if !fips140.Enabled() {
		return "default"
	}
	mode := "fips140=on"
	if fips140.Enforced() {
		mode = "fips140=only"
	}
	return mode + " module=" + fips140.Version()
}
