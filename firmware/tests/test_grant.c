/* test_grant.c - which peripherals and IRQs an app may have, table-driven
 * over the fixture board (uart0 and secctl: microvisor; timer: no gate;
 * IRQ 8 shared by spi and secctl; IRQ 39 the last one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"

#define P(name) (1u << MVB_PERIPH_##name##_INDEX)

static const struct {
	const char *what;
	uint32_t periph0, periph1; /* ah_periph_mask */
	uint32_t irq0, irq1;       /* ah_irq_mask[0..1] */
	uint32_t irq7;             /* ah_irq_mask[7]: beyond every board */
	uint32_t want;
} cases[] = {
    {"nothing", 0, 0, 0, 0, 0, MV_R_NONE},
    {"uart1", P(UART1), 0, 0, 0, 0, MV_R_NONE},
    {"uart1 and its irqs", P(UART1), 0, (1u << 6) | (1u << 7), 0, 0, MV_R_NONE},
    {"gpio and the last irq", P(GPIO), 0, 0, 1u << (39 - 32), 0, MV_R_NONE},
    {"microvisor uart", P(UART0), 0, 0, 0, 0, MV_R_PERIPH_NOT_APP},
    {"microvisor secctl", P(SECCTL), 0, 0, 0, 0, MV_R_PERIPH_NOT_APP},
    {"peripheral without gate", P(TIMER), 0, 0, 0, 0, MV_R_PERIPH_NO_GATE},
    {"peripheral index past the board", 1u << MVB_PERIPH_COUNT, 0, 0, 0, 0, MV_R_PERIPH_UNKNOWN},
    {"peripheral in the second word", 0, 1u, 0, 0, 0, MV_R_PERIPH_UNKNOWN},
    {"irq without its peripheral", 0, 0, 1u << 6, 0, 0, MV_R_IRQ_NOT_OWNED},
    {"irq of another peripheral", P(UART1), 0, 1u << 5, 0, 0, MV_R_IRQ_NOT_OWNED},
    {"irq of no peripheral", P(UART1), 0, 1u << 20, 0, 0, MV_R_IRQ_NOT_OWNED},
    {"irq shared with the microvisor", P(SPI), 0, 1u << 8, 0, 0, MV_R_IRQ_NOT_OWNED},
    {"irq past the board", P(UART1), 0, 0, 1u << (40 - 32), 0, MV_R_IRQ_RANGE},
    {"irq past any board", P(UART1), 0, 0, 0, 1u << 31, MV_R_IRQ_RANGE},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mvb_app_header h;
		struct mv_grant g;

		memset(&h, 0, sizeof h);
		memset(&g, 0xa5, sizeof g);
		h.ah_periph_mask[0] = cases[i].periph0;
		h.ah_periph_mask[1] = cases[i].periph1;
		h.ah_irq_mask[0] = cases[i].irq0;
		h.ah_irq_mask[1] = cases[i].irq1;
		h.ah_irq_mask[7] = cases[i].irq7;
		uint32_t got = mv_grant_plan(&h, &g);

		if (got != cases[i].want)
			fail_msg("case '%s': reason 0x%04x, want 0x%04x", cases[i].what, (unsigned)got,
			         (unsigned)cases[i].want);
		if (got == MV_R_NONE) {
			/* The grant is exactly the request. */
			assert_int_equal(g.periph[0], cases[i].periph0);
			assert_int_equal(g.irq[0], cases[i].irq0);
			assert_int_equal(g.irq[1], cases[i].irq1);
		} else {
			/* A refusal leaves the output alone. */
			assert_int_equal(g.periph[0], 0xa5a5a5a5u);
		}
	}
}

static void test_block_mask(void **state)
{
	(void)state;
	assert_int_equal(mv_block_mask(0, 0, 0), 0);
	assert_int_equal(mv_block_mask(0, 32, 0), 0xffffffffu);
	assert_int_equal(mv_block_mask(0, 32, 1), 0);
	assert_int_equal(mv_block_mask(4, 8, 0), 0xf0u);
	assert_int_equal(mv_block_mask(30, 34, 0), 0xc0000000u);
	assert_int_equal(mv_block_mask(30, 34, 1), 0x3u);
	assert_int_equal(mv_block_mask(2048, 4096, 63), 0);
	assert_int_equal(mv_block_mask(2048, 4096, 64), 0xffffffffu);
	assert_int_equal(mv_block_mask(2048, 4096, 127), 0xffffffffu);
	assert_int_equal(mv_block_mask(2048, 4096, 128), 0);
}

