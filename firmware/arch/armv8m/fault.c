/*
 * fault.c - every secure fault and violation interrupt ends here, and so
 * does the restart exception: decode it, let the core report it and
 * decide, then either stop or restart the app from thread mode on a fresh
 * secure stack.  The microvisor never returns into an app context that
 * faulted.
 */
#include "armv8m.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"
#ifdef MV_UPDATE
#include <mvb/crash.h>
#endif

void mv_arch_fault(uint32_t exc_return, uint32_t msp_s, uint32_t psp_s, uint32_t msplim_s) __attribute__((noreturn, used));

/* Faults run on a stack of their own: a fault can come from a secure
 * stack that is full (frames the app stacked on a context or on MSP_S),
 * and the handler never returns into what it interrupted anyway. */
#define FAULT_STACK_BYTES 1024u
__attribute__((used)) uint64_t mv_fault_stack[FAULT_STACK_BYTES / 8u] MV_BSS_APART(fault_stack);

/* One naked entry for all of them: EXC_RETURN and both secure stack
 * pointers are taken before anything moves a stack, r4-r11 (the app's
 * own when the fault came from it) go to the top of the fault stack. */
__attribute__((naked)) void mv_arch_fault_entry(void)
{
	__asm__ volatile("mov r0, lr\n\t"
	                 "mrs r1, msp\n\t"
	                 "mrs r2, psp\n\t"
#ifdef MV_UPDATE
	                 "mrs r12, msplim\n\t" /* for a return into the app (a breakpoint) */
#endif
	                 "movs r3, #0\n\t"
	                 "msr msplim, r3\n\t"
	                 "ldr r3, =mv_fault_stack + %c0\n\t"
	                 "msr msp, r3\n\t"
	                 "ldr r3, =mv_fault_stack\n\t"
	                 "msr msplim, r3\n\t"
	                 "push {r4-r11}\n\t"
#ifdef MV_UPDATE
	                 "mov r3, r12\n\t"
#endif
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

/* The stack the app's registers went on when a secure exception took
 * the app (EXC_RETURN.S clear): its thread mode's, as CONTROL_NS.SPSEL
 * says, or MSP_NS from its handler mode.  Not EXC_RETURN.SPSEL: that is
 * the exception's own security state's (CONTROL_S), which reads MSP
 * under an app thread on PSP (measured: a crash on an RTOS thread's
 * stack, qemu.remote.crash). */
static uint32_t ns_sp(uint32_t exc_return, uint32_t *psp)
{
	uint32_t c, sp;

	__asm__ volatile("mrs %0, control_ns" : "=r"(c));
	*psp = (exc_return & EXC_RETURN_MODE) ? c & 2u : 0u;
	if (*psp)
		__asm__ volatile("mrs %0, psp_ns" : "=r"(sp));
	else
		__asm__ volatile("mrs %0, msp_ns" : "=r"(sp));
	return sp;
}

#ifdef MV_UPDATE
volatile uint32_t *mv_arch_ns_frame(uint32_t exc_return)
{
	uint32_t psp, sp = ns_sp(exc_return, &psp);

	/* app RAM is non-secure whole (mv_port_memory_gates): the bounds
	 * are the check */
	if (sp < MVB_PART_APP_RAM_NS_BASE || sp - MVB_PART_APP_RAM_NS_BASE > MVB_PART_APP_RAM_SIZE - 32u)
		return 0;
	return (volatile uint32_t *)sp;
}

/* Back into the app after a breakpoint (mv_debug_trap): r4-r11 as the
 * entry pushed them, the secure MSP and its limit as they were. */
__attribute__((naked, noreturn)) static void fault_return(uint32_t exc_return __attribute__((unused)),
                                                          uint32_t msp_s __attribute__((unused)),
                                                          uint32_t msplim_s __attribute__((unused)))
{
	__asm__ volatile("ldr r3, =mv_fault_stack + %c0 - 32\n\t"
	                 "ldmia r3, {r4-r11}\n\t"
	                 "movs r3, #0\n\t"
	                 "msr msplim, r3\n\t"
	                 "msr msp, r1\n\t"
	                 "msr msplim, r2\n\t"
	                 "isb\n\t"
	                 "bx r0\n\t"
	                 ".ltorg\n\t" ::"i"(FAULT_STACK_BYTES));
}
#endif

/* lr, pc and xPSR of the exception frame the fault left: the app's inside
 * app_ram as the app itself sees it, a secure one only on one of the
 * microvisor's own stacks (trusted memory, worth showing for a bug hunt).
 * Read only if all 32 bytes lie there: a stack pointer the app controls,
 * or that a failed stacking left, can be anything. */
static const volatile uint32_t *read_frame(uint32_t exc_return, uint32_t msp_s, uint32_t psp_s, struct mv_fault *f)
{
	uint32_t sp = (exc_return & EXC_RETURN_SPSEL) ? psp_s : msp_s;
	uint32_t lo = MVB_PART_MV_RAM_S_BASE, size = MVB_PART_MV_RAM_SIZE;

	if ((exc_return & EXC_RETURN_S) == 0u) {
		sp = ns_sp(exc_return, &f->psp);
		if (!mv_arch_ns_range(sp, 32u, 0, MV_TT_S, 0)) /* cmse_check_address_range(CMSE_NONSECURE) */
			return 0;
		lo = MVB_PART_APP_RAM_NS_BASE;
		size = MVB_PART_APP_RAM_SIZE;
	}
	if (sp < lo || sp - lo > size - 32u)
		return 0;
	const volatile uint32_t *frame = (const volatile uint32_t *)sp;

	f->lr = frame[5];
	f->pc = frame[6];
	f->xpsr = frame[7];
	f->frame_ok = 1;
	return frame;
}

#ifdef MV_UPDATE
/*
 * The crash record (mvb/crash.h) of this fault or restart: the fault
 * status, and the app's registers and up to MVB_CRASH_STACK_MAX bytes of
 * its stack when its frame is on its own stack (S clear in EXC_RETURN:
 * read_frame checked the frame lies in app RAM); a fault taken in secure
 * state leaves no register in it.  The header is the core's, written
 * only if the core counts this as the app's crash (mv_on_app_fault); till
 * then cr_magic is zero and the link serves no record.
 */
static void capture(const struct mv_fault *f, uint32_t exc_return, const volatile uint32_t *frame)
{
	struct mvb_crash *c = &mv_crash_rec;
	uint32_t *w = (uint32_t *)c;
	const uint32_t *callee = (const uint32_t *)((uintptr_t)mv_fault_stack + FAULT_STACK_BYTES - 32u);

	for (uint32_t i = 0; i < MVB_CRASH_HEAD / 4u; i++)
		w[i] = 0;
	c->cr_exc_return = exc_return;
	c->cr_cfsr = f->cfsr;
	c->cr_hfsr = f->hfsr;
	c->cr_sfsr = f->sfsr;
	c->cr_bfar = f->bfar;
	c->cr_sfar = MV_REG(SAU_SFAR);
	c->cr_cfsr_ns = MV_REG(SCB_CFSR + MV_NS_ALIAS);
	c->cr_mmfar_ns = MV_REG(SCB_MMFAR + MV_NS_ALIAS);
	__asm__ volatile("mrs %0, msp_ns\n\tmrs %1, psp_ns\n\tmrs %2, control_ns"
	                 : "=r"(c->cr_msp_ns), "=r"(c->cr_psp_ns), "=r"(c->cr_control_ns));
	if (frame == 0 || (exc_return & EXC_RETURN_S) != 0u)
		return;
	uint32_t flags = MVB_CRASH_F_FRAME | (f->psp ? MVB_CRASH_F_PSP : 0u);

	for (uint32_t i = 0; i < 4u; i++)
		c->cr_r[i] = frame[i];
	c->cr_r[12] = frame[4];
	c->cr_lr = frame[5];
	c->cr_pc = frame[6];
	c->cr_xpsr = frame[7];
	if (c->cr_xpsr & 0x1ffu)
		flags |= MVB_CRASH_F_HANDLER;
	if ((exc_return & EXC_RETURN_FTYPE) == 0u) {
		/* The app had FP state: still in the registers (the lazy
		 * stacking was dropped, nothing stacked it), and never secure
		 * values (secure code does not compute in FP registers). */
		__asm__ volatile("vstmia %1, {s0-s31}\n\tvmrs %0, fpscr" : "=r"(c->cr_fpscr) : "r"(c->cr_s) : "memory");
		flags |= MVB_CRASH_F_FP;
	}
	if (exc_return & EXC_RETURN_DCRS) { /* not stacked: live at the entry */
		for (uint32_t i = 0; i < 8u; i++)
			c->cr_r[4u + i] = callee[i];
		flags |= MVB_CRASH_F_CALLEE;
	}
	/* The sp the app had: past the basic frame, the FP part and the
	 * alignment word (xPSR bit 9). */
	uint32_t sp = (uint32_t)(uintptr_t)frame + 32u + ((exc_return & EXC_RETURN_FTYPE) ? 0u : 72u) +
	              ((c->cr_xpsr >> 7) & 4u);
	uint32_t end = MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE;

	c->cr_sp = sp;
	if (sp < end) {
		uint32_t n = end - sp < MVB_CRASH_STACK_MAX ? end - sp : MVB_CRASH_STACK_MAX;

		for (uint32_t i = 0; i < n; i++)
			c->cr_stack[i] = ((const volatile uint8_t *)(uintptr_t)sp)[i];
		c->cr_stack_addr = sp;
		c->cr_stack_len = n;
		flags |= MVB_CRASH_F_STACK;
	}
	c->cr_flags = flags;
}
#else
#define capture(f, e, fr) ((void)(fr))
#endif

/* The app may have crashed inside one of its own handlers: drop the
 * non-secure system handlers' active state.  Non-zero if nothing but the
 * current exception is active now; an app IRQ handler cannot be
 * deactivated from outside, and a restart would leave it stuck. */
static int unwind_ns(void)
{
	MV_REG(SCB_SHCSR + MV_NS_ALIAS) = 0;
#ifdef MV_UPDATE
	MV_REG(SCB_SHCSR) &= ~(SHCSR_SVCALLACT | SHCSR_SVCALLPENDED); /* a halt (core/debug.c) is dropped */
#endif
	MV_REG(SCB_ICSR) = ICSR_PENDSVCLR;
	mv_barrier();
	return (MV_REG(SCB_ICSR) & ICSR_RETTOBASE) != 0u;
}

/*
 * Unwinding app interrupt handlers that are still active.  An active NVIC
 * interrupt cannot be deactivated from outside; only its own exception
 * return does that.  So the microvisor makes the app return from it: it
 * returns from its fault into the app's handler mode through a frame of
 * its own making whose pc is a 'bx lr' of the app image and whose lr is
 * an EXC_RETURN to thread mode, on a scratch stack at the top of app RAM
 * (the app is being restarted: its RAM is not kept).  The app's return
 * pops a second frame whose pc is a secure non-gateway address, so the
 * next thing the core does is a SecureFault at a known pc, which lands
 * here with the interrupt deactivated.  One round per active interrupt,
 * innermost first (the highest priority), at most UNWIND_ROUNDS; app
 * interrupts stay masked (BASEPRI_S) all along.  Then the fault (or the
 * restart request) goes on as if it had come from thread mode.
 */
#define UNWIND_ROUNDS 8u
#define NVIC_WORDS ((MVB_BOARD_NVIC_IRQS + 31u) / 32u)

static struct {
	uint32_t active;  /* an unwind is in progress */
	uint32_t rounds;  /* rounds done */
	uint32_t restart; /* resume as a restart request, not a fault */
	struct mv_fault f;
} unw MV_BSS_APART(unw);

/* The innermost active app interrupt (the highest priority among the
 * active ones), as an IRQ number; -1 if none. */
static int32_t innermost_ns_irq(void)
{
	int32_t best = -1;
	uint32_t best_prio = 0x100u;

	for (uint32_t irq = 0; irq < 32u * NVIC_WORDS; irq++) {
		uint32_t w = irq / 32u;

		if ((((MV_REG(NVIC_IABR(w)) & MV_REG(NVIC_ITNS(w))) >> (irq % 32u)) & 1u) &&
		    MV_REG8(NVIC_IPR(irq)) < best_prio) {
			best_prio = MV_REG8(NVIC_IPR(irq));
			best = (int32_t)irq;
		}
	}
	return best;
}

__attribute__((noreturn)) static void unwind_exit(uint32_t msp_ns)
{
	/* Fresh fault stack, app exceptions masked, every register cleared
	 * (r4-r11 would carry secure values), return to the app's handler
	 * mode on MSP_NS with a basic frame: EXC_RETURN 0xFFFFFFB1. */
	__asm__ volatile("msr msp_ns, %0\n\t"
	                 "ldr r0, =mv_fault_stack + %c1\n\t"
	                 "msr msp, r0\n\t"
	                 "movs r0, #%c2\n\t"
	                 "msr basepri, r0\n\t"
	                 "ldr lr, =0xffffffb1\n\t"
	                 "b mv_arch_ns_return\n\t"
	                 ".ltorg\n\t" ::"r"(msp_ns),
	                 "i"(FAULT_STACK_BYTES), "i"(PRIO_APP_MASK)
	                 : "memory");
	__builtin_unreachable();
}

/* One round: 0 if it cannot be done (no gadget, nothing active, too many
 * rounds), else it does not return. */
static int unwind_step(void)
{
	int32_t irq = innermost_ns_irq();

	if (mv_unwind_gadget == 0u || irq < 0 || unw.rounds >= UNWIND_ROUNDS)
		return 0;
	unw.rounds++;
	/* Frame A (into the handler, at an 8-aligned base), then what the
	 * gadget pops (for 'pop {n, pc}': n words and the EXC_RETURN, with
	 * A's xPSR[9] padding so that frame C lands 8-aligned), then frame C
	 * (out of the handler: the trap).  84 bytes at most, near the top of
	 * app RAM. */
	const uint32_t exc_return = 0xFFFFFFB8u; /* to thread mode, MSP_NS, basic frame */
	uint32_t base = (MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE - 128u) & ~7u;
	uint32_t bx = mv_unwind_pops == 0xffu, n = bx ? 0u : mv_unwind_pops;
	uint32_t pad = (!bx && (n & 1u) == 0u) ? 4u : 0u;
	volatile uint32_t *q = (volatile uint32_t *)(uintptr_t)base;

	mv_arch_frame(q, exc_return /* lr, for 'bx lr' */, mv_unwind_gadget,
	              0x01000000u | (pad ? (1u << 9) : 0u) | (16u + (uint32_t)irq));
	q += 8u + pad / 4u;
	if (!bx) {
		for (uint32_t i = 0; i < n; i++)
			*q++ = 0;
		*q++ = exc_return; /* into pc: an exception return */
	}
	mv_arch_frame(q, 0, MV_UNWIND_TRAP, 0x01000000u);
	__asm__ volatile("msr msplim_ns, %0" ::"r"(0u));
	/* Thread mode may be returned to while other handlers stay active. */
	MV_REG(SCB_CCR + MV_NS_ALIAS) |= CCR_NONBASETHRDENA;
	mv_barrier();
	unwind_exit(base);
}

/* Start unwinding for the fault (or restart request) `f`: the first
 * round does not return; if none can be done, the caller goes on. */
static void unwind_begin(const struct mv_fault *f, uint32_t restart)
{
	unw.f = *f;
	unw.restart = restart;
	unw.rounds = 0;
	unw.active = 1;
	unwind_step();
	unw.active = 0;
}

/* A fault arrived during an unwind.  The trap at MV_UNWIND_TRAP means the
 * round worked; anything else means the app's handler could not be
 * returned from: give up (safe mode, as before). */
__attribute__((noreturn)) static void unwind_resume(const struct mv_fault *now)
{
	int trapped = now->frame_ok && (now->sfsr & MV_SFSR_INVEP) && now->pc == MV_UNWIND_TRAP;

	if (trapped && !unwind_ns() && unwind_step() == 0)
		trapped = 0;
	unw.active = 0;
	unw.f.nested = !trapped || !unwind_ns();
	if (unw.restart)
		mv_arch_reenter_from_handler(mv_on_restart_request(&unw.f));
	mv_arch_reenter_from_handler(mv_on_app_fault(&unw.f));
}

void mv_arch_fault(uint32_t exc_return, uint32_t msp_s, uint32_t psp_s, uint32_t msplim_s)
{
	struct mv_fault f = {0};

#ifdef MV_UPDATE
	/* A BKPT of the debug agent's in the app's code (it escalates to
	 * HardFault; the pc is a breakpoint in place: nothing else faults
	 * there): the app goes on, halted or over it.  Before the FP state is touched: it is the app's still. */
	if (mv_ipsr() == EXC_HARDFAULT && (exc_return & EXC_RETURN_S) == 0u) {
		volatile uint32_t *fr = mv_arch_ns_frame(exc_return);

		if (fr != 0 && mv_debug_trap(fr, (exc_return & 0x8u) && !mv_arch_app_masked())) {
			MV_REG(SCB_HFSR) = MV_REG(SCB_HFSR);
			fault_return(exc_return, msp_s, msplim_s);
		}
	}
#else
	(void)msplim_s;
#endif
	/* Before anything that could touch an FP register. */
	mv_arch_fp_discard();

	f.exc = mv_ipsr();
	if (f.exc == EXC_PENDSV) {
		/* The restart asked for by mv_restart_app() (PendSV_S): it
		 * enters here too, so it runs on the fault stack (the context
		 * stack it interrupts is the app's to fill).  The app's own
		 * fault status goes with it, for a reported crash. */
		f.cfsr = MV_REG(SCB_CFSR + MV_NS_ALIAS);
		f.hfsr = MV_REG(SCB_HFSR + MV_NS_ALIAS);
#ifdef MV_UPDATE
		if (mv_restart_is_crash()) /* the watchdog's: where the app hung */
			capture(&f, exc_return, read_frame(exc_return, msp_s, psp_s, &f));
#endif
		f.nested = !unwind_ns();
		if (f.nested)
			unwind_begin(&f, 1);
		mv_arch_reenter_from_handler(mv_on_restart_request(&f));
	}

	struct mv_fault_facts ff = {0};

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

	const volatile uint32_t *frame = read_frame(exc_return, msp_s, psp_s, &f);

	if (!unw.active)
		capture(&f, exc_return, frame);
	if (f.from_ns && f.exc == EXC_HARDFAULT) {
		/* An escalated app fault: the cause sits in the app's own bank
		 * of CFSR (UsageFault and MemManage status are banked). */
		f.extra_name = "CFSR_NS";
		f.extra = MV_REG(SCB_CFSR + MV_NS_ALIAS);
		MV_REG(SCB_CFSR + MV_NS_ALIAS) = f.extra;
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

	if (unw.active)
		unwind_resume(&f);
	f.nested = !unwind_ns();
	if (f.nested && f.from_ns)
		unwind_begin(&f, 0);
	mv_arch_reenter_from_handler(mv_on_app_fault(&f));
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
	volatile uint8_t *prio = &MV_REG8(SCB_SHPR3 + 2u); /* PendSV's: SHPR3 is byte-accessible */

	if (now || !(MV_REG(SCB_ICSR) & ICSR_PENDSVSET) || *prio != PRIO_RESTART)
		*prio = now ? PRIO_RESTART : PRIO_RESTART_LATER;
	MV_REG(SCB_ICSR) = ICSR_PENDSVSET;
	mv_barrier();
}
