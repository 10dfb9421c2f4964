/* test_crash.c - crash records on the host (src/core/crash.c): a record
 * written byte by byte here (not by the code under test) is read field by
 * field; one row per malformed record with the offset it must be blamed
 * on; the core file read back by an ELF reader of this test's own (its
 * notes, registers, VFP and stack where mvbuild-crash(5) puts them); the
 * record out of the core again, and cores cut short, bent and broken;
 * the signal, the fault bits and the fault addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mvb/crashfile.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A record as the microvisor lays it out (mvbuild-crash(5)'s table):
 * every register a value of its own, stack_len bytes of stack.  Returns
 * its size. */
static size_t fixture(uint8_t *b, uint32_t flags, uint32_t stack_len)
{
	memset(b, 0, MVB_CRASH_SIZE);
	memcpy(b, "MVCR", 4);
	b[4] = 1;
	b[6] = (uint8_t)(0x138 + stack_len);
	b[7] = (uint8_t)((0x138 + stack_len) >> 8);
	put32(b + 0x08, 3);          /* cr_number */
	put32(b + 0x0c, 0x4512);     /* cr_reason: UsageFault */
	put32(b + 0x10, 123456);     /* cr_uptime_ms */
	put32(b + 0x14, 0x01020003); /* 1.2.3 */
	for (unsigned i = 0; i < 32; i++)
		b[0x18 + i] = (uint8_t)(0xa0 + i);
	put32(b + 0x38, flags);
	put32(b + 0x3c, 0xffffffbc);
	for (unsigned i = 0; i < 13; i++)
		put32(b + 0x40 + 4 * i, 0x1000 + i);
	put32(b + 0x74, 0x28000ff0); /* sp */
	put32(b + 0x78, 0x0020000f); /* lr */
	put32(b + 0x7c, 0x00200002); /* pc */
	put32(b + 0x80, 0xff0ffc2a); /* NZCVQ, IT, T, GE, exception 42 */
	put32(b + 0x84, 0x28001f00);
	put32(b + 0x88, 0x28000fe0);
	put32(b + 0x8c, 0x2);
	put32(b + 0x90, 0x00008200); /* BFARVALID PRECISERR */
	put32(b + 0x94, 0x02010082); /* DIVBYZERO UNDEFINSTR MMARVALID DACCVIOL */
	put32(b + 0x98, 0x40000000);
	put32(b + 0x9c, 0x00000048); /* SFARVALID AUVIOL */
	put32(b + 0xa0, 0x10000000);
	put32(b + 0xa4, 0xfffffff0);
	put32(b + 0xa8, 0x40001000);
	put32(b + 0xac, 0x03000000);
	for (unsigned i = 0; i < 32; i++)
		put32(b + 0xb0 + 4 * i, 0x3f800000 + i);
	put32(b + 0x130, stack_len ? 0x28000ff0 : 0);
	put32(b + 0x134, stack_len);
	for (unsigned i = 0; i < stack_len; i++)
		b[0x138 + i] = (uint8_t)(i * 7 + 1);
	return 0x138 + stack_len;
}

#define ALL (MVB_CRASH_F_FRAME | MVB_CRASH_F_CALLEE | MVB_CRASH_F_FP | MVB_CRASH_F_STACK | MVB_CRASH_F_PSP)

