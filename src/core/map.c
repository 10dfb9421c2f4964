/* map.c - the to-scale SVG memory map (see map.h): one band per memory,
 * partitions by world, free space, layers and app sections, and a table of
 * exact figures under each band so that small regions stay readable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/map.h"
#include "mvb/status.h"

#define W 1040u           /* drawing width */
#define ML 130u           /* left column: row captions */
#define BW (W - ML - 20u) /* bar width: 1 px = memory size / BW */
#define ROW 26u           /* height of a bar row */
#define LINE 16u          /* height of a table line */
#define CHAR_PX 7u        /* a generous width of one 12 px sans-serif character */

struct kind_style {
	const char *label, *fill, *stroke;
};

static const struct kind_style kinds[MVB_MAP__KINDS] = {
    [MVB_MAP_LAYER_MV] = {"microvisor layer", "#c39bd3", "#6c3483"},
    [MVB_MAP_LAYER_APP] = {"app layer", "#7dcea0", "#1e8449"},
    [MVB_MAP_CODE] = {"code", "#85c1e9", "#1f618d"},
    [MVB_MAP_RODATA] = {"read-only data", "#aed6f1", "#2874a6"},
    [MVB_MAP_DATA] = {"data", "#f8c471", "#b9770e"},
    [MVB_MAP_BSS] = {"bss, stack, heap", "#d5dbdb", "#707b7c"},
};

static const struct kind_style worlds[] = {
    [MVB_WORLD_SECURE] = {"secure", "#f5b7b1", "#b03a2e"},
    [MVB_WORLD_NSC] = {"non-secure callable", "#fad7a0", "#af601a"},
    [MVB_WORLD_NONSECURE] = {"non-secure", "#d6eaf8", "#2e86c1"},
};

static const struct kind_style unpartitioned = {"no partition", "url(#gap)", "#909497"};

struct ctx {
	struct mvb_buf *o;
	int rc;
};

#define P(c, ...) ((c)->rc |= mvb_buf_printf((c)->o, __VA_ARGS__))

/* Text for an XML attribute or element: escaped, printable ASCII only,
 * at most max characters (a longer one ends in "..."). */
static void put_text(struct ctx *c, const char *s, size_t max)
{
	size_t n = strlen(s), shown = n > max ? max - 3 : n;
	for (size_t i = 0; i < shown; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '&':
			P(c, "&amp;");
			break;
		case '<':
			P(c, "&lt;");
			break;
		case '>':
			P(c, "&gt;");
			break;
		case '"':
			P(c, "&quot;");
			break;
		case '\'':
			P(c, "&apos;");
			break;
		default:
			P(c, "%c", ch >= 0x20 && ch < 0x7f ? ch : '?');
		}
	}
	if (shown < n)
		P(c, "...");
}

/* "2 MiB", "124 KiB", "4,032 B": exact, and grouped for reading. */
static void size_str(uint32_t v, char *o, size_t n)
{
	if (v && !(v & 0xfffff))
		snprintf(o, n, "%u MiB", v >> 20);
	else if (v && !(v & 0x3ff))
		snprintf(o, n, "%u KiB", v >> 10);
	else if (v >= 1000000)
		snprintf(o, n, "%u,%03u,%03u B", v / 1000000, v / 1000 % 1000, v % 1000);
	else if (v >= 1000)
		snprintf(o, n, "%u,%03u B", v / 1000, v % 1000);
	else
		snprintf(o, n, "%u B", v);
}

/* x of a memory offset, in hundredths of a pixel. */
static uint64_t xh(uint64_t off, uint32_t size)
{
	return (uint64_t)ML * 100 + off * BW * 100 / size;
}

static void coord(struct ctx *c, uint64_t h)
{
	P(c, "%llu.%02llu", (unsigned long long)(h / 100), (unsigned long long)(h % 100));
}

/* A rectangle for [off, off+len) of a memory of `size` bytes in the row at
 * y, at least 1 px wide, with a tooltip and an inside label when it fits. */
