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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_backoff_then_safe),
	    cmocka_unit_test(test_long_run_resets),
	    cmocka_unit_test(test_tick_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
