/* cmd_publish.c - `mvbuild publish`: a signed bundle into a repository
 * channel, with delta bundles from the last releases, index last. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/channel.h"
#include "cli/cli.h"
#include "cli/store.h"
#include "mvb/bundle.h"
#include "mvb/delta.h"
#include "mvb/hash.h"
#include "mvb/repo.h"
#include "mvb/sbom.h"
#include "sys/sys.h"

/* "30d", "12h", "90m", "3600s" or "3600" to seconds; 0 when malformed. */
static uint64_t duration(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *s == '-')
		return 0;
	unsigned long long m = !*end ? 1 : !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600
							   : !strcmp(end, "d") ? 86400 : 0;
	if (!m || v > (1ull << 40) / m)
		return 0;
	return v * m;
}

/* ---- deltas */

/* The delta bundle that turns the installed images of release `base` (a
 * full bundle) into those of `target` (mvb_bundle_rebase, which proves it
 * decodes over base), signed with k.  Returns 0 with out filled, or an
 * exit status after reporting. */
static int make_delta(struct cli_run *r, const struct mvb_bundle_view *target, const struct mvb_bundle_view *base,
		      uint32_t page, const struct mvb_key *k, struct mvb_buf *out)
{
	struct mvb_buf ub = MVB_BUF_INIT;
	struct mvb_build_report rep;
	int rc = mvb_bundle_rebase(target, base, page, sys_cpu_count(), &ub, &rep);
	if (rc == MVB_EINTERNAL || rc == MVB_EINPUT) /* both were checked: a bug */
		cli_error("publish: a delta bundle does not decode over its base; not published");
	rc = rc == MVB_EINPUT ? MVB_EXIT_INTERNAL : cli_status(r, rc);
	struct mvb_bundle_view v;
	struct mvb_bundle_sig sig;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (!rc && mvb_bundle_parse(&v, "delta", ub.data, ub.len, &d))
		MVB_BUG("mvbuild wrote a delta bundle it cannot read");
	if (!rc && !(rc = cli_sign_view(&v, k, &sig)) && mvb_bundle_with_sigs(&v, &sig, 1, out)) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
	}
	if (!rc) {
		char what[64], from[24], to[24];
		cli_version_str(base->m.bm_app_version, from, sizeof(from));
		cli_version_str(target->m.bm_app_version, to, sizeof(to));
		snprintf(what, sizeof(what), "delta %s -> %s", from, to);
		cli_note_layers(&rep, what);
	}
	mvb_diags_release(&d);
	mvb_buf_release(&ub);
	return rc;
}

/* Downloads release br's bundle, checks it is what the index says, makes
 * the delta from it to target and adds it to x when it is smaller than the
 * full bundle (full_len).  out stays empty when the delta is not kept. */
static int add_delta(struct cli_run *r, struct store *s, struct mvb_repo_index *x, const struct mvb_repo_release *br,
		     const struct mvb_bundle_view *target, uint32_t page, size_t full_len, const struct mvb_key *k,
		     const char *board, const char *app, struct mvb_buf *out, uint8_t sha[32])
{
	char rel[PATH_MAX], from[24], to[24];
	channel_object(rel, sizeof(rel), board, app, br->rr_sha256);
	cli_version_str(br->rr_version, from, sizeof(from));
	cli_version_str(target->m.bm_app_version, to, sizeof(to));
	struct mvb_buf bb = MVB_BUF_INIT;
	int rc = store_get(s, rel, br->rr_size, &bb);
	uint8_t h[32];
	if (rc == STORE_MISSING || rc == MVB_EXIT_FINDINGS ||
	    (!rc && (mvb_sha256(bb.data, bb.len, h), bb.len != br->rr_size || memcmp(h, br->rr_sha256, 32)))) {
		cli_warning("no delta from %s: its bundle '%s' is %s", from, rel,
			    rc == STORE_MISSING ? "missing" : "not what the index says");
		mvb_buf_release(&bb);
		return 0;
	}
	if (rc) {
		mvb_buf_release(&bb);
		return rc;
	}
	struct mvb_bundle_view bv;
	if (mvb_bundle_parse(&bv, rel, bb.data, bb.len, &r->diags)) {
		mvb_buf_release(&bb);
		return MVB_EXIT_FINDINGS;
	}
	rc = make_delta(r, target, &bv, page, k, out);
	mvb_buf_release(&bb);
	if (rc)
		return rc;
	char a[32], b[32];
	channel_size_str(out->len, a, sizeof(a));
	channel_size_str(full_len, b, sizeof(b));
	if (out->len >= full_len) {
		fprintf(stderr, "mvbuild: delta %s -> %s not kept: %s, the full bundle is %s\n", from, to, a, b);
		out->len = 0;
		return 0;
	}
	mvb_sha256(out->data, out->len, sha);
	struct mvb_repo_delta dl;
	memset(&dl, 0, sizeof(dl));
	dl.rd_from_version = br->rr_version;
	dl.rd_to_version = target->m.bm_app_version;
	dl.rd_size = (uint32_t)out->len;
	memcpy(dl.rd_sha256, sha, 32);
	if (mvb_repo_add_delta(x, &dl)) {
		out->len = 0; /* its base left a full index */
		return 0;
	}
	fprintf(stderr, "mvbuild: delta %s -> %s: %s instead of %s (%.1f%% saved)\n", from, to, a, b,
		100.0 * (double)(full_len - out->len) / (double)full_len);
	return 0;
}

