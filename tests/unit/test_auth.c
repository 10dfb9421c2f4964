/* test_auth.c - the host's AUTH (src/core/auth.c): the signature verifies
 * with mbedTLS, independently of mvbuild's signing code, over the SHA-256
 * of the payload's first 0x40 bytes, and nothing else; the two local
 * refusals (no debug key, another key) and the session length; saved
 * AUTHs read back; a crash record put together from CRASH parts, and
 * every malformed part refused. */
#include <stdlib.h>
#include <string.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include "testutil.h"
#include "mvb/auth.h"
#include "mvb/status.h"

static const uint8_t SEED[32] = { 7, 7, 7, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
				  13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28 };
static const uint8_t OTHER_SEED[32] = { 9 };

/* A challenge as a device with the debug key k (NULL: none) sends it. */
static void challenge(struct mvl_challenge *c, const struct mvb_key *k)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < MVL_NONCE_SIZE; i++)
		c->lc_nonce[i] = (uint8_t)(0xa0 + i);
	strcpy(c->lc_serial, "SN-0042");
	if (k)
		mvb_key_id(k, c->lc_key_id);
	c->lc_max_s = MVL_AUTH_MAX_S;
}

/* 0 when sig (r || s) verifies over the SHA-256 of msg[0..n) with the
 * public point of k, checked with mbedTLS's ECDSA directly. */
static int mbedtls_check(const struct mvb_key *k, const uint8_t *msg, size_t n, const uint8_t sig[64])
{
	uint8_t pt[65], dg[32];
	mvb_key_point(k, pt);
	assert_int_equal(mbedtls_sha256_ret(msg, n, dg, 0), 0);
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi r, s;
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	assert_int_equal(mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1), 0);
	assert_int_equal(mbedtls_ecp_point_read_binary(&grp, &q, pt, sizeof(pt)), 0);
	assert_int_equal(mbedtls_mpi_read_binary(&r, sig, 32), 0);
	assert_int_equal(mbedtls_mpi_read_binary(&s, sig + 32, 32), 0);
	int rc = mbedtls_ecdsa_verify(&grp, dg, sizeof(dg), &q, &r, &s);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

static void test_challenge_codec(void **state)
{
	(void)state;
	struct mvb_key *k = tu_key(SEED);
	struct mvl_challenge c, back;
	uint8_t p[MVB_AUTH_CHALLENGE_SIZE + 1];
	challenge(&c, k);
	c.lc_max_s = 0x01020304;
	mvb_auth_challenge_put(p, &c);
	assert_memory_equal(p, c.lc_nonce, 16);
	assert_string_equal((const char *)p + 0x10, "SN-0042");
	assert_memory_equal(p + 0x30, c.lc_key_id, 8);
	static const uint8_t max_le[4] = { 4, 3, 2, 1 };
	assert_memory_equal(p + 0x38, max_le, 4);
	assert_int_equal(mvb_auth_challenge_get(p, MVB_AUTH_CHALLENGE_SIZE, &back), 0);
	assert_memory_equal(&back, &c, sizeof(c));
	/* only the exact size */
	assert_int_equal(mvb_auth_challenge_get(p, MVB_AUTH_CHALLENGE_SIZE - 1, &back), -1);
	assert_int_equal(mvb_auth_challenge_get(p, MVB_AUTH_CHALLENGE_SIZE + 1, &back), -1);
	assert_int_equal(mvb_auth_challenge_get(p, 0, &back), -1);
	mvb_key_free(k);
}

