/* check.c - the app checks: layout against the board's partitions, vector
 * table, architecture attributes, peripheral and IRQ grants, a literal scan
 * for addresses the app should not hold, and microvisor call resolution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/app_header.h"
#include "mvb/buf.h"
#include "mvb/check.h"
#include "mvb/status.h"

#define STT_FUNC_ 2u

struct ctx {
	const struct mvb_check_in *in;
	const struct mvb_board *b;
	struct mvb_diags *d;
	unsigned errors;
	const struct mvb_partition *flash, *ram;
	uint32_t flash_lo, flash_hi, ram_lo, ram_hi; /* [lo, hi) NS addresses */
	struct mvb_grant grant;
};

static void count(struct ctx *x, int rc)
{
	x->errors += rc != 0;
}

/* A location for a segment, named by its first section. */
static struct mvb_loc seg_loc(const struct ctx *x, const struct mvb_elf_seg *g, uint32_t lo, uint64_t end)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = x->in->elf_file;
	l.segment = (int)g->index;
	l.section = g->first_section;
	l.has_range = 1;
	l.lo = lo;
	l.hi = end > lo ? (uint32_t)(end - 1) : lo;
	return l;
}

/* Where an address falls on the board. */
enum where { W_NONE, W_PART_NS, W_PART_S, W_MEM, W_PERIPH };
struct place {
	enum where w;
	const struct mvb_partition *part;
	const struct mvb_memory *mem;
	const struct mvb_peripheral *per;
	int secure_alias;
	uint32_t lo, hi; /* [lo, hi) of what was found */
};

static struct place locate(const struct mvb_board *b, uint32_t a)
{
	struct place pl = { W_NONE, NULL, NULL, NULL, 0, 0, 0 };
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		uint32_t ns = mvb_partition_ns_base(b, p), s = mvb_partition_s_base(b, p);
		if (a - ns < p->size && !(p->world != MVB_WORLD_NONSECURE && s == ns)) {
			pl = (struct place){ W_PART_NS, p, &b->mem[p->memory], NULL, 0, ns, ns + p->size };
			return pl;
		}
		if (a - s < p->size) {
			pl = (struct place){ W_PART_S, p, &b->mem[p->memory], NULL, 1, s, s + p->size };
			return pl;
		}
	}
	for (size_t i = 0; i < b->nmem; i++) {
		const struct mvb_memory *m = &b->mem[i];
		if (a - m->ns_base < m->size)
			return (struct place){ W_MEM, NULL, m, NULL, 0, m->ns_base, m->ns_base + m->size };
		if (a - m->s_base < m->size)
			return (struct place){ W_MEM, NULL, m, NULL, 1, m->s_base, m->s_base + m->size };
	}
	for (size_t i = 0; i < b->nper; i++) {
		const struct mvb_peripheral *p = &b->per[i];
		if (a - p->ns_base < p->size)
			return (struct place){ W_PERIPH, NULL, NULL, p, 0, p->ns_base, p->ns_base + p->size };
		if (a - p->s_base < p->size)
			return (struct place){ W_PERIPH, NULL, NULL, p, 1, p->s_base, p->s_base + p->size };
	}
	/* the architecture's peripheral regions are peripheral space too */
	if (a >= 0x40000000u && a < 0x60000000u)
		pl.w = W_PERIPH;
	if (a >= 0xe0000000u)
		pl.w = W_PERIPH;
	return pl;
}

/* Checks one address range [lo, lo+n) of a segment: it must start in one of
 * the allowed partitions (app flash, or app RAM when ram_ok) and stay in it. */
