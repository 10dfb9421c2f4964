/* bench_calls - one of each cheap secure call, for the instruction-count
 * benchmark (firmware/bench/bench.sh): no waiting, so the trace is short. */
#include "testapp.h"

int main(void)
{
	static const char msg[] = "bench: 16 bytes\n";
	struct mv_info info;

	(void)mv_version();
	(void)mv_ticks();
	(void)mv_info(&info, sizeof info);
	(void)mv_log(msg, sizeof msg - 1u);
	return 0;
}
