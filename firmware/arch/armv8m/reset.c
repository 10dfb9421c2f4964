/*
 * reset.c - secure reset, the same on every Armv8-M port: stack limit and
 * seal first, FPU access for the secure side, C runtime (.data, .bss),
 * then the core.  Board set-up happens later, through mv/port.h.
 */
#include "armv8m.h"
#include "mv/core.h"

extern uint32_t __mv_data_load[], __mv_data_start[], __mv_data_end[];
extern uint32_t __mv_bss_start[], __mv_bss_end[];

#ifdef MV_PORT_NO_DATA
/* A port whose microvisor has no initialised data (every static starts
 * as zero or is const) leaves the .data copy out, 44 bytes, and says so
 * to microvisor.ld, which then refuses a .data. */
__asm__(".global __mv_no_data\n\t.set __mv_no_data, 1");
#endif

/* The value Armv8-M defines for sealing a secure stack: it is not a valid
 * FNC_RETURN or EXC_RETURN, so a forged return from the app that tries to
 * pop beyond the top of our stack faults (TFMV-1, CVE-2020-16273). */
#define STACK_SEAL 0xFEF5EDA5u

__attribute__((noreturn, used)) void mv_arch_reset(void)
{
	/* An overflow of the secure stack must fault, not run into .bss. */
	__asm__ volatile("msr msplim, %0" : : "r"(__mv_stack_bottom));
	__mv_stack_seal[0] = STACK_SEAL;
	__mv_stack_seal[1] = STACK_SEAL;

	/* libgcc's BLXNS wrapper and the CMSE return sequences touch FP
	 * registers (to clear them), so the secure side needs CP10/CP11. */
	MV_REG(SCB_CPACR) |= CPACR_CP10_CP11_FULL;
	mv_barrier();

	/* Sizes as integers: comparing pointers to different linker symbols
	 * is undefined in C, and the compiler may act on that. */
	uint32_t bss_words = ((uintptr_t)__mv_bss_end - (uintptr_t)__mv_bss_start) / 4u;

#ifndef MV_PORT_NO_DATA
	uint32_t data_words = ((uintptr_t)__mv_data_end - (uintptr_t)__mv_data_start) / 4u;

	for (uint32_t i = 0; i < data_words; i++)
		__mv_data_start[i] = __mv_data_load[i];
#endif
	for (uint32_t i = 0; i < bss_words; i++)
		__mv_bss_start[i] = 0;

	mv_main();
}
