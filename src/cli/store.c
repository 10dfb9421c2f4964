/* store.c - where a repository lives: a local directory or a WebDAV server
 * over HTTP(S).  Both offer the same four things: get a file with a size
 * ceiling, put a file so that readers see all of it or none of it, and
 * take and release a per-channel lock.  Errors are reported here, in the
 * user's terms, and returned as exit statuses. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/store.h"
#include "sys/sys.h"

static int is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

int store_open(struct store *s, const char *repo, unsigned long timeout_s)
{
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	if (timeout_s == 0 || timeout_s > 86400) {
		cli_error("--timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	s->timeout_ms = (long)timeout_s * 1000;
	s->http = is_url(repo);
	size_t n = strlen(repo);
	while (n > 1 && repo[n - 1] == '/')
		n--;
	if (n >= sizeof(s->base)) {
		cli_error("repository '%s' is too long", repo);
		return MVB_EXIT_USAGE;
	}
	memcpy(s->base, repo, n);
	s->base[n] = 0;
	if (s->http) {
		if (sys_http_init()) {
			cli_error("cannot initialise libcurl");
			return MVB_EXIT_IO;
		}
		s->auth = getenv("MVBUILD_REPO_AUTH");
		const char *bps = getenv("MVBUILD_TEST_UPLOAD_BPS"); /* tests: slow uploads down to kill them half-way */
		if (bps && *bps)
			s->max_send_speed = strtoll(bps, NULL, 10);
	}
	return 0;
}

static void where(const struct store *s, const char *rel, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", s->base, rel);
}

/* An HTTP status that is not success, in words. */
static int http_failed(const char *what, const char *url, long status)
{
	if (status == 401 || status == 403) {
		cli_error("%s '%s': the server refused the credentials (HTTP %ld); set MVBUILD_REPO_AUTH=user:password "
			  "or add the host to ~/.netrc",
			  what, url, status);
		return MVB_EXIT_IO;
	}
	if (status == 507 || status == 413)
		cli_error("%s '%s': the server has no room for it (HTTP %ld%s)", what, url, status,
			  status == 507 ? ", insufficient storage" : ", too large; raise client_max_body_size");
	else if (status == 405 || status == 501)
		cli_error("%s '%s': the server does not allow it (HTTP %ld); is WebDAV (PUT, MKCOL, DELETE) enabled?", what,
			  url, status);
	else
		cli_error("%s '%s': HTTP %ld", what, url, status);
	return MVB_EXIT_IO;
}

int store_get(struct store *s, const char *rel, size_t max, struct mvb_buf *out)
{
	char path[PATH_MAX + 64];
	where(s, rel, path, sizeof(path));
	out->len = 0;
	if (!s->http) {
		unsigned char *data;
		size_t len;
		if (sys_read_file(path, max, &data, &len) < 0) {
			if (errno == ENOENT)
				return STORE_MISSING;
			cli_error("cannot read '%s': %s", path,
				  errno == EFBIG ? "larger than any file the index allows" : strerror(errno));
			return errno == EFBIG ? MVB_EXIT_FINDINGS : MVB_EXIT_IO;
		}
		int rc = mvb_buf_append(out, data, len);
		free(data);
		if (rc) {
			cli_error("out of memory");
			return MVB_EXIT_IO;
		}
		return 0;
	}
	struct sys_http_req q = { "GET", path, NULL, 0, NULL, 0, max, s->auth, 0, 3, NULL, NULL, s->timeout_ms };
	struct sys_http_resp r;
	memset(&r, 0, sizeof(r));
	r.keep = 1;
	char err[CURL_ERR_MAX];
	int rc = sys_http(&q, &r, err, sizeof(err));
	if (rc) {
		cli_error("cannot download '%s': %s%s", path, err, r.timed_out ? " (--timeout)" : "");
		sys_http_resp_release(&r);
		return r.too_large ? MVB_EXIT_FINDINGS : MVB_EXIT_IO;
	}
	if (r.status == 404) {
		sys_http_resp_release(&r);
		return STORE_MISSING;
	}
	if (r.status != 200) {
		sys_http_resp_release(&r);
		return http_failed("cannot download", path, r.status);
	}
	rc = mvb_buf_append(out, r.data ? r.data : (unsigned char *)"", r.len);
	sys_http_resp_release(&r);
	if (rc) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	return 0;
}

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0755);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

struct progress {
	const char *name;
	int tty, last;
};