static void bar(struct ctx *c, uint32_t size, uint64_t off, uint64_t len, unsigned y, unsigned h,
                const struct kind_style *st, const char *label, const char *tip)
{
	uint64_t x0 = xh(off, size), x1 = xh(off + len, size);
	if (x1 < x0 + 100)
		x1 = x0 + 100;
	P(c, "<rect x=\"");
	coord(c, x0);
	P(c, "\" y=\"%u\" width=\"", y);
	coord(c, x1 - x0);
	P(c, "\" height=\"%u\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1\"><title>", h, st->fill, st->stroke);
	put_text(c, tip, 200);
	P(c, "</title></rect>\n");
	size_t fit = (size_t)((x1 - x0) / 100 / CHAR_PX);
	if (label && fit >= 4) {
		P(c, "<text x=\"");
		coord(c, x0 + 400);
		P(c, "\" y=\"%u\">", y + h / 2 + 4);
		put_text(c, label, fit);
		P(c, "</text>\n");
	}
}

/* The memory holding addr in either alias, and the offset in it. */
static int locate(const struct mvb_memory *m, uint32_t addr, uint32_t *off)
{
	if (addr >= m->s_base && addr - m->s_base < m->size) {
		*off = addr - m->s_base;
		return 1;
	}
	if (addr >= m->ns_base && addr - m->ns_base < m->size) {
		*off = addr - m->ns_base;
		return 1;
	}
	return 0;
}

struct placed {
	const struct mvb_map_item *it;
	uint32_t off, len; /* clipped to the memory */
};

static int by_off(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;
	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	if (x->it->kind != y->it->kind)
		return x->it->kind < y->it->kind ? -1 : 1;
	return strcmp(x->it->name, y->it->name);
}

/* Bytes of [lo, hi) covered by the placed items (sorted by offset). */
static uint64_t covered(const struct placed *p, size_t n, uint64_t lo, uint64_t hi)
{
	uint64_t used = 0, at = lo;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = p[i].off > at ? p[i].off : at, b = (uint64_t)p[i].off + p[i].len;
		if (b > hi)
			b = hi;
		if (b > a) {
			used += b - a;
			at = b;
		}
	}
	return used;
}

static void legend_entry(struct ctx *c, unsigned *x, unsigned y, const struct kind_style *st)
{
	P(c, "<rect x=\"%u\" y=\"%u\" width=\"14\" height=\"12\" fill=\"%s\" stroke=\"%s\"/>", *x, y, st->fill,
	  st->stroke);
	P(c, "<text x=\"%u\" y=\"%u\">%s</text>\n", *x + 19, y + 10, st->label);
	*x += 19 + (unsigned)strlen(st->label) * CHAR_PX + 16;
}

/* One line of a memory's table. */
static void table_line(struct ctx *c, unsigned y, unsigned indent, const struct kind_style *st, const char *name,
                       const char *what, uint32_t lo, uint32_t len, const char *note)
{
	char sz[24];
	size_str(len, sz, sizeof(sz));
	P(c, "<rect x=\"%u\" y=\"%u\" width=\"10\" height=\"10\" fill=\"%s\" stroke=\"%s\"/>", 20 + indent, y - 9,
	  st->fill, st->stroke);
	P(c, "<text x=\"%u\" y=\"%u\">", 36 + indent, y);
	put_text(c, name, 26 - indent / 7);
	P(c, "</text><text x=\"250\" y=\"%u\">", y);
	put_text(c, what, 22);
	P(c, "</text><text x=\"420\" y=\"%u\">0x%08x-0x%08x</text>", y, lo, (uint32_t)(lo + len - 1));
	P(c, "<text x=\"590\" y=\"%u\">%s</text>", y, sz);
	if (note && *note) {
		P(c, "<text x=\"680\" y=\"%u\">", y);
		put_text(c, note, 50);
		P(c, "</text>");
	}
	P(c, "\n");
}

/* A memory's band: caption, rows to scale, and the table.  Returns the y
 * below it. */
