/* elf.c - ELF32 ARM executable reader.  The raw header and both header
 * tables are validated here through the bounds-checked cursor first; libelf
 * then walks the sections and symbols, each of which is checked again
 * against the file before its bytes are used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gelf.h>
#include "mvb/buf.h"
#include "mvb/elf.h"
#include "mvb/status.h"

#define EHDR_SIZE 52u
#define PHDR_SIZE 32u
#define SHDR_SIZE 40u
#define SYM_SIZE 16u
#ifndef SHT_ARM_ATTRIBUTES
#define SHT_ARM_ATTRIBUTES 0x70000003u
#endif
#ifndef SHF_COMPRESSED
#define SHF_COMPRESSED (1u << 11)
#endif

struct pcx {
	const char *file;
	struct mvb_diags *d;
};

/* Reports a structural error at a file offset. */
#define fail(p, off, ...) mvb_report_at((p)->d, (p)->file, (off), __VA_ARGS__)

void mvb_elf_release(struct mvb_elf *e)
{
	if (e->priv)
		elf_end((Elf *)e->priv);
	free(e->seg);
	free(e->sec);
	free(e->sym);
	free(e->alloc_by_addr);
	memset(e, 0, sizeof(*e));
}

static int is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* ---- .ARM.attributes: 'A', then subsections <u32 len><vendor\0><tag><u32 len><attrs> */
static void read_attrs(struct mvb_elf_attrs *a, const unsigned char *p, size_t n)
{
	struct mvb_cur c;
	uint8_t ver;
	mvb_cur_init(&c, p, n);
	a->malformed = 1;
	if (mvb_cur_u8(&c, &ver) || ver != 'A')
		return;
	while (c.pos < c.len) {
		size_t start = c.pos;
		uint32_t sublen;
		if (mvb_cur_le32(&c, &sublen) || sublen < 4 || !mvb_range_ok(start, sublen, c.len))
			return;
		size_t end = start + sublen;
		const char *vendor = (const char *)c.base + c.pos;
		size_t vl = strnlen(vendor, end - c.pos);
		if (vl == end - c.pos)
			return;
		c.pos += vl + 1;
		int aeabi = vl == 5 && !memcmp(vendor, "aeabi", 5);
		while (aeabi && c.pos < end) {
			size_t sstart = c.pos;
			uint32_t tag, slen;
			if (mvb_cur_uleb32(&c, &tag) || mvb_cur_le32(&c, &slen) || slen < 5 ||
			    !mvb_range_ok(sstart, slen, end))
				return;
			size_t send = sstart + slen;
			if (tag != 1) { /* only file-scope attributes matter here */
				c.pos = send;
				continue;
			}
			struct mvb_cur s;
			mvb_cur_init(&s, c.base, send);
			s.pos = c.pos;
			while (s.pos < s.len) {
				uint32_t t, v = 0;
				if (mvb_cur_uleb32(&s, &t))
					return;
				/* NTBS-valued tags: 4, 5, 67 and odd tags above 32 (except 65 in the
				 * ABI's list); Tag_compatibility (32) is ULEB then NTBS. */
				int ntbs = t == 4 || t == 5 || t == 67 || (t > 32 && (t & 1));
				if (t == 32 && mvb_cur_uleb32(&s, &v))
					return;
				if (ntbs || t == 32) {
					size_t sl = strnlen((const char *)s.base + s.pos, s.len - s.pos);
					if (sl == s.len - s.pos)
						return;
					s.pos += sl + 1;
					continue;
				}
				if (mvb_cur_uleb32(&s, &v))
					return;
				switch (t) {
				case 6: a->cpu_arch = v; break;
				case 7: a->cpu_profile = v; break;
				case 10: a->fp_arch = v; break;
				case 27: a->hardfp_use = v; break;
				case 28: a->abi_vfp_args = v; break;
				default: break;
				}
			}
			a->present = 1;
			c.pos = send;
		}
		c.pos = end;
	}
	a->malformed = 0;
}

struct addr_idx {
	uint32_t addr;
	size_t idx;
};

