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

void mv_arch_fault(uint32_t exc_return, uint32_t msp_s) __attribute__((noreturn, used));

/* One naked entry for all of them: EXC_RETURN and the secure MSP are
 * taken before any C code moves the stack. */
__attribute__((naked)) void mv_arch_fault_entry(void)
{
	__asm__ volatile("mov r0, lr\n\t"
	                 "mrs r1, msp\n\t"
	                 "b mv_arch_fault\n\t");
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

void mv_arch_fault(uint32_t exc_return, uint32_t msp_s)
{
	struct mv_fault f = {0};

	f.exc = mv_ipsr();
	f.from_ns = (exc_return & EXC_RETURN_S) == 0u;
	f.sfsr = MV_REG(SAU_SFSR);
	f.cfsr = MV_REG(SCB_CFSR);
	f.hfsr = MV_REG(SCB_HFSR);
	f.bfar = MV_REG(SCB_BFAR);

	if (f.exc >= EXC_IRQ0 && mv_port_irq_fault(f.exc - EXC_IRQ0, &f)) {
		/* A violation report: the app's doing even when it fires
		 * during a secure call, since the access came from NS. */
		f.from_ns = 1;
	} else if (f.from_ns && f.exc < EXC_IRQ0) {
		f.reason = app_reason(f.exc);
	} else if (f.exc >= EXC_IRQ0 || f.exc == EXC_NMI) {
		f.reason = MV_R_MV_IRQ;
	} else {
		f.reason = MV_R_MV_FAULT;
	}

	if (f.from_ns && f.exc == EXC_HARDFAULT) {
		/* An escalated app fault: the cause sits in the app's own bank
		 * of CFSR (UsageFault and MemManage status are banked). */
		f.extra_name = "CFSR_NS";
		f.extra = MV_REG(SCB_CFSR + MV_NS_ALIAS);
		MV_REG(SCB_CFSR + MV_NS_ALIAS) = f.extra;
	}

	if ((exc_return & EXC_RETURN_S) == 0u) {
		read_ns_frame(exc_return, &f);
	} else if ((exc_return & EXC_RETURN_SPSEL) == 0u && msp_s != 0u) {
		/* Our own frame: trusted memory, worth showing for a bug hunt. */
		const volatile uint32_t *frame = (const volatile uint32_t *)msp_s;

		f.lr = frame[5];
		f.pc = frame[6];
		f.xpsr = frame[7];
		f.frame_ok = 1;
	}

	/* Write-one-to-clear, so the next report starts clean. */
	MV_REG(SAU_SFSR) = f.sfsr;
	MV_REG(SCB_CFSR) = f.cfsr;
	MV_REG(SCB_HFSR) = f.hfsr;

	f.nested = !unwind_ns();
	mv_arch_reenter_from_handler(mv_on_app_fault(&f));
}

/* PendSV_S: the restart asked for by mv_restart_app(). */
void mv_arch_restart_isr(void)
{
	struct mv_fault f = {0};

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
	                 "msr msp, r1\n\t"
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
	                 "bx lr\n\t");
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

void mv_arch_reenter_from_thread(uint32_t delay_ms)
{
	__asm__ volatile("msr msp, %1\n\t"
	                 "mov r0, %0\n\t"
	                 "b mv_restart_entry\n\t"
	                 :
	                 : "r"(delay_ms), "r"(__mv_stack_seal)
	                 : "r0", "memory");
	__builtin_unreachable();
}

void mv_arch_request_restart(void)
{
	MV_REG(SCB_ICSR) = ICSR_PENDSVSET;
	mv_barrier();
}
