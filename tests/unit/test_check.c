/* test_check.c - `check` on apps built at test time: a clean app has no
 * findings and the right usage and ABI; each violation class produces its
 * id.  Table-driven: a new bug is a new row. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/api.h"
#include "mvb/app_header.h"
#include "mvb/check.h"

#define CALL_OK "-DCALL_MV -Wl,--defsym=mv_log=0x1001f009"
#define APP_OK "schema: 1\nname: fixture\nversion: 1.2.3\nperipherals: [uart1]\nirqs: [34]\n"

struct ccase {
	const char *name;  /* also the fixture's file name */
	const char *flags; /* arm-none-eabi-gcc flags on top of the defaults */
	const char *app;   /* app manifest text; NULL: none */
	int api;           /* use tests/data/elf/mv_api.yaml */
	const char *from, *to; /* board mutation, or NULL */
	const char *ids[4];
	const char *from2, *to2; /* a second mutation */
};

static const struct ccase cases[] = {
	{ "c_overflow", "-DBIG_BSS=0x200000 -Wl,--defsym=RAM_LENGTH=0x300000", APP_OK, 1, NULL, NULL,
	  { "partition-overflow" } },
	{ "c_flash_overflow", "-DBIG_DATA=0x10 -Wl,--defsym=FLASH_ORIGIN=0x003fff00 -Wl,--defsym=FLASH_LENGTH=0x10000", APP_OK, 1,
	  NULL, NULL, { "partition-overflow", "vector-missing" } },
	{ "c_secure_alias", "-Wl,--defsym=FLASH_ORIGIN=0x10200000", APP_OK, 1, NULL, NULL,
	  { "segment-secure", "entry-range", "vector-missing" } },
	{ "c_in_microvisor", "-Wl,--defsym=FLASH_ORIGIN=0x10000000", APP_OK, 1, NULL, NULL, { "segment-secure" } },
	{ "c_in_nsc", "-Wl,--defsym=FLASH_ORIGIN=0x1001f000 -Wl,--defsym=FLASH_LENGTH=0x1000", APP_OK, 1, NULL, NULL,
	  { "segment-secure" } },
	{ "c_unpartitioned", "-Wl,--defsym=FLASH_ORIGIN=0x00100000", APP_OK, 1, NULL, NULL, { "segment-outside" } },
	{ "c_ram_as_flash", "-Wl,--defsym=FLASH_ORIGIN=0x28100000 -Wl,--defsym=FLASH_LENGTH=0x10000", APP_OK, 1, NULL,
	  NULL, { "segment-outside" } },
	{ "c_nowhere", "-Wl,--defsym=RAM_ORIGIN=0x70000000", APP_OK, 1, NULL, NULL, { "segment-outside", "vector-sp" } },
	{ "c_peripheral", "-Wl,--defsym=RAM_ORIGIN=0x40300000 -Wl,--defsym=RAM_LENGTH=0x10000", APP_OK, 1, NULL, NULL,
	  { "segment-peripheral" } },
	{ "c_overlap", "-T overlap.ld -Wl,--no-check-sections", APP_OK, 1, NULL, NULL, { "segment-overlap" } },
	{ "c_vector_missing", "-Wl,--defsym=FLASH_ORIGIN=0x00280000 -Wl,--defsym=FLASH_LENGTH=0x1000", APP_OK, 1, NULL,
	  NULL, { "vector-missing" } },
	{ "c_vector_align", "-Wl,--defsym=FLASH_ORIGIN=0x00200400 -Wl,--defsym=FLASH_LENGTH=0x1000", APP_OK, 1,
	  "    offset: 0x200000\n    size: 2MiB", "    offset: 0x200400\n    size: 0x1ffc00",
	  { "vector-align" }, "  nvic-irqs: 124", "  nvic-irqs: 256" },
	{ "c_sp_align", "-DSP_VALUE=0x28000804", APP_OK, 1, NULL, NULL, { "vector-sp" } },
	{ "c_sp_outside", "-DSP_VALUE=0x20000000", APP_OK, 1, NULL, NULL, { "vector-sp" } },
	{ "c_reset_arm", "-DRESET_VALUE=0x00200100", APP_OK, 1, NULL, NULL, { "vector-handler" } },
	{ "c_reset_outside", "-DRESET_VALUE=0x10000001", APP_OK, 1, NULL, NULL, { "vector-handler" } },
	{ "c_entry_thumb", "-Wl,--entry=0x00200100", APP_OK, 1, NULL, NULL, { "entry-thumb" } },
	{ "c_entry_range", "-Wl,--entry=0x28000001", APP_OK, 1, NULL, NULL, { "entry-range" } },
	{ "c_double", "-mfpu=fpv5-d16 -DUSE_DOUBLE", APP_OK, 1, NULL, NULL, { "arch-fpu" } },
	{ "c_fpu_board", "-DUSE_FLOAT", APP_OK, 1, "  fpu: fpv5-sp-d16", "  fpu: none", { "arch-fpu" } },
	{ "c_m55", "-mcpu=cortex-m55 -mfloat-abi=soft", APP_OK, 1, NULL, NULL, { "arch-profile" } },
	{ "c_cortex_a", "-mcpu=cortex-a7 -mfloat-abi=soft -marm", APP_OK, 1, NULL, NULL, { "arch-profile" } },
	{ "c_no_attrs", "-T noattrs.ld -Wl,--defsym=FLASH_ORIGIN=0x00200000,--defsym=FLASH_LENGTH=0x200000 -Wl,--defsym=RAM_ORIGIN=0x28000000,--defsym=RAM_LENGTH=0x200000,--defsym=STACK_SIZE=0x1000", APP_OK, 1, NULL, NULL,
	  { "arch-attributes" } },
	{ "c_periph_unknown", "", "schema: 1\nname: f\nversion: 1.0.0\nperipherals: [uart9]\n", 1, NULL, NULL,
	  { "periph-unknown" } },
	{ "c_periph_kept", "", "schema: 1\nname: f\nversion: 1.0.0\nperipherals: [uart0, uart1]\nirqs: [34]\n", 1, NULL,
	  NULL, { "periph-not-assignable" } },
	{ "c_irq_not_owned", "", "schema: 1\nname: f\nversion: 1.0.0\nperipherals: [uart1]\nirqs: [34, 3]\n", 1, NULL,
	  NULL, { "irq-not-owned" } },
	{ "c_irq_handler", "-DIRQ_HANDLER_EXTRA", APP_OK, 1, NULL, NULL, { "irq-handler-undeclared" } },
	{ "c_periph_literal", "-DTOUCH_UART2", APP_OK, 1, NULL, NULL, { "periph-literal" } },
	{ "c_undeclared_uart1", "", "schema: 1\nname: f\nversion: 1.0.0\n", 1, NULL, NULL,
	  { "periph-literal", "irq-handler-undeclared" } },
	{ "c_secure_literal", "-DTOUCH_SECURE", APP_OK, 1, NULL, NULL, { "secure-literal" } },
	{ "c_pure_code", "-mpure-code -DTOUCH_UART2", APP_OK, 1, NULL, NULL, { "periph-literal" } },
	{ "c_bad_call", "-DCALL_MV -Wl,--defsym=mv_log=0x1001f011", APP_OK, 1, NULL, NULL, { "mv-call-unknown" } },
	{ "c_no_api", CALL_OK, APP_OK, 0, NULL, NULL, { "mv-api-missing" } },
	{ "c_no_manifest", "", NULL, 1, NULL, NULL, { "app-manifest-missing" } },
};