static unsigned band(struct ctx *c, const struct mvb_board *b, size_t mi, const struct placed *pl, size_t np,
                     unsigned y)
{
	const struct mvb_memory *m = &b->mem[mi];
	char sz[24], tip[256], note[96];
	if (!m->size) /* a parsed board has none; nothing to scale */
		return y;
	size_str(m->size, sz, sizeof(sz));
	P(c, "<text x=\"20\" y=\"%u\" font-weight=\"bold\" font-size=\"14\">", y + 14);
	put_text(c, m->name, 32);
	P(c, " (%s, %s): secure 0x%08x, non-secure 0x%08x", m->kind == MVB_MEM_FLASH ? "flash" : "RAM", sz, m->s_base,
	  m->ns_base);
	P(c, "</text>\n");
	if (m->description[0]) {
		P(c, "<text x=\"20\" y=\"%u\" fill=\"#566573\">", y + 30);
		put_text(c, m->description, 130);
		P(c, "</text>\n");
	}
	y += 40;

	/* partitions over the unpartitioned background */
	P(c, "<text x=\"20\" y=\"%u\">partitions</text>\n", y + ROW / 2 + 4);
	snprintf(tip, sizeof(tip), "%s: no partition", m->name);
	bar(c, m->size, 0, m->size, y, ROW, &unpartitioned, NULL, tip);
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		if (p->memory != mi)
			continue;
		size_str(p->size, sz, sizeof(sz));
		snprintf(tip, sizeof(tip), "%s: %s, %s, 0x%08x, %s", p->name, mvb_world_name(p->world),
		         mvb_role_name(p->role), mvb_partition_base(b, p), sz);
		bar(c, m->size, p->offset, p->size, y, ROW, &worlds[p->world], p->name, tip);
	}
	y += ROW + 4;

	/* layers, then sections, each in its own row when there are any */
	for (int row = 0; row < 2; row++) {
		int any = 0;
		for (size_t i = 0; i < np; i++)
			any |= (pl[i].it->kind <= MVB_MAP_LAYER_APP) == (row == 0);
		if (!any)
			continue;
		P(c, "<text x=\"20\" y=\"%u\">%s</text>\n", y + 10, row == 0 ? "bundle layers" : "app sections");
		for (size_t i = 0; i < np; i++) {
			const struct mvb_map_item *it = pl[i].it;
			if ((it->kind <= MVB_MAP_LAYER_APP) != (row == 0))
				continue;
			size_str(it->size, sz, sizeof(sz));
			snprintf(tip, sizeof(tip), "%s: %s, 0x%08x, %s", it->name, kinds[it->kind].label, it->addr, sz);
			bar(c, m->size, pl[i].off, pl[i].len, y, 16, &kinds[it->kind], it->name, tip);
		}
		y += 20;
	}

	/* the scale: both aliases of the first byte, the size at the end */
	P(c, "<text x=\"%u\" y=\"%u\" font-size=\"10\" fill=\"#566573\">0x%08x / 0x%08x</text>", ML, y + 10, m->s_base,
	  m->ns_base);
	size_str(m->size, sz, sizeof(sz));
	P(c, "<text x=\"%u\" y=\"%u\" font-size=\"10\" fill=\"#566573\" text-anchor=\"end\">+%s</text>\n", ML + BW,
	  y + 10, sz);
	y += 18;

	/* the table: partitions and gaps by offset, each with what lies in it */
	P(c, "<g font-family=\"monospace\" font-size=\"11\">\n");
	uint64_t at = 0;
	for (;;) {
		const struct mvb_partition *next = NULL;
		for (size_t i = 0; i < b->npart; i++)
			if (b->part[i].memory == mi && b->part[i].offset >= at &&
			    (!next || b->part[i].offset < next->offset))
				next = &b->part[i];
		uint64_t gap_end = next ? next->offset : m->size;
		if (gap_end > at) {
			uint32_t lo = m->s_base + (uint32_t)at;
			uint64_t used = covered(pl, np, at, gap_end);
			snprintf(note, sizeof(note), "%s", used ? "holds items outside any partition" : "");
			y += LINE;
			table_line(c, y, 0, &unpartitioned, "(no partition)", "", lo, (uint32_t)(gap_end - at), note);
		}
		if (!next)
			break;
		const struct mvb_partition *p = next;
		uint32_t base = mvb_partition_base(b, p);
		uint64_t used = covered(pl, np, p->offset, (uint64_t)p->offset + p->size);
		note[0] = 0;
		if (used) {
			char u[24], f[24];
			size_str((uint32_t)used, u, sizeof(u));
			size_str((uint32_t)(p->size - used), f, sizeof(f));
			snprintf(note, sizeof(note), "used %s, free %s", u, f);
		}
		char what[48];
		snprintf(what, sizeof(what), "%s %s", p->world == MVB_WORLD_NSC ? "nsc" : mvb_world_name(p->world),
		         mvb_role_name(p->role));
		y += LINE;
		table_line(c, y, 0, &worlds[p->world], p->name, what, base, p->size, note);
		for (size_t i = 0; i < np; i++) {
			if (pl[i].off < p->offset || pl[i].off >= (uint64_t)p->offset + p->size)
				continue;
			const struct mvb_map_item *it = pl[i].it;
			note[0] = 0;
			if ((uint64_t)pl[i].off + it->size > (uint64_t)p->offset + p->size) {
				const struct mvb_partition *q = mvb_map_partition_at(b, it->addr + it->size - 1);
				if (q && q != p)
					snprintf(note, sizeof(note), "continues into '%s'", q->name);
				else
					snprintf(note, sizeof(note), "runs past the end of '%s'", p->name);
			}
			y += LINE;
			table_line(c, y, 14, &kinds[it->kind], it->name, kinds[it->kind].label, it->addr, it->size,
			           note);
		}
		at = (uint64_t)p->offset + p->size;
	}
	P(c, "</g>\n");
	return y + 24;
}

