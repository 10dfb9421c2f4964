/*
 * ns.c - the non-secure side's core state: wiped before every start of the
 * app, then set up from the validated vectors and entered with BLXNS.
 */
#include <arm_cmse.h>

#include "armv8m.h"
#include "mv/arch.h"
#include "mv/core.h"

void mv_arch_ns_reset(uint32_t ram_base)
{
	/* What a crashed run may have left behind: its tick, its fault and
	 * handler enables and active bits, its MPU, masks and stacks. */
#ifndef MV_QUIRK_NO_SYSTICK_NS_ALIAS
	MV_REG(SYST_CSR + MV_NS_ALIAS) = 0;
#endif
	MV_REG(SCB_ICSR + MV_NS_ALIAS) = ICSR_PENDSVCLR | ICSR_PENDSTCLR;
	MV_REG(SCB_SHCSR + MV_NS_ALIAS) = 0;
	MV_REG(SCB_CFSR + MV_NS_ALIAS) = MV_REG(SCB_CFSR + MV_NS_ALIAS); /* write-one-to-clear */
	MV_REG(SCB_HFSR + MV_NS_ALIAS) = MV_REG(SCB_HFSR + MV_NS_ALIAS);
	MV_REG(SCB_SCR + MV_NS_ALIAS) = 0;
	MV_REG(SCB_CCR + MV_NS_ALIAS) &= ~CCR_NONBASETHRDENA; /* an unwind may have set it */
	MV_REG(MPU_CTRL + MV_NS_ALIAS) = 0;
	MV_REG(SCB_CPACR + MV_NS_ALIAS) = CPACR_CP10_CP11_FULL;

	uint32_t zero = 0;

	__asm__ volatile("msr control_ns, %0\n\t"
	                 "msr primask_ns, %0\n\t"
	                 "msr basepri_ns, %0\n\t"
	                 "msr faultmask_ns, %0\n\t"
	                 "msr psp_ns, %0\n\t"
	                 "msr psplim_ns, %1\n\t"
	                 "msr msplim_ns, %1"
	                 :
	                 : "r"(zero), "r"(ram_base)
	                 : "memory");
	mv_barrier();
}

extern uint32_t mv_sctx_pending[2];
uint32_t mv_unwind_gadget, mv_unwind_pops;

/* The first halfword of the verified image that returns whatever it was
 * compiled as: 0x4770 'bx lr' (mv_unwind_pops 0xff), or a 16-bit
 * 'pop {..., pc}' 0xbdxx (mv_unwind_pops: the registers it pops before
 * pc).  Every compiled function ends in one or the other. */
static void find_gadget(uint32_t base, uint32_t size)
{
	const volatile uint16_t *h = (const volatile uint16_t *)(uintptr_t)base;

	mv_unwind_gadget = 0;
	for (uint32_t i = 0; i + 1u < size / 2u; i++) {
		uint32_t v = h[i];

		if (v == 0x4770u || (v & 0xff00u) == 0xbd00u) {
			uint32_t n = 0;

			for (uint32_t r = v & 0xffu; r != 0u; r >>= 1)
				n += r & 1u;
			mv_unwind_pops = v == 0x4770u ? 0xffu : n;
			mv_unwind_gadget = base + 2u * i;
			return;
		}
	}
}

/* Out of line: the app entry and each unwind round (fault.c) build frames. */
__attribute__((noinline)) void mv_arch_frame(volatile uint32_t *f, uint32_t lr, uint32_t pc, uint32_t xpsr)
{
	for (uint32_t i = 0; i < 5u; i++)
		f[i] = 0;
	f[5] = lr;
	f[6] = pc;
	f[7] = xpsr;
}

/* Set by mv_arch_enter_ns just before its SVC: the only SVC the secure
 * side takes.  Also where the SVC handler finds the context to load. */
static volatile uint32_t entry_armed;

void mv_arch_enter_ns(const struct mv_app_entry *e, uint32_t ram_base)
{
	/* The app is entered by an exception return from the microvisor's
	 * SVC handler: nothing of the microvisor's thread is left on a secure
	 * stack for the app to return into, and an app exception still
	 * pending (QEMU cannot stop the app's SysTick across a restart) is
	 * taken at that return, over the app's first instruction, never over
	 * secure code.  The frame is the reset handler's, on the app's main
	 * stack: r0-r3 and r12 zero, lr the return trap, pc the reset handler,
	 * Thumb state.  MSP_S becomes the shared secure context (sctx.c),
	 * which the app's calls from thread mode run on. */
	uint32_t frame = e->msp - 32u; /* mv_app_verify_image: 8-aligned, room below */
	volatile uint32_t *f = (volatile uint32_t *)(uintptr_t)frame;

	MV_REG(SCB_VTOR + MV_NS_ALIAS) = e->vtor;
	find_gadget(e->vtor, e->size);
	mv_arch_frame(f, MV_APP_RETURN_TRAP, e->reset & ~1u, 0x01000000u);
	__asm__ volatile("msr msp_ns, %0\n\t"
	                 "msr msplim_ns, %1"
	                 :
	                 : "r"(frame), "r"(ram_base)
	                 : "memory");
	mv_sctx_reset();
	mv_arch_fp_discard();
	MV_REG(SCB_ICSR + MV_NS_ALIAS) = ICSR_PENDSVCLR | ICSR_PENDSTCLR;
	entry_armed = 1;
#ifdef MV_UPDATE
	MV_REG8(SCB_SHPR2 + 3u) = 0; /* SVCall's priority: the entry's, not the halt's (mv_arch_debug_pend) */
#endif
	mv_barrier();
	__asm__ volatile("svc #0" ::: "memory");
	__builtin_unreachable();
}

