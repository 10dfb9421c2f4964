/* board.c - board manifest parser (schema 1) and the model's consistency
 * rules: names, granules, alignment, overlaps, roles, IRQs, gates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/board.h"
#include "mvb/provision.h"
#include "mvb/status.h"
#include "yaml_int.h"

static const char *const world_words[] = { "secure", "nsc", "nonsecure", NULL };
static const char *const role_words[] = { "microvisor-code", "veneers", "microvisor-ram", "app-header",
					  "app-code", "app-ram", "reserved", "device-state", "revert", NULL };
static const char *const kind_words[] = { "flash", "ram", NULL };
static const char *const owner_words[] = { "microvisor", "app", NULL };
static const char *const fpu_words[] = { "none", "fpv5-sp-d16", "fpv5-d16", NULL };
static const char *const fabi_words[] = { "soft", "softfp", "hard", NULL };

const char *mvb_world_name(enum mvb_world w) { return world_words[w]; }
const char *mvb_role_name(enum mvb_role r) { return role_words[r]; }
const char *mvb_fpu_name(enum mvb_fpu f) { return fpu_words[f]; }
const char *mvb_float_abi_name(enum mvb_float_abi f) { return fabi_words[f]; }

void mvb_board_init(struct mvb_board *b)
{
	memset(b, 0, sizeof(*b));
	b->console = -1;
	b->link = -1;
}

void mvb_board_release(struct mvb_board *b)
{
	free(b->file);
	mvb_board_init(b);
}

uint32_t mvb_partition_s_base(const struct mvb_board *b, const struct mvb_partition *p)
{
	return b->mem[p->memory].s_base + p->offset;
}

uint32_t mvb_partition_ns_base(const struct mvb_board *b, const struct mvb_partition *p)
{
	return b->mem[p->memory].ns_base + p->offset;
}

uint32_t mvb_partition_base(const struct mvb_board *b, const struct mvb_partition *p)
{
	return p->world == MVB_WORLD_NONSECURE ? mvb_partition_ns_base(b, p) : mvb_partition_s_base(b, p);
}

const struct mvb_partition *mvb_board_role(const struct mvb_board *b, enum mvb_role role)
{
	for (size_t i = 0; i < b->npart; i++)
		if (b->part[i].role == role)
			return &b->part[i];
	return NULL;
}

const struct mvb_peripheral *mvb_board_peripheral(const struct mvb_board *b, const char *name)
{
	for (size_t i = 0; i < b->nper; i++)
		if (!strcmp(b->per[i].name, name))
			return &b->per[i];
	return NULL;
}

const struct mvb_partition *mvb_board_partition(const struct mvb_board *b, const char *name)
{
	for (size_t i = 0; i < b->npart; i++)
		if (!strcmp(b->part[i].name, name))
			return &b->part[i];
	return NULL;
}

/* Generated identifiers map '-' to '_', so names equal up to that clash. */
static int same_name(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return 0;
	return *a == *b;
}

