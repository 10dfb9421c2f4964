/* test_update.c - the update rules shared with the device (src/update):
 * which release may be installed over the running one, as a table of
 * {running, offered, flags, expected result}, and the core's use of it for
 * a channel index (mvb_repo_check_offer: ids and where they point); where
 * a layer may land, as a table of {partitions, layer, expected result and
 * fault}, and the core's use of it for a bundle on a shipped board
 * (mvb_bundle_check_layers: ids, offsets and ranges); the app header of an
 * installed bundle, made by the rule from the manifest and the app layer
 * entry, against the one mvbuild makes from the decoded image for a
 * factory image (mvb_apphdr_build + mvb_apphdr_encode), with the host's
 * CRC and the firmware's, and the one `flash` plans. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mv/core.h" /* mv_crc32: the firmware's CRC, the one a device passes */
#include "mvb/board.h"
#include "mvb/bundle.h"
#include "mvb/flash.h"
#include "mvb/hash.h"
#include "mvb/image.h"
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

/* The manifest of a bundle, as an app manifest (and `check`) gave it. */
static const struct header_row {
	const char *what;
	const char *name;
	unsigned major, minor, patch;
	uint32_t counter, min_abi, watchdog_ms;
	uint32_t periph[2], irq[8];
	int deflate;
	uint32_t flags, trial_ms, defer_ms; /* confirm and update-defer */
} header_rows[] = {
	{ "no watchdog", "demo", 1, 2, 3, 5, 0x00010000, 0, { 0x200, 0 }, { 0, 4 }, 0 },
	{ "watchdog 2 s", "demo", 1, 2, 3, 5, 0x00010000, 2000, { 0x200, 0 }, { 0, 4 }, 0 },
	{ "the shortest watchdog, deflate", "wd", 0, 0, 1, 0, 0x00010001, MVB_APPHDR_WATCHDOG_MIN_MS, { 0 }, { 0 }, 1 },
	{ "the longest watchdog", "wd", 255, 255, 65535, 0xffffffffu, 0x00010000, MVB_APPHDR_WATCHDOG_MAX_MS, { 0 }, { 0 },
	  0 },
	{ "no app manifest: no name, version 0", "", 0, 0, 0, 0, 0x00010000, 0, { 0 }, { 0 }, 1 },
	{ "a 31-byte name", "abcdefghijklmnopqrstuvwxyz01234", 3, 0, 0, 1, 0x00010000, 100, { 0 }, { 0 }, 0 },
	{ "every grant word", "grants", 2, 0, 0, 9, 0x00010000, 250, { 0x80000001u, 0xfedcba98u },
	  { 1, 0x80000000u, 0x01234567u, 0x89abcdefu, 0xffffffffu, 0x10, 0x20, 0x80000040u }, 1 },
	{ "confirm: after 60s (the default)", "demo", 1, 0, 0, 1, 0x00010004, 0, { 0 }, { 0 }, 0, 0, 60000, 0 },
	{ "confirm: explicit within 10m, update-defer 30s", "demo", 1, 0, 0, 1, 0x00010004, 2000, { 0 }, { 0 }, 1,
	  MVB_APPHDR_F_CONFIRM_EXPLICIT, 600000, 30000 },
	{ "the longest trial", "demo", 1, 0, 0, 1, 0x00010004, 0, { 0 }, { 0 }, 0, MVB_APPHDR_F_ALL,
	  MVB_APPHDR_TRIAL_MAX_MS, MVB_APPHDR_UPDATE_DEFER_MAX_MS },
};

