/* test_board.c - board manifests: the shipped ones parse clean, and each
 * class of bad manifest (a one-edit mutation of the real mps2-an505 file)
 * gets its id at the right line. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/board.h"

struct mcase {
	const char *name, *from, *to, *id;
	const char *at; /* text whose line the finding must name; NULL: not checked */
};

static const struct mcase cases[] = {
	{ "unknown top key", "console: uart0", "consle: uart0", "yaml-unknown-key", "consle:" },
	{ "missing key", "console: uart0\n", "\n", "yaml-missing-key", NULL },
	{ "duplicate key", "vendor: arm", "vendor: arm\nvendor: st", "yaml-duplicate-key", "vendor: st" },
	{ "anchor", "  core: cortex-m33", "  core: &c cortex-m33", "yaml-alias", "core: &c" },
	{ "tag", "  nvic-irqs: 124", "  nvic-irqs: !!int 124", "yaml-tag", "nvic-irqs: !!int" },
	{ "two docs", "console: uart0", "console: uart0\n---\nx: 1", "yaml-documents", "---" },
	{ "syntax", "  nvic-irqs: 124", "  nvic-irqs: [124", "yaml-syntax", NULL },
	{ "wrong type map", "  nvic-irqs: 124", "  nvic-irqs: {a: 1}", "yaml-type", "nvic-irqs: {a" },
	{ "wrong type seq", "irqs: [3],", "irqs: 3,", "yaml-type", "irqs: 3," },
	{ "not a number", "  nvic-irqs: 124", "  nvic-irqs: many", "yaml-type", "nvic-irqs: many" },
	{ "number out of range", "  nvic-irqs: 124", "  nvic-irqs: 300", "yaml-range", "nvic-irqs: 300" },
	{ "string too long", "name: mps2-an505", "name: mps2-an505-with-a-name-longer-than-thirty-one", "yaml-range", NULL },
	{ "enum", "    world: nsc", "    world: nonsecur", "yaml-enum", "world: nonsecur" },
	{ "schema", "schema: 1", "schema: 2", "board-schema", "schema: 2" },
	{ "bad name", "name: mps2-an505", "name: Mps2 AN505", "board-name", "name: Mps2" },
	{ "duplicate partition", "  - name: mv_state", "  - name: mv_code", "board-duplicate", NULL },
	{ "names equal up to - and _", "  - name: mv_state", "  - name: mv-code", "board-duplicate", NULL },
	{ "duplicate peripheral", "{name: timer1,", "{name: timer0,", "board-duplicate", NULL },
	{ "unknown memory", "    memory: sram3", "    memory: sram9", "board-unknown-ref", "memory: sram9" },
	{ "unknown console", "console: uart0", "console: uart9", "board-unknown-ref", "console: uart9" },
	{ "console owned by app", "console: uart0", "console: uart1", "board-console", "console: uart1" },
	{ "unknown link", "link: uart4", "link: uart9", "board-unknown-ref", "link: uart9" },
	{ "link owned by app", "link: uart4", "link: uart1", "board-link", "link: uart1" },
	{ "link is the console", "link: uart4", "link: uart0", "board-link", "link: uart0" },
	{ "link without an interrupt", "link: uart4", "link: mpc0", "board-link", "link: mpc0" },
	{ "device-state not secure", "    world: secure\n    role: device-state", "    world: nonsecure\n    role: device-state", "board-partition-role", NULL },
	{ "device-state too small", "    size: 8KiB\n    world: secure\n    role: device-state", "    size: 256\n    world: secure\n    role: device-state", "board-partition-role", NULL },
	{ "granule not pow2", "    granule: 1KiB           # MPC block", "    granule: 1000", "board-granule", NULL },
	{ "memory misaligned", "    s-base: 0x38200000", "    s-base: 0x38200200", "board-memory-align", NULL },
	{ "memory overlap", "    ns-base: 0x28200000", "    ns-base: 0x28100000", "board-memory-overlap", NULL },
	{ "partition outside", "    offset: 0x200000\n    size: 2MiB", "    offset: 0x300000\n    size: 2MiB",
	  "board-partition-outside", NULL },
	{ "partition misaligned", "    offset: 0x20000\n", "    offset: 0x20100\n", "board-partition-align", NULL },
	{ "partition size misaligned", "    size: 8KiB\n", "    size: 0x2100\n", "board-partition-align", NULL },
	{ "partition overlap", "    offset: 0x22000", "    offset: 0x21000", "board-partition-overlap", NULL },
	{ "role missing", "    role: app-header", "    role: reserved", "board-partition-role", NULL },
	{ "role repeated", "    role: device-state", "    role: app-header", "board-partition-role", NULL },
	{ "device-state repeated", "    role: app-header", "    role: device-state", "board-partition-role", NULL },
	{ "revert not secure", "    world: secure\n    role: revert", "    world: nonsecure\n    role: revert", "board-partition-role", NULL },
	{ "revert repeated", "    role: device-state", "    role: revert", "board-partition-role", NULL },
	{ "role wrong world", "    world: nsc", "    world: secure", "board-partition-role", NULL },
	{ "peripheral overlap", "s-base: 0x50001000, ns-base: 0x40001000", "s-base: 0x50000800, ns-base: 0x40000800",
	  "board-peripheral-overlap", NULL },
	{ "peripheral over memory", "s-base: 0x50302000, ns-base: 0x40302000", "s-base: 0x38000000, ns-base: 0x28000000",
	  "board-peripheral-overlap", NULL },
	{ "irq out of range", "irqs: [51]", "irqs: [130]", "board-irq", NULL },
	{ "irq shared", "irqs: [52]", "irqs: [51]", "board-irq", NULL },
	{ "app peripheral without gate", "owner: app, gate: {reg: apbnsppcexp2, bit: 2}}", "owner: app}", "board-gate", NULL },
	{ "shared gate", "gate: {reg: apbnsppcexp1, bit: 1}", "gate: {reg: apbnsppcexp1, bit: 0}", "board-gate", NULL },
	{ "gate bit range", "gate: {reg: apbnsppcexp1, bit: 1}", "gate: {reg: apbnsppcexp1, bit: 32}", "yaml-range", NULL },
	{ "memory wraps", "    s-base: 0x38200000", "    s-base: 0xfff00000", "yaml-range", NULL },
	{ "flash without erase size", "    kind: ram\n    s-base: 0x38000000", "    kind: flash\n    s-base: 0x38000000",
	  "yaml-missing-key", NULL },
	{ "unknown nested key", "    role: veneers", "    role: veneers\n    colour: red", "yaml-unknown-key", "colour:" },
};

