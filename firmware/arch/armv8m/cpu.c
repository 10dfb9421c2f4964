/*
 * cpu.c - Armv8-M core set-up owned by the microvisor: fault handlers,
 * priorities, reset and FPU policy, SAU, interrupt targeting and the tick.
 * Every security-relevant write is read back; a mismatch is a reason code.
 */
#include "armv8m.h"
#include "mv/arch.h"
#include "mv/core.h"
#include "mv/reason.h"
#include "mv_board.h"

#define NVIC_WORDS ((MVB_BOARD_NVIC_IRQS + 31u) / 32u)

static volatile uint32_t ticks;
static uint32_t secure_irqs[NVIC_WORDS] MV_BSS_APART(secure_irqs); /* microvisor-owned IRQs: never NS */

uint32_t mv_arch_cpu_init(uint32_t cpu_hz)
{
	/* Faults and violation reports preempt everything; the restart
	 * exception and the tick sit just below; all secure exceptions stay
	 * above every non-secure one (AIRCR.PRIS). */
	MV_REG(SCB_SHPR1) = (PRIO_FAULT << 24) | (PRIO_FAULT << 16) | (PRIO_FAULT << 8) | PRIO_FAULT;
	MV_REG(SCB_SHPR3) = (PRIO_TICK << 24) | (PRIO_RESTART << 16);
	MV_REG(SCB_SHCSR) |= SHCSR_ENABLES;

	/* BFHFNMINS=0: BusFault, HardFault and NMI stay secure, so app bus
	 * errors land here.  SYSRESETREQS: the app cannot reset the chip. */
	uint32_t aircr = MV_REG(SCB_AIRCR) & 0x700u; /* keep PRIGROUP */

	MV_REG(SCB_AIRCR) = AIRCR_VECTKEY | aircr | AIRCR_PRIS | AIRCR_SYSRESETREQS;
	MV_REG(SCB_CCR) |= CCR_DIV_0_TRP;

	/* The app may use the FPU.  Secure code never computes in FP
	 * registers (only libgcc's BLXNS wrapper and CMSE returns touch them,
	 * to clear them); CLRONRET(S) and LSPENS stop the app from reading
	 * stale FP state or changing lazy stacking (TF-M's FPU policy). */
	MV_REG(SCB_NSACR) |= NSACR_CP10_CP11;
	MV_REG(FPU_FPCCR) |= FPCCR_CLRONRET | FPCCR_CLRONRETS | FPCCR_LSPENS;
	mv_barrier();

	if ((MV_REG(SCB_SHCSR) & SHCSR_ENABLES) != SHCSR_ENABLES ||
	    (MV_REG(SCB_AIRCR) & (AIRCR_PRIS | AIRCR_BFHFNMINS | AIRCR_SYSRESETREQS)) !=
	        (AIRCR_PRIS | AIRCR_SYSRESETREQS) ||
	    (MV_REG(SCB_NSACR) & NSACR_CP10_CP11) != NSACR_CP10_CP11 ||
	    (MV_REG(FPU_FPCCR) & (FPCCR_CLRONRET | FPCCR_CLRONRETS | FPCCR_LSPENS)) !=
	        (FPCCR_CLRONRET | FPCCR_CLRONRETS | FPCCR_LSPENS))
		return MV_R_HW_SCB;

	/* App exceptions stay off until the app is entered (ns.c). */
	__asm__ volatile("msr basepri, %0" ::"r"(PRIO_APP_MASK) : "memory");

	/* 1 kHz secure tick from the core clock. */
	MV_REG(SYST_CSR) = 0;
	MV_REG(SYST_RVR) = cpu_hz / 1000u - 1u;
	MV_REG(SYST_CVR) = 0;
	MV_REG(SYST_CSR) = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
	return MV_R_NONE;
}

