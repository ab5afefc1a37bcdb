package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
)

// pssOptions asks rsa.VerifyPSS for a salt exactly as long as the hash, as
// RFC 7518 section 3.5 requires. crypto/rsa honours PSSSaltLengthEqualsHash
// in every build: the default and GODEBUG=fips140=on builds verify with
// that exact length, GOEXPERIMENT=boringcrypto passes it on as BoringSSL's
// "salt length = digest length". Never SaltLength 0: that is
// rsa.PSSSaltLengthAuto, which accepts any salt length when verifying.
var pssOptions = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}

// Verify reports whether sig is a valid signature of signingInput under this
// key and its bound algorithm (RFC 7518 section 3). signingInput is the
// ASCII "header.payload" of a compact JWS; sig is the decoded signature. It
// uses only the standard library and is safe for concurrent use.
func (k *Key) Verify(signingInput, sig []byte) bool {
	if k.alg == EdDSA {
		pub, _ := k.pub.(ed25519.PublicKey)
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(pub, signingInput, sig)
	}
	var buf [sha512.Size]byte
	digest := hashInto(&buf, k.alg.Hash(), signingInput)
	switch k.alg {
	case RS256, RS384, RS512:
		return rsa.VerifyPKCS1v15(k.pub.(*rsa.PublicKey), k.alg.Hash(), digest, sig) == nil
	case PS256, PS384, PS512:
		// RFC 7518 section 3.5: the salt is as long as the hash output.
		return rsa.VerifyPSS(k.pub.(*rsa.PublicKey), k.alg.Hash(), digest, sig, pssOptions) == nil
	case ES256, ES384, ES512:
		return verifyECDSA(k.pub.(*ecdsa.PublicKey), digest, sig)
	case HS256, HS384, HS512:
		return verifyHMAC(k.alg.Hash(), k.secret, signingInput, sig)
	}
	return false
}

// hashInto hashes msg with h into buf and returns the digest slice. Verify's
// buf still costs one 64-byte heap allocation: escape analysis moves it to
// the heap because the digest is handed to crypto/rsa and crypto/ecdsa.
func hashInto(buf *[sha512.Size]byte, h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return buf[:copy(buf[:], d[:])]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return buf[:copy(buf[:], d[:])]
	case crypto.SHA512:
		d := sha512.Sum512(msg)
		return buf[:copy(buf[:], d[:])]
	}
	return nil
}

// verifyECDSA checks a JWS ECDSA signature: the fixed-width concatenation
// R || S of RFC 7518 section 3.4, never ASN.1 DER. ecdsa.Verify rejects
// r or s outside [1, n-1], so the r = s = 0 "psychic signature" fails.
// The fixed-width halves are re-encoded as the DER SEQUENCE of two INTEGERs
// that ecdsa.VerifyASN1 takes, in a fixed-size buffer (one heap allocation:
// it escapes into crypto/ecdsa): the same check as ecdsa.Verify without its
// big.Int conversions and encoding allocations.
func verifyECDSA(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	size := (pub.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size || size > 66 {
		return false
	}
	// Header (at most 3 bytes) + two INTEGERs of at most 2 + 67 bytes.
	var buf [3 + 2*(2+67)]byte
	body := appendDERUint(appendDERUint(buf[3:3], sig[:size]), sig[size:])
	n := len(body)
	start := 1
	if n < 0x80 {
		buf[1], buf[2] = 0x30, byte(n)
	} else {
		start = 0
		buf[0], buf[1], buf[2] = 0x30, 0x81, byte(n)
	}
	return ecdsa.VerifyASN1(pub, digest, buf[start:3+n])
}

// appendDERUint appends the minimal DER INTEGER (X.690 section 8.3) of the
// unsigned big-endian b, which holds at most 66 bytes: leading zero bytes
// dropped (one kept for zero), a zero byte added when the top bit is set.
func appendDERUint(dst, b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	n := len(b)
	if b[0]&0x80 != 0 {
		n++
	}
	dst = append(dst, 0x02, byte(n))
	if n > len(b) {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}

func verifyHMAC(h crypto.Hash, secret, msg, sig []byte) bool {
	if len(sig) != h.Size() {
		return false
	}
	m := hmac.New(h.New, secret)
	m.Write(msg)
	var buf [sha512.Size]byte
	return subtle.ConstantTimeCompare(m.Sum(buf[:0]), sig) == 1
}
