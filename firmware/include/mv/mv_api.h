/*
 * mv_api.h - the microvisor's secure calls, for non-secure apps.
 *
 * Apps include this header and link the import library mv_implib.o, which
 * holds the absolute addresses of the secure gateway veneers.  Each call
 * enters the microvisor through its veneer (an SG instruction in
 * non-secure-callable memory) and comes back with every caller-saved
 * register and FP register cleared.
 *
 * ABI rules (CVE-2024-0151): every argument and result is a 32-bit word or a
 * pointer; no char/short/bool parameters, because a compiler may trust
 * sub-word extension done by the (untrusted) caller.  Pointers are checked
 * by the microvisor against the caller's own view of memory; a bad pointer
 * returns MV_EFAULT, it never faults.  Freestanding (<stdint.h> only).
 *
 * Threads (firmware/PORTING.md): every call may be made from app threads
 * and app interrupt handlers.  Calls from thread mode run on a secure
 * context: the shared one, or the calling thread's own once its RTOS uses
 * the TrustZone context calls below.  A call from thread mode that finds
 * another call in progress on its context returns MV_EBUSY at once.
 * Every call holds app interrupts off while it runs (mv_wait lets them in
 * while it sleeps); the worst cases are in the README.  A scheduler that
 * gives all threads the shared context must enter calls with PRIMASK set
 * (mv_irq_save/mv_irq_restore below), or a thread switch in the few
 * instructions before the microvisor masks interrupts can hand one
 * thread's registers to another.
 */
#ifndef MV_API_H
#define MV_API_H

#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Secure-call ABI implemented by this SDK: major.minor, packed 16.16. */
#define MV_ABI_MAJOR 1u
#define MV_ABI_MINOR 4u
#define MV_ABI_PACK(ma, mi) ((((uint32_t)(ma)&0xffffu) << 16) | ((uint32_t)(mi)&0xffffu))
#define MV_ABI MV_ABI_PACK(MV_ABI_MAJOR, MV_ABI_MINOR)

#define MV_LOG_MAX 128u /* longest message mv_log accepts */

/* mv_restart_app() arguments */
#define MV_RESTART_REQUEST 0u /* planned restart; does not count as a crash */
#define MV_RESTART_CRASH 1u   /* the app hit a fatal fault (e.g. its own HardFault handler) */

/* What mv_info() fills in; fields are only ever appended. */
struct mv_info {
	uint32_t mi_abi;         /* MV_ABI_PACK of the running microvisor */
	uint32_t mi_fw_version;  /* microvisor version, major.minor.patch as 8.8.16 bits */
	uint32_t mi_starts;      /* app starts since power-on, 1 on the first start */
	uint32_t mi_crashes;     /* crashes in a row before this start (0 after a clean start) */
	uint32_t mi_last_reason; /* reason code (mv/reason.h) of the last crash, 0 if none */
	uint32_t mi_ticks_hz;    /* rate of mv_ticks() */
	/* Since 1.3: the mv_ticks() value at which the microvisor stops the
	 * app for an update it was told of (update-defer in its manifest),
	 * 0 when none is waiting. */
	uint32_t mi_update_due;
	/* Since 1.4: the mv_ticks() value at which the release on trial after
	 * an install is decided (confirmed if its manifest says `confirm:
	 * after`, rejected and reverted if it says `confirm: explicit` and has
	 * not called mv_update_confirm()), 0 when it is not on trial. */
	uint32_t mi_trial_due;
};

/* All calls: MV_EBUSY as described above (ABI 1.1). */

/* ABI of the running microvisor, MV_ABI_PACK(major, minor).  Since 1.0. */
uint32_t mv_version(void);

/* Copy up to `size` bytes of struct mv_info to `out`; returns the number of
 * bytes written, MV_EINVAL if size is 0, MV_EFAULT for a bad pointer.  Since 1.0. */
int32_t mv_info(struct mv_info *out, uint32_t size);

/* Print `len` bytes of `msg` on the microvisor console (non-printing bytes
 * are shown as '?').  MV_OK, MV_EFAULT (NULL, secure, wrapping or unreadable
 * pointer) or MV_E2BIG (len > MV_LOG_MAX).  Since 1.0. */
int32_t mv_log(const char *msg, uint32_t len);

/* Milliseconds since the microvisor started; wraps after 49 days.  Since 1.0. */
uint32_t mv_ticks(void);

/* Sleep until at least `ms` milliseconds have passed (0: until the next
 * interrupt).  App interrupts still run meanwhile, also when the caller
 * entered with PRIMASK set; the call returns with the caller's PRIMASK.
 * MV_EINVAL if ms is over 60000.  Since 1.0. */
