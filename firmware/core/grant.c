/*
 * grant.c - which peripherals and interrupts an app may have: exactly what
 * its header asks for, and only where the board manifest says owner: app
 * and names a gate that can make the peripheral non-secure.
 */
#include "mv/core.h"
#include "mv_board.h"

static int bit_set(const uint32_t *words, uint32_t n)
{
	return (words[n / 32u] >> (n % 32u)) & 1u;
}

_Static_assert(MVB_PERIPH_COUNT <= 32u * MVB_APPHDR_PERIPH_WORDS,
               "board has more peripherals than the header can name");
_Static_assert(MVB_BOARD_NVIC_IRQS <= 32u * MVB_APPHDR_IRQ_WORDS, "board has more IRQs than the header can name");

/* The generated X-macro tables, turned into data once: loops over a
 * table cost less flash than code expanded per peripheral, and bit masks
 * and one string less than a table of pointers (0.4 KiB on mps2-an505). */
#define MV_PERIPH_ORDER(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit) mv_periph_at_##name,
enum { MVB_PERIPH_TABLE(MV_PERIPH_ORDER) };
#undef MV_PERIPH_ORDER
/* names[] below lists them in table order: that must be index order. */
#define MV_PERIPH_ORDER(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                 \
	_Static_assert(mv_periph_at_##name == (index), "peripheral table out of index order");
MVB_PERIPH_TABLE(MV_PERIPH_ORDER)
#undef MV_PERIPH_ORDER

/* The names, NUL-separated, in index order. */
static const char names[] =
#define MV_PERIPH_NAME(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit) #name "\0"
    MVB_PERIPH_TABLE(MV_PERIPH_NAME);
#undef MV_PERIPH_NAME

/* Gate register token `none`: the peripheral has no gate (MV_GATE_NONE(tok)
 * is 1 for it, 0 for any other token). */
#define MV_GATE_PROBE_none ~, 1
#define MV_GATE_SECOND(a, b, ...) b
#define MV_GATE_NONE_(...) MV_GATE_SECOND(__VA_ARGS__, 0, ~)
#define MV_GATE_NONE(tok) MV_GATE_NONE_(MV_GATE_PROBE_##tok)

/* Bit i: peripheral i is owner: app; has a gate. */
#define MV_PERIPH_APP(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                   \
	| ((owner) == MVB_OWNER_APP ? (uint64_t)1 << (index) : 0u)
#define MV_PERIPH_GATED(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                 \
	| (MV_GATE_NONE(gate_reg) ? 0u : (uint64_t)1 << (index))
#define MV_APP_MASK (0u MVB_PERIPH_TABLE(MV_PERIPH_APP))
#define MV_GATED_MASK (0u MVB_PERIPH_TABLE(MV_PERIPH_GATED))
_Static_assert(MVB_APPHDR_PERIPH_WORDS == 2u, "the masks below are two words");
static const uint32_t app_mask[MVB_APPHDR_PERIPH_WORDS] = {(uint32_t)MV_APP_MASK, (uint32_t)(MV_APP_MASK >> 32)};
static const uint32_t gated_mask[MVB_APPHDR_PERIPH_WORDS] = {(uint32_t)MV_GATED_MASK, (uint32_t)(MV_GATED_MASK >> 32)};

_Static_assert(MVB_BOARD_NVIC_IRQS <= 256u && MVB_PERIPH_COUNT <= 256u, "irq_lines holds bytes");
static const struct {
	uint8_t irq, periph;
} irq_lines[] = {
#define MV_IRQ_DESC(irq, periph_index) {(irq), (periph_index)},
    MVB_IRQ_TABLE(MV_IRQ_DESC)
#undef MV_IRQ_DESC
};

const char *mv_periph_name(uint32_t index)
{
	const char *s = names;

	if (index >= MVB_PERIPH_COUNT)
		return "?";
	while (index-- != 0u)
		while (*s++ != '\0')
			;
	return s;
}

/* Out of line: inlined into mv_start_app, its one caller, the image is
 * larger (32 bytes, measured on microvisor-ota.elf). */
__attribute__((noinline)) uint32_t mv_grant_plan(const struct mvb_app_header *h, struct mv_grant *g)
{
	/* Every bit asked for is checked, and the lowest one that fails
	 * decides the reason; if all pass, the grant is exactly the request.
	 * A word at a time: app_mask has no bit past the last peripheral. */
	for (uint32_t w = 0; w < MVB_APPHDR_PERIPH_WORDS; w++) {
		uint32_t bad = h->ah_periph_mask[w] & ~(app_mask[w] & gated_mask[w]);

		if (bad == 0u)
			continue;
		if (32u * w + (uint32_t)__builtin_ctz(bad) >= MVB_PERIPH_COUNT)
			return MV_R_PERIPH_UNKNOWN;
		return (app_mask[w] & bad & -bad) ? MV_R_PERIPH_NO_GATE : MV_R_PERIPH_NOT_APP;
	}

	for (uint32_t n = 0; n < 32u * MVB_APPHDR_IRQ_WORDS; n++) {
		if (!bit_set(h->ah_irq_mask, n))
			continue;
		if (n >= MVB_BOARD_NVIC_IRQS)
			return MV_R_IRQ_RANGE;
		/* An IRQ shared with a peripheral the app does not own would
		 * hand that peripheral's events to the app: every owner of the
		 * line must be granted, and there must be at least one. */
		int owned = 0, foreign = 0;

		for (uint32_t k = 0; k < sizeof irq_lines / sizeof irq_lines[0]; k++) {
			if (irq_lines[k].irq != n)
				continue;
			if (bit_set(h->ah_periph_mask, irq_lines[k].periph))
				owned = 1;
			else
				foreign = 1;
		}
		if (!owned || foreign)
			return MV_R_IRQ_NOT_OWNED;
	}
	for (uint32_t w = 0; w < MVB_APPHDR_PERIPH_WORDS; w++)
		g->periph[w] = h->ah_periph_mask[w];
	for (uint32_t w = 0; w < MVB_APPHDR_IRQ_WORDS; w++)
		g->irq[w] = h->ah_irq_mask[w];
	return MV_R_NONE;
}

/* Out of line: inlined into the memory gates' loop (port.c) it costs 28
 * bytes more (measured on microvisor-ota.elf). */
__attribute__((noinline)) uint32_t mv_block_mask(uint32_t first, uint32_t last, uint32_t w)
{
	uint32_t lo = 32u * w, hi = lo + 32u;

	if (first > lo)
		lo = first;
	if (last < hi)
		hi = last;
	if (lo >= hi)
		return 0;
	uint32_t n = hi - lo, shift = lo - 32u * w;

	return (n == 32u ? 0xffffffffu : ((1u << n) - 1u)) << shift;
}

/* The app partitions and the gates in front of their memories. */
static const struct {
	uint32_t gate, offset, size;
} app_parts[] = {
    {MVB_PART_APP_FLASH_MEM_GATE_BASE, MVB_PART_APP_FLASH_OFFSET, MVB_PART_APP_FLASH_SIZE},
    {MVB_PART_APP_RAM_MEM_GATE_BASE, MVB_PART_APP_RAM_OFFSET, MVB_PART_APP_RAM_SIZE},
};

#define N_APP_PARTS (sizeof app_parts / sizeof app_parts[0])

uint32_t mv_gate_layout(const uint32_t *gates, uint32_t n_gates)
{
	for (uint32_t i = 0; i < N_APP_PARTS; i++) {
		int known = 0;

		for (uint32_t g = 0; g < n_gates; g++)
			known |= app_parts[i].gate == gates[g];
		if (!known)
			return MV_R_HW_MPC_GEOMETRY; /* manifest and port disagree */
	}
	return MV_R_NONE;
}

uint32_t mv_gate_geometry(uint32_t gate, uint32_t block, uint32_t blocks)
{
	for (uint32_t i = 0; i < N_APP_PARTS; i++) {
		if (app_parts[i].gate != gate)
			continue;
		if (block == 0u || app_parts[i].offset % block != 0u || app_parts[i].size % block != 0u ||
		    app_parts[i].offset / block > blocks ||
		    app_parts[i].size / block > blocks - app_parts[i].offset / block)
			return MV_R_HW_MPC_GEOMETRY;
	}
	return MV_R_NONE;
}

uint32_t mv_gate_ns_word(uint32_t gate, uint32_t block, uint32_t w)
{
	uint32_t v = 0;

	for (uint32_t i = 0; i < N_APP_PARTS; i++)
		if (app_parts[i].gate == gate)
			v |= mv_block_mask(app_parts[i].offset / block,
			                   (app_parts[i].offset + app_parts[i].size) / block, w);
	return v;
}

uint32_t mv_gate_bits(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS], const struct mv_gate_bit *of, uint32_t n_periph,
                      const uint32_t *regs, uint32_t n_regs, uint32_t *ns, uint32_t *named)
{
	for (uint32_t g = 0; g < n_regs; g++) {
		ns[g] = 0;
		if (named != 0)
			named[g] = 0;
	}
	for (uint32_t i = 0; named != 0 && i < n_periph; i++)
		for (uint32_t g = 0; g < n_regs; g++)
			if (of[i].reg != 0u && of[i].reg == regs[g])
				named[g] |= 1u << of[i].bit;
	for (uint32_t i = 0; i < 32u * MVB_APPHDR_PERIPH_WORDS; i++) {
		if (!bit_set(periph, i))
			continue;
		uint32_t hit = 0;

		/* The core vetted the grant; this is the last line of defence
		 * against a peripheral with no gate in this port. */
		for (uint32_t g = 0; i < n_periph && g < n_regs; g++) {
			if (of[i].reg != 0u && of[i].reg == regs[g]) {
				ns[g] |= 1u << of[i].bit;
				hit = 1;
			}
		}
		if (!hit)
			return MV_R_HW_PPC;
	}
	return MV_R_NONE;
}
