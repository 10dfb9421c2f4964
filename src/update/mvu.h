/*
 * mvu.h - the update rules a device and mvbuild both apply, written once:
 * which release may be installed over the one a device runs (accept.c).
 * Freestanding C: <stdint.h> and <stddef.h> only, no C library call, no
 * allocation, no state; the same source is built into mvbuild (the core's
 * repo module calls it for `fetch`), its unit tests (tests/unit/
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

#endif
