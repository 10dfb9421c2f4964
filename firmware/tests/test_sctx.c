/* test_sctx.c - the secure-context bookkeeping behind the TrustZone
 * context calls and MV_EBUSY: what an app may and may not do with
 * contexts, table-driven where it is a rule, and the register state the
 * core asks the arch layer for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_port.h"
#include "mv/core.h"

static int setup(void **state)
{
	(void)state;
	fake_reset();
	mv_sctx_reset();
	return 0;
}

static void test_reset_loads_shared(void **state)
{
	(void)state;
	assert_int_equal(mv_sctx_current(), 0);
	assert_int_equal(fake.sctx_loaded, 0);
	assert_int_equal(fake.sctx_sp, mv_arch_sctx_top(0));
}

static void test_claim_is_exclusive(void **state)
{
	uint32_t a = 99, b = 99;

	(void)state;
	assert_true(mv_sctx_claim(&a));
	assert_int_equal(a, 0);
	assert_false(mv_sctx_claim(&b)); /* second thread on the shared context: MV_EBUSY */
	assert_int_equal(b, 99);
	mv_sctx_release(a);
	assert_true(mv_sctx_claim(&b));
	mv_sctx_release(b);
	mv_sctx_release(MV_SCTX_COUNT); /* out of range: ignored */
}

static void test_alloc_until_full(void **state)
{
	(void)state;
	for (uint32_t i = 1; i < MV_SCTX_COUNT; i++)
		assert_int_equal(mv_sctx_alloc(), i);
	assert_int_equal(mv_sctx_alloc(), 0); /* none left */
	assert_int_equal(mv_sctx_free(3, 0), 1);
	assert_int_equal(mv_sctx_alloc(), 3); /* a freed one comes back */
}

/* Each thread preempted inside a call keeps its frames on its own stack:
 * load saves the stack pointer of the context it replaces. */
static void test_switch_saves_and_restores(void **state)
{
	uint32_t a = mv_sctx_alloc(), b = mv_sctx_alloc(), idx;

	(void)state;
	assert_int_equal(mv_sctx_load(a, 1), 1);
	assert_int_equal(fake.sctx_loaded, a);
	assert_true(mv_sctx_claim(&idx)); /* thread A inside a call ... */
	assert_int_equal(idx, a);
	fake.sctx_sp = mv_arch_sctx_top(a) - 200u; /* ... with 200 bytes on its stack */
	assert_int_equal(mv_sctx_store(a, 1), 1);
	assert_int_equal(mv_sctx_load(b, 1), 1);
	assert_int_equal(fake.sctx_sp, mv_arch_sctx_top(b));
	assert_true(mv_sctx_claim(&idx)); /* thread B is not blocked by A's call */
	assert_int_equal(idx, b);
	mv_sctx_release(idx);
	assert_int_equal(mv_sctx_load(a, 1), 1);
	assert_int_equal(fake.sctx_sp, mv_arch_sctx_top(a) - 200u);
	assert_false(mv_sctx_claim(&idx)); /* A's call is still in progress */
}

/* A stack pointer that is not on the loaded context's stack is never
 * kept (it cannot happen with PSPLIM_S; the check costs nothing). */
static void test_store_ignores_foreign_sp(void **state)
{
	uint32_t a = mv_sctx_alloc(), b = mv_sctx_alloc();

	(void)state;
	assert_int_equal(mv_sctx_load(a, 1), 1);
	fake.sctx_sp = mv_arch_sctx_top(b) - 8u;
	assert_int_equal(mv_sctx_load(b, 1), 1);
	assert_int_equal(mv_sctx_load(a, 1), 1);
	assert_int_equal(fake.sctx_sp, mv_arch_sctx_top(a));
}

static void test_free_current_from_handler(void **state)
{
	uint32_t a = mv_sctx_alloc();

	(void)state;
	assert_int_equal(mv_sctx_load(a, 1), 1);
	assert_int_equal(mv_sctx_free(a, 0), 0); /* a thread cannot drop the stack it runs on */
	assert_int_equal(mv_sctx_free(a, 1), 1); /* the scheduler deleting the running thread can */
	assert_int_equal(mv_sctx_current(), 0);
	assert_int_equal(fake.sctx_loaded, 0);
}

/* The refusals, one row each. */
static const struct {
	const char *name;
	int op; /* 0 load, 1 store, 2 free */
	uint32_t id;
	int handler;
} refused[] = {
    {"load from thread mode", 0, 0, 0},
    {"load of a context never allocated", 0, 2, 1},
    {"load of an id past the pool", 0, MV_SCTX_COUNT, 1},
    {"load of id 0xffffffff", 0, 0xffffffffu, 1},
    {"store from thread mode", 1, 0, 0},
    {"store of a context not loaded", 1, 1, 1},
    {"store of an id past the pool", 1, MV_SCTX_COUNT, 1},
    {"free of the shared context", 2, 0, 1},
    {"free of a context never allocated", 2, 2, 1},
    {"free of an id past the pool", 2, MV_SCTX_COUNT + 5u, 1},
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		fake_reset();
		mv_sctx_reset();
		assert_int_equal(mv_sctx_alloc(), 1);
		uint32_t switches = fake.sctx_switches, r;

		if (refused[i].op == 0)
			r = mv_sctx_load(refused[i].id, refused[i].handler);
		else if (refused[i].op == 1)
			r = mv_sctx_store(refused[i].id, refused[i].handler);
		else
			r = mv_sctx_free(refused[i].id, refused[i].handler);
		if (r != 0u || fake.sctx_switches != switches || mv_sctx_current() != 0u)
			fail_msg("case '%s' was not refused cleanly", refused[i].name);
	}
}

static void test_reset_frees_all(void **state)
{
	uint32_t idx;

	(void)state;
	(void)mv_sctx_alloc();
	assert_true(mv_sctx_claim(&idx));
	mv_sctx_reset(); /* an app restart */
	assert_true(mv_sctx_claim(&idx));
	assert_int_equal(mv_sctx_alloc(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_reset_loads_shared, setup),
	    cmocka_unit_test_setup(test_claim_is_exclusive, setup),
	    cmocka_unit_test_setup(test_alloc_until_full, setup),
	    cmocka_unit_test_setup(test_switch_saves_and_restores, setup),
	    cmocka_unit_test_setup(test_store_ignores_foreign_sp, setup),
	    cmocka_unit_test_setup(test_free_current_from_handler, setup),
	    cmocka_unit_test_setup(test_refusals, setup),
	    cmocka_unit_test_setup(test_reset_frees_all, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