static void test_fields(void **state)
{
	(void)state;
	uint8_t b[MVB_CRASH_SIZE + 8];
	size_t n = fixture(b, ALL, 100);
	/* bytes past cr_size are neither read nor kept */
	memset(b + n, 0xee, sizeof(b) - n);
	struct mvb_crash c;
	char err[200];
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	assert_int_equal(mvb_crash_check(b, sizeof(b), &c, err, sizeof(err)), 0);
	assert_int_equal(c.cr_magic, MVB_CRASH_MAGIC);
	assert_int_equal(c.cr_format, 1);
	assert_int_equal(c.cr_size, 0x138 + 100);
	assert_int_equal(c.cr_number, 3);
	assert_int_equal(c.cr_reason, 0x4512);
	assert_int_equal(c.cr_uptime_ms, 123456);
	assert_int_equal(c.cr_app_version, 0x01020003);
	assert_int_equal(c.cr_image_sha256[0], 0xa0);
	assert_int_equal(c.cr_image_sha256[31], 0xa0 + 31);
	assert_int_equal(c.cr_flags, ALL);
	assert_int_equal(c.cr_exc_return, 0xffffffbc);
	assert_int_equal(c.cr_r[0], 0x1000);
	assert_int_equal(c.cr_r[12], 0x100c);
	assert_int_equal(c.cr_sp, 0x28000ff0);
	assert_int_equal(c.cr_lr, 0x0020000f);
	assert_int_equal(c.cr_pc, 0x00200002);
	assert_int_equal(c.cr_msp_ns, 0x28001f00);
	assert_int_equal(c.cr_psp_ns, 0x28000fe0);
	assert_int_equal(c.cr_control_ns, 2);
	assert_int_equal(c.cr_cfsr, 0x8200);
	assert_int_equal(c.cr_cfsr_ns, 0x02010082);
	assert_int_equal(c.cr_hfsr, 0x40000000);
	assert_int_equal(c.cr_sfsr, 0x48);
	assert_int_equal(c.cr_sfar, 0x10000000);
	assert_int_equal(c.cr_mmfar_ns, 0xfffffff0);
	assert_int_equal(c.cr_bfar, 0x40001000);
	assert_int_equal(c.cr_fpscr, 0x03000000);
	assert_int_equal(c.cr_s[0], 0x3f800000);
	assert_int_equal(c.cr_s[31], 0x3f800000 + 31);
	assert_int_equal(c.cr_stack_addr, 0x28000ff0);
	assert_int_equal(c.cr_stack_len, 100);
	assert_int_equal(c.cr_stack[0], 1);
	assert_int_equal(c.cr_stack[99], (uint8_t)(99 * 7 + 1));
	for (unsigned i = 100; i < MVB_CRASH_STACK_MAX; i++)
		assert_int_equal(c.cr_stack[i], 0); /* zero-padded */
	/* and back: the same bytes */
	struct mvb_buf enc = MVB_BUF_INIT;
	assert_int_equal(mvb_crash_encode(&c, &enc), 0);
	assert_int_equal(enc.len, n);
	assert_memory_equal(enc.data, b, n);
	mvb_buf_release(&enc);
	/* a record without stack or FP: just the header */
	n = fixture(b, MVB_CRASH_F_FRAME, 0);
	assert_int_equal(n, MVB_CRASH_HEAD);
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	assert_int_equal(c.cr_stack_len, 0);
	/* a full stack */
	n = fixture(b, ALL, MVB_CRASH_STACK_MAX);
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	assert_int_equal(c.cr_stack[255], (uint8_t)(255 * 7 + 1));
}

/* One malformed record per row: the field at `at` set to `value` (width
 * 2 or 4 bytes; width 0: only the length changes), then checked over n
 * bytes (0: the record's own size); the offset blamed and a word of the
 * reason. */
