/*
 * armv8m.h (host) - what the stm32u585 port takes from the Armv8-M layer,
 * for its host build: no barriers, no system registers.  Every register
 * access of the port goes through U585_RD/U585_WR to the model
 * (u585_model.c), never through MV_REG.
 */
#ifndef MV_ARMV8M_H
#define MV_ARMV8M_H

#include <stdint.h>

#include "mv_board.h"

#define PRIO_VIOLATION 0x00u

static inline void mv_barrier(void)
{
}

#endif
