/* test_update.c - the update rules shared with the device (src/update):
 * which release may be installed over the running one, as a table of
 * {running, offered, flags, expected result}, and the core's use of it for
 * a channel index (mvb_repo_check_offer: ids and where they point); where
 * a layer may land, as a table of {partitions, layer, expected result and
 * fault}, and the core's use of it for a bundle on a shipped board
 * (mvb_bundle_check_layers: ids, offsets and ranges). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/board.h"
#include "mvb/bundle.h"
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

/* mps2-an505's partitions, as a device's configuration would list them */
static const struct mvu_part an505[] = {
	{ 0x10000000, 0x00000000, 0x1f000, MVU_PART_MV_CODE },   /* mv_code */
	{ 0x1001f000, 0x0001f000, 0x1000, MVU_PART_VENEERS },    /* mv_nsc */
	{ 0x10020000, 0x00020000, 0x2000, MVU_PART_OTHER },      /* mv_state */
	{ 0x10022000, 0x00022000, 0x400, MVU_PART_APP_HEADER },  /* app_header */
	{ 0x00200000, 0x10200000, 0x200000, MVU_PART_APP_CODE }, /* app_flash */
	{ 0x28000000, 0x38000000, 0x200000, MVU_PART_OTHER },    /* app_ram */
	{ 0x38200000, 0x28200000, 0x10000, MVU_PART_OTHER },     /* mv_ram */
};
/* odd tables: an app partition whose secure alias follows it directly, and
 * a microvisor partition followed by another's non-secure alias */
static const struct mvu_part adjacent_alias[] = {
	{ 0x00200000, 0x00201000, 0x1000, MVU_PART_APP_CODE },
};
static const struct mvu_part other_alias_next[] = {
	{ 0x10000000, 0x00000000, 0x1000, MVU_PART_MV_CODE },
	{ 0x00004000, 0x10001000, 0x1000, MVU_PART_OTHER },
};

#define T(x) x, sizeof(x) / sizeof(x[0])
static const struct place_row {
	const char *what;
	const struct mvu_part *parts;
	size_t n;
	uint32_t layer, addr, size;
	int want;
	uint32_t at, part; /* where the fault is (for a refusal) */
} place_rows[] = {
	{ "app filling app_flash", T(an505), MVB_LAYER_APP, 0x00200000, 0x200000, MVU_PLACED, 0, 0 },
	{ "a small app", T(an505), MVB_LAYER_APP, 0x00200000, 0x400, MVU_PLACED, 0, 0 },
	{ "an empty app", T(an505), MVB_LAYER_APP, 0x00200000, 0, MVU_PLACED, 0, 0 },
	{ "app one byte larger than app_flash", T(an505), MVB_LAYER_APP, 0x00200000, 0x200001, MVU_E_OUTSIDE, 0x00400000,
	  MVU_NO_PART },
	{ "app wrapping the address space", T(an505), MVB_LAYER_APP, 0x00200000, 0xffffffffu, MVU_E_OUTSIDE, 0x00400000,
	  MVU_NO_PART },
	{ "app in the secure alias", T(an505), MVB_LAYER_APP, 0x10200000, 0x400, MVU_E_ALIAS, 0x10200000, 4 },
	{ "app over the app header", T(an505), MVB_LAYER_APP, 0x10022000, 0x400, MVU_E_START, 0x10022000, 4 },
	{ "app over the microvisor", T(an505), MVB_LAYER_APP, 0x00000000, 0x400, MVU_E_START, 0, 4 },
	{ "app inside app_flash but not at its start", T(an505), MVB_LAYER_APP, 0x00201000, 0x400, MVU_E_START, 0x00201000,
	  4 },
	{ "app outside memory", T(an505), MVB_LAYER_APP, 0x60000000, 0x400, MVU_E_START, 0x60000000, 4 },
	{ "microvisor over code and veneers", T(an505), MVB_LAYER_MICROVISOR, 0x10000000, 0x20000, MVU_PLACED, 0, 0 },
	{ "microvisor in its code partition", T(an505), MVB_LAYER_MICROVISOR, 0x10000000, 0x1f000, MVU_PLACED, 0, 0 },
	{ "microvisor into its state", T(an505), MVB_LAYER_MICROVISOR, 0x10000000, 0x20001, MVU_E_OVERLAP, 0x10020000, 2 },
	{ "microvisor over the app header", T(an505), MVB_LAYER_MICROVISOR, 0x10000000, 0x22400, MVU_E_OVERLAP,
	  0x10020000, 2 },
	{ "microvisor in the non-secure alias", T(an505), MVB_LAYER_MICROVISOR, 0x00000000, 0x1000, MVU_E_ALIAS, 0, 0 },
	{ "microvisor not at its start", T(an505), MVB_LAYER_MICROVISOR, 0x10001000, 0x1000, MVU_E_START, 0x10001000, 0 },
	{ "an unknown layer role", T(an505), 7, 0x00200000, 0x400, MVU_E_LAYER, 0x00200000, MVU_NO_PART },
	{ "a board without app-code", an505, 3, MVB_LAYER_APP, 0x00200000, 0x400, MVU_E_LAYER, 0x00200000, MVU_NO_PART },
	{ "app running on into its own other alias", T(adjacent_alias), MVB_LAYER_APP, 0x00200000, 0x2000, MVU_E_ALIAS,
	  0x00201000, 0 },
	{ "microvisor running into another partition's other alias", T(other_alias_next), MVB_LAYER_MICROVISOR,
	  0x10000000, 0x2000, MVU_E_OVERLAP, 0x10001000, 1 },
};

