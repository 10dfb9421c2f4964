/* test_sha256.c - SHA-256 against FIPS 180-4 / NIST example vectors, and
 * the property that any split of the input gives the one-shot digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mv/core.h"

static void hex(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void digest_of(const void *p, uint32_t n, char out[65])
{
	struct mv_sha256 c;
	uint8_t d[32];

	mv_sha256_init(&c);
	mv_sha256_update(&c, p, n);
	mv_sha256_final(&c, d);
	hex(d, out);
}

static const struct {
	const char *msg;
	const char *digest;
} vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
     "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
};

static void test_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		char got[65];

		digest_of(vectors[i].msg, (uint32_t)strlen(vectors[i].msg), got);
		assert_string_equal(got, vectors[i].digest);
	}
}

static void test_million_a(void **state)
{
	static uint8_t chunk[997]; /* odd size: crosses block edges everywhere */
	struct mv_sha256 c;
	uint8_t d[32];
	char got[65];
	uint32_t left = 1000000;

	(void)state;
	memset(chunk, 'a', sizeof chunk);
	mv_sha256_init(&c);
	while (left > 0) {
		uint32_t n = left < sizeof chunk ? left : (uint32_t)sizeof chunk;

		mv_sha256_update(&c, chunk, n);
		left -= n;
	}
	mv_sha256_final(&c, d);
	hex(d, got);
	assert_string_equal(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Lengths around the padding edges (55/56/63/64 bytes) and every split. */
static void test_splits(void **state)
{
	uint8_t buf[200];

	(void)state;
	for (uint32_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 31u + 7u);
	for (uint32_t len = 0; len <= sizeof buf; len++) {
		char whole[65];

		digest_of(buf, len, whole);
		for (uint32_t cut = 0; cut <= len; cut += 13) {
			struct mv_sha256 c;
			uint8_t d[32];
			char got[65];

			mv_sha256_init(&c);
			mv_sha256_update(&c, buf, cut);
			mv_sha256_update(&c, buf + cut, len - cut);
			mv_sha256_final(&c, d);
			hex(d, got);
			assert_string_equal(got, whole);
		}
	}
}

static void test_memeq_ct(void **state)
{
	uint8_t a[32] = {0}, b[32] = {0};

	(void)state;
	assert_true(mv_memeq_ct(a, b, 32));
	b[31] = 1;
	assert_false(mv_memeq_ct(a, b, 32));
	b[31] = 0;
	b[0] = 0x80;
	assert_false(mv_memeq_ct(a, b, 32));
	assert_true(mv_memeq_ct(a, b, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_million_a),
	    cmocka_unit_test(test_splits),
	    cmocka_unit_test(test_memeq_ct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
