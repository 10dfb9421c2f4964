/* test_elf.c - the ELF reader on a real compiler-built ELF and on malformed
 * ELFs written byte by byte: each corruption class gets its own id, and
 * truncation at every length never reads out of bounds. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/buf.h"
#include "mvb/elf.h"

static unsigned char *good;
static size_t good_len;

static uint32_t shoff(const unsigned char *b) { return mvb_le32(b + 32); }
static uint16_t shnum(const unsigned char *b) { return mvb_le16(b + 48); }
static unsigned char *sh(unsigned char *b, unsigned i) { return b + shoff(b) + 40u * i; }
static unsigned find_sec(unsigned char *b, uint32_t type)
{
	for (unsigned i = 1; i < shnum(b); i++)
		if (mvb_le32(sh(b, i) + 4) == type)
			return i;
	fail_msg("no section of type %u", type);
	return 0;
}
static unsigned char *ph(unsigned char *b, unsigned i) { return b + mvb_le32(b + 28) + 32u * i; }
static unsigned first_load(unsigned char *b)
{
	for (unsigned i = 0; i < mvb_le16(b + 44); i++)
		if (mvb_le32(ph(b, i)) == 1)
			return i;
	fail_msg("no PT_LOAD");
	return 0;
}

/* ---- mutations: each edits a copy of the good ELF in place */
static void m_magic(unsigned char *b, size_t *n) { (void)n; b[1] = 'X'; }
static void m_class(unsigned char *b, size_t *n) { (void)n; b[4] = 2; }
static void m_data(unsigned char *b, size_t *n) { (void)n; b[5] = 2; }
static void m_identver(unsigned char *b, size_t *n) { (void)n; b[6] = 0; }
static void m_type(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 16, 1); }
static void m_machine(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 18, 3); }
static void m_version(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(b + 20, 2); }
static void m_eabi(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(b + 36, 0x04000000); }
static void m_ehsize(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 40, 64); }
static void m_phentsize(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 42, 56); }
static void m_shentsize(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 46, 64); }
static void m_phoff(unsigned char *b, size_t *n) { mvb_put_le32(b + 28, (uint32_t)*n - 8); }
static void m_phoff_wrap(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(b + 28, 0xfffffff0u); }
static void m_phnum_x(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 44, 0xffff); }
static void m_shoff(unsigned char *b, size_t *n) { mvb_put_le32(b + 32, (uint32_t)*n + 100); }
static void m_shnum_huge(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 48, 0xfeff); }
static void m_shnum_ext(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 48, 0); mvb_put_le32(sh(b, 0) + 20, 12); }
static void m_shstrndx(unsigned char *b, size_t *n) { (void)n; mvb_put_le16(b + 50, shnum(b)); }
static void m_shstrndx_type(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, mvb_le16(b + 50)) + 4, 1); }
static void m_shstr_unterminated(unsigned char *b, size_t *n)
{
	(void)n;
	unsigned char *s = sh(b, mvb_le16(b + 50));
	b[mvb_le32(s + 16) + mvb_le32(s + 20) - 1] = 'x';
}
static void m_sec_range(unsigned char *b, size_t *n) { mvb_put_le32(sh(b, 1) + 16, (uint32_t)*n); mvb_put_le32(sh(b, 1) + 4, 1); }
static void m_sec_size_wrap(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, 1) + 20, 0xffffff00u); mvb_put_le32(sh(b, 1) + 4, 1); }
static void m_sec_name(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, 1), 0x7ffffff0u); }
static void m_compressed(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, 1) + 8, mvb_le32(sh(b, 1) + 8) | 0x800); }
static void m_sym_entsize(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, find_sec(b, 2)) + 36, 12); }
static void m_sym_size(unsigned char *b, size_t *n) { (void)n; unsigned char *s = sh(b, find_sec(b, 2)); mvb_put_le32(s + 20, mvb_le32(s + 20) - 3); }
static void m_sym_link(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, find_sec(b, 2)) + 24, 0); }
static void m_sym_link_self(unsigned char *b, size_t *n) { (void)n; unsigned i = find_sec(b, 2); mvb_put_le32(sh(b, i) + 24, i); }
static void m_sym_link_huge(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(sh(b, find_sec(b, 2)) + 24, 0xffff); }
static void m_symstr_unterminated(unsigned char *b, size_t *n)
{
	(void)n;
	unsigned char *s = sh(b, mvb_le32(sh(b, find_sec(b, 2)) + 24));
	b[mvb_le32(s + 16) + mvb_le32(s + 20) - 1] = 'x';
}
static void m_sym_name(unsigned char *b, size_t *n) { (void)n; unsigned char *s = sh(b, find_sec(b, 2)); mvb_put_le32(b + mvb_le32(s + 16) + 16, 0x7fffffffu); }
static void m_sym_shndx(unsigned char *b, size_t *n) { (void)n; unsigned char *s = sh(b, find_sec(b, 2)); mvb_put_le16(b + mvb_le32(s + 16) + 16 + 14, 0x7000); }
static void m_filesz(unsigned char *b, size_t *n) { (void)n; unsigned char *p = ph(b, first_load(b)); mvb_put_le32(p + 16, mvb_le32(p + 20) + 1); }
static void m_seg_range(unsigned char *b, size_t *n) { unsigned char *p = ph(b, first_load(b)); mvb_put_le32(p + 4, (uint32_t)*n - 4); }
static void m_seg_huge(unsigned char *b, size_t *n) { (void)n; unsigned char *p = ph(b, first_load(b)); mvb_put_le32(p + 16, 0xfffffff0u); mvb_put_le32(p + 20, 0xfffffff0u); }
static void m_seg_wrap(unsigned char *b, size_t *n) { (void)n; unsigned char *p = ph(b, first_load(b)); mvb_put_le32(p + 8, 0xffffff00u); }
static void m_seg_align(unsigned char *b, size_t *n) { (void)n; mvb_put_le32(ph(b, first_load(b)) + 28, 3); }
static void m_no_load(unsigned char *b, size_t *n)
{
	(void)n;
	for (unsigned i = 0; i < mvb_le16(b + 44); i++)
		if (mvb_le32(ph(b, i)) == 1)
			mvb_put_le32(ph(b, i), 0);
}
static void m_empty(unsigned char *b, size_t *n) { (void)b; *n = 0; }
static void m_short(unsigned char *b, size_t *n) { (void)b; *n = 30; }