static void check_range(struct ctx *x, const struct mvb_elf_seg *g, uint32_t lo, uint32_t n, int ram_ok,
			const char *what)
{
	uint64_t end = (uint64_t)lo + n;
	struct mvb_loc l = seg_loc(x, g, lo, end);
	struct place pl = locate(x->b, lo);
	char hint[160];
	const struct mvb_partition *ok1 = x->flash, *ok2 = ram_ok ? x->ram : NULL;
	if (pl.w == W_PART_NS && (pl.part == ok1 || pl.part == ok2)) {
		if (end > pl.hi) {
			snprintf(hint, sizeof(hint), "'%s' holds 0x%x bytes; shrink what the app puts there or grow the partition in the board manifest",
				 pl.part->name, pl.part->size);
			count(x, mvb_report_hint(x->d, &l, MVB_CK_PARTITION_OVERFLOW, hint,
						 "ends %llu bytes past partition '%s' (0x%08x-0x%08x)",
						 (unsigned long long)(end - pl.hi), pl.part->name, pl.lo, pl.hi - 1));
		}
		return;
	}
	const char *allowed = ram_ok ? "app flash or app RAM" : "app flash";
	switch (pl.w) {
	case W_PART_NS:
		if (pl.part->world == MVB_WORLD_NONSECURE) {
			snprintf(hint, sizeof(hint), "%s addresses must be in %s", what, allowed);
			count(x, mvb_report_hint(x->d, &l, MVB_CK_SEGMENT_OUTSIDE, hint,
						 "%s lies in partition '%s', not in %s", what, pl.part->name, allowed));
			return;
		}
		/* a secure partition seen through its NS alias */
		/* fall through */
	case W_PART_S:
		if (pl.part->role == MVB_ROLE_APP_CODE || pl.part->role == MVB_ROLE_APP_RAM) {
			snprintf(hint, sizeof(hint), "link at the non-secure alias 0x%08x",
				 mvb_partition_ns_base(x->b, pl.part) + (lo - pl.lo));
			count(x, mvb_report_hint(x->d, &l, MVB_CK_SEGMENT_SECURE, hint,
						 "%s lies in the secure alias of partition '%s'", what, pl.part->name));
		} else {
			count(x, mvb_report(x->d, &l, MVB_CK_SEGMENT_SECURE,
					    "%s lies in %s partition '%s' (0x%08x-0x%08x)", what,
					    pl.part->world == MVB_WORLD_NSC ? "the NSC" : "microvisor", pl.part->name,
					    pl.lo, pl.hi - 1));
		}
		return;
	case W_MEM:
		if (pl.secure_alias)
			count(x, mvb_report(x->d, &l, MVB_CK_SEGMENT_SECURE, "%s lies in the secure alias of memory '%s'",
					    what, pl.mem->name));
		else
			count(x, mvb_report(x->d, &l, MVB_CK_SEGMENT_OUTSIDE,
					    "%s lies in memory '%s' outside every app partition", what, pl.mem->name));
		return;
	case W_PERIPH:
		if (pl.per)
			count(x, mvb_report(x->d, &l, MVB_CK_SEGMENT_PERIPHERAL, "%s lies in peripheral '%s'", what,
					    pl.per->name));
		else
			count(x, mvb_report(x->d, &l, MVB_CK_SEGMENT_PERIPHERAL, "%s lies in peripheral address space",
					    what));
		return;
	case W_NONE:
		snprintf(hint, sizeof(hint), "app flash is 0x%08x-0x%08x, app RAM 0x%08x-0x%08x", x->flash_lo,
			 x->flash_hi - 1, x->ram_lo, x->ram_hi - 1);
		count(x, mvb_report_hint(x->d, &l, MVB_CK_SEGMENT_OUTSIDE, hint, "%s lies outside every memory of board '%s'",
					 what, x->b->name));
		return;
	}
}

struct span {
	uint64_t lo, end; /* [lo, end) */
	size_t seg;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo ? 1 : x->seg < y->seg ? -1 : x->seg > y->seg;
}

/* Segments whose bytes overlap another segment's, by load address and
 * then by run address, in O(n log n): sorted by start, a segment overlaps
 * another exactly when it starts before the furthest end of those before
 * it, or the next one starts before its end.  Each such segment is
 * reported once, naming one segment it overlaps (an ELF may carry 65k
 * segments: no pair is enumerated). */
static void check_overlaps(struct ctx *x)
{
	const struct mvb_elf *e = x->in->elf;
	struct span *sp = malloc(e->nseg * sizeof(*sp) + 1);
	unsigned char *done = calloc(e->nseg + 1, 1);
	size_t *with = malloc(e->nseg * sizeof(*with) + 1);
	if (!sp || !done || !with) {
		x->d->oom = 1;
		goto out;
	}
	for (int run = 0; run < 2; run++) {
		size_t n = 0;
		for (size_t i = 0; i < e->nseg; i++) {
			const struct mvb_elf_seg *g = &e->seg[i];
			uint32_t lo = run ? g->vaddr : g->paddr, size = run ? g->memsz : g->filesz;
			if (size)
				sp[n++] = (struct span){ lo, (uint64_t)lo + size, i };
		}
		qsort(sp, n, sizeof(*sp), cmp_span);
		uint64_t far = 0; /* the furthest end so far, and whose */
		size_t far_seg = 0;
		for (size_t k = 0; k < n; k++) {
			size_t partner = (size_t)-1;
			if (k && sp[k].lo < far)
				partner = far_seg;
			else if (k + 1 < n && sp[k + 1].lo < sp[k].end)
				partner = sp[k + 1].seg;
			if (partner != (size_t)-1 && !done[sp[k].seg]) {
				done[sp[k].seg] = (unsigned char)(1 + run);
				with[sp[k].seg] = partner;
			}
			if (sp[k].end > far) {
				far = sp[k].end;
				far_seg = sp[k].seg;
			}
		}
	}
	for (size_t i = 0; i < e->nseg; i++) { /* in the file's order */
		if (!done[i])
			continue;
		const struct mvb_elf_seg *g = &e->seg[i];
		int run = done[i] == 2;
		uint32_t lo = run ? g->vaddr : g->paddr;
		struct mvb_loc l = seg_loc(x, g, lo, (uint64_t)lo + (run ? g->memsz : g->filesz));
		count(x, mvb_report(x->d, &l, MVB_CK_SEGMENT_OVERLAP, "overlaps segment [%u] in %s address",
				    e->seg[with[i]].index, run ? "run" : "load"));
	}
out:
	free(sp);
	free(done);
	free(with);
}

