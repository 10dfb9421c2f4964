/* test_ecdsa.c - the signature primitives against published vectors:
 * every Wycheproof ECDSA P-256/SHA-256 DER verification vector through
 * mvbuild's verifier (mbedTLS behind a strict-DER check) and through the
 * device verifier (src/p256, written here), each of which must give the
 * vector's result (valid ones verify; invalid ones, among them r or s zero
 * or >= n, BER encodings, wrong lengths and edge-case points, are
 * refused); the device verifier against mbedTLS on random keys and
 * messages; and the RFC 6979 deterministic signatures of "sample" and
 * "test" (A.2.5), byte for byte.
 *
 * The vectors are read from MVB_WYCHEPROOF (tests/data/wycheproof, with
 * Wycheproof's licence).  The JSON is scanned
 * for its "publicKeyDer", "msg", "sig" and "result" strings in file order,
 * which is all the test needs of its schema. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/hash.h"
#include "mvb/sign.h"
#include "mvp.h"

static int unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return n % 2 ? -1 : 0;
}

/* The next '"' at or after s that no backslash escapes, or NULL. */
static const char *quote(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' && s[1])
			s++;
		else if (*s == '"')
			return s;
	}
	return NULL;
}

/* The next "key": "value" pair at or after *p with a string value; the
 * value's bounds in *v, *vn.  0 at the end of the text. */
static int next_pair(const char **p, const char **k, size_t *kn, const char **v, size_t *vn)
{
	const char *s = *p;
	for (;;) {
		const char *q = quote(s);
		if (!q)
			return 0;
		const char *qe = quote(q + 1);
		if (!qe)
			return 0;
		const char *c = qe + 1;
		while (isspace((unsigned char)*c))
			c++;
		if (*c != ':') {
			s = qe + 1;
			continue;
		}
		c++;
		while (isspace((unsigned char)*c))
			c++;
		if (*c != '"') {
			s = c;
			continue;
		}
		const char *ve = quote(c + 1);
		if (!ve)
			return 0;
		*k = q + 1;
		*kn = (size_t)(qe - q - 1);
		*v = c + 1;
		*vn = (size_t)(ve - c - 1);
		*p = ve + 1;
		return 1;
	}
}

static int is_key(const char *k, size_t kn, const char *want)
{
	return kn == strlen(want) && !memcmp(k, want, kn);
}

static void test_wycheproof_der(void **state)
{
	(void)state;
	size_t len;
	char *text = tu_read(MVB_WYCHEPROOF "/ecdsa_secp256r1_sha256_test.json", &len);
	assert_non_null(text);
	const char *p = text, *k, *v;
	size_t kn, vn;
	struct mvb_key *key = NULL;
	int key_bad = 0;
	unsigned char raw[65] = { 0 };
	unsigned dev_wrong = 0, dev_valid = 0;
	unsigned char msg[4096], sig[8192];
	size_t msgn = 0, sign = 0;
	unsigned n = 0, valid = 0, refused = 0, wrong = 0, nokey = 0;
	while (next_pair(&p, &k, &kn, &v, &vn)) {
		if (is_key(k, kn, "uncompressed")) {
			assert_int_equal(vn, 130);
			assert_int_equal(unhex(v, vn, raw), 0);
			assert_int_equal(raw[0], 4);
		} else if (is_key(k, kn, "publicKeyDer")) {
			unsigned char der[256];
			assert_true(vn / 2 <= sizeof(der));
			assert_int_equal(unhex(v, vn, der), 0);
			if (key)
				mvb_key_free(key);
			key = NULL;
			char err[128];
			key_bad = mvb_key_load(&key, der, vn / 2, NULL, 0, err, sizeof(err)) != 0;
		} else if (is_key(k, kn, "msg")) {
			assert_true(vn / 2 <= sizeof(msg));
			assert_int_equal(unhex(v, vn, msg), 0);
			msgn = vn / 2;
		} else if (is_key(k, kn, "sig")) {
			assert_true(vn / 2 <= sizeof(sig));
			assert_int_equal(unhex(v, vn, sig), 0);
			sign = vn / 2;
		} else if (is_key(k, kn, "result")) {
			int want_ok = is_key(v, vn, "valid");
			assert_true(want_ok || is_key(v, vn, "invalid")); /* this file has no "acceptable" */
			n++;
			int ok = 0;
			if (key_bad) {
				nokey++; /* a public key mvbuild will not load verifies nothing */
			} else {
				uint8_t dg[32];
				mvb_sha256(msg, msgn, dg);
				ok = mvb_key_verify(key, dg, sig, sign) == 0;
			}
			if (ok != want_ok) {
				wrong++;
				print_error("vector %u (%s): %s\n", n, want_ok ? "valid" : "invalid",
					    ok ? "accepted" : "refused");
			}
			uint8_t dg[32];
			mvb_sha256(msg, msgn, dg);
			int dev = mvp_verify_der(raw + 1, dg, sig, sign);
			if ((dev == MVP_OK) != want_ok) {
				dev_wrong++;
				print_error("vector %u (%s): the device verifier says %d\n", n,
					    want_ok ? "valid" : "invalid", dev);
			}
			dev_valid += dev == MVP_OK;
			valid += ok;
			refused += !ok;
		}
	}
	if (key)
		mvb_key_free(key);
	free(text);
	print_message("wycheproof DER: %u vectors, %u verified, %u refused (%u with an unloadable key), %u wrong\n", n,
		      valid, refused, nokey, wrong);
	print_message("wycheproof DER, device verifier: %u verified, %u wrong\n", dev_valid, dev_wrong);
	assert_int_equal(n, 484);
	assert_int_equal(wrong, 0);
	assert_int_equal(dev_wrong, 0);
}

