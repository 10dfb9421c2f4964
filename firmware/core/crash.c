/*
 * crash.c - the restart policy: back off exponentially while an app keeps
 * crashing soon after it starts, give up after MV_CRASH_LIMIT in a row.
 */
#include "mv/core.h"

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
