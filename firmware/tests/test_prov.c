/* test_prov.c - the provisioning record (core/prov.c): nothing in it is
 * believed unless the whole record checks out; one row per way it can be
 * wrong, built on a valid record of two anchors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <mvb/provision.h>

#include "mv/core.h"

static uint8_t rec[MVB_PROV_SIZE];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

static void reseal(void)
{
	put32(rec + 0x1fc, mv_crc32(0, rec, 0x1fc));
}

static void make_valid(void)
{
	memset(rec, 0, sizeof rec);
	put32(rec, MVB_PROV_MAGIC);
	put32(rec + 4, MVB_PROV_FORMAT | (MVB_PROV_SIZE << 16));
	put32(rec + 8, 2);
	memcpy(rec + 0x10, "SN-7", 4);
	memcpy(rec + 0x150, "hello", 5);
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < MVB_PROV_ANCHOR_SIZE; i++)
			rec[0x30 + MVB_PROV_ANCHOR_SIZE * k + i] = (uint8_t)(k * 100 + i + 1);
	reseal();
}

static void test_valid(void **state)
{
	(void)state;
	make_valid();
	assert_int_equal(mv_prov_parse(rec), MV_PROV_OK);
	assert_int_equal(mv_prov_anchors(), 2);
	assert_string_equal(mv_prov_serial(), "SN-7");
	assert_string_equal(mv_prov_app(), "hello");
	assert_int_equal(mv_prov_anchor_point(1)[0], 109); /* after its 8-byte key id */
	assert_null(mv_prov_anchor_point(2));
	/* an app name that fills its field is cut to 31 bytes, never read past */
	memset(rec + 0x150, 'a', MVB_PROV_APP_MAX);
	reseal();
	assert_int_equal(mv_prov_parse(rec), MV_PROV_OK);
	assert_int_equal(strlen(mv_prov_app()), MVB_PROV_APP_MAX - 1u);
	/* a record that does not check out names no app */
	rec[0x40] ^= 1u;
	assert_int_equal(mv_prov_parse(rec), MV_PROV_NONE);
	assert_string_equal(mv_prov_app(), "");
}

static const struct {
	const char *name;
	unsigned off, len;
	uint32_t value;
	int reseal;
	uint32_t want;
} rows[] = {
	{ "erased flash", 0, 4, 0xffffffffu, 1, MV_PROV_NONE },
	{ "another format", 4, 2, 2, 1, MV_PROV_NONE },
	{ "another size", 6, 2, 256, 1, MV_PROV_NONE },
	{ "five anchors", 8, 4, 5, 1, MV_PROV_NONE },
	{ "count 0xffffffff", 8, 4, 0xffffffffu, 1, MV_PROV_NONE },
	{ "a flipped anchor byte", 0x40, 1, 0x55, 0, MV_PROV_NONE },
	{ "a flipped CRC", 0x1fc, 1, 0x00, 0, MV_PROV_NONE },
	{ "no anchors", 8, 4, 0, 1, MV_PROV_NO_ANCHORS },
};

static void test_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		make_valid();
		for (unsigned b = 0; b < rows[i].len; b++)
			rec[rows[i].off + b] = (uint8_t)(rows[i].value >> (8 * b));
		if (rows[i].reseal)
			reseal();
		uint32_t got = mv_prov_parse(rec);
		if (got != rows[i].want || (got != MV_PROV_OK && mv_prov_anchors() != 0))
			fail_msg("case '%s': %u, %u anchors", rows[i].name, got, mv_prov_anchors());
	}
}

static void test_serial_terminated(void **state)
{
	(void)state;
	make_valid();
	memset(rec + 0x10, 'x', 32); /* no NUL in the field */
	reseal();
	assert_int_equal(mv_prov_parse(rec), MV_PROV_OK);
	assert_int_equal(strlen(mv_prov_serial()), 31);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_serial_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
