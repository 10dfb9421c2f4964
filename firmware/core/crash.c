/*
 * crash.c - the restart policy: back off exponentially while an app keeps
 * crashing soon after it starts, give up after MV_CRASH_LIMIT in a row.
 */
#include "mv/core.h"
#ifdef MV_UPDATE
#include <mvb/crash.h>

struct mvb_crash mv_crash_rec MV_BSS_APART(crash_rec);
#endif

void mv_crash_started(struct mv_crash_state *s, uint32_t now)
{
	s->starts++;
	s->start_tick = now;
}

enum mv_crash_action mv_crash_decide(struct mv_crash_state *s, uint32_t reason, uint32_t now, uint32_t *delay_ms)
{
	/* An app that ran for a while before crashing earns a fresh count:
	 * one bad event a day should not end in safe mode.  Tick arithmetic
	 * is modular, so a wrapped counter still gives the right age. */
	if (now - s->start_tick >= MV_CRASH_WINDOW_MS)
		s->crashes = 0;
	s->crashes++;
	s->last_reason = reason;
	if (s->crashes >= MV_CRASH_LIMIT)
		return MV_ACT_SAFE;
	*delay_ms = MV_BACKOFF_BASE_MS << (s->crashes - 1u);
	return MV_ACT_RESTART;
}

int mv_fault_is_app(const struct mv_fault_facts *ff)
{
	/* Faults of a security-state transition: the app made every one of
	 * them (called a non-gateway, returned into secure code with a frame
	 * or EXC_RETURN of its own making, left lazy FP state on a wild
	 * stack); the microvisor enters the app only by fixed code. */
	const uint32_t transition = MV_SFSR_INVEP | MV_SFSR_INVIS | MV_SFSR_INVER | MV_SFSR_AUVIOL |
	                            MV_SFSR_INVTRAN | MV_SFSR_LSPERR | MV_SFSR_LSERR;

	if (ff->violation)
		return 1;
	if (ff->exc >= 16u || ff->exc == 2u)
		return 0; /* a secure interrupt or NMI that no port claimed */
	if (ff->frame_ns)
		return 1;
	if (ff->sfsr & transition)
		return 1;
	/* An exception return that the hardware refused, or a secure stack
	 * that overflowed while exceptions were stacked on it: secure code
	 * returns only by fixed sequences, and a context stack grows past
	 * its measured depth only with frames the app's preemptions left. */
	if (ff->cfsr & (MV_CFSR_INVPC | MV_CFSR_STKOF))
		return 1;
	return 0;
}