/* ---- the SBOM */

/* Reads the SBOM at path (bundle --sbom) and checks that it names the
 * bundle whose SHA-256 is bsha: sbom-format, sbom-bundle. */
static int load_sbom(struct cli_run *r, const char *path, const uint8_t bsha[32], unsigned char **data, size_t *len)
{
	int rc = cli_read(path, data, len);
	if (rc)
		return rc;
	uint8_t named[32];
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (!mvb_sbom_read(path, *data, *len, named, &d) && memcmp(named, bsha, 32)) {
		char a[65], b[65];
		mvb_hex(named, 32, a);
		mvb_hex(bsha, 32, b);
		struct mvb_loc l = MVB_LOC_INIT;
		l.file = path;
		mvb_report(&d, &l, MVB_CK_SBOM_BUNDLE, "the SBOM names bundle %.16s..., not the one published (%.16s...)", a,
			   b);
	}
	rc = d.errors ? MVB_EXIT_FINDINGS : 0;
	cli_take(r, &d);
	if (rc) {
		cli_error("publish: '%s' is not the SBOM of this bundle; nothing published", path);
		free(*data);
		*data = NULL;
	}
	return rc;
}

/* ---- publish */

/* The page of delta layers for board b. */
static int delta_page(struct cli_run *r, const struct mvb_board *b, uint32_t *page)
{
	int rc = mvb_delta_board_page(b, page, &r->diags) ? MVB_EXIT_FINDINGS : 0;
	if (rc)
		cli_error("publish: no deltas can be made for board '%s'; nothing published", b->name);
	return rc;
}

enum { UP_PENDING, UP_SENT, UP_THERE, UP_WOULD };
static const char *const up_state_name[] = { "pending", "uploaded", "already there", "would upload" };

struct upload {
	char rel[PATH_MAX];
	const unsigned char *data;
	size_t len;
	const uint8_t *sha;
	const char *what;
	int state; /* UP_* */
	int keep;  /* an SBOM: one already there stays, whatever its bytes */
};

/* Puts an object unless the repository already has exactly these bytes
 * (content-addressed: an interrupted publish resumes here).  S3: a missing
 * object is created with If-None-Match: *; when another publisher creates
 * it first (412), what it put is read back and judged as above. */
