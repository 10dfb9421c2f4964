/*
 * rtos - a real preemptive multitasker on the app side, knowing only what
 * any RTOS knows: SysTick slices time, PendSV switches between three
 * threads (one computing in the FPU), and every thread makes secure calls
 * in a loop, so the scheduler preempts and switches threads inside secure
 * calls thousands of times.  Built three ways (RTOS_MODE):
 *
 *   1 LOCKED   no secure contexts; each call is entered with PRIMASK set
 *              (mv_irq_save), the rule for schedulers that load none
 *   2 TZ       each thread gets its own secure context (TZ_* calls from
 *              thread creation and from PendSV), calls entered plainly
 *   3 HOSTILE  neither: plain calls from every thread on the shared
 *              context, a switch at every tick.  The app may corrupt
 *              itself; the microvisor must not fault, and must serve a
 *              planned restart afterwards.
 *
 * It runs RTOS_RUN_MS of microvisor time, then checks that every thread
 * made progress and every call returned a documented status.
 */
#include <stdint.h>

#include "testapp.h"

#ifndef RTOS_MODE
#define RTOS_MODE 1
#endif
#define LOCKED 1
#define TZ 2
#define HOSTILE 3

#define RTOS_RUN_MS 5000u
#define NTHREADS 3u
#define STACK_WORDS 512u
#define SLICE_CYCLES 2000u /* 80 us at 25 MHz: many slices per call loop */

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SHPR3 (*(volatile uint32_t *)0xE000ED20u)

struct thread {
	uint32_t sp;  /* saved PSP: {EXC_RETURN, r4-r11} [s16-s31] then the frame */
	uint32_t ctx; /* secure context (TZ mode) */
	volatile uint32_t loops;
	volatile uint32_t bad; /* calls that returned an undocumented status */
	volatile uint32_t busy; /* MV_EBUSY answers */
};

static uint32_t stacks[NTHREADS][STACK_WORDS] __attribute__((aligned(8)));
static uint32_t idle_stack[64] __attribute__((aligned(8)));
#define IDLE NTHREADS
static struct thread th[NTHREADS];
static volatile uint32_t cur;
static volatile uint32_t slices, in_secure, switches, tz_refused;
static volatile uint32_t handler_calls, handler_bad;
static volatile uint32_t sched_on, sched_start, odd_returns;

/* Enter a call the way this mode's scheduler demands. */
#if RTOS_MODE == LOCKED
#define CALL(expr)                                                                                                     \
	({                                                                                                             \
		uint32_t pm_ = mv_irq_save();                                                                          \
		__typeof__(expr) r_ = (expr);                                                                          \
		mv_irq_restore(pm_);                                                                                   \
		r_;                                                                                                    \
	})
#else
#define CALL(expr) (expr)
#endif

static void status_ok(struct thread *t, int32_t r, int32_t want)
{
	if (r == MV_EBUSY)
		t->busy++;
	else if (r != want)
		t->bad++;
}

static int report(void)
{
	int ok = 1;

	mv_print_dec("rtos: slices ", slices);
	mv_print_dec("rtos: switches ", switches);
	mv_print_dec("rtos: slices ending inside a secure call ", in_secure);
	mv_print_dec("rtos: secure calls from the tick handler ", handler_calls);
	for (uint32_t i = 0; i < NTHREADS; i++) {
		mv_print_dec("rtos: thread loops ", th[i].loops);
		mv_print_dec("rtos: thread busy answers ", th[i].busy);
		if (th[i].loops < 100u || th[i].bad != 0u)
			ok = 0;
	}
	mv_print_dec("rtos: busy answers, all threads ", th[0].busy + th[1].busy + th[2].busy);
	mv_print_dec("rtos: undocumented statuses ", th[0].bad + th[1].bad + th[2].bad + handler_bad);
	if (in_secure < 1000u)
		ok = 0; /* the point is preemption inside secure calls */
	mv_print_dec("rtos: ticks over thread mode on MSP ", odd_returns);
	mv_print_dec("rtos: context calls refused ", tz_refused);
	if (handler_bad != 0u || tz_refused != 0u)
		ok = 0;
	return ok;
}

