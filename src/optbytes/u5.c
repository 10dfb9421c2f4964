/*
 * u5.c - the STM32U5 option-byte rule of mvo.h: which items stop the
 * microvisor from booting or from being flashed, and the write that puts
 * each right.
 */
#include "mvo.h"

static uint32_t wm_first(uint32_t wm)
{
	return wm & MVO_U5_WM_PSTRT;
}

static uint32_t wm_last(uint32_t wm)
{
	return (wm >> MVO_U5_WM_PEND_SHIFT) & MVO_U5_WM_PSTRT;
}

uint32_t mvo_u5_check(const struct mvo_u5 *r, const struct mvo_u5_need *n)
{
	uint32_t bad = 0;

	if ((r->optr & MVO_U5_RDP_MASK) != MVO_U5_RDP_LEVEL0)
		bad |= MVO_U5_BIT(MVO_U5_ITEM_RDP);
	if ((r->optr & MVO_U5_TZEN) == 0u)
		bad |= MVO_U5_BIT(MVO_U5_ITEM_TZEN);
	/* Swapped banks put bank 2's pages where bank 1's watermark is read. */
	if ((r->optr & MVO_U5_SWAP_BANK) != 0u)
		bad |= MVO_U5_BIT(MVO_U5_ITEM_SWAP_BANK);
	/* nSWBOOT0 = 0 and nBOOT0 = 0: the system bootloader, whatever the pin. */
	if ((r->optr & (MVO_U5_NSWBOOT0 | MVO_U5_NBOOT0)) == 0u)
		bad |= MVO_U5_BIT(MVO_U5_ITEM_BOOT0);
	if (n->secure_pages == 0u || n->secure_pages > MVO_U5_PAGES_PER_BANK || wm_first(r->secwm1r1) != 0u ||
	    wm_last(r->secwm1r1) != n->secure_pages - 1u)
		bad |= MVO_U5_BIT(MVO_U5_ITEM_SECWM1);
	/* A first page after the last one means no secure page. */
	if (wm_first(r->secwm2r1) <= wm_last(r->secwm2r1))
		bad |= MVO_U5_BIT(MVO_U5_ITEM_SECWM2);
	if ((r->secbootadd0r & MVO_U5_BOOTADD_MASK) != (n->boot_addr & MVO_U5_BOOTADD_MASK))
		bad |= MVO_U5_BIT(MVO_U5_ITEM_SECBOOTADD0);
	return bad;
}

void mvo_u5_fix(enum mvo_u5_item item, const struct mvo_u5 *r, const struct mvo_u5_need *n, struct mvo_u5_fix *f)
{
	f->fixable = 1;
	switch (item) {
	case MVO_U5_ITEM_RDP:
		f->reg = MVO_U5_OPTR;
		f->mask = MVO_U5_RDP_MASK;
		f->value = f->want = MVO_U5_RDP_LEVEL0;
		f->have = r->optr & MVO_U5_RDP_MASK;
		f->fixable = f->have == MVO_U5_RDP_LEVEL0;
		return;
	case MVO_U5_ITEM_TZEN:
		f->reg = MVO_U5_OPTR;
		f->mask = f->value = MVO_U5_TZEN;
		f->have = (r->optr & MVO_U5_TZEN) != 0u;
		f->want = 1;
		return;
	case MVO_U5_ITEM_SWAP_BANK:
		f->reg = MVO_U5_OPTR;
		f->mask = MVO_U5_SWAP_BANK;
		f->value = 0;
		f->have = (r->optr & MVO_U5_SWAP_BANK) != 0u;
		f->want = 0;
		return;
	case MVO_U5_ITEM_BOOT0:
		/* nBOOT0 = 1: boot from flash while nSWBOOT0 keeps the pin out. */
		f->reg = MVO_U5_OPTR;
		f->mask = f->value = MVO_U5_NBOOT0;
		f->have = (r->optr & MVO_U5_NBOOT0) != 0u;
		f->want = 1;
		return;
	case MVO_U5_ITEM_SECWM1:
		f->reg = MVO_U5_SECWM1R1;
		f->mask = MVO_U5_WM_MASK;
		f->value = f->want = (n->secure_pages - 1u) << MVO_U5_WM_PEND_SHIFT;
		f->have = r->secwm1r1 & MVO_U5_WM_MASK;
		return;
	case MVO_U5_ITEM_SECWM2:
		f->reg = MVO_U5_SECWM2R1;
		f->mask = MVO_U5_WM_MASK;
		f->value = f->want = MVO_U5_WM_PSTRT; /* first page 127, last page 0 */
		f->have = r->secwm2r1 & MVO_U5_WM_MASK;
		return;
	case MVO_U5_ITEM_SECBOOTADD0:
	default:
		f->reg = MVO_U5_SECBOOTADD0R;
		f->mask = MVO_U5_BOOTADD_MASK;
		f->value = f->want = n->boot_addr & MVO_U5_BOOTADD_MASK;
		f->have = r->secbootadd0r & MVO_U5_BOOTADD_MASK;
		f->fixable = (r->secbootadd0r & MVO_U5_BOOT_LOCK) == 0u;
		return;
	}
}
