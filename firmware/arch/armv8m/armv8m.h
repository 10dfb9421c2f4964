/*
 * armv8m.h - Armv8-M Mainline system registers used by the arch layer
 * (secure view at 0xE000xxxx, non-secure bank through the 0xE002xxxx
 * alias).  Private to firmware/arch/armv8m and the ports.
 */
#ifndef MV_ARMV8M_H
#define MV_ARMV8M_H

#include <stdint.h>

#include "mv_board.h"

#define MV_TRAP_BASE MVB_PART_MV_CODE_S_BASE

/* Interrupt lines the microvisor takes itself: 0 .. MV_SECURE_IRQS - 1
 * (the secure vector table ends there). */
#ifdef MVB_LINK_IRQ
#define MV_SECURE_IRQS (MVB_LINK_IRQ + 1u)
#else
#define MV_SECURE_IRQS 0u
#endif

#define MV_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define MV_REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))

#define MV_NS_ALIAS 0x00020000u /* add to a system register address for its NS bank */

/* SysTick */
#define SYST_CSR 0xE000E010u
#define SYST_RVR 0xE000E014u
#define SYST_CVR 0xE000E018u
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE (1u << 2)

/* NVIC, one word per 32 IRQs */
#define NVIC_ISER(n) (0xE000E100u + 4u * (n))
#define NVIC_ICER(n) (0xE000E180u + 4u * (n))
#define NVIC_ICPR(n) (0xE000E280u + 4u * (n))
#define NVIC_IABR(n) (0xE000E300u + 4u * (n))
#define NVIC_ITNS(n) (0xE000E380u + 4u * (n))
#define NVIC_IPR(n) (0xE000E400u + (n))

/* SCB */
#define SCB_ICSR 0xE000ED04u
#define SCB_VTOR 0xE000ED08u
#define SCB_AIRCR 0xE000ED0Cu
#define SCB_SCR 0xE000ED10u
#define SCB_CCR 0xE000ED14u
#define SCB_SHPR1 0xE000ED18u
#define SCB_SHPR2 0xE000ED1Cu
#define SCB_SHPR3 0xE000ED20u
#define SCB_SHCSR 0xE000ED24u
#define SCB_CFSR 0xE000ED28u
#define SCB_HFSR 0xE000ED2Cu
#define SCB_MMFAR 0xE000ED34u
#define SCB_BFAR 0xE000ED38u
#define SCB_CPACR 0xE000ED88u
#define SCB_NSACR 0xE000ED8Cu
#define MPU_CTRL 0xE000ED94u
#define FPU_FPCCR 0xE000EF34u

#define ICSR_PENDSVSET (1u << 28)
#define ICSR_PENDSVCLR (1u << 27)
#define ICSR_PENDSTCLR (1u << 25)
#define ICSR_RETTOBASE (1u << 11)

#define AIRCR_VECTKEY (0x05FAu << 16)
#define AIRCR_PRIS (1u << 14)
#define AIRCR_BFHFNMINS (1u << 13)
#define AIRCR_SYSRESETREQS (1u << 3)

#define CCR_DIV_0_TRP (1u << 4)
#define CCR_NONBASETHRDENA (1u << 0)

#define SHCSR_ENABLES ((1u << 16) | (1u << 17) | (1u << 18) | (1u << 19)) /* MemManage, Bus, Usage, Secure */
#define SHCSR_SVCALLACT (1u << 7)
#define SHCSR_SVCALLPENDED (1u << 15)
#define SHCSR_NS_ACTIVE 0x00000d89u /* MEMFAULT, USGFAULT, SVCALL, MONITOR, PENDSV, SYSTICK active bits */

#define NSACR_CP10_CP11 ((1u << 10) | (1u << 11))
#define CPACR_CP10_CP11_FULL (0xFu << 20)

#define FPCCR_CLRONRETS (1u << 27)
#define FPCCR_CLRONRET (1u << 28)
#define FPCCR_LSPENS (1u << 29)

/* SAU */
#define SAU_CTRL 0xE000EDD0u
#define SAU_TYPE 0xE000EDD4u
#define SAU_RNR 0xE000EDD8u
#define SAU_RBAR 0xE000EDDCu
#define SAU_RLAR 0xE000EDE0u
#define SAU_SFSR 0xE000EDE4u
#define SAU_SFAR 0xE000EDE8u
#define SAU_CTRL_ENABLE (1u << 0)
#define SAU_RLAR_ENABLE (1u << 0)
#define SAU_RLAR_NSC (1u << 1)