static int put_object(struct store *s, struct upload *u, int dry_run, int json, unsigned *sent, unsigned long long *bytes)
{
	char sz[32];
	channel_size_str(u->len, sz, sizeof(sz));
	struct mvb_buf have = MVB_BUF_INIT;
	int rc, raced = 0;
again:
	rc = store_get(s, u->rel, u->keep ? MVB_SBOM_MAX_BYTES : u->len, &have);
	if (rc > 0 && rc != MVB_EXIT_FINDINGS) {
		mvb_buf_release(&have);
		return rc;
	}
	uint8_t h[32];
	if (rc == 0 && u->keep) {
		/* named by its bundle, not by its own bytes: the first one
		 * published stays (a CDN may cache it for good) */
		mvb_sha256(have.data, have.len, h);
		fprintf(stderr, "mvbuild: %s %s is already there%s\n", u->what, u->rel,
			have.len == u->len && !memcmp(h, u->sha, 32) ? "" : " (other bytes: kept)");
		mvb_buf_release(&have);
		u->state = UP_THERE;
		return 0;
	}
	if (rc == 0) {
		mvb_sha256(have.data, have.len, h);
		if (have.len == u->len && !memcmp(h, u->sha, 32)) {
			fprintf(stderr, "mvbuild: %s %s (%s) is already there\n", u->what, u->rel, sz);
			mvb_buf_release(&have);
			u->state = UP_THERE;
			return 0;
		}
	}
	mvb_buf_release(&have);
	if (dry_run) {
		if (!json)
			printf("would upload %s %s (%s)\n", u->what, u->rel, sz);
		u->state = UP_WOULD;
		return 0;
	}
	/* where other bytes sit under this content address (not what a
	 * publisher wrote: a damaged or tampered store), they are replaced */
	int create = rc == STORE_MISSING && !raced;
	rc = store_put_if(s, u->rel, u->data, u->len, STORE_PROGRESS | STORE_IMMUTABLE | (create ? STORE_CREATE : 0), NULL);
	if (rc == STORE_CONFLICT) {
		raced = 1;
		goto again;
	}
	if (rc)
		return rc;
	u->state = UP_SENT;
	(*sent)++;
	*bytes += u->len;
	return 0;
}

/* The conditional write of the index failed (412).  If the index there
 * is this one, an earlier try whose answer was lost wrote it (0);
 * otherwise another publisher wrote first, and its release stays:
 * MVB_EXIT_CONFLICT, after saying so. */
static int lost_race(struct store *s, const char *rel, const struct mvb_buf *mine, const char *label, int fresh)
{
	struct mvb_buf now = MVB_BUF_INIT;
	int rc = store_get(s, rel, MVB_REPO_MAX_SIZE, &now);
	int same = !rc && now.len == mine->len && !memcmp(now.data, mine->data, now.len);
	mvb_buf_release(&now);
	if (same)
		return 0;
	if (rc > 0 && rc != MVB_EXIT_FINDINGS)
		return rc;
	cli_error("publish: another publisher %s '%s' after this one read it; this release is not in the index "
		  "(the other one's stays, and the objects uploaded are kept): run publish again",
		  fresh ? "created" : "replaced", label);
	return MVB_EXIT_CONFLICT;
}

static int sign_index(struct mvb_repo_index *x, const struct mvb_key *k, struct mvb_buf *out)
{
	struct mvb_buf tbs = MVB_BUF_INIT;
	x->nsig = 0;
	if (mvb_repo_encode(x, &tbs)) {
		mvb_buf_release(&tbs);
		cli_error("publish: cannot encode the index");
		return MVB_EXIT_INTERNAL;
	}
	uint8_t dg[32], seed[48];
	size_t n;
	int rc = cli_random(seed, sizeof(seed));
	mvb_repo_digest(x, tbs.data, dg);
	mvb_buf_release(&tbs);
	if (rc)
		return rc;
	memset(&x->sig[0], 0, sizeof(x->sig[0]));
	if (mvb_key_sign(k, dg, seed, sizeof(seed), x->sig[0].sg_der, &n)) {
		cli_error("publish: signing the index failed");
		return MVB_EXIT_INTERNAL;
	}
	x->sig[0].sg_len = (uint16_t)n;
	x->sig[0].sg_alg = MVB_SIG_ECDSA_P256_SHA256;
	mvb_key_id(k, x->sig[0].sg_key_id);
	x->nsig = 1;
	if (mvb_repo_encode(x, out)) {
		cli_error("publish: cannot encode the index");
		return MVB_EXIT_INTERNAL;
	}
	return 0;
}

struct pub {
	struct cli_run *r;
	const char *bundle_path, *repo, *channel, *key, *expires, *board, *app, *sbom;
	unsigned long deltas, pass_fd, lock_wait, now;
	int dry_run, break_lock, refresh, json;
};

/* publish --format json: what was done ("published", "refreshed",
 * "dry-run" or "unchanged"), the channel's new index and each object. */
