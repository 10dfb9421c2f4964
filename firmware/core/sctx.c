/*
 * sctx.c - bookkeeping of the secure contexts that app threads make their
 * secure calls on (the stacks and PSP_S belong to the arch layer).  Every
 * argument comes from the app: ids are range-checked, and nothing changes
 * before a call has passed every check.
 */
#include "core_int.h"
#include "mv/arch.h"
#include "mv/core.h"

struct sctx {
	uint32_t sp;    /* saved PSP_S while not loaded */
	uint8_t used;   /* handed out by TZ_AllocModuleContext_S (context 0: always) */
	uint8_t busy;   /* a thread-mode call is in progress on it */
};

static struct sctx pool[MV_SCTX_COUNT] MV_BSS_APART(sctx_pool);
static uint32_t cur; /* loaded context */

void mv_sctx_reset(void)
{
	for (uint32_t i = 0; i < MV_SCTX_COUNT; i++) {
		pool[i].sp = mv_arch_sctx_top(i);
		pool[i].used = i == 0u;
		pool[i].busy = 0;
	}
	cur = 0;
	mv_arch_sctx_switch(0, pool[0].sp);
}

int mv_sctx_claim(uint32_t *idx)
{
	if (pool[cur].busy)
		return 0;
	pool[cur].busy = 1;
	*idx = cur;
	return 1;
}

void mv_sctx_release(uint32_t idx)
{
	if (idx < MV_SCTX_COUNT)
		pool[idx].busy = 0;
}

uint32_t mv_sctx_current(void)
{
	return cur;
}

uint32_t mv_sctx_init_system(void)
{
	/* Contexts already handed out stay valid: an RTOS that starts again
	 * must not pull a stack from under a thread that is still loaded. */
	return 1;
}

uint32_t mv_sctx_alloc(void)
{
	for (uint32_t i = 1; i < MV_SCTX_COUNT; i++) {
		if (!pool[i].used) {
			pool[i].used = 1;
			pool[i].busy = 0;
			pool[i].sp = mv_arch_sctx_top(i);
			return i;
		}
	}
	return 0;
}

uint32_t mv_sctx_free(uint32_t id, int handler)
{
	if (id == 0u || id >= MV_SCTX_COUNT || !pool[id].used)
		return 0;
	if (id == cur) {
		/* A thread call runs on the loaded context: it cannot drop
		 * its own stack.  A handler (the scheduler deleting the
		 * running thread) falls back to the shared context. */
		if (!handler)
			return 0;
		cur = 0;
		mv_arch_sctx_switch(0, pool[0].sp);
	}
	pool[id].used = 0;
	pool[id].busy = 0;
	pool[id].sp = mv_arch_sctx_top(id);
	return 1;
}

/* The loaded context's stack pointer as it is now, kept only if it lies
 * on that context's own stack (it always should: PSPLIM_S bounds it). */
static void save_current(void)
{
	uint32_t sp = mv_arch_sctx_sp();

	if (sp >= mv_arch_sctx_bottom(cur) && sp <= mv_arch_sctx_top(cur))
		pool[cur].sp = sp;
}

uint32_t mv_sctx_store(uint32_t id, int handler)
{
	if (!handler || id >= MV_SCTX_COUNT || id != cur)
		return 0;
	save_current();
	return 1;
}

uint32_t mv_sctx_load(uint32_t id, int handler)
{
	if (!handler || id >= MV_SCTX_COUNT || !pool[id].used)
		return 0;
	if (id == cur)
		return 1;
	save_current();
	cur = id;
	mv_arch_sctx_switch(id, pool[id].sp);
	return 1;
}