uint32_t mv_arch_sau_init(const struct mv_sau_region *r, uint32_t n)
{
	uint32_t avail = MV_REG(SAU_TYPE) & 0xffu;

	if (n > avail)
		return MV_R_HW_SAU_REGIONS;
	MV_REG(SAU_CTRL) = 0;
	mv_barrier();
	for (uint32_t i = 0; i < avail; i++) {
		uint32_t rbar = 0, rlar = 0;

		if (i < n) {
			rbar = r[i].base & ~31u;
			rlar = (r[i].limit & ~31u) | (r[i].nsc ? SAU_RLAR_NSC : 0u) | SAU_RLAR_ENABLE;
		}
		MV_REG(SAU_RNR) = i;
		MV_REG(SAU_RBAR) = rbar;
		MV_REG(SAU_RLAR) = rlar;
		if (MV_REG(SAU_RNR) != i || MV_REG(SAU_RBAR) != rbar || MV_REG(SAU_RLAR) != rlar)
			return MV_R_HW_SAU;
	}
	/* ALLNS=0: whatever no region covers stays secure. */
	MV_REG(SAU_CTRL) = SAU_CTRL_ENABLE;
	mv_barrier();
	if (MV_REG(SAU_CTRL) != SAU_CTRL_ENABLE)
		return MV_R_HW_SAU;
	return MV_R_NONE;
}

uint32_t mv_arch_irq_target(const uint32_t *irq_ns, uint32_t words)
{
	for (uint32_t w = 0; w < NVIC_WORDS; w++) {
		uint32_t want = w < words ? irq_ns[w] : 0u;
		uint32_t valid = (w == NVIC_WORDS - 1u && MVB_BOARD_NVIC_IRQS % 32u != 0u)
		                     ? (1u << (MVB_BOARD_NVIC_IRQS % 32u)) - 1u
		                     : 0xffffffffu;

		if ((want & ~valid) != 0u || (want & secure_irqs[w]) != 0u)
			return MV_R_HW_NVIC;
		/* Interrupts the previous run owned: off and not pending
		 * before they change hands. */
		uint32_t old = MV_REG(NVIC_ITNS(w));

		MV_REG(NVIC_ICER(w)) = old;
		MV_REG(NVIC_ICPR(w)) = old;
		MV_REG(NVIC_ITNS(w)) = want;
		if (MV_REG(NVIC_ITNS(w)) != want)
			return MV_R_HW_NVIC;
	}
	mv_barrier();
	return MV_R_NONE;
}

/* Out of line: inlined into each of its three callers it costs 44 bytes more. */
__attribute__((noinline)) void mv_arch_irq_secure_enable(uint32_t irq, uint32_t prio)
{
	uint32_t w = irq / 32u, bit = 1u << (irq % 32u);

	if (irq + 1u > MV_SECURE_IRQS) /* no vector for it (vectors.c) */
		return;
	secure_irqs[w] |= bit;
	MV_REG(NVIC_ITNS(w)) &= ~bit;
	MV_REG8(NVIC_IPR(irq)) = (uint8_t)prio;
	MV_REG(NVIC_ICPR(w)) = bit;
	MV_REG(NVIC_ISER(w)) = bit;
	mv_barrier();
}

void mv_arch_irq_ack(uint32_t irq)
{
	if (irq < MVB_BOARD_NVIC_IRQS)
		MV_REG(NVIC_ICPR(irq / 32u)) = 1u << (irq % 32u);
}

void mv_arch_tick_isr(void)
{
	ticks++;
	mv_watchdog_tick(ticks);
#ifdef MV_UPDATE
	if (mv_dbg_state == 1u) /* MVL_DS_HALTING: a halt asked for and not taken yet */
		mv_arch_debug_pend();
#endif
}

uint32_t mv_arch_ticks(void)
{
	return ticks;
}

uint32_t mv_arch_jitter(void)
{
	return MV_REG(SYST_CVR);
}

uint32_t mv_arch_link_lock(void)
{
	uint32_t old;

	__asm__ volatile("mrs %0, basepri\n\t"
	                 "msr basepri_max, %1\n\t"
	                 "isb"
	                 : "=&r"(old)
	                 : "r"(PRIO_LINK)
	                 : "memory");
	return old;
}

void mv_arch_link_unlock(uint32_t key)
{
	__asm__ volatile("msr basepri, %0" ::"r"(key) : "memory");
}

void mv_arch_wait_irq(void)
{
	__asm__ volatile("dsb\n\twfi" ::: "memory");
}

void mv_arch_park(void)
{
	__asm__ volatile("cpsid i" ::: "memory");
	for (;;)
		__asm__ volatile("wfi");
}
