/* cmd_releases.c - `mvbuild releases`: what the channels of a repository
 * hold, with each index's signature checked when keys are given. */
#include <dirent.h>
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

static void json_channel(struct json *j, const struct mvb_repo_index *x, int checked)
{
	char v[24], hex[65], rel[PATH_MAX];
	json_obj(j, NULL);
	json_str(j, "board", x->board);
	json_str(j, "app", x->app);
	json_str(j, "channel", x->channel);
	json_int(j, "index_version", x->index_version);
	json_int(j, "published", (long long)x->published);
	json_int(j, "expires", (long long)x->expires);
	json_bool(j, "signature_checked", checked);
	json_arr(j, "releases");
	for (unsigned i = 0; i < x->nrel; i++) {
		const struct mvb_repo_release *r = &x->rel[i];
		cli_version_str(r->rr_version, v, sizeof(v));
		mvb_hex(r->rr_sha256, 32, hex);
		channel_object(rel, sizeof(rel), x->board, x->app, r->rr_sha256);
		json_obj(j, NULL);
		json_str(j, "version", v);
		json_int(j, "security_counter", r->rr_security_counter);
		json_int(j, "size", r->rr_size);
		json_str(j, "sha256", hex);
		json_str(j, "path", rel);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_arr(j, "deltas");
	for (unsigned i = 0; i < x->ndel; i++) {
		const struct mvb_repo_delta *dl = &x->del[i];
		json_obj(j, NULL);
		cli_version_str(dl->rd_from_version, v, sizeof(v));
		json_str(j, "from", v);
		cli_version_str(dl->rd_to_version, v, sizeof(v));
		json_str(j, "to", v);
		json_int(j, "size", dl->rd_size);
		mvb_hex(dl->rd_sha256, 32, hex);
		json_str(j, "sha256", hex);
		channel_object(rel, sizeof(rel), x->board, x->app, dl->rd_sha256);
		json_str(j, "path", rel);
		int to = mvb_repo_find(x, dl->rd_to_version);
		if (to >= 0)
			json_int(j, "full_size", x->rel[to].rr_size);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_end_obj(j);
}

static void text_channel(const struct mvb_repo_index *x, int checked)
{
	char v[24], v2[24], hex[65], pub[40], exp[40];
	channel_utc_str(x->published, pub, sizeof(pub));
	channel_utc_str(x->expires, exp, sizeof(exp));
	printf("%s/%s channel '%s': index version %u, published %s, expires %s%s\n", x->board, x->app, x->channel,
	       x->index_version, pub, exp, checked ? ", signature ok" : ", signature not checked (no --key)");
	for (unsigned i = x->nrel; i-- > 0;) {
		const struct mvb_repo_release *r = &x->rel[i];
		cli_version_str(r->rr_version, v, sizeof(v));
		mvb_hex(r->rr_sha256, 32, hex);
		printf("  %-12s counter %-5u %9u B  sha256 %.16s...%s\n", v, r->rr_security_counter, r->rr_size, hex,
		       i + 1 == x->nrel ? "  (latest)" : "");
		for (unsigned k = 0; k < x->ndel; k++) {
			const struct mvb_repo_delta *dl = &x->del[k];
			if (dl->rd_to_version != r->rr_version)
				continue;
			cli_version_str(dl->rd_from_version, v2, sizeof(v2));
			printf("    delta from %-10s %9u B  (%.1f%% of the full bundle)\n", v2, dl->rd_size,
			       100.0 * dl->rd_size / (r->rr_size ? r->rr_size : 1));
		}
	}
}

/* Channel directories of a local repository: <board>/<app>/<channel>/index. */
static int walk_local(const char *base, char dirs[][PATH_MAX / 4], unsigned max)
{
	unsigned n = 0;
	DIR *b = opendir(base);
	if (!b)
		return -1;
	struct dirent *e1, *e2, *e3;
	char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX];
	while ((e1 = readdir(b)) && n < max) {
		if (!mvb_repo_name_ok(e1->d_name, 33))
			continue;
		snprintf(p1, sizeof(p1), "%s/%s", base, e1->d_name);
		DIR *a = opendir(p1);
		if (!a)
			continue;
		while ((e2 = readdir(a)) && n < max) {
			if (!mvb_repo_name_ok(e2->d_name, 33))
				continue;
			snprintf(p2, sizeof(p2), "%s/%s", p1, e2->d_name);
			DIR *c = opendir(p2);
			if (!c)
				continue;
			while ((e3 = readdir(c)) && n < max) {
				snprintf(p3, sizeof(p3), "%s/%s/index", p2, e3->d_name);
				if (mvb_repo_name_ok(e3->d_name, 17) && sys_is_file(p3))
					snprintf(dirs[n++], PATH_MAX / 4, "%s/%s/%s", e1->d_name, e2->d_name, e3->d_name);
			}
			closedir(c);
		}
		closedir(a);
	}
	closedir(b);
	/* readdir order is the file system's: sort for stable output */
	qsort(dirs, n, PATH_MAX / 4, (int (*)(const void *, const void *))strcmp);
	return (int)n;
}

int cmd_releases(struct cli_run *r, int argc, char **argv)
{
	const char *repo = NULL, *board = NULL, *app = NULL, *channel = NULL, *keys = NULL, *format = "text";
	struct store_opts so = { STORE_TIMEOUT_DEFAULT_S, NULL, NULL, 0 };
	const struct opt opts[] = {
		{ 'r', "repo", OPT_STRING, &repo, "DIR|URL", "the repository: a directory, an http(s) URL or s3://BUCKET[/PREFIX]" },
		{ 'b', "board", OPT_STRING, &board, "NAME", "the board (needed for URLs, which cannot be listed)" },
		{ 'a', "app", OPT_STRING, &app, "NAME", "the app (needed for URLs)" },
		{ 'c', "channel", OPT_STRING, &channel, "NAME", "one channel (default: every channel of a directory, stable for a URL)" },
		{ 'k', "key", OPT_STRING, &keys, "PUB.pem[,PUB.pem...]", "check each index's signature against these keys" },
		{ 0, "timeout", OPT_UINT, &so.timeout_s, "SECONDS", "each request to an HTTP repository ends within this, whole (default 60)" },
		{ 0, "endpoint", OPT_STRING, &so.endpoint, "URL", "s3:// repositories: the store's URL (default AWS_ENDPOINT_URL, else AWS's)" },
		{ 0, "region", OPT_STRING, &so.region, "REGION", "s3:// repositories: the region requests are signed for (default AWS_REGION, else us-east-1)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "releases",
				       "releases --repo DIR|URL [--board NAME --app NAME] [--channel NAME] [--key PUB.pem[,PUB.pem...]] [--timeout SECONDS] [--endpoint URL] [--region REGION] [--format text|json]",
				       "List what a repository publishes: per channel, the index version and expiry,\n"
				       "each release (version, security counter, size, SHA-256) and its delta bundles.",
				       opts, 0, 0 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if ((rc = cli_format("releases", format, &r->json)))
		return rc;
	if (!repo) {
		cli_error("releases: --repo is required");
		return MVB_EXIT_USAGE;
	}
	struct store s;
	if ((rc = store_open(&s, repo, &so)))
		return rc;
	if ((!board) != (!app) || (s.http && !board)) {
		cli_error("releases: give --board and --app together%s", s.http ? " (a URL cannot be listed)" : "");
		store_close(&s);
		return MVB_EXIT_USAGE;
	}
	static char dirs[256][PATH_MAX / 4];
	int n = 0;
	if (board) {
		if ((rc = channel_check_names("releases", board, app, channel ? channel : DEFAULT_CHANNEL))) {
			store_close(&s);
			return rc;
		}
		channel_dir(dirs[0], sizeof(dirs[0]), board, app, channel ? channel : DEFAULT_CHANNEL);
		n = 1;
	} else if ((n = walk_local(s.base, dirs, 256)) < 0) {
		cli_error("cannot read repository '%s': %s", s.base, strerror(errno));
		store_close(&s);
		return MVB_EXIT_IO;
	}
	struct mvb_key *k[CLI_MAX_KEYS];
	unsigned nk;
	if ((rc = cli_load_public_keys(r, keys, k, &nk))) {
		store_close(&s);
		return rc;
	}
	struct mvb_repo_index *x = calloc(1, sizeof(*x));
	struct json *j = r->json ? cli_doc(r) : NULL;
	if (j) {
		json_str(j, "repo", s.base);
		json_arr(j, "channels");
	}
	int shown = 0;
	for (int i = 0; i < n && x && !rc; i++) {
		if (channel && !board) {
			const char *slash = strrchr(dirs[i], '/');
			if (strcmp(slash + 1, channel))
				continue;
		}
		struct mvb_buf raw = MVB_BUF_INIT;
		char label[PATH_MAX + 80];
		rc = channel_load_index(&s, dirs[i], x, &raw, label, sizeof(label), NULL, &r->diags);
		if (rc == STORE_MISSING) {
			cli_report_file(&r->diags, label, MVB_CK_REPO_MISSING, "no index: nothing is published in this channel");
			rc = MVB_EXIT_FINDINGS;
		}
		unsigned good;
		if (!rc && nk && mvb_repo_check_sigs(x, raw.data, label, k, nk, &good, &r->diags))
			rc = MVB_EXIT_FINDINGS;
		mvb_buf_release(&raw);
		if (rc)
			break;
		shown++;
		if (j)
			json_channel(j, x, nk > 0);
		else
			text_channel(x, nk > 0);
	}
	if (j)
		json_end_arr(j);
	if (!x) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
	}
	if (!rc && !j && !shown)
		printf("no channels in %s\n", s.base);
	free(x);
	cli_free_keys(k, &nk);
	store_close(&s);
	return rc;
}