static int is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Names are identifiers in generated C and linker scripts: [a-z0-9_-]. */
static int check_name(struct ycx *cx, const struct ynode *n, const char *what, char *out)
{
	int rc = y_str(cx, n, what, out, MVB_NAME_MAX);
	if (rc)
		return rc;
	int ok = out[0] != 0 && !(out[0] >= '0' && out[0] <= '9');
	for (const char *s = out; *s && ok; s++)
		ok = (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-';
	if (ok)
		return 0;
	struct mvb_loc l = y_loc(cx, n);
	return mvb_report_hint(cx->d, &l, MVB_CK_BOARD_NAME, "use lowercase letters, digits, '_' and '-', not starting with a digit",
			       "%s '%s' is not a valid name", what, out);
}

/* Optional description: any printable text. */
static int opt_desc(struct ycx *cx, const struct ynode *map, char *out)
{
	const struct ynode *n = y_get(map, "description");
	return n ? y_str(cx, n, "description", out, MVB_DESC_MAX) : 0;
}

static int parse_cpu(struct ycx *cx, const struct ynode *m, struct mvb_board *b)
{
	static const char *const keys[] = { "core", "arch", "fpu", "float-abi", "nvic-irqs", "mpu-regions",
					    "sau-regions", "sau-granule", NULL };
	static const char *const req[] = { "core", "arch", "fpu", "float-abi", "nvic-irqs", "mpu-regions",
					   "sau-regions", "sau-granule", NULL };
	int rc = y_keys(cx, m, "cpu", keys, req);
	if (rc)
		return rc;
	static const char *const arch_words[] = { "armv8-m.main", NULL };
	int v, e = 0;
	uint32_t u;
	e |= y_str(cx, y_get(m, "core"), "cpu core", b->cpu.core, sizeof(b->cpu.core));
	e |= y_enum(cx, y_get(m, "arch"), "cpu arch", arch_words, &v);
	if (!e)
		snprintf(b->cpu.arch, sizeof(b->cpu.arch), "%s", arch_words[v]);
	if (!y_enum(cx, y_get(m, "fpu"), "cpu fpu", fpu_words, &v))
		b->cpu.fpu = (enum mvb_fpu)v;
	else
		e = 1;
	if (!y_enum(cx, y_get(m, "float-abi"), "cpu float-abi", fabi_words, &v))
		b->cpu.float_abi = (enum mvb_float_abi)v;
	else
		e = 1;
	if (!y_u32(cx, y_get(m, "nvic-irqs"), "nvic-irqs", 1, MVB_BOARD_MAX_IRQS, &u))
		b->cpu.nvic_irqs = u;
	else
		e = 1;
	if (!y_u32(cx, y_get(m, "mpu-regions"), "mpu-regions", 0, 16, &u))
		b->cpu.mpu_regions = u;
	else
		e = 1;
	if (!y_u32(cx, y_get(m, "sau-regions"), "sau-regions", 0, 255, &u))
		b->cpu.sau_regions = u;
	else
		e = 1;
	if (!y_u32(cx, y_get(m, "sau-granule"), "sau-granule", 32, 32, &u))
		b->cpu.sau_granule = u;
	else
		e = 1;
	return e ? MVB_EINPUT : 0;
}

static int parse_gate_ctl(struct ycx *cx, const struct ynode *m, struct mvb_memory *mem)
{
	static const char *const keys[] = { "controller", "base", NULL };
	static const char *const req[] = { "controller", NULL };
	int rc = y_keys(cx, m, "memory gate", keys, req);
	if (rc)
		return rc;
	rc = check_name(cx, y_get(m, "controller"), "gate controller", mem->gate_controller);
	const struct ynode *base = y_get(m, "base");
	if (base)
		rc |= y_u32(cx, base, "gate base", 0, 0xffffffffu, &mem->gate_base);
	mem->has_gate = !rc;
	return rc ? MVB_EINPUT : 0;
}

static int parse_memory(struct ycx *cx, const struct ynode *m, struct mvb_memory *mem)
{
	static const char *const keys[] = { "name", "description", "kind", "s-base", "ns-base", "size", "granule",
					    "erase-size", "write-size", "gate", NULL };
	static const char *const req[] = { "name", "kind", "s-base", "ns-base", "size", "granule", NULL };
	memset(mem, 0, sizeof(*mem)); /* a slot may hold a failed earlier item */
	int rc = y_keys(cx, m, "memory", keys, req);
	if (rc)
		return rc;
	int e = 0, v = 0;
	mem->line = m->line; mem->col = m->col;
	e |= check_name(cx, y_get(m, "name"), "memory name", mem->name);
	e |= opt_desc(cx, m, mem->description);
	e |= y_enum(cx, y_get(m, "kind"), "memory kind", kind_words, &v);
	mem->kind = (enum mvb_mem_kind)v;
	e |= y_u32(cx, y_get(m, "s-base"), "s-base", 0, 0xffffffffu, &mem->s_base);
	e |= y_u32(cx, y_get(m, "ns-base"), "ns-base", 0, 0xffffffffu, &mem->ns_base);
	e |= y_u32(cx, y_get(m, "size"), "memory size", 1, 0xffffffffu, &mem->size);
	e |= y_u32(cx, y_get(m, "granule"), "granule", 1, 0x10000000u, &mem->granule);
	const struct ynode *n;
	if ((n = y_get(m, "erase-size")))
		e |= y_u32(cx, n, "erase-size", 1, 0x10000000u, &mem->erase_size);
	else if (!e && mem->kind == MVB_MEM_FLASH) {
		struct mvb_loc l = y_loc(cx, m);
		e |= mvb_report(cx->d, &l, MVB_CK_YAML_MISSING_KEY, "flash memory '%s' has no 'erase-size'", mem->name);
	}
	mem->write_size = 1;
	if ((n = y_get(m, "write-size")))
		e |= y_u32(cx, n, "write-size", 1, 4096, &mem->write_size);
	if ((n = y_get(m, "gate")))
		e |= parse_gate_ctl(cx, n, mem);
	if (e)
		return MVB_EINPUT;
	/* the checks below need the values */
	struct mvb_loc l = y_loc(cx, m);
	if (!is_pow2(mem->granule) || (mem->erase_size && !is_pow2(mem->erase_size)) || !is_pow2(mem->write_size))
		return mvb_report(cx->d, &l, MVB_CK_BOARD_GRANULE,
				  "memory '%s': granule, erase-size and write-size must be powers of two", mem->name);
	if ((uint64_t)mem->s_base + mem->size > 0x100000000ull || (uint64_t)mem->ns_base + mem->size > 0x100000000ull)
		return mvb_report(cx->d, &l, MVB_CK_YAML_RANGE, "memory '%s' extends past the 4 GiB address space",
				  mem->name);
	if (mem->s_base % mem->granule || mem->ns_base % mem->granule || mem->size % mem->granule)
		return mvb_report(cx->d, &l, MVB_CK_BOARD_MEMORY_ALIGN,
				  "memory '%s': bases and size must be multiples of its granule (0x%x)", mem->name,
				  mem->granule);
	return 0;
}

static int parse_partition(struct ycx *cx, const struct ynode *m, struct mvb_board *b, struct mvb_partition *p)
{
	static const char *const keys[] = { "name", "description", "memory", "offset", "size", "world", "role", NULL };
	static const char *const req[] = { "name", "memory", "offset", "size", "world", "role", NULL };
	memset(p, 0, sizeof(*p)); /* a slot may hold a failed earlier item */
	int rc = y_keys(cx, m, "partition", keys, req);
	if (rc)
		return rc;
	int e = 0, v = 0;
	char memname[MVB_NAME_MAX] = "";
	p->line = m->line;
	p->col = m->col;
	e |= check_name(cx, y_get(m, "name"), "partition name", p->name);
	e |= opt_desc(cx, m, p->description);
	e |= check_name(cx, y_get(m, "memory"), "memory", memname);
	e |= y_u32(cx, y_get(m, "offset"), "partition offset", 0, 0xffffffffu, &p->offset);
	e |= y_u32(cx, y_get(m, "size"), "partition size", 1, 0xffffffffu, &p->size);
	if (!y_enum(cx, y_get(m, "world"), "world", world_words, &v))
		p->world = (enum mvb_world)v;
	else
		e = 1;
	if (!y_enum(cx, y_get(m, "role"), "role", role_words, &v))
		p->role = (enum mvb_role)v;
	else
		e = 1;
	if (e)
		return MVB_EINPUT;
	for (size_t i = 0; i < b->nmem; i++) {
		if (!strcmp(b->mem[i].name, memname)) {
			p->memory = (unsigned)i;
			return 0;
		}
	}
	struct mvb_loc l = y_loc(cx, y_get(m, "memory"));
	return mvb_report(cx->d, &l, MVB_CK_BOARD_UNKNOWN_REF, "partition '%s' names unknown memory '%s'", p->name,
			  memname);
}

/* "PA9": port letter A-P, pin 0-15. */
static int pin_name(const char *s, uint8_t *port, uint8_t *num)
{
	if (s[0] != 'P' || s[1] < 'A' || s[1] >= 'A' + MVB_BOARD_MAX_PIN_PORTS || s[2] < '0' || s[2] > '9')
		return -1;
	unsigned v = (unsigned)(s[2] - '0');
	if (s[3]) {
		if (s[2] == '0' || s[3] < '0' || s[3] > '9' || s[4])
			return -1;
		v = v * 10 + (unsigned)(s[3] - '0');
	}
	if (v > 15)
		return -1;
	*port = (uint8_t)(s[1] - 'A');
	*num = (uint8_t)v;
	return 0;
}

/* pins: [{signal: tx, pin: PA9, af: 7}, ...] */
static int parse_pins(struct ycx *cx, const struct ynode *n, struct mvb_peripheral *per)
{
	static const char *const pkeys[] = { "signal", "pin", "af", NULL };
	int e = 0;
	if (y_expect(cx, n, YN_SEQ, "pins"))
		return 1;
	if (n->n > MVB_PERIPH_MAX_PINS) {
		struct mvb_loc l = y_loc(cx, n);
		mvb_report(cx->d, &l, MVB_CK_YAML_RANGE, "more than %d pins for one peripheral", MVB_PERIPH_MAX_PINS);
		return 1;
	}
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[i];
		struct mvb_pin *pin = &per->pins[per->npins];
		char name[8];
		uint32_t af;
		if (y_keys(cx, k, "pin", pkeys, pkeys)) {
			e = 1;
			continue;
		}
		pin->line = k->line;
		pin->col = k->col;
		int pe = y_str(cx, y_get(k, "signal"), "pin signal", pin->signal, sizeof(pin->signal));
		pe |= y_u32(cx, y_get(k, "af"), "alternate function", 0, 15, &af);
		if (y_str(cx, y_get(k, "pin"), "pin", name, sizeof(name)) || pin_name(name, &pin->port, &pin->num)) {
			struct mvb_loc l = y_loc(cx, y_get(k, "pin"));
			mvb_report(cx->d, &l, MVB_CK_BOARD_PIN, "pin of peripheral '%s' is not PXn (port A-P, pin 0-15)",
				   per->name);
			pe = 1;
		}
		pin->af = (uint8_t)af;
		if (pe)
			e = 1;
		else
			per->npins++;
	}
	return e;
}