/* The device verifier agrees with mbedTLS: 64 keys, each signing 8
 * digests (deterministic, from fixed seeds); every signature verifies, and
 * with one bit of the digest, r, s or the key changed, neither verifier
 * accepts it. */
static void test_device_matches_mbedtls(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (unsigned i = 0; i < 64; i++) {
		uint8_t seed[32];
		memset(seed, (int)(i * 37 + 1), sizeof(seed));
		seed[0] = (uint8_t)i;
		struct mvb_key *k = tu_key(seed);
		uint8_t pt[65];
		mvb_key_point(k, pt);
		assert_int_equal(pt[0], 4);
		for (unsigned j = 0; j < 8; j++) {
			uint8_t dg[32], sig[72];
			size_t n;
			for (unsigned b = 0; b < 32; b++)
				dg[b] = (uint8_t)(i * 131 + j * 17 + b * b);
			assert_int_equal(mvb_key_sign(k, dg, seed, sizeof(seed), sig, &n), 0);
			assert_int_equal(mvb_key_verify(k, dg, sig, n), 0);
			assert_int_equal(mvp_verify_der(pt + 1, dg, sig, n), MVP_OK);
			/* one bit off in the digest, in the signature's last byte
			 * (s), in r's last byte, and in the key's Y */
			dg[j % 32] ^= (uint8_t)(1u << (j % 8));
			assert_int_not_equal(mvb_key_verify(k, dg, sig, n), 0);
			assert_int_not_equal(mvp_verify_der(pt + 1, dg, sig, n), MVP_OK);
			dg[j % 32] ^= (uint8_t)(1u << (j % 8));
			sig[n - 1] ^= 1;
			assert_int_not_equal(mvb_key_verify(k, dg, sig, n), 0);
			assert_int_not_equal(mvp_verify_der(pt + 1, dg, sig, n), MVP_OK);
			sig[n - 1] ^= 1;
			size_t rlen = sig[3], rlast = 4 + rlen - 1;
			sig[rlast] ^= 1;
			assert_int_not_equal(mvb_key_verify(k, dg, sig, n), 0);
			assert_int_not_equal(mvp_verify_der(pt + 1, dg, sig, n), MVP_OK);
			sig[rlast] ^= 1;
			pt[64] ^= 1; /* off the curve */
			assert_int_equal(mvp_verify_der(pt + 1, dg, sig, n), MVP_E_KEY);
			pt[64] ^= 1;
			checked++;
		}
		mvb_key_free(k);
	}
	print_message("device verifier vs mbedTLS: %u signatures, each also with its digest, r, s and key changed\n",
		      checked);
	assert_int_equal(checked, 512);
}

/* RFC 6979 A.2.5: P-256, SHA-256; the private key and the (r, s) pairs. */
static void test_rfc6979(void **state)
{
	(void)state;
	static const char *x = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
	static const struct {
		const char *msg, *r, *s;
	} v[] = {
		{ "sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
		  "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8" },
		{ "test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
		  "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083" },
	};
	/* SEC 1 ECPrivateKey: version 1, the scalar, the P-256 OID */
	unsigned char der[2 + 3 + 2 + 32 + 12] = { 0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20 };
	assert_int_equal(unhex(x, 64, der + 7), 0);
	static const unsigned char oid[12] = { 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	memcpy(der + 39, oid, sizeof(oid));
	struct mvb_key *k;
	char err[128];
	assert_int_equal(mvb_key_load(&k, der, sizeof(der), NULL, 1, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t dg[32], sig[72], seed[32] = { (uint8_t)i };
		size_t n;
		mvb_sha256(v[i].msg, strlen(v[i].msg), dg);
		assert_int_equal(mvb_key_sign(k, dg, seed, sizeof(seed), sig, &n), 0);
		/* DER: SEQUENCE { INTEGER r, INTEGER s }, each with a leading
		 * zero when its top bit is set */
		unsigned char r[32], s[32];
		assert_int_equal(unhex(v[i].r, 64, r), 0);
		assert_int_equal(unhex(v[i].s, 64, s), 0);
		unsigned char want[72];
		size_t w = 2;
		const unsigned char *ints[2] = { r, s };
		for (int j = 0; j < 2; j++) {
			const unsigned char *iv = ints[j];
			size_t skip = 0;
			while (skip < 31 && iv[skip] == 0 && !(iv[skip + 1] & 0x80))
				skip++;
			int pad = (iv[skip] & 0x80) != 0;
			want[w++] = 0x02;
			want[w++] = (unsigned char)(32 - skip + pad);
			if (pad)
				want[w++] = 0;
			memcpy(want + w, iv + skip, 32 - skip);
			w += 32 - skip;
		}
		want[0] = 0x30;
		want[1] = (unsigned char)(w - 2);
		print_message("rfc6979 '%s': %zu-byte signature\n", v[i].msg, n);
		assert_int_equal(n, w);
		assert_memory_equal(sig, want, w);
		assert_int_equal(mvb_key_verify(k, dg, sig, n), 0);
	}
	mvb_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wycheproof_der),
		cmocka_unit_test(test_device_matches_mbedtls),
		cmocka_unit_test(test_rfc6979),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
