/* fuzz_gdbserve.c - libFuzzer harness: the GDB server engine fed an
 * arbitrary byte stream from "gdb", in uneven pieces, against a debug
 * agent whose answers (errors, states, a failed link) also come from the
 * input; polls and console lines in between.  Checks the engine's output
 * contract: each reply fits g->out and the caller drains it.
 *
 * Covers: src/core/gdbserve.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvb/gdbserve.h"

struct agent {
	const uint8_t *p;
	size_t n, pos;
	struct mvl_dstate st;
	uint8_t mem[1024];
};

/* The next input byte (0 past the end): it picks the agent's answers. */
static uint8_t pick(struct agent *a)
{
	return a->pos < a->n ? a->p[a->pos++] : 0;
}

static int verdict(struct agent *a)
{
	uint8_t b = pick(a);
	if (b < 0xe0)
		return 0;
	if (b == 0xff)
		return -1;
	return (int)(b & 15);
}

static int a_halt(void *ctx)
{
	return verdict(ctx);
}

static int a_state(void *ctx, struct mvl_dstate *st)
{
	struct agent *a = ctx;
	int rc = verdict(a);
	if (rc)
		return rc;
	uint8_t b = pick(a);
	a->st.ld_state = b & 3;
	a->st.ld_why = (b >> 2) & 3;
	a->st.ld_starts += (b >> 4) & 1;
	a->st.ld_regs.lg_pc = 0x200000u + (uint32_t)pick(a) * 2;
	*st = a->st;
	return 0;
}

static int a_regs(void *ctx, const struct mvl_regs *r)
{
	(void)r;
	return verdict(ctx);
}

static int a_cont(void *ctx)
{
	return verdict(ctx);
}

static int a_read(void *ctx, uint32_t addr, uint8_t *out, uint32_t len)
{
	struct agent *a = ctx;
	if (len < 1 || len > MVL_MEM_MAX)
		abort();
	int rc = verdict(a);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < len; i++)
		out[i] = a->mem[(addr + i) % sizeof(a->mem)];
	return 0;
}

static int a_write(void *ctx, uint32_t addr, const uint8_t *d, uint32_t len)
{
	struct agent *a = ctx;
	if (len < 1 || len > MVL_MEM_MAX)
		abort();
	int rc = verdict(a);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < len; i++)
		a->mem[(addr + i) % sizeof(a->mem)] = d[i];
	return 0;
}

static int a_brk(void *ctx, uint32_t addr, int insert)
{
	(void)addr;
	(void)insert;
	return verdict(ctx);
}

static int a_restart(void *ctx)
{
	return verdict(ctx);
}

static const struct mvb_gdbs_ops ops = {a_halt, a_state, a_regs, a_cont, a_read, a_write, a_brk, a_restart};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mvb_gdbs g;
	static struct agent a;
	memset(&a, 0, sizeof(a));
	/* the first quarter answers for the agent, the rest is gdb's */
	size_t split = size / 4;
	a.p = data;
	a.n = split;
	mvb_gdbs_init(&g, &ops, &a);
	const uint8_t *in = data + split;
	size_t n = size - split, off = 0;
	while (off < n) {
		size_t piece = 1 + in[off] % 97, used = 0;
		if (piece > n - off)
			piece = n - off;
		enum mvb_gdbs_event ev = mvb_gdbs_feed(&g, in + off, piece, &used);
		if (used < 1 || used > piece || g.out_len > sizeof(g.out))
			abort();
		off += used;
		g.out_len = 0;
		if (ev == MVB_GDBS_EV_DETACHED || ev == MVB_GDBS_EV_KILLED || ev == MVB_GDBS_EV_LINK)
			break;
		if (g.running) {
			mvb_gdbs_console(&g, "tick", 4);
			ev = mvb_gdbs_poll(&g);
			if (g.out_len > sizeof(g.out))
				abort();
			g.out_len = 0;
			if (ev == MVB_GDBS_EV_LINK)
				break;
		}
	}
	mvb_gdbs_release(&g);
	return 0;
}
