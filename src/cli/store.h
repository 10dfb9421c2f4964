/*
 * store.h - a repository as the commands see it: a local directory, a
 * WebDAV server (HTTP PUT, MKCOL, DELETE through libcurl) or an
 * S3-compatible bucket (s3://BUCKET[/PREFIX]: path-style requests signed
 * with AWS Signature V4 by libcurl).  Paths are relative to the repository
 * root.  Every function reports its own errors and returns 0 or an exit
 * status.  Credentials never appear in a message.
 */
#ifndef MVB_CLI_STORE_H
#define MVB_CLI_STORE_H

#include <limits.h>
#include <stddef.h>
#include "mvb/buf.h"

#define STORE_MISSING (-1)               /* store_get: no such file */
#define STORE_CONFLICT (-2)              /* store_put_if: the condition failed (S3: 412) */
#define STORE_ETAG_MAX 128
#define STORE_PROGRESS_MIN ((size_t)1 << 20) /* uploads this large show progress */
#define CURL_ERR_MAX 512
#define STORE_TIMEOUT_DEFAULT_S 60 /* each HTTP request, whole (--timeout) */

/* What store_open takes besides the repository. */
struct store_opts {
	unsigned long timeout_s; /* each HTTP request, whole (--timeout) */
	const char *endpoint;    /* s3://: --endpoint (NULL: the environment, else AWS) */
	const char *region;      /* s3://: --region (NULL: the environment, else us-east-1) */
	int write;               /* s3://: credentials are required (publish) */
};

/* put flags */
#define STORE_PROGRESS 1  /* show the upload's progress when it is large */
#define STORE_IMMUTABLE 2 /* S3: Cache-Control for an object that never changes (else the index's) */
#define STORE_CREATE 4    /* S3: only if there is none (If-None-Match: *) */

struct store {
	int http; /* requests over HTTP(S): WebDAV, or S3 when s3 is set */
	int s3;
	char base[PATH_MAX]; /* directory or URL, no trailing slash; S3: s3://BUCKET[/PREFIX] (messages) */
	char url[PATH_MAX];  /* where requests go: base, or S3's ENDPOINT/BUCKET[/PREFIX] */
	char sigv4[64];      /* S3: "aws:amz:REGION:s3" */
	char *keys;          /* S3: "KEYID:SECRET" (wiped and freed at close), NULL: unsigned reads */
	char *token_hdr;     /* S3: "x-amz-security-token: ..." or NULL */
	const char *auth;    /* $MVBUILD_REPO_AUTH */
	long long max_send_speed;
	long timeout_ms;     /* HTTP: each request's deadline, retries included */
	int lock_fd;         /* local lock, -1 when none */
	int locked;          /* HTTP lock collection held */
	char lock_url[PATH_MAX + 64];
	char made_dir[PATH_MAX]; /* HTTP: the last directory whose collections exist */
};

/* Opens repo (a directory, an http(s) URL or s3://BUCKET[/PREFIX]); each
 * HTTP request then has o->timeout_s seconds in all (--timeout, 1..86400:
 * else a usage error).  S3's endpoint, region and credentials come from o
 * and the environment (AWS_*; credentials: AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, else the [AWS_PROFILE or default] profile of
 * AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials). */
int store_open(struct store *s, const char *repo, const struct store_opts *o);
/* The file's bytes into out (at most max; more is an error), or
 * STORE_MISSING when it does not exist. */
int store_get(struct store *s, const char *rel, size_t max, struct mvb_buf *out);
/* store_get, and the ETag it came with into etag (S3; "" elsewhere). */
int store_get_tag(struct store *s, const char *rel, size_t max, struct mvb_buf *out, char etag[STORE_ETAG_MAX]);
/* Writes the whole file so a reader sees the old one or the new one:
 * local: temporary file, fsync, rename; HTTP: one PUT, which nginx (and
 * Apache mod_dav) writes to a temporary file and renames when the body is
 * complete. */
int store_put(struct store *s, const char *rel, const void *data, size_t len, int show_progress);
/* store_put with STORE_* flags.  S3: every PUT carries x-amz-acl:
 * public-read and a Cache-Control (STORE_IMMUTABLE: a year, immutable;
 * else the index's 60 s); STORE_CREATE sends If-None-Match: *, if_match
 * (when not NULL) If-Match: <ETag>; either returns STORE_CONFLICT, having
 * said nothing, when the store answers 412.  A directory and WebDAV take
 * no conditions (their writers hold the channel's lock). */
int store_put_if(struct store *s, const char *rel, const void *data, size_t len, int flags, const char *if_match);
/* Takes the lock of channel directory chan, waiting up to wait_s seconds.
 * S3 has none: its writers use conditional PUTs instead. */
int store_lock(struct store *s, const char *chan, int wait_s, int break_lock);
void store_unlock(struct store *s);
void store_close(struct store *s);

#endif