/* Thread 0: the console and the pointer checks. */
static void t_log(void)
{
	struct thread *t = &th[0];
	static const char line[] = "t0 alive\n";

	for (;;) {
		int32_t r = CALL(mv_log(line, (t->loops & 1023u) == 0u ? sizeof line - 1u : 0u));

		status_ok(t, r, MV_OK);
		r = CALL(mv_log((const char *)0x38200000u, 4u)); /* secure RAM: refused, never read */
		status_ok(t, r, MV_EFAULT);
		t->loops++;
	}
}

/* Thread 1: the FPU, and mv_info into its own stack. */
static void t_fpu(void)
{
	struct thread *t = &th[1];
	volatile float f = 0.0f;

	for (;;) {
		struct mv_info mi;

		f = f + 1.0f;
		if ((uint32_t)f != (t->loops & 0xffffu) + 1u)
			t->bad++; /* FP state lost or mixed up across a switch */
		if ((t->loops & 0xffffu) == 0xffffu)
			f = 0.0f;
		int32_t r = CALL(mv_info(&mi, sizeof mi));

		status_ok(t, r, (int32_t)sizeof mi);
		if (r == (int32_t)sizeof mi && mi.mi_abi != MV_ABI)
			t->bad++;
		t->loops++;
	}
}

/* Thread 2: sleeps and the clock; ends the run. */
static void t_wait(void)
{
	struct thread *t = &th[2];
	uint32_t start = mv_ticks();

	for (;;) {
		int32_t r = CALL(mv_wait((t->loops & 3u) == 0u ? 1u : 0u));

		status_ok(t, r, MV_OK);
		uint32_t v = CALL(mv_version());

		if (v != MV_ABI)
			t->bad++;
		t->loops++;
		if (mv_ticks() - start >= RTOS_RUN_MS) {
			/* No more slices: this thread runs alone from here.  With
			 * interrupts masked, and the tick's pending bit cleared
			 * as well as PendSV's: a tick that was already pending
			 * when the timer stopped would switch to thread 0 for
			 * good (the run then hung, thread 0 alone). */
			__asm__ volatile("cpsid i" ::: "memory");
			SYST_CSR = 0;
			ICSR = (1u << 25) | (1u << 27); /* PENDSTCLR, PENDSVCLR */
			__asm__ volatile("dsb\n\tisb\n\tcpsie i" ::: "memory");
			int ok = report();

			mv_print(ok ? "rtos: all threads ran, every status documented\n" : "rtos: FAILED\n");
			if (!ok && RTOS_MODE != HOSTILE)
				(void)mv_exit(1);
			(void)mv_restart_app(MV_RESTART_REQUEST);
			(void)mv_exit(2);
		}
	}
}

static void (*const entry[NTHREADS])(void) = {t_log, t_fpu, t_wait};

/* The scheduler's choice, called from PendSV with the outgoing stack. */
uint32_t rtos_switch(uint32_t sp) __attribute__((used));
uint32_t rtos_switch(uint32_t sp)
{
	if (cur == IDLE) {
		cur = 0; /* the first switch: main's context is dropped */
	} else {
		th[cur].sp = sp;
#if RTOS_MODE == TZ
		if (!TZ_StoreContext_S(th[cur].ctx))
			tz_refused++;
#endif
		cur = (cur + 1u) % NTHREADS;
	}
	switches++;
#if RTOS_MODE == TZ
	if (!TZ_LoadContext_S(th[cur].ctx))
		tz_refused++;
#endif
	return th[cur].sp;
}

__attribute__((naked)) void PendSV_Handler(void)
{
	__asm__ volatile("mrs r0, psp\n\t"
	                 "tst lr, #0x10\n\t"
	                 "it eq\n\t"
	                 "vstmdbeq r0!, {s16-s31}\n\t"
	                 "mov r2, lr\n\t"
	                 "stmdb r0!, {r2, r4-r11}\n\t"
	                 "bl rtos_switch\n\t"
	                 "ldmia r0!, {r2, r4-r11}\n\t"
	                 "tst r2, #0x10\n\t"
	                 "it eq\n\t"
	                 "vldmiaeq r0!, {s16-s31}\n\t"
	                 "msr psp, r0\n\t"
	                 "bx r2\n\t");
}