static void publish_json(const struct pub *p, const char *action, const struct store *s, const char *board,
			 const char *app, const struct mvb_repo_index *x, const struct mvb_repo_release *nr,
			 const struct upload *up, unsigned nup, unsigned long long bytes)
{
	struct json *j = cli_doc(p->r);
	char t[40], hex[65];
	json_str(j, "action", action);
	json_str(j, "repo", s->base);
	json_str(j, "board", board);
	json_str(j, "app", app);
	json_str(j, "channel", p->channel);
	if (nr) {
		json_obj(j, "release");
		cli_version_str(nr->rr_version, t, sizeof(t));
		json_str(j, "version", t);
		json_int(j, "security_counter", nr->rr_security_counter);
		json_int(j, "size", nr->rr_size);
		mvb_hex(nr->rr_sha256, 32, hex);
		json_str(j, "sha256", hex);
		json_end_obj(j);
	} else {
		json_null(j, "release");
	}
	json_obj(j, "index");
	json_int(j, "version", x->index_version);
	json_int(j, "releases", x->nrel);
	json_int(j, "deltas", x->ndel);
	channel_iso_str(x->published, t, sizeof(t));
	json_str(j, "published", t);
	channel_iso_str(x->expires, t, sizeof(t));
	json_str(j, "expires", t);
	json_end_obj(j);
	json_arr(j, "objects");
	for (unsigned i = 0; i < nup; i++) {
		json_obj(j, NULL);
		json_str(j, "kind", up[i].what);
		json_str(j, "path", up[i].rel);
		json_int(j, "size", (long long)up[i].len);
		mvb_hex(up[i].sha, 32, hex);
		json_str(j, "sha256", hex);
		json_str(j, "state", up_state_name[up[i].state]);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_int(j, "uploaded_bytes", (long long)bytes);
}

static int publish(const struct pub *p, struct mvb_key *k, struct store *s)
{
	unsigned char *bdata = NULL;
	size_t blen = 0;
	struct mvb_bundle_view bv;
	int rc;
	char board[33], app[33], dir[PATH_MAX], label[PATH_MAX + 80], ver[24];
	uint8_t bsha[32], ssha[32];
	unsigned char *sdata = NULL; /* the SBOM */
	size_t slen = 0;
	struct mvb_repo_release nr;
	memset(&nr, 0, sizeof(nr));
	struct mvb_board pb; /* the bundle's board: where its layers land, its delta page */
	mvb_board_init(&pb);
	if (!p->refresh) {
		/* the bundle first: what devices will check, by the key they
		 * trust, on the board it is for */
		if ((rc = cli_load_bundle(p->r, p->bundle_path, &bdata, &blen, &bv)))
			return rc;
		struct mvb_diags d = MVB_DIAGS_INIT;
		unsigned good;
		mvb_bundle_check_payload(&bv, p->bundle_path, &d);
		if (!d.errors)
			mvb_bundle_check_sigs(&bv, p->bundle_path, &k, 1, &good, &d);
		int brc = d.errors ? 0 : cli_bundle_board(&bv, p->bundle_path, NULL, &pb, &d);
		if (!d.errors && !brc)
			mvb_bundle_check_layers(&bv, &pb, p->bundle_path, &d);
		rc = brc && brc != MVB_EXIT_FINDINGS ? brc : d.errors ? MVB_EXIT_FINDINGS : 0;
		cli_take(p->r, &d);
		if (rc) {
			cli_error("publish: '%s' is not a bundle a device would accept with the --sign key; nothing published",
				  p->bundle_path);
			free(bdata);
			mvb_board_release(&pb);
			return rc;
		}
		snprintf(board, sizeof(board), "%.32s", bv.m.bm_board);
		snprintf(app, sizeof(app), "%.32s", bv.m.bm_app_name);
		mvb_sha256(bdata, blen, bsha);
		if (p->sbom && (rc = load_sbom(p->r, p->sbom, bsha, &sdata, &slen))) {
			free(bdata);
			mvb_board_release(&pb);
			return rc;
		}
		nr.rr_version = bv.m.bm_app_version;
		nr.rr_security_counter = bv.m.bm_security_counter;
		nr.rr_size = (uint32_t)blen;
		memcpy(nr.rr_sha256, bsha, 32);
	} else {
		snprintf(board, sizeof(board), "%s", p->board);
		snprintf(app, sizeof(app), "%s", p->app);
	}
	if ((rc = channel_check_names("publish", board, app, p->channel))) {
		free(bdata);
		free(sdata);
		mvb_board_release(&pb);
		return rc;
	}
	channel_dir(dir, sizeof(dir), board, app, p->channel);
	if (!p->dry_run && (rc = store_lock(s, dir, (int)p->lock_wait, p->break_lock))) {
		free(bdata);
		free(sdata);
		mvb_board_release(&pb);
		return rc;
	}

	struct mvb_repo_index *x = calloc(1, sizeof(*x));
	struct mvb_buf raw = MVB_BUF_INIT, out = MVB_BUF_INIT;
	char etag[STORE_ETAG_MAX] = "";
	struct mvb_buf dbuf[16];
	uint8_t dsha[16][32];
	unsigned ndb = 0;
	for (unsigned i = 0; i < 16; i++)
		mvb_buf_init(&dbuf[i], MVB_BUF_DEFAULT_MAX);
	if (!x) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
		goto done;
	}
	rc = channel_load_index(s, dir, x, &raw, label, sizeof(label), etag, &p->r->diags);
	int fresh = rc == STORE_MISSING;
	if (rc > 0)
		goto done;
	if (s->s3 && !fresh && !etag[0]) {
		cli_error("publish: the store sent no usable ETag with '%s', so the index cannot be replaced on the "
			  "condition that nobody else did first; nothing published",
			  label);
		rc = MVB_EXIT_IO;
		goto done;
	}
	if (!fresh) {
		/* the index it replaces: signed by this key for this channel (an
		 * expired one may be replaced: that is what --refresh is for) */
		struct mvb_repo_device dev = { board, app, p->channel, 0, NULL, 0, 0, 0, 0, 0 };
		if (mvb_repo_accept_index(x, raw.data, raw.len, label, &dev, &k, 1, NULL, &p->r->diags)) {
			cli_error("publish: the index at '%s' is not one this key signed for this channel; refusing to replace it",
				  label);
			rc = MVB_EXIT_FINDINGS;
			goto done;
		}
		if (x->index_version == UINT32_MAX) {
			struct mvb_loc l = MVB_LOC_INIT;
			l.file = label;
			l.has_offset = 1;
			l.offset = 0x0c;
			mvb_report(&p->r->diags, &l, MVB_CK_REPO_FIELD, "index version %u cannot grow any more",
				   x->index_version);
			rc = MVB_EXIT_FINDINGS;
			goto done;
		}
	} else if (p->refresh) {
		cli_error("publish --refresh: there is no index at '%s' to refresh", label);
		rc = MVB_EXIT_USAGE;
		goto done;
	} else {
		memset(x, 0, sizeof(*x));
		snprintf(x->board, sizeof(x->board), "%s", board);
		snprintf(x->app, sizeof(x->app), "%s", app);
		snprintf(x->channel, sizeof(x->channel), "%s", p->channel);
	}

	struct upload up[18]; /* the bundle, its SBOM, 16 deltas */
	unsigned nup = 0;
	if (!p->refresh) {
		const struct mvb_repo_release *last = x->nrel ? &x->rel[x->nrel - 1] : NULL;
		if (last && !memcmp(last->rr_sha256, bsha, 32)) {
			cli_version_str(last->rr_version, ver, sizeof(ver));
			if (p->json)
				publish_json(p, "unchanged", s, board, app, x, last, NULL, 0, 0);
			else
				printf("%s %s is already the latest release of channel '%s'; nothing to do\n", app, ver,
				       p->channel);
			rc = 0;
			goto done;
		}
		/* the releases deltas start from, taken before the new one joins
		 * (a full index drops its oldest release) */
		struct mvb_repo_release bases[16];
		unsigned nb = 0;
		for (unsigned i = x->nrel > p->deltas ? x->nrel - (unsigned)p->deltas : 0; i < x->nrel; i++)
			bases[nb++] = x->rel[i];
		if (mvb_repo_add_release(x, &nr, label, &p->r->diags)) {
			rc = MVB_EXIT_FINDINGS;
			goto done;
		}
		cli_version_str(nr.rr_version, ver, sizeof(ver));
		up[nup] = (struct upload){ "", bdata, blen, bsha, "bundle", UP_PENDING, 0 };
		channel_object(up[nup].rel, sizeof(up[nup].rel), board, app, bsha);
		nup++;
		if (sdata) {
			mvb_sha256(sdata, slen, ssha);
			up[nup] = (struct upload){ "", sdata, slen, ssha, "sbom", UP_PENDING, 1 };
			channel_sbom(up[nup].rel, sizeof(up[nup].rel), board, app, bsha);
			nup++;
		}
		/* deltas go in pages of the board's erase size */
		uint32_t page = 0;
		if (nb && (rc = delta_page(p->r, &pb, &page)))
			goto done;
		for (unsigned i = 0; i < nb; i++) {
			if ((rc = add_delta(p->r, s, x, &bases[i], &bv, page, blen, k, board, app, &dbuf[ndb], dsha[ndb])))
				goto done;
			if (!dbuf[ndb].len)
				continue;
			up[nup] = (struct upload){ "", dbuf[ndb].data, dbuf[ndb].len, dsha[ndb], "delta", UP_PENDING, 0 };
			channel_object(up[nup].rel, sizeof(up[nup].rel), board, app, dsha[ndb]);
			nup++;
			ndb++;
		}
	}

	/* the clock, never SOURCE_DATE_EPOCH: a build time kept set in CI
	 * would give an index that every device refuses as expired */
	uint64_t clock = (uint64_t)time(NULL), now = p->now ? p->now : clock, life = duration(p->expires);
	if (!life) {
		cli_error("publish: --expires '%s' is not a duration such as 30d, 12h or 3600", p->expires);
		rc = MVB_EXIT_USAGE;
		goto done;
	}
	if (now + life <= clock) {
		char t[40];
		channel_utc_str(now + life, t, sizeof(t));
		cli_error("publish: the index would have expired (%s) before it is written; --now %lu is too far back",
			  t, p->now);
		rc = MVB_EXIT_USAGE;
		goto done;
	}
	x->index_version = fresh ? 1 : x->index_version + 1;
	x->published = now;
	x->expires = now + life;
	if ((rc = sign_index(x, k, &out)))
		goto done;

	/* objects first, the index last: a reader never sees an index that
	 * names an object not yet there */
	unsigned sent = 0;
	unsigned long long bytes = 0;
	for (unsigned i = 0; i < nup; i++)
		if ((rc = put_object(s, &up[i], p->dry_run, p->json, &sent, &bytes)))
			goto done;
	char rel[PATH_MAX + 8], exp[40];
	snprintf(rel, sizeof(rel), "%s/index", dir);
	channel_utc_str(x->expires, exp, sizeof(exp));
	if (p->dry_run) {
		if (p->json)
			publish_json(p, "dry-run", s, board, app, x, p->refresh ? NULL : &nr, up, nup, bytes);
		else
			printf("would write %s: index version %u, %u release%s, %u delta%s, expires %s\n", rel,
			       x->index_version, x->nrel, x->nrel == 1 ? "" : "s", x->ndel, x->ndel == 1 ? "" : "s", exp);
		rc = 0;
		goto done;
	}
	/* S3 has no lock: the index is replaced only if it is still the one
	 * read (If-Match), or created only if there is none (If-None-Match) */
	rc = store_put_if(s, rel, out.data, out.len, fresh ? STORE_CREATE : 0, fresh ? NULL : etag);
	if (rc == STORE_CONFLICT && (rc = lost_race(s, rel, &out, label, fresh)))
		goto done;
	if (rc)
		goto done;
	char sz[32];
	channel_size_str(bytes, sz, sizeof(sz));
	if (p->json)
		publish_json(p, p->refresh ? "refreshed" : "published", s, board, app, x, p->refresh ? NULL : &nr, up, nup,
			     bytes);
	else if (p->refresh)
		printf("refreshed %s/%s channel '%s' in %s: index version %u, expires %s\n", board, app, p->channel, s->base,
		       x->index_version, exp);
	else
		printf("published %s %s (security counter %u) to %s channel '%s': index version %u, %u object%s uploaded (%s), "
		       "expires %s\n",
		       app, ver, nr.rr_security_counter, s->base, p->channel, x->index_version, sent, sent == 1 ? "" : "s", sz,
		       exp);
	rc = 0;
done:
	store_unlock(s);
	for (unsigned i = 0; i < 16; i++)
		mvb_buf_release(&dbuf[i]);
	mvb_buf_release(&raw);
	mvb_buf_release(&out);
	free(x);
	free(bdata); /* the bundle's bytes (up[] borrowed them) */
	free(sdata);
	mvb_board_release(&pb);
	return rc;
}