int mvb_map_svg(const struct mvb_board *b, const char *title, const struct mvb_map_item *items, size_t n,
                struct mvb_buf *out)
{
	if (n > MVB_MAP_MAX_ITEMS)
		return MVB_EINPUT;
	struct mvb_buf body = MVB_BUF_INIT;
	struct ctx cs = {&body, 0}, *c = &cs;
	struct placed *pl = calloc(n ? n : 1, sizeof(*pl));
	if (!pl)
		return MVB_ENOMEM;

	/* legend */
	unsigned y = 20, x = 20;
	P(c, "<text x=\"20\" y=\"%u\" font-weight=\"bold\" font-size=\"16\">", y);
	put_text(c, title, 120);
	P(c, "</text>\n");
	y += 16;
	P(c, "<g font-size=\"11\">\n");
	for (unsigned w = 0; w < sizeof(worlds) / sizeof(worlds[0]); w++)
		legend_entry(c, &x, y, &worlds[w]);
	legend_entry(c, &x, y, &unpartitioned);
	int have[MVB_MAP__KINDS] = {0};
	for (size_t i = 0; i < n; i++)
		have[items[i].kind] = 1;
	x = 20;
	y += 18;
	for (unsigned k = 0; k < MVB_MAP__KINDS; k++)
		if (have[k])
			legend_entry(c, &x, y, &kinds[k]);
	P(c, "</g>\n");
	y += 24;

	size_t outside = n;
	for (size_t mi = 0; mi < b->nmem; mi++) {
		size_t np = 0;
		for (size_t i = 0; i < n; i++) {
			uint32_t off;
			if (items[i].size && locate(&b->mem[mi], items[i].addr, &off)) {
				uint64_t end = (uint64_t)off + items[i].size;
				pl[np++] = (struct placed){
				    &items[i], off, (uint32_t)((end > b->mem[mi].size ? b->mem[mi].size : end) - off)};
				outside--;
			}
		}
		qsort(pl, np, sizeof(*pl), by_off);
		y = band(c, b, mi, pl, np, y);
	}
	if (outside) {
		P(c, "<text x=\"20\" y=\"%u\">Not in any memory of this board:", y);
		for (size_t i = 0; i < n; i++) {
			uint32_t off;
			int in = !items[i].size;
			for (size_t mi = 0; mi < b->nmem && !in; mi++)
				in = locate(&b->mem[mi], items[i].addr, &off);
			if (!in) {
				P(c, " ");
				put_text(c, items[i].name, 40);
				P(c, " (0x%08x)", items[i].addr);
			}
		}
		P(c, "</text>\n");
		y += 24;
	}
	free(pl);