static int parse_peripheral(struct ycx *cx, const struct ynode *m, struct mvb_peripheral *per)
{
	static const char *const keys[] = { "name", "description", "s-base", "ns-base", "size", "irqs", "owner",
					    "gate", "pins", NULL };
	static const char *const req[] = { "name", "s-base", "ns-base", "size", "owner", NULL };
	memset(per, 0, sizeof(*per)); /* a slot may hold a failed earlier item */
	int rc = y_keys(cx, m, "peripheral", keys, req);
	if (rc)
		return rc;
	int e = 0, v = 0;
	per->line = m->line; per->col = m->col;
	e |= check_name(cx, y_get(m, "name"), "peripheral name", per->name);
	e |= opt_desc(cx, m, per->description);
	e |= y_u32(cx, y_get(m, "s-base"), "s-base", 0, 0xffffffffu, &per->s_base);
	e |= y_u32(cx, y_get(m, "ns-base"), "ns-base", 0, 0xffffffffu, &per->ns_base);
	e |= y_u32(cx, y_get(m, "size"), "peripheral size", 1, 0x10000000u, &per->size);
	if (!y_enum(cx, y_get(m, "owner"), "owner", owner_words, &v))
		per->owner = (enum mvb_owner)v;
	else
		e = 1;
	const struct ynode *n;
	if ((n = y_get(m, "irqs"))) {
		if (y_expect(cx, n, YN_SEQ, "irqs"))
			e = 1;
		else if (n->n > MVB_PERIPH_MAX_IRQS) {
			struct mvb_loc l = y_loc(cx, n);
			e |= mvb_report(cx->d, &l, MVB_CK_YAML_RANGE, "more than %d IRQs for one peripheral",
					MVB_PERIPH_MAX_IRQS);
		} else {
			for (size_t i = 0; i < n->n; i++) {
				uint32_t irq;
				if (y_u32(cx, n->kids[i], "IRQ number", 0, MVB_BOARD_MAX_IRQS - 1, &irq))
					e = 1;
				else
					per->irqs[per->nirqs++] = (uint16_t)irq;
			}
		}
	}
	if ((n = y_get(m, "gate"))) {
		static const char *const gkeys[] = { "reg", "bit", NULL };
		if (y_keys(cx, n, "peripheral gate", gkeys, gkeys))
			e = 1;
		else {
			uint32_t bit = 0;
			int ge = check_name(cx, y_get(n, "reg"), "gate register", per->gate_reg);
			ge |= y_u32(cx, y_get(n, "bit"), "gate bit", 0, 31, &bit);
			per->gate_bit = bit;
			per->has_gate = !ge;
			e |= ge;
		}
	}
	if ((n = y_get(m, "pins")))
		e |= parse_pins(cx, n, per);
	if (e)
		return MVB_EINPUT;
	if ((uint64_t)per->s_base + per->size > 0x100000000ull || (uint64_t)per->ns_base + per->size > 0x100000000ull) {
		struct mvb_loc l = y_loc(cx, m);
		return mvb_report(cx->d, &l, MVB_CK_YAML_RANGE, "peripheral '%s' extends past the 4 GiB address space",
				  per->name);
	}
	return 0;
}