int cmd_publish(struct cli_run *r, int argc, char **argv)
{
	struct pub p;
	memset(&p, 0, sizeof(p));
	p.r = r;
	p.channel = DEFAULT_CHANNEL;
	p.expires = "30d";
	p.deltas = 3;
	p.pass_fd = (unsigned long)-1;
	p.lock_wait = 60;
	struct store_opts so = { STORE_TIMEOUT_DEFAULT_S, NULL, NULL, 1 };
	const char *format = "text";
	const struct opt opts[] = {
		{ 'r', "repo", OPT_STRING, &p.repo, "DIR|URL", "the repository: a directory, an http(s) URL of a WebDAV server, or s3://BUCKET[/PREFIX]" },
		{ 0, "sign", OPT_STRING, &p.key, "KEY.pem", "private key that signs the index (and delta bundles); the bundle must carry its signature" },
		{ 'c', "channel", OPT_STRING, &p.channel, "NAME", "channel (default stable)" },
		{ 0, "sbom", OPT_STRING, &p.sbom, "FILE", "the bundle's SBOM (bundle --sbom): stored next to the bundle object" },
		{ 0, "deltas", OPT_UINT, &p.deltas, "K", "delta bundles from the last K releases, kept where smaller (default 3)" },
		{ 0, "expires", OPT_STRING, &p.expires, "DURATION", "index lifetime: 30d, 12h, 3600 (default 30d)" },
		{ 0, "now", OPT_UINT, &p.now, "SECONDS", "the publishing time, UTC seconds (default: the clock)" },
		{ 'n', "dry-run", OPT_FLAG, &p.dry_run, NULL, "show what would be uploaded; change nothing" },
		{ 0, "refresh", OPT_FLAG, &p.refresh, NULL, "re-sign the channel's index with a new version and expiry, no new release" },
		{ 'b', "board", OPT_STRING, &p.board, "NAME", "with --refresh: the board" },
		{ 'a', "app", OPT_STRING, &p.app, "NAME", "with --refresh: the app" },
		{ 0, "lock-wait", OPT_UINT, &p.lock_wait, "SECONDS", "wait this long for another publisher of the channel (default 60)" },
		{ 0, "timeout", OPT_UINT, &so.timeout_s, "SECONDS", "each request to an HTTP repository ends within this, whole (default 60)" },
		{ 0, "endpoint", OPT_STRING, &so.endpoint, "URL", "s3:// repositories: the store's URL (default AWS_ENDPOINT_URL, else AWS's)" },
		{ 0, "region", OPT_STRING, &so.region, "REGION", "s3:// repositories: the region requests are signed for (default AWS_REGION, else us-east-1)" },
		{ 0, "break-lock", OPT_FLAG, &p.break_lock, NULL, "remove a lock left by a publisher that died (HTTP repositories)" },
		{ 0, "passphrase-fd", OPT_UINT, &p.pass_fd, "N", "read the key's passphrase from file descriptor N" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"publish",
		"publish (BUNDLE | --refresh --board NAME --app NAME) --repo DIR|URL --sign KEY.pem [--channel NAME] [--sbom FILE] [--deltas K] [--expires DURATION] [--now SECONDS] [--dry-run] [--lock-wait SECONDS] [--timeout SECONDS] [--endpoint URL] [--region REGION] [--break-lock] [--passphrase-fd N] [--format text|json]",
		"Verify a signed bundle, then add it to a channel of an update repository: the\n"
		"bundle and delta bundles from the last K releases go in as content-addressed\n"
		"objects, then a new signed index (next version, new expiry) replaces the old one.\n"
		"Refuses a security counter not above the channel's latest.  See mvbuild-repo(5).",
		opts, 0, 1
	};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!p.repo || !p.key) {
		cli_error("publish: --repo and --sign are required");
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format("publish", format, &r->json)))
		return rc;
	p.json = r->json;
	if (p.refresh ? (npos || !p.board || !p.app) : (npos != 1 || p.board || p.app)) {
		cli_error("publish: give a BUNDLE, or --refresh with --board and --app");
		return MVB_EXIT_USAGE;
	}
	if (p.refresh && p.sbom) {
		cli_error("publish: --sbom comes with a BUNDLE, not with --refresh");
		return MVB_EXIT_USAGE;
	}
	if (p.deltas > 16) {
		cli_error("publish: --deltas is at most 16");
		return MVB_EXIT_USAGE;
	}
	p.bundle_path = npos ? pos[0] : NULL;
	struct mvb_key *k = NULL;
	if ((rc = cli_load_signing_key(r, p.key, p.pass_fd == (unsigned long)-1 ? -1 : (int)p.pass_fd, &k)))
		return rc;
	struct store s;
	if (!(rc = store_open(&s, p.repo, &so))) {
		rc = publish(&p, k, &s);
		store_close(&s);
	}
	mvb_key_free(k);
	return rc;
}