static void check_layout(struct ctx *x, struct mvb_check_out *out)
{
	const struct mvb_elf *e = x->in->elf;
	uint64_t flash_used = 0, ram_used = 0;
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_seg *g = &e->seg[i];
		if (!g->memsz)
			continue;
		int same = g->vaddr == g->paddr;
		if (g->filesz)
			check_range(x, g, g->paddr, g->filesz, 0, same ? "segment" : "load address");
		if (!same || !g->filesz)
			check_range(x, g, g->vaddr, g->memsz, 1, g->filesz ? "run address" : "segment");
		if (g->filesz && g->paddr - x->flash_lo < x->flash_hi - x->flash_lo)
			flash_used += g->filesz;
		if (g->vaddr - x->ram_lo < x->ram_hi - x->ram_lo)
			ram_used += g->memsz;
	}
	check_overlaps(x);
	out->usage[0] = (struct mvb_usage){ x->flash->name, x->flash_lo, x->flash->size,
					    flash_used > 0xffffffffu ? 0xffffffffu : (uint32_t)flash_used };
	out->usage[1] = (struct mvb_usage){ x->ram->name, x->ram_lo, x->ram->size,
					    ram_used > 0xffffffffu ? 0xffffffffu : (uint32_t)ram_used };
}

static int in_flash(const struct ctx *x, uint32_t a)
{
	return a - x->flash_lo < x->flash_hi - x->flash_lo;
}

/* The vector table's length: an object symbol at the app flash start with a
 * size, else a section starting there named like a vector table, else only
 * the 16 architectural entries. */
static uint32_t vector_len(const struct ctx *x)
{
	const struct mvb_elf *e = x->in->elf;
	uint32_t full = 4u * (16u + x->b->cpu.nvic_irqs);
	for (size_t i = 0; i < e->nsym; i++) {
		const struct mvb_elf_sym *s = &e->sym[i];
		if (s->value == x->flash_lo && s->size >= 64 && (s->info & 0xf) == 1 /* STT_OBJECT */)
			return s->size < full ? s->size & ~3u : full;
	}
	const struct mvb_elf_sec *s = mvb_elf_section_at(e, x->flash_lo);
	if (s && s->addr == x->flash_lo && strstr(s->name, "vector") && s->size >= 64)
		return s->size < full ? s->size & ~3u : full;
	return 64;
}

