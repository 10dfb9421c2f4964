/* store.c - where a repository lives: a local directory, a WebDAV server
 * over HTTP(S), or an S3-compatible bucket.  All offer the same things: get
 * a file with a size ceiling, put a file so that readers see all of it or
 * none of it, and either a per-channel lock (directory, WebDAV) or
 * conditional writes (S3).  Errors are reported here, in the user's
 * terms, and returned as exit statuses. */
#include <ctype.h>
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
#include "mvb/hash.h"
#include "sys/sys.h"

static int is_url(const char *s)
{
	return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

/* ---- S3: the repository's address, the region, the credentials */

/* Objects never change under their names (content-addressed), so a CDN
 * and a device may keep them for good.  The index changes with every
 * release: 60 s bounds both how late a device behind a CDN hears of one
 * and how long an edge may go on serving the previous index after it
 * (which a device that already accepted the new one refuses as a replay
 * until the edge catches up), while the origin still sees at most one
 * index request a minute from each edge, however many devices ask. */
#define S3_CACHE_OBJECT "Cache-Control: public, max-age=31536000, immutable"
#define S3_CACHE_INDEX "Cache-Control: public, max-age=60"
#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define S3_DEFAULT_REGION "us-east-1"

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static int s3_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* Printable, no space, no quote: what may go into a header or a key. */
static int s3_token_ok(const char *v, size_t max, int colon_ok)
{
	size_t n = strlen(v);
	if (!n || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || v[i] > '~' || (!colon_ok && v[i] == ':'))
			return 0;
	return 1;
}

/* The credentials, kept as libcurl takes them; the values never go into a
 * message. */
static int s3_set_keys(struct store *s, const char *id, const char *secret, const char *token, const char *from)
{
	if (!s3_token_ok(id, 128, 0) || !s3_token_ok(secret, 256, 1) || (token && !s3_token_ok(token, 8192, 1))) {
		cli_error("the S3 credentials in %s are malformed (printable characters without spaces expected; the key id "
			  "holds no ':')",
			  from);
		return MVB_EXIT_IO;
	}
	size_t n = strlen(id) + strlen(secret) + 2;
	if (!(s->keys = malloc(n))) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	snprintf(s->keys, n, "%s:%s", id, secret);
	if (token) {
		n = strlen(token) + 32;
		if (!(s->token_hdr = malloc(n))) {
			cli_error("out of memory");
			return MVB_EXIT_IO;
		}
		snprintf(s->token_hdr, n, "x-amz-security-token: %s", token);
	}
	return 0;
}

/* "  name = value  " of an INI line: name and value trimmed, in place.
 * 0 when the line is no assignment. */
static int ini_pair(char *line, char **name, char **value)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return 0;
	*eq = 0;
	char *a = line, *b = eq + 1;
	while (*a == ' ' || *a == '\t')
		a++;
	for (char *e = a + strlen(a); e > a && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = 0;
	while (*b == ' ' || *b == '\t')
		b++;
	for (char *e = b + strlen(b); e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'); e--)
		e[-1] = 0;
	*name = a;
	*value = b;
	return 1;
}

/* The [profile] of an AWS shared credentials file (aws_access_key_id,
 * aws_secret_access_key, aws_session_token).  Returns 0 with the keys set,
 * STORE_MISSING when the file does not exist and was not named (no
 * credentials), or an exit status after saying why. */
static int s3_keys_file(struct store *s)
{
	const char *named = env("AWS_SHARED_CREDENTIALS_FILE"), *home = env("HOME"), *profile = env("AWS_PROFILE");
	char path[PATH_MAX];
	if (named)
		snprintf(path, sizeof(path), "%s", named);
	else if (home)
		snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	else
		return STORE_MISSING;
	unsigned char *data;
	size_t len;
	if (sys_read_file(path, 1 << 20, &data, &len) < 0) {
		if (errno == ENOENT && !named && !profile)
			return STORE_MISSING;
		cli_error("cannot read the S3 credentials file '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	if (memchr(data, 0, len)) {
		free(data);
		cli_error("the S3 credentials file '%s' is not text", path);
		return MVB_EXIT_IO;
	}
	char *text = realloc(data, len + 1);
	if (!text) {
		free(data);
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	text[len] = 0;
	const char *want = profile ? profile : "default";
	char *id = NULL, *secret = NULL, *token = NULL;
	int in = 0, found = 0;
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '#' || *line == ';' || !*line || *line == '\r')
			continue;
		if (*line == '[') {
			char *end = strchr(line, ']');
			if (end) {
				*end = 0;
				char *name = line + 1;
				while (*name == ' ')
					name++;
				for (char *e = name + strlen(name); e > name && e[-1] == ' '; e--)
					e[-1] = 0;
				in = !strcmp(name, want);
				found |= in;
			}
			continue;
		}
		char *k, *v;
		if (!in || !ini_pair(line, &k, &v))
			continue;
		if (!strcmp(k, "aws_access_key_id"))
			id = v;
		else if (!strcmp(k, "aws_secret_access_key"))
			secret = v;
		else if (!strcmp(k, "aws_session_token"))
			token = *v ? v : NULL;
	}
	int rc;
	char from[PATH_MAX + 64];
	snprintf(from, sizeof(from), "profile '%s' of '%s'", want, path);
	if (!found && !named && !profile) {
		rc = STORE_MISSING;
	} else if (!found) {
		cli_error("the S3 credentials file '%s' has no profile '%s'", path, want);
		rc = MVB_EXIT_IO;
	} else if (!id || !secret || !*id || !*secret) {
		cli_error("%s sets no %s", from, !id || !*id ? "aws_access_key_id" : "aws_secret_access_key");
		rc = MVB_EXIT_IO;
	} else {
		rc = s3_set_keys(s, id, secret, token, from);
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* Credentials from the environment, else from a credentials file; none
 * gives unsigned reads, which public-read objects allow. */
static int s3_keys(struct store *s, int write)
{
	const char *id = env("AWS_ACCESS_KEY_ID"), *secret = env("AWS_SECRET_ACCESS_KEY");
	int rc;
	if (id || secret) {
		if (!id || !secret) {
			cli_error("%s is set but %s is not", id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
				  id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
			return MVB_EXIT_IO;
		}
		rc = s3_set_keys(s, id, secret, env("AWS_SESSION_TOKEN"), "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or "
									  "AWS_SESSION_TOKEN");
	} else {
		rc = s3_keys_file(s);
	}
	if (rc == STORE_MISSING && write) {
		cli_error("no S3 credentials to write to '%s': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a "
			  "[default] profile (or AWS_PROFILE's) in ~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE",
			  s->base);
		return MVB_EXIT_IO;
	}
	return rc == STORE_MISSING ? 0 : rc;
}

/* s3://BUCKET[/PREFIX]: path-style requests to ENDPOINT/BUCKET/PREFIX/... */
static int s3_open(struct store *s, const char *repo, const struct store_opts *o)
{
	const char *b = repo + 5, *prefix = strchr(b, '/');
	size_t bl = prefix ? (size_t)(prefix - b) : strlen(b), pl = 0;
	int ok = bl >= 1 && bl <= 63;
	for (size_t i = 0; i < bl; i++)
		ok &= s3_name_char(b[i]);
	if (prefix) {
		prefix++;
		pl = strlen(prefix);
		while (pl && prefix[pl - 1] == '/')
			pl--;
		/* segments of names: no empty, '.' or '..' one, nothing to escape */
		for (size_t i = 0, seg = 0; ok && i <= pl; i++) {
			if (i < pl && prefix[i] != '/') {
				ok &= s3_name_char(prefix[i]);
				continue;
			}
			size_t sl = i - seg;
			ok &= sl > 0 && !(sl == 1 && prefix[seg] == '.') && !(sl == 2 && !strncmp(prefix + seg, "..", 2));
			seg = i + 1;
		}
		ok &= pl < 512;
	}
	if (!ok) {
		char shown[256];
		cli_sanitize(repo, shown, sizeof(shown));
		cli_error("repository '%s': want s3://BUCKET[/PREFIX], a bucket name of 1 to 63 characters and prefix "
			  "segments separated by '/', all of [A-Za-z0-9._-] ('.' and '..' are no segments)",
			  shown);
		return MVB_EXIT_USAGE;
	}
	const char *region = o->region ? o->region : env("AWS_REGION") ? env("AWS_REGION")
				       : env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION") : S3_DEFAULT_REGION;
	int rok = strlen(region) <= 32 && *region;
	for (const char *p = region; *p; p++)
		rok &= islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-';
	if (!rok) {
		char shown[64];
		cli_sanitize(region, shown, sizeof(shown));
		cli_error("region '%s' (%s) is not a region name such as us-east-1", shown,
			  o->region ? "--region" : env("AWS_REGION") ? "AWS_REGION" : "AWS_DEFAULT_REGION");
		return MVB_EXIT_USAGE;
	}
	char aws[96];
	const char *endpoint = o->endpoint ? o->endpoint : env("AWS_ENDPOINT_URL_S3") ? env("AWS_ENDPOINT_URL_S3")
												 : env("AWS_ENDPOINT_URL");
	const char *ewhere = o->endpoint ? "--endpoint" : env("AWS_ENDPOINT_URL_S3") ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
	if (!endpoint) {
		snprintf(aws, sizeof(aws), "https://s3.%s.amazonaws.com", region);
		endpoint = aws;
	}
	size_t el = strlen(endpoint);
	while (el && endpoint[el - 1] == '/')
		el--;
	const char *host = strstr(endpoint, "://");
	int eok = is_url(endpoint) && el < 512 && !memchr(endpoint, '@', el);
	for (size_t i = 0; eok && i < el; i++)
		eok = endpoint[i] > ' ' && endpoint[i] <= '~' && endpoint[i] != '?' && endpoint[i] != '#';
	if (!eok || !host || el <= (size_t)(host + 3 - endpoint)) {
		char shown[256];
		cli_sanitize(endpoint, shown, sizeof(shown));
		/* an endpoint with user:password@ would put a secret on the
		 * command line or in a log: refused, and not echoed */
		if (memchr(endpoint, '@', strlen(endpoint)))
			cli_error("%s holds an '@' (not shown): credentials go in AWS_ACCESS_KEY_ID and "
				  "AWS_SECRET_ACCESS_KEY or a credentials file, never in a URL",
				  ewhere);
		else
			cli_error("%s '%s' is not an http(s) URL without a query or fragment", ewhere, shown);
		return MVB_EXIT_USAGE;
	}
	snprintf(s->base, sizeof(s->base), "s3://%.*s%s%.*s", (int)bl, b, pl ? "/" : "", (int)pl, pl ? prefix : "");
	snprintf(s->url, sizeof(s->url), "%.*s/%.*s%s%.*s", (int)el, endpoint, (int)bl, b, pl ? "/" : "", (int)pl,
		 pl ? prefix : "");
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", region);
	s->http = s->s3 = 1;
	return s3_keys(s, o->write);
}

int store_open(struct store *s, const char *repo, const struct store_opts *o)
{
	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	unsigned long timeout_s = o->timeout_s;
	if (timeout_s == 0 || timeout_s > 86400) {
		cli_error("--timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	s->timeout_ms = (long)timeout_s * 1000;
	const char *bps = getenv("MVBUILD_TEST_UPLOAD_BPS"); /* tests: slow uploads down to kill them half-way */
	if (bps && *bps)
		s->max_send_speed = strtoll(bps, NULL, 10);
	if (!strncmp(repo, "s3://", 5)) {
		if (sys_http_init()) {
			cli_error("cannot initialise libcurl");
			return MVB_EXIT_IO;
		}
		return s3_open(s, repo, o);
	}
	if (o->endpoint || o->region) {
		cli_error("--endpoint and --region are for s3:// repositories");
		return MVB_EXIT_USAGE;
	}
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
	memcpy(s->url, s->base, n + 1);
	if (s->http) {
		if (sys_http_init()) {
			cli_error("cannot initialise libcurl");
			return MVB_EXIT_IO;
		}
		s->auth = getenv("MVBUILD_REPO_AUTH");
	}
	return 0;
}

/* The URL or path of rel, and its name in messages (S3: s3://...). */
static void where(const struct store *s, const char *rel, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", s->url, rel);
}

static void shown(const struct store *s, const char *rel, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", s->base, rel);
}

/* The <Code> of an S3 error reply (AccessDenied, NoSuchBucket...), or "". */
static void s3_code(const struct sys_http_resp *r, char *out, size_t n)
{
	out[0] = 0;
	const unsigned char *p = r->err_body, *end = r->err_body + r->err_len;
	const char tag[] = "<Code>";
	for (; p + sizeof(tag) - 1 <= end; p++)
		if (!memcmp(p, tag, sizeof(tag) - 1))
			break;
	if (p + sizeof(tag) - 1 > end)
		return;
	p += sizeof(tag) - 1;
	size_t i = 0;
	while (p < end && *p != '<' && i + 1 < n && i < 64) {
		if (!isalnum(*p) && *p != '.')
			return (void)(out[0] = 0);
		out[i++] = (char)*p++;
	}
	out[p < end && *p == '<' ? i : 0] = 0;
}

/* An S3 reply that is not success, in words. */
static int s3_failed(const struct store *s, const char *what, const char *name, const struct sys_http_resp *r)
{
	char code[72];
	s3_code(r, code, sizeof(code));
	long st = r->status;
	if (!strcmp(code, "NoSuchBucket"))
		cli_error("%s '%s': there is no such bucket (HTTP %ld NoSuchBucket; requests go to '%s')", what, name, st,
			  s->url);
	else if (!strcmp(code, "AccessControlListNotSupported"))
		cli_error("%s '%s': the bucket takes no ACLs (HTTP %ld %s), and mvbuild sets x-amz-acl: public-read so that "
			  "devices can read without signing; allow ACLs on the bucket (its object ownership setting)",
			  what, name, st, code);
	else if ((st == 401 || st == 403) && !s->keys)
		cli_error("%s '%s': the store refused an unsigned request (HTTP %ld%s%s): the object is not public, or "
			  "missing; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a credentials file) to sign",
			  what, name, st, *code ? " " : "", code);
	else if (st == 401 || st == 403)
		cli_error("%s '%s': the store refused the request (HTTP %ld%s%s); check the credentials "
			  "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or the credentials file), the region (--region, "
			  "AWS_REGION) and the bucket's permissions",
			  what, name, st, *code ? " " : "", code);
	else if (st == 501 || !strcmp(code, "NotImplemented"))
		cli_error("%s '%s': the store does not implement this request (HTTP %ld%s%s); publishing needs PUT with "
			  "If-None-Match and If-Match (see mvbuild-publish(1))",
			  what, name, st, *code ? " " : "", code);
	else
		cli_error("%s '%s': HTTP %ld%s%s", what, name, st, *code ? " " : "", code);
	return MVB_EXIT_IO;
}

/* The headers of an S3 request: the payload's SHA-256 (signed, as the
 * store requires), the session token, and for a PUT the ACL, the
 * Cache-Control and the condition. */
struct s3_req {
	const char *h[6];
	unsigned n;
	char sha[96], cond[STORE_ETAG_MAX + 16];
};

static void s3_headers(const struct store *s, struct s3_req *x, const void *body, size_t len, int put, int flags,
		       const char *if_match)
{
	x->n = 0;
	if (!s->keys)
		return; /* a plain GET, as a device makes it */
	if (put) {
		uint8_t h[32];
		char hex[65];
		mvb_sha256(body, len, h);
		mvb_hex(h, 32, hex);
		snprintf(x->sha, sizeof(x->sha), "x-amz-content-sha256: %s", hex);
	} else {
		snprintf(x->sha, sizeof(x->sha), "x-amz-content-sha256: %s", S3_EMPTY_SHA256);
	}
	x->h[x->n++] = x->sha;
	if (s->token_hdr)
		x->h[x->n++] = s->token_hdr;
	if (!put)
		return;
	x->h[x->n++] = "x-amz-acl: public-read";
	x->h[x->n++] = flags & STORE_IMMUTABLE ? S3_CACHE_OBJECT : S3_CACHE_INDEX;
	if (if_match) {
		snprintf(x->cond, sizeof(x->cond), "If-Match: %s", if_match);
		x->h[x->n++] = x->cond;
	} else if (flags & STORE_CREATE) {
		x->h[x->n++] = "If-None-Match: *";
	}
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
	char etag[STORE_ETAG_MAX];
	return store_get_tag(s, rel, max, out, etag);
}

int store_get_tag(struct store *s, const char *rel, size_t max, struct mvb_buf *out, char etag[STORE_ETAG_MAX])
{
	char path[PATH_MAX + 64], name[PATH_MAX + 64];
	where(s, rel, path, sizeof(path));
	shown(s, rel, name, sizeof(name));
	out->len = 0;
	etag[0] = 0;
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
	struct s3_req x;
	struct sys_http_req q = { "GET", path, NULL, 0, NULL, 0, max, s->auth, 0, 3, NULL, NULL, s->timeout_ms, NULL };
	if (s->s3) {
		s3_headers(s, &x, NULL, 0, 0, 0, NULL);
		q.headers = x.h;
		q.nheaders = x.n;
		q.auth = s->keys;
		q.aws_sigv4 = s->keys ? s->sigv4 : NULL;
	}
	struct sys_http_resp r;
	memset(&r, 0, sizeof(r));
	r.keep = 1;
	char err[CURL_ERR_MAX];
	int rc = sys_http(&q, &r, err, sizeof(err));
	if (rc) {
		cli_error("cannot download '%s': %s%s", name, err, r.timed_out ? " (--timeout)" : "");
		sys_http_resp_release(&r);
		return r.too_large ? MVB_EXIT_FINDINGS : MVB_EXIT_IO;
	}
	char code[72];
	s3_code(&r, code, sizeof(code));
	if (r.status == 404 && strcmp(code, "NoSuchBucket")) {
		sys_http_resp_release(&r);
		return STORE_MISSING;
	}
	if (r.status != 200) {
		sys_http_resp_release(&r);
		return s->s3 ? s3_failed(s, "cannot download", name, &r) : http_failed("cannot download", path, r.status);
	}
	memcpy(etag, r.etag, sizeof(r.etag));
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
		struct sys_http_req q = { "MKCOL", path, NULL, 0, NULL, 0, 0, s->auth, 0, 3, NULL, NULL, s->timeout_ms, NULL };
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

/* S3: one PUT; the object appears whole or not at all. */
static int s3_put(struct store *s, const char *rel, const void *data, size_t len, int flags, const char *if_match)
{
	char path[PATH_MAX + 64], name[PATH_MAX + 64], err[CURL_ERR_MAX];
	where(s, rel, path, sizeof(path));
	shown(s, rel, name, sizeof(name));
	if (!s->keys)
		MVB_BUG("an S3 write without credentials (store_open checks)");
	struct s3_req x;
	s3_headers(s, &x, data, len, 1, flags, if_match);
	struct progress pg = { rel, isatty(2), -1 };
	struct sys_http_req q = { "PUT",	       path, x.h, x.n, data, len, 0, s->keys, s->max_send_speed, 3, NULL, NULL,
				  s->timeout_ms, s->sigv4 };
	if ((flags & STORE_PROGRESS) && len >= STORE_PROGRESS_MIN) {
		q.progress = on_progress;
		q.progress_ctx = &pg;
	}
	struct sys_http_resp r;
	memset(&r, 0, sizeof(r));
	if (sys_http(&q, &r, err, sizeof(err))) {
		cli_error("cannot upload '%s': %s%s", name, err, r.timed_out ? " (--timeout)" : "");
		return MVB_EXIT_IO;
	}
	if (r.status == 200 || r.status == 201 || r.status == 204)
		return 0;
	if (r.status == 412 && (if_match || (flags & STORE_CREATE)))
		return STORE_CONFLICT;
	return s3_failed(s, "cannot upload", name, &r);
}

int store_put(struct store *s, const char *rel, const void *data, size_t len, int show_progress)
{
	return store_put_if(s, rel, data, len, show_progress ? STORE_PROGRESS : 0, NULL);
}

int store_put_if(struct store *s, const char *rel, const void *data, size_t len, int flags, const char *if_match)
{
	if (s->s3)
		return s3_put(s, rel, data, len, flags, if_match);
	int show_progress = flags & STORE_PROGRESS;
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
	struct sys_http_req q = { "PUT", path, NULL, 0, data, len, 0, s->auth, s->max_send_speed, 3, NULL, NULL, s->timeout_ms, NULL };
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
		struct sys_http_req q = { "DELETE", s->lock_url, depth, 1, NULL, 0, 0, s->auth, 0, 3, NULL, NULL, s->timeout_ms, NULL };
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
		struct sys_http_req q = { "MKCOL", s->lock_url, NULL, 0, NULL, 0, 0, s->auth, 0, 0, NULL, NULL, s->timeout_ms, NULL };
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
	if (s->s3)
		return 0; /* conditional writes instead: see cmd_publish.c */
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
		struct sys_http_req q = { "DELETE", s->lock_url, depth, 1, NULL, 0, 0, s->auth, 0, 3, NULL, NULL, s->timeout_ms, NULL };
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
	if (s->keys) {
		explicit_bzero(s->keys, strlen(s->keys));
		free(s->keys);
		s->keys = NULL;
	}
	if (s->token_hdr) {
		explicit_bzero(s->token_hdr, strlen(s->token_hdr));
		free(s->token_hdr);
		s->token_hdr = NULL;
	}
}
