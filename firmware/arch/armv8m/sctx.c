/*
 * sctx.c - the secure context stacks and the way every secure call is
 * entered and left: app interrupts held off (BASEPRI_S), the loaded
 * context claimed for a call from app thread mode.  The bookkeeping
 * (which context is loaded, which are busy) is core/sctx.c.
 */
#include "armv8m.h"
#include "mv/arch.h"
#include "mv/core.h"
#include "sctx_int.h"

/* Depths, from -fstack-usage plus the frames the app can stack: a call
 * (mv_log is the deepest, ~0.3 KiB) and one exception frame with FP and
 * callee state (0.2 KiB) taken in the few instructions before a call
 * masks app interrupts.  Context 0 is shared, so every thread can leave
 * one such frame on it: it gets room for several. */
#define CTX0_BYTES 2048u
#define CTX_BYTES 768u

/* One block: context 0's stack, then the others.  While no app runs no
 * context is in use, and the update client borrows the block as its
 * scratch memory (mv_arch_scratch). */
static uint64_t ctx_mem[(CTX0_BYTES + (MV_SCTX_COUNT - 1u) * CTX_BYTES) / 8u] MV_BSS_APART(ctx_mem);

#define STACK_SEAL 0xFEF5EDA5u

void *mv_arch_scratch(uint32_t *bytes)
{
	*bytes = sizeof ctx_mem;
	return ctx_mem;
}

#ifdef MV_UPDATE
/* fn(arg) with MSP (and its limit) moved to [bottom, top), back after. */
__attribute__((naked)) void mv_arch_run_on(void (*fn)(void *) __attribute__((unused)),
                                           void *arg __attribute__((unused)), uint32_t top __attribute__((unused)),
                                           uint32_t bottom __attribute__((unused)))
{
	__asm__ volatile("push {r4, r5, r6, lr}\n\t"
	                 "mov r4, sp\n\t"
	                 "mrs r5, msplim\n\t"
	                 "movs r6, #0\n\t"
	                 "msr msplim, r6\n\t"
	                 "mov sp, r2\n\t"
	                 "msr msplim, r3\n\t"
	                 "isb\n\t"
	                 "mov r6, r0\n\t"
	                 "mov r0, r1\n\t"
	                 "blx r6\n\t"
	                 "movs r6, #0\n\t"
	                 "msr msplim, r6\n\t"
	                 "mov sp, r4\n\t"
	                 "msr msplim, r5\n\t"
	                 "isb\n\t"
	                 "pop {r4, r5, r6, pc}\n\t");
}

void mv_arch_run_on_scratch(void (*fn)(void *), void *arg, uint32_t bytes)
{
	uint32_t bottom = (uint32_t)(uintptr_t)ctx_mem;

	mv_arch_run_on(fn, arg, bottom + (bytes & ~7u), bottom);
}
#endif

/* Context 0's stack is [ctx_mem, +CTX0_BYTES), context i's the CTX_BYTES
 * after context i - 1's; an index out of range means context 0. */
uint32_t mv_arch_sctx_bottom(uint32_t i)
{
	uint32_t base = (uint32_t)(uintptr_t)ctx_mem;

	return i - 1u < MV_SCTX_COUNT - 1u ? base + CTX0_BYTES + (i - 1u) * CTX_BYTES : base;
}

uint32_t mv_arch_sctx_top(uint32_t i)
{
	uint32_t top = (uint32_t)(uintptr_t)ctx_mem + CTX0_BYTES + (i < MV_SCTX_COUNT ? i : 0u) * CTX_BYTES - 8u;
	uint32_t *seal = (uint32_t *)(uintptr_t)top;

	/* The top 8 bytes hold the stack seal: a return that pops past the
	 * last frame reads it and faults (integrity signature mismatch). */
	seal[0] = STACK_SEAL;
	seal[1] = STACK_SEAL;
	return top;
}

/*
 * Secure calls from app thread mode run on MSP_S: every secure exception
 * clears CONTROL_S.SPSEL and nothing sets it again before the app runs,
 * so the loaded context *is* MSP_S (and MSPLIM_S) while the app runs.
 * The microvisor's own handlers push onto it and pop before they return;
 * faults and restarts move to a stack of their own first.  A context
 * switch asked for during a call is applied by the entry point's exit
 * (mv_arch_call_exit), once the call's own frame is off the old stack;
 * the stack pointer a context is stored with is the one the call found
 * at its entry (mv_sctx_entry_sp, set by the same entry points).
 */
__attribute__((used)) uint32_t mv_sctx_pending[2]; /* stack pointer (0: no switch), limit */
__attribute__((used)) uint32_t mv_sctx_entry_sp;

uint32_t mv_arch_sctx_sp(void)
{
	return mv_sctx_entry_sp;
}

void mv_arch_sctx_switch(uint32_t i, uint32_t sp)
{
	mv_sctx_pending[1] = mv_arch_sctx_bottom(i);
	mv_sctx_pending[0] = sp;
}

/* The common exit of the secure calls: r0 holds the result, the call's
 * frame {r4, lr} (lr the return address) is still on the stack: popping
 * it here, not in each gateway, saves 4 bytes a gateway.  The context
 * calls enter at mv_arch_call_exit, which applies a pending switch (after
 * popping the frame from the stack it was pushed on); every other call at
 * mv_arch_call_clear, which never does: it may have interrupted a context
 * call between its switch being asked for and its exit (an app interrupt
 * above the scheduler's calling mv_info, say), and switching then would
 * pull the stack from under the frames it interrupted.  Both clear what
 * the CMSE return sequence clears and return to the app. */
