/* debug - the app of tests/qemu/debug.py (remote debugging through the
 * microvisor): a loop that calls dbg_tick() from main() every 20 ms with a
 * frame of its own between them (dbg_step), prints every 50th call, and
 * says once that dbg_mode became 42, so that a debugger that stops in
 * dbg_tick(), reads dbg_count and writes dbg_mode sees the app act on it. */
#include "testapp.h"

volatile uint32_t dbg_mode;
volatile uint32_t dbg_count;

__attribute__((noinline)) void dbg_tick(uint32_t n)
{
	dbg_count = n;
	if (n % 50u == 0u)
		mv_print_dec("debug: tick ", n);
}

__attribute__((noinline)) uint32_t dbg_step(uint32_t n)
{
	dbg_tick(n);
	return n + 1u;
}

int main(void)
{
	uint32_t seen = 0;

	mv_print("debug: running\n");
	for (uint32_t n = 0;;) {
		n = dbg_step(n);
		if (dbg_mode == 42u && !seen) {
			seen = 1;
			mv_print_dec("debug: mode 42 seen at tick ", n);
		}
		(void)mv_wait(20u);
	}
}