static int cmp_addr_idx(const void *x, const void *y)
{
	const struct addr_idx *a = x, *b = y;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Validates a string table section: inside the file, non-empty, NUL-terminated. */
static int check_strtab(struct pcx *p, const struct mvb_elf *e, size_t idx, const char *what, enum mvb_check bad_type)
{
	const struct mvb_elf_sec *s = &e->sec[idx];
	if (s->type != SHT_STRTAB)
		return fail(p, s->offset, bad_type, "%s (section %zu) is not a string table", what, idx);
	if (s->size == 0 || e->data[(size_t)s->offset + s->size - 1] != 0)
		return fail(p, (uint64_t)s->offset + (s->size ? s->size - 1 : 0), MVB_CK_ELF_STRTAB,
			    "%s (section %zu) is empty or not NUL-terminated", what, idx);
	return 0;
}

int mvb_elf_parse(struct mvb_elf *e, const char *file, unsigned char *data, size_t len, struct mvb_diags *d)
{
	struct pcx pc = { file, d }, *p = &pc;
	struct mvb_cur c;
	memset(e, 0, sizeof(*e));
	e->data = data;
	e->len = len;
	mvb_cur_init(&c, data, len);

	/* ---- ELF header */
	if (len < 4 || memcmp(data, "\177ELF", 4))
		return len < 4 && !memcmp(data, "\177ELF", len) && len ? fail(p, len, MVB_CK_ELF_TRUNCATED,
									     "file ends after %zu bytes, inside the ELF header", len)
								   : fail(p, 0, MVB_CK_ELF_MAGIC, "not an ELF file (bad magic)");
	if (len < EHDR_SIZE)
		return fail(p, len, MVB_CK_ELF_TRUNCATED, "file ends after %zu bytes, inside the 52-byte ELF header", len);
	if (data[EI_CLASS] != ELFCLASS32)
		return fail(p, EI_CLASS, MVB_CK_ELF_CLASS, "EI_CLASS is %u, not ELFCLASS32", data[EI_CLASS]);
	if (data[EI_DATA] != ELFDATA2LSB)
		return fail(p, EI_DATA, MVB_CK_ELF_DATA, "EI_DATA is %u, not little-endian", data[EI_DATA]);
	if (data[EI_VERSION] != EV_CURRENT)
		return fail(p, EI_VERSION, MVB_CK_ELF_VERSION, "EI_VERSION is %u, not 1", data[EI_VERSION]);
	uint16_t type, machine, ehsize, phentsize, phnum, shentsize, shnum16, shstrndx16;
	uint32_t version, phoff, shoff;
	mvb_cur_seek(&c, 16);
	mvb_cur_le16(&c, &type);
	mvb_cur_le16(&c, &machine);
	mvb_cur_le32(&c, &version);
	mvb_cur_le32(&c, &e->entry);
	mvb_cur_le32(&c, &phoff);
	mvb_cur_le32(&c, &shoff);
	mvb_cur_le32(&c, &e->flags);
	mvb_cur_le16(&c, &ehsize);
	mvb_cur_le16(&c, &phentsize);
	mvb_cur_le16(&c, &phnum);
	mvb_cur_le16(&c, &shentsize);
	mvb_cur_le16(&c, &shnum16);
	if (mvb_cur_le16(&c, &shstrndx16))
		MVB_BUG("header length checked above");
	if (type != ET_EXEC)
		return fail(p, 16, MVB_CK_ELF_TYPE, "e_type is %u, not ET_EXEC (link the app, do not pass an object)", type);
	if (machine != EM_ARM)
		return fail(p, 18, MVB_CK_ELF_MACHINE, "e_machine is %u, not EM_ARM (40)", machine);
	if (version != EV_CURRENT)
		return fail(p, 20, MVB_CK_ELF_VERSION, "e_version is %u, not 1", version);
	if ((e->flags & EF_ARM_EABIMASK) != EF_ARM_EABI_VER5)
		return fail(p, 36, MVB_CK_ELF_EABI, "e_flags 0x%08x: EABI version %u, not 5", e->flags,
			    (e->flags & EF_ARM_EABIMASK) >> 24);
	if (ehsize != EHDR_SIZE)
		return fail(p, 40, MVB_CK_ELF_HEADER_SIZE, "e_ehsize is %u, not 52", ehsize);
	if (phnum && phentsize != PHDR_SIZE)
		return fail(p, 42, MVB_CK_ELF_HEADER_SIZE, "e_phentsize is %u, not 32", phentsize);
	if (shnum16 && shentsize != SHDR_SIZE)
		return fail(p, 46, MVB_CK_ELF_HEADER_SIZE, "e_shentsize is %u, not 40", shentsize);

	/* ---- program header table */
	if (phnum == 0xffff)
		return fail(p, 44, MVB_CK_ELF_PHDR_RANGE, "extended program header numbering is not supported");
	if (!mvb_range_ok(phoff, (uint64_t)phnum * PHDR_SIZE, len))
		return fail(p, 28, MVB_CK_ELF_PHDR_RANGE, "program header table (offset 0x%x, %u entries) ends past the end of the file (%zu bytes)",
			    phoff, phnum, len);

	/* ---- section header table, with extended numbering */
	uint64_t shnum = shnum16;
	uint32_t shstrndx = shstrndx16;
	if (shoff) {
		if (!mvb_range_ok(shoff, SHDR_SIZE, len))
			return fail(p, 32, MVB_CK_ELF_SHDR_RANGE, "section header table offset 0x%x is past the end of the file", shoff);
		uint32_t sec0_size = mvb_le32(data + shoff + 20), sec0_link = mvb_le32(data + shoff + 24);
		if (shnum16 == 0) {
			if (shentsize != SHDR_SIZE)
				return fail(p, 46, MVB_CK_ELF_HEADER_SIZE, "e_shentsize is %u, not 40", shentsize);
			shnum = sec0_size;
			if (shnum < SHN_LORESERVE)
				return fail(p, (uint64_t)shoff + 20, MVB_CK_ELF_SHNUM,
					    "extended section count %llu in section 0 is below 0xff00", (unsigned long long)shnum);
		}
		if (shstrndx16 == SHN_XINDEX)
			shstrndx = sec0_link;
		if (!mvb_range_ok(shoff, shnum * SHDR_SIZE, len))
			return fail(p, 48, MVB_CK_ELF_SHDR_RANGE, "section header table (offset 0x%x, %llu entries) ends past the end of the file (%zu bytes)",
				    shoff, (unsigned long long)shnum, len);
		if (shnum && (shstrndx == SHN_UNDEF || shstrndx >= shnum))
			return fail(p, 50, MVB_CK_ELF_SHSTRNDX, "e_shstrndx %u is not a section (0-%llu)", shstrndx,
				    (unsigned long long)shnum - 1);
	} else {
		shnum = 0;
	}

	/* ---- sections (raw, then names through libelf) */
	e->nsec = (size_t)shnum;
	if (shnum && !(e->sec = calloc((size_t)shnum, sizeof(*e->sec))))
		return MVB_ENOMEM;
	for (size_t i = 0; i < e->nsec; i++) {
		const unsigned char *h = data + shoff + i * SHDR_SIZE;
		struct mvb_elf_sec *s = &e->sec[i];
		uint64_t hoff = (uint64_t)shoff + i * SHDR_SIZE;
		s->type = mvb_le32(h + 4);
		s->flags = mvb_le32(h + 8);
		s->addr = mvb_le32(h + 12);
		s->offset = mvb_le32(h + 16);
		s->size = mvb_le32(h + 20);
		s->link = mvb_le32(h + 24);
		s->entsize = mvb_le32(h + 36);
		if (i == 0)
			continue;
		if (s->type != SHT_NOBITS && s->type != SHT_NULL && !mvb_range_ok(s->offset, s->size, len))
			return fail(p, hoff + 16, MVB_CK_ELF_SECTION_RANGE,
				    "section %zu: bytes 0x%x-0x%llx lie past the end of the file (%zu bytes)", i,
				    s->offset, (unsigned long long)s->offset + s->size, len);
		if (s->flags & SHF_COMPRESSED)
			return fail(p, hoff + 8, MVB_CK_ELF_COMPRESSED, "section %zu is compressed (SHF_COMPRESSED)", i);
		if ((s->flags & SHF_ALLOC) && s->type != SHT_NULL && (uint64_t)s->addr + s->size > 0x100000000ull)
			return fail(p, hoff + 12, MVB_CK_ELF_SECTION_RANGE, "section %zu wraps the 32-bit address space", i);
	}
	if (e->nsec) {
		int rc = check_strtab(p, e, shstrndx, "section name table", MVB_CK_ELF_SHSTRNDX);
		if (rc)
			return rc;
	}

	elf_version(EV_CURRENT);
	Elf *elf = elf_memory((char *)data, len);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		if (elf)
			elf_end(elf);
		return fail(p, 0, MVB_CK_ELF_MAGIC, "libelf cannot read the file: %s", elf_errmsg(-1));
	}
	e->priv = elf;
	size_t symtab = 0;
	for (size_t i = 1; i < e->nsec; i++) {
		struct mvb_elf_sec *s = &e->sec[i];
		uint32_t name_off = mvb_le32(data + shoff + i * SHDR_SIZE);
		const char *name = elf_strptr(elf, shstrndx, name_off);
		if (!name)
			return fail(p, (uint64_t)shoff + i * SHDR_SIZE, MVB_CK_ELF_NAME_RANGE,
				    "section %zu: name offset 0x%x is outside the section name table", i, name_off);
		s->name = name;
		if (s->type == SHT_SYMTAB) {
			if (symtab)
				return fail(p, (uint64_t)shoff + i * SHDR_SIZE, MVB_CK_ELF_SECTION_LINK,
					    "a second symbol table (section %zu)", i);
			symtab = i;
		}
		if (s->type == SHT_ARM_ATTRIBUTES && !e->attrs.present)
			read_attrs(&e->attrs, data + s->offset, s->size);
		/* only sections whose bytes were range-checked above (an SHT_NULL
		 * section's offset and size are not: found by fuzz_elf) */
		if (!strcmp(name, ".mvb.app") && s->type != SHT_NOBITS && s->type != SHT_NULL) {
			e->app_manifest = data + s->offset;
			e->app_manifest_len = s->size;
		}
	}

	/* ---- symbols */
	if (symtab) {
		const struct mvb_elf_sec *s = &e->sec[symtab];
		uint64_t hoff = (uint64_t)shoff + symtab * SHDR_SIZE;
		if (s->entsize != SYM_SIZE || s->size % SYM_SIZE)
			return fail(p, hoff + 36, MVB_CK_ELF_ENTSIZE,
				    "symbol table: entry size %u and size %u (must be 16 and a multiple of it)",
				    s->entsize, s->size);
		if (s->link == 0 || s->link >= e->nsec || s->link == symtab)
			return fail(p, hoff + 24, MVB_CK_ELF_SECTION_LINK, "symbol table links to section %u", s->link);
		int rc = check_strtab(p, e, s->link, "symbol string table", MVB_CK_ELF_SECTION_LINK);
		if (rc)
			return rc;
		size_t n = s->size / SYM_SIZE;
		Elf_Scn *scn = elf_getscn(elf, symtab);
		Elf_Data *ed = scn ? elf_getdata(scn, NULL) : NULL;
		if (!ed || ed->d_size / SYM_SIZE < n)
			return fail(p, s->offset, MVB_CK_ELF_SECTION_RANGE, "symbol table data unreadable: %s", elf_errmsg(-1));
		if (n > 1 && !(e->sym = calloc(n - 1, sizeof(*e->sym))))
			return MVB_ENOMEM;
		for (size_t i = 1; i < n; i++) {
			GElf_Sym gs;
			if (!gelf_getsym(ed, (int)i, &gs))
				return fail(p, (uint64_t)s->offset + i * SYM_SIZE, MVB_CK_ELF_SYMBOL, "symbol %zu unreadable", i);
			const char *nm = elf_strptr(elf, s->link, gs.st_name);
			if (!nm)
				return fail(p, (uint64_t)s->offset + i * SYM_SIZE, MVB_CK_ELF_NAME_RANGE,
					    "symbol %zu: name offset 0x%x is outside the string table", i, (unsigned)gs.st_name);
			if (gs.st_shndx != SHN_UNDEF && gs.st_shndx < SHN_LORESERVE && gs.st_shndx >= e->nsec)
				return fail(p, (uint64_t)s->offset + i * SYM_SIZE + 14, MVB_CK_ELF_SYMBOL,
					    "symbol %zu ('%.40s') refers to section %u of %zu", i, nm, gs.st_shndx, e->nsec);
			struct mvb_elf_sym *y = &e->sym[e->nsym++];
			y->name = nm;
			y->value = (uint32_t)gs.st_value;
			y->size = (uint32_t)gs.st_size;
			y->info = gs.st_info;
			y->shndx = gs.st_shndx;
		}
	}

	/* ---- loadable segments */
	size_t nload = 0;
	for (unsigned i = 0; i < phnum; i++)
		nload += mvb_le32(data + phoff + i * PHDR_SIZE) == PT_LOAD;
	if (nload && !(e->seg = calloc(nload, sizeof(*e->seg))))
		return MVB_ENOMEM;
	for (unsigned i = 0; i < phnum; i++) {
		const unsigned char *h = data + phoff + i * PHDR_SIZE;
		uint64_t hoff = (uint64_t)phoff + i * PHDR_SIZE;
		if (mvb_le32(h) != PT_LOAD)
			continue;
		struct mvb_elf_seg *g = &e->seg[e->nseg];
		g->index = i;
		g->type = PT_LOAD;
		g->offset = mvb_le32(h + 4);
		g->vaddr = mvb_le32(h + 8);
		g->paddr = mvb_le32(h + 12);
		g->filesz = mvb_le32(h + 16);
		g->memsz = mvb_le32(h + 20);
		g->flags = mvb_le32(h + 24);
		g->align = mvb_le32(h + 28);
		if (g->filesz > g->memsz)
			return fail(p, hoff + 16, MVB_CK_ELF_SEGMENT_SIZE, "segment [%u]: p_filesz 0x%x > p_memsz 0x%x", i,
				    g->filesz, g->memsz);
		if (!mvb_range_ok(g->offset, g->filesz, len))
			return fail(p, hoff + 4, MVB_CK_ELF_SEGMENT_RANGE,
				    "segment [%u]: file bytes 0x%x-0x%llx lie past the end of the file (%zu bytes)", i,
				    g->offset, (unsigned long long)g->offset + g->filesz, len);
		if ((uint64_t)g->vaddr + g->memsz > 0x100000000ull || (uint64_t)g->paddr + g->filesz > 0x100000000ull)
			return fail(p, hoff + 8, MVB_CK_ELF_SEGMENT_SIZE, "segment [%u] wraps the 32-bit address space", i);
		if (g->align > 1 && !is_pow2(g->align))
			return fail(p, hoff + 28, MVB_CK_ELF_SEGMENT_ALIGN, "segment [%u]: p_align 0x%x is not a power of two",
				    i, g->align);
		e->nseg++;
	}
	size_t nonempty = 0;
	for (size_t i = 0; i < e->nseg; i++)
		nonempty += e->seg[i].memsz != 0;
	if (!nonempty)
		return fail(p, 28, MVB_CK_ELF_NO_LOAD, "no loadable segment with contents");

	/* ---- allocated sections by address, for locations */
	for (size_t i = 1; i < e->nsec; i++)
		e->nalloc += (e->sec[i].flags & SHF_ALLOC) && e->sec[i].size;
	if (e->nalloc && !(e->alloc_by_addr = malloc(e->nalloc * sizeof(size_t))))
		return MVB_ENOMEM;
	struct addr_idx *ai = e->nalloc ? malloc(e->nalloc * sizeof(*ai)) : NULL;
	if (e->nalloc && !ai)
		return MVB_ENOMEM;
	e->nalloc = 0;
	for (size_t i = 1; i < e->nsec; i++)
		if ((e->sec[i].flags & SHF_ALLOC) && e->sec[i].size)
			ai[e->nalloc++] = (struct addr_idx){ e->sec[i].addr, i };
	if (e->nalloc)
		qsort(ai, e->nalloc, sizeof(*ai), cmp_addr_idx);
	for (size_t i = 0; i < e->nalloc; i++)
		e->alloc_by_addr[i] = ai[i].idx;
	free(ai);
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_sec *s = mvb_elf_section_at(e, e->seg[i].vaddr);
		e->seg[i].first_section = s ? s->name : NULL;
	}
	return 0;
}