struct loaded {
	unsigned char *bytes;
	struct mvb_elf elf;
	struct mvb_board board;
	struct mvb_app app;
	struct mvb_api api;
	struct mvb_check_out out;
	struct mvb_diags d;
	unsigned errors;
};

static void run(struct loaded *l, const char *name, const char *flags, const char *app, int api, const char *from,
		const char *to, const char *from2, const char *to2)
{
	memset(l, 0, sizeof(*l));
	size_t len;
	const char *path = tu_build_app(name, flags);
	l->bytes = (unsigned char *)tu_read(path, &len);
	assert_int_equal(mvb_elf_parse(&l->elf, path, l->bytes, len, &l->d), 0);
	char *bt = tu_read("boards/mps2-an505.yaml", NULL);
	if (from) {
		char *m = tu_replace(bt, from, to);
		free(bt);
		bt = m;
	}
	if (from2) {
		char *m = tu_replace(bt, from2, to2);
		free(bt);
		bt = m;
	}
	int rc = mvb_board_parse(&l->board, "b.yaml", bt, strlen(bt), &l->d);
	if (rc)
		tu_print(&l->d);
	assert_int_equal(rc, 0);
	free(bt);
	if (app)
		assert_int_equal(mvb_app_parse(&l->app, "app.yaml", app, strlen(app), &l->d), 0);
	if (api) {
		size_t al;
		char *at = tu_read("tests/data/elf/mv_api.yaml", &al);
		assert_int_equal(mvb_api_parse(&l->api, "mv_api.yaml", at, al, &l->d), 0);
		free(at);
	}
	struct mvb_check_in in = { &l->elf, path, &l->board, app ? &l->app : NULL, "app.yaml", api ? &l->api : NULL };
	l->errors = mvb_check_run(&in, &l->out, &l->d);
}