static void test_auth_signs_first_0x40_bytes(void **state)
{
	(void)state;
	struct mvb_key *k = tu_key(SEED);
	struct mvl_challenge c;
	struct mvl_auth a, a2;
	uint8_t p[MVB_AUTH_SIZE], p2[MVB_AUTH_SIZE], rnd[48], id[8];
	challenge(&c, k);
	mvb_key_id(k, id);
	memset(rnd, 0x5a, sizeof(rnd));
	assert_int_equal(mvb_auth_build(&a, &c, k, 600, rnd, sizeof(rnd)), MVB_AUTH_OK);
	mvb_auth_put(p, &a);
	/* the layout, byte by byte */
	assert_memory_equal(p, "MVDA", 4);
	static const uint8_t s600[4] = { 0x58, 0x02, 0, 0 };
	assert_memory_equal(p + 4, s600, 4);
	assert_memory_equal(p + 8, c.lc_nonce, 16);
	assert_memory_equal(p + 0x18, c.lc_serial, 32);
	assert_memory_equal(p + 0x38, id, 8);
	/* the signature verifies, with mbedTLS, over exactly bytes 0..0x3f */
	assert_int_equal(mbedtls_check(k, p, MVL_AUTH_SIGNED, p + 0x40), 0);
	assert_int_not_equal(mbedtls_check(k, p, MVL_AUTH_SIGNED + 1, p + 0x40), 0);
	assert_int_not_equal(mbedtls_check(k, p, MVL_AUTH_SIGNED - 1, p + 0x40), 0);
	/* any signed byte changed, or the signature's, and it does not */
	for (unsigned i = 0; i < MVB_AUTH_SIZE; i += 7) {
		memcpy(p2, p, sizeof(p));
		p2[i] ^= 0x01;
		if (!mbedtls_check(k, p2, MVL_AUTH_SIGNED, p2 + 0x40))
			fail_msg("a changed byte 0x%02x still verifies", i);
	}
	/* mvb_auth_digest names the same bytes */
	uint8_t dg[32], dg2[32];
	mvb_auth_digest(&a, dg);
	assert_int_equal(mbedtls_sha256_ret(p, MVL_AUTH_SIGNED, dg2, 0), 0);
	assert_memory_equal(dg, dg2, 32);
	/* deterministic: another blinding seed, the same signature */
	memset(rnd, 0xc3, sizeof(rnd));
	assert_int_equal(mvb_auth_build(&a2, &c, k, 600, rnd, sizeof(rnd)), MVB_AUTH_OK);
	assert_memory_equal(&a, &a2, sizeof(a));
	/* another nonce, another signature */
	c.lc_nonce[0] ^= 0xff;
	assert_int_equal(mvb_auth_build(&a2, &c, k, 600, rnd, sizeof(rnd)), MVB_AUTH_OK);
	assert_memory_not_equal(a.la_sig, a2.la_sig, 64);
	mvb_auth_put(p2, &a2);
	assert_int_equal(mbedtls_check(k, p2, MVL_AUTH_SIGNED, p2 + 0x40), 0);
	/* many nonces: r and s of any length come out as 32 bytes each (a
	 * short r or s, in DER, drops its leading zero bytes) */
	for (unsigned i = 0; i < 64; i++) {
		c.lc_nonce[1] = (uint8_t)i;
		assert_int_equal(mvb_auth_build(&a2, &c, k, 1 + i, rnd, sizeof(rnd)), MVB_AUTH_OK);
		mvb_auth_put(p2, &a2);
		if (mbedtls_check(k, p2, MVL_AUTH_SIGNED, p2 + 0x40))
			fail_msg("nonce %u: the signature does not verify", i);
	}
	mvb_key_free(k);
}

struct refusal {
	int device_key;   /* 0 none, 1 the key signing, 2 another */
	uint32_t seconds; /* asked */
	uint32_t max_s;   /* lc_max_s */
	enum mvb_auth_status want;
};