const struct mvb_elf_sec *mvb_elf_section_at(const struct mvb_elf *e, uint32_t addr)
{
	size_t lo = 0, hi = e->nalloc;
	while (lo < hi) { /* last section with addr <= target */
		size_t mid = lo + (hi - lo) / 2;
		if (e->sec[e->alloc_by_addr[mid]].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* sections rarely overlap; look at the few that start at or below addr */
	for (size_t k = 0; k < 4 && lo > 0; k++, lo--) {
		const struct mvb_elf_sec *s = &e->sec[e->alloc_by_addr[lo - 1]];
		if (addr - s->addr < s->size)
			return s;
	}
	return NULL;
}

const unsigned char *mvb_elf_bytes_at(const struct mvb_elf *e, uint32_t addr, uint32_t n)
{
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_seg *g = &e->seg[i];
		if (addr >= g->vaddr && mvb_range_ok(addr - g->vaddr, n, g->filesz))
			return e->data + g->offset + (addr - g->vaddr);
	}
	return NULL;
}

const struct mvb_elf_sym *mvb_elf_symbol(const struct mvb_elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsym; i++) {
		unsigned t = GELF_ST_TYPE(e->sym[i].info);
		if ((t == STT_OBJECT || t == STT_FUNC || t == STT_NOTYPE) && !strcmp(e->sym[i].name, name))
			return &e->sym[i];
	}
	return NULL;
}
