/* test_boot.c - the boot sequence and app life cycle on the fake port:
 * what the core sets up, grants, refuses and when it stops.  The core
 * keeps state across restarts (as on hardware, in RAM), so CTest runs
 * each case in a fresh process (argv[1] = test name): every simulated
 * power-on starts from zeroed memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"
#include "mv/mv_api.h"

#define P(name) (1u << MVB_PERIPH_##name##_INDEX)

static int setup(void **state)
{
	(void)state;
	fake_reset();
	fake_make_app(0x400);
	return 0;
}

static void request(uint32_t periph, uint32_t irq0)
{
	fake_header.ah_periph_mask[0] = periph;
	fake_header.ah_irq_mask[0] = irq0;
	fake_seal_header(&fake_header);
}

static void test_valid(void **state)
{
	(void)state;
	request(P(UART1), 1u << 6);
	assert_int_equal(fake_run(mv_main), FAKE_ENTERED);
	assert_int_equal(fake.entry.vtor, MVB_PART_APP_FLASH_NS_BASE);
	assert_int_equal(fake.entry.msp, MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE);
	assert_int_equal(fake.granted[0], P(UART1));
	assert_int_equal(fake.irq_ns[0], 1u << 6);
	assert_int_equal(fake.ns_resets, 1);
	/* SAU: app flash NS, app ram NS, veneers NSC, the port's window. */
	assert_int_equal(fake.sau_n, 4);
	assert_int_equal(fake.sau[0].base, MVB_PART_APP_FLASH_NS_BASE);
	assert_int_equal(fake.sau[0].limit, MVB_PART_APP_FLASH_NS_BASE + MVB_PART_APP_FLASH_SIZE - 1u);
	assert_int_equal(fake.sau[0].nsc, 0);
	assert_int_equal(fake.sau[1].base, MVB_PART_APP_RAM_NS_BASE);
	assert_int_equal(fake.sau[2].base, MVB_PART_MV_NSC_S_BASE);
	assert_int_equal(fake.sau[2].nsc, 1);
	assert_non_null(strstr(fake.console, "mv: {@7|testapp|1.2.3|"));
	assert_non_null(strstr(fake.console, "mv: {@8} uart1 irqs: 6\n"));
	assert_int_equal(mv_crash_state()->starts, 1);
}

static void test_no_app(void **state)
{
	(void)state;
	memset(&fake_header, 0xff, sizeof fake_header); /* erased */
	assert_int_equal(fake_run(mv_main), FAKE_EXITED);
	assert_int_equal(fake.exit_status, MV_EXIT_NO_APP);
	assert_non_null(strstr(fake.console, "mv: {@5|0x00004001}"));
	assert_int_equal(fake.granted[0], 0);
	assert_int_equal(fake.ns_resets, 0);
}

static void test_refused_grant(void **state)
{
	(void)state;
	request(P(UART0), 0);
	assert_int_equal(fake_run(mv_main), FAKE_EXITED);
	assert_int_equal(fake.exit_status, MV_EXIT_REFUSED);
	/* Nothing was granted; the halt took everything back anyway. */
	assert_int_equal(fake.grant_calls, 1);
	assert_int_equal(fake.granted[0], 0);
	assert_int_equal(fake.irq_ns[0], 0);
}

static void test_hw_failures(void **state)
{
	static const struct {
		uint32_t *which;
		uint32_t reason;
	} rows[] = {
	    {&fake.r_cpu, MV_R_HW_SCB},         {&fake.r_gates, MV_R_HW_MPC},       {&fake.r_sau, MV_R_HW_SAU},
	    {&fake.r_security, MV_R_HW_SECCTL}, {&fake.r_irq_target, MV_R_HW_NVIC}, {&fake.r_grant, MV_R_HW_PPC},
	};

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		fake_reset();
		fake_make_app(0x400);
		*rows[i].which = rows[i].reason;
		assert_int_equal(fake_run(mv_main), FAKE_EXITED);
		assert_int_equal(fake.exit_status, MV_EXIT_HW);
		char token[24];

		snprintf(token, sizeof token, "{@5|0x%08x}", (unsigned)rows[i].reason);
		assert_non_null(strstr(fake.console, token));
	}
}