struct bad_row {
	const char *what;
	size_t at, width;
	uint32_t value;
	long n; /* bytes checked; -1: the record's size, -2: one less */
	size_t want_off;
	const char *want;
};
static const struct bad_row bad_rows[] = {
    {"empty", 0, 0, 0, 0, 0, "not a crash record"},
    {"another magic", 0, 4, 0x5243564e, -1, 0, "not a crash record"},
    {"magic cut short and wrong", 0, 4, 0x0058564d, 3, 0, "not a crash record"},
    {"three bytes of the magic", 0, 0, 0, 3, 3, "inside its 0x138-byte header"},
    {"the header cut short", 0, 0, 0, 0x137, 0x137, "inside its 0x138-byte header"},
    {"format 2", 0x04, 2, 2, -1, 0x04, "cr_format is 2"},
    {"format 0", 0x04, 2, 0, -1, 0x04, "cr_format is 0"},
    {"an unknown flag", 0x38, 4, ALL | 0x40, -1, 0x38, "bits format 1 does not define (0x00000040)"},
    {"a high flag", 0x38, 4, ALL | 0x80000000u, -1, 0x38, "does not define"},
    {"stack longer than kept", 0x134, 4, 257, -1, 0x134, "more than the 256 bytes"},
    {"stack length huge", 0x134, 4, 0xffffffffu, -1, 0x134, "more than the 256 bytes"},
    {"cr_size one more", 0x06, 2, 0x138 + 64 + 1, -1, 0x06, "cr_size is 377, not 0x138 + cr_stack_len (64) = 376"},
    {"cr_size one less", 0x06, 2, 0x138 + 64 - 1, -1, 0x06, "cr_size is 375"},
    {"cr_size 0", 0x06, 2, 0, -1, 0x06, "cr_size is 0"},
    {"stack bytes without the flag", 0x38, 4, ALL & ~MVB_CRASH_F_STACK, -1, 0x134, "does not say stack"},
    {"stack past 4 GiB", 0x130, 4, 0xffffffc1u, -1, 0x130, "passes the end of the address space"},
    {"cut short by a byte", 0, 0, 0, -2, 0x138 + 63, "cut short: 375 of its 376 bytes"},
};

static void test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		const struct bad_row *r = &bad_rows[i];
		uint8_t b[MVB_CRASH_SIZE];
		size_t n = fixture(b, ALL, 64);
		if (r->width == 2) {
			b[r->at] = (uint8_t)r->value;
			b[r->at + 1] = (uint8_t)(r->value >> 8);
		} else if (r->width == 4) {
			put32(b + r->at, r->value);
		}
		if (r->n == -2)
			n -= 1;
		else if (r->n >= 0)
			n = (size_t)r->n;
		struct mvb_crash c;
		memset(&c, 0x5a, sizeof(c));
		char err[200] = "";
		size_t off = 12345;
		int rc = mvb_crash_check_at(b, n, &c, err, sizeof(err), &off);
		if (rc != -1 || off != r->want_off || !strstr(err, r->want)) {
			print_error("row '%s': rc %d, offset 0x%zx (want 0x%zx), '%s' (want '%s')\n", r->what, rc, off,
			            r->want_off, err, r->want);
			fail();
		}
		/* *out untouched on failure; the plain call agrees */
		assert_int_equal(c.cr_magic, 0x5a5a5a5a);
		assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), -1);
		assert_int_equal(mvb_crash_check(b, n, NULL, NULL, 0), -1);
	}
	/* NULL bytes, and a reason cut to the caller's room */
	char small[8];
	assert_int_equal(mvb_crash_check(NULL, 100, NULL, small, sizeof(small)), -1);
	assert_string_equal(small, "not a c");
	/* a struct that would not pass is not encoded */
	uint8_t b[MVB_CRASH_SIZE];
	struct mvb_crash c;
	char err[200];
	assert_int_equal(mvb_crash_check(b, fixture(b, ALL, 64), &c, err, sizeof(err)), 0);
	struct mvb_buf out = MVB_BUF_INIT;
	c.cr_stack_len = 300;
	assert_int_equal(mvb_crash_encode(&c, &out), -1);
	assert_int_equal(mvb_crash_core(&c, &out), -1);
	c.cr_stack_len = 64;
	c.cr_magic = 0;
	assert_int_equal(mvb_crash_core(&c, &out), -1);
	assert_int_equal(out.len, 0);
	mvb_buf_release(&out);
}

/* ---- the core, read by this test's own ELF reader */

struct note {
	char name[16];
	uint32_t type;
	const uint8_t *desc;
	uint32_t descsz;
};

struct core_view {
	uint16_t type, machine, phnum;
	uint32_t notes_off, notes_len;
	int have_load;
	uint32_t load_off, load_vaddr, load_filesz, load_memsz, load_flags;
	struct note note[8];
	unsigned nnotes;
};

