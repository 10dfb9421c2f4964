/* fuzz_p256.c - libFuzzer harness: the device's ECDSA P-256 verifier
 * (src/p256) against mvbuild's (mbedTLS behind a strict-DER check), as a
 * differential oracle: on every input both give the same answer.
 *
 * Input: one byte choosing the public key (even: one of four fixed keys,
 * whose signatures the seeds carry; odd: the next 64 bytes as X || Y, a
 * point mbedTLS must refuse exactly when the device verifier does), the
 * 32-byte digest, then the DER signature.  Seeds: made by this harness
 * with MVB_FUZZ_EMIT=DIR (a valid signature by each fixed key, with the
 * key chosen and with its point in the input).
 *
 * Covers: src/p256/verify.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/sign.h"
#include "mvp.h"

#define NKEYS 4
static struct mvb_key *keys[NKEYS];
static uint8_t points[NKEYS][65];

static void setup(void)
{
	if (keys[0])
		return;
	for (int i = 0; i < NKEYS; i++) {
		uint8_t seed[32];
		memset(seed, 0x60 + i, sizeof(seed));
		struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
		char err[64];
		if (mvb_key_generate(seed, sizeof(seed), &priv, &pub) ||
		    mvb_key_load(&keys[i], priv.data, priv.len, NULL, 1, err, sizeof(err)))
			abort();
		mvb_key_point(keys[i], points[i]);
		mvb_buf_release(&priv);
		mvb_buf_release(&pub);
	}
	const char *dir = getenv("MVB_FUZZ_EMIT");
	for (int i = 0; dir && i < NKEYS; i++) {
		uint8_t in[1 + 32 + 72], sig[72];
		size_t n;
		in[0] = (uint8_t)(2 * i);
		for (int b = 0; b < 32; b++)
			in[1 + b] = (uint8_t)(i * 59 + b * 7);
		if (mvb_key_sign(keys[i], in + 1, in + 1, 32, sig, &n))
			abort();
		memcpy(in + 33, sig, n);
		char path[4096];
		snprintf(path, sizeof(path), "%s/key%d.bin", dir, i);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(in, 1, 33 + n, f) != 33 + n || fclose(f))
			abort();
		/* the same with the key's point in the input */
		uint8_t sel = (uint8_t)(2 * i + 1);
		snprintf(path, sizeof(path), "%s/point%d.bin", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(&sel, 1, 1, f) != 1 || fwrite(points[i] + 1, 1, 64, f) != 64 ||
		    fwrite(in + 1, 1, 32 + n, f) != 32 + n || fclose(f))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1 + 32)
		return 0;
	const uint8_t *pt;
	struct mvb_key *k = NULL;
	size_t at;
	if (!(data[0] & 1)) {
		int i = data[0] / 2 % NKEYS;
		pt = points[i] + 1;
		k = keys[i];
		at = 1;
	} else {
		if (size < 1 + 64 + 32)
			return 0;
		pt = data + 1;
		at = 65;
		/* the same point as a public key for mbedTLS, which checks that
		 * it is on the curve */
		static const uint8_t spki[27] = { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
						  0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
						  0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04 };
		uint8_t der[27 + 64];
		memcpy(der, spki, sizeof(spki));
		memcpy(der + 27, pt, 64);
		char err[64];
		if (mvb_key_load(&k, der, sizeof(der), NULL, 0, err, sizeof(err)))
			k = NULL;
	}
	const uint8_t *dg = data + at, *sig = data + at + 32;
	size_t n = size - at - 32;
	uint8_t *s = malloc(n ? n : 1); /* exact size: an over-read is caught */
	memcpy(s, sig, n);
	int dev = mvp_verify_der(pt, dg, s, n);
	if (!k) {
		/* mbedTLS refused the point: the device refuses it too, as a bad
		 * key once the signature's encoding has passed */
		uint8_t r[32], sv[32];
		int enc = mvp_der_decode(s, n, r, sv);
		if (dev == MVP_OK || (enc == MVP_OK && dev != MVP_E_KEY))
			abort();
	} else {
		int host = mvb_key_verify(k, dg, s, n) == 0;
		if (host != (dev == MVP_OK))
			abort(); /* the two verifiers disagree */
		if (data[0] & 1)
			mvb_key_free(k);
	}
	free(s);
	return 0;
}
