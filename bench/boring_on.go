//go:build goexperiment.boringcrypto

package bench

// boringCrypto is true in a GOEXPERIMENT=boringcrypto build: crypto/rsa,
// crypto/ecdsa, crypto/sha256 and crypto/hmac call BoringSSL through cgo.
const boringCrypto = true
