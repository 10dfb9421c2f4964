/*
 * mvu.h - the update rules a device and mvbuild both apply, written once:
 * which release may be installed over the one a device runs (accept.c),
 * where a bundle's layer may land on the board (place.c), and the app
 * header an installed bundle boots from (header.c).
 * Freestanding C: <stdint.h> and <stddef.h> only, no C library call, no
 * allocation, no state; the same source is built into mvbuild (the core's
 * repo module calls it for `fetch`, the bundle and flash modules for
 * `verify` and `flash`), its unit tests (tests/unit/
 * test_update.c) and, for the microvisor's update client, the firmware
 * (tests/tools/freestanding.sh checks that it links with no C library).
 *
 * Versions are packed as bundles carry them (bm_app_version,
 * MVB_VERSION_PACK): MAJOR << 24 | MINOR << 16 | PATCH, so that a larger
 * number is a later version.
 */
#ifndef MVU_H
#define MVU_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/app_header.h"    /* MVB_APPHDR_* (freestanding too) */
#include "mvb/bundle_format.h" /* MVB_LAYER_*, the manifest and layer entries (freestanding too) */

/* A release as the rule sees it. */
struct mvu_release {
	uint32_t version; /* packed MAJOR.MINOR.PATCH */
	uint32_t counter; /* security counter; 0 when not known (bounds nothing) */
};

/* ---- results of mvu_accept (negative: refused) */
#define MVU_INSTALL 0    /* a later version, or an earlier one allowed explicitly */
#define MVU_SAME 1       /* the version it runs: nothing to install */
#define MVU_E_COUNTER -1 /* a lower security counter: never, whatever the flags */
#define MVU_E_OLDER -2   /* an earlier version, and MVU_ALLOW_OLDER not given */

/* ---- flags */
#define MVU_ALLOW_OLDER 1u /* an earlier version is acceptable (its counter still bounds it) */

/*
 * May `offered` be installed on a device that runs `running`?
 *
 *  1. never a lower security counter than the running one (MVU_E_COUNTER):
 *     the counter is what rollback protection stands on, and nothing
 *     overrides it;
 *  2. the version it runs already is nothing to install (MVU_SAME);
 *  3. an earlier version only when asked for explicitly (MVU_ALLOW_OLDER),
 *     else MVU_E_OLDER;
 *  4. anything else is a later version: MVU_INSTALL.
 *
 * A device passes as running.counter the highest counter it has ever
 * accepted (its rollback floor), which is at least its app's.  mvbuild
 * passes the counter of the bundle the device runs (fetch --base) or the
 * one the index gives for its version (--have), and 0 when neither is known.
 */
int mvu_accept(const struct mvu_release *running, const struct mvu_release *offered, unsigned flags);

/* ---- where a layer may land */

/* What a partition is, as far as layers go (the board manifest's roles;
 * every other role is MVU_PART_OTHER: a layer never writes there). */
#define MVU_PART_OTHER 0u
#define MVU_PART_MV_CODE 1u    /* microvisor-code: where the microvisor layer starts */
#define MVU_PART_VENEERS 2u    /* veneers: the microvisor layer may run on into it */
#define MVU_PART_APP_CODE 3u   /* app-code: the app layer, start to end */
#define MVU_PART_APP_HEADER 4u /* app-header: written by the installer, never by a layer */

/* A partition of the board.  base is its address in the alias of its own
 * world (the secure alias for secure and NSC partitions, the non-secure
 * one for non-secure partitions); other_base the same bytes seen through
 * the other alias (equal to base where memory has one alias only).  A
 * device fills the table from its generated board configuration, mvbuild
 * from the board manifest. */
struct mvu_part {
	uint32_t base, other_base, size;
	uint32_t role; /* MVU_PART_* */
};

/* Where mvu_place found the first fault. */
#define MVU_NO_PART 0xffffffffu
struct mvu_where {
	uint32_t addr; /* the first byte at fault (the layer's start for MVU_E_START/MVU_E_ALIAS) */
	uint32_t part; /* the partition concerned (index into the table), or MVU_NO_PART */
};

/* ---- results of mvu_place (negative: refused) */
#define MVU_PLACED 0
#define MVU_E_LAYER -3   /* a layer role without a partition on this board (or unknown) */
#define MVU_E_START -4   /* it does not start at the first byte of its partition */
#define MVU_E_ALIAS -5   /* it starts there (or runs on into it), but in the other security alias */
#define MVU_E_OVERLAP -6 /* bytes land in a partition of another role (through either alias) */
#define MVU_E_OUTSIDE -7 /* bytes lie in no partition (outside memory, or in a gap) */

/*
 * May a layer of role `layer` (MVB_LAYER_*) with `size` bytes at `addr` be
 * written on a board with partitions parts[0..n)?  Exactly inside its
 * partition:
 *  - the app layer starts at the first byte of the app-code partition, in
 *    its non-secure alias, and every byte lies inside that partition: not
 *    over the app header, the microvisor, the secure alias, past the
 *    partition or outside memory;
 *  - the microvisor layer starts at the first byte of the microvisor-code
 *    partition, in its secure alias, and runs on at most into veneers
 *    partitions (the secure entry table it links in).
 * Partitions must not overlap (the board manifest's rules).  A layer of
 * size 0 only has to start right.  The first fault is described in *where.
 */
int mvu_place(const struct mvu_part *parts, size_t n, uint32_t layer, uint32_t addr, uint32_t size,
              struct mvu_where *where);

/* ---- the app header of an installed bundle */

/* A CRC-32 as zlib's crc32() computes it (IEEE 802.3, reflected), continued
 * from crc over len bytes (crc 0 to start).  The firmware's mv_crc32 has
 * this type; mvbuild passes mvb_crc32_update. */
typedef uint32_t mvu_crc32_fn(uint32_t crc, const void *data, uint32_t len);

/*
 * The installed-app header (app_header.h, mvbuild-app-header(5)) for the
 * bundle whose manifest is m and whose app layer is app, into out: what a
 * device's installer writes into the app-header partition once the app
 * layer is in place, and what `mvbuild flash` writes for a bundle.
 *
 * m and app hold host-order values (as decoded from the bundle); out gets
 * every byte, little-endian, reserved bytes zero:
 *  - ah_image_addr, ah_image_size and ah_image_sha256 are the app layer's
 *    bl_target_addr, bl_size and bl_sha256 (the installed image, which the
 *    installer checked against bl_sha256);
 *  - version, security counter, minimum ABI, flags, peripheral and IRQ
 *    masks, watchdog deadline, update deferral and trial are the
 *    manifest's; the name is bm_app_name up to its first NUL, NUL-padded;
 *  - ah_crc32 is crc over bytes 0x00-0xfb.
 * Values are copied, not judged: the bundle's reader refuses a manifest
 * the microvisor would refuse in the header (mvbuild's mvb_bundle_parse),
 * and the microvisor checks the header again at every boot.
 */
void mvu_app_header(const struct mvb_bundle_manifest *m, const struct mvb_bundle_layer *app,
                    uint8_t out[MVB_APPHDR_SIZE], mvu_crc32_fn *crc);

#endif