static void done(struct loaded *l)
{
	mvb_elf_release(&l->elf);
	mvb_board_release(&l->board);
	mvb_diags_release(&l->d);
	free(l->bytes);
}

static void test_clean(void **state)
{
	(void)state;
	struct loaded l;
	run(&l, "c_clean", CALL_OK, APP_OK, 1, NULL, NULL, NULL, NULL);
	if (l.d.n)
		tu_print(&l.d);
	assert_int_equal(l.d.n, 0);
	assert_int_equal(l.errors, 0);
	/* usage: flash holds every loadable byte, RAM every run byte */
	uint32_t flash = 0, ram = 0;
	for (size_t i = 0; i < l.elf.nseg; i++) {
		if (l.elf.seg[i].paddr < 0x28000000)
			flash += l.elf.seg[i].filesz;
		if (l.elf.seg[i].vaddr >= 0x28000000)
			ram += l.elf.seg[i].memsz;
	}
	assert_string_equal(l.out.usage[0].partition, "app_flash");
	assert_int_equal(l.out.usage[0].used, flash);
	assert_int_equal(l.out.usage[0].size, 0x200000);
	assert_string_equal(l.out.usage[1].partition, "app_ram");
	assert_int_equal(l.out.usage[1].used, ram);
	assert_true(ram >= 0x1000); /* the stack */
	assert_int_equal(l.out.min_abi, MVB_ABI_PACK(1, 1));
	assert_int_equal(l.out.ncalls, 1);
	assert_string_equal(l.out.calls[0], "mv_log");
	size_t iu = (size_t)(mvb_board_peripheral(&l.board, "uart1") - l.board.per);
	assert_int_equal(l.out.grant.periph_mask[0], 1u << iu);
	assert_int_equal(l.out.vector_entries, 16 + 92);
	done(&l);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ccase *c = &cases[i];
		struct loaded l;
		print_message("case %s\n", c->name);
		run(&l, c->name, c->flags, c->app, c->api, c->from, c->to, c->from2, c->to2);
		for (int k = 0; k < 4 && c->ids[k]; k++)
			tu_expect_id(&l.d, c->ids[k]);
		/* errors counted match error-severity findings */
		assert_int_equal(l.errors, l.d.errors);
		done(&l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
