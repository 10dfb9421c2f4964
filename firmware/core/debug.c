/*
 * debug.c - the debug agent of the image with the update client
 * (mvbuild-link(5), DEBUGGING): halting the app, its registers while it
 * is halted, and software breakpoints in its flash.
 *
 * Halting.  HALT (or a breakpoint) asks the arch for its halt exception,
 * which sits below every app priority: it is taken only when the app runs
 * its own thread code with its interrupts unmasked, never in a handler;
 * over a secure call of the app's thread it is the call's exit that
 * halts, at the app's next instruction (the arch's sctx.c).  It calls
 * mv_debug_halt(), which waits, with the app's watchdog held, until
 * CONTINUE, RESTART or the session's end; the tick, the link and the
 * app's interrupt handlers preempt it all along.  The registers of the
 * halted code are its exception frame (r0-r3, r12, lr, pc, xPSR, in app
 * RAM) and r4-r11, which the exception left live and the arch saved.
 *
 * Breakpoints.  A breakpoint is a BKPT (0xbe00) written over the
 * instruction's first halfword; reached, it escalates to the secure
 * HardFault, which asks mv_debug_trap() before calling it a crash.  Each
 * is listed first in the breakpoint page of the device-state partition
 * (slots of 8 bytes: the replaced halfword with 0xffff above it while in
 * place, 0 once removed (clearing bits is the one write a slot needs
 * after its first), then the address), so that the instruction can always be
 * put back: at every app start (before the image is checked: a power cut
 * or a restart leaves no BKPT in it), at the session's end, and at a
 * breakpoint reached outside a session.  The page is erased when no slot
 * is free and none is in place.
 */
#include <mvb/le.h>
#include <mvb/link.h>

#include "core_int.h"
#include "mv/core.h"
#include "mv/mv_api.h"
#include "mv/port.h"
#include "mv_board.h"

volatile uint32_t mv_dbg_state;

static struct {
	uint32_t why;     /* MVL_DW_* of the halt */
	uint32_t skipped; /* breakpoints reached where the app could not halt */
	uint32_t *saved;  /* halted: r3-r11 and EXC_RETURN, as the arch saved them */
	volatile uint32_t *frame;
	uint32_t sp;
} dbg MV_BSS_APART(debug);

#define BKPT 0xbe00u

static int in(uint32_t a, uint32_t n, uint32_t base, uint32_t size)
{
	return a >= base && n <= size && a - base <= size - n;
}

#ifdef MV_PORT_SOFT_BREAK
#define PAGE MVB_PART_MV_STATE_ERASE_SIZE
#define BK_PAGE (MVB_PART_MV_STATE_BASE + 3u * PAGE) /* after the provisioning record and the update record */
#define SLOTS (PAGE / 8u)
_Static_assert(MVB_PART_MV_STATE_SIZE >= 8u * PAGE, "the breakpoint page lies below the patcher's spare page");

static const volatile uint32_t *slot(uint32_t i)
{
	return (const volatile uint32_t *)(uintptr_t)mv_port_flash_bytes(BK_PAGE + 8u * i, 8u);
}

/* A slot that holds a breakpoint in place (an erased one holds none). */
static int live(uint32_t i)
{
	return slot(i)[1] != 0xffffffffu && (slot(i)[0] >> 16) == 0xffffu;
}

/* The slot holding a breakpoint in place at addr, or SLOTS. */
static uint32_t find(uint32_t addr)
{
	uint32_t i = 0;

	for (; i < SLOTS; i++)
		if (slot(i)[1] == addr && live(i))
			break;
	return i;
}

static void put_back(uint32_t i)
{
	uint32_t w = slot(i)[0] & 0xffffu;

	(void)mv_port_debug_patch(slot(i)[1], (uint16_t)w);
	(void)mv_port_flash_write(BK_PAGE + 8u * i, &w, 4u);
}

static void put_back_all(void)
{
	for (uint32_t i = 0; i < SLOTS; i++)
		if (live(i) && in(slot(i)[1], 2u, MVB_PART_APP_FLASH_NS_BASE, MVB_PART_APP_FLASH_SIZE))
			put_back(i);
}