static void check_vectors(struct ctx *x, struct mvb_check_out *out)
{
	const struct mvb_elf *e = x->in->elf;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = x->in->elf_file;
	l.has_range = 1;
	l.lo = x->flash_lo;
	l.hi = x->flash_lo + 63;
	const unsigned char *v = mvb_elf_bytes_at(e, x->flash_lo, 64);
	if (!v) {
		count(x, mvb_report_hint(x->d, &l, MVB_CK_VECTOR_MISSING, "place the vector table first in app flash (KEEP(*(.vectors)) at the start of the flash region)",
					 "no vector table at 0x%08x, the start of partition '%s'", x->flash_lo,
					 x->flash->name));
		return;
	}
	/* VTOR needs the table aligned to its size rounded up to a power of two. */
	uint32_t entries = 16 + x->b->cpu.nvic_irqs, need = 128;
	while (need < entries * 4)
		need <<= 1;
	if (x->flash_lo % need)
		count(x, mvb_report(x->d, &l, MVB_CK_VECTOR_ALIGN,
				    "app flash starts at 0x%08x but a %u-entry vector table needs %u-byte alignment",
				    x->flash_lo, entries, need));
	uint32_t sp = mvb_le32(v);
	l.hi = x->flash_lo + 3;
	l.section = e->seg[0].first_section;
	const struct mvb_elf_sec *vs = mvb_elf_section_at(e, x->flash_lo);
	l.section = vs ? vs->name : NULL;
	if (sp - x->ram_lo > x->ram_hi - x->ram_lo || sp == x->ram_lo || (sp & 7))
		count(x, mvb_report_hint(x->d, &l, MVB_CK_VECTOR_SP, "the initial stack must lie in app RAM and be 8-byte aligned",
					 "initial stack pointer 0x%08x is %s", sp,
					 (sp & 7) && sp - x->ram_lo <= x->ram_hi - x->ram_lo ? "not 8-byte aligned"
											     : "outside app RAM"));
	uint32_t len = vector_len(x);
	const unsigned char *tab = mvb_elf_bytes_at(e, x->flash_lo, len);
	if (!tab) {
		len = 64;
		tab = v;
	}
	out->vector_entries = len / 4;
	static const char *const names[16] = { NULL, "reset", "NMI", "HardFault", "MemManage", "BusFault",
					      "UsageFault", NULL, NULL, NULL, NULL, "SVCall", "DebugMonitor", NULL,
					      "PendSV", "SysTick" };
	/* The most frequent IRQ handler is the default one (weak aliases). */
	uint32_t dflt = 0;
	unsigned best = 0;
	for (uint32_t i = 16; i < len / 4 && i < 16 + 256; i++) {
		uint32_t h = mvb_le32(tab + 4 * i);
		unsigned n = 0;
		if (!h || h == dflt)
			continue;
		for (uint32_t j = 16; j < len / 4; j++)
			n += mvb_le32(tab + 4 * j) == h;
		if (n > best) {
			best = n;
			dflt = h;
		}
	}
	if (best < 2)
		dflt = 0;
	for (uint32_t i = 1; i < len / 4; i++) {
		if (i < 16 && !names[i])
			continue;
		uint32_t h = mvb_le32(tab + 4 * i);
		if (!h && i != 1)
			continue;
		l.lo = x->flash_lo + 4 * i;
		l.hi = l.lo + 3;
		char what[32];
		if (i < 16)
			snprintf(what, sizeof(what), "%s handler", names[i]);
		else
			snprintf(what, sizeof(what), "IRQ %u handler", i - 16);
		if (!(h & 1) || !in_flash(x, h & ~1u)) {
			count(x, mvb_report(x->d, &l, MVB_CK_VECTOR_HANDLER, "%s 0x%08x is %s", what, h,
					    !(h & 1) ? "not a Thumb address (bit 0 clear)" : "outside app flash"));
			continue;
		}
		if (i >= 16 && h != dflt && x->in->app) {
			uint32_t irq = i - 16;
			if (!(x->grant.irq_mask[irq / 32] & (1u << (irq % 32))))
				mvb_report_hint(x->d, &l, MVB_CK_IRQ_HANDLER_UNDECLARED, "add the IRQ (and its peripheral) to the app manifest",
						"IRQ %u has its own handler 0x%08x but the app does not declare it", irq, h);
		}
	}
}

static void check_entry(struct ctx *x)
{
	const struct mvb_elf *e = x->in->elf;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = x->in->elf_file;
	l.has_offset = 1;
	l.offset = 24; /* e_entry */
	if (!(e->entry & 1))
		count(x, mvb_report(x->d, &l, MVB_CK_ENTRY_THUMB, "entry point 0x%08x is not a Thumb address", e->entry));
	else if (!in_flash(x, e->entry & ~1u))
		count(x, mvb_report(x->d, &l, MVB_CK_ENTRY_RANGE, "entry point 0x%08x is outside partition '%s'",
				    e->entry, x->flash->name));
}

/* Tag_CPU_arch values a Cortex-M33 (Armv8-M Mainline) executes. */
static int arch_ok(unsigned arch, unsigned profile)
{
	switch (arch) {
	case 10: /* v7 */
		return profile == 'M';
	case 11: /* v6-M */
	case 12: /* v6S-M */
	case 13: /* v7E-M */
	case 16: /* v8-M.baseline */
	case 17: /* v8-M.mainline */
		return 1;
	default:
		return 0;
	}
}

