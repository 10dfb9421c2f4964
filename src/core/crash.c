/* crash.c - crash records (mvb/crash.h) on the host: the check of the
 * bytes a device sent, the ELF core file gdb reads with the app's ELF,
 * and the record read back out of such a core (mvbuild-crash(5)). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "mv/reason.h"
#include "mvb/crashfile.h"

/* The record's bytes are the struct's: every field at its natural
 * alignment, no padding.  Decoding and encoding walk it a word at a time
 * and rely on that. */
_Static_assert(sizeof(struct mvb_crash) == MVB_CRASH_SIZE, "struct mvb_crash has padding");
_Static_assert(offsetof(struct mvb_crash, cr_format) == 0x04 && offsetof(struct mvb_crash, cr_size) == 0x06,
               "cr_format/cr_size");
_Static_assert(offsetof(struct mvb_crash, cr_image_sha256) == 0x18 && offsetof(struct mvb_crash, cr_flags) == 0x38,
               "cr_image_sha256");
_Static_assert(offsetof(struct mvb_crash, cr_stack_addr) == 0x130 && offsetof(struct mvb_crash, cr_stack_len) == 0x134,
               "cr_stack_addr");
_Static_assert(offsetof(struct mvb_crash, cr_stack) == MVB_CRASH_HEAD, "cr_stack");

#define SHA_AT 0x18u
#define SHA_END 0x38u