static uint32_t brk(uint32_t addr, uint32_t insert)
{
	uint32_t i = find(addr), n = 0, free = SLOTS;

	if ((addr & 1u) || !in(addr, 2u, MVB_PART_APP_FLASH_NS_BASE, MVB_PART_APP_FLASH_SIZE))
		return MVL_E_ACCESS;
	if (!insert || i < SLOTS) {
		if (!insert && i < SLOTS)
			put_back(i);
		return 0;
	}
	for (uint32_t j = SLOTS; j-- > 0u;) {
		n += (uint32_t)live(j);
		if ((slot(j)[0] & slot(j)[1]) == 0xffffffffu)
			free = j;
	}
	if (n >= MVL_BREAK_MAX || (free == SLOTS && n != 0u))
		return MVL_E_FULL;
	if (free == SLOTS) {
		if (mv_port_flash_erase(BK_PAGE) != MV_R_NONE)
			return MVL_E_FULL;
		free = 0;
	}
	uint32_t w[2] = {0xffff0000u | *(const volatile uint16_t *)(const void *)mv_port_ns_bytes(addr, 2u), addr};

	/* Listed, then written: a cut between the two leaves a slot whose
	 * halfword is what the flash holds.  The halfword's word goes first:
	 * a cut inside the slot's write leaves its address erased, a slot
	 * neither in place nor free. */
	if (mv_port_flash_write(BK_PAGE + 8u * free, w, 8u) != MV_R_NONE)
		return MVL_E_FULL;
	if (!mv_port_debug_patch(addr, BKPT))
		return MVL_E_UNSUPPORTED;
	return 0;
}
#else
#define put_back_all() ((void)0)
#define find(a) ((void)(a), 1u)
#define SLOTS 1u
#define put_back(i) ((void)0)
static uint32_t brk(uint32_t addr, uint32_t insert)
{
	(void)addr;
	(void)insert;
	return MVL_E_UNSUPPORTED; /* a flash that cannot take a halfword in place: hardware breakpoints, later */
}
#endif

void mv_debug_end(void)
{
	put_back_all();
	mv_dbg_state = MVL_DS_RUNNING;
}

void mv_debug_start(void)
{
	mv_debug_end();
	mv_boot_hold_watchdog(0); /* a restart from the halt */
}

static void ask_halt(uint32_t why)
{
	dbg.why = why;
	mv_dbg_state = MVL_DS_HALTING;
	mv_arch_debug_pend();
}

int mv_debug_trap(volatile uint32_t *frame, int haltable)
{
	uint32_t i = find(frame[6]);

	if (i >= SLOTS)
		return 0; /* no breakpoint of ours: the app's own BKPT */
	if (!mv_link_debugging())
		; /* left over from a session that ran out: its end put them all back */
	else if (!haltable) {
		put_back(i);
		dbg.skipped++;
	} else
		ask_halt(MVL_DW_BREAK);
	return 1;
}

/* Also the exit path's (the arch's asm, at the return of a secure call
 * asked to halt): there the frame is the arch's, on the secure stack, and
 * sp the app's as it is. */
__attribute__((used)) void mv_debug_halt_call(uint32_t *saved, volatile uint32_t *f, uint32_t sp)
{
	if (mv_dbg_state != MVL_DS_HALTING)
		return;
	dbg.saved = saved;
	dbg.frame = f;
	dbg.sp = sp;
	mv_dbg_state = MVL_DS_HALTED;
	mv_boot_hold_watchdog(1);
	while (mv_dbg_state == MVL_DS_HALTED && mv_link_debugging())
		mv_arch_wait_irq();
	mv_boot_hold_watchdog(0); /* running again: CONTINUE or the session's end said so */
}

/* The halt exception, over the app's thread code: its sp is past its
 * frame, the frame's FP part and the alignment word (xPSR bit 9). */
__attribute__((used)) void mv_debug_halt(uint32_t *saved) /* called from the arch's asm */
{
	volatile uint32_t *f = mv_arch_ns_frame(saved[9]);

	if (f != 0)
		mv_debug_halt_call(saved, f, (uint32_t)(uintptr_t)f + ((saved[9] & 0x10u) ? 32u : 104u) + ((f[7] >> 7) & 4u));
}