void rtos_tick(uint32_t exc_return) __attribute__((used));
void rtos_tick(uint32_t exc_return)
{
	/* A tick before this start's scheduler runs: the timer of a run the
	 * microvisor restarted (QEMU 7.2 lets it stop no app SysTick).  It
	 * can come before the start-up code zeroes .bss, over the first
	 * instruction (thread mode on MSP), with sched_on still set by the
	 * run before: the start number tells. */
	if (!sched_on) {
		SYST_CSR = 0;
		return;
	}
	/* The threads run on PSP: a tick over NS thread mode on MSP in this
	 * start would mean an exception return the microvisor got wrong.
	 * Counted and reported. */
	if ((exc_return & 0x4cu) == 0x08u) {
		struct mv_info now;

		if (mv_info(&now, sizeof now) == (int32_t)sizeof now && now.mi_starts != sched_start) {
			sched_on = 0;
			SYST_CSR = 0;
			return;
		}
		odd_returns++;
	}
	slices++;
	if (exc_return & (1u << 6))
		in_secure++; /* the slice ended inside a secure call */
	if ((slices & 15u) == 0u) {
		/* Secure calls from an interrupt handler too (on the
		 * microvisor's handler stack, nested over any thread's call). */
		struct mv_info mi;
		int32_t r = mv_info(&mi, sizeof mi);

		handler_calls++;
		if (r != (int32_t)sizeof mi && r != MV_EBUSY)
			handler_bad++;
	}
#if RTOS_MODE == HOSTILE
	ICSR = 1u << 28; /* switch at every tick */
#else
	if ((slices & 1u) == 0u)
		ICSR = 1u << 28;
#endif
}

__attribute__((naked)) void SysTick_Handler(void)
{
	__asm__ volatile("push {r0, lr}\n\t"
	                 "mov r0, lr\n\t"
	                 "bl rtos_tick\n\t"
	                 "pop {r0, pc}\n\t");
}

static void thread_init(uint32_t i)
{
	uint32_t *sp = &stacks[i][STACK_WORDS];

	*--sp = 0x01000000u;              /* xPSR: Thumb */
	*--sp = (uint32_t)entry[i];       /* pc */
	*--sp = 0xFFFFFFFFu;              /* lr: a thread never returns */
	for (uint32_t r = 0; r < 5u; r++) /* r12, r3-r0 */
		*--sp = 0;
	for (uint32_t r = 0; r < 8u; r++) /* r11-r4 */
		*--sp = 0;
	*--sp = 0xFFFFFFBCu; /* EXC_RETURN: NS thread, PSP, basic frame */
	th[i].sp = (uint32_t)sp;
#if RTOS_MODE == TZ
	th[i].ctx = TZ_AllocModuleContext_S(1u);
	if (th[i].ctx == 0u)
		tz_refused++;
#endif
}

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u) {
		mv_print_dec("rtos: served another start after the run, start ", info.mi_starts);
		return 0;
	}
#if RTOS_MODE == TZ
	if (TZ_InitContextSystem_S() != 1u)
		tz_refused++;
	if (TZ_LoadContext_S(0u) != 0u)
		tz_refused++; /* from thread mode it must be refused */
#endif
	for (uint32_t i = 0; i < NTHREADS; i++)
		thread_init(i);
	SHPR3 = (0xC0u << 24) | (0xFFu << 16); /* PendSV lowest, SysTick just above */

	/* main becomes the idle context: the first switch saves it nowhere
	 * and starts thread 0; it never runs again. */
	cur = IDLE;
	__asm__ volatile("msr psp, %0\n\t"
	                 "msr control, %1\n\t"
	                 "isb" ::"r"(&idle_stack[64]),
	                 "r"(2u)
	                 : "memory");
	sched_start = info.mi_starts;
	sched_on = 1;
	SYST_RVR = SLICE_CYCLES - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* processor clock, interrupt, enable */
	for (;;)
		__asm__ volatile("wfi");
}
