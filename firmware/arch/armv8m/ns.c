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

typedef void __attribute__((cmse_nonsecure_call)) mv_ns_reset_fn(void);

void mv_arch_enter_ns(const struct mv_app_entry *e, uint32_t ram_base)
{
	MV_REG(SCB_VTOR + MV_NS_ALIAS) = e->vtor;
	__asm__ volatile("msr msp_ns, %0\n\t"
	                 "msr msplim_ns, %1"
	                 :
	                 : "r"(e->msp), "r"(ram_base)
	                 : "memory");
	mv_barrier();

	/* cmse_nsfptr_create clears bit 0, which makes BLXNS switch to the
	 * non-secure state; libgcc's __gnu_cmse_nonsecure_call clears every
	 * other register (core and FP) before the branch. */
	mv_ns_reset_fn *reset = (mv_ns_reset_fn *)cmse_nsfptr_create(e->reset);

	reset();

	/* The app's reset handler returned: that is a crash like any other. */
	struct mv_fault f = {0};

	f.reason = MV_R_APP_RETURNED;
	f.from_ns = 1;
	mv_arch_reenter_from_thread(mv_on_app_fault(&f));
}