static void place_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(place_rows) / sizeof(place_rows[0]); i++) {
		const struct place_row *r = &place_rows[i];
		struct mvu_where w = { 0x12345678, 0x12345678 };
		int got = mvu_place(r->parts, r->n, r->layer, r->addr, r->size, &w);
		if (got != r->want || (r->want != MVU_PLACED && (w.addr != r->at || w.part != r->part)))
			fail_msg("row '%s': %d at 0x%08x part %u, want %d at 0x%08x part %u", r->what, got, w.addr, w.part,
				 r->want, r->at, r->part);
	}
}

/* The core's use of the rule on a shipped board: a bundle of two layers,
 * then each row moves or grows one in the parsed view. */
static const struct layers_row {
	const char *what, *board;
	unsigned layer;
	int move;            /* 1: the layer goes to addr */
	uint32_t addr, size; /* size 0: as built */
	const char *id;      /* NULL: placed */
	uint32_t lo, hi;     /* the range named */
} layers_rows[] = {
	{ "as built", "mps2-an505", 1, 0, 0, 0, NULL, 0, 0 },
	{ "app in the secure alias", "mps2-an505", 1, 1, 0x10200000, 0, "bundle-layer-start", 0x10200000, 0x102003ff },
	{ "app over the app header", "mps2-an505", 1, 1, 0x10022000, 0, "bundle-layer-start", 0x10022000, 0x100223ff },
	{ "app over the microvisor", "mps2-an505", 1, 1, 0x00000000, 0, "bundle-layer-start", 0x00000000, 0x000003ff },
	{ "app larger than app_flash", "mps2-an505", 1, 0, 0, 0x200400, "bundle-layer-outside", 0x00400000, 0x002003ff + 0x200000 },
	{ "microvisor into mv_state", "mps2-an505", 0, 0, 0, 0x20400, "bundle-layer-partition", 0x10020000, 0x100203ff },
	{ "the same bundle on stm32u585", "stm32u585", 1, 0, 0, 0, "bundle-layer-start", 0x00200000, 0x002003ff },
	{ "its microvisor on stm32u585", "stm32u585", 0, 0, 0, 0, "bundle-layer-start", 0x10000000, 0x100003ff },
};

static void check_layers(void **state)
{
	(void)state;
	static unsigned char mv[0x400], app[0x400];
	memset(mv, 0x11, sizeof(mv));
	memset(app, 0x22, sizeof(app));
	struct mvb_bundle_spec s;
	memset(&s, 0, sizeof(s));
	strcpy(s.manifest.bm_board, "mps2-an505");
	strcpy(s.manifest.bm_app_name, "demo");
	s.layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_MICROVISOR, 0x10000000, mv, sizeof(mv) };
	s.layer[1] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, 0x00200000, app, sizeof(app) };
	s.nlayers = 2;
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	for (size_t i = 0; i < sizeof(layers_rows) / sizeof(layers_rows[0]); i++) {
		const struct layers_row *r = &layers_rows[i];
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_bundle_parse(&v, "b.mvb", b.data, b.len, &d), 0);
		if (r->move)
			v.l[r->layer].bl_target_addr = r->addr;
		if (r->size)
			v.l[r->layer].bl_size = r->size;
		struct mvb_board board;
		tu_board(&board, r->board);
		int rc = mvb_bundle_check_layers(&v, &board, "b.mvb", &d);
		/* the finding at the layer's bl_target_addr (a bundle for another
		 * board has one for each layer) */
		int ok = r->id ? rc == MVB_EINPUT && d.n >= 1 : rc == 0 && d.n == 0;
		const struct mvb_diag *g = NULL;
		for (size_t k = 0; k < d.n; k++)
			if (d.v[k].has_offset && d.v[k].offset == 64 + 192 + 96 * r->layer + 4)
				g = &d.v[k];
		if (r->id)
			ok = ok && g && !strcmp(mvb_check_info(g->check)->id, r->id) && g->has_range && g->lo == r->lo &&
			     g->hi == r->hi && d.n == (strcmp(r->board, "mps2-an505") ? 2u : 1u);
		if (!ok) {
			print_error("row '%s': rc %d\n", r->what, rc);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
		mvb_board_release(&board);
	}
	mvb_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accept_rule),
		cmocka_unit_test(offer),
		cmocka_unit_test(place_rule),
		cmocka_unit_test(check_layers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