static void test_memory_gates(void **state)
{
	const uint32_t both[] = {MVB_MEM_CODE_GATE_BASE, MVB_MEM_SRAM_GATE_BASE};
	const uint32_t code_only[] = {MVB_MEM_CODE_GATE_BASE};
	const uint32_t code = MVB_MEM_CODE_GATE_BASE, sram = MVB_MEM_SRAM_GATE_BASE;

	(void)state;
	assert_int_equal(mv_gate_layout(both, 2), MV_R_NONE);
	assert_int_equal(mv_gate_layout(code_only, 1), MV_R_HW_MPC_GEOMETRY);
	assert_int_equal(mv_gate_layout(both, 0), MV_R_HW_MPC_GEOMETRY);

	/* app_flash: offset 2 MiB, 64 KiB; app_ram: offset 0, 32 KiB. */
	assert_int_equal(mv_gate_geometry(code, 0x400, 4096), MV_R_NONE);
	assert_int_equal(mv_gate_geometry(code, 0x400, 2048 + 64), MV_R_NONE);
	assert_int_equal(mv_gate_geometry(code, 0x400, 2048 + 63), MV_R_HW_MPC_GEOMETRY);
	assert_int_equal(mv_gate_geometry(code, 0x400, 2000), MV_R_HW_MPC_GEOMETRY);
	assert_int_equal(mv_gate_geometry(code, 0x3000, 4096), MV_R_HW_MPC_GEOMETRY);
	assert_int_equal(mv_gate_geometry(code, 0, 4096), MV_R_HW_MPC_GEOMETRY);
	assert_int_equal(mv_gate_geometry(0x12345678u, 0x3000, 1), MV_R_NONE); /* no app partition there */

	assert_int_equal(mv_gate_ns_word(code, 0x400, 63), 0);
	assert_int_equal(mv_gate_ns_word(code, 0x400, 64), 0xffffffffu);
	assert_int_equal(mv_gate_ns_word(code, 0x400, 65), 0xffffffffu);
	assert_int_equal(mv_gate_ns_word(code, 0x400, 66), 0);
	assert_int_equal(mv_gate_ns_word(sram, 0x400, 0), 0xffffffffu);
	assert_int_equal(mv_gate_ns_word(sram, 0x400, 1), 0);
	assert_int_equal(mv_gate_ns_word(sram, 0x200, 1), 0xffffffffu); /* 512-byte blocks: 64 of them */
	assert_int_equal(mv_gate_ns_word(sram, 0x200, 2), 0);
}

static void test_periph_gates(void **state)
{
	const struct mv_gate_bit of[4] = {{0x84, 1}, {0, 0}, {0x88, 5}, {0x84, 31}};
	const uint32_t regs[2] = {0x84, 0x88};
	uint32_t ns[2], named[2];
	uint32_t periph[MVB_APPHDR_PERIPH_WORDS] = {0};

	(void)state;
	assert_int_equal(mv_gate_bits(periph, of, 4, regs, 2, ns, named), MV_R_NONE);
	assert_int_equal(ns[0], 0);
	assert_int_equal(ns[1], 0);
	assert_int_equal(named[0], 0x80000002u);
	assert_int_equal(named[1], 0x20u);

	periph[0] = (1u << 0) | (1u << 2) | (1u << 3);
	assert_int_equal(mv_gate_bits(periph, of, 4, regs, 2, ns, named), MV_R_NONE);
	assert_int_equal(ns[0], 0x80000002u);
	assert_int_equal(ns[1], 0x20u);

	periph[0] = 1u << 1; /* no gate */
	assert_int_equal(mv_gate_bits(periph, of, 4, regs, 2, ns, named), MV_R_HW_PPC);
	periph[0] = 1u << 4; /* past the table */
	assert_int_equal(mv_gate_bits(periph, of, 4, regs, 2, ns, named), MV_R_HW_PPC);
	periph[0] = 1u << 2; /* a register the port does not list */
	assert_int_equal(mv_gate_bits(periph, of, 4, regs, 1, ns, named), MV_R_HW_PPC);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mv_periph_name(MVB_PERIPH_UART1_INDEX), "uart1");
	assert_string_equal(mv_periph_name(MVB_PERIPH_GPIO_INDEX), "gpio");
	assert_string_equal(mv_periph_name(MVB_PERIPH_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),        cmocka_unit_test(test_block_mask), cmocka_unit_test(test_memory_gates),
	    cmocka_unit_test(test_periph_gates), cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
