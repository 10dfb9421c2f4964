/*
 * fault.c - every secure fault and violation interrupt ends here: decode
 * it, let the core report it and decide, then either stop or restart the
 * app from thread mode on a fresh secure stack.  The microvisor never
 * returns into an app context that faulted.
 */
#include <arm_cmse.h>

#include "armv8m.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"

void mv_arch_fault(uint32_t exc_return, uint32_t msp_s, uint32_t psp_s) __attribute__((noreturn, used));

/* Faults run on a stack of their own: a fault can come from a secure
 * stack that is full (frames the app stacked on a context or on MSP_S),
 * and the handler never returns into what it interrupted anyway. */
#define FAULT_STACK_BYTES 1024u
__attribute__((used)) uint64_t mv_fault_stack[FAULT_STACK_BYTES / 8u];

/* One naked entry for all of them: EXC_RETURN and both secure stack
 * pointers are taken before anything moves a stack. */
__attribute__((naked)) void mv_arch_fault_entry(void)
{
	__asm__ volatile("mov r0, lr\n\t"
	                 "mrs r1, msp\n\t"
	                 "mrs r2, psp\n\t"
	                 "movs r3, #0\n\t"
	                 "msr msplim, r3\n\t"
	                 "ldr r3, =mv_fault_stack + %c0\n\t"
	                 "msr msp, r3\n\t"
	                 "ldr r3, =mv_fault_stack\n\t"
	                 "msr msplim, r3\n\t"
	                 "b mv_arch_fault\n\t"
	                 ".ltorg\n\t" ::"i"(FAULT_STACK_BYTES));
}

static uint32_t app_reason(uint32_t exc)
{
	switch (exc) {
	case EXC_HARDFAULT:
		return MV_R_APP_HARDFAULT;
	case EXC_MEMMANAGE:
		return MV_R_APP_MEMMANAGE;
	case EXC_BUSFAULT:
		return MV_R_APP_BUSFAULT;
	case EXC_USAGEFAULT:
		return MV_R_APP_USAGEFAULT;
	case EXC_SECUREFAULT:
		return MV_R_APP_SECUREFAULT;
	default:
		return MV_R_MV_IRQ;
	}
}

/* The app's stack pointer is app-controlled: read its frame only if all
 * 32 bytes lie in app_ram, as the app itself sees it. */
static void read_ns_frame(uint32_t exc_return, struct mv_fault *f)
{
	uint32_t sp;

	if (exc_return & EXC_RETURN_SPSEL)
		__asm__ volatile("mrs %0, psp_ns" : "=r"(sp));
	else
		__asm__ volatile("mrs %0, msp_ns" : "=r"(sp));
	if (sp < MVB_PART_APP_RAM_NS_BASE || sp - MVB_PART_APP_RAM_NS_BASE > MVB_PART_APP_RAM_SIZE - 32u ||
	    cmse_check_address_range((void *)sp, 32u, CMSE_NONSECURE) == 0)
		return;
	const volatile uint32_t *frame = (const volatile uint32_t *)sp;

	f->lr = frame[5];
	f->pc = frame[6];
	f->xpsr = frame[7];
	f->frame_ok = 1;
}

/* A frame on a secure stack: read only if all 32 bytes lie in the
 * microvisor's RAM (the stack pointer of a failed stacking can be
 * anything). */
static void read_s_frame(uint32_t sp, struct mv_fault *f)
{
	if (sp < MVB_PART_MV_RAM_S_BASE || sp - MVB_PART_MV_RAM_S_BASE > MVB_PART_MV_RAM_SIZE - 32u)
		return;
	const volatile uint32_t *frame = (const volatile uint32_t *)sp;

	f->lr = frame[5];
	f->pc = frame[6];
	f->xpsr = frame[7];
	f->frame_ok = 1;
}

/* The app may have crashed inside one of its own handlers: drop the
 * non-secure system handlers' active state.  Non-zero if nothing but the
 * current exception is active now; an app IRQ handler cannot be
 * deactivated from outside, and a restart would leave it stuck. */
static int unwind_ns(void)
{
	MV_REG(SCB_SHCSR + MV_NS_ALIAS) = 0;
	MV_REG(SCB_ICSR) = ICSR_PENDSVCLR;
	mv_barrier();
	return (MV_REG(SCB_ICSR) & ICSR_RETTOBASE) != 0u;
}

