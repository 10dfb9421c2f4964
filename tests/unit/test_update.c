/* test_update.c - the update rules shared with the device (src/update):
 * which release may be installed over the running one, as a table of
 * {running, offered, flags, expected result}; and the core's use of it for
 * a channel index (mvb_repo_check_offer: ids and where they point). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/repo.h"
#include "mvb/status.h"
#include "mvu.h"

#define V(ma, mi, pa) ((uint32_t)(ma) << 24 | (uint32_t)(mi) << 16 | (uint32_t)(pa))

static const struct accept_row {
	const char *what;
	struct mvu_release running, offered;
	unsigned flags;
	int want;
} accept_rows[] = {
	{ "a later version, a higher counter", { V(1, 2, 0), 2 }, { V(1, 3, 0), 3 }, 0, MVU_INSTALL },
	{ "a later version, the same counter", { V(1, 2, 0), 2 }, { V(1, 2, 1), 2 }, 0, MVU_INSTALL },
	{ "the running release", { V(1, 2, 0), 2 }, { V(1, 2, 0), 2 }, 0, MVU_SAME },
	{ "the running version, a higher counter", { V(1, 2, 0), 2 }, { V(1, 2, 0), 5 }, 0, MVU_SAME },
	{ "the running version, a lower counter", { V(1, 2, 0), 2 }, { V(1, 2, 0), 1 }, 0, MVU_E_COUNTER },
	{ "an older release", { V(1, 3, 0), 3 }, { V(1, 1, 0), 1 }, 0, MVU_E_COUNTER },
	{ "an older release, downgrade allowed", { V(1, 3, 0), 3 }, { V(1, 1, 0), 1 }, MVU_ALLOW_OLDER, MVU_E_COUNTER },
	{ "a later version, a lower counter", { V(1, 3, 0), 3 }, { V(2, 0, 0), 2 }, MVU_ALLOW_OLDER, MVU_E_COUNTER },
	{ "counter 0 below a known one", { V(1, 0, 0), 1 }, { V(1, 1, 0), 0 }, 0, MVU_E_COUNTER },
	{ "an older version, a higher counter", { V(1, 3, 0), 3 }, { V(1, 0, 5), 7 }, 0, MVU_E_OLDER },
	{ "an older version, a higher counter, allowed", { V(1, 3, 0), 3 }, { V(1, 0, 5), 7 }, MVU_ALLOW_OLDER,
	  MVU_INSTALL },
	{ "an older version, the same counter, allowed", { V(1, 3, 0), 3 }, { V(1, 2, 9), 3 }, MVU_ALLOW_OLDER,
	  MVU_INSTALL },
	{ "counter unknown: an older version", { V(1, 3, 0), 0 }, { V(1, 1, 0), 1 }, 0, MVU_E_OLDER },
	{ "counter unknown: an older version, allowed", { V(1, 3, 0), 0 }, { V(1, 1, 0), 1 }, MVU_ALLOW_OLDER,
	  MVU_INSTALL },
	{ "counter unknown: a later version", { V(1, 3, 0), 0 }, { V(1, 4, 0), 4 }, 0, MVU_INSTALL },
	/* versions compare as numbers: the patch field is 16 bits */
	{ "patch 256 is after patch 255", { V(1, 0, 255), 1 }, { V(1, 0, 256), 2 }, 0, MVU_INSTALL },
	{ "minor beats patch", { V(1, 1, 0), 1 }, { V(1, 0, 65535), 2 }, 0, MVU_E_OLDER },
	{ "major beats minor", { V(1, 255, 0), 1 }, { V(2, 0, 0), 2 }, 0, MVU_INSTALL },
	{ "the highest counter", { V(1, 0, 0), 0xffffffffu }, { V(1, 0, 1), 0xffffffffu }, 0, MVU_INSTALL },
	{ "above the highest counter there is nothing", { V(1, 0, 0), 0xffffffffu }, { V(9, 0, 0), 0xfffffffeu }, 0,
	  MVU_E_COUNTER },
	{ "unknown flags change nothing", { V(1, 3, 0), 3 }, { V(1, 1, 0), 4 }, 0xfffffffeu, MVU_E_OLDER },
};

static void accept_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(accept_rows) / sizeof(accept_rows[0]); i++) {
		const struct accept_row *r = &accept_rows[i];
		int got = mvu_accept(&r->running, &r->offered, r->flags);
		if (got != r->want)
			fail_msg("row '%s': %d, want %d", r->what, got, r->want);
	}
}

/* A channel whose latest release is 1.3.0 with counter 3. */
static struct mvb_repo_index *channel(void)
{
	struct mvb_repo_index *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->index_version = 3;
	x->nrel = 3;
	for (unsigned i = 0; i < 3; i++) {
		x->rel[i].rr_version = V(1, i + 1, 0);
		x->rel[i].rr_security_counter = i + 1;
	}
	return x;
}

static const struct offer_row {
	const char *what;
	uint32_t have, counter;
	int allow;
	int rc;
	const char *id;    /* NULL: no finding */
	uint64_t offset;   /* of the finding */
} offer_rows[] = {
	{ "an older device", V(1, 1, 0), 1, 0, 0, NULL, 0 },
	{ "an older device, counter unknown", V(1, 2, 0), 0, 0, 0, NULL, 0 },
	{ "up to date", V(1, 3, 0), 3, 0, 1, NULL, 0 },
	{ "a newer device (--base)", V(1, 4, 0), 4, 0, MVB_EINPUT, "repo-downgrade", 128 + 2 * 48 + 4 },
	{ "a newer device, downgrade allowed", V(1, 4, 0), 4, 1, MVB_EINPUT, "repo-downgrade", 128 + 2 * 48 + 4 },
	{ "a newer version the index does not list (--have)", V(2, 0, 0), 0, 0, MVB_EINPUT, "repo-older", 128 + 2 * 48 },
	{ "the same, downgrade allowed", V(2, 0, 0), 0, 1, 0, NULL, 0 },
};

static void offer(void **state)
{
	(void)state;
	struct mvb_repo_index *x = channel();
	for (size_t i = 0; i < sizeof(offer_rows) / sizeof(offer_rows[0]); i++) {
		const struct offer_row *r = &offer_rows[i];
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_repo_check_offer(x, "index", r->have, r->counter, r->allow, &d);
		int ok = rc == r->rc && d.n == (r->id ? 1u : 0u);
		if (ok && r->id)
			ok = !strcmp(mvb_check_info(d.v[0].check)->id, r->id) && d.v[0].has_offset &&
			     d.v[0].offset == r->offset;
		if (!ok) {
			print_error("row '%s': rc %d, want %d\n", r->what, rc, r->rc);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
	}
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accept_rule),
		cmocka_unit_test(offer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