static void on_progress(void *ctx, unsigned long long done, unsigned long long total)
{
	struct progress *p = ctx;
	int pct = (int)(done * 100 / total);
	/* a terminal gets a live line, a log one line per quarter */
	if (p->tty ? pct == p->last : pct / 25 == p->last / 25)
		return;
	p->last = pct;
	char a[32], b[32];
	cli_size_str((uint32_t)done, a, sizeof(a));
	cli_size_str((uint32_t)total, b, sizeof(b));
	if (p->tty)
		fprintf(stderr, "\rmvbuild: uploading %s: %3d%% (%s of %s)%s", p->name, pct, a, b, done == total ? "\n" : "");
	else
		fprintf(stderr, "mvbuild: uploading %s: %d%% (%s of %s)\n", p->name, pct / 25 * 25, a, b);
}

/* MKCOL each missing parent of rel (servers without create_full_put_path). */
static int http_mkcols(struct store *s, const char *rel)
{
	char path[PATH_MAX + 64], err[CURL_ERR_MAX];
	where(s, rel, path, sizeof(path));
	/* from the first path segment of the URL: the repository's own
	 * collection may not exist yet either */
	char *start = strstr(path, "://");
	start = start ? strchr(start + 3, '/') : NULL;
	if (!start)
		return 0;
	for (char *p = start + 1; *p; p++) {
		if (*p != '/')
			continue;
		char c = p[1];
		p[1] = 0;
		struct sys_http_req q = { "MKCOL", path, NULL, 0, NULL, 0, 0, s->auth, 0, 3, NULL, NULL, s->timeout_ms };
		struct sys_http_resp r;
		memset(&r, 0, sizeof(r));
		int rc = sys_http(&q, &r, err, sizeof(err));
		p[1] = c;
		if (rc) {
			cli_error("cannot create '%s': %s", path, err);
			return MVB_EXIT_IO;
		}
		if (r.status != 201 && r.status != 405) /* 405: exists */
			return http_failed("cannot create", path, r.status);
	}
	return 0;
}

int store_put(struct store *s, const char *rel, const void *data, size_t len, int show_progress)
{
	char path[PATH_MAX + 64];
	where(s, rel, path, sizeof(path));
	if (!s->http) {
		if (mkdirs(path) < 0 || sys_write_atomic(path, data, len, 0666) < 0) {
			cli_error("cannot write '%s': %s", path, strerror(errno));
			return MVB_EXIT_IO;
		}
		return 0;
	}
	struct progress pg = { rel, isatty(2), -1 };
	struct sys_http_req q = { "PUT", path, NULL, 0, data, len, 0, s->auth, s->max_send_speed, 3, NULL, NULL, s->timeout_ms };
	if (show_progress && len >= STORE_PROGRESS_MIN) {
		q.progress = on_progress;
		q.progress_ctx = &pg;
	}
	/* nginx without create_full_put_path answers a PUT into a missing
	 * collection with 500 (other servers: 409), so the parents are made
	 * first, once per directory */
	const char *slash = strrchr(rel, '/');
	size_t pl = slash ? (size_t)(slash - rel) : 0;
	if (pl && (strlen(s->made_dir) != pl || strncmp(s->made_dir, rel, pl))) {
		int rc = http_mkcols(s, rel);
		if (rc)
			return rc;
		snprintf(s->made_dir, sizeof(s->made_dir), "%.*s", (int)pl, rel);
	}
	char err[CURL_ERR_MAX];
	for (int attempt = 0;; attempt++) {
		struct sys_http_resp r;
		memset(&r, 0, sizeof(r));
		if (sys_http(&q, &r, err, sizeof(err))) {
			cli_error("cannot upload '%s': %s", path, err);
			return MVB_EXIT_IO;
		}
		if (r.status == 201 || r.status == 204 || r.status == 200)
			return 0;
		if (r.status == 409 && attempt == 0) { /* a parent collection is missing */
			int rc = http_mkcols(s, rel);
			if (rc)
				return rc;
			continue;
		}
		return http_failed("cannot upload", path, r.status);
	}
}

