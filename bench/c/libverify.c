// libverify: RSA-2048 PKCS#1 v1.5 SHA-256 verification by the BoringSSL
// that GOEXPERIMENT=boringcrypto links (Go's goboringcrypto syso) and by the
// system OpenSSL, called from C in one process, alternating in blocks; CPU
// time per call. It separates what the library costs from what Go adds
// (cgo calls, the runtime's threads) in bench/crypto.sh's table.
//
// Build (bench/crypto.sh does it when gcc and the OpenSSL headers exist):
//
//	B=$(go env GOROOT)/src/crypto/internal/boring
//	gcc -O2 -I$B bench/c/libverify.c $B/syso/goboringcrypto_linux_amd64.syso -lcrypto -lpthread
//
// Output, one "name value" line each (µs per verification, CPU time):
//
//	openssl-rsa2048-verify-us 16.61
//	boringssl-rsa2048-verify-us 15.12
//
// Usage: libverify [blocks [calls-per-block]]   (default 20 500)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "goboringcrypto.h"

static double cpu_seconds(void) {
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what) {
	fprintf(stderr, "libverify: %s failed\n", what);
	exit(1);
}

int main(int argc, char **argv) {
	int blocks = argc > 1 ? atoi(argv[1]) : 20;
	int per = argc > 2 ? atoi(argv[2]) : 500;
	if (blocks <= 0 || per <= 0) die("arguments");

	// An OpenSSL key, a SHA-256 digest and its PKCS#1 v1.5 signature.
	EVP_PKEY *pkey = EVP_RSA_gen(2048);
	if (pkey == NULL) die("EVP_RSA_gen");
	unsigned char digest[32];
	memset(digest, 0x5a, sizeof digest);
	unsigned char sig[256];
	size_t siglen = sizeof sig;
	EVP_PKEY_CTX *sctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (sctx == NULL || EVP_PKEY_sign_init(sctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(sctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(sctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(sctx, sig, &siglen, digest, sizeof digest) != 1)
		die("EVP_PKEY_sign");

	// OpenSSL verification context, as openssl speed sets it up.
	EVP_PKEY_CTX *vctx = EVP_PKEY_CTX_new(pkey, NULL);
	if (vctx == NULL || EVP_PKEY_verify_init(vctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(vctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(vctx, EVP_sha256()) != 1)
		die("EVP_PKEY_verify_init");

	// The same public key in BoringSSL, set up as crypto/internal/boring's
	// NewPublicKeyRSA does (n and e straight into the RSA struct).
	BIGNUM *n = NULL, *e = NULL;
	if (EVP_PKEY_get_bn_param(pkey, "n", &n) != 1 || EVP_PKEY_get_bn_param(pkey, "e", &e) != 1)
		die("EVP_PKEY_get_bn_param");
	unsigned char nb[512], eb[16];
	int nlen = BN_bn2bin(n, nb), elen = BN_bn2bin(e, eb);
	_goboringcrypto_BORINGSSL_bcm_power_on_self_test();
	GO_RSA *brsa = _goboringcrypto_RSA_new();
	if (brsa == NULL) die("RSA_new");
	brsa->n = _goboringcrypto_BN_bin2bn(nb, (size_t)nlen, NULL);
	brsa->e = _goboringcrypto_BN_bin2bn(eb, (size_t)elen, NULL);
	if (brsa->n == NULL || brsa->e == NULL) die("BN_bin2bn");

	if (EVP_PKEY_verify(vctx, sig, siglen, digest, sizeof digest) != 1) die("OpenSSL verify");
	if (_goboringcrypto_RSA_verify(GO_NID_sha256, digest, sizeof digest, sig, siglen, brsa) != 1)
		die("BoringSSL verify");

	double tossl = 0, tboring = 0;
	for (int b = 0; b < blocks; b++) {
		double t0 = cpu_seconds();
		for (int i = 0; i < per; i++)
			if (EVP_PKEY_verify(vctx, sig, siglen, digest, sizeof digest) != 1) die("OpenSSL verify");
		double t1 = cpu_seconds();
		for (int i = 0; i < per; i++)
			if (_goboringcrypto_RSA_verify(GO_NID_sha256, digest, sizeof digest, sig, siglen, brsa) != 1)
				die("BoringSSL verify");
		double t2 = cpu_seconds();
		tossl += t1 - t0;
		tboring += t2 - t1;
	}
	double calls = (double)blocks * per;
	printf("openssl-rsa2048-verify-us %.3f\n", tossl / calls * 1e6);
	printf("boringssl-rsa2048-verify-us %.3f\n", tboring / calls * 1e6);
	return 0;
}
