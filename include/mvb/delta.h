/*
 * delta.h - delta patches between two raw images (format: delta_format.h):
 * the encoder, a host-side apply that runs the device patcher (src/delta)
 * over a simulated flash, and a strict header reader.
 *
 * mvb_delta_encode is deterministic: the same inputs and options give the
 * same bytes.  It appends to out; the caller owns out.
 */
#ifndef MVB_DELTA_H
#define MVB_DELTA_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"
#include "mvb/delta_format.h"
#include "mvb/diag.h"

/* The page of a patch made without a board (`mvbuild delta` without
 * --page-size); bundles take theirs from the board (mvb_delta_board_page). */
#define MVB_DELTA_PAGE_DEFAULT 4096u

struct mvb_delta_opts {
	uint32_t page_size; /* flash erase page; 0: MVB_DELTA_PAGE_DEFAULT */
	uint32_t base_addr; /* address of offset 0, when base_known */
	int base_known;     /* 0: guessed from an Arm vector table at offset 0 */
	int no_predict;     /* 1: plain copies only (no label map, no MVD_REC_PRED) */
};

struct mvb_delta_stats {
	uint32_t steps, map_entries, flags;
	uint32_t copy_bytes, pred_bytes, lit_bytes, fix_bytes; /* new bytes by how they were made */
	uint32_t lost_bytes;   /* copy bytes turned literal because their source was already rewritten */
	uint32_t index_size, body_size;
};

/* The pages a patch from old to new must rewrite, at page size ps: every
 * page of the new image not wholly inside both images with equal bytes.
 * A patch can rewrite at most mvb_delta_max_pages() of them (the device
 * patcher's page table: every page of the region). */
uint32_t mvb_delta_pages_changed(const unsigned char *old, size_t old_len, const unsigned char *new_img,
				 size_t new_len, uint32_t ps);
uint32_t mvb_delta_max_pages(void);
/* The largest image (old or new) the encoder takes in pages of ps: the
 * patcher's page table (MVD_MAX_PAGES) of them. */
uint64_t mvb_delta_max_image(uint32_t ps);

struct mvb_board;
/* The page of the delta layers of a bundle for board b: the largest erase
 * size of the memories holding the partitions layers land in (microvisor
 * code and app code; 1 for memory without one), raised to the patcher's
 * smallest page (MVD_PAGE_MIN) and then doubled until each of those
 * partitions fits the patcher's page table (MVD_MAX_PAGES).  The result is
 * a power of two and so a multiple of every erase page it spans: a step
 * never erases a neighbour it does not rewrite.  Returns 0 with *ps, or
 * MVB_EINPUT with a delta-page finding at the memory (or partition) that
 * needs a page over MVD_PAGE_MAX. */
int mvb_delta_board_page(const struct mvb_board *b, uint32_t *ps, struct mvb_diags *d);

/* Encodes a patch from old to new into out.  stats may be NULL.
 * Returns 0, MVB_EINPUT (new is empty or the images exceed the patcher's
 * limits at this page size), MVB_ENOMEM. */
int mvb_delta_encode(const unsigned char *old, size_t old_len, const unsigned char *new_img, size_t new_len,
		     const struct mvb_delta_opts *o, struct mvb_buf *out, struct mvb_delta_stats *stats);

/* Reads and checks a patch header (a finding names the field and offset). */
int mvb_delta_header(struct mvd_header *h, const char *file, const unsigned char *p, size_t len,
		     struct mvb_diags *d);

/* Applies patch to old in a simulated flash, exactly as a device would, and
 * appends the new image to out.  Findings name the file and the patch
 * offset where decoding stopped. */
int mvb_delta_apply(const unsigned char *old, size_t old_len, const unsigned char *patch, size_t patch_len,
		    const char *file, struct mvb_buf *out, struct mvb_diags *d);

#endif