static void test_auth_refusals(void **state)
{
	(void)state;
	struct mvb_key *k = tu_key(SEED), *other = tu_key(OTHER_SEED);
	static const struct refusal t[] = {
		{ 0, 600, MVL_AUTH_MAX_S, MVB_AUTH_NO_DEBUG_KEY },
		{ 0, 0, 0, MVB_AUTH_NO_DEBUG_KEY }, /* the key first: the message that helps */
		{ 2, 600, MVL_AUTH_MAX_S, MVB_AUTH_OTHER_KEY },
		{ 2, 0, MVL_AUTH_MAX_S, MVB_AUTH_OTHER_KEY },
		{ 1, 0, MVL_AUTH_MAX_S, MVB_AUTH_SECONDS },
		{ 1, MVL_AUTH_MAX_S + 1, MVL_AUTH_MAX_S, MVB_AUTH_SECONDS },
		{ 1, 601, 600, MVB_AUTH_SECONDS }, /* over what this device allows */
		{ 1, 600, 600, MVB_AUTH_OK },
		{ 1, MVL_AUTH_MAX_S, 0, MVB_AUTH_OK }, /* no limit said: the format's */
		{ 1, 1, MVL_AUTH_MAX_S, MVB_AUTH_OK },
	};
	uint8_t rnd[32] = { 1 };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct mvl_challenge c;
		struct mvl_auth a;
		challenge(&c, t[i].device_key == 1 ? k : t[i].device_key == 2 ? other : NULL);
		c.lc_max_s = t[i].max_s;
		memset(&a, 0xee, sizeof(a));
		enum mvb_auth_status got = mvb_auth_build(&a, &c, k, t[i].seconds, rnd, sizeof(rnd));
		if (got != t[i].want)
			fail_msg("case %zu: status %d, want %d", i, got, t[i].want);
		if (got == MVB_AUTH_OK) {
			uint8_t p[MVB_AUTH_SIZE];
			mvb_auth_put(p, &a);
			assert_int_equal(a.la_seconds, t[i].seconds);
			assert_int_equal(mbedtls_check(k, p, MVL_AUTH_SIGNED, p + 0x40), 0);
		} else {
			static const struct mvl_auth zero;
			assert_memory_equal(&a, &zero, sizeof(a)); /* nothing half made */
		}
	}
	/* the right id but only the public half: nothing to sign with */
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
	struct mvb_key *pk;
	char err[200];
	assert_int_equal(mvb_key_generate(SEED, sizeof(SEED), &priv, &pub), 0);
	assert_int_equal(mvb_key_load(&pk, pub.data, pub.len, NULL, 0, err, sizeof(err)), 0);
	struct mvl_challenge c;
	struct mvl_auth a;
	challenge(&c, k);
	assert_int_equal(mvb_auth_build(&a, &c, pk, 600, rnd, sizeof(rnd)), MVB_AUTH_NO_PRIVATE);
	mvb_key_free(pk);
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	mvb_key_free(k);
	mvb_key_free(other);
}

static void test_saved_auth(void **state)
{
	(void)state;
	struct mvb_key *k = tu_key(SEED);
	struct mvl_challenge c;
	struct mvl_auth a, back;
	uint8_t p[MVB_AUTH_SIZE + 1], rnd[32] = { 3 };
	challenge(&c, k);
	assert_int_equal(mvb_auth_build(&a, &c, k, 77, rnd, sizeof(rnd)), MVB_AUTH_OK);
	mvb_auth_put(p, &a);
	assert_int_equal(mvb_auth_get(p, MVB_AUTH_SIZE, &back), 0);
	assert_memory_equal(&a, &back, sizeof(a));
	assert_int_equal(mvb_auth_get(p, MVB_AUTH_SIZE - 1, &back), -1);
	assert_int_equal(mvb_auth_get(p, MVB_AUTH_SIZE + 1, &back), -1);
	p[3] ^= 0x20; /* "MVDa" */
	assert_int_equal(mvb_auth_get(p, MVB_AUTH_SIZE, &back), -1);
	mvb_key_free(k);
}

static void test_detail_texts(void **state)
{
	(void)state;
	for (uint32_t d = MVL_A_NONE; d <= MVL_A_FORMAT; d++)
		assert_non_null(mvb_auth_detail_text(d));
	assert_non_null(strstr(mvb_auth_detail_text(MVL_A_NONCE), "replayed or stale"));
	assert_null(mvb_auth_detail_text(MVL_A_FORMAT + 1));
	assert_null(mvb_auth_detail_text(0xffffffffu));
}

/* A record of `size` bytes (cr_size at 6-7), the rest a pattern. */
static void record(uint8_t *rec, size_t cap, uint32_t size)
{
	for (size_t i = 0; i < cap; i++)
		rec[i] = (uint8_t)(i * 13 + 5);
	mvb_put_le32(rec, MVB_CRASH_MAGIC);
	rec[6] = (uint8_t)size;
	rec[7] = (uint8_t)(size >> 8);
}

