/* debug - the app of tests/qemu/debug.py and remote.py's agent test
 * (remote debugging through the microvisor): a loop that calls dbg_tick()
 * from main() every 20 ms with a frame of its own between them
 * (dbg_step), prints every 50th call, and says once that dbg_mode became
 * 42, so that a debugger that stops in dbg_tick(), reads dbg_count and
 * writes dbg_mode sees the app act on it; its SysTick counts dbg_irqs
 * every 10 ms, also while the app is halted. */
#include "testapp.h"

volatile uint32_t dbg_mode;
volatile uint32_t dbg_count;
volatile uint32_t dbg_irqs;

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)

void SysTick_Handler(void)
{
	dbg_irqs++;
}

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
	SYST_RVR = 250000u - 1u; /* 10 ms at 25 MHz */
	SYST_CSR = 7u;           /* processor clock, interrupt, on */
	for (uint32_t n = 0;;) {
		n = dbg_step(n);
		if (dbg_mode == 42u && !seen) {
			seen = 1;
			mv_print_dec("debug: mode 42 seen at tick ", n);
		}
		(void)mv_wait(20u);
	}
}