static void crash_three_times(void)
{
	struct mv_fault f = {0};

	f.reason = MV_R_APP_SECUREFAULT;
	f.from_ns = 1;
	for (int i = 0; i < 3; i++) {
		uint32_t delay = mv_on_app_fault(&f);

		assert_int_equal(delay, MV_BACKOFF_BASE_MS << i);
		mv_crash_started((struct mv_crash_state *)mv_crash_state(), fake.ticks);
	}
	fail_msg("third crash in a row did not stop the app");
}

static void test_crash_loop(void **state)
{
	(void)state;
	assert_int_equal(fake_run(mv_main), FAKE_ENTERED);
	assert_int_equal(fake_run(crash_three_times), FAKE_EXITED);
	assert_int_equal(fake.exit_status, MV_EXIT_CRASH_LOOP);
	assert_non_null(strstr(fake.console, "mv: {@11|app fault|0x00004510|"));
	assert_non_null(strstr(fake.console, "mv: {@12|20|2|3}"));
	assert_non_null(strstr(fake.console, "mv: {@5|0x00004501}"));
}

static void microvisor_fault(void)
{
	struct mv_fault f = {0};

	f.reason = MV_R_MV_FAULT;
	f.frame_ok = 1;
	f.pc = 0x10000123u;
	(void)mv_on_app_fault(&f);
}

static void test_microvisor_fault(void **state)
{
	(void)state;
	assert_int_equal(fake_run(microvisor_fault), FAKE_EXITED);
	assert_int_equal(fake.exit_status, MV_EXIT_MV_FAULT);
	assert_non_null(strstr(fake.console, "mv: {@11|microvisor fault|0x00004601|"));
	assert_non_null(strstr(fake.console, "pc=0x10000123"));
}

static void nested_fault(void)
{
	struct mv_fault f = {0};

	f.reason = MV_R_APP_BUSFAULT;
	f.from_ns = 1;
	f.nested = 1;
	(void)mv_on_app_fault(&f);
}

static void test_nested_fault(void **state)
{
	(void)state;
	assert_int_equal(fake_run(nested_fault), FAKE_EXITED);
	assert_int_equal(fake.exit_status, MV_EXIT_CRASH_LOOP);
	assert_non_null(strstr(fake.console, "mv: {@11|app fault|0x00004511|"));
	assert_non_null(strstr(fake.console, "mv: {@5|0x00004502}"));
	assert_null(strstr(fake.console, "{@12|"));
}

static void restart_after_5ms(void)
{
	mv_restart_entry(5);
}

static void test_restart_entry(void **state)
{
	(void)state;
	assert_int_equal(fake_run(mv_main), FAKE_ENTERED);
	uint32_t t0 = fake.ticks;

	assert_int_equal(fake_run(restart_after_5ms), FAKE_ENTERED);
	assert_true(fake.ticks - t0 >= 5);
	assert_int_equal(mv_crash_state()->starts, 2);
	assert_int_equal(fake.ns_resets, 2);
}

static void test_restart_requests(void **state)
{
	struct mv_fault f = {0};

	(void)state;
	assert_int_equal(mv_scall_restart(MV_RESTART_REQUEST), MV_OK);
	assert_int_equal(mv_on_restart_request(&f), 0);
	assert_non_null(strstr(fake.console, "mv: {@14}"));
	assert_int_equal(mv_crash_state()->crashes, 0);

	/* A crash reported while a planned restart waits is still a crash,
	 * and a planned request after it does not downgrade it. */
	fake.console_len = 0;
	fake.console[0] = '\0';
	assert_int_equal(mv_scall_restart(MV_RESTART_REQUEST), MV_OK);
	assert_int_equal(mv_scall_restart(MV_RESTART_CRASH), MV_ESTATE);
	assert_int_equal(mv_scall_restart(MV_RESTART_REQUEST), MV_OK);
	assert_int_equal(mv_on_restart_request(&f), MV_BACKOFF_BASE_MS);
	assert_int_equal(mv_crash_state()->crashes, 1);
	assert_int_equal(mv_crash_state()->last_reason, MV_R_APP_REPORTED);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_valid, setup),
	    cmocka_unit_test_setup(test_no_app, setup),
	    cmocka_unit_test_setup(test_refused_grant, setup),
	    cmocka_unit_test_setup(test_hw_failures, setup),
	    cmocka_unit_test_setup(test_crash_loop, setup),
	    cmocka_unit_test_setup(test_microvisor_fault, setup),
	    cmocka_unit_test_setup(test_nested_fault, setup),
	    cmocka_unit_test_setup(test_restart_entry, setup),
	    cmocka_unit_test_setup(test_restart_requests, setup),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
