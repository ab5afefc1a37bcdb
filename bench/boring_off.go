//go:build !goexperiment.boringcrypto

package bench

// boringCrypto is false: the standard library's crypto is the Go
// Cryptographic Module (see CryptoBuild).
const boringCrypto = false