/* Parses a list of items with fn, bounded by max. */
#define PARSE_LIST(key, arr, count, max, what, call)                                                          \
	do {                                                                                                  \
		const struct ynode *list_ = y_get(root, key);                                                  \
		if (!list_ || y_expect(cx, list_, YN_SEQ, key)) {                                              \
			e = 1;                                                                                 \
			break;                                                                                 \
		}                                                                                              \
		if (list_->n > (max)) {                                                                         \
			struct mvb_loc l_ = y_loc(cx, list_);                                                  \
			e |= mvb_report(cx->d, &l_, MVB_CK_YAML_RANGE, "more than %d " what, (int)(max));        \
			break;                                                                                 \
		}                                                                                              \
		for (size_t i_ = 0; i_ < list_->n; i_++) {                                                     \
			const struct ynode *item = list_->kids[i_];                                            \
			if (call)                                                                              \
				e = 1;                                                                         \
			else                                                                                   \
				(count)++;                                                                     \
			(void)arr;                                                                             \
		}                                                                                              \
	} while (0)

struct range {
	uint64_t lo, hi; /* [lo, hi) */
	const char *what, *name;
	unsigned line;
};

static int overlaps(const struct range *a, const struct range *b)
{
	return a->lo < b->hi && b->lo < a->hi;
}

