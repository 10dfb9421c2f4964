/*
 * store.h - a repository as the commands see it: a local directory or a
 * WebDAV server (HTTP PUT, MKCOL, DELETE through libcurl).  Paths are
 * relative to the repository root.  Every function reports its own errors
 * and returns 0 or an exit status.
 */
#ifndef MVB_CLI_STORE_H
#define MVB_CLI_STORE_H

#include <limits.h>
#include <stddef.h>
#include "mvb/buf.h"

#define STORE_MISSING (-1)               /* store_get: no such file */
#define STORE_PROGRESS_MIN ((size_t)1 << 20) /* uploads this large show progress */
#define CURL_ERR_MAX 512
#define STORE_TIMEOUT_DEFAULT_S 60 /* each HTTP request, whole (--timeout) */

struct store {
	int http;
	char base[PATH_MAX]; /* directory or URL, no trailing slash */
	const char *auth;    /* $MVBUILD_REPO_AUTH */
	long long max_send_speed;
	long timeout_ms;     /* HTTP: each request's deadline, retries included */
	int lock_fd;         /* local lock, -1 when none */
	int locked;          /* HTTP lock collection held */
	char lock_url[PATH_MAX + 64];
	char made_dir[PATH_MAX]; /* HTTP: the last directory whose collections exist */
};

/* Opens repo (a directory or an http(s) URL); each HTTP request then has
 * timeout_s seconds in all (--timeout, 1..86400: else a usage error). */
int store_open(struct store *s, const char *repo, unsigned long timeout_s);
/* The file's bytes into out (at most max; more is an error), or
 * STORE_MISSING when it does not exist. */
int store_get(struct store *s, const char *rel, size_t max, struct mvb_buf *out);
/* Writes the whole file so a reader sees the old one or the new one:
 * local: temporary file, fsync, rename; HTTP: one PUT, which nginx (and
 * Apache mod_dav) writes to a temporary file and renames when the body is
 * complete. */
int store_put(struct store *s, const char *rel, const void *data, size_t len, int show_progress);
/* Takes the lock of channel directory chan, waiting up to wait_s seconds. */
int store_lock(struct store *s, const char *chan, int wait_s, int break_lock);
void store_unlock(struct store *s);
void store_close(struct store *s);

#endif