static void read_core(const uint8_t *f, size_t n, struct core_view *v)
{
	memset(v, 0, sizeof(*v));
	assert_true(n >= 52);
	assert_memory_equal(f, "\177ELF\001\001\001", 7);
	v->type = get16(f + 16);
	v->machine = get16(f + 18);
	assert_int_equal(get32(f + 28), 52); /* e_phoff */
	assert_int_equal(get16(f + 42), 32);
	v->phnum = get16(f + 44);
	for (unsigned i = 0; i < v->phnum; i++) {
		const uint8_t *ph = f + 52 + 32 * i;
		assert_true(52 + 32 * (i + 1) <= n);
		if (get32(ph) == 4) {
			v->notes_off = get32(ph + 4);
			v->notes_len = get32(ph + 16);
		} else if (get32(ph) == 1) {
			v->have_load = 1;
			v->load_off = get32(ph + 4);
			v->load_vaddr = get32(ph + 8);
			v->load_filesz = get32(ph + 16);
			v->load_memsz = get32(ph + 20);
			v->load_flags = get32(ph + 24);
			assert_int_equal(v->load_off % 4, v->load_vaddr % 4);
		}
	}
	assert_true((size_t)v->notes_off + v->notes_len <= n);
	for (uint32_t p = v->notes_off; p < v->notes_off + v->notes_len;) {
		struct note *nt = &v->note[v->nnotes++];
		uint32_t namesz = get32(f + p), descsz = get32(f + p + 4);
		assert_true(namesz <= sizeof(nt->name));
		memcpy(nt->name, f + p + 12, namesz);
		assert_int_equal(nt->name[namesz - 1], 0);
		nt->type = get32(f + p + 8);
		nt->desc = f + p + 12 + ((namesz + 3) & ~3u);
		nt->descsz = descsz;
		p += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
		assert_true(p <= v->notes_off + v->notes_len);
	}
}

