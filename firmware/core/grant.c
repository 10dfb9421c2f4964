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

/* gate_reg is a bare token in the generated table; "none" means no gate. */
static int is_none(const char *s)
{
	return s[0] == 'n' && s[1] == 'o' && s[2] == 'n' && s[3] == 'e' && s[4] == '\0';
}

_Static_assert(MVB_PERIPH_COUNT <= 32u * MVB_APPHDR_PERIPH_WORDS, "board has more peripherals than the header can name");
_Static_assert(MVB_BOARD_NVIC_IRQS <= 32u * MVB_APPHDR_IRQ_WORDS, "board has more IRQs than the header can name");

uint32_t mv_grant_plan(const struct mvb_app_header *h, struct mv_grant *g)
{
	struct mv_grant t = {{0}, {0}};

	for (uint32_t i = 0; i < 32u * MVB_APPHDR_PERIPH_WORDS; i++)
		if (bit_set(h->ah_periph_mask, i) && i >= MVB_PERIPH_COUNT)
			return MV_R_PERIPH_UNKNOWN;

#define MV_GRANT_PERIPH(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit) \
	if (bit_set(h->ah_periph_mask, (index))) { \
		if ((owner) != MVB_OWNER_APP) \
			return MV_R_PERIPH_NOT_APP; \
		if (is_none(#gate_reg)) \
			return MV_R_PERIPH_NO_GATE; \
		t.periph[(index) / 32u] |= 1u << ((index) % 32u); \
	}
	MVB_PERIPH_TABLE(MV_GRANT_PERIPH)
#undef MV_GRANT_PERIPH

	for (uint32_t n = 0; n < 32u * MVB_APPHDR_IRQ_WORDS; n++) {
		if (!bit_set(h->ah_irq_mask, n))
			continue;
		if (n >= MVB_BOARD_NVIC_IRQS)
			return MV_R_IRQ_RANGE;
		/* An IRQ shared with a peripheral the app does not own would
		 * hand that peripheral's events to the app: every owner of the
		 * line must be granted, and there must be at least one. */
		int owned = 0, foreign = 0;

#define MV_GRANT_IRQ(irq, periph_index) \
	if ((irq) == n) { \
		if (bit_set(t.periph, (periph_index))) \
			owned = 1; \
		else \
			foreign = 1; \
	}
		MVB_IRQ_TABLE(MV_GRANT_IRQ)
#undef MV_GRANT_IRQ
		if (!owned || foreign)
			return MV_R_IRQ_NOT_OWNED;
		t.irq[n / 32u] |= 1u << (n % 32u);
	}
	*g = t;
	return MV_R_NONE;
}

uint32_t mv_block_mask(uint32_t first, uint32_t last, uint32_t w)
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