static long long now_s(void)
{
	return (long long)time(NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Local: flock(2) on <channel>/.lock; the kernel drops it when the
 * publisher dies, so a killed publish leaves no stale lock. */
static int lock_local(struct store *s, const char *chan, int wait_s)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s/.lock", s->base, chan);
	if (mkdirs(path) < 0) {
		cli_error("cannot create the directories of '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		cli_error("cannot open lock file '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	long long end = now_s() + wait_s;
	int said = 0;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			cli_error("cannot lock '%s': %s", path, strerror(errno));
			close(fd);
			return MVB_EXIT_IO;
		}
		if (now_s() >= end) {
			cli_error("channel '%s' is locked by another publisher (lock file '%s'); waited %d s", chan, path, wait_s);
			close(fd);
			return MVB_EXIT_IO;
		}
		if (!said++)
			fprintf(stderr, "mvbuild: waiting for another publisher of '%s'\n", chan);
		sleep_ms(100);
	}
	s->lock_fd = fd;
	return 0;
}

/* HTTP: MKCOL <channel>/lock/ succeeds for one client only (it fails with
 * 405 when the collection exists), then an owner file says who holds it.
 * A publisher killed while holding it leaves it: --break-lock removes it. */
static int lock_http(struct store *s, const char *chan, int wait_s, int break_lock)
{
	char err[CURL_ERR_MAX];
	snprintf(s->lock_url, sizeof(s->lock_url), "%s/%s/lock/", s->base, chan);
	if (break_lock) {
		const char *depth[] = { "Depth: infinity" };
		struct sys_http_req q = { "DELETE", s->lock_url, depth, 1, NULL, 0, 0, s->auth, 0, 3, NULL, NULL, s->timeout_ms };
		struct sys_http_resp r;
		memset(&r, 0, sizeof(r));
		if (sys_http(&q, &r, err, sizeof(err))) {
			cli_error("cannot remove lock '%s': %s", s->lock_url, err);
			return MVB_EXIT_IO;
		}
		if (r.status != 204 && r.status != 200 && r.status != 404)
			return http_failed("cannot remove lock", s->lock_url, r.status);
		if (r.status != 404)
			fprintf(stderr, "mvbuild: removed the lock of '%s' (--break-lock)\n", chan);
	}
	long long end = now_s() + wait_s;
	int said = 0, made_parents = 0;
	for (;;) {
		struct sys_http_req q = { "MKCOL", s->lock_url, NULL, 0, NULL, 0, 0, s->auth, 0, 0, NULL, NULL, s->timeout_ms };
		struct sys_http_resp r;
		memset(&r, 0, sizeof(r));
		if (sys_http(&q, &r, err, sizeof(err))) {
			cli_error("cannot lock '%s': %s", s->lock_url, err);
			return MVB_EXIT_IO;
		}
		if (r.status == 201)
			break;
		if (r.status == 409 && !made_parents) {
			char rel[PATH_MAX];
			snprintf(rel, sizeof(rel), "%s/lock", chan); /* its parents, not the lock itself */
			int rc = http_mkcols(s, rel);
			if (rc)
				return rc;
			made_parents = 1;
			continue;
		}
		if (r.status != 405)
			return http_failed("cannot lock", s->lock_url, r.status);
		if (now_s() >= end) {
			struct mvb_buf o = MVB_BUF_INIT;
			char rel[PATH_MAX];
			snprintf(rel, sizeof(rel), "%s/lock/owner", chan);
			int got = store_get(s, rel, 512, &o) == 0;
			char who[256];
			cli_sanitize(got ? (const char *)o.data : "unknown (no owner file)", who, sizeof(who));
			size_t wl = strlen(who);
			while (wl && (who[wl - 1] == '\n' || who[wl - 1] == '?'))
				who[--wl] = 0;
			mvb_buf_release(&o);
			cli_error("channel '%s' is locked by another publisher (%s); waited %d s; if that publisher is gone, "
				  "run again with --break-lock",
				  chan, who, wait_s);
			return MVB_EXIT_IO;
		}
		if (!said++)
			fprintf(stderr, "mvbuild: waiting for another publisher of '%s'\n", chan);
		sleep_ms(250);
	}
	s->locked = 1;
	char host[128] = "?", owner[256], rel[PATH_MAX];
	gethostname(host, sizeof(host) - 1);
	int n = snprintf(owner, sizeof(owner), "host %s pid %ld since %lld\n", host, (long)getpid(), now_s());
	snprintf(rel, sizeof(rel), "%s/lock/owner", chan);
	return store_put(s, rel, owner, (size_t)n, 0);
}

int store_lock(struct store *s, const char *chan, int wait_s, int break_lock)
{
	return s->http ? lock_http(s, chan, wait_s, break_lock) : lock_local(s, chan, wait_s);
}

void store_unlock(struct store *s)
{
	if (s->lock_fd >= 0) {
		close(s->lock_fd); /* releases the flock */
		s->lock_fd = -1;
	}
	if (s->locked) {
		const char *depth[] = { "Depth: infinity" };
		struct sys_http_req q = { "DELETE", s->lock_url, depth, 1, NULL, 0, 0, s->auth, 0, 3, NULL, NULL, s->timeout_ms };
		struct sys_http_resp r;
		char err[CURL_ERR_MAX];
		memset(&r, 0, sizeof(r));
		if (sys_http(&q, &r, err, sizeof(err)) || (r.status != 204 && r.status != 200))
			cli_warning("could not remove the lock '%s'; the next publish needs --break-lock", s->lock_url);
		s->locked = 0;
	}
}

void store_close(struct store *s)
{
	store_unlock(s);
	if (s->http)
		sys_http_cleanup();
}
