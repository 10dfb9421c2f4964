/* test_crc32.c - CRC-32 as zlib computes it: the check value, chaining,
 * and the bit-at-a-time definition for many lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mv/core.h"

/* The textbook definition, one bit at a time. */
static uint32_t crc_ref(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xffffffffu;

	for (uint32_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ ((c & 1u) ? 0xedb88320u : 0u);
	}
	return ~c;
}

static void test_check_value(void **state)
{
	(void)state;
	assert_int_equal(mv_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(mv_crc32(0, "", 0), 0);
	assert_int_equal(mv_crc32(0, "a", 1), 0xe8b7be43u);
}

static void test_chaining(void **state)
{
	(void)state;
	uint32_t c = mv_crc32(0, "1234", 4);

	assert_int_equal(mv_crc32(c, "56789", 5), 0xcbf43926u);
}

static void test_against_definition(void **state)
{
	uint8_t buf[300];

	(void)state;
	for (uint32_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i * 97u + 3u);
	for (uint32_t n = 0; n <= sizeof buf; n++)
		assert_int_equal(mv_crc32(0, buf, n), crc_ref(buf, n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_value),
	    cmocka_unit_test(test_chaining),
	    cmocka_unit_test(test_against_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
