/* test_map.c - the SVG memory map: well-formed, deterministic, every
 * memory and partition named, names escaped, usage and free space figured,
 * items outside the board listed; ELF sections become items. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/map.h"
#include "mvb/status.h"

/* Tags balance: every <name ...> is closed by </name> or ends in "/>". */
static void assert_balanced(const char *s)
{
	char stack[64][32];
	int depth = 0;
	assert_true(!strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44));
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		if (p[1] == '?')
			continue;
		const char *end = strchr(p, '>');
		assert_non_null(end);
		for (const char *q = p + 1; q < end; q++) /* no stray '<' inside a tag */
			assert_true(*q != '<');
		if (p[1] == '/') {
			assert_true(depth > 0);
			size_t n = strlen(stack[depth - 1]);
			assert_true(!strncmp(p + 2, stack[--depth], n) && p[2 + n] == '>');
		} else if (end[-1] != '/') {
			size_t n = strcspn(p + 1, " >");
			assert_true(n < 32 && depth < 64);
			memcpy(stack[depth], p + 1, n);
			stack[depth++][n] = 0;
		}
	}
	assert_int_equal(depth, 0);
	const char *tail = s + strlen(s) - 7;
	assert_string_equal(tail, "</svg>\n");
}

static char *render(const struct mvb_board *b, const struct mvb_map_item *it, size_t n)
{
	struct mvb_buf o = MVB_BUF_INIT;
	assert_int_equal(mvb_map_svg(b, "map of <test> & \"more\"", it, n, &o), 0);
	assert_int_equal(mvb_buf_puts(&o, ""), 0); /* NUL-terminated */
	assert_non_null(o.data);
	return (char *)o.data;
}

struct mcase {
	const char *board;
	struct mvb_map_item items[4];
	size_t n;
	const char *want[4]; /* substrings of the SVG */
};

static void test_maps(void **state)
{
	(void)state;
	static const struct mcase c[] = {
	    {"mps2-an505", {{""}}, 0, {">mv_code<", ">app_flash<", "sram3 (RAM, 2 MiB)", ">no partition<"}},
	    {"stm32u585", {{""}}, 0, {">app_flash<", "flash (flash, 2 MiB)", ">secure<", ">non-secure callable<"}},
	    {"mps2-an505",
	     {{"app layer", 0x00200000, 0x1000, MVB_MAP_LAYER_APP},
	      {"microvisor layer", 0x10000000, 0x1f040, MVB_MAP_LAYER_MV}},
	     2,
	     {"used 4 KiB, free 2044 KiB", "continues into &apos;mv_nsc&apos;", "used 64 B, free 4,032 B",
	      ">app layer<"}},
	    {"mps2-an505",
	     {{"<&\"'>\x01", 0x28000000, 16, MVB_MAP_DATA}, {"far away", 0xe0000000, 4, MVB_MAP_CODE}},
	     2,
	     {"&lt;&amp;&quot;&apos;&gt;?", "Not in any memory of this board: far away (0xe0000000)",
	      "map of &lt;test&gt; &amp; &quot;more&quot;", "used 16 B"}},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct mvb_board b;
		tu_board(&b, c[i].board);
		char *s1 = render(&b, c[i].items, c[i].n), *s2 = render(&b, c[i].items, c[i].n);
		print_message("map case %zu\n", i);
		assert_string_equal(s1, s2); /* deterministic */
		assert_balanced(s1);
		for (size_t k = 0; k < b.npart; k++) {
			char want[64];
			snprintf(want, sizeof(want), ">%s<", b.part[k].name);
			if (!strstr(s1, want))
				fail_msg("partition '%s' not named", b.part[k].name);
		}
		for (size_t k = 0; k < 4 && c[i].want[k]; k++)
			if (!strstr(s1, c[i].want[k]))
				fail_msg("case %zu: '%s' not in the map", i, c[i].want[k]);
		free(s1);
		free(s2);
		mvb_board_release(&b);
	}
}

