/* watchdog - declares a 200 ms watchdog, feeds it for three deadlines'
 * worth, then hangs with its interrupts masked: the microvisor restarts
 * it as a crash (reason 0x4519), and the second start reports that. */
#include "testapp.h"

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	uint32_t start = mv_ticks(), fed = 0;

	while (mv_ticks() - start < 600u) {
		if (mv_watchdog_feed() == MV_OK)
			fed++;
		(void)mv_wait(50u);
	}
	mv_print_dec("watchdog: fed for 600 ms, times ", fed);
	mv_print("watchdog: hanging with interrupts masked\n");
	__asm__ volatile("cpsid i" ::: "memory");
	for (;;)
		;
}