/* The one way the microvisor returns into the app from a handler: lr
 * holds the EXC_RETURN; every core register and the flags are cleared
 * first (r4-r11 would carry secure values, the exception return loads
 * only r0-r3, r12, lr, pc and xPSR). */
__attribute__((naked, noreturn)) void mv_arch_ns_return(void)
{
	__asm__ volatile("movs r0, #0\n\t"
	                 "mov r1, r0\n\t"
	                 "mov r2, r0\n\t"
	                 "mov r3, r0\n\t"
	                 "mov r4, r0\n\t"
	                 "mov r5, r0\n\t"
	                 "mov r6, r0\n\t"
	                 "mov r7, r0\n\t"
	                 "mov r8, r0\n\t"
	                 "mov r9, r0\n\t"
	                 "mov r10, r0\n\t"
	                 "mov r11, r0\n\t"
	                 "mov r12, r0\n\t"
	                 "msr APSR_nzcvq, r0\n\t"
	                 "bx lr\n\t");
}

/* SVC_S: load context 0 into MSP_S (the SVC's own frame and the boot
 * stack are dropped), let app exceptions in, clear every register the
 * exception return does not load, return to the app's thread mode on
 * MSP_NS with a basic frame (EXC_RETURN 0xFFFFFFB9). */
#ifdef MV_UPDATE
/* The halt (core/debug.c): SVCall pended at the lowest priority, so it is
 * taken only over the app's thread code with its interrupts unmasked. */
void mv_arch_debug_pend(void)
{
	MV_REG8(SCB_SHPR2 + 3u) = 0xffu;
	MV_REG(SCB_SHCSR) |= SHCSR_SVCALLPENDED;
	mv_barrier();
}

int mv_arch_app_masked(void)
{
	uint32_t a, b, c;

	__asm__ volatile("mrs %0, primask_ns\n\tmrs %1, faultmask_ns\n\tmrs %2, basepri_ns" : "=r"(a), "=r"(b), "=r"(c));
	return (a | b | c) != 0u;
}
#endif

__attribute__((naked)) void mv_arch_svc_isr(void)
{
	__asm__ volatile("ldr r0, =entry_armed\n\t"
	                 "ldr r1, [r0]\n\t"
	                 "cbz r1, 1f\n\t"
	                 "movs r1, #0\n\t"
	                 "str r1, [r0]\n\t"
	                 "ldr r0, =mv_sctx_pending\n\t"
	                 "ldr r2, [r0]\n\t"
	                 "ldr r3, [r0, #4]\n\t"
	                 "str r1, [r0]\n\t"
	                 "msr msplim, r1\n\t"
	                 "msr msp, r2\n\t"
	                 "msr msplim, r3\n\t"
	                 "msr basepri, r1\n\t"
	                 "isb\n\t"
	                 "ldr lr, =0xffffffb9\n\t"
	                 "b mv_arch_ns_return\n"
	                 "1:\n\t"
#ifdef MV_UPDATE
	                 /* Not the entry: the debug agent's halt (core/debug.c),
	                  * if it still wants one (a pend can outlive its halt:
	                  * the tick's, say); it halts only the app's own
	                  * thread code (EXC_RETURN: non-secure, thread mode);
	                  * taken over a secure call, it is the call's exit
	                  * that halts (sctx.c). */
	                 "ldr r0, =mv_dbg_state\n\t"
	                 "ldr r0, [r0]\n\t"
	                 "cmp r0, #1\n\t" /* MVL_DS_HALTING */
	                 "it ne\n\t"
	                 "bxne lr\n\t"
	                 "and r0, lr, #0x48\n\t"
	                 "cmp r0, #0x08\n\t"
	                 "it ne\n\t"
	                 "bxne lr\n\t"
	                 "push {r3-r11, lr}\n\t"
	                 "mov r0, sp\n\t"
	                 "bl mv_debug_halt\n\t"
	                 "pop {r3-r11, lr}\n\t"
	                 "bx lr\n\t"
#else
	                 "b mv_arch_fault_entry\n\t" /* an SVC nobody armed: a microvisor fault */
#endif
	                 ".ltorg\n\t");
}
