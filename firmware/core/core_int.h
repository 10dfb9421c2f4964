/*
 * core_int.h - state shared inside the core between the boot sequence and
 * the secure-call back ends.  Not for ports or the arch layer.
 */
#ifndef MV_CORE_INT_H
#define MV_CORE_INT_H

#include <stdint.h>

/* mv_restart_app() records why before pending the restart exception. */
void mv_boot_note_restart(uint32_t why);

/* Wait ms ticks, sleeping between them (boot.c). */
void mv_delay_ms(uint32_t ms);

#endif
