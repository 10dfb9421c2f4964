/*
 * core_int.h - state shared inside the core between the boot sequence and
 * the secure-call back ends.  Not for ports or the arch layer.
 */
#ifndef MV_CORE_INT_H
#define MV_CORE_INT_H

#include <stdint.h>

/* Record why the app restarts (mv_restart_app(), the watchdog, an update)
 * and pend the restart exception: now, or once no app handler is active
 * (mv_arch_request_restart). */
void mv_boot_restart(uint32_t why, int now);

/* Wait ms ticks, sleeping between them (boot.c). */
void mv_delay_ms(uint32_t ms);

#endif
