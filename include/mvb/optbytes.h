/*
 * optbytes.h - a board's option bytes as mvbuild checks them through a
 * probe (`flash`, before anything is written) and provisions them
 * (`provision`).  The rule itself is src/optbytes/mvo.h, which the
 * firmware links too; this module adds what the board's manifest asks
 * for, the words for each item that is wrong, and the OpenOCD commands
 * that put them right.  Only boards whose flash is gated by STM32U5
 * watermarks (gate controller flash-wm) have option bytes here.
 *
 * Never a write-protection (WRP) or readout-protection raise: OpenOCD
 * 0.12 can make WRP permanent on the U5, and RDP above level 0 locks the
 * probe out.  Pure functions over memory; the caller owns every buffer.
 */
#ifndef MVB_OPTBYTES_H
#define MVB_OPTBYTES_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/board.h"

#define MVB_OPTB_REGS 4 /* OPTR, SECBOOTADD0R, SECWM1R1, SECWM2R1 */

struct mvb_optb {
	uint32_t base_ns, base_s;     /* the flash controller in each alias */
	uint32_t off[MVB_OPTB_REGS];  /* the registers to read, from base */
	uint32_t secure_pages;        /* bank 1 pages below app_flash */
	uint32_t boot_addr;           /* the microvisor's vector table */
};

/* 1 and o filled when board b has option bytes this module knows, else 0. */
int mvb_optb_board(const struct mvb_board *b, struct mvb_optb *o);

/* Index of OPTR in off[] and in the values read: its TZEN decides which
 * alias the others are read through (the secure one only with TZEN on). */
#define MVB_OPTB_OPTR 0

/* What is wrong with the values read at off[] (v), one line per item
 * ("name: what it is, what it must be, how"), into out (always
 * terminated).  Returns the number of items wrong; *stuck counts those
 * no provisioning here may put right (RDP above level 0, a locked boot
 * address). */
unsigned mvb_optb_check(const struct mvb_optb *o, const uint32_t v[MVB_OPTB_REGS], char *out, size_t n,
			unsigned *stuck);

/* The OpenOCD commands (one a line, after 'init' and 'reset halt') that
 * put the items of v right, into out.  TrustZone first, alone: turning
 * it on resets the watermarks, so the rest waits for the next round.
 * With all set, every item is written as on a chip fresh from the
 * factory (TZEN off): both rounds, separated by a line "# then". */
void mvb_optb_openocd(const struct mvb_optb *o, const uint32_t v[MVB_OPTB_REGS], int all, char *out, size_t n);

#endif
