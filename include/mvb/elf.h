/*
 * elf.h - the validated model of a 32-bit little-endian ARM executable.
 *
 * mvb_elf_parse checks every offset, size and index in the file before it
 * is used and fails fast on the first structural corruption, naming the field
 * and its file offset.  The model borrows the file bytes (keep them alive
 * while the model is used); symbol names point into the file's validated,
 * NUL-terminated string tables.  Only elf.c includes <gelf.h>.
 */
#ifndef MVB_ELF_H
#define MVB_ELF_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/diag.h"

struct mvb_elf_seg {
	unsigned index; /* program header index */
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
	const char *first_section; /* name of the first allocated section in it, or NULL */
};

struct mvb_elf_sec {
	const char *name;
	uint32_t type, flags, addr, offset, size, link, entsize;
};

struct mvb_elf_sym {
	const char *name;
	uint32_t value, size;
	unsigned char info;
	uint16_t shndx;
};

struct mvb_elf_attrs {
	int present;   /* an aeabi attributes subsection was read */
	int malformed; /* the section exists but could not be read */
	unsigned cpu_arch, cpu_profile, fp_arch, abi_vfp_args, hardfp_use;
};

struct mvb_elf {
	const unsigned char *data;
	size_t len;
	uint32_t entry, flags;
	struct mvb_elf_seg *seg; /* PT_LOAD segments only */
	size_t nseg;
	struct mvb_elf_sec *sec; /* every section, index = section number */
	size_t nsec;
	struct mvb_elf_sym *sym; /* .symtab entries (index 0 skipped) */
	size_t nsym;
	size_t *alloc_by_addr; /* indexes of SHF_ALLOC sections sorted by address */
	size_t nalloc;
	struct mvb_elf_attrs attrs;
	const unsigned char *app_manifest; /* bytes of .mvb.app, or NULL */
	size_t app_manifest_len;
	void *priv; /* libelf handle */
};

/* Parses data[0..len) (not modified, but libelf wants it writable).
 * Returns 0, MVB_EINPUT (the one finding is in d) or MVB_ENOMEM. */
int mvb_elf_parse(struct mvb_elf *e, const char *file, unsigned char *data, size_t len, struct mvb_diags *d);
void mvb_elf_release(struct mvb_elf *e);

/* The allocated section containing addr, or NULL. */
const struct mvb_elf_sec *mvb_elf_section_at(const struct mvb_elf *e, uint32_t addr);
/* Pointer to n file bytes at run address addr inside one PT_LOAD segment's
 * file image, or NULL. */
const unsigned char *mvb_elf_bytes_at(const struct mvb_elf *e, uint32_t addr, uint32_t n);
/* A symbol of type OBJECT or FUNC named name, or NULL. */
const struct mvb_elf_sym *mvb_elf_symbol(const struct mvb_elf *e, const char *name);

#endif