struct fcase {
	const char *what;
	uint32_t size;       /* the record's cr_size */
	uint32_t first;      /* bytes of the first part (asked 0) */
	uint32_t asked, n;   /* then this part: offset asked, n bytes (0xffffffff: no second part) */
	int want;            /* of the last part: 1 whole, 0 more, -1 refused */
	const char *err;     /* -1: a substring of the reason */
};

static void test_fetch_parts(void **state)
{
	(void)state;
	uint8_t rec[MVB_CRASH_SIZE + 600];
	struct mvb_auth_fetch f;
	char err[200];
	static const struct fcase t[] = {
		{ "full record, two parts", MVB_CRASH_SIZE, MVL_CRASH_CHUNK, MVL_CRASH_CHUNK,
		  MVB_CRASH_SIZE - MVL_CRASH_CHUNK, 1, NULL },
		{ "head only, one part", MVB_CRASH_HEAD, MVB_CRASH_HEAD, 0xffffffffu, 0, 1, NULL },
		{ "smaller parts than it may", MVB_CRASH_HEAD, 100, 100, 50, 0, NULL },
		{ "first part of 8 bytes", MVB_CRASH_HEAD, 8, 0xffffffffu, 0, 0, NULL },
		{ "first part of 7 bytes", MVB_CRASH_HEAD, 7, 0xffffffffu, 0, -1, "too short to hold its size" },
		{ "size under the head", MVB_CRASH_HEAD - 1, 100, 0xffffffffu, 0, -1,
		  "it is 311 bytes (cr_size), not 312 to 568" },
		{ "size over the record", MVB_CRASH_SIZE + 1, 100, 0xffffffffu, 0, -1, "not 312 to 568" },
		{ "first part over a chunk", MVB_CRASH_SIZE, MVL_CRASH_CHUNK + 1, 0xffffffffu, 0, -1, "at most 448" },
		{ "first part past the end", MVB_CRASH_HEAD, MVB_CRASH_HEAD + 1, 0xffffffffu, 0, -1, "312 left" },
		{ "empty first part", MVB_CRASH_HEAD, 0, 0xffffffffu, 0, -1, "too short" },
		{ "another offset", MVB_CRASH_SIZE, 100, 99, 10, -1, "offset 99 when 100 bytes" },
		{ "offset at the end", MVB_CRASH_HEAD, MVB_CRASH_HEAD, MVB_CRASH_HEAD, 1, -1, "offset 312 when 312" },
		{ "no bytes", MVB_CRASH_SIZE, 100, 100, 0, -1, "0 bytes at offset 100" },
		{ "more than a chunk", MVB_CRASH_SIZE, 100, 100, MVL_CRASH_CHUNK + 1, -1, "at most 448" },
		{ "past the end", MVB_CRASH_SIZE, 200, 200, MVB_CRASH_SIZE - 200 + 1, -1, "368 left" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		record(rec, sizeof(rec), t[i].size);
		mvb_auth_fetch_init(&f);
		err[0] = 0;
		int rc = mvb_auth_fetch_part(&f, 0, rec, t[i].first, err, sizeof(err));
		if (t[i].asked != 0xffffffffu) {
			if (rc < 0)
				fail_msg("%s: first part: refused (%s)", t[i].what, err);
			struct mvb_auth_fetch before = f;
			rc = mvb_auth_fetch_part(&f, t[i].asked, rec + t[i].asked, t[i].n, err, sizeof(err));
			if (rc == -1)
				assert_memory_equal(&f, &before, sizeof(f)); /* unchanged */
		}
		if (rc != t[i].want || (t[i].err && !strstr(err, t[i].err)))
			fail_msg("%s: rc %d, '%s' (want %d, '%s')", t[i].what, rc, err, t[i].want, t[i].err ? t[i].err : "");
		if (rc == 1) {
			assert_int_equal(f.size, t[i].size);
			assert_memory_equal(f.rec, rec, t[i].size);
		}
		if (rc == -1 && t[i].asked == 0xffffffffu)
			assert_int_equal(f.size, 0); /* the first part refused: nothing kept */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge_codec),
		cmocka_unit_test(test_auth_signs_first_0x40_bytes),
		cmocka_unit_test(test_auth_refusals),
		cmocka_unit_test(test_saved_auth),
		cmocka_unit_test(test_detail_texts),
		cmocka_unit_test(test_fetch_parts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