static void check_arch(struct ctx *x)
{
	const struct mvb_elf_attrs *a = &x->in->elf->attrs;
	const struct mvb_board *b = x->b;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = x->in->elf_file;
	l.section = ".ARM.attributes";
	if (!a->present || a->malformed) {
		mvb_report(x->d, &l, MVB_CK_ARCH_ATTRIBUTES, "%s", a->malformed ? "malformed .ARM.attributes section"
									: "no .ARM.attributes section");
		return;
	}
	if (!arch_ok(a->cpu_arch, a->cpu_profile))
		count(x, mvb_report_hint(x->d, &l, MVB_CK_ARCH_PROFILE, "compile with -mcpu=cortex-m33 (or an older M-profile core)",
					 "code is built for Tag_CPU_arch %u (profile '%c'), which %s (%s) cannot run",
					 a->cpu_arch, a->cpu_profile >= 0x20 && a->cpu_profile < 0x7f ? (char)a->cpu_profile : '?',
					 b->cpu.core, b->cpu.arch));
	/* FP instructions: none, VFPv3-D16, VFPv4-D16 or FPv5-D16 run on an FPv5
	 * FPU; D32 variants do not. */
	int fp_ok_arch = a->fp_arch == 0 || a->fp_arch == 4 || a->fp_arch == 6 || a->fp_arch == 8;
	if (a->fp_arch && b->cpu.fpu == MVB_FPU_NONE)
		count(x, mvb_report(x->d, &l, MVB_CK_ARCH_FPU, "code uses floating-point instructions but board '%s' has no FPU",
				    b->name));
	else if (!fp_ok_arch)
		count(x, mvb_report(x->d, &l, MVB_CK_ARCH_FPU, "code uses FP architecture %u, which FPU %s does not implement",
				    a->fp_arch, mvb_fpu_name(b->cpu.fpu)));
	else if (a->fp_arch && b->cpu.fpu == MVB_FPU_FPV5_SP_D16 && a->hardfp_use != 1)
		count(x, mvb_report_hint(x->d, &l, MVB_CK_ARCH_FPU, "compile with -mfpu=fpv5-sp-d16",
					 "code may use double-precision FP but the %s FPU is single precision",
					 mvb_fpu_name(b->cpu.fpu)));
	if (a->abi_vfp_args == 1 && b->cpu.fpu == MVB_FPU_NONE)
		count(x, mvb_report(x->d, &l, MVB_CK_ARCH_FPU, "code uses the hard-float ABI but board '%s' has no FPU",
				    b->name));
}

/* ---- literal scan ---------------------------------------------------- */

struct target {
	uint32_t lo, hi; /* [lo, hi) */
	int kind;        /* 0 peripheral NS alias, 1 peripheral secure alias, 2 secure partition, 3 NSC */
	size_t index;    /* peripheral or partition index */
};

static int cmp_target(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

struct hit {
	unsigned count;
	uint32_t first_addr, first_value;
};

/* What the scan has found so far. */
struct scan {
	const struct ctx *x;
	const struct target *t;
	size_t nt;
	struct hit per_ns[MVB_BOARD_MAX_PERIPHERALS], per_s[MVB_BOARD_MAX_PERIPHERALS], part[MVB_BOARD_MAX_PARTITIONS];
	unsigned used[MVB_API_MAX_ENTRIES];
};

/* Classifies one address-like value v found at address at. */
static void consider(struct scan *sc, uint32_t v, uint32_t at)
{
	if (!sc->nt || v < sc->t[0].lo)
		return;
	size_t lo = 0, hi = sc->nt;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sc->t[mid].lo <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || v >= sc->t[lo - 1].hi)
		return;
	const struct target *tg = &sc->t[lo - 1];
	const struct mvb_api *api = sc->x->in->api;
	struct hit *h = NULL;
	if (tg->kind == 0) {
		if (!(sc->x->grant.periph_mask[tg->index / 32] & (1u << (tg->index % 32))))
			h = &sc->per_ns[tg->index];
	} else if (tg->kind == 1) {
		h = &sc->per_s[tg->index];
	} else if (tg->kind == 2) {
		/* a bare power of two is more often a constant than a pointer */
		if (v & (v - 1))
			h = &sc->part[tg->index];
	} else if (api) {
		const struct mvb_api_entry *en = mvb_api_at(api, v);
		if (en)
			sc->used[en - api->e] = 1;
		else
			h = &sc->part[tg->index];
	}
	if (h && !h->count++) {
		h->first_addr = at;
		h->first_value = v;
	}
}

/* Thumb-2 MOVW/MOVT (T3/T1 encodings): imm16 = imm4:i:imm3:imm8. */
static int mov_imm(uint16_t hw1, uint16_t hw2, uint16_t op, unsigned *rd, uint32_t *imm)
{
	if ((hw1 & 0xfbf0) != op || (hw2 & 0x8000))
		return 0;
	*rd = (hw2 >> 8) & 0xf;
	*imm = (uint32_t)(hw1 & 0xf) << 12 | (uint32_t)((hw1 >> 10) & 1) << 11 | (uint32_t)((hw2 >> 12) & 7) << 8 |
	       (hw2 & 0xff);
	return 1;
}