static void test_core(void **state)
{
	(void)state;
	uint8_t b[MVB_CRASH_SIZE];
	size_t n = fixture(b, ALL, 100);
	struct mvb_crash c;
	char err[200];
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	struct mvb_buf core = MVB_BUF_INIT;
	assert_int_equal(mvb_crash_core(&c, &core), 0);
	struct core_view v;
	read_core(core.data, core.len, &v);
	assert_int_equal(v.type, 4);     /* ET_CORE */
	assert_int_equal(v.machine, 40); /* EM_ARM */
	assert_int_equal(v.phnum, 2);
	assert_int_equal(v.nnotes, 4);

	/* NT_PRSTATUS: the Linux ARM layout */
	assert_string_equal(v.note[0].name, "CORE");
	assert_int_equal(v.note[0].type, 1);
	assert_int_equal(v.note[0].descsz, 148);
	const uint8_t *pr = v.note[0].desc;
	assert_int_equal(get32(pr + 0), 8);  /* si_signo: DIVBYZERO is SIGFPE */
	assert_int_equal(get16(pr + 12), 8); /* pr_cursig */
	assert_int_equal(get32(pr + 24), 1); /* pr_pid */
	for (unsigned i = 0; i < 13; i++)
		assert_int_equal(get32(pr + 72 + 4 * i), 0x1000 + i);
	assert_int_equal(get32(pr + 72 + 4 * 13), 0x28000ff0);
	assert_int_equal(get32(pr + 72 + 4 * 14), 0x0020000f);
	assert_int_equal(get32(pr + 72 + 4 * 15), 0x00200002);
	/* cpsr: NZCVQ, IT and GE kept, xPSR's T (CPSR's J) and exception
	 * number not, user mode in Thumb state */
	assert_int_equal(get32(pr + 72 + 4 * 16), 0xfe0ffc30);
	assert_int_equal(get32(pr + 72 + 4 * 17), 0xffffffff);
	assert_int_equal(get32(pr + 144), 1); /* pr_fpvalid */

	/* NT_AUXV: HWCAP_THUMB | HWCAP_VFP, then AT_NULL */
	assert_string_equal(v.note[1].name, "CORE");
	assert_int_equal(v.note[1].type, 6);
	assert_int_equal(v.note[1].descsz, 16);
	assert_int_equal(get32(v.note[1].desc), 16);
	assert_int_equal(get32(v.note[1].desc + 4), 4 | 64);
	assert_int_equal(get32(v.note[1].desc + 8), 0);

	/* NT_ARM_VFP: d<i> = s<2i> | s<2i+1> << 32, fpscr after 32 doubles */
	assert_string_equal(v.note[2].name, "LINUX");
	assert_int_equal(v.note[2].type, 0x400);
	assert_int_equal(v.note[2].descsz, 260);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(get32(v.note[2].desc + 8 * i), 0x3f800000 + 2 * i);
		assert_int_equal(get32(v.note[2].desc + 8 * i + 4), 0x3f800000 + 2 * i + 1);
	}
	for (unsigned i = 128; i < 256; i++)
		assert_int_equal(v.note[2].desc[i], 0);
	assert_int_equal(get32(v.note[2].desc + 256), 0x03000000);

	/* the record, byte for byte */
	assert_string_equal(v.note[3].name, "MVBUILD");
	assert_int_equal(v.note[3].type, 1);
	assert_int_equal(v.note[3].descsz, n);
	assert_memory_equal(v.note[3].desc, b, n);

	/* the stack, where the app had it, from the 64-byte boundary below
	 * its sp (0x28000ff0): 0x30 zero bytes, then the 100 it kept */
	assert_true(v.have_load);
	assert_int_equal(v.load_vaddr, 0x28000fc0);
	assert_int_equal(v.load_filesz, 0x30 + 100);
	assert_int_equal(v.load_memsz, 0x30 + 100);
	assert_int_equal(v.load_flags, 6);
	assert_int_equal(v.load_off + 0x30 + 100, core.len);
	for (unsigned i = 0; i < 0x30; i++)
		assert_int_equal(core.data[v.load_off + i], 0);
	assert_memory_equal(core.data + v.load_off + 0x30, b + 0x138, 100);

	/* deterministic, and the same bytes after what a buffer held */
	struct mvb_buf again = MVB_BUF_INIT;
	assert_int_equal(mvb_buf_append(&again, "xyz", 3), 0);
	assert_int_equal(mvb_crash_core(&c, &again), 0);
	assert_int_equal(again.len, core.len + 3);
	assert_memory_equal(again.data + 3, core.data, core.len);
	mvb_buf_release(&again);

	/* the record back out */
	struct mvb_crash back;
	assert_int_equal(mvb_crash_from_core(core.data, core.len, &back, err, sizeof(err)), 0);
	assert_memory_equal(&back, &c, sizeof(c));
	mvb_buf_release(&core);

	/* no FP, no stack: no VFP note, no PT_LOAD, HWCAP without VFP;
	 * no frame: registers zero, Thumb state all the same */
	n = fixture(b, MVB_CRASH_F_HANDLER, 0);
	memset(b + 0x40, 0, 0x84 - 0x40);
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	assert_int_equal(mvb_crash_core(&c, &core), 0);
	read_core(core.data, core.len, &v);
	assert_int_equal(v.phnum, 1);
	assert_false(v.have_load);
	assert_int_equal(v.nnotes, 3);
	assert_int_equal(get32(v.note[1].desc + 4), 4);
	assert_int_equal(get32(v.note[0].desc + 72 + 4 * 15), 0);
	assert_int_equal(get32(v.note[0].desc + 72 + 4 * 16), 0x30);
	assert_int_equal(get32(v.note[0].desc + 144), 0);
	assert_string_equal(v.note[2].name, "MVBUILD");
	assert_int_equal(v.notes_off + v.notes_len, core.len);
	assert_int_equal(mvb_crash_from_core(core.data, core.len, &back, err, sizeof(err)), 0);
	assert_memory_equal(&back, &c, sizeof(c));
	mvb_buf_release(&core);

	/* a stack at an odd address: the segment from the boundary below */
	n = fixture(b, ALL, 5);
	put32(b + 0x130, 0x28000ff3);
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	assert_int_equal(mvb_crash_core(&c, &core), 0);
	read_core(core.data, core.len, &v);
	assert_int_equal(v.load_vaddr, 0x28000fc0);
	assert_int_equal(v.load_off % 4u, 0);
	assert_int_equal(v.load_off + 0x33 + 5, core.len);
	assert_memory_equal(core.data + v.load_off + 0x33, b + 0x138, 5);
	mvb_buf_release(&core);
}

