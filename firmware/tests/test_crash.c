/* test_crash.c - the restart policy: doubling back-off, safe mode at the
 * limit, a fresh count after a long run, tick wrap-around. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mv/core.h"

static void test_backoff_then_safe(void **state)
{
	struct mv_crash_state s = {0, 0, 0, 0};
	uint32_t delay = 0;

	(void)state;
	mv_crash_started(&s, 100);
	assert_int_equal(mv_crash_decide(&s, MV_R_APP_BUSFAULT, 150, &delay), MV_ACT_RESTART);
	assert_int_equal(delay, MV_BACKOFF_BASE_MS);
	assert_int_equal(s.crashes, 1);
	assert_int_equal(s.last_reason, MV_R_APP_BUSFAULT);
	mv_crash_started(&s, 200);
	assert_int_equal(mv_crash_decide(&s, MV_R_APP_PPC, 210, &delay), MV_ACT_RESTART);
	assert_int_equal(delay, 2 * MV_BACKOFF_BASE_MS);
	mv_crash_started(&s, 300);
	assert_int_equal(mv_crash_decide(&s, MV_R_APP_PPC, 310, &delay), MV_ACT_SAFE);
	assert_int_equal(s.crashes, MV_CRASH_LIMIT);
	assert_int_equal(s.starts, 3);
}

static void test_long_run_resets(void **state)
{
	struct mv_crash_state s = {0, 0, 0, 0};
	uint32_t delay = 0;

	(void)state;
	for (int round = 0; round < 10; round++) {
		uint32_t t = (uint32_t)round * 100000u;

		mv_crash_started(&s, t);
		/* Ran longer than the window: never more than one in a row. */
		assert_int_equal(mv_crash_decide(&s, MV_R_APP_USAGEFAULT, t + MV_CRASH_WINDOW_MS, &delay),
		                 MV_ACT_RESTART);
		assert_int_equal(s.crashes, 1);
		assert_int_equal(delay, MV_BACKOFF_BASE_MS);
	}
}

static void test_tick_wrap(void **state)
{
	struct mv_crash_state s = {0, 0, 0, 0};
	uint32_t delay = 0;

	(void)state;
	mv_crash_started(&s, 0xfffffff0u);
	assert_int_equal(mv_crash_decide(&s, MV_R_APP_HARDFAULT, 0x10u, &delay), MV_ACT_RESTART);
	mv_crash_started(&s, 0x20u);
	/* 32 ms after a wrapped start: still in a row. */
	assert_int_equal(mv_crash_decide(&s, MV_R_APP_HARDFAULT, 0x40u, &delay), MV_ACT_RESTART);
	assert_int_equal(s.crashes, 2);
}

/* Whose fault is it: one row per kind of fault a hostile or merely buggy
 * app (or its scheduler) can produce, and the microvisor's own. */
static const struct {
	const char *name;
	struct mv_fault_facts ff;
	int app;
} origin[] = {
    {"bus fault on the app's stack", {5, 0, 0, 1, 0}, 1},
    {"hardfault stacked on the app's stack", {3, 0, 0x00010000u, 1, 0}, 1},
    {"peripheral violation during a secure call", {16 + 9, 0, 0, 0, 1}, 1},
    {"NS call to a non-gateway (INVEP)", {7, MV_SFSR_INVEP, 0, 0, 0}, 1},
    {"out-of-order unwinding: bad integrity signature", {7, MV_SFSR_INVIS, 0, 0, 0}, 1},
    {"app handler returns with ES or DCRS flipped", {7, MV_SFSR_INVER, 0, 0, 0}, 1},
    {"branch into NS without BXNS (INVTRAN)", {7, MV_SFSR_INVTRAN, 0, 0, 0}, 1},
    {"lazy FP state to a wild app stack (LSPERR)", {7, MV_SFSR_LSPERR, 0, 0, 0}, 1},
    {"lazy FP state error (LSERR)", {7, MV_SFSR_LSERR, 0, 0, 0}, 1},
    {"app handler returns with SPSEL flipped (INVPC)", {6, 0, MV_CFSR_INVPC, 0, 0}, 1},
    {"secure context full of the app's frames (STKOF)", {6, 0, MV_CFSR_STKOF, 0, 0}, 1},
    {"escalated INVPC", {3, 0, MV_CFSR_INVPC, 0, 0}, 1},
    {"microvisor null read (bus fault, secure frame)", {5, 0, 0x00008200u, 0, 0}, 0},
    {"microvisor undefined instruction", {6, 0, 0x00010000u, 0, 0}, 0},
    {"microvisor INVSTATE", {6, 0, MV_CFSR_INVSTATE, 0, 0}, 0},
    {"microvisor hardfault, no status", {3, 0, 0, 0, 0}, 0},
    {"stray secure interrupt while the app ran", {16 + 40, 0, 0, 1, 0}, 0},
    {"NMI", {2, 0, 0, 1, 0}, 0},
    {"stray secure interrupt with transition bits left over", {16 + 3, MV_SFSR_INVIS, 0, 0, 0}, 0},
};

static void test_fault_origin(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof origin / sizeof origin[0]; i++)
		if (mv_fault_is_app(&origin[i].ff) != origin[i].app)
			fail_msg("case '%s': want %s", origin[i].name, origin[i].app ? "the app's" : "the microvisor's");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_then_safe),
	    cmocka_unit_test(test_long_run_resets),
	    cmocka_unit_test(test_tick_wrap),
	    cmocka_unit_test(test_fault_origin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