int32_t mv_wait(uint32_t ms);

/* Restart the app from its reset vector, with fresh peripherals and
 * interrupts.  `why` is MV_RESTART_REQUEST or MV_RESTART_CRASH.  A crash
 * restarts at once and the call does not return.  A planned restart is
 * taken once no app exception handler is active and the app's interrupts
 * are unmasked: from thread mode that is at once; from a handler, or with
 * PRIMASK set, the call returns MV_OK and the restart follows.  MV_EINVAL
 * for another `why`.  Since 1.0 (planned restarts from handlers: 1.1). */
int32_t mv_restart_app(uint32_t why);

/* Feed the app's watchdog (`watchdog:` in its manifest): the next
 * deadline runs from now.  A missed deadline restarts the app as a crash
 * (reason 0x4519).  MV_OK; without a declared watchdog it does nothing.
 * Touches one word, so it never waits for a secure context.  Since 1.1. */
int32_t mv_watchdog_feed(void);

/* Look for an update now: the microvisor stops the app (a planned
 * restart, taken as mv_restart_app's is: from thread mode at once, so the
 * call does not return; from a handler or with PRIMASK set it returns
 * MV_OK and the stop follows), asks the other end of its link for the
 * channel's latest release, installs it if it is newer and passes every
 * check, and starts the app again (the new release, or this one).
 * When the other end asks for an update and the app's manifest declares
 * `update-defer`, the app is not stopped at once: mv_info's
 * mi_update_due says by when it will be, and the app may finish its work
 * and call this to go at once; at mi_update_due it is stopped wherever it
 * is (masked interrupts and busy handlers do not hold it off).
 * MV_EBUSY: a session is already asked for (and not deferred), or the
 * app runs on trial after an install (ABI 1.4: no session until the
 * trial's outcome; UPDATE_NOW from the other end is declined too);
 * MV_ENOTSUP: this microvisor has no update client or no link (the
 * default mps2-an505 image; microvisor-ota.elf has one).  Since 1.2;
 * deferral since 1.3. */
int32_t mv_update_check(void);

/* Confirm the release on trial: the microvisor keeps it (and raises the
 * device's rollback floor to its security counter) instead of reverting
 * to the release it replaced.  An app whose manifest says `confirm:
 * explicit` must call it within its trial deadline after an install; one
 * that says `confirm: after` may, to end its trial early.  MV_OK when the
 * release is now confirmed or was not on trial; MV_ENOTSUP without an
 * update client.  It writes the device's update record once (a flash
 * erase and write) and never waits for a secure context.  Since 1.4. */
int32_t mv_update_confirm(void);

/* Test builds only: end the emulator run with exit status `code` (0..63).
 * MV_EINVAL for a larger code, MV_ENOTSUP in production builds.  Since 1.0. */
int32_t mv_exit(uint32_t code);

/*
 * The TrustZone context calls of CMSIS (tz_context.h), for RTOSes that give
 * each thread its own secure context (RTX, FreeRTOS's TrustZone ports,
 * Zephyr): the microvisor keeps MV_TZ_CONTEXTS contexts.  A thread whose
 * context was loaded makes its secure calls on it, so threads preempted
 * inside calls never share a secure stack.  Memory id 0 is the shared
 * context every thread starts on.  Results as CMSIS defines them: 1 on
 * success, 0 on failure; AllocModuleContext returns the id, 0 if none is
 * free.  Load and Store only from the scheduler's handler (PendSV); Load
 * stores the current context first.  Since 1.1.
 */
#define MV_TZ_CONTEXTS 7u

uint32_t TZ_InitContextSystem_S(void);
uint32_t TZ_AllocModuleContext_S(uint32_t module);
uint32_t TZ_FreeModuleContext_S(uint32_t id);
uint32_t TZ_LoadContext_S(uint32_t id);
uint32_t TZ_StoreContext_S(uint32_t id);

/* App-side helpers (no secure call): mask and restore the app's own
 * interrupts around a secure call, for schedulers that do not load
 * secure contexts. */
#if defined(__arm__)
static inline uint32_t mv_irq_save(void)
{
	uint32_t pm;

	__asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(pm)::"memory");
	return pm;
}

static inline void mv_irq_restore(uint32_t pm)
{
	__asm__ volatile("msr primask, %0" ::"r"(pm) : "memory");
}
#endif

#ifdef __cplusplus
}
#endif

#endif