/* Model rules that need the whole board. */
static int validate(struct ycx *cx, struct mvb_board *b)
{
	int e = 0;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = cx->file;

	/* unique names per table */
#define DUP_CHECK(arr, cnt, what)                                                                       \
	for (size_t i = 0; i < (cnt); i++)                                                              \
		for (size_t j = 0; j < i; j++)                                                          \
			if (same_name(b->arr[i].name, b->arr[j].name)) {                                \
				l.line = b->arr[i].line;                                                \
				l.col = b->arr[i].col;                                                  \
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_DUPLICATE,                      \
						what " '%s' is defined twice (first at line %u)",       \
						b->arr[i].name, b->arr[j].line);                        \
			}
	DUP_CHECK(mem, b->nmem, "memory")
	DUP_CHECK(part, b->npart, "partition")
	DUP_CHECK(per, b->nper, "peripheral")
#undef DUP_CHECK

	/* memory aliases must not overlap each other */
	struct range r[2 * MVB_BOARD_MAX_MEMORIES];
	size_t nr = 0;
	for (size_t i = 0; i < b->nmem; i++) {
		const struct mvb_memory *m = &b->mem[i];
		r[nr++] = (struct range){ m->s_base, (uint64_t)m->s_base + m->size, "secure alias", m->name, m->line };
		if (m->ns_base != m->s_base)
			r[nr++] = (struct range){ m->ns_base, (uint64_t)m->ns_base + m->size, "non-secure alias",
						  m->name, m->line };
	}
	for (size_t i = 0; i < nr; i++)
		for (size_t j = 0; j < i; j++)
			if (overlaps(&r[i], &r[j])) {
				l.line = r[i].line;
				l.col = 1;
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_MEMORY_OVERLAP,
						"%s of memory '%s' overlaps %s of memory '%s'", r[i].what, r[i].name,
						r[j].what, r[j].name);
			}

	/* partitions: inside, aligned, disjoint */
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		const struct mvb_memory *m = &b->mem[p->memory];
		l.line = p->line;
		l.col = p->col;
		if ((uint64_t)p->offset + p->size > m->size) {
			e |= mvb_report_hint(cx->d, &l, MVB_CK_BOARD_PARTITION_OUTSIDE, "shrink it or move it down",
					     "partition '%s' (offset 0x%x, size 0x%x) ends 0x%llx bytes past the end of memory '%s' (size 0x%x)",
					     p->name, p->offset, p->size,
					     (unsigned long long)((uint64_t)p->offset + p->size - m->size), m->name, m->size);
			continue;
		}
		uint32_t align = m->granule;
		const char *why = "security granule";
		if (m->erase_size > align) {
			align = m->erase_size;
			why = "erase size";
		}
		if (p->offset % align || p->size % align) {
			char hint[96];
			snprintf(hint, sizeof(hint), "use multiples of 0x%x", align);
			e |= mvb_report_hint(cx->d, &l, MVB_CK_BOARD_PARTITION_ALIGN, hint,
					     "partition '%s' (offset 0x%x, size 0x%x) is not aligned to the %s of memory '%s' (0x%x)",
					     p->name, p->offset, p->size, why, m->name, align);
		}
		for (size_t j = 0; j < i; j++) {
			const struct mvb_partition *q = &b->part[j];
			if (q->memory == p->memory && p->offset < (uint64_t)q->offset + q->size &&
			    q->offset < (uint64_t)p->offset + p->size)
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_OVERLAP,
						"partition '%s' (0x%08x-0x%08x) overlaps partition '%s' (0x%08x-0x%08x)",
						p->name, mvb_partition_base(b, p), mvb_partition_base(b, p) + p->size - 1,
						q->name, mvb_partition_base(b, q), mvb_partition_base(b, q) + q->size - 1);
		}
	}

	/* roles: the six functional ones exactly once, each in its world */
	static const enum mvb_world role_world[] = { MVB_WORLD_SECURE, MVB_WORLD_NSC, MVB_WORLD_SECURE,
						     MVB_WORLD_SECURE, MVB_WORLD_NONSECURE, MVB_WORLD_NONSECURE };
	for (int role = 0; role < MVB_ROLE_RESERVED; role++) {
		unsigned count = 0;
		for (size_t i = 0; i < b->npart; i++) {
			const struct mvb_partition *p = &b->part[i];
			if ((int)p->role != role)
				continue;
			l.line = p->line;
			l.col = p->col;
			if (++count == 2)
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE,
						"partition '%s' repeats role '%s'", p->name, role_words[role]);
			if (p->world != role_world[role])
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE,
						"partition '%s' has role '%s' and must be %s, not %s", p->name,
						role_words[role], world_words[role_world[role]], world_words[p->world]);
		}
		if (!count) {
			l.line = 1;
			l.col = 1;
			e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE, "no partition has role '%s'",
					role_words[role]);
		}
	}
	unsigned states = 0, reverts = 0;
	const struct mvb_partition *appc = mvb_board_role(b, MVB_ROLE_APP_CODE);
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		l.line = p->line;
		l.col = p->col;
		if (p->role >= MVB_ROLE_RESERVED && p->world != MVB_WORLD_SECURE)
			e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE, "%s partition '%s' must be secure",
					role_words[p->role], p->name);
		if (p->role == MVB_ROLE_DEVICE_STATE && ++states == 2)
			e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE, "partition '%s' repeats role 'device-state'",
					p->name);
		if (p->role == MVB_ROLE_REVERT && ++reverts == 2)
			e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE, "partition '%s' repeats role 'revert'",
					p->name);
		/* it must outlive a power cut as the app code does */
		if (p->role == MVB_ROLE_REVERT && appc && b->mem[p->memory].kind != b->mem[appc->memory].kind)
			e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE,
					"revert partition '%s' is not in the same kind of memory as the app code", p->name);
		if (p->role == MVB_ROLE_DEVICE_STATE && p->size < MVB_PROV_SIZE)
			e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PARTITION_ROLE,
					"device-state partition '%s' is smaller than a provisioning record (%u bytes)",
					p->name, MVB_PROV_SIZE);
	}

	/* peripherals: disjoint from each other and from memories; IRQs; gates */
	for (size_t i = 0; i < b->nper; i++) {
		const struct mvb_peripheral *p = &b->per[i];
		struct range ps = { p->s_base, (uint64_t)p->s_base + p->size, "secure alias", p->name, p->line };
		struct range pn = { p->ns_base, (uint64_t)p->ns_base + p->size, "non-secure alias", p->name, p->line };
		l.line = p->line;
		l.col = p->col;
		for (size_t j = 0; j < i; j++) {
			const struct mvb_peripheral *q = &b->per[j];
			struct range qs = { q->s_base, (uint64_t)q->s_base + q->size, "", q->name, q->line };
			struct range qn = { q->ns_base, (uint64_t)q->ns_base + q->size, "", q->name, q->line };
			if (overlaps(&ps, &qs) || overlaps(&pn, &qn) || overlaps(&ps, &qn) || overlaps(&pn, &qs))
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PERIPHERAL_OVERLAP,
						"peripheral '%s' overlaps peripheral '%s'", p->name, q->name);
		}
		for (size_t j = 0; j < nr; j++)
			if (overlaps(&ps, &r[j]) || overlaps(&pn, &r[j]))
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_PERIPHERAL_OVERLAP,
						"peripheral '%s' overlaps memory '%s'", p->name, r[j].name);
		for (unsigned k = 0; k < p->nirqs; k++) {
			if (p->irqs[k] >= b->cpu.nvic_irqs)
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_IRQ,
						"peripheral '%s' uses IRQ %u but the NVIC has %u (0-%u)", p->name,
						p->irqs[k], b->cpu.nvic_irqs, b->cpu.nvic_irqs - 1);
			for (unsigned kk = 0; kk < k; kk++)
				if (p->irqs[kk] == p->irqs[k])
					e |= mvb_report(cx->d, &l, MVB_CK_BOARD_IRQ, "peripheral '%s' lists IRQ %u twice",
							p->name, p->irqs[k]);
			for (size_t j = 0; j < i; j++)
				for (unsigned kk = 0; kk < b->per[j].nirqs; kk++)
					if (b->per[j].irqs[kk] == p->irqs[k])
						e |= mvb_report(cx->d, &l, MVB_CK_BOARD_IRQ,
								"IRQ %u is claimed by '%s' and '%s'", p->irqs[k],
								b->per[j].name, p->name);
		}
		if (p->owner == MVB_OWNER_APP && !p->has_gate)
			e |= mvb_report_hint(cx->d, &l, MVB_CK_BOARD_GATE, "add gate: {reg: NAME, bit: N} or make it owner: microvisor",
					     "app-assignable peripheral '%s' has no security gate", p->name);
		for (size_t j = 0; j < i && p->has_gate; j++)
			if (b->per[j].has_gate && b->per[j].gate_bit == p->gate_bit &&
			    !strcmp(b->per[j].gate_reg, p->gate_reg))
				e |= mvb_report(cx->d, &l, MVB_CK_BOARD_GATE,
						"peripherals '%s' and '%s' share gate %s bit %u", b->per[j].name, p->name,
						p->gate_reg, p->gate_bit);
		/* a pin has one owner: the peripheral it is listed under */
		for (unsigned k = 0; k < p->npins; k++) {
			const struct mvb_pin *a = &p->pins[k];
			for (size_t j = 0; j <= i; j++)
				for (unsigned kk = 0; kk < (j == i ? k : b->per[j].npins); kk++) {
					const struct mvb_pin *o = &b->per[j].pins[kk];
					if (o->port != a->port || o->num != a->num)
						continue;
					struct mvb_loc pl = l;
					pl.line = a->line;
					pl.col = a->col;
					e |= mvb_report(cx->d, &pl, MVB_CK_BOARD_PIN,
							"pin P%c%u of '%s' (%s) is already '%s''s (%s, line %u): a pin has one owner",
							'A' + a->port, a->num, p->name, a->signal, b->per[j].name, o->signal,
							o->line);
				}
		}
	}
	return e ? MVB_EINPUT : 0;
}

