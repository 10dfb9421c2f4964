/*
 * sbom.h - the software bill of materials of an update bundle, as a
 * CycloneDX 1.5 JSON document (mvbuild-bundle(1), "SBOM").
 *
 * mvb_sbom_write turns a filled struct mvb_sbom into the document's bytes:
 * the same struct gives the same bytes (no time but the bundle's own build
 * time, no random serial number, keys and arrays in a fixed order).
 * mvb_sbom_read is the other direction, as far as publish needs it: which
 * bundle a document names.  The struct borrows its strings.
 */
#ifndef MVB_SBOM_H
#define MVB_SBOM_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"
#include "mvb/bundle.h"
#include "mvb/diag.h"

#define MVB_SBOM_MAX_TOOLS 8       /* toolchain strings kept from an ELF's .comment */
#define MVB_SBOM_TOOL_LEN 160      /* each at most this long, longer ones cut */
#define MVB_SBOM_MAX_BYTES (1u << 20) /* a document publish reads */

struct mvb_sbom_layer {
	int present;
	uint32_t addr, size;
	uint8_t encoding;            /* MVB_ENC_* in the bundle */
	uint8_t sha256[32];          /* of the installed image */
	uint8_t base_sha256[32];     /* a delta layer: the image it applies over */
	int have_elf;
	uint8_t elf_sha256[32]; /* of the ELF file it came from */
};

struct mvb_sbom {
	const char *tool_version; /* mvbuild's */
	/* the bundle */
	char board[33], app[33];
	uint32_t app_version, security_counter, min_abi;
	uint64_t build_time; /* SOURCE_DATE_EPOCH recorded in the bundle; 0: none */
	uint64_t size;
	uint8_t sha256[32];        /* of the file */
	uint8_t signed_sha256[32]; /* of its signed bytes (what signatures cover) */
	uint8_t key_id[MVB_BUNDLE_MAX_SIGS][8];
	unsigned nkeys;
	/* its layers */
	struct mvb_sbom_layer mv, appl;
	int have_mv_version;
	uint32_t mv_version; /* MVB_VERSION_PACK */
	int have_mv_abi;
	uint32_t mv_abi; /* MVB_ABI_PACK, of its secure entry table */
	/* the app ELF's .comment strings (compiler, linker), printable */
	char tool[MVB_SBOM_MAX_TOOLS][MVB_SBOM_TOOL_LEN];
	unsigned ntools;
};

/* Fills what the bundle itself says (v parsed from data[0..len)); the
 * rest of s is zeroed. */
void mvb_sbom_from_bundle(struct mvb_sbom *s, const struct mvb_bundle_view *v);
struct mvb_elf;
/* The toolchain strings of e's .comment section (NUL-separated), each
 * once, control characters replaced, at most MVB_SBOM_MAX_TOOLS. */
void mvb_sbom_elf_tools(struct mvb_sbom *s, const struct mvb_elf *e);
/* The version of the microvisor mvbuild's own prebuilt images are built
 * as (firmware/include/mv/core.h, MV_FW_VERSION). */
uint32_t mvb_sbom_prebuilt_version(void);
/* Appends the document to out.  0 or MVB_ENOMEM/MVB_ELIMIT. */
int mvb_sbom_write(const struct mvb_sbom *s, struct mvb_buf *out);
/* Reads a document mvb_sbom_write made (or any CycloneDX 1.5 JSON whose
 * metadata.component carries a SHA-256): the bundle file's SHA-256 into
 * sha256.  Returns 0 or MVB_EINPUT (sbom-format, or the YAML reader's
 * ids: JSON is read as YAML's flow style, strictly). */
int mvb_sbom_read(const char *file, const void *text, size_t len, uint8_t sha256[32], struct mvb_diags *d);

#endif
