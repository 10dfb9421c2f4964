/* cmd_fetch.c - `mvbuild fetch`: what a device's update client does, on
 * the host: accept the channel's index, pick the smallest download from
 * what it runs, accept the object (the rules: mvb_repo_accept_*). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cli/channel.h"
#include "cli/cli.h"
#include "cli/store.h"
#include "mvb/bundle.h"
#include "mvb/hash.h"
#include "mvb/repo.h"
#include "sys/sys.h"

/* The device's record of accepted indexes (mvb_repo_state_read): the
 * entry of channel key into seen, the other lines into others.  A file
 * that does not exist yet is an empty record.  Returns 0, or an exit
 * status (a malformed record's finding in d). */
static int state_read(const char *path, const char *key, struct mvb_repo_seen *seen, struct mvb_buf *others,
		      struct mvb_diags *d)
{
	memset(seen, 0, sizeof(*seen));
	unsigned char *data;
	size_t len;
	if (sys_read_file(path, 64 * 1024, &data, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		cli_error("cannot read state file '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	int rc = mvb_repo_state_read(data, len, path, key, seen, others, d);
	free(data);
	if (rc == MVB_ENOMEM)
		cli_error("out of memory");
	return rc == MVB_ENOMEM ? MVB_EXIT_IO : rc ? MVB_EXIT_FINDINGS : 0;
}

static int state_write(const char *path, const char *key, uint32_t version, const uint8_t sha[32], struct mvb_buf *others)
{
	if (mvb_repo_state_put(others, key, version, sha)) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	if (sys_write_atomic(path, others->data, others->len, 0666) < 0) {
		cli_error("cannot write state file '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	return 0;
}

/* fetch --format json: what was done ("fetched", "dry-run", "up-to-date"
 * or "refused", with the findings), the index, and the download. */
struct fetch_json {
	const char *action, *board, *app, *channel, *out;
	const struct mvb_repo_index *x; /* NULL when refused before reading it */
	const struct mvb_repo_step *st; /* NULL: nothing to download */
	const char *from;               /* the version a delta starts from */
	const char *object;
};

static void fetch_json(struct cli_run *r, const struct fetch_json *f)
{
	struct json *j = cli_doc(r);
	char t[40], hex[65];
	json_str(j, "action", f->action);
	json_str(j, "board", f->board);
	json_str(j, "app", f->app);
	json_str(j, "channel", f->channel);
	if (f->x && f->x->nrel) {
		const struct mvb_repo_release *latest = &f->x->rel[f->x->nrel - 1];
		json_obj(j, "index");
		json_int(j, "version", f->x->index_version);
		channel_iso_str(f->x->published, t, sizeof(t));
		json_str(j, "published", t);
		channel_iso_str(f->x->expires, t, sizeof(t));
		json_str(j, "expires", t);
		json_end_obj(j);
		json_obj(j, "latest");
		cli_version_str(latest->rr_version, t, sizeof(t));
		json_str(j, "version", t);
		json_int(j, "security_counter", latest->rr_security_counter);
		json_end_obj(j);
	} else {
		json_null(j, "index");
		json_null(j, "latest");
	}
	if (f->st) {
		json_obj(j, "download");
		json_str(j, "kind", f->st->delta ? "delta" : "full");
		if (f->st->delta)
			json_str(j, "from", f->from);
		else
			json_null(j, "from");
		json_str(j, "path", f->object);
		json_int(j, "size", f->st->size);
		mvb_hex(f->st->sha256, 32, hex);
		json_str(j, "sha256", hex);
		json_end_obj(j);
	} else {
		json_null(j, "download");
	}
	if (f->out)
		json_str(j, "output", f->out);
	else
		json_null(j, "output");
}

int cmd_fetch(struct cli_run *r, int argc, char **argv)
{
	const char *repo = NULL, *board = MVB_DEFAULT_BOARD, *app = NULL, *channel = DEFAULT_CHANNEL, *have = NULL,
		   *out = NULL, *keys = NULL, *state = NULL, *base_path = NULL, *format = "text";
	unsigned long now_opt = 0;
	struct store_opts so = { STORE_TIMEOUT_DEFAULT_S, NULL, NULL, 0 };
	int dry_run = 0, allow_downgrade = 0;
	const struct opt opts[] = {
		{ 'r', "repo", OPT_STRING, &repo, "DIR|URL", "the repository: a directory, an http(s) URL or s3://BUCKET[/PREFIX]" },
		{ 'b', "board", OPT_STRING, &board, "NAME", "the device's board (default mps2-an505)" },
		{ 'a', "app", OPT_STRING, &app, "NAME", "the app" },
		{ 'c', "channel", OPT_STRING, &channel, "NAME", "channel (default stable)" },
		{ 0, "have", OPT_STRING, &have, "X.Y.Z", "the version the device runs (default: that of --base)" },
		{ 0, "base", OPT_STRING, &base_path, "OLD.mvb", "the bundle the device runs: deltas from it are taken, and checked over it" },
		{ 0, "allow-downgrade", OPT_FLAG, &allow_downgrade, NULL,
		  "accept an older version than --have/--base (never a lower security counter)" },
		{ 'k', "key", OPT_STRING, &keys, "PUB.pem[,PUB.pem...]", "keys the device trusts for the index and bundles" },
		{ 0, "state", OPT_STRING, &state, "FILE", "the device's record of accepted index versions (replays are refused)" },
		{ 0, "now", OPT_UINT, &now_opt, "SECONDS", "the time for the expiry check, UTC seconds (default: the clock)" },
		{ 'n', "dry-run", OPT_FLAG, &dry_run, NULL, "check the index and say what would be downloaded" },
		{ 0, "timeout", OPT_UINT, &so.timeout_s, "SECONDS", "each request to an HTTP repository ends within this, whole (default 60)" },
		{ 0, "endpoint", OPT_STRING, &so.endpoint, "URL", "s3:// repositories: the store's URL (default AWS_ENDPOINT_URL, else AWS's)" },
		{ 0, "region", OPT_STRING, &so.region, "REGION", "s3:// repositories: the region requests are signed for (default AWS_REGION, else us-east-1)" },
		{ 'o', "output", OPT_STRING, &out, "OUT.mvb", "where the downloaded bundle goes" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"fetch",
		"fetch --repo DIR|URL --app NAME --key PUB.pem[,PUB.pem...] -o OUT.mvb [--board NAME] [--channel NAME] [--have X.Y.Z] [--base OLD.mvb] [--allow-downgrade] [--state FILE] [--now SECONDS] [--dry-run] [--timeout SECONDS] [--endpoint URL] [--region REGION] [--format text|json]",
		"Do what a device does: download the channel's index, check its signature, that\n"
		"it is for this board, app and channel, not expired and not older than the last\n"
		"one accepted (--state), and that its latest release is not older than --have or\n"
		"--base, pick the smallest download from there to the latest, download it and\n"
		"check it against the index and as a bundle.",
		opts, 0, 0
	};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!repo || !app || !keys || (!out && !dry_run)) {
		cli_error("fetch: --repo, --app, --key and -o are required");
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format("fetch", format, &r->json)))
		return rc;
	int json = r->json;
	if (json && out && !strcmp(out, "-")) {
		cli_error("fetch: --format json prints on standard output; give -o a file");
		return MVB_EXIT_USAGE;
	}
	/* the output must not replace the device's state or the bundle it runs
	 * (checked before anything is read: the state is written first) */
	if (out && strcmp(out, "-") && ((state && sys_same_file(out, state)) || (base_path && sys_same_file(out, base_path)))) {
		cli_error("fetch: -o '%s' is the %s file; give the download another name", out,
			  state && sys_same_file(out, state) ? "--state" : "--base");
		return MVB_EXIT_USAGE;
	}
	struct fetch_json fj = { NULL, board, app, channel, NULL, NULL, NULL, NULL, NULL };
	unsigned hv[3] = { 0, 0, 0 };
	if (have && mvb_version_parse(have, &hv[0], &hv[1], &hv[2])) {
		cli_error("fetch: --have '%s' is not MAJOR.MINOR.PATCH", have);
		return MVB_EXIT_USAGE;
	}
	if ((rc = channel_check_names("fetch", board, app, channel)))
		return rc;
	uint32_t have_v = (uint32_t)hv[0] << 24 | (uint32_t)hv[1] << 16 | (uint32_t)hv[2];
	uint32_t have_counter = 0; /* of the running release: --base's, or the index's for --have */
	unsigned char *bdata = NULL;
	size_t blen;
	struct mvb_bundle_view bview;
	if (base_path) {
		if ((rc = cli_load_bundle(r, base_path, &bdata, &blen, &bview)))
			return rc;
		if (have && have_v != bview.m.bm_app_version) {
			cli_error("fetch: --have %s is not the version of --base '%s'", have, base_path);
			free(bdata);
			return MVB_EXIT_USAGE;
		}
		have_v = bview.m.bm_app_version;
		have_counter = bview.m.bm_security_counter;
		have = "base";
	}
	struct mvb_key *k[CLI_MAX_KEYS];
	unsigned nk;
	if ((rc = cli_load_public_keys(r, keys, k, &nk))) {
		free(bdata);
		return rc;
	}
	struct store s;
	if ((rc = store_open(&s, repo, &so))) {
		cli_free_keys(k, &nk);
		free(bdata);
		return rc;
	}
	char dir[PATH_MAX], label[PATH_MAX + 80], key[128];
	channel_dir(dir, sizeof(dir), board, app, channel);
	snprintf(key, sizeof(key), "%s", dir);
	struct mvb_repo_index *x = calloc(1, sizeof(*x));
	struct mvb_buf raw = MVB_BUF_INIT, obj = MVB_BUF_INIT, others = MVB_BUF_INIT;
	struct mvb_repo_seen seen;
	memset(&seen, 0, sizeof(seen));
	struct mvb_diags *d = &r->diags; /* why the index or the object is refused */
	if (!x) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
		goto done;
	}
	int bad_state = 0;
	if (state && (rc = state_read(state, key, &seen, &others, d))) {
		if (rc != MVB_EXIT_FINDINGS)
			goto done;
		bad_state = 1;
	}
	if (!rc) {
		rc = channel_load_index(&s, dir, x, &raw, label, sizeof(label), NULL, d);
		if (rc == STORE_MISSING) {
			cli_report_file(d, label, MVB_CK_REPO_MISSING, "no index: nothing is published in this channel");
			rc = MVB_EXIT_FINDINGS;
		}
		if (rc && rc != MVB_EXIT_FINDINGS)
			goto done;
	}
	int same = 0;
	if (!rc) {
		/* with --have alone the running release's counter is the one the
		 * index gives it (mvb_repo_accept_index trusts it only once the
		 * signature is checked) */
		struct mvb_repo_device dev = { board, app, channel, now_opt ? now_opt : (uint64_t)time(NULL),
					       state ? &seen : NULL, have != NULL, have_v, base_path != NULL,
					       have_counter, allow_downgrade };
		rc = mvb_repo_accept_index(x, raw.data, raw.len, label, &dev, k, nk, &same, d) ? MVB_EXIT_FINDINGS : 0;
	}
	if (json && rc) {
		fj.action = "refused";
		fetch_json(r, &fj); /* the index is not trusted: none of it is shown */
	}
	if (rc) {
		if (bad_state)
			cli_error("fetch: the state file '%s' does not read; nothing downloaded", state);
		else
			cli_error("fetch: index '%s' refused; nothing downloaded", label);
		goto done;
	}
	uint8_t ih[32];
	mvb_sha256(raw.data, raw.len, ih);
	fj.x = x;
	/* accepted: a device remembers it before going on, so this index can
	 * never be replaced by an older one */
	if (state && !dry_run && (rc = state_write(state, key, x->index_version, ih, &others)))
		goto done;
	const struct mvb_repo_release *latest = &x->rel[x->nrel - 1];
	char lv[24], hvs[24];
	cli_version_str(latest->rr_version, lv, sizeof(lv));
	cli_version_str(have_v, hvs, sizeof(hvs));
	if (same) {
		if (json) {
			fj.action = "up-to-date";
			fetch_json(r, &fj);
		} else {
			printf("%s %s is the latest in channel '%s' (index version %u); nothing to download\n", app, hvs,
			       channel, x->index_version);
		}
		goto done;
	}
	struct mvb_repo_step st;
	mvb_repo_pick(x, have != NULL, have_v, &st);
	if (st.delta && !base_path) /* a delta cannot be checked without what it patches */
		mvb_repo_pick(x, 0, 0, &st);
	char orel[PATH_MAX], sz[32], from[40];
	channel_object(orel, sizeof(orel), board, app, st.sha256);
	channel_size_str(st.size, sz, sizeof(sz));
	if (st.delta)
		snprintf(from, sizeof(from), "delta from %s", hvs);
	else
		snprintf(from, sizeof(from), "full bundle");
	fj.st = &st;
	fj.from = hvs;
	fj.object = orel;
	if (dry_run) {
		if (json) {
			fj.action = "dry-run";
			fetch_json(r, &fj);
		} else {
			printf("would download %s %s: %s %s (%s)\n", app, lv, from, orel, sz);
		}
		goto done;
	}
	snprintf(label, sizeof(label), "%s/%s", s.base, orel);
	rc = store_get(&s, orel, st.size, &obj);
	if (rc == STORE_MISSING)
		cli_report_file(d, label, MVB_CK_REPO_OBJECT, "the index names this object, but the repository does not have it");
	else if (rc == MVB_EXIT_FINDINGS) /* endless data: cut off at the size the index gives */
		cli_report_file(d, label, MVB_CK_REPO_OBJECT, "longer than the index says; cut off and refused");
	else if (rc)
		goto done;
	else
		mvb_repo_accept_object(x, &st, obj.data, obj.len, label, st.delta ? &bview : NULL, k, nk, d);
	if (d->errors) {
		rc = MVB_EXIT_FINDINGS;
		if (json) {
			fj.action = "refused";
			fetch_json(r, &fj); /* the index was accepted: it is shown, with the download */
		}
		cli_error("fetch: '%s' refused; nothing written", label);
		goto done;
	}
	if ((rc = cli_write(out, obj.data, obj.len, 0666)))
		goto done;
	if (json) {
		fj.action = "fetched";
		fj.out = out;
		fetch_json(r, &fj);
	} else {
		printf("fetched %s %s (security counter %u), %s, %s: wrote %s\n", app, lv, latest->rr_security_counter, from,
		       sz, out);
	}
done:
	mvb_buf_release(&raw);
	mvb_buf_release(&obj);
	mvb_buf_release(&others);
	free(x);
	free(bdata);
	cli_free_keys(k, &nk);
	store_close(&s);
	return rc;
}