/* ThumbExpandImm of a 12-bit modified immediate (i:imm3:imm8). */
static uint32_t thumb_expand_imm(uint32_t imm12)
{
	uint32_t b = imm12 & 0xff;
	if (!(imm12 & 0xc00)) {
		switch ((imm12 >> 8) & 3) {
		case 0: return b;
		case 1: return b << 16 | b;
		case 2: return b << 24 | b << 8;
		default: return b << 24 | b << 16 | b << 8 | b;
		}
	}
	uint32_t v = 0x80 | (imm12 & 0x7f), rot = (imm12 >> 7) & 0x1f;
	return v >> rot | v << (32 - rot);
}

/* The low half a register gets from MOVW, MOV.W #imm (T2) or MOVS #imm8
 * starting at p[0..3] (16-bit forms only look at p[0..1]); 0 if none. */
static int low_half(const unsigned char *p, size_t room, unsigned rd, uint32_t *lo, unsigned *len)
{
	uint16_t hw1 = mvb_le16(p);
	if ((hw1 & 0xf800) == 0x2000 && ((hw1 >> 8) & 7) == rd) { /* MOVS Rd, #imm8 */
		*lo = hw1 & 0xff;
		*len = 2;
		return 1;
	}
	if (room < 4)
		return 0;
	uint16_t hw2 = mvb_le16(p + 2);
	unsigned r;
	if (mov_imm(hw1, hw2, 0xf240, &r, lo) && r == rd) {
		*len = 4;
		return 1;
	}
	if ((hw1 & 0xfbef) == 0xf04f && !(hw2 & 0x8000) && ((hw2 >> 8) & 0xf) == rd) { /* MOV{S}.W Rd, #const */
		uint32_t imm12 = (uint32_t)((hw1 >> 10) & 1) << 11 | (uint32_t)((hw2 >> 12) & 7) << 8 | (hw2 & 0xff);
		*lo = thumb_expand_imm(imm12) & 0xffff;
		*len = 4;
		return 1;
	}
	return 0;
}

/* Addresses built in registers, as compilers emit for -mpure-code or
 * -mslow-flash-data where there are no literal pools to scan: a MOVT sets
 * the high half, and one of the few instructions before it (MOVW, MOV.W or
 * MOVS with an immediate) the low half of the same register. */
static void scan_movw_movt(struct scan *sc, const struct mvb_elf_seg *g, const unsigned char *p)
{
	uint32_t start = g->vaddr & 1;
	for (uint32_t off = start; off + 4 <= g->filesz; off += 2) {
		unsigned rd;
		uint32_t hi16, lo16;
		if (!mov_imm(mvb_le16(p + off), mvb_le16(p + off + 2), 0xf2c0, &rd, &hi16))
			continue;
		for (uint32_t back = 2; back <= 16 && back <= off - start; back += 2) {
			unsigned len;
			if (low_half(p + off - back, back, rd, &lo16, &len) && len <= back) {
				consider(sc, hi16 << 16 | lo16, g->vaddr + off - back);
				break;
			}
		}
	}
}

/* Every aligned word of a byte range at address addr. */
static void scan_words(struct scan *sc, const unsigned char *p, uint32_t n, uint32_t addr)
{
	uint32_t skip = (4 - (addr & 3)) & 3;
	for (uint32_t off = skip; off + 4 <= n; off += 4)
		consider(sc, mvb_le32(p + off), addr + off);
}

/* Literal pools: the words PC-relative LDR instructions load.  Scanning
 * only those keeps instruction bits that happen to look like addresses out
 * of the findings. */
static void scan_literal_loads(struct scan *sc, const struct mvb_elf *e, const unsigned char *p, uint32_t n,
			       uint32_t addr)
{
	for (uint32_t off = addr & 1; off + 2 <= n; off += 2) {
		uint16_t hw1 = mvb_le16(p + off);
		uint32_t pc = ((addr + off + 4) & ~3u), target;
		if ((hw1 & 0xf800) == 0x4800) { /* LDR Rt, [PC, #imm8*4] */
			target = pc + 4u * (hw1 & 0xff);
		} else if ((hw1 & 0xff7f) == 0xf85f && off + 4 <= n) { /* LDR.W Rt, [PC, #+-imm12] */
			uint32_t imm = mvb_le16(p + off + 2) & 0xfff;
			target = (hw1 & 0x80) ? pc + imm : pc - imm;
		} else {
			continue;
		}
		const unsigned char *w = mvb_elf_bytes_at(e, target, 4);
		if (w)
			consider(sc, mvb_le32(w), target);
	}
}