static void test_shipped_boards(void **state)
{
	(void)state;
	static const char *const names[] = { "mps2-an505", "stm32u585" };
	for (size_t i = 0; i < 2; i++) {
		char p[128];
		snprintf(p, sizeof(p), "%s/boards/%s.yaml", MVB_SRC_DIR, names[i]);
		FILE *f = fopen(p, "r");
		if (!f) {
			assert_int_equal(i, 1); /* the default board must exist */
			continue;
		}
		fclose(f);
		struct mvb_board b;
		tu_board(&b, names[i]);
		assert_string_equal(b.name, names[i]);
		for (int r = 0; r < MVB_ROLE_RESERVED; r++)
			assert_non_null(mvb_board_role(&b, (enum mvb_role)r));
		mvb_board_release(&b);
	}
}

static void test_model(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "mps2-an505");
	const struct mvb_partition *f = mvb_board_role(&b, MVB_ROLE_APP_CODE);
	assert_string_equal(f->name, "app_flash");
	assert_int_equal(mvb_partition_base(&b, f), 0x00200000);
	assert_int_equal(mvb_partition_s_base(&b, f), 0x10200000);
	const struct mvb_partition *nsc = mvb_board_role(&b, MVB_ROLE_VENEERS);
	assert_int_equal(mvb_partition_base(&b, nsc), 0x1001f000);
	assert_int_equal(b.cpu.nvic_irqs, 124);
	assert_int_equal(b.mem[0].granule, 1024);
	assert_string_equal(b.per[b.console].name, "uart0");
	const struct mvb_peripheral *u1 = mvb_board_peripheral(&b, "uart1");
	assert_non_null(u1);
	assert_int_equal(u1->owner, MVB_OWNER_APP);
	assert_int_equal(u1->nirqs, 3);
	assert_int_equal(u1->irqs[0], 34);
	assert_string_equal(u1->gate_reg, "apbnsppcexp1");
	assert_int_equal(u1->gate_bit, 6);
	mvb_board_release(&b);
}