void mv_arch_fault(uint32_t exc_return, uint32_t msp_s, uint32_t psp_s)
{
	struct mv_fault f = {0};
	struct mv_fault_facts ff = {0};

	/* Before anything that could touch an FP register. */
	mv_arch_fp_discard();

	f.exc = mv_ipsr();
	f.from_ns = (exc_return & EXC_RETURN_S) == 0u;
	f.sfsr = MV_REG(SAU_SFSR);
	f.cfsr = MV_REG(SCB_CFSR);
	f.hfsr = MV_REG(SCB_HFSR);
	f.bfar = MV_REG(SCB_BFAR);

	ff.exc = f.exc;
	ff.sfsr = f.sfsr;
	ff.cfsr = f.cfsr;
	ff.frame_ns = f.from_ns;
	if (f.exc >= EXC_IRQ0 && mv_port_irq_fault(f.exc - EXC_IRQ0, &f))
		ff.violation = 1; /* the app's doing even during a secure call: the access came from NS */

	if (f.from_ns && f.exc == EXC_HARDFAULT) {
		/* An escalated app fault: the cause sits in the app's own bank
		 * of CFSR (UsageFault and MemManage status are banked). */
		f.extra_name = "CFSR_NS";
		f.extra = MV_REG(SCB_CFSR + MV_NS_ALIAS);
		MV_REG(SCB_CFSR + MV_NS_ALIAS) = f.extra;
	}

	if ((exc_return & EXC_RETURN_S) == 0u) {
		read_ns_frame(exc_return, &f);
	} else {
		/* A secure stack: ours, trusted memory, worth showing for a
		 * bug hunt, if the pointer lies on one of our stacks. */
		uint32_t sp = (exc_return & EXC_RETURN_SPSEL) ? psp_s : msp_s;

		read_s_frame(sp, &f);
	}

	if (!ff.violation) {
		if (!mv_fault_is_app(&ff))
			f.reason = (f.exc >= EXC_IRQ0 || f.exc == EXC_NMI) ? MV_R_MV_IRQ : MV_R_MV_FAULT;
		else if (f.frame_ok && (f.sfsr & MV_SFSR_INVEP) && f.pc == (MV_APP_RETURN_TRAP & ~1u))
			f.reason = MV_R_APP_RETURNED;
		else
			f.reason = app_reason(f.exc);
		f.from_ns = MV_REASON_EXIT(f.reason) != MV_EXIT_MV_FAULT;
	}

	/* Write-one-to-clear, so the next report starts clean. */
	MV_REG(SAU_SFSR) = f.sfsr;
	MV_REG(SCB_CFSR) = f.cfsr;
	MV_REG(SCB_HFSR) = f.hfsr;

	f.nested = !unwind_ns();
	mv_arch_reenter_from_handler(mv_on_app_fault(&f));
}

/* PendSV_S: the restart asked for by mv_restart_app(), on the fault stack
 * too (the context stack it interrupts is the app's to fill). */
void mv_arch_restart(void) __attribute__((noreturn, used));

__attribute__((naked)) void mv_arch_restart_isr(void)
{
	__asm__ volatile("movs r3, #0\n\t"
	                 "msr msplim, r3\n\t"
	                 "ldr r3, =mv_fault_stack + %c0\n\t"
	                 "msr msp, r3\n\t"
	                 "ldr r3, =mv_fault_stack\n\t"
	                 "msr msplim, r3\n\t"
	                 "b mv_arch_restart\n\t"
	                 ".ltorg\n\t" ::"i"(FAULT_STACK_BYTES));
}

void mv_arch_restart(void)
{
	struct mv_fault f = {0};

	mv_arch_fp_discard();
	f.exc = mv_ipsr();
	f.cfsr = MV_REG(SCB_CFSR + MV_NS_ALIAS);
	f.hfsr = MV_REG(SCB_HFSR + MV_NS_ALIAS);
	f.nested = !unwind_ns();
	mv_arch_reenter_from_handler(mv_on_restart_request(&f));
}

__attribute__((naked, noreturn)) static void reenter_frame(uint32_t delay_ms __attribute__((unused)),
                                                           uint32_t *top __attribute__((unused)),
                                                           void (*entry)(uint32_t) __attribute__((unused)))
{
	/* Build a basic exception frame {r0-r3, r12, lr, pc, xPSR} below the
	 * seal and return into it: secure thread mode, MSP, no FP frame.
	 * Whatever the faulting context had on the secure stack is gone. */
	__asm__ volatile("sub r1, r1, #32\n\t"
	                 "movs r3, #0\n\t"
	                 "msr msplim, r3\n\t"
	                 "msr msp, r1\n\t"
	                 "ldr r3, =__mv_stack_bottom\n\t"
	                 "msr msplim, r3\n\t"
	                 "movs r3, #%c0\n\t" /* app exceptions stay off until the next start */
	                 "msr basepri, r3\n\t"
	                 "movs r3, #0\n\t"
	                 "str r0, [r1, #0]\n\t"
	                 "str r3, [r1, #4]\n\t"
	                 "str r3, [r1, #8]\n\t"
	                 "str r3, [r1, #12]\n\t"
	                 "str r3, [r1, #16]\n\t"
	                 "str r3, [r1, #20]\n\t"
	                 "bic r2, r2, #1\n\t"
	                 "str r2, [r1, #24]\n\t"
	                 "mov r3, #0x01000000\n\t"
	                 "str r3, [r1, #28]\n\t"
	                 "mvn lr, #6\n\t" /* 0xFFFFFFF9: EXC_RETURN_THREAD_S */
	                 "bx lr\n\t"
	                 ".ltorg\n\t" ::"i"(PRIO_APP_MASK));
}

void mv_arch_reenter_from_handler(uint32_t delay_ms)
{
	/* The core decided on a restart only if unwind_ns() succeeded; this
	 * re-check costs nothing and keeps a stuck handler from ever being
	 * returned into. */
	if (!unwind_ns())
		mv_halt(MV_R_NESTED);
	reenter_frame(delay_ms, __mv_stack_seal, mv_restart_entry);
}

void mv_arch_request_restart(int now)
{
	/* A crash restarts at once (the restart exception sits above every
	 * app priority).  A planned restart waits at the lowest priority,
	 * so it is taken only once no app handler is active and the app's
	 * interrupts are unmasked: a restart from inside an app interrupt
	 * handler would leave that interrupt active for good.  A crash
	 * while a planned restart waits raises it. */
	uint32_t shpr3 = MV_REG(SCB_SHPR3) & ~(0xffu << 16);
	uint32_t cur = (MV_REG(SCB_SHPR3) >> 16) & 0xffu;

	if (now || !(MV_REG(SCB_ICSR) & ICSR_PENDSVSET) || cur != PRIO_RESTART)
		MV_REG(SCB_SHPR3) = shpr3 | ((now ? PRIO_RESTART : PRIO_RESTART_LATER) << 16);
	MV_REG(SCB_ICSR) = ICSR_PENDSVSET;
	mv_barrier();
}
