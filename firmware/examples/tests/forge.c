/*
 * forge - an app that leaves its own state broken in the ways issue 15
 * lists, once each (FORGE_MODE), and on its second start reports what the
 * microvisor recorded.  Every case must end as an app fault (contained,
 * counted, restarted), never as a microvisor fault:
 *
 *   1-4  an SVC handler returns with EXC_RETURN's ES, DCRS, SPSEL or S
 *        bit flipped (a forged exception return)
 *   5    lazy FP state pending (FP used, then a secure call) when an
 *        exception is stacked to a wild stack (a runaway stack with
 *        MSPLIM cleared)
 *   6    a crash while the app's SysTick runs: its handler must not run
 *        during the restart back-off
 */
#include <stdint.h>

#include "testapp.h"

#ifndef FORGE_MODE
#define FORGE_MODE 1
#endif

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* Words the C start-up leaves alone (far above .data/.bss and the stack):
 * they carry what happened during the back-off to the second start. */
#define KEEP(i) (*(volatile uint32_t *)(MVB_PART_APP_RAM_NS_BASE + 0x100000u + 4u * (i)))
#define CRASHED 0xC0A5C0A5u

__attribute__((unused)) static const uint32_t flip[] = {0, 1u << 0, 1u << 5, 1u << 2, 1u << 6};

__attribute__((naked)) void SVC_Handler(void)
{
	__asm__ volatile("ldr r1, =forge_bit\n\t"
	                 "ldr r1, [r1]\n\t"
	                 "eor lr, lr, r1\n\t"
	                 "bx lr\n\t"
	                 ".ltorg\n\t");
}

uint32_t forge_bit __attribute__((used));

void SysTick_Handler(void)
{
	struct mv_info mi;

	/* Counted only while the crashed run is still the current start:
	 * that is, during the back-off before the next one. */
	if (KEEP(0) == CRASHED && mv_info(&mi, sizeof mi) == (int32_t)sizeof mi && mi.mi_starts == 1u)
		KEEP(1)++;
}

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u) {
		SYST_CSR = 0;
		mv_print_dec("forge: mode ", FORGE_MODE);
		if (FORGE_MODE == 6)
			mv_print_dec("forge: app handlers run during the back-off: ", KEEP(1));
		return test_after_restart(&info);
	}
	KEEP(0) = 0;
	KEEP(1) = 0;
#if FORGE_MODE >= 1 && FORGE_MODE <= 4
	forge_bit = flip[FORGE_MODE];
	mv_print("forge: returning from SVC with a flipped EXC_RETURN bit\n");
	__asm__ volatile("svc #0" ::: "memory");
#elif FORGE_MODE == 5
	volatile float f = 1.5f;

	f = f * 3.0f; /* FP context active */
	(void)mv_version(); /* a secure call with it */
	mv_print("forge: an exception stacked to a wild stack with FP state pending\n");
	__asm__ volatile("vmov.f32 s0, #1.0\n\t"
	                 "movs r0, #0\n\t"
	                 "msr msplim, r0\n\t"
	                 "ldr r0, =0x30000000\n\t"
	                 "mov sp, r0\n\t"
	                 "svc #0\n\t"
	                 ".ltorg" ::
	                     : "r0", "memory");
	(void)f;
#elif FORGE_MODE == 6
	SYST_RVR = 2500u - 1u; /* 100 us */
	SYST_CVR = 0;
	SYST_CSR = 7u;
	mv_print("forge: crashing with the app's SysTick running\n");
	KEEP(0) = CRASHED;
	__asm__ volatile("udf #0");
#endif
	mv_print("forge: still running\n");
	return 1;
}