static void test_mutations(void **state)
{
	(void)state;
	size_t len;
	char *base = tu_read("boards/mps2-an505.yaml", &len);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];
		print_message("case %s\n", c->name);
		char *t = tu_replace(base, c->from, c->to);
		struct mvb_board b;
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_board_parse(&b, "m.yaml", t, strlen(t), &d);
		assert_int_equal(rc, 1);
		tu_expect_id(&d, c->id);
		const struct mvb_diag *g = mvb_diags_find(&d, (enum mvb_check)mvb_check_by_id(c->id));
		assert_string_equal(g->file, "m.yaml");
		assert_true(g->line > 0);
		if (c->at)
			assert_int_equal(g->line, tu_line_of(t, c->at));
		mvb_board_release(&b);
		mvb_diags_release(&d);
		free(t);
	}
	free(base);
}

/* A revert partition outlives a power cut as the app code does: one in
 * RAM while the app code is in flash is refused (stm32u585's, moved to
 * SRAM1). */
static void test_revert_memory(void **state)
{
	(void)state;
	size_t len;
	char *base = tu_read("boards/stm32u585.yaml", &len);
	char *t = tu_replace(base, "    memory: flash\n    offset: 0x16000", "    memory: sram1\n    offset: 0x0");
	struct mvb_board b;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_board_parse(&b, "u5.yaml", t, strlen(t), &d), 1);
	tu_expect_id(&d, "board-partition-role");
	assert_non_null(strstr(d.v[0].message, "revert partition 'mv_revert' is not in the same kind of memory"));
	mvb_board_release(&b);
	mvb_diags_release(&d);
	free(t);
	free(base);
}

/* Every finding is reported, not just the first. */
static void test_collects_all(void **state)
{
	(void)state;
	size_t len;
	char *base = tu_read("boards/mps2-an505.yaml", &len);
	char *t1 = tu_replace(base, "    offset: 0x20000\n", "    offset: 0x20100\n");
	char *t2 = tu_replace(t1, "irqs: [52]", "irqs: [51]");
	struct mvb_board b;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_board_parse(&b, "m.yaml", t2, strlen(t2), &d), 1);
	tu_expect_id(&d, "board-partition-align");
	tu_expect_id(&d, "board-irq");
	mvb_board_release(&b);
	mvb_diags_release(&d);
	free(base);
	free(t1);
	free(t2);
}

/* Found by fuzz_board: an item that fails to parse left its IRQ count in
 * the slot the next item reuses, and that item's IRQs overflowed irqs[]. */
static void test_failed_item_slot_reuse(void **state)
{
	(void)state;
	size_t len;
	char *base = tu_read("boards/mps2-an505.yaml", &len);
	char *t = tu_replace(base, "peripherals:\n",
			     "peripherals:\n"
			     "  - {name: BAD!, s-base: 0x60000000, ns-base: 0x60000000, size: 4KiB, irqs: [100, 101, 102, 103, 104, 105, 106], owner: microvisor}\n"
			     "  - {name: many, s-base: 0x61000000, ns-base: 0x61000000, size: 4KiB, irqs: [110, 111, 112, 113, 114, 115, 116, 117], owner: microvisor}\n");
	struct mvb_board b;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_board_parse(&b, "r.yaml", t, strlen(t), &d), 1);
	tu_expect_id(&d, "board-name");
	for (size_t i = 0; i < b.nper; i++)
		assert_true(b.per[i].nirqs <= MVB_PERIPH_MAX_IRQS);
	assert_string_equal(b.per[0].name, "many");
	assert_int_equal(b.per[0].nirqs, 8);
	assert_int_equal(b.per[0].irqs[0], 110);
	mvb_board_release(&b);
	mvb_diags_release(&d);
	free(t);
	free(base);

	/* and the fuzzer's own input: rejected, nothing overflows */
	char *r = tu_read("tests/data/regress/fuzz_board/stale-irq-slot.yaml", &len);
	d = (struct mvb_diags)MVB_DIAGS_INIT;
	assert_int_equal(mvb_board_parse(&b, "r.yaml", r, len, &d), 1);
	for (size_t i = 0; i < b.nper; i++)
		assert_true(b.per[i].nirqs <= MVB_PERIPH_MAX_IRQS);
	mvb_board_release(&b);
	mvb_diags_release(&d);
	free(r);
}