/* EXC_RETURN */
#define EXC_RETURN_S (1u << 6)          /* the interrupted context's registers are on a secure stack */
#define EXC_RETURN_SPSEL (1u << 2)      /* ... on the process stack (of the exception's security state: ES) */
#define EXC_RETURN_MODE (1u << 3)       /* the interrupted context was thread mode */
#define EXC_RETURN_DCRS (1u << 5)       /* r4-r11 were not stacked (default rules) */
#define EXC_RETURN_FTYPE (1u << 4)      /* a basic frame, no FP part */
#define EXC_RETURN_THREAD_S 0xFFFFFFF9u /* secure, thread mode, MSP, basic frame */

/* Exception numbers */
#define EXC_NMI 2u
#define EXC_HARDFAULT 3u
#define EXC_MEMMANAGE 4u
#define EXC_BUSFAULT 5u
#define EXC_USAGEFAULT 6u
#define EXC_SECUREFAULT 7u
#define EXC_PENDSV 14u
#define EXC_IRQ0 16u

/* Priorities (secure view; with AIRCR.PRIS every non-secure priority
 * lands in 0x80..0xff, below all of these). */
#define PRIO_FAULT 0x00u
#define PRIO_VIOLATION 0x00u
/* An immediate restart: after the tick that asks for it, and after the
 * link's interrupt, which it would otherwise cut off mid-answer (an AUTH
 * checks a signature there for tens of ms) and leave active for good. */
#define PRIO_RESTART 0x60u
#define PRIO_TICK 0x40u
#define PRIO_RESTART_LATER 0xffu /* a planned restart: after every app handler */
#define PRIO_LINK 0x60u     /* the link's receive interrupt: below the tick, above the app */
#define PRIO_APP_MASK 0x80u /* BASEPRI_S value that holds off every app exception */

#define FPU_FPCCR_NS (FPU_FPCCR + MV_NS_ALIAS)
#define FPCCR_LSPACT (1u << 0)

/* Where the app's reset handler returns to: a secure address that is no
 * gateway, so the return is a SecureFault (INVEP) at a pc the fault
 * handler recognises.  Never executed. */
#define MV_APP_RETURN_TRAP (MV_TRAP_BASE | 1u)
/* Where an unwound app handler "returns" to (fault.c): the same kind of
 * trap at another pc. */
#define MV_UNWIND_TRAP (MV_TRAP_BASE + 4u)

/* Set at every app start (ns.c): the address of a Thumb 'bx lr' (pops
 0xff) or 'pop {n registers, pc}' (pops n) in the app image, or 0;
 * fault.c returns app handlers through it. */
extern uint32_t mv_unwind_gadget, mv_unwind_pops;

/* Lazy FP state that an exception left pending (either bank) is dropped,
 * so no later FP instruction stacks it to a stack the app controls. */
static inline void mv_arch_fp_discard(void)
{
	*(volatile uint32_t *)FPU_FPCCR &= ~FPCCR_LSPACT;
	*(volatile uint32_t *)FPU_FPCCR_NS &= ~FPCCR_LSPACT;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
}

static inline void mv_barrier(void)
{
	__asm__ volatile("dsb\n\tisb" ::: "memory");
}

static inline uint32_t mv_ipsr(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, ipsr" : "=r"(v));
	return v & 0x1ffu;
}

/* TT answer bits (secure view of TTA/TTAT): the non-secure caller may read,
 * read and write; the address is secure. */
#define MV_TT_NSR (1u << 20)
#define MV_TT_NSRW (1u << 21)
#define MV_TT_S (1u << 22)

/* cmse_check_address_range(p, len, CMSE_NONSECURE | ...) for the flags
 * the microvisor uses (cmse.c): 1 if [p, p + len) does not wrap, lies in
 * one region of the non-secure view (unprivileged: TTAT) and its TT
 * answer has `bit` set (set 1) or clear (set 0). */
int mv_arch_ns_range(uintptr_t p, uint32_t len, int unpriv, uint32_t bit, uint32_t set);

/* A basic exception frame at f: r0-r3 and r12 zero, then lr, pc, xPSR. */
void mv_arch_frame(volatile uint32_t *f, uint32_t lr, uint32_t pc, uint32_t xpsr);

/* Linker-script symbols of the secure main stack (microvisor.ld). */
extern uint32_t __mv_stack_bottom[];
extern uint32_t __mv_stack_seal[]; /* = initial MSP; the 8-byte seal sits here */

/* Thread-mode re-entry used after a fault, a restart request or a return
 * from the app: fresh secure stack, app exceptions held off, then
 * mv_restart_entry(delay_ms). */
void mv_arch_reenter_from_handler(uint32_t delay_ms) __attribute__((noreturn));

/* Vector targets */
void mv_arch_fault_entry(void);
void mv_arch_tick_isr(void);
void mv_arch_svc_isr(void);
void mv_arch_ns_return(void) __attribute__((noreturn));
void mv_port_link_isr(void);
void mv_arch_reset(void) __attribute__((noreturn));

#endif