__attribute__((naked)) void mv_arch_call_exit(void)
{
	__asm__ volatile("pop {r4, lr}\n\t"
	                 "ldr r1, =mv_sctx_pending\n\t"
	                 "ldr r2, [r1]\n\t"
	                 "cbz r2, 1f\n\t"
	                 "ldr r3, [r1, #4]\n\t"
	                 "movs r12, #0\n\t"
	                 "str r12, [r1]\n\t"
	                 "msr msplim, r12\n\t"
	                 "msr msp, r2\n\t"
	                 "msr msplim, r3\n\t"
	                 "isb\n\t"
	                 "movs r1, #0\n\t"
	                 "b 2f\n\t"
	                 ".global mv_arch_call_clear\n\t"
	                 ".type mv_arch_call_clear, %function\n"
	                 ".thumb_func\n"
	                 "mv_arch_call_clear:\n\t"
	                 "pop {r4, lr}\n"
	                 "1:\n\t"
	                 "movs r1, #0\n"
	                 "2:\n\t"
#ifdef MV_UPDATE
	                 /* The debug agent's halt, asked for while the app was
	                  * in this call (core/debug.c): taken here, in thread
	                  * mode, as if at the app's next instruction: its frame
	                  * {r0, 0, 0, 0, 0, lr, pc = lr, xPSR} and r4-r11 on
	                  * this stack, app interrupts at the lowest priority
	                  * held off meanwhile (BASEPRI 0xff), as the halt
	                  * exception's priority holds them off. */
	                 "ldr r2, =mv_dbg_state\n\t"
	                 "ldr r2, [r2]\n\t"
	                 "cmp r2, #1\n\t" /* MVL_DS_HALTING */
	                 "bne 4f\n\t"
	                 "mrs r2, ipsr\n\t"
	                 "cbnz r2, 4f\n\t" /* a call from an app handler: not here */
	                 "mov r2, lr\n\t"
	                 "mov r3, #0x01000000\n\t"
	                 "push {r2, r3}\n\t"
	                 "movs r2, #0\n\t"
	                 "movs r3, #0\n\t"
	                 "mov r12, r2\n\t"
	                 "push {r0-r3, r12, lr}\n\t"
	                 "mov r1, sp\n\t"
	                 "mrs r3, basepri\n\t"
	                 "push {r3-r11, lr}\n\t"
	                 "mov r0, sp\n\t"
	                 "mrs r2, control_ns\n\t"
	                 "tst r2, #2\n\t"
	                 "ite ne\n\t"
	                 "mrsne r2, psp_ns\n\t"
	                 "mrseq r2, msp_ns\n\t"
	                 "movs r3, #0xff\n\t"
	                 "msr basepri, r3\n\t"
	                 "bl mv_debug_halt_call\n\t"
	                 "pop {r3-r11, lr}\n\t"
	                 "msr basepri, r3\n\t"
	                 "ldr r0, [sp]\n\t"
	                 "ldr lr, [sp, #24]\n\t" /* pc: where the app goes on */
	                 "add sp, #32\n\t"
	                 "movs r1, #0\n"
	                 "4:\n\t"
#endif
	                 "mov r2, r1\n\t"
	                 "mov r3, r1\n\t"
	                 "mov r12, r1\n\t"
	                 "vmov s0, s1, r1, r1\n\t"
	                 "vmov s2, s3, r1, r1\n\t"
	                 "vmov s4, s5, r1, r1\n\t"
	                 "vmov s6, s7, r1, r1\n\t"
	                 "vmov s8, s9, r1, r1\n\t"
	                 "vmov s10, s11, r1, r1\n\t"
	                 "vmov s12, s13, r1, r1\n\t"
	                 "vmov s14, s15, r1, r1\n\t"
	                 "vmsr fpscr, r1\n\t"
	                 "msr APSR_nzcvq, r1\n\t"
	                 "bxns lr\n\t"
	                 ".ltorg\n\t");
}

uint32_t mv_arch_call_begin(void)
{
	uint32_t old, idx;

	__asm__ volatile("mrs %0, basepri" : "=r"(old));
	__asm__ volatile("msr basepri, %0\n\tisb" ::"r"(PRIO_APP_MASK) : "memory");
	if (mv_ipsr() != 0u)
		return old | MV_CALL_HANDLER; /* on MSP_S: app handlers nest, never switch */
	if (!mv_sctx_claim(&idx)) {
		__asm__ volatile("msr basepri, %0" ::"r"(old) : "memory");
		return MV_CALL_BUSY;
	}
	return old | ((idx + 1u) << 8);
}

void mv_arch_call_end(uint32_t token)
{
	__asm__ volatile("msr basepri, %0\n\tisb" ::"r"(PRIO_APP_MASK) : "memory");
	if ((token & MV_CALL_HANDLER) == 0u && (token >> 8) != 0u)
		mv_sctx_release((token >> 8) - 1u);
	__asm__ volatile("msr basepri, %0" ::"r"(token & 0xffu) : "memory");
}

uint32_t mv_arch_call_open(uint32_t token)
{
	uint32_t pm;

	/* mv_wait: the app's interrupts run while it sleeps, also when the
	 * caller masked them to enter the call safely. */
	__asm__ volatile("mrs %0, primask_ns" : "=r"(pm));
	__asm__ volatile("msr primask_ns, %0\n\t"
	                 "msr basepri, %1\n\t"
	                 "isb" ::"r"(0u),
	                 "r"(token & 0xffu)
	                 : "memory");
	return pm;
}

void mv_arch_call_close(uint32_t primask_ns)
{
	__asm__ volatile("msr basepri, %0\n\t"
	                 "msr primask_ns, %1\n\t"
	                 "isb" ::"r"(PRIO_APP_MASK),
	                 "r"(primask_ns)
	                 : "memory");
}
