/* test_flash.c - the flash plan of a factory image: an ELF or Intel HEX
 * file becomes pieces at their addresses, the piece at the app header
 * partition is written last, and what cannot be flashed is a finding with
 * its id (a table: a new case is a new row). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/flash.h"
#include "mvb/status.h"

/* Appends the Intel HEX records of n bytes at addr (an extended linear
 * address record, then data records of up to 16 bytes). */
static void hex_piece(struct mvb_buf *o, uint32_t addr, const unsigned char *p, size_t n)
{
	unsigned sum = 2 + 4 + (addr >> 24) + ((addr >> 16) & 0xff);
	mvb_buf_printf(o, ":02000004%04X%02X\n", (unsigned)(addr >> 16), (unsigned)(-sum & 0xff));
	for (size_t off = 0; off < n; off += 16) {
		size_t k = n - off < 16 ? n - off : 16;
		uint32_t a = (addr + (uint32_t)off) & 0xffff;
		sum = (unsigned)k + (a >> 8) + (a & 0xff);
		mvb_buf_printf(o, ":%02X%04X00", (unsigned)k, (unsigned)a);
		for (size_t i = 0; i < k; i++) {
			mvb_buf_printf(o, "%02X", p[off + i]);
			sum += p[off + i];
		}
		mvb_buf_printf(o, "%02X\n", (unsigned)(-sum & 0xff));
	}
}

static void hex_end(struct mvb_buf *o)
{
	mvb_buf_puts(o, ":00000001FF\n");
}

enum kind { ELF_APP, HEX_WITH_HEADER, HEX_OVERLAP, HEX_TOO_MANY, RAW };

static const struct row {
	const char *what;
	enum kind kind;
	const char *id; /* NULL: planned */
	unsigned pieces;
	int commit; /* the piece written last, -1: none */
} rows[] = {
	{ "an app ELF", ELF_APP, NULL, 0, -1 },
	{ "Intel HEX holding an app header", HEX_WITH_HEADER, NULL, 2, 1 },
	{ "two pieces over the same bytes, through both aliases", HEX_OVERLAP, "segment-overlap", 0, -1 },
	{ "more pieces than a plan holds", HEX_TOO_MANY, "image-limit", 0, -1 },
	{ "a raw binary", RAW, "image-format", 0, -1 },
};

static void plan_image(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	static unsigned char bytes[256];
	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(i * 3 + 1);
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		const struct row *w = &rows[r];
		struct mvb_buf hex = MVB_BUF_INIT;
		unsigned char *data = NULL;
		size_t len = 0;
		switch (w->kind) {
		case ELF_APP:
			data = (unsigned char *)tu_read(tu_build_app("flash_plan", ""), &len);
			break;
		case HEX_WITH_HEADER: /* app bytes, then the header at app_header's secure alias */
			hex_piece(&hex, 0x00200000, bytes, 200);
			hex_piece(&hex, 0x10022000, bytes, 64);
			break;
		case HEX_OVERLAP: /* app_flash at 0x00200000 is 0x10200000 in the secure alias */
			hex_piece(&hex, 0x00200000, bytes, 100);
			hex_piece(&hex, 0x10200010, bytes, 100);
			break;
		case HEX_TOO_MANY:
			for (uint32_t i = 0; i <= MVB_IMAGE_MAX_PIECES; i++)
				hex_piece(&hex, 0x00200000 + i * 64, bytes, 16);
			break;
		case RAW:
			data = (unsigned char *)strdup("\x10\x20\x30\x40 not an image");
			len = strlen((char *)data);
			break;
		}
		if (!data) {
			hex_end(&hex);
			data = mvb_buf_detach(&hex, &len);
		}
		struct mvb_flash_plan p;
		struct mvb_diags d = MVB_DIAGS_INIT;
		mvb_flash_plan_init(&p);
		int rc = mvb_flash_plan_image(&p, data, len, &b, "image", &d);
		int ok = w->id ? rc == MVB_EINPUT && mvb_diags_count(&d, (enum mvb_check)mvb_check_by_id(w->id)) == 1
			       : rc == 0 && d.n == 0 && p.commit == w->commit && (!w->pieces || p.img.n == w->pieces);
		if (!ok) {
			print_error("row '%s': rc %d, %u pieces, commit %d\n", w->what, rc, p.img.n, p.commit);
			tu_print(&d);
			fail();
		}
		if (w->kind == ELF_APP) /* its loadable bytes, in app flash */
			for (unsigned i = 0; i < p.img.n; i++)
				assert_true(p.img.p[i].addr >= 0x00200000 && p.img.p[i].addr < 0x00400000);
		if (w->kind == HEX_WITH_HEADER) {
			assert_int_equal(p.img.p[1].addr, 0x10022000);
			assert_int_equal(p.img.p[1].len, 64);
			assert_memory_equal(p.img.p[1].data, bytes, 64);
		}
		mvb_flash_plan_release(&p);
		mvb_diags_release(&d);
		free(data);
	}
	mvb_board_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_image),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
