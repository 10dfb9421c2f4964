/*
 * sctx_int.h - how the secure entry points (entry.c) open and close a
 * call: private to firmware/arch/armv8m.
 */
#ifndef MV_SCTX_INT_H
#define MV_SCTX_INT_H

#include <stdint.h>

#define MV_CALL_BUSY 0xffffffffu   /* refused: the context has a call in progress */
#define MV_CALL_HANDLER 0x80000000u /* called from an app exception handler */

/* Mask app interrupts; from thread mode also claim the loaded context.
 * Returns the token for mv_arch_call_end, or MV_CALL_BUSY. */
uint32_t mv_arch_call_begin(void);
void mv_arch_call_end(uint32_t token);
/* Inside a call: let app interrupts in (returns the caller's PRIMASK_NS),
 * and hold them off again. */
uint32_t mv_arch_call_open(uint32_t token);
void mv_arch_call_close(uint32_t primask_ns);

#endif
