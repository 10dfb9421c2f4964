/* place.c - where a bundle's layer may land (mvu.h): the rule the device's
 * installer and mvbuild's verify, publish, flash and inspect share. */
#include "mvu.h"

/* The partition holding byte a through either alias, or MVU_NO_PART;
 * *own is 1 when through its own alias.  *end is the first byte after it
 * in that alias (as a 64-bit number: a partition may end at 4 GiB). */
static uint32_t holder(const struct mvu_part *p, size_t n, uint64_t a, int *own, uint64_t *end)
{
	for (size_t i = 0; i < n; i++) {
		if (a >= p[i].base && a - p[i].base < p[i].size) {
			*own = 1;
			*end = (uint64_t)p[i].base + p[i].size;
			return (uint32_t)i;
		}
		if (a >= p[i].other_base && a - p[i].other_base < p[i].size) {
			*own = 0;
			*end = (uint64_t)p[i].other_base + p[i].size;
			return (uint32_t)i;
		}
	}
	return MVU_NO_PART;
}

int mvu_place(const struct mvu_part *parts, size_t n, uint32_t layer, uint32_t addr, uint32_t size,
              struct mvu_where *where)
{
	uint32_t home, also;
	if (layer == MVB_LAYER_MICROVISOR) {
		home = MVU_PART_MV_CODE;
		also = MVU_PART_VENEERS;
	} else if (layer == MVB_LAYER_APP || layer == MVB_LAYER_REVERT) { /* a revert restores the app */
		home = also = MVU_PART_APP_CODE;
	} else {
		home = also = MVU_NO_PART;
	}
	where->addr = addr;
	where->part = MVU_NO_PART;
	size_t h = 0;
	while (h < n && parts[h].role != home)
		h++;
	if (h == n)
		return MVU_E_LAYER;
	where->part = (uint32_t)h;
	if (addr != parts[h].base)
		return addr == parts[h].other_base ? MVU_E_ALIAS : MVU_E_START;
	/* walk the layer partition by partition: every byte in its own alias
	 * of a partition of the layer's roles (at most n steps: partitions do
	 * not overlap, so each step ends one) */
	uint64_t a = addr, end = (uint64_t)addr + size;
	for (size_t step = 0; a < end; step++) {
		int own = 0;
		uint64_t pend = 0;
		uint32_t i = step <= n ? holder(parts, n, a, &own, &pend) : MVU_NO_PART;
		where->addr = a > 0xffffffffu ? 0xffffffffu : (uint32_t)a;
		where->part = i;
		if (i == MVU_NO_PART)
			return MVU_E_OUTSIDE;
		if (parts[i].role != home && parts[i].role != also)
			return MVU_E_OVERLAP;
		if (!own)
			return MVU_E_ALIAS;
		a = pend;
	}
	where->addr = addr;
	where->part = (uint32_t)h;
	return MVU_PLACED;
}