	struct ctx oc = {out, 0};
	P(&oc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	P(&oc,
	  "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
	  "font-family=\"sans-serif\" font-size=\"12\">\n",
	  W, y, W, y);
	P(&oc, "<title>");
	put_text(&oc, title, 200);
	P(&oc, "</title>\n");
	P(&oc, "<defs><pattern id=\"gap\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
	       "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f2f3f4\"/>"
	       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#cacfd2\" stroke-width=\"2\"/></pattern></defs>\n");
	P(&oc, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	if (!cs.rc)
		oc.rc |= mvb_buf_append(out, body.data, body.len);
	P(&oc, "</svg>\n");
	mvb_buf_release(&body);
	return cs.rc || oc.rc ? MVB_ENOMEM : 0;
}

const char *mvb_map_kind_name(enum mvb_map_kind k)
{
	static const char *const names[MVB_MAP__KINDS] = {"microvisor-layer", "app-layer", "code",
	                                                  "rodata",           "data",      "bss"};
	return (unsigned)k < MVB_MAP__KINDS ? names[k] : "unknown";
}

const struct mvb_partition *mvb_map_partition_at(const struct mvb_board *b, uint32_t addr)
{
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		uint32_t off;
		if (locate(&b->mem[p->memory], addr, &off) && off >= p->offset && off - p->offset < p->size)
			return p;
	}
	return NULL;
}

/* End of p's range in the alias that holds addr. */
static uint64_t partition_end(const struct mvb_board *b, const struct mvb_partition *p, uint32_t addr)
{
	uint32_t s = mvb_partition_s_base(b, p), ns = mvb_partition_ns_base(b, p);
	return (uint64_t)(addr >= s && addr - s < p->size ? s : ns) + p->size;
}

size_t mvb_map_partitions_in(const struct mvb_board *b, uint32_t addr, uint32_t size, const struct mvb_partition **out,
                             size_t max, int *outside)
{
	size_t n = 0;
	*outside = 0;
	/* walk the range partition by partition, jumping over gaps */
	for (uint64_t at = addr, end = (uint64_t)addr + size; at < end;) {
		const struct mvb_partition *p = mvb_map_partition_at(b, (uint32_t)at);
		if (p) {
			if (n < max && (!n || out[n - 1] != p))
				out[n++] = p;
			at = partition_end(b, p, (uint32_t)at);
			continue;
		}
		*outside = 1;
		uint64_t next = end; /* the next partition start inside the range */
		for (size_t i = 0; i < b->npart; i++) {
			uint32_t base[2] = {mvb_partition_s_base(b, &b->part[i]),
			                    mvb_partition_ns_base(b, &b->part[i])};
			for (int k = 0; k < 2; k++)
				if (base[k] > at && base[k] < next)
					next = base[k];
		}
		at = next;
	}
	return n;
}

/* ELF section header constants (the ELF module owns <gelf.h>). */
#define SHT_NOBITS_ 8u
#define SHF_WRITE_ 0x1u
#define SHF_ALLOC_ 0x2u
#define SHF_EXECINSTR_ 0x4u

size_t mvb_map_elf_items(const struct mvb_elf *e, struct mvb_map_item *items, size_t max)
{
	size_t n = 0;
	for (size_t k = 0; k < e->nalloc && n < max; k++) {
		const struct mvb_elf_sec *s = &e->sec[e->alloc_by_addr[k]];
		if (!(s->flags & SHF_ALLOC_) || !s->size)
			continue;
		struct mvb_map_item *it = &items[n++];
		memset(it, 0, sizeof(*it));
		snprintf(it->name, sizeof(it->name), "%s", s->name ? s->name : "?");
		it->addr = s->addr;
		it->size = s->size;
		it->kind = s->type == SHT_NOBITS_        ? MVB_MAP_BSS
		           : (s->flags & SHF_EXECINSTR_) ? MVB_MAP_CODE
		           : (s->flags & SHF_WRITE_)     ? MVB_MAP_DATA
		                                         : MVB_MAP_RODATA;
		if (s->type == SHT_NOBITS_)
			continue;
		/* where its bytes are loaded from, when that is elsewhere */
		for (size_t g = 0; g < e->nseg && n < max; g++) {
			const struct mvb_elf_seg *sg = &e->seg[g];
			if (s->addr < sg->vaddr || (uint64_t)s->addr + s->size > (uint64_t)sg->vaddr + sg->filesz ||
			    sg->paddr == sg->vaddr)
				continue;
			struct mvb_map_item *ld = &items[n++];
			memset(ld, 0, sizeof(*ld));
			snprintf(ld->name, sizeof(ld->name), "%.40s (load)", s->name ? s->name : "?");
			ld->addr = s->addr - sg->vaddr + sg->paddr;
			ld->size = s->size;
			ld->kind = MVB_MAP_RODATA;
			break;
		}
	}
	return n;
}