/* Cores bent one way each: the offset blamed and a word of the reason. */
static void test_core_bad(void **state)
{
	(void)state;
	uint8_t b[MVB_CRASH_SIZE];
	size_t n = fixture(b, ALL, 64);
	struct mvb_crash c, back;
	char err[200];
	assert_int_equal(mvb_crash_check(b, n, &c, err, sizeof(err)), 0);
	struct mvb_buf core = MVB_BUF_INIT;
	assert_int_equal(mvb_crash_core(&c, &core), 0);
	struct core_view v;
	read_core(core.data, core.len, &v);
	const size_t rec = (size_t)(v.note[3].desc - core.data);
	const size_t mvnote = rec - 20; /* its header: 12 bytes, then "MVBUILD\0" */
	struct {
		const char *what;
		size_t at;
		const char *bytes; /* written at `at` */
		size_t nbytes;
		size_t len; /* 0: the whole core */
		size_t want_off;
		const char *want;
	} rows[] = {
	    {"not ELF", 0, "\177ELG", 4, 0, 0, "not an ELF file"},
	    {"the header cut short", 0, "", 0, 51, 51, "inside the ELF header"},
	    {"three bytes", 0, "", 0, 3, 0, "not an ELF file"},
	    {"64-bit", 4, "\002", 1, 0, 4, "not a 32-bit"},
	    {"big-endian", 5, "\002", 1, 0, 5, "not a little-endian"},
	    {"an executable", 16, "\002\000", 2, 0, 16, "not a core file (e_type 2)"},
	    {"x86", 18, "\003\000", 2, 0, 18, "not an ARM core file"},
	    {"wrong phentsize", 42, "\040\001", 2, 0, 42, "e_phentsize is 288"},
	    {"phdrs outside", 28, "\377\377\000\000", 4, 0, 28, "lies outside the file"},
	    {"phdrs past the end", 44, "\377\000", 2, 0, 28, "lies outside the file"},
	    {"notes outside", 52 + 16, "\000\000\001\000", 4, 0, 52 + 4,
	     "segment [0] (65536 bytes at 0x74) lies outside"},
	    {"a note past its segment", (size_t)v.notes_off + 4, "\000\020\000\000", 4, 0, v.notes_off,
	     "runs past its end"},
	    {"no MVBUILD note", mvnote + 12, "MVBUILT", 7, 0, SIZE_MAX, "holds no MVBUILD note"},
	    {"MVBUILD of another type", mvnote + 8, "\002", 1, 0, SIZE_MAX, "holds no MVBUILD note"},
	    {"the record's format", rec + 4, "\002", 1, 0, rec + 4, "MVBUILD note: cr_format is 2"},
	    {"the record's flags", rec + 0x38, "\377", 1, 0, rec + 0x38, "MVBUILD note: cr_flags"},
	    {"the record's stack outside the file", 52 + 32 + 4, "\377\377\000\000", 4, 0, 52 + 32 + 4,
	     "segment [1] (112 bytes at 0xffff) lies outside the file"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint8_t *f = malloc(core.len);
		assert_non_null(f);
		memcpy(f, core.data, core.len);
		memcpy(f + rows[i].at, rows[i].bytes, rows[i].nbytes);
		size_t len = rows[i].len ? rows[i].len : core.len;
		size_t off = 12345;
		err[0] = 0;
		int rc = mvb_crash_from_core_at(f, len, &back, err, sizeof(err), &off);
		if (rc != -1 || off != rows[i].want_off || !strstr(err, rows[i].want)) {
			print_error("row '%s': rc %d, offset 0x%zx (want 0x%zx), '%s' (want '%s')\n", rows[i].what, rc,
			            off, rows[i].want_off, err, rows[i].want);
			fail();
		}
		free(f);
	}
	/* a second MVBUILD note: the VFP note renamed ("LINUX" takes 8
	 * bytes with its padding, as "MVBUILD" does) and retyped */
	{
		uint8_t *f = malloc(core.len);
		memcpy(f, core.data, core.len);
		size_t vfp = (size_t)(v.note[2].desc - core.data) - 20;
		assert_memory_equal(f + vfp + 12, "LINUX", 6);
		put32(f + vfp, 8);
		put32(f + vfp + 8, 1);
		memcpy(f + vfp + 12, "MVBUILD", 8);
		size_t off = 0;
		assert_int_equal(mvb_crash_from_core_at(f, core.len, &back, err, sizeof(err), &off), -1);
		assert_int_equal(off, mvnote);
		assert_non_null(strstr(err, "a second MVBUILD note"));
		free(f);
	}
	/* a record shorter than its note (a valid one: 60 bytes of stack) */
	{
		uint8_t *f = malloc(core.len);
		memcpy(f, core.data, core.len);
		put32(f + rec + 0x134, 60);
		f[rec + 6] = 0x74; /* cr_size 0x174 */
		size_t off = 0;
		assert_int_equal(mvb_crash_from_core_at(f, core.len, &back, err, sizeof(err), &off), -1);
		assert_int_equal(off, mvnote + 4);
		assert_string_equal(err, "the MVBUILD note holds 376 bytes, its record 372 (cr_size)");
		free(f);
	}
	/* every length short of the whole fails and never reads past it */
	for (size_t len = 0; len < core.len; len++) {
		uint8_t *f = malloc(len ? len : 1);
		memcpy(f, core.data, len);
		assert_int_equal(mvb_crash_from_core(f, len, &back, err, sizeof(err)), -1);
		free(f);
	}
	/* every byte of the headers and notes changed: a record or a reason,
	 * and a record that comes out is one that passes the check */
	for (size_t at = 0; at < rec + n; at++) {
		uint8_t *f = malloc(core.len);
		memcpy(f, core.data, core.len);
		f[at] ^= 0x81;
		if (mvb_crash_from_core(f, core.len, &back, err, sizeof(err)) == 0) {
			struct mvb_buf enc = MVB_BUF_INIT;
			assert_int_equal(mvb_crash_encode(&back, &enc), 0);
			assert_int_equal(mvb_crash_check(enc.data, enc.len, NULL, NULL, 0), 0);
			mvb_buf_release(&enc);
		} else {
			assert_true(err[0] != 0);
		}
		free(f);
	}
	mvb_buf_release(&core);
}

static void test_signal(void **state)
{
	(void)state;
	struct {
		uint32_t cfsr, cfsr_ns, sfsr, reason;
		int sig;
	} rows[] = {
	    {0, 1u << 25, 0, 0x4512, 8}, /* DIVBYZERO */
	    {0, 1u << 24, 0, 0x4512, 7}, /* UNALIGNED */
	    {0, 1u << 16, 0, 0x4512, 4}, /* UNDEFINSTR */
	    {0, 1u << 17, 0, 0x4514, 4}, /* INVSTATE, escalated */
	    {0, 1u << 18, 0, 0, 4},      /* INVPC */
	    {0, 1u << 19, 0, 0, 4},      /* NOCP */
	    {0, 1u << 20, 0, 0, 11},     /* STKOF */
	    {0, 1u << 1, 0, 0x4513, 11}, /* DACCVIOL */
	    {1u << 9, 0, 0, 0x4511, 11}, /* PRECISERR, in the microvisor's bank */
	    {0, 0, 1u << 3, 0x4510, 11}, /* AUVIOL */
	    {0, 0, 0, 0x4510, 11},       /* the reasons alone */
	    {0, 0, 0, 0x4511, 11},
	    {0, 0, 0, 0x4513, 11},
	    {0, 0, 0, 0x4515, 11},
	    {0, 0, 0, 0x4516, 11},
	    {0, 0, 0, 0x4512, 4},
	    {0, 0, 0, 0x4514, 5}, /* HardFault with no status */
	    {0, 0, 0, 0x4519, 5}, /* watchdog */
	    {0, 0, 0, 0x4517, 5}, /* returned */
	    {0, 0, 0, 0, 5},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mvb_crash c;
		memset(&c, 0, sizeof(c));
		c.cr_cfsr = rows[i].cfsr;
		c.cr_cfsr_ns = rows[i].cfsr_ns;
		c.cr_sfsr = rows[i].sfsr;
		c.cr_reason = rows[i].reason;
		if (mvb_crash_signal(&c) != rows[i].sig) {
			print_error("row %zu: signal %d, want %d\n", i, mvb_crash_signal(&c), rows[i].sig);
			fail();
		}
	}
}

static void test_bits(void **state)
{
	(void)state;
	/* every name the Armv8-M ARM gives, at its bit; the rest reserved */
	static const char *const cfsr[32] = {
	    "IACCVIOL",   "DACCVIOL",  NULL,          "MUNSTKERR", "MSTKERR", "MLSPERR", NULL, "MMARVALID",
	    "IBUSERR",    "PRECISERR", "IMPRECISERR", "UNSTKERR",  "STKERR",  "LSPERR",  NULL, "BFARVALID",
	    "UNDEFINSTR", "INVSTATE",  "INVPC",       "NOCP",      "STKOF",   NULL,      NULL, NULL,
	    "UNALIGNED",  "DIVBYZERO", NULL,          NULL,        NULL,      NULL,      NULL, NULL,
	};
	static const char *const sfsr[8] = {"INVEP",   "INVIS",  "INVER",     "AUVIOL",
	                                    "INVTRAN", "LSPERR", "SFARVALID", "LSERR"};
	for (unsigned b = 0; b < 32; b++) {
		const char *got = mvb_crash_fsr_bit(MVB_CRASH_CFSR, b);
		if (cfsr[b])
			assert_string_equal(got, cfsr[b]);
		else
			assert_null(got);
		got = mvb_crash_fsr_bit(MVB_CRASH_SFSR, b);
		if (b < 8)
			assert_string_equal(got, sfsr[b]);
		else
			assert_null(got);
		got = mvb_crash_fsr_bit(MVB_CRASH_HFSR, b);
		if (b == 1)
			assert_string_equal(got, "VECTTBL");
		else if (b == 30)
			assert_string_equal(got, "FORCED");
		else if (b == 31)
			assert_string_equal(got, "DEBUGEVT");
		else
			assert_null(got);
	}
	assert_null(mvb_crash_fsr_bit(MVB_CRASH_CFSR, 32));

	/* fault addresses: each only when its valid bit says so */
	struct mvb_crash c;
	memset(&c, 0, sizeof(c));
	c.cr_mmfar_ns = 0x11;
	c.cr_bfar = 0x22;
	c.cr_sfar = 0x33;
	struct mvb_crash_addr a[3];
	assert_int_equal(mvb_crash_fault_addrs(&c, a), 0);
	c.cr_cfsr = 1u << 7; /* MMARVALID of the microvisor's bank: not the app's MMFAR */
	assert_int_equal(mvb_crash_fault_addrs(&c, a), 0);
	c.cr_cfsr_ns = 1u << 7;
	assert_int_equal(mvb_crash_fault_addrs(&c, a), 1);
	assert_string_equal(a[0].name, "MMFAR_NS");
	assert_int_equal(a[0].addr, 0x11);
	c.cr_cfsr = 1u << 15;
	c.cr_sfsr = 1u << 6;
	assert_int_equal(mvb_crash_fault_addrs(&c, a), 3);
	assert_string_equal(a[1].name, "BFAR");
	assert_int_equal(a[1].addr, 0x22);
	assert_string_equal(a[2].name, "SFAR");
	assert_int_equal(a[2].addr, 0x33);
	c.cr_cfsr = 0;
	c.cr_cfsr_ns = 1u << 15; /* BFARVALID seen through the app's bank */
	c.cr_sfsr = 0;
	assert_int_equal(mvb_crash_fault_addrs(&c, a), 1);
	assert_string_equal(a[0].name, "BFAR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fields),   cmocka_unit_test(test_bad),    cmocka_unit_test(test_core),
	    cmocka_unit_test(test_core_bad), cmocka_unit_test(test_signal), cmocka_unit_test(test_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
