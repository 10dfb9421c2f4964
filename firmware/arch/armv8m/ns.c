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

void mv_arch_enter_ns(const struct mv_app_entry *e, uint32_t ram_base)
{
	/* The app is entered with BXNS from secure thread mode, not BLXNS:
	 * nothing of the microvisor's thread is left on a secure stack for
	 * the app to return into, and the reset handler's lr is the return
	 * trap.  MSP_S becomes the shared secure context (sctx.c), which the
	 * app's calls from thread mode run on; the boot stack is dropped. */
	MV_REG(SCB_VTOR + MV_NS_ALIAS) = e->vtor;
	find_gadget(e->vtor, e->size);
	__asm__ volatile("msr msp_ns, %0\n\t"
	                 "msr msplim_ns, %1"
	                 :
	                 : "r"(e->msp), "r"(ram_base)
	                 : "memory");
	mv_sctx_reset();
	mv_arch_fp_discard();
	mv_barrier();

	/* Every core register is cleared except the target; FP registers
	 * hold nothing of the microvisor's (it computes nothing in them). */
	register uint32_t target __asm__("r0") = e->reset & ~1u;
	register uint32_t sp __asm__("r1") = mv_sctx_pending[0];
	register uint32_t lim __asm__("r2") = mv_sctx_pending[1];

	mv_sctx_pending[0] = 0;
	/* App exceptions stay held off (BASEPRI_S, since the fault or the
	 * boot) until the last instruction before BXNS: one taken any earlier
	 * would run app code over this secure code.  What the last run left
	 * pending goes first. */
	MV_REG(SCB_ICSR + MV_NS_ALIAS) = ICSR_PENDSVCLR | ICSR_PENDSTCLR;
	mv_barrier();
	__asm__ volatile("movs r3, #0\n\t"
	                 "msr msplim, r3\n\t"
	                 "msr msp, r1\n\t"
	                 "msr msplim, r2\n\t"
	                 "isb\n\t"
	                 "ldr lr, =%c3\n\t"
	                 "mov r1, r3\n\t"
	                 "mov r2, r3\n\t"
	                 "mov r4, r3\n\t"
	                 "mov r5, r3\n\t"
	                 "mov r6, r3\n\t"
	                 "mov r7, r3\n\t"
	                 "mov r8, r3\n\t"
	                 "mov r9, r3\n\t"
	                 "mov r10, r3\n\t"
	                 "mov r11, r3\n\t"
	                 "mov r12, r3\n\t"
	                 "msr APSR_nzcvq, r3\n\t"
	                 "msr basepri, r3\n\t"
	                 "bxns r0\n\t"
	                 ".ltorg\n\t"
	                 :
	                 : "r"(target), "r"(sp), "r"(lim), "i"(MV_APP_RETURN_TRAP)
	                 : "memory");
	__builtin_unreachable();
}
