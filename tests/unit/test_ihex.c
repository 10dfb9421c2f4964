/* test_ihex.c - the Intel HEX reader that `mvbuild flash` uses for factory
 * images: a round trip with the writer, and one row per malformed-record
 * class, each with its id and line. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/image.h"
#include "mvb/status.h"

static void test_round_trip(void **state)
{
	(void)state;
	unsigned char a[300], b[40];
	for (unsigned i = 0; i < sizeof(a); i++)
		a[i] = (unsigned char)(i * 7 + 1);
	memset(b, 0x5a, sizeof(b));
	struct mvb_image in;
	memset(&in, 0, sizeof(in));
	mvb_image_add(&in, 0x1000fff0, a, sizeof(a), "a"); /* crosses a 64 KiB boundary */
	mvb_image_add(&in, 0x00200000, b, sizeof(b), "b");
	struct mvb_buf hex = MVB_BUF_INIT, store = MVB_BUF_INIT;
	assert_int_equal(mvb_image_write_ihex(&in, &hex), 0);
	struct mvb_image out;
	memset(&out, 0, sizeof(out));
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_image_read_ihex(&out, &store, "r.hex", hex.data, hex.len, "image", &d), 0);
	assert_int_equal(out.n, 2); /* contiguous records merge into one piece each */
	assert_int_equal(out.p[0].addr, 0x00200000);
	assert_int_equal(out.p[0].len, sizeof(b));
	assert_memory_equal(out.p[0].data, b, sizeof(b));
	assert_int_equal(out.p[1].addr, 0x1000fff0);
	assert_int_equal(out.p[1].len, sizeof(a));
	assert_memory_equal(out.p[1].data, a, sizeof(a));
	mvb_buf_release(&hex);
	mvb_buf_release(&store);
}

/* why: a word of the message, so each row fails for its own reason */
static const struct {
	const char *what, *text;
	unsigned line;
	const char *why;
} bad[] = {
	{ "not a record", "hello\n:00000001FF\n", 1, "not an Intel" },
	{ "odd digits", ":0100000000F\n:00000001FF\n", 1, "not an Intel" },
	{ "non-hex digit", ":01000000G0FF\n:00000001FF\n", 1, "non-hex" },
	{ "count mismatch", ":0200000000FE\n:00000001FF\n", 1, "byte count" },
	{ "bad checksum", ":0100000000FE\n:00000001FF\n", 1, "checksum" },
	{ "unknown type", ":00000006FA\n:00000001FF\n", 1, "unknown record type" },
	{ "address record size", ":0100000400FB\n:00000001FF\n", 1, "address record" },
	{ "start record size", ":0100000500FA\n:00000001FF\n", 1, "start-address" },
	{ "eof with data", ":0000000000\n:0100000100FE\n", 2, "end-of-file record with data" },
	{ "data after eof", ":00000001FF\n:0100000000FF\n", 2, "after the end-of-file" },
	{ "no eof", ":0100000000FF\n", 0, "no end-of-file" },
	{ "past 4 GiB", ":02000004FFFFFC\n:02FFFF00000000\n:00000001FF\n", 2, "past 4 GiB" },
	{ "overlap", ":0100100000EF\n:0100100000EF\n:00000001FF\n", 0, "overlap" },
};

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mvb_image img;
		memset(&img, 0, sizeof(img));
		struct mvb_buf store = MVB_BUF_INIT;
		struct mvb_diags d = MVB_DIAGS_INIT;
		print_message("case '%s'\n", bad[i].what);
		assert_int_equal(mvb_image_read_ihex(&img, &store, "x.hex", (const unsigned char *)bad[i].text,
						     strlen(bad[i].text), "image", &d),
				 MVB_EINPUT);
		assert_int_equal(d.n, 1);
		tu_expect_id(&d, "ihex-record");
		assert_int_equal(d.v[0].line, bad[i].line);
		assert_non_null(strstr(d.v[0].message, bad[i].why));
		mvb_diags_release(&d);
		mvb_buf_release(&store);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
