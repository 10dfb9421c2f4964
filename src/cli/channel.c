/* channel.c - what the repository commands (publish, releases, fetch)
 * share: the names of channels and objects, reading a channel's index,
 * and sizes and times as they print them. */
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

void channel_size_str(unsigned long long v, char *o, size_t n)
{
	if (v >= 10u << 20)
		snprintf(o, n, "%.1f MiB", v / 1048576.0);
	else if (v >= 10u << 10)
		snprintf(o, n, "%.1f KiB", v / 1024.0);
	else
		snprintf(o, n, "%llu B", v);
}

void channel_utc_str(uint64_t t, char *o, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t > (uint64_t)253402300799ull || !gmtime_r(&tt, &tm) || !strftime(o, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(o, n, "%llu", (unsigned long long)t);
}

/* ISO 8601 UTC, for JSON. */
void channel_iso_str(uint64_t t, char *o, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t > (uint64_t)253402300799ull || !gmtime_r(&tt, &tm) || !strftime(o, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(o, n, "%llu", (unsigned long long)t);
}

void channel_dir(char *o, size_t n, const char *board, const char *app, const char *channel)
{
	snprintf(o, n, "%s/%s/%s", board, app, channel);
}

void channel_object(char *o, size_t n, const char *board, const char *app, const uint8_t sha[32])
{
	char name[96];
	mvb_repo_object_name(sha, name, sizeof(name));
	snprintf(o, n, "%s/%s/%s", board, app, name);
}

void channel_sbom(char *o, size_t n, const char *board, const char *app, const uint8_t sha[32])
{
	char hex[65];
	mvb_hex(sha, 32, hex);
	snprintf(o, n, "%s/%s/objects/%s.cdx.json", board, app, hex);
}

int channel_check_names(const char *cmd, const char *board, const char *app, const char *channel)
{
	if (!mvb_repo_name_ok(board, 32) || !mvb_repo_name_ok(app, 32) || !mvb_repo_name_ok(channel, 16)) {
		cli_error("%s: board '%s', app '%s' and channel '%s' must be names of [A-Za-z0-9._-] not starting with '.' "
			  "(channel: at most 15 characters)",
			  cmd, board, app, channel);
		return MVB_EXIT_USAGE;
	}
	return 0;
}

/* Reads and parses a channel index.  Returns 0, STORE_MISSING, an exit
 * status after reporting an I/O error, or MVB_EXIT_FINDINGS with the
 * reader's finding in d.  raw keeps the bytes (signatures cover them). */
int channel_load_index(struct store *s, const char *dir, struct mvb_repo_index *x, struct mvb_buf *raw, char *label,
		      size_t ln, char *etag, struct mvb_diags *d)
{
	char rel[PATH_MAX], tag[STORE_ETAG_MAX];
	snprintf(rel, sizeof(rel), "%s/index", dir);
	snprintf(label, ln, "%s/%s", s->base, rel);
	int rc = store_get_tag(s, rel, MVB_REPO_MAX_SIZE, raw, etag ? etag : tag);
	if (rc == MVB_EXIT_FINDINGS) /* endless data: cut off at the largest index */
		cli_report_file(d, label, MVB_CK_REPO_LAYOUT, "longer than the largest index the format allows; cut off and refused");
	if (rc)
		return rc;
	return mvb_repo_parse(x, label, raw->data, raw->len, d) ? MVB_EXIT_FINDINGS : 0;
}
