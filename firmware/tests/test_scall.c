/* test_scall.c - the secure-call back ends against the fake address
 * checker: only memory registered as the caller's passes; NULL, secure,
 * wrapping, region-crossing and over-long arguments are refused with an
 * error code, and an error never writes to the caller's memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"
#include "mv/mv_api.h"

static char ns_mem[512];     /* the app's memory */
static char ns_rom[64];      /* readable, not writable */
static char secure_mem[512]; /* never registered */

static int setup(void **state)
{
	(void)state;
	fake_reset();
	memset(ns_mem, 0, sizeof ns_mem);
	fake_ns_region(ns_mem, sizeof ns_mem, 1);
	fake_ns_region(ns_rom, sizeof ns_rom, 0);
	/* The console remembers an unfinished app line across tests: end
	 * it, then start the capture afresh. */
	mv_printf("");
	fake.console_len = 0;
	fake.console[0] = '\0';
	return 0;
}

static void test_log_checks(void **state)
{
	(void)state;
	strcpy(ns_mem, "hello\n");
	const struct {
		const char *what;
		const char *p;
		uint32_t len;
		int32_t want;
	} cases[] = {
	    {"valid", ns_mem, 6, MV_OK},
	    {"empty", ns_mem, 0, MV_OK},
	    {"NULL", NULL, 4, MV_EFAULT},
	    {"NULL empty", NULL, 0, MV_EFAULT},
	    {"secure", secure_mem, 4, MV_EFAULT},
	    {"crossing the end", ns_mem + sizeof ns_mem - 2, 4, MV_EFAULT},
	    {"last bytes", ns_mem + sizeof ns_mem - 4, 4, MV_OK},
	    {"wrapping", (const char *)(UINTPTR_MAX - 3), 8, MV_EFAULT},
	    {"longest", ns_mem, MV_LOG_MAX, MV_OK},
	    {"too long", ns_mem, MV_LOG_MAX + 1, MV_E2BIG},
	    {"huge", ns_mem, 0xffffff00u, MV_E2BIG},
	    {"read-only is readable", ns_rom, 8, MV_OK},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int32_t got = mv_scall_log(cases[i].p, cases[i].len);

		if (got != cases[i].want)
			fail_msg("case '%s': %d, want %d", cases[i].what, (int)got, (int)cases[i].want);
	}
}

static void test_log_output(void **state)
{
	(void)state;
	memcpy(ns_mem, "one\ntw\033o\n", 9);
	assert_int_equal(mv_scall_log(ns_mem, 9), MV_OK);
	assert_string_equal(fake.console, "app: one\napp: tw?o\n");

	/* An unfinished app line is closed before the microvisor speaks. */
	fake.console_len = 0;
	memcpy(ns_mem, "part", 4);
	assert_int_equal(mv_scall_log(ns_mem, 4), MV_OK);
	assert_int_equal(mv_scall_log(ns_mem, 4), MV_OK);
	mv_printf("mv: x\n");
	assert_string_equal(fake.console, "app: partpart\nmv: x\n");
}

static void test_info(void **state)
{
	struct mv_info *out = (struct mv_info *)ns_mem;

	(void)state;
	memset(ns_mem, 0x5a, sizeof ns_mem);
	assert_int_equal(mv_scall_info(NULL, sizeof *out), MV_EFAULT);
	assert_int_equal(mv_scall_info(out, 0), MV_EINVAL);
	assert_int_equal(mv_scall_info(secure_mem, sizeof *out), MV_EFAULT);
	assert_int_equal(mv_scall_info(ns_rom, sizeof *out), MV_EFAULT);
	assert_int_equal(mv_scall_info(ns_mem + sizeof ns_mem - 8, sizeof *out), MV_EFAULT);
	/* None of the refusals wrote anything. */
	for (size_t i = 0; i < sizeof ns_mem; i++)
		assert_int_equal((uint8_t)ns_mem[i], 0x5a);

	assert_int_equal(mv_scall_info(out, 4), 4);
	assert_int_equal(out->mi_abi, MV_ABI);
	assert_int_equal((uint8_t)ns_mem[4], 0x5a); /* only 4 bytes */
	assert_int_equal(mv_scall_info(out, 4096), (int32_t)sizeof *out);
	assert_int_equal(out->mi_ticks_hz, MV_TICKS_HZ);
	assert_int_equal(out->mi_fw_version, MV_FW_VERSION);
}

static void test_wait(void **state)
{
	(void)state;
	assert_int_equal(mv_scall_wait(60001), MV_EINVAL);
	assert_int_equal(mv_scall_wait(0xffffff00u), MV_EINVAL);
	assert_int_equal(mv_scall_wait(0), MV_OK);
	assert_int_equal(fake.waits, 1);
	uint32_t t0 = fake.ticks;

	assert_int_equal(mv_scall_wait(25), MV_OK);
	assert_true(fake.ticks - t0 >= 25);
}

static void test_restart(void **state)
{
	(void)state;
	assert_int_equal(mv_scall_restart(2), MV_EINVAL);
	assert_int_equal(mv_scall_restart(0xffffff01u), MV_EINVAL);
	assert_int_equal(fake.restart_requests, 0);
	/* A planned restart waits for the app's handlers: the call returns. */
	assert_int_equal(mv_scall_restart(MV_RESTART_REQUEST), MV_OK);
	assert_int_equal(fake.restart_requests, 1);
	assert_int_equal(fake.restart_now, 0);
	/* A crash is taken at once; the fake cannot, so the call returns. */
	assert_int_equal(mv_scall_restart(MV_RESTART_CRASH), MV_ESTATE);
	assert_int_equal(fake.restart_now, 1);
}

static void test_exit(void **state)
{
	(void)state;
	fake.can_exit = 0;
	assert_int_equal(mv_scall_exit(0), MV_ENOTSUP);
	fake.can_exit = 1;
	assert_int_equal(mv_scall_exit(64), MV_EINVAL);
	assert_int_equal(mv_scall_exit(0xffffff00u), MV_EINVAL);
	if (setjmp(fake_jmp) == 0) {
		(void)mv_scall_exit(7);
		fail_msg("mv_scall_exit(7) returned");
	}
	assert_int_equal(fake.exit_status, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_log_checks, setup), cmocka_unit_test_setup(test_log_output, setup),
	    cmocka_unit_test_setup(test_info, setup),       cmocka_unit_test_setup(test_wait, setup),
	    cmocka_unit_test_setup(test_restart, setup),    cmocka_unit_test_setup(test_exit, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