static void scan_sections(struct scan *sc, const struct mvb_elf *e)
{
	for (size_t i = 0; i < e->nalloc; i++) {
		const struct mvb_elf_sec *s = &e->sec[e->alloc_by_addr[i]];
		if (s->type != 1 /* SHT_PROGBITS */ && s->type != 14 && s->type != 15 && s->type != 16)
			continue; /* no file bytes (NOBITS) or not program data */
		if (!mvb_range_ok(s->offset, s->size, e->len))
			continue;
		const unsigned char *p = e->data + s->offset;
		if (s->flags & 4 /* SHF_EXECINSTR */) {
			scan_literal_loads(sc, e, p, s->size, s->addr);
			struct mvb_elf_seg g = { 0, 1, s->offset, s->addr, s->addr, s->size, s->size, 1, 0, NULL };
			scan_movw_movt(sc, &g, p);
		} else {
			scan_words(sc, p, s->size, s->addr);
		}
	}
}

/* Without section headers: every word of every segment. */
static void scan_segments(struct scan *sc, const struct mvb_elf *e)
{
	for (size_t si = 0; si < e->nseg; si++) {
		const struct mvb_elf_seg *g = &e->seg[si];
		const unsigned char *p = e->data + g->offset;
		scan_words(sc, p, g->filesz, g->vaddr);
		if (g->flags & 1 /* PF_X */)
			scan_movw_movt(sc, g, p);
	}
}

static void scan_literals(struct ctx *x, struct mvb_check_out *out)
{
	const struct mvb_board *b = x->b;
	const struct mvb_elf *e = x->in->elf;
	const struct mvb_api *api = x->in->api;
	struct target t[2 * MVB_BOARD_MAX_PERIPHERALS + MVB_BOARD_MAX_PARTITIONS];
	size_t nt = 0;
	for (size_t i = 0; i < b->nper; i++) {
		t[nt++] = (struct target){ b->per[i].ns_base, b->per[i].ns_base + b->per[i].size, 0, i };
		if (b->per[i].s_base != b->per[i].ns_base)
			t[nt++] = (struct target){ b->per[i].s_base, b->per[i].s_base + b->per[i].size, 1, i };
	}
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		if (p->world == MVB_WORLD_NONSECURE)
			continue;
		uint32_t s = mvb_partition_s_base(b, p);
		t[nt++] = (struct target){ s, s + p->size, p->world == MVB_WORLD_NSC ? 3 : 2, i };
	}
	qsort(t, nt, sizeof(t[0]), cmp_target);
	struct scan *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return; /* the scan only adds warnings; skip it without memory */
	sc->x = x;
	sc->t = t;
	sc->nt = nt;
	if (e->nalloc)
		scan_sections(sc, e);
	else
		scan_segments(sc, e);
	struct hit *per_ns = sc->per_ns, *per_s = sc->per_s, *part = sc->part;
	unsigned *used = sc->used;
	/* also every symbol that points into the NSC region */
	const struct mvb_partition *nsc = mvb_board_role(b, MVB_ROLE_VENEERS);
	uint32_t nsc_lo = mvb_partition_s_base(b, nsc);
	for (size_t i = 0; i < e->nsym && api; i++) {
		const struct mvb_elf_sym *s = &e->sym[i];
		if (s->shndx == 0 || (s->value & ~1u) - nsc_lo >= nsc->size)
			continue;
		const struct mvb_api_entry *en = mvb_api_at(api, s->value);
		struct mvb_loc l = MVB_LOC_INIT;
		l.file = x->in->elf_file;
		if (en)
			continue; /* the import library defines every entry; only code references count as calls */
		count(x, mvb_report_hint(x->d, &l, MVB_CK_MV_CALL_UNKNOWN, "rebuild against the import library of the selected firmware",
					 "symbol '%.64s' (0x%08x) is in the NSC region but no secure entry of firmware ABI %u.%u starts there",
					 s->name, s->value, api->abi >> 16, api->abi & 0xffff));
	}

	struct mvb_loc l = MVB_LOC_INIT;
	l.file = x->in->elf_file;
	l.has_range = 1;
#define AT(h)                                                             \
	do {                                                              \
		const struct mvb_elf_sec *sec_ = mvb_elf_section_at(e, (h)->first_addr); \
		l.section = sec_ ? sec_->name : NULL;                     \
		l.lo = (h)->first_addr;                                   \
		l.hi = (h)->first_addr + 3;                               \
	} while (0)
	char more[48];