uint32_t mv_debug_request(uint32_t type, const uint8_t *p, uint32_t n, struct mvl_dstate *buf, const void **out,
                          uint32_t *len)
{
	volatile uint32_t *f = dbg.frame;
	struct mvl_dstate *d = buf;
	uint32_t *r = d->ld_regs.lg_r;

	if (!mv_boot_app_runs() && type != MVL_T_STATE)
		return MVL_E_RUNNING;
	switch (type) {
	case MVL_T_HALT:
		if (mv_dbg_state == MVL_DS_RUNNING)
			ask_halt(MVL_DW_REQUEST);
		return 0;
	case MVL_T_STATE:
		for (uint32_t i = 0; i < sizeof *d / 4u; i++)
			((uint32_t *)d)[i] = 0;
		d->ld_state = mv_boot_app_runs() ? mv_dbg_state : MVL_DS_NO_APP;
		d->ld_starts = mv_crash_state()->starts;
		d->ld_skipped = dbg.skipped;
		if (d->ld_state == MVL_DS_HALTED) {
			d->ld_why = dbg.why;
			for (uint32_t i = 0; i < 4u; i++)
				r[i] = f[i];
			for (uint32_t i = 4u; i < 12u; i++)
				r[i] = dbg.saved[i - 3u];
			r[12] = f[4];
			d->ld_regs.lg_sp = dbg.sp;
			d->ld_regs.lg_lr = f[5];
			d->ld_regs.lg_pc = f[6];
			d->ld_regs.lg_xpsr = f[7];
		}
		*out = d;
		*len = sizeof *d;
		return 0;
	case MVL_T_REGS: {
		const struct mvl_regs *g = (const struct mvl_regs *)(const void *)p;

		if (mv_dbg_state != MVL_DS_HALTED)
			return MVL_E_RUNNING;
		if (n != sizeof *g || g->lg_sp != dbg.sp)
			return MVL_E_BAD_REQUEST;
		for (uint32_t i = 0; i < 4u; i++)
			f[i] = g->lg_r[i];
		for (uint32_t i = 4u; i < 12u; i++)
			dbg.saved[i - 3u] = g->lg_r[i];
		f[4] = g->lg_r[12];
		f[5] = g->lg_lr;
		f[6] = g->lg_pc & ~1u;
		f[7] = (f[7] & ~0xf80f0000u) | (g->lg_xpsr & 0xf80f0000u);
		return 0;
	}
	case MVL_T_CONTINUE:
		if (mv_dbg_state == MVL_DS_HALTED)
			mv_dbg_state = MVL_DS_RUNNING;
		return 0;
	case MVL_T_MEM_READ:
	case MVL_T_MEM_WRITE: {
		if (n < 8u)
			return MVL_E_BAD_REQUEST;
		uint32_t a = mvb_get_le32(p), k = mvb_get_le16(p + 4);

		if (k - 1u >= MVL_MEM_MAX || (type == MVL_T_MEM_WRITE && n != 8u + k))
			return MVL_E_BAD_REQUEST;
		if (type == MVL_T_MEM_WRITE) {
			if (!in(a, k, MVB_PART_APP_RAM_NS_BASE, MVB_PART_APP_RAM_SIZE))
				return MVL_E_ACCESS;
			volatile uint8_t *q = (volatile uint8_t *)(uintptr_t)mv_port_ns_bytes(a, k);

			for (uint32_t i = 0; i < k; i++)
				q[i] = p[8u + i];
			return 0;
		}
		if (!in(a, k, MVB_PART_APP_RAM_NS_BASE, MVB_PART_APP_RAM_SIZE) &&
		    !in(a, k, MVB_PART_APP_FLASH_NS_BASE, MVB_PART_APP_FLASH_SIZE))
			return MVL_E_ACCESS;
		*out = mv_port_ns_bytes(a, k);
		*len = k;
		return 0;
	}
	case MVL_T_BREAK:
		if (n != sizeof(struct mvl_break))
			return MVL_E_BAD_REQUEST;
		return brk(mvb_get_le32(p), mvb_get_le32(p + 4));
	case MVL_T_RESTART:
		mv_boot_restart(MV_RESTART_REQUEST, 1);
		return 0;
	default:
		return MVL_E_UNSUPPORTED;
	}
}
