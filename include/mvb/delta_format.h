/*
 * delta_format.h - the byte layout of an mvbuild delta patch, format 2.
 *
 * Freestanding (<stdint.h> only): the device patcher (src/delta) and the
 * firmware compile this file, so it is the single definition of the format.
 * mvbuild-delta(5) documents it and a test checks that page against it.
 *
 * A patch turns an old image into a new one in place, one flash page (a
 * "step") at a time.  In order, with no gaps:
 *
 *   header   struct mvd_header (112 B)
 *   index    dh_index_size = 8 * dh_map_count + 12 * dh_step_count bytes,
 *            not compressed: dh_map_count struct mvd_label, then
 *            dh_step_count struct mvd_step, in write order
 *   body     dh_body_size bytes: for each step in the same order, its
 *            struct mvd_step again (the same 12 bytes), then its stream,
 *            an independent raw deflate stream (4 KiB window) of
 *            ds_size - 12 bytes, so a patcher resumes at any step with an
 *            empty window
 *
 * The index lets a patcher find where to resume by reading a few bytes per
 * step; the copy in the body lets it apply the steps reading the patch
 * front to back, with no table in RAM, however many pages change.
 * Integers in the header, index and step heads are little-endian.  Inside
 * step streams, numbers are ULEB128 ("uv", at most 5 bytes, at most 32
 * bits) or zigzag ULEB128 ("sv": 0,-1,1,-2 -> 0,1,2,3).
 *
 * Labels (the map of how old offsets moved): dl_start strictly increase
 * and lie in [0, dh_old_size]; old offsets from dl_start up to the next
 * label's start move by dl_delta (within +-2^30) in the new image; before
 * the first the delta is 0.
 *
 * Steps: ds_page lies within the new image and appears at most once;
 * ds_crc32 is the CRC-32 (zlib's) of the page's new content padded with
 * 0xff to dh_page_size.  When any step's page changes bytes of the old
 * image, the first step's does (so it cannot already match its CRC before
 * the update starts: the resume scan relies on it).
 *
 * Step stream, after inflating: records that rebuild the page's new content
 * (min(dh_page_size, dh_new_size - page * dh_page_size) bytes; the rest of
 * the page is 0xff) front to back.  Each record starts with uv h; its
 * length n = h >> 2 >= 1 and its kind is h & 3:
 *   MVD_REC_COPY, MVD_REC_PRED  sv d: source = destination + prev_d + d
 *              (prev_d is 0 at the start of each step, then the last
 *              copy's source - destination); n bytes from the old image at
 *              source, as transformed by MVD_REC_PRED (see below); then
 *              uv k runs of corrections, each uv gap (bytes skipped after
 *              the previous run), uv m - 1, m bytes added modulo 256.
 *   MVD_REC_LIT   n bytes of new content follow.
 *   MVD_REC_FILL  one byte follows; n copies of it.
 * A copy may read only old bytes inside [0, dh_old_size) on pages not yet
 * rewritten by an earlier step (its own page is allowed).
 *
 * MVD_REC_PRED predicts the new bytes from the old ones (dh_flags): with
 * MVD_FLAG_PTR, each 4-aligned word w with 0 <= (w & ~1) - dh_base_addr
 * <= dh_old_size becomes w + delta(w - dh_base_addr); then, with
 * MVD_FLAG_THUMB, each halfword-aligned Thumb-2 BL or B.W (T4) whose target
 * t lies in the old image is re-aimed at t + delta(t) from its new address,
 * and at t (the same address) when t lies outside.  The scan is greedy from
 * the copy's first byte, words are taken whole only inside the copy, and a
 * branch whose new offset does not fit is left alone.
 *
 * The patcher checks each rebuilt page against its CRC before it writes,
 * keeps a copy in one spare "state" page when the page's records read its
 * own old bytes, and finds where to resume after a power loss by comparing
 * pages with the step CRCs of the index; the whole new image is checked
 * against dh_new_sha256 at the end.
 */
#ifndef MVB_DELTA_FORMAT_H
#define MVB_DELTA_FORMAT_H

#include <stdint.h>

#define MVD_MAGIC 0x3244564du /* bytes "MVD2" */
#define MVD_FORMAT 2u
#define MVD_HEADER_SIZE 112u
#define MVD_LABEL_SIZE 8u
#define MVD_STEP_SIZE 12u
#define MVD_WINDOW_BITS 12u   /* deflate window of the index and step streams */
#define MVD_PAGE_MIN 256u
#define MVD_PAGE_MAX 65536u

/* dh_flags */
#define MVD_FLAG_THUMB 1u /* MVD_REC_PRED re-aims Thumb-2 BL and B.W */
#define MVD_FLAG_PTR 2u   /* MVD_REC_PRED moves absolute pointers into the image */

/* record kinds (low two bits of a record's first number) */
#define MVD_REC_COPY 0u
#define MVD_REC_PRED 1u
#define MVD_REC_LIT 2u
#define MVD_REC_FILL 3u

struct mvd_header {
	uint32_t dh_magic;          /* 0x00 MVD_MAGIC */
	uint16_t dh_format;         /* 0x04 MVD_FORMAT */
	uint16_t dh_header_size;    /* 0x06 112 */
	uint32_t dh_flags;          /* 0x08 MVD_FLAG_* */
	uint32_t dh_old_size;       /* 0x0c bytes of old image */
	uint32_t dh_new_size;       /* 0x10 bytes of new image, >= 1 */
	uint32_t dh_page_size;      /* 0x14 flash erase page, a power of two 256..65536 */
	uint32_t dh_base_addr;      /* 0x18 address of offset 0 (MVD_FLAG_PTR) */
	uint32_t dh_step_count;     /* 0x1c pages the patch rewrites */
	uint32_t dh_map_count;      /* 0x20 label-map entries in the index */
	uint32_t dh_index_size;     /* 0x24 bytes of the index: 8 * dh_map_count + 12 * dh_step_count */
	uint32_t dh_body_size;      /* 0x28 bytes of all steps (heads and streams) */
	uint32_t dh_reserved;       /* 0x2c 0 */
	uint8_t dh_old_sha256[32];  /* 0x30 SHA-256 of the old image */
	uint8_t dh_new_sha256[32];  /* 0x50 SHA-256 of the new image */
};

typedef char mvd_header_size_check[(sizeof(struct mvd_header) == MVD_HEADER_SIZE) ? 1 : -1];

/* A label-map entry of the index. */
struct mvd_label {
	uint32_t dl_start;          /* 0x00 old offset where this delta starts */
	int32_t dl_delta;           /* 0x04 new offset - old offset from there on */
};

/* A step: in the index, and again at the head of the step in the body. */
struct mvd_step {
	uint32_t ds_page;           /* 0x00 the page this step rewrites */
	uint32_t ds_crc32;          /* 0x04 CRC-32 of its new content padded with 0xff */
	uint32_t ds_size;           /* 0x08 bytes of the step in the body: 12 + its stream */
};

typedef char mvd_label_size_check[(sizeof(struct mvd_label) == MVD_LABEL_SIZE) ? 1 : -1];
typedef char mvd_step_size_check[(sizeof(struct mvd_step) == MVD_STEP_SIZE) ? 1 : -1];

#endif
