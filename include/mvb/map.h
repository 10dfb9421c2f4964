/*
 * map.h - a to-scale SVG drawing of a board's memories: every partition,
 * coloured by world (secure, non-secure callable, non-secure), the space no
 * partition holds, and what a bundle or an app puts there (layers,
 * sections), with the space left free in each partition.
 *
 * Rendering only: the caller gathers the items.  The SVG is a pure function
 * of its inputs (same board and items, same bytes), plain SVG 1.1 with no
 * scripts, fonts or external references.  Items are copied; nothing is
 * kept after the call.
 */
#ifndef MVB_MAP_H
#define MVB_MAP_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/board.h"
#include "mvb/buf.h"
#include "mvb/elf.h"

enum mvb_map_kind {
	MVB_MAP_LAYER_MV,  /* the microvisor layer of a bundle */
	MVB_MAP_LAYER_APP, /* the app layer of a bundle */
	MVB_MAP_CODE,      /* an app section: instructions */
	MVB_MAP_RODATA,    /* an app section: read-only data, or a load image */
	MVB_MAP_DATA,      /* an app section: initialised data */
	MVB_MAP_BSS,       /* an app section: zero-initialised or uninitialised */
	MVB_MAP__KINDS
};

struct mvb_map_item {
	char name[48]; /* any bytes; escaped and shortened in the drawing */
	uint32_t addr, size;
	enum mvb_map_kind kind;
};

#define MVB_MAP_MAX_ITEMS 256

/* Appends the SVG for board b with items[0..n) (n <= MVB_MAP_MAX_ITEMS) to
 * out; title heads the drawing.  Returns 0, MVB_EINPUT (too many items) or
 * MVB_ENOMEM. */
int mvb_map_svg(const struct mvb_board *b, const char *title, const struct mvb_map_item *items, size_t n,
                struct mvb_buf *out);

/* The app's allocated sections as items (at their run addresses), plus the
 * load image of each section whose load address differs (initialised data
 * copied from flash at start-up).  Returns how many were written (at most
 * max). */
size_t mvb_map_elf_items(const struct mvb_elf *e, struct mvb_map_item *items, size_t max);
/* The partition holding addr in its own world's alias or the other alias
 * of its memory, or NULL. */
const struct mvb_partition *mvb_map_partition_at(const struct mvb_board *b, uint32_t addr);
/* The partitions [addr, addr+size) touches, in address order, into
 * out[0..max); *outside is 1 when some of its bytes lie in no partition.
 * Returns how many were written. */
size_t mvb_map_partitions_in(const struct mvb_board *b, uint32_t addr, uint32_t size, const struct mvb_partition **out,
                             size_t max, int *outside);
/* "code", "data", ... */
const char *mvb_map_kind_name(enum mvb_map_kind k);

#endif
