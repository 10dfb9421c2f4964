/* remote - the app of tests/qemu/remote.py (remote operations): its first
 * start crashes in crash_here(), called from outer() with a frame of its
 * own on the stack, r4-r7 and s16 holding known values (built with REMOTE_HANG:
 * it hangs in hang_here() instead, interrupts masked, until its 200 ms
 * watchdog runs out; built with REMOTE_PSP: it crashes as at first, but
 * on a process stack of its own, as an RTOS thread would); every later
 * start runs for good, printing `knob`
 * each time it changes, so that a debugger that writes it sees the app
 * act on it; before that, bursts of lines for the device to keep. */
#include "testapp.h"

volatile uint32_t knob = 7u;

__attribute__((noinline)) void crash_here(volatile uint32_t *p, uint32_t v)
{
	register uint32_t a __asm__("r4") = 0x44444444u;
	register uint32_t b __asm__("r5") = 0x55555555u;
	register uint32_t c __asm__("r6") = 0x66666666u;
	register uint32_t d __asm__("r7") = 0x77777777u;

	__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
	/* a known value in s16 (pi): the app has FP state at the fault */
	__asm__ volatile("vmov s16, %0" ::"r"(0x40490fdbu) : "s16");
	*p = v + a + b + c + d; /* secure memory: a SecureFault, the app's */
	__asm__ volatile("" ::"r"(a), "r"(b), "r"(c), "r"(d));
}

__attribute__((noinline)) void hang_here(volatile uint32_t *p)
{
	__asm__ volatile("cpsid i" ::: "memory");
	while (*p != 0u)
		;
}

__attribute__((noinline)) uint32_t outer(uint32_t n)
{
	volatile uint32_t local[4] = {n, n + 1u, n + 2u, n + 3u};

#ifdef REMOTE_HANG
	hang_here(&local[0]);
#else
	crash_here((volatile uint32_t *)0x38000100u, local[n & 3u]);
#endif
	return local[0];
}

#ifdef REMOTE_PSP
/* outer(knob) on psp_stack: thread mode on PSP (CONTROL.SPSEL), as an
 * RTOS runs its threads; never returns (outer crashes). */
static uint64_t psp_stack[128];

__attribute__((noinline, noreturn)) static void on_psp(void)
{
	__asm__ volatile("msr psp, %0\n\t"
	                 "movs r0, #2\n\t"
	                 "msr control, r0\n\t"
	                 "isb\n\t"
	                 "ldr r0, =knob\n\t"
	                 "ldr r0, [r0]\n\t"
	                 "bl outer\n\t"
	                 "b .\n\t"
	                 ".ltorg" ::"r"(&psp_stack[128])
	                 : "r0", "memory");
	__builtin_unreachable();
}
#endif

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) == 1u) {
		mv_print("remote: crashing\n");
#ifdef REMOTE_PSP
		on_psp();
#endif
		return (int)outer(knob);
	}
	mv_print_dec("remote: running, start ", info.mi_starts);
	/* Lines while no peer listens (remote.py lets go of the link after
	 * the start): 4 that fit the device's ring, 1 s later 24 that do not. */
	(void)mv_wait(1500u);
	for (uint32_t i = 0; i < 4u; i++)
		mv_print_dec("remote: burst ", i);
	(void)mv_wait(1000u);
	for (uint32_t i = 0; i < 24u; i++)
		mv_print_dec("remote: flood ", i);
	for (uint32_t seen = knob;;) {
		if (knob != seen) {
			seen = knob;
			mv_print_dec("remote: knob ", seen);
		}
		(void)mv_wait(10u);
	}
}