/* Pins (stm32u585): parsed with their port, number and alternate function;
 * each malformed pin, and a pin listed under two peripherals, is an error
 * at the line of the offending pin. */
static const struct mcase pin_cases[] = {
	{ "pin not PXn", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: A2, af: 7}", "board-pin", "pin: A2," },
	{ "pin number 16", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PA16, af: 7}", "board-pin", "pin: PA16" },
	{ "pin with a leading zero", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PA02, af: 7}", "board-pin", "pin: PA02" },
	{ "port past P", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PQ2, af: 7}", "board-pin", "pin: PQ2" },
	{ "af 16", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PA2, af: 16}", "yaml-range", "af: 16" },
	{ "pin without af", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PA2}", "yaml-missing-key", "pin: PA2}" },
	{ "unknown pin key", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PA2, af: 7, pull: up}", "yaml-unknown-key", "pull: up" },
	{ "pins not a list", "pins: [{signal: tx, pin: PA2, af: 7}, {signal: rx, pin: PA3, af: 7}]", "pins: PA2", "yaml-type", "pins: PA2" },
	{ "the console's pin to an app peripheral", "{signal: tx, pin: PA2, af: 7}", "{signal: tx, pin: PA9, af: 7}", "board-pin", "pin: PA9, af: 7}, {signal: rx, pin: PA3" },
	{ "one pin twice in one peripheral", "{signal: rx, pin: PA3, af: 7}", "{signal: rx, pin: PA2, af: 7}", "board-pin", "pin: PA2, af: 7}, {signal: rx, pin: PA2" },
	{ "two peripherals, one pin", "{signal: scl, pin: PB8, af: 4}", "{signal: scl, pin: PD8, af: 4}", "board-pin", "pin: PD8, af: 4" },
};

static void test_pins(void **state)
{
	(void)state;
	struct mvb_board b;
	tu_board(&b, "stm32u585");
	const struct mvb_peripheral *u = mvb_board_peripheral(&b, "usart2"), *i2c = mvb_board_peripheral(&b, "i2c1");
	assert_int_equal(u->npins, 2);
	assert_string_equal(u->pins[0].signal, "tx");
	assert_int_equal(u->pins[0].port, 0);
	assert_int_equal(u->pins[0].num, 2);
	assert_int_equal(u->pins[0].af, 7);
	assert_int_equal(i2c->pins[1].port, 1);
	assert_int_equal(i2c->pins[1].num, 9);
	assert_int_equal(b.per[b.console].npins, 2);
	mvb_board_release(&b);
	tu_board(&b, "mps2-an505");
	for (size_t i = 0; i < b.nper; i++)
		assert_int_equal(b.per[i].npins, 0);
	mvb_board_release(&b);

	size_t len;
	char *base = tu_read("boards/stm32u585.yaml", &len);
	for (size_t i = 0; i < sizeof(pin_cases) / sizeof(pin_cases[0]); i++) {
		const struct mcase *c = &pin_cases[i];
		print_message("case %s\n", c->name);
		char *t = tu_replace(base, c->from, c->to);
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_board_parse(&b, "m.yaml", t, strlen(t), &d), 1);
		tu_expect_id(&d, c->id);
		const struct mvb_diag *g = mvb_diags_find(&d, (enum mvb_check)mvb_check_by_id(c->id));
		assert_int_equal(g->line, tu_line_of(t, c->at));
		mvb_board_release(&b);
		mvb_diags_release(&d);
		free(t);
	}
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_boards),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_revert_memory),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_collects_all),
		cmocka_unit_test(test_failed_item_slot_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