#define MORE(h) (snprintf(more, sizeof(more), (h)->count > 1 ? " (and %u more places)" : "%.0u", (h)->count - 1), more)
	for (size_t i = 0; i < b->nper; i++) {
		if (per_ns[i].count) {
			AT(&per_ns[i]);
			char hint[96];
			snprintf(hint, sizeof(hint), "%s", b->per[i].owner == MVB_OWNER_APP ? "declare it in the app manifest" : "it belongs to the microvisor; use a secure call");
			mvb_report_hint(x->d, &l, MVB_CK_PERIPH_LITERAL, hint,
					"literal 0x%08x points into peripheral '%s', which the app does not declare%s",
					per_ns[i].first_value, b->per[i].name, MORE(&per_ns[i]));
		}
		if (per_s[i].count) {
			AT(&per_s[i]);
			mvb_report_hint(x->d, &l, MVB_CK_SECURE_LITERAL, "the app must use the non-secure alias",
					"literal 0x%08x points into the secure alias of peripheral '%s'%s",
					per_s[i].first_value, b->per[i].name, MORE(&per_s[i]));
		}
	}
	for (size_t i = 0; i < b->npart; i++) {
		if (!part[i].count)
			continue;
		AT(&part[i]);
		if (b->part[i].world == MVB_WORLD_NSC)
			count(x, mvb_report_hint(x->d, &l, MVB_CK_MV_CALL_UNKNOWN, "rebuild against the import library of the selected firmware",
						 "address 0x%08x in the NSC region is not a secure entry of firmware ABI %u.%u%s",
						 part[i].first_value, api->abi >> 16, api->abi & 0xffff, MORE(&part[i])));
		else
			mvb_report(x->d, &l, MVB_CK_SECURE_LITERAL, "literal 0x%08x points into secure partition '%s'%s",
				   part[i].first_value, b->part[i].name, MORE(&part[i]));
	}
#undef AT
#undef MORE
	out->min_abi = MVB_ABI_PACK(1, 0);
	for (unsigned i = 0; api && i < api->n; i++) {
		if (!used[i])
			continue;
		if (api->e[i].since > out->min_abi)
			out->min_abi = api->e[i].since;
		if (out->ncalls < MVB_CHECK_MAX_CALLS)
			out->calls[out->ncalls++] = api->e[i].name;
	}
	free(sc);
}

unsigned mvb_check_run(const struct mvb_check_in *in, struct mvb_check_out *out, struct mvb_diags *d)
{
	struct ctx x;
	memset(&x, 0, sizeof(x));
	memset(out, 0, sizeof(*out));
	x.in = in;
	x.b = in->board;
	x.d = d;
	x.flash = mvb_board_role(x.b, MVB_ROLE_APP_CODE);
	x.ram = mvb_board_role(x.b, MVB_ROLE_APP_RAM);
	if (!x.flash || !x.ram)
		MVB_BUG("parsed board without app partitions");
	x.flash_lo = mvb_partition_ns_base(x.b, x.flash);
	x.flash_hi = x.flash_lo + x.flash->size;
	x.ram_lo = mvb_partition_ns_base(x.b, x.ram);
	x.ram_hi = x.ram_lo + x.ram->size;

	if (in->app)
		x.errors += mvb_app_resolve(in->app, x.b, in->app_file, &x.grant, d);
	else {
		struct mvb_loc l = MVB_LOC_INIT;
		l.file = in->elf_file;
		mvb_report_hint(d, &l, MVB_CK_APP_MANIFEST_MISSING, "pass --app app.yaml or build with the mvbuild SDK, which embeds it",
				"no app manifest: the app gets no peripherals and no IRQs");
	}
	out->grant = x.grant;
	check_arch(&x);
	check_entry(&x);
	check_layout(&x, out);
	check_vectors(&x, out);
	if (!in->api) {
		struct mvb_loc l = MVB_LOC_INIT;
		l.file = in->elf_file;
		mvb_report(d, &l, MVB_CK_MV_API_MISSING, "no secure entry table for board '%s': microvisor calls not checked",
			   x.b->name);
	}
	scan_literals(&x, out);
	/* a microvisor older than the explicit confirm flag refuses a header
	 * that carries it: the app needs the ABI that brought the flag */
	if (in->app && (in->app->confirm_flags & MVB_APPHDR_F_CONFIRM_EXPLICIT) && out->min_abi < MVB_ABI_PACK(1, 4))
		out->min_abi = MVB_ABI_PACK(1, 4);
	return x.errors;
}