struct ecase {
	const char *name;
	void (*fn)(unsigned char *, size_t *);
	const char *id;
};

static const struct ecase cases[] = {
	{ "empty file", m_empty, "elf-magic" },
	{ "inside header", m_short, "elf-truncated" },
	{ "bad magic", m_magic, "elf-magic" },
	{ "64-bit class", m_class, "elf-class" },
	{ "big-endian", m_data, "elf-data" },
	{ "ident version", m_identver, "elf-version" },
	{ "relocatable", m_type, "elf-type" },
	{ "not ARM", m_machine, "elf-machine" },
	{ "e_version", m_version, "elf-version" },
	{ "EABI 4", m_eabi, "elf-eabi" },
	{ "e_ehsize", m_ehsize, "elf-header-size" },
	{ "e_phentsize", m_phentsize, "elf-header-size" },
	{ "e_shentsize", m_shentsize, "elf-header-size" },
	{ "phdr past EOF", m_phoff, "elf-phdr-range" },
	{ "phdr offset wraps", m_phoff_wrap, "elf-phdr-range" },
	{ "extended phnum", m_phnum_x, "elf-phdr-range" },
	{ "shdr past EOF", m_shoff, "elf-shdr-range" },
	{ "e_shnum huge", m_shnum_huge, "elf-shdr-range" },
	{ "extended shnum inconsistent", m_shnum_ext, "elf-shnum" },
	{ "shstrndx out of range", m_shstrndx, "elf-shstrndx" },
	{ "shstrndx not a string table", m_shstrndx_type, "elf-shstrndx" },
	{ "shstrtab unterminated", m_shstr_unterminated, "elf-strtab" },
	{ "section past EOF", m_sec_range, "elf-section-range" },
	{ "section size wraps", m_sec_size_wrap, "elf-section-range" },
	{ "section name past strtab", m_sec_name, "elf-name-range" },
	{ "compressed section", m_compressed, "elf-compressed" },
	{ "symtab entsize", m_sym_entsize, "elf-entsize" },
	{ "symtab size not multiple", m_sym_size, "elf-entsize" },
	{ "symtab link 0", m_sym_link, "elf-section-link" },
	{ "symtab link self", m_sym_link_self, "elf-section-link" },
	{ "symtab link huge", m_sym_link_huge, "elf-section-link" },
	{ "symbol strtab unterminated", m_symstr_unterminated, "elf-strtab" },
	{ "symbol name past strtab", m_sym_name, "elf-name-range" },
	{ "symbol section index", m_sym_shndx, "elf-symbol" },
	{ "p_filesz > p_memsz", m_filesz, "elf-segment-size" },
	{ "segment past EOF", m_seg_range, "elf-segment-range" },
	{ "huge p_filesz", m_seg_huge, "elf-segment-range" },
	{ "segment wraps", m_seg_wrap, "elf-segment-size" },
	{ "p_align", m_seg_align, "elf-segment-align" },
	{ "no PT_LOAD", m_no_load, "elf-no-load" },
};

