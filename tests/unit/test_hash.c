/* test_hash.c - SHA-256: FIPS 180-4 example vectors, and every length,
 * long messages and split updates against mbedTLS, on both the accelerated
 * (x86 SHA extensions) and the portable path. */
#include <stdlib.h>
#include <string.h>
#include <mbedtls/sha256.h>
#include "testutil.h"
#include "mvb/hash.h"

/* Digest of data in pieces split at the offsets cut[0..ncut), on one path. */
static void digest_split(int accel, const unsigned char *data, size_t len, const size_t *cut, size_t ncut,
                         uint8_t out[32])
{
	struct mvb_sha256 c;
	mvb_sha256_init(&c);
	c.accel = accel;
	size_t at = 0;
	for (size_t i = 0; i < ncut; i++) {
		mvb_sha256_update(&c, data + at, cut[i] - at);
		at = cut[i];
	}
	mvb_sha256_update(&c, data + at, len - at);
	mvb_sha256_final(&c, out);
}

static void reference(const unsigned char *data, size_t len, uint8_t out[32])
{
	assert_int_equal(mbedtls_sha256_ret(data, len, out, 0), 0);
}

/* The paths to test: portable always, accelerated when the CPU has it. */
static int paths(int p[2])
{
	p[0] = 0;
	p[1] = 1;
	return mvb_sha256_accelerated() ? 2 : 1;
}

static void test_fips_vectors(void **state)
{
	(void)state;
	static const struct {
		const char *msg;
		size_t repeat;
		const char *hex;
	} v[] = {
	    {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	    {"abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstn"
	     "opqrstu",
	     1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	    {"a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
	};
	int p[2], np = paths(p);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t ml = strlen(v[i].msg), len = ml * v[i].repeat;
		unsigned char *m = malloc(len + 1);
		assert_non_null(m);
		for (size_t r = 0; r < v[i].repeat; r++)
			memcpy(m + r * ml, v[i].msg, ml);
		for (int k = 0; k < np; k++) {
			uint8_t d[32];
			char hex[65];
			digest_split(p[k], m, len, NULL, 0, d);
			mvb_hex(d, 32, hex);
			assert_string_equal(hex, v[i].hex);
		}
		free(m);
	}
}

static unsigned char *pattern(size_t len, uint32_t seed)
{
	unsigned char *m = malloc(len ? len : 1);
	assert_non_null(m);
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		m[i] = (unsigned char)(seed >> 16);
	}
	return m;
}

/* Every length across the padding boundaries (55, 56, 63, 64, ...). */
static void test_every_length(void **state)
{
	(void)state;
	unsigned char *m = pattern(300, 7);
	int p[2], np = paths(p);
	for (size_t len = 0; len <= 300; len++) {
		uint8_t want[32], got[32];
		reference(m, len, want);
		for (int k = 0; k < np; k++) {
			digest_split(p[k], m, len, NULL, 0, got);
			assert_memory_equal(got, want, 32);
		}
		uint8_t one[32];
		mvb_sha256(m, len, one);
		assert_memory_equal(one, want, 32);
	}
	free(m);
}

static void test_long_messages(void **state)
{
	(void)state;
	static const size_t lens[] = {1u << 20, (1u << 20) + 17, 3u * 1000 * 1000 + 63};
	int p[2], np = paths(p);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned char *m = pattern(lens[i], (uint32_t)i + 1);
		uint8_t want[32], got[32];
		reference(m, lens[i], want);
		for (int k = 0; k < np; k++) {
			digest_split(p[k], m, lens[i], NULL, 0, got);
			assert_memory_equal(got, want, 32);
		}
		free(m);
	}
}

/* Random splits of the updates, including empty pieces. */
static void test_random_splits(void **state)
{
	(void)state;
	unsigned char *m = pattern(5000, 99);
	int p[2], np = paths(p);
	uint32_t r = 12345;
	for (int round = 0; round < 400; round++) {
		r = r * 1664525u + 1013904223u;
		size_t len = (r >> 8) % 5001, cut[12], ncut = (r >> 4) % 12;
		for (size_t i = 0; i < ncut; i++) {
			r = r * 1664525u + 1013904223u;
			cut[i] = len ? (r >> 8) % (len + 1) : 0;
		}
		for (size_t i = 1; i < ncut; i++) /* ascending */
			for (size_t j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
				size_t t = cut[j];
				cut[j] = cut[j - 1];
				cut[j - 1] = t;
			}
		uint8_t want[32], got[32];
		reference(m, len, want);
		for (int k = 0; k < np; k++) {
			digest_split(p[k], m, len, cut, ncut, got);
			assert_memory_equal(got, want, 32);
		}
	}
	free(m);
}

/* Where the CPU has the extensions, init selects them. */
static void test_accel_selected(void **state)
{
	(void)state;
	if (!mvb_sha256_accelerated())
		skip(); /* this CPU has no SHA extensions: the portable path is all there is */
	struct mvb_sha256 c;
	mvb_sha256_init(&c);
	assert_int_equal(c.accel, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fips_vectors),   cmocka_unit_test(test_every_length),
	    cmocka_unit_test(test_long_messages),  cmocka_unit_test(test_random_splits),
	    cmocka_unit_test(test_accel_selected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
