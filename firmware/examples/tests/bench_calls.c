/* bench_calls - one of each cheap secure call, for the instruction-count
 * benchmark (firmware/bench/bench.sh): no waiting, so the trace is short. */
#include "testapp.h"

static volatile uint32_t ctx;

/* What an RTOS's PendSV does at every switch: store, then load. */
void SVC_Handler(void)
{
	(void)TZ_StoreContext_S(0u);
	(void)TZ_LoadContext_S(ctx);
}

int main(void)
{
	static const char msg[] = "bench: 16 bytes\n";
	struct mv_info info;

	(void)mv_version();
	(void)mv_ticks();
	(void)mv_info(&info, sizeof info);
	(void)mv_log(msg, sizeof msg - 1u);
	(void)mv_watchdog_feed();
	ctx = TZ_AllocModuleContext_S(1u);
	__asm__ volatile("svc #0" ::: "memory");
	(void)TZ_FreeModuleContext_S(0u); /* refused: the shared context */
	return 0;
}