static void app_header_rule(void **state)
{
	(void)state;
	static unsigned char mv[0x400], img[0x600];
	struct mvb_board board;
	tu_board(&board, "mps2-an505");
	for (size_t i = 0; i < sizeof(header_rows) / sizeof(header_rows[0]); i++) {
		const struct header_row *r = &header_rows[i];
		print_message("row '%s'\n", r->what);
		memset(mv, 0x11, sizeof(mv));
		for (size_t k = 0; k < sizeof(img); k++)
			img[k] = (unsigned char)(k < 0x100 ? k % 7 : k * 13 + i);
		struct mvb_bundle_spec s;
		memset(&s, 0, sizeof(s));
		strcpy(s.manifest.bm_board, "mps2-an505");
		strcpy(s.manifest.bm_app_name, r->name);
		s.manifest.bm_app_version = MVB_VERSION_PACK(r->major, r->minor, r->patch);
		s.manifest.bm_security_counter = r->counter;
		s.manifest.bm_min_abi = r->min_abi;
		s.manifest.bm_watchdog_ms = r->watchdog_ms;
		s.manifest.bm_flags = r->flags;
		s.manifest.bm_trial_ms = r->trial_ms;
		s.manifest.bm_update_defer_ms = r->defer_ms;
		memcpy(s.manifest.bm_periph_mask, r->periph, sizeof(r->periph));
		memcpy(s.manifest.bm_irq_mask, r->irq, sizeof(r->irq));
		s.layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_MICROVISOR, 0x10000000, mv, sizeof(mv) };
		s.layer[1] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, 0x00200000, img, sizeof(img) };
		s.nlayers = 2;
		s.allow_deflate = r->deflate;
		struct mvb_buf b = MVB_BUF_INIT, app = MVB_BUF_INIT;
		assert_int_equal(mvb_bundle_build(&s, &b), 0);
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_bundle_parse(&v, "h.mvb", b.data, b.len, &d), 0);
		assert_int_equal(mvb_bundle_check_payload(&v, "h.mvb", &d), 0);
		assert_int_equal(v.m.bm_watchdog_ms, r->watchdog_ms);
		assert_int_equal(v.l[1].bl_encoding, r->deflate ? MVB_ENC_DEFLATE : MVB_ENC_RAW);
		assert_int_equal(mvb_bundle_decode(&v, 1, &app), 0);

		/* what mvbuild writes into a factory image: from the app
		 * manifest, the grant and the decoded image */
		struct mvb_app a;
		memset(&a, 0, sizeof(a));
		strcpy(a.name, r->name);
		a.major = r->major;
		a.minor = r->minor;
		a.patch = r->patch;
		a.security_counter = r->counter;
		a.watchdog_ms = r->watchdog_ms;
		a.confirm_flags = r->flags;
		a.trial_ms = r->trial_ms;
		a.update_defer_ms = r->defer_ms;
		struct mvb_grant g;
		memcpy(g.periph_mask, r->periph, sizeof(g.periph_mask));
		memcpy(g.irq_mask, r->irq, sizeof(g.irq_mask));
		struct mvb_app_header h;
		mvb_apphdr_build(&h, &a, &g, r->min_abi, 0x00200000, app.data, (uint32_t)app.len);
		unsigned char want[MVB_APPHDR_SIZE];
		mvb_apphdr_encode(&h, want);
		assert_int_equal(mvb_le32(want + 0x88), r->watchdog_ms);
		assert_int_equal(mvb_le32(want + 0x1c), r->flags);
		assert_int_equal(mvb_le32(want + 0x8c), r->defer_ms);
		assert_int_equal(mvb_le32(want + 0x90), r->trial_ms);

		/* the rule, from the bundle alone, with the host's CRC and the
		 * device's; every byte written (out starts as garbage) */
		uint8_t got[MVB_APPHDR_SIZE];
		memset(got, 0xa5, sizeof(got));
		mvu_app_header(&v.m, &v.l[1], got, mvb_crc32_update);
		assert_memory_equal(got, want, MVB_APPHDR_SIZE);
		memset(got, 0x5a, sizeof(got));
		mvu_app_header(&v.m, &v.l[1], got, mv_crc32);
		assert_memory_equal(got, want, MVB_APPHDR_SIZE);

		/* and what `flash` plans for the bundle */
		struct mvb_flash_plan plan;
		mvb_flash_plan_init(&plan);
		assert_int_equal(mvb_flash_plan_bundle(&plan, &v, NULL, &board, "h.mvb", &d), 0);
		assert_true(plan.commit >= 0);
		assert_int_equal(plan.img.p[plan.commit].len, MVB_APPHDR_SIZE);
		assert_memory_equal(plan.img.p[plan.commit].data, want, MVB_APPHDR_SIZE);
		mvb_flash_plan_release(&plan);
		mvb_diags_release(&d);
		mvb_buf_release(&app);
		mvb_buf_release(&b);
	}
	mvb_board_release(&board);
}

/* An app without a manifest is bundled with the default confirm, and its
 * factory header says the same. */
static void app_header_no_manifest(void **state)
{
	(void)state;
	static const unsigned char img[64] = { 1 };
	struct mvb_app a;
	struct mvb_app_header h;
	unsigned char with_none[MVB_APPHDR_SIZE], with_init[MVB_APPHDR_SIZE];
	mvb_apphdr_build(&h, NULL, NULL, 0x00010000, 0x00200000, img, sizeof(img));
	mvb_apphdr_encode(&h, with_none);
	mvb_app_init(&a);
	mvb_apphdr_build(&h, &a, NULL, 0x00010000, 0x00200000, img, sizeof(img));
	mvb_apphdr_encode(&h, with_init);
	assert_memory_equal(with_none, with_init, MVB_APPHDR_SIZE);
	assert_int_equal(mvb_le32(with_none + 0x90), MVB_APP_TRIAL_DEFAULT_MS);
	assert_int_equal(mvb_le32(with_none + 0x1c), 0);
}

/* The name goes in up to its first NUL and NUL-padded, whatever the bytes
 * after it (a device decodes the manifest without mvbuild's reader). */
static void app_header_name(void **state)
{
	(void)state;
	struct mvb_bundle_manifest m;
	struct mvb_bundle_layer l;
	memset(&m, 0, sizeof(m));
	memset(&l, 0, sizeof(l));
	memcpy(m.bm_app_name, "ab\0junk", 8);
	uint8_t out[MVB_APPHDR_SIZE];
	mvu_app_header(&m, &l, out, mv_crc32);
	static const uint8_t name[MVB_APPHDR_NAME_MAX] = { 'a', 'b' };
	assert_memory_equal(out + 0x68, name, sizeof(name));
	assert_int_equal(mvb_le32(out + 0xfc), mvb_crc32(out, 0xfc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accept_rule),
		cmocka_unit_test(offer),
		cmocka_unit_test(place_rule),
		cmocka_unit_test(check_layers),
		cmocka_unit_test(app_header_rule),
		cmocka_unit_test(app_header_name),
		cmocka_unit_test(app_header_no_manifest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