int mvb_board_parse(struct mvb_board *b, const char *file, const void *text, size_t len, struct mvb_diags *d)
{
	struct ycx cxs = { file, d }, *cx = &cxs;
	struct ydoc doc;
	mvb_board_init(b);
	if (file && !(b->file = strdup(file)))
		return MVB_ENOMEM;
	int rc = mvb_yaml_load(cx, text, len, &doc);
	if (rc)
		return rc;
	static const char *const keys[] = { "schema", "name", "description", "vendor", "cpu", "security", "memories",
					    "partitions", "peripherals", "console", "link", "debug", NULL };
	static const char *const req[] = { "schema", "name", "cpu", "memories", "partitions", "peripherals",
					   "console", NULL };
	const struct ynode *root = doc.root, *n;
	int e = 0;
	if ((e = y_keys(cx, root, "the board manifest", keys, req)))
		goto out;
	uint32_t schema = 0;
	if ((e = y_u32(cx, y_get(root, "schema"), "schema", 0, 0xffffffffu, &schema)))
		goto out;
	if (schema != 1) {
		struct mvb_loc l = y_loc(cx, y_get(root, "schema"));
		e = mvb_report_hint(cx->d, &l, MVB_CK_BOARD_SCHEMA, "this mvbuild reads schema 1",
				    "board manifest schema %u is not supported", schema);
		goto out;
	}
	b->schema = schema;
	e |= check_name(cx, y_get(root, "name"), "board name", b->name);
	e |= opt_desc(cx, root, b->description);
	if ((n = y_get(root, "vendor")))
		e |= check_name(cx, n, "vendor", b->vendor);
	e |= parse_cpu(cx, y_get(root, "cpu"), b);
	if ((n = y_get(root, "security"))) {
		static const char *const skeys[] = { "memory-gate", "peripheral-gate", NULL };
		if (y_keys(cx, n, "security", skeys, NULL))
			e = 1;
		else {
			const struct ynode *g;
			if ((g = y_get(n, "memory-gate")))
				e |= check_name(cx, g, "memory-gate", b->memory_gate);
			if ((g = y_get(n, "peripheral-gate")))
				e |= check_name(cx, g, "peripheral-gate", b->peripheral_gate);
		}
	}
	PARSE_LIST("memories", b->mem, b->nmem, MVB_BOARD_MAX_MEMORIES, "memories",
		   parse_memory(cx, item, &b->mem[b->nmem]));
	PARSE_LIST("peripherals", b->per, b->nper, MVB_BOARD_MAX_PERIPHERALS, "peripherals",
		   parse_peripheral(cx, item, &b->per[b->nper]));
	if (!e)
		PARSE_LIST("partitions", b->part, b->npart, MVB_BOARD_MAX_PARTITIONS, "partitions",
			   parse_partition(cx, item, b, &b->part[b->npart]));
	if ((n = y_get(root, "debug"))) {
		static const char *const dkeys[] = { "qemu-machine", "openocd-target", "openocd-config", "stlink", NULL };
		if (y_keys(cx, n, "debug", dkeys, NULL))
			e = 1;
		else {
			const struct ynode *g;
			if ((g = y_get(n, "qemu-machine")))
				e |= y_str(cx, g, "qemu-machine", b->qemu_machine, sizeof(b->qemu_machine));
			if ((g = y_get(n, "openocd-target")))
				e |= y_str(cx, g, "openocd-target", b->openocd_target, sizeof(b->openocd_target));
			if ((g = y_get(n, "openocd-config")))
				e |= y_str(cx, g, "openocd-config", b->openocd_config, sizeof(b->openocd_config));
			if ((g = y_get(n, "stlink")))
				e |= y_bool(cx, g, "stlink", &b->stlink);
		}
	}
	if (e)
		goto out;
	char console[MVB_NAME_MAX];
	n = y_get(root, "console");
	if ((e = check_name(cx, n, "console", console)))
		goto out;
	for (size_t i = 0; i < b->nper; i++)
		if (!strcmp(b->per[i].name, console))
			b->console = (int)i;
	if (b->console < 0) {
		struct mvb_loc l = y_loc(cx, n);
		e = mvb_report(cx->d, &l, MVB_CK_BOARD_UNKNOWN_REF, "console '%s' is not a peripheral of the board",
			       console);
	} else if (b->per[b->console].owner != MVB_OWNER_MICROVISOR) {
		struct mvb_loc l = y_loc(cx, n);
		e = mvb_report(cx->d, &l, MVB_CK_BOARD_CONSOLE, "console '%s' must be owner: microvisor", console);
	}
	if (!e && (n = y_get(root, "link"))) {
		char link[MVB_NAME_MAX];
		if ((e = check_name(cx, n, "link", link)))
			goto out;
		for (size_t i = 0; i < b->nper; i++)
			if (!strcmp(b->per[i].name, link))
				b->link = (int)i;
		struct mvb_loc l = y_loc(cx, n);
		if (b->link < 0)
			e = mvb_report(cx->d, &l, MVB_CK_BOARD_UNKNOWN_REF, "link '%s' is not a peripheral of the board", link);
		else if (b->per[b->link].owner != MVB_OWNER_MICROVISOR)
			e = mvb_report(cx->d, &l, MVB_CK_BOARD_LINK, "link '%s' must be owner: microvisor", link);
		else if (b->per[b->link].nirqs == 0)
			e = mvb_report(cx->d, &l, MVB_CK_BOARD_LINK, "link '%s' has no interrupt to receive with", link);
		else if (b->link == b->console)
			e = mvb_report(cx->d, &l, MVB_CK_BOARD_LINK, "link '%s' is the console too", link);
	}
	e |= validate(cx, b);
out:
	mvb_yaml_free(&doc);
	return e ? MVB_EINPUT : 0;
}
