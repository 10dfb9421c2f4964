/*
 * arch.h - the Armv8-M (TrustZone-M) layer as the core and ports see it:
 * SAU, NVIC targeting, non-secure pointer checks, the tick, entering and
 * restarting the non-secure app.  Implemented in firmware/arch/armv8m and
 * faked in firmware/host.
 */
#ifndef MV_ARCH_H
#define MV_ARCH_H

#include <stdint.h>

struct mv_app_entry;

struct mv_sau_region {
	uint32_t base;  /* first byte, 32-byte aligned */
	uint32_t limit; /* last byte, limit + 1 32-byte aligned */
	uint32_t nsc;   /* 1: non-secure callable, 0: non-secure */
};

/* Core set-up that does not depend on the board: fault handlers on,
 * secure priorities above non-secure ones, reset request secure-only,
 * FPU shared with NS without leaking, tick timer.  Reads back. */
uint32_t mv_arch_cpu_init(uint32_t cpu_hz);

/* Program the SAU with exactly these regions (others disabled), enable it,
 * read back. */
uint32_t mv_arch_sau_init(const struct mv_sau_region *r, uint32_t n);

/* NVIC: IRQ n targets the app iff bit n of `irq_ns` is set; previously
 * app-owned IRQs are disabled and cleared first.  Reads back ITNS. */
uint32_t mv_arch_irq_target(const uint32_t *irq_ns, uint32_t words);

/* A microvisor-owned interrupt: secure, enabled, at `prio` (a secure
 * priority, above every app one). */
void mv_arch_irq_secure_enable(uint32_t irq, uint32_t prio);
/* Drop a secure interrupt's pending state once its source is quiet. */
void mv_arch_irq_ack(uint32_t irq);

/* Non-zero if the non-secure caller of the current secure call may read
 * (write) every byte of [p, p + len).  len 0 and NULL are refused. */
int mv_arch_ns_readable(const void *p, uint32_t len);
int mv_arch_ns_writable(void *p, uint32_t len);
/* Non-zero if the current secure call came from a non-secure handler. */
int mv_arch_caller_is_handler(void);

/* Secure context stacks (mv/core.h, mv_sctx_*): the initial stack pointer
 * (just below the stack's seal) and the limit of context `i`; PSP_S now;
 * load context `i` with stack pointer `sp` (PSP_S and PSPLIM_S). */
uint32_t mv_arch_sctx_top(uint32_t i);
uint32_t mv_arch_sctx_bottom(uint32_t i);
uint32_t mv_arch_sctx_sp(void);
void mv_arch_sctx_switch(uint32_t i, uint32_t sp);

/* Hold off the link's receive interrupt while a frame goes out (it
 * answers requests on the same wire); nests.  Returns what unlock takes. */
uint32_t mv_arch_link_lock(void);
void mv_arch_link_unlock(uint32_t key);

uint32_t mv_arch_ticks(void);
void mv_arch_wait_irq(void);

/* Ask for a restart of the app from a secure call: pends the restart
 * exception, which calls mv_on_restart_request().  `now`: at once (a
 * crash); otherwise once no app handler is active and the app has
 * interrupts unmasked (a planned restart).  Returns if it is not taken
 * yet. */
void mv_arch_request_restart(int now);

/* Wipe the non-secure core state left by a previous run of the app. */
void mv_arch_ns_reset(uint32_t ram_base);

/* VTOR_NS, MSP_NS, stack limits, then BLXNS to the reset handler.  If the
 * app ever returns, the core hears of it as MV_R_APP_RETURNED. */
void mv_arch_enter_ns(const struct mv_app_entry *e, uint32_t ram_base) __attribute__((noreturn));

/* Keep the core quiet for good (interrupts off, WFI loop). */
void mv_arch_park(void) __attribute__((noreturn));

/* The secure contexts' stack memory, 8-byte aligned, for the update
 * client while no app runs (nothing else may hold it then). */
void *mv_arch_scratch(uint32_t *bytes);
/* fn(arg) with the first 'bytes' of that memory as its stack (thread
 * mode, MSP; no app runs): for the deep P-256 verifier, which the boot
 * stack cannot hold, while the update client keeps data above it. */
void mv_arch_run_on_scratch(void (*fn)(void *), void *arg, uint32_t bytes);
/* fn(arg) on the stack [bottom, top) (top 8-aligned), from any mode. */
void mv_arch_run_on(void (*fn)(void *), void *arg, uint32_t top, uint32_t bottom);
/* A counter that runs at the core clock (its low bits are timing noise). */
uint32_t mv_arch_jitter(void);

#endif
