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
 */
#ifndef MV_API_H
#define MV_API_H

#include <stdint.h>

#include "status.h"

/* Secure-call ABI implemented by this SDK: major.minor, packed 16.16. */
#define MV_ABI_MAJOR 1u
#define MV_ABI_MINOR 0u
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
};

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
 * interrupt).  App interrupts still run meanwhile.  MV_EINVAL if ms is over
 * 60000.  Since 1.0. */
int32_t mv_wait(uint32_t ms);

/* Restart the app from its reset vector, with fresh peripherals and
 * interrupts.  `why` is MV_RESTART_REQUEST or MV_RESTART_CRASH.  Does not
 * return on success; MV_EINVAL for another `why`.  Since 1.0. */
int32_t mv_restart_app(uint32_t why);

/* Test builds only: end the emulator run with exit status `code` (0..63).
 * MV_EINVAL for a larger code, MV_ENOTSUP in production builds.  Since 1.0. */
int32_t mv_exit(uint32_t code);

#endif