static int setup(void **state)
{
	(void)state;
	good = (unsigned char *)tu_read(tu_build_app("elf_good", "-DCALL_MV -Wl,--defsym=mv_log=0x1001f009"), &good_len);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(good);
	return 0;
}

static void test_good(void **state)
{
	(void)state;
	struct mvb_elf e;
	struct mvb_diags d = MVB_DIAGS_INIT;
	unsigned char *b = malloc(good_len);
	memcpy(b, good, good_len);
	assert_int_equal(mvb_elf_parse(&e, "good.elf", b, good_len, &d), 0);
	assert_int_equal(d.n, 0);
	assert_true(e.nseg >= 2);
	assert_true(e.entry & 1);
	assert_true(e.attrs.present);
	assert_int_equal(e.attrs.cpu_arch, 17); /* v8-M.mainline */
	assert_int_equal(e.attrs.cpu_profile, 'M');
	assert_int_equal(e.attrs.abi_vfp_args, 1);
	const struct mvb_elf_sym *s = mvb_elf_symbol(&e, "vectors");
	assert_non_null(s);
	assert_int_equal(s->value, 0x00200000);
	const struct mvb_elf_sec *sec = mvb_elf_section_at(&e, 0x00200004);
	assert_non_null(sec);
	assert_string_equal(sec->name, ".vectors");
	assert_non_null(mvb_elf_bytes_at(&e, 0x00200000, 64));
	assert_null(mvb_elf_bytes_at(&e, 0x00100000, 4));
	mvb_elf_release(&e);
	free(b);
}

static void test_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = good_len;
		unsigned char *b = malloc(good_len);
		memcpy(b, good, good_len);
		cases[i].fn(b, &n);
		/* exact-size copy so any overread is caught by ASan/valgrind */
		unsigned char *c = malloc(n ? n : 1);
		memcpy(c, b, n);
		struct mvb_elf e;
		struct mvb_diags d = MVB_DIAGS_INIT;
		print_message("case %s\n", cases[i].name);
		assert_int_equal(mvb_elf_parse(&e, "bad.elf", c, n, &d), 1);
		assert_int_equal(d.n, 1); /* fail fast: one finding */
		tu_expect_id(&d, cases[i].id);
		assert_true(d.v[0].has_offset);
		mvb_elf_release(&e);
		mvb_diags_release(&d);
		free(b);
		free(c);
	}
}

/* Every prefix of a valid ELF: an error or a model, never a crash. */
static void test_truncation(void **state)
{
	(void)state;
	size_t errors = 0;
	for (size_t n = 0; n < good_len; n++) {
		unsigned char *c = malloc(n ? n : 1);
		memcpy(c, good, n);
		struct mvb_elf e;
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_elf_parse(&e, "t.elf", c, n, &d);
		assert_true(rc == 0 || rc == 1);
		if (rc) {
			errors++;
			assert_int_equal(d.n, 1);
			if (n < 52)
				assert_true(d.v[0].check == (n ? MVB_CK_ELF_TRUNCATED : MVB_CK_ELF_MAGIC));
		}
		mvb_elf_release(&e);
		mvb_diags_release(&d);
		free(c);
	}
	/* the section header table sits at the end, so every prefix fails */
	assert_int_equal(errors, good_len);
}

/* Found by fuzz_elf: an SHT_NULL section named .mvb.app, whose offset and
 * size are never range-checked, was taken as the embedded manifest and
 * read past the end of the file.  Its bytes must not be used. */
static void test_null_section_manifest(void **state)
{
	(void)state;
	size_t n;
	char *text = tu_read("tests/data/regress/fuzz_elf/null-section-manifest.elf", &n);
	unsigned char *data = malloc(n);
	memcpy(data, text, n);
	struct mvb_elf e;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_elf_parse(&e, "r.elf", data, n, &d) == 0) {
		if (e.app_manifest)
			assert_true(e.app_manifest >= data && (size_t)(e.app_manifest - data) + e.app_manifest_len <= n);
		mvb_elf_release(&e);
	}
	mvb_diags_release(&d);
	free(data);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_null_section_manifest),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