/* Fills err and *off, returns -1: every failure goes through here. */
__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t cap, size_t *off, size_t at, const char *fmt,
                                                      ...)
{
	if (off)
		*off = at;
	if (cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, cap, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The header words of p into c (zeroed first), in host order. */
static void decode_head(const uint8_t *p, struct mvb_crash *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t o = 0; o < MVB_CRASH_HEAD; o += 4) {
		if (o == 0x04) {
			c->cr_format = mvb_le16(p + 4);
			c->cr_size = mvb_le16(p + 6);
		} else if (o < SHA_AT || o >= SHA_END) {
			uint32_t v = mvb_le32(p + o);
			memcpy((unsigned char *)c + o, &v, 4);
		}
	}
	memcpy(c->cr_image_sha256, p + SHA_AT, 32);
}

/* c's header into p[0..MVB_CRASH_HEAD), little-endian. */
static void encode_head(const struct mvb_crash *c, uint8_t *p)
{
	for (size_t o = 0; o < MVB_CRASH_HEAD; o += 4) {
		if (o == 0x04) {
			mvb_put_le16(p + 4, c->cr_format);
			mvb_put_le16(p + 6, c->cr_size);
		} else if (o < SHA_AT || o >= SHA_END) {
			uint32_t v;
			memcpy(&v, (const unsigned char *)c + o, 4);
			mvb_put_le32(p + o, v);
		}
	}
	memcpy(p + SHA_AT, c->cr_image_sha256, 32);
}

/* The rules of mvb_crash_check on a decoded header; n bytes are there. */
static int check_fields(const struct mvb_crash *c, size_t n, char *err, size_t cap, size_t *off)
{
	if (c->cr_format != MVB_CRASH_FORMAT)
		return fail(err, cap, off, 0x04, "cr_format is %u: this mvbuild reads crash record format %u",
		            c->cr_format, MVB_CRASH_FORMAT);
	if (c->cr_flags & ~MVB_CRASH_F_KNOWN)
		return fail(err, cap, off, 0x38, "cr_flags 0x%08x has bits format %u does not define (0x%08x)",
		            (unsigned)c->cr_flags, MVB_CRASH_FORMAT, (unsigned)(c->cr_flags & ~MVB_CRASH_F_KNOWN));
	if (c->cr_stack_len > MVB_CRASH_STACK_MAX)
		return fail(err, cap, off, 0x134, "cr_stack_len is %u, more than the %u bytes a record keeps",
		            (unsigned)c->cr_stack_len, MVB_CRASH_STACK_MAX);
	if (c->cr_size != MVB_CRASH_HEAD + c->cr_stack_len)
		return fail(err, cap, off, 0x06, "cr_size is %u, not 0x%x + cr_stack_len (%u) = %u", c->cr_size,
		            MVB_CRASH_HEAD, (unsigned)c->cr_stack_len, (unsigned)(MVB_CRASH_HEAD + c->cr_stack_len));
	if (c->cr_stack_len && !(c->cr_flags & MVB_CRASH_F_STACK))
		return fail(err, cap, off, 0x134, "cr_stack_len is %u but cr_flags 0x%08x does not say stack (0x%02x)",
		            (unsigned)c->cr_stack_len, (unsigned)c->cr_flags, MVB_CRASH_F_STACK);
	if (c->cr_stack_len && c->cr_stack_addr > UINT32_MAX - (c->cr_stack_len - 1))
		return fail(err, cap, off, 0x130,
		            "the stack (%u bytes from cr_stack_addr 0x%08x) passes the end of the address space",
		            (unsigned)c->cr_stack_len, (unsigned)c->cr_stack_addr);
	if (c->cr_size > n)
		return fail(err, cap, off, n, "the record is cut short: %zu of its %u bytes (cr_size)", n, c->cr_size);
	return 0;
}

int mvb_crash_check_at(const uint8_t *rec, size_t n, struct mvb_crash *out, char *err, size_t errcap, size_t *bad_off)
{
	static const uint8_t magic[4] = {'M', 'V', 'C', 'R'};
	if (!rec || n == 0 || memcmp(rec, magic, n < 4 ? n : 4) != 0)
		return fail(err, errcap, bad_off, 0, "not a crash record: it does not start with \"MVCR\"");
	if (n < MVB_CRASH_HEAD)
		return fail(err, errcap, bad_off, n, "the record ends after %zu bytes, inside its 0x%x-byte header", n,
		            MVB_CRASH_HEAD);
	struct mvb_crash c;
	decode_head(rec, &c);
	if (check_fields(&c, n, err, errcap, bad_off))
		return -1;
	memcpy(c.cr_stack, rec + MVB_CRASH_HEAD, c.cr_stack_len);
	if (out)
		*out = c;
	return 0;
}

int mvb_crash_check(const uint8_t *rec, size_t n, struct mvb_crash *out, char *err, size_t errcap)
{
	return mvb_crash_check_at(rec, n, out, err, errcap, NULL);
}

/* c as it would be sent, into p[0..MVB_CRASH_SIZE); 0, or -1 when it
 * would not pass the check. */
static int encode(const struct mvb_crash *c, uint8_t p[MVB_CRASH_SIZE])
{
	if (c->cr_magic != MVB_CRASH_MAGIC || check_fields(c, MVB_CRASH_SIZE, NULL, 0, NULL))
		return -1;
	encode_head(c, p);
	memcpy(p + MVB_CRASH_HEAD, c->cr_stack, c->cr_stack_len);
	return 0;
}

int mvb_crash_encode(const struct mvb_crash *c, struct mvb_buf *out)
{
	uint8_t rec[MVB_CRASH_SIZE];
	if (encode(c, rec))
		return -1;
	return mvb_buf_append(out, rec, c->cr_size) ? -1 : 0;
}

/* ---- fault status */

#define CFSR_MMARVALID (1u << 7)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_MMFSR 0x000000ffu
#define CFSR_BFSR 0x0000ff00u
#define CFSR_UFSR_ILL 0x000f0000u /* UNDEFINSTR, INVSTATE, INVPC, NOCP */
#define CFSR_STKOF (1u << 20)
#define CFSR_UNALIGNED (1u << 24)
#define CFSR_DIVBYZERO (1u << 25)
#define SFSR_SFARVALID (1u << 6)

static const char *const cfsr_bits[32] = {
    [0] = "IACCVIOL",  [1] = "DACCVIOL", [3] = "MUNSTKERR",  [4] = "MSTKERR",      [5] = "MLSPERR",
    [7] = "MMARVALID", [8] = "IBUSERR",  [9] = "PRECISERR",  [10] = "IMPRECISERR", [11] = "UNSTKERR",
    [12] = "STKERR",   [13] = "LSPERR",  [15] = "BFARVALID", [16] = "UNDEFINSTR",  [17] = "INVSTATE",
    [18] = "INVPC",    [19] = "NOCP",    [20] = "STKOF",     [24] = "UNALIGNED",   [25] = "DIVBYZERO",
};
static const char *const hfsr_bits[32] = {[1] = "VECTTBL", [30] = "FORCED", [31] = "DEBUGEVT"};
static const char *const sfsr_bits[32] = {
    [0] = "INVEP",   [1] = "INVIS",  [2] = "INVER",     [3] = "AUVIOL",
    [4] = "INVTRAN", [5] = "LSPERR", [6] = "SFARVALID", [7] = "LSERR",
};

const char *mvb_crash_fsr_bit(enum mvb_crash_fsr reg, unsigned bit)
{
	if (bit > 31)
		return NULL;
	switch (reg) {
	case MVB_CRASH_CFSR:
		return cfsr_bits[bit];
	case MVB_CRASH_HFSR:
		return hfsr_bits[bit];
	case MVB_CRASH_SFSR:
		return sfsr_bits[bit];
	}
	return NULL;
}

unsigned mvb_crash_fault_addrs(const struct mvb_crash *c, struct mvb_crash_addr out[3])
{
	unsigned k = 0;
	if (c->cr_cfsr_ns & CFSR_MMARVALID)
		out[k++] = (struct mvb_crash_addr){"MMFAR_NS", c->cr_mmfar_ns};
	if ((c->cr_cfsr | c->cr_cfsr_ns) & CFSR_BFARVALID)
		out[k++] = (struct mvb_crash_addr){"BFAR", c->cr_bfar};
	if (c->cr_sfsr & SFSR_SFARVALID)
		out[k++] = (struct mvb_crash_addr){"SFAR", c->cr_sfar};
	return k;
}

int mvb_crash_signal(const struct mvb_crash *c)
{
	enum { SIG_ILL = 4, SIG_TRAP = 5, SIG_BUS = 7, SIG_FPE = 8, SIG_SEGV = 11 };
	uint32_t cfsr = c->cr_cfsr | c->cr_cfsr_ns;
	if (cfsr & CFSR_DIVBYZERO)
		return SIG_FPE;
	if (cfsr & CFSR_UNALIGNED)
		return SIG_BUS;
	if (cfsr & CFSR_UFSR_ILL)
		return SIG_ILL;
	if ((cfsr & (CFSR_STKOF | CFSR_MMFSR | CFSR_BFSR)) || c->cr_sfsr)
		return SIG_SEGV;
	switch (c->cr_reason) {
	case MV_REASON(MV_EXIT_CRASH_LOOP, 0x10u): /* SecureFault */
	case MV_REASON(MV_EXIT_CRASH_LOOP, 0x11u): /* BusFault */
	case MV_REASON(MV_EXIT_CRASH_LOOP, 0x13u): /* MemManage */
	case MV_REASON(MV_EXIT_CRASH_LOOP, 0x15u): /* PPC */
	case MV_REASON(MV_EXIT_CRASH_LOOP, 0x16u): /* MPC */
		return SIG_SEGV;
	case MV_REASON(MV_EXIT_CRASH_LOOP, 0x12u): /* UsageFault */
		return SIG_ILL;
	default:
		return SIG_TRAP;
	}
}

/* ---- the core file */

#define ELF_EHSIZE 52u
#define ELF_PHSIZE 32u
#define ET_CORE 4u
#define EM_ARM 40u
#define PT_LOAD 1u
#define PT_NOTE 4u
#define PF_W 2u
#define PF_R 4u
#define NT_PRSTATUS 1u
#define NT_AUXV 6u
#define NT_ARM_VFP 0x400u
#define AT_NULL 0u
#define AT_HWCAP 16u
#define HWCAP_THUMB 4u
#define HWCAP_VFP 64u
#define PRSTATUS_SIZE 148u /* Linux ARM struct elf_prstatus */
#define PR_REG 72u         /* its pr_reg: r0-r15, cpsr, orig_r0 */
#define VFP_SIZE 260u      /* struct user_vfp: d0-d31, fpscr */
#define AUXV_SIZE 16u      /* AT_HWCAP, AT_NULL */
#define CORE_PID 1u
/* What the cpsr of the core keeps of xPSR: N, Z, C, V, Q, IT and GE sit
 * where the A profile has them; T (xPSR bit 24) is J there and is left
 * out, the mode is user (0x10) and T is CPSR's bit 5: Thumb state. */
#define CPSR_FROM_XPSR 0xfe0ffc00u
#define CPSR_USR_THUMB 0x30u

static size_t al4(size_t v)
{
	return (v + 3u) & ~(size_t)3u;
}

static size_t note_size(const char *name, size_t descsz)
{
	return 12u + al4(strlen(name) + 1u) + al4(descsz);
}

/* A note's header and name at p; returns the offset of its descriptor. */
static size_t put_note(uint8_t *p, const char *name, uint32_t type, size_t descsz)
{
	size_t nl = strlen(name) + 1u;
	mvb_put_le32(p, (uint32_t)nl);
	mvb_put_le32(p + 4, (uint32_t)descsz);
	mvb_put_le32(p + 8, type);
	memcpy(p + 12, name, nl);
	return 12u + al4(nl);
}

static void put_prstatus(uint8_t *p, const struct mvb_crash *c)
{
	uint32_t sig = (uint32_t)mvb_crash_signal(c);
	mvb_put_le32(p + 0, sig);            /* si_signo */
	mvb_put_le16(p + 12, (uint16_t)sig); /* pr_cursig */
	mvb_put_le32(p + 24, CORE_PID);      /* pr_pid */
	mvb_put_le32(p + 32, CORE_PID);      /* pr_pgrp */
	mvb_put_le32(p + 36, CORE_PID);      /* pr_sid */
	uint8_t *r = p + PR_REG;
	for (unsigned i = 0; i < 13; i++)
		mvb_put_le32(r + 4 * i, c->cr_r[i]);
	mvb_put_le32(r + 4 * 13, c->cr_sp);
	mvb_put_le32(r + 4 * 14, c->cr_lr);
	mvb_put_le32(r + 4 * 15, c->cr_pc);
	mvb_put_le32(r + 4 * 16, (c->cr_xpsr & CPSR_FROM_XPSR) | CPSR_USR_THUMB);
	mvb_put_le32(r + 4 * 17, UINT32_MAX);                            /* orig_r0: no system call */
	mvb_put_le32(p + 144, (c->cr_flags & MVB_CRASH_F_FP) ? 1u : 0u); /* pr_fpvalid */
}

int mvb_crash_core(const struct mvb_crash *c, struct mvb_buf *out)
{
	uint8_t rec[MVB_CRASH_SIZE];
	if (encode(c, rec))
		return -1;
	int fp = (c->cr_flags & MVB_CRASH_F_FP) != 0;
	int load = (c->cr_flags & MVB_CRASH_F_STACK) && c->cr_stack_len;
	size_t nph = load ? 2u : 1u;
	size_t notes = ELF_EHSIZE + nph * ELF_PHSIZE;
	size_t notes_len = note_size("CORE", PRSTATUS_SIZE) + note_size("CORE", AUXV_SIZE) +
	                   (fp ? note_size("LINUX", VFP_SIZE) : 0u) + note_size(MVB_CRASH_NOTE_NAME, c->cr_size);
	/* The stack's segment starts at the 64-byte boundary below it, the
	 * bytes under the app's sp zero: gdb reads memory for its unwinder in
	 * aligned blocks, and a block the segment covers only in part reads
	 * as all zero (gdb-multiarch 13: a saved lr 16 bytes above sp came
	 * back as 0, "#1 0x00000000").  Its file offset is a multiple of 4. */
	uint32_t pad = c->cr_stack_addr & 63u;
	size_t stack = al4(notes + notes_len);
	size_t total = load ? stack + pad + c->cr_stack_len : notes + notes_len;

	size_t base = out->len;
	if (mvb_buf_zero(out, total))
		return -1;
	uint8_t *f = out->data + base;

	/* ELF header */
	memcpy(f, "\177ELF", 4);
	f[4] = 1; /* ELFCLASS32 */
	f[5] = 1; /* ELFDATA2LSB */
	f[6] = 1; /* EV_CURRENT; EI_OSABI 0, as Linux writes cores */
	mvb_put_le16(f + 16, ET_CORE);
	mvb_put_le16(f + 18, EM_ARM);
	mvb_put_le32(f + 20, 1u);
	mvb_put_le32(f + 28, ELF_EHSIZE); /* e_phoff */
	mvb_put_le16(f + 40, ELF_EHSIZE);
	mvb_put_le16(f + 42, ELF_PHSIZE);
	mvb_put_le16(f + 44, (uint16_t)nph);

	/* program headers: the notes, then the stack */
	uint8_t *ph = f + ELF_EHSIZE;
	mvb_put_le32(ph + 0, PT_NOTE);
	mvb_put_le32(ph + 4, (uint32_t)notes);
	mvb_put_le32(ph + 16, (uint32_t)notes_len);
	mvb_put_le32(ph + 28, 4u);
	if (load) {
		ph += ELF_PHSIZE;
		mvb_put_le32(ph + 0, PT_LOAD);
		mvb_put_le32(ph + 4, (uint32_t)stack);
		mvb_put_le32(ph + 8, c->cr_stack_addr - pad);
		mvb_put_le32(ph + 16, pad + c->cr_stack_len);
		mvb_put_le32(ph + 20, pad + c->cr_stack_len);
		mvb_put_le32(ph + 24, PF_R | PF_W);
		mvb_put_le32(ph + 28, 4u);
		memcpy(f + stack + pad, c->cr_stack, c->cr_stack_len);
	}

	/* the notes: the thread's registers, what the CPU has (gdb shows the
	 * VFP registers only when AT_HWCAP says HWCAP_VFP), its FP
	 * registers, the record */
	uint8_t *p = f + notes;
	size_t d = put_note(p, "CORE", NT_PRSTATUS, PRSTATUS_SIZE);
	put_prstatus(p + d, c);
	p += note_size("CORE", PRSTATUS_SIZE);

	d = put_note(p, "CORE", NT_AUXV, AUXV_SIZE);
	mvb_put_le32(p + d, AT_HWCAP);
	mvb_put_le32(p + d + 4, HWCAP_THUMB | (fp ? HWCAP_VFP : 0u));
	mvb_put_le32(p + d + 8, AT_NULL);
	p += note_size("CORE", AUXV_SIZE);

	if (fp) {
		d = put_note(p, "LINUX", NT_ARM_VFP, VFP_SIZE);
		for (unsigned i = 0; i < 16; i++) { /* d<i> is s<2i> (low word) and s<2i+1> */
			mvb_put_le32(p + d + 8 * i, c->cr_s[2 * i]);
			mvb_put_le32(p + d + 8 * i + 4, c->cr_s[2 * i + 1]);
		}
		mvb_put_le32(p + d + 256, c->cr_fpscr); /* d16-d31 stay zero */
		p += note_size("LINUX", VFP_SIZE);
	}

	d = put_note(p, MVB_CRASH_NOTE_NAME, MVB_CRASH_NOTE_TYPE, c->cr_size);
	memcpy(p + d, rec, c->cr_size);
	return 0;
}

/* ---- the record back out of a core */

int mvb_crash_from_core_at(const uint8_t *core, size_t n, struct mvb_crash *out, char *err, size_t errcap,
                           size_t *bad_off)
{
	if (!core || n < 4 || memcmp(core, "\177ELF", 4) != 0)
		return fail(err, errcap, bad_off, 0, "not an ELF file");
	if (n < ELF_EHSIZE)
		return fail(err, errcap, bad_off, n, "the file ends after %zu bytes, inside the ELF header", n);
	if (core[4] != 1)
		return fail(err, errcap, bad_off, 4, "not a 32-bit ELF file");
	if (core[5] != 1)
		return fail(err, errcap, bad_off, 5, "not a little-endian ELF file");
	if (mvb_le16(core + 16) != ET_CORE)
		return fail(err, errcap, bad_off, 16, "not a core file (e_type %u)", mvb_le16(core + 16));
	if (mvb_le16(core + 18) != EM_ARM)
		return fail(err, errcap, bad_off, 18, "not an ARM core file (e_machine %u)", mvb_le16(core + 18));
	uint32_t phoff = mvb_le32(core + 28);
	uint16_t phentsize = mvb_le16(core + 42), phnum = mvb_le16(core + 44);
	if (phnum && phentsize != ELF_PHSIZE)
		return fail(err, errcap, bad_off, 42, "e_phentsize is %u, not %u", phentsize, ELF_PHSIZE);
	if (!mvb_range_ok(phoff, (uint64_t)phnum * ELF_PHSIZE, n))
		return fail(err, errcap, bad_off, 28,
		            "the program header table (%u entries at 0x%x) lies outside the file", phnum,
		            (unsigned)phoff);

	size_t found = 0, found_len = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = core + phoff + (size_t)i * ELF_PHSIZE;
		size_t at = phoff + (size_t)i * ELF_PHSIZE;
		uint32_t off = mvb_le32(ph + 4), len = mvb_le32(ph + 16);
		if (!mvb_range_ok(off, len, n))
			return fail(err, errcap, bad_off, at + 4,
			            "segment [%u] (%u bytes at 0x%x) lies outside the file", i, (unsigned)len,
			            (unsigned)off);
		if (mvb_le32(ph) != PT_NOTE)
			continue;
		/* every note of the segment, each inside it */
		size_t pos = off, end = (size_t)off + len;
		while (pos < end) {
			if (end - pos < 12)
				return fail(err, errcap, bad_off, pos,
				            "note segment [%u]: a note at 0x%zx is cut short", i, pos);
			uint64_t namesz = mvb_le32(core + pos), descsz = mvb_le32(core + pos + 4);
			uint64_t name_at = pos + 12, desc_at = name_at + ((namesz + 3) & ~3ull);
			uint64_t next = desc_at + ((descsz + 3) & ~3ull);
			if (next > end)
				return fail(err, errcap, bad_off, pos,
				            "note segment [%u]: the note at 0x%zx runs past its end", i, pos);
			if (namesz == sizeof(MVB_CRASH_NOTE_NAME) &&
			    !memcmp(core + name_at, MVB_CRASH_NOTE_NAME, sizeof(MVB_CRASH_NOTE_NAME)) &&
			    mvb_le32(core + pos + 8) == MVB_CRASH_NOTE_TYPE) {
				if (found)
					return fail(err, errcap, bad_off, pos,
					            "a second " MVB_CRASH_NOTE_NAME " note at 0x%zx", pos);
				found = (size_t)desc_at;
				found_len = (size_t)descsz;
			}
			pos = (size_t)next;
		}
	}
	if (!found)
		return fail(err, errcap, bad_off, SIZE_MAX,
		            "the core file holds no " MVB_CRASH_NOTE_NAME " note: not one 'mvbuild crash' wrote");
	struct mvb_crash c;
	size_t o = 0;
	char why[160];
	if (mvb_crash_check_at(core + found, found_len, &c, why, sizeof(why), &o))
		return fail(err, errcap, bad_off, found + o, "the record in its " MVB_CRASH_NOTE_NAME " note: %s", why);
	if (c.cr_size != found_len)
		return fail(err, errcap, bad_off, found - 16,
		            "the " MVB_CRASH_NOTE_NAME " note holds %zu bytes, its record %u (cr_size)", found_len,
		            c.cr_size);
	if (out)
		*out = c;
	return 0;
}

int mvb_crash_from_core(const uint8_t *core, size_t n, struct mvb_crash *out, char *err, size_t errcap)
{
	return mvb_crash_from_core_at(core, n, out, err, errcap, NULL);
}
