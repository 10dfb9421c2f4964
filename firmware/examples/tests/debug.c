/* debug - the app of tests/qemu/debug.py and remote.py's agent test
 * (remote debugging through the microvisor): a loop that calls dbg_tick()
 * from main() every 20 ms with a frame of its own between them
 * (dbg_step), prints every 50th call, and says once that dbg_mode became
 * 42, so that a debugger that stops in dbg_tick(), reads dbg_count and
 * writes dbg_mode sees the app act on it; its SysTick counts dbg_irqs
 * every 10 ms, also while the app is halted.  The loop runs on a process
 * stack of its own (PSP), as an RTOS thread would. */
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

/* The loop runs on a process stack, as an RTOS thread does: the agent
 * must find the halted code's registers there. */
static uint64_t thread_stack[256];

__attribute__((noinline, noreturn, used)) static void run(void)
{
	uint32_t seen = 0;

	for (uint32_t n = 0;;) {
		n = dbg_step(n);
		if (dbg_mode == 42u && !seen) {
			seen = 1;
			mv_print_dec("debug: mode 42 seen at tick ", n);
		}
		(void)mv_wait(20u);
	}
}

int main(void)
{
	mv_print("debug: running\n");
	SYST_RVR = 250000u - 1u; /* 10 ms at 25 MHz */
	SYST_CSR = 7u;           /* processor clock, interrupt, on */
	__asm__ volatile("msr psp, %0\n\t"
	                 "movs r0, #2\n\t" /* CONTROL.SPSEL: thread mode on PSP */
	                 "msr control, r0\n\t"
	                 "isb\n\t"
	                 "bl run" ::"r"(&thread_stack[256])
	                 : "r0", "memory");
	__builtin_unreachable();
}
