/*
 * optbytes.c - a board's option bytes for `flash` and `provision`
 * (include/mvb/optbytes.h): the board's needs into the shared rule
 * (src/optbytes), and that rule's findings into words and OpenOCD
 * commands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "mvb/optbytes.h"
#include "mvo.h"

int mvb_optb_board(const struct mvb_board *b, struct mvb_optb *o)
{
	memset(o, 0, sizeof(*o));
	const struct mvb_partition *app = mvb_board_role(b, MVB_ROLE_APP_CODE);
	const struct mvb_partition *mv = mvb_board_role(b, MVB_ROLE_MV_CODE);
	if (!app || !mv)
		return 0;
	const struct mvb_memory *m = &b->mem[app->memory];
	if (!m->has_gate || strcmp(m->gate_controller, "flash-wm") || !m->granule)
		return 0;
	o->base_s = m->gate_base;
	o->base_ns = m->gate_base & ~0x10000000u; /* the chip's non-secure alias of a peripheral */
	o->off[MVB_OPTB_OPTR] = MVO_U5_OPTR;
	o->off[1] = MVO_U5_SECBOOTADD0R;
	o->off[2] = MVO_U5_SECWM1R1;
	o->off[3] = MVO_U5_SECWM2R1;
	o->secure_pages = app->offset / m->granule;
	o->boot_addr = mvb_partition_s_base(b, mv);
	return 1;
}

static void regs_of(const uint32_t v[MVB_OPTB_REGS], struct mvo_u5 *r)
{
	r->optr = v[MVB_OPTB_OPTR];
	r->secbootadd0r = v[1];
	r->secwm1r1 = v[2];
	r->secwm2r1 = v[3];
}

static void add(char *out, size_t n, const char *fmt, ...)
{
	size_t k = strlen(out);
	if (k + 1 >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out + k, n - k, fmt, ap);
	va_end(ap);
}

static const char *rdp_name(uint32_t rdp)
{
	if (rdp == MVO_U5_RDP_LEVEL0)
		return "level 0";
	if (rdp == MVO_U5_RDP_LEVEL05)
		return "level 0.5";
	if (rdp == MVO_U5_RDP_LEVEL2)
		return "level 2";
	return "level 1";
}

unsigned mvb_optb_check(const struct mvb_optb *o, const uint32_t v[MVB_OPTB_REGS], char *out, size_t n,
			unsigned *stuck)
{
	struct mvo_u5 r;
	struct mvo_u5_need need = { o->secure_pages, o->boot_addr };
	regs_of(v, &r);
	uint32_t bad = mvo_u5_check(&r, &need);
	unsigned count = 0;
	*stuck = 0;
	if (n)
		out[0] = 0;
	for (int i = 0; i < MVO_U5_ITEMS; i++) {
		if (!(bad & MVO_U5_BIT(i)))
			continue;
		struct mvo_u5_fix f;
		mvo_u5_fix((enum mvo_u5_item)i, &r, &need, &f);
		count++;
		*stuck += !f.fixable;
		switch (i) {
		case MVO_U5_ITEM_RDP:
			add(out, n,
			    "RDP is %s (0x%02x), must be level 0 (0xaa): the probe cannot write the microvisor's secure flash "
			    "above it; going back to level 0 erases the whole flash, which mvbuild never does (RM0456, "
			    "readout protection regression)\n",
			    rdp_name(f.have), (unsigned)f.have);
			break;
		case MVO_U5_ITEM_TZEN:
			add(out, n, "TZEN is 0, must be 1 (OPTR 0x%08x): without TrustZone the microvisor stops before its "
				    "first console line\n", (unsigned)r.optr);
			break;
		case MVO_U5_ITEM_SWAP_BANK:
			add(out, n, "SWAP_BANK is 1, must be 0: with the banks swapped the watermark of bank 1 guards the "
				    "wrong pages\n");
			break;
		case MVO_U5_ITEM_BOOT0:
			add(out, n, "nSWBOOT0 and nBOOT0 are 0 (OPTR 0x%08x): the chip always starts the system bootloader; "
				    "nBOOT0 must be 1\n", (unsigned)r.optr);
			break;
		case MVO_U5_ITEM_SECWM1:
			add(out, n,
			    "SECWM1R1 is 0x%08x (secure pages %u-%u of bank 1), must be 0x%08x (pages 0-%u: the "
			    "microvisor, its state and the app header; the app's pages non-secure)\n",
			    (unsigned)r.secwm1r1, (unsigned)(r.secwm1r1 & MVO_U5_WM_PSTRT),
			    (unsigned)((r.secwm1r1 >> MVO_U5_WM_PEND_SHIFT) & MVO_U5_WM_PSTRT),
			    (unsigned)((r.secwm1r1 & ~MVO_U5_WM_MASK) | f.want), (unsigned)(o->secure_pages - 1));
			break;
		case MVO_U5_ITEM_SECWM2:
			add(out, n,
			    "SECWM2R1 is 0x%08x (secure pages %u-%u of bank 2), must be 0x%08x (no secure page: the "
			    "first after the last)\n",
			    (unsigned)r.secwm2r1, (unsigned)(r.secwm2r1 & MVO_U5_WM_PSTRT),
			    (unsigned)((r.secwm2r1 >> MVO_U5_WM_PEND_SHIFT) & MVO_U5_WM_PSTRT),
			    (unsigned)((r.secwm2r1 & ~MVO_U5_WM_MASK) | f.want));
			break;
		default:
			add(out, n, "SECBOOTADD0 is 0x%08x, must be 0x%08x (the microvisor's vector table)%s\n",
			    (unsigned)f.have, (unsigned)f.want,
			    f.fixable ? "" : "; BOOT_LOCK is set, so no option-byte write can change it");
			break;
		}
	}
	return count;
}

static void write_cmd(char *out, size_t n, const struct mvo_u5_fix *f)
{
	add(out, n, "stm32l4x option_write 0 0x%02x 0x%08x 0x%08x\n", (unsigned)f->reg, (unsigned)f->value,
	    (unsigned)f->mask);
}

void mvb_optb_openocd(const struct mvb_optb *o, const uint32_t v[MVB_OPTB_REGS], int all, char *out, size_t n)
{
	struct mvo_u5 r;
	struct mvo_u5_need need = { o->secure_pages, o->boot_addr };
	regs_of(v, &r);
	uint32_t bad = all ? ~0u : mvo_u5_check(&r, &need);
	if (n)
		out[0] = 0;
	/* OpenOCD's own command checks RDP and loads the option bytes (a reset). */
	if (bad & MVO_U5_BIT(MVO_U5_ITEM_TZEN)) {
		add(out, n, "stm32l4x trustzone 0 enable\n");
		if (!all)
			return;
		add(out, n, "# then\n");
	}
	int any = 0;
	for (int i = MVO_U5_ITEM_SWAP_BANK; i < MVO_U5_ITEMS; i++) {
		struct mvo_u5_fix f;
		if (!(bad & MVO_U5_BIT(i)))
			continue;
		mvo_u5_fix((enum mvo_u5_item)i, &r, &need, &f);
		if (!f.fixable && !all)
			continue;
		write_cmd(out, n, &f);
		any = 1;
	}
	if (any)
		add(out, n, "stm32l4x option_load 0\n");
}