static void test_limits(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	static struct mvb_map_item many[MVB_MAP_MAX_ITEMS + 1];
	struct mvb_buf o = MVB_BUF_INIT;
	assert_int_equal(mvb_map_svg(&b, "t", many, MVB_MAP_MAX_ITEMS + 1, &o), MVB_EINPUT);
	/* the most items, all in one partition, still render */
	for (size_t i = 0; i < MVB_MAP_MAX_ITEMS; i++) {
		snprintf(many[i].name, sizeof(many[i].name), ".s%zu", i);
		many[i].addr = 0x00200000 + 16 * (uint32_t)i;
		many[i].size = 16;
		many[i].kind = MVB_MAP_CODE;
	}
	assert_int_equal(mvb_map_svg(&b, "t", many, MVB_MAP_MAX_ITEMS, &o), 0);
	assert_int_equal(mvb_buf_puts(&o, ""), 0);
	assert_balanced((const char *)o.data);
	assert_non_null(strstr((const char *)o.data, "used 4 KiB, free 2044 KiB"));
	mvb_buf_release(&o);
	mvb_board_release(&b);
}

/* Which partitions a range touches, across aliases and gaps. */
static void test_partitions_in(void **state)
{
	(void)state;
	static const struct {
		uint32_t addr, size;
		const char *want; /* names, comma-separated */
		int outside;
	} c[] = {
	    {0x10000000, 0x1f040, "mv_code,mv_nsc", 0}, /* the microvisor image, secure alias */
	    {0x00000000, 0x1f040, "mv_code,mv_nsc", 0}, /* the same bytes, non-secure alias */
	    {0x00200000, 1012, "app_flash", 0},
	    {0x10021ff0, 0x20, "mv_state,app_header", 0}, /* across a boundary */
	    {0x10022300, 0x200, "app_header", 1},         /* runs into the gap after it */
	    {0x10100000, 0x10, "", 1},                    /* only in the gap */
	    {0x101ffff0, 0x20, "app_flash", 1},           /* from the gap into app_flash (secure alias) */
	    {0xfffffff0, 0x10, "", 1},                    /* at the top of the address space */
	    {0x28000000, 0x400000, "app_ram,mv_ram", 1},  /* sram2 then sram3 */
	};
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const struct mvb_partition *p[8];
		int outside = -1;
		size_t n = mvb_map_partitions_in(&b, c[i].addr, c[i].size, p, 8, &outside);
		char got[128] = "";
		for (size_t k = 0; k < n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "," : "", p[k]->name);
		print_message("range case %zu: %s\n", i, got);
		assert_string_equal(got, c[i].want);
		assert_int_equal(outside, c[i].outside);
	}
	mvb_board_release(&b);
}

static void test_elf_items(void **state)
{
	(void)state;
	const char *path = tu_build_app("map_app", "-DCALL_MV -Wl,--defsym=mv_log=0x1001f009");
	size_t len;
	char *data = tu_read(path, &len);
	struct mvb_elf e;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_elf_parse(&e, path, (unsigned char *)data, len, &d), 0);
	struct mvb_map_item it[16];
	size_t n = mvb_map_elf_items(&e, it, 16);
	static const struct {
		const char *name;
		enum mvb_map_kind kind;
		uint32_t lo, hi; /* where it must lie */
	} want[] = {
	    {".text", MVB_MAP_CODE, 0x00200000, 0x00400000},
	    {".data", MVB_MAP_DATA, 0x28000000, 0x28200000},
	    {".data (load)", MVB_MAP_RODATA, 0x00200000, 0x00400000},
	    {".stack", MVB_MAP_BSS, 0x28000000, 0x28200000},
	};
	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		size_t k = 0;
		while (k < n && strcmp(it[k].name, want[w].name))
			k++;
		if (k == n)
			fail_msg("no item '%s'", want[w].name);
		assert_int_equal(it[k].kind, want[w].kind);
		assert_true(it[k].addr >= want[w].lo && it[k].addr + it[k].size <= want[w].hi);
	}
	/* a smaller table is filled and not overrun */
	assert_int_equal(mvb_map_elf_items(&e, it, 2), 2);
	mvb_elf_release(&e);
	mvb_diags_release(&d);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_maps),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_partitions_in),
	    cmocka_unit_test(test_elf_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
