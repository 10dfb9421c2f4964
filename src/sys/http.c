/* http.c - HTTP(S) requests for the repository backend over libcurl, the
 * only file that includes curl: bounded downloads, uploads from memory with
 * progress, WebDAV verbs, and retries of transient failures. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "sys/sys.h"

static int curl_ready;

int sys_http_init(void)
{
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT))
			return -1;
		curl_ready = 1;
	}
	return 0;
}

void sys_http_cleanup(void)
{
	if (curl_ready)
		curl_global_cleanup();
	curl_ready = 0;
}

struct sink {
	struct sys_http_resp *r;
	CURL *c;
	size_t max;
	int over;
	unsigned long long err_seen; /* bytes of an error reply */
};

/* An error reply (status 400 or more) goes to err_body, bounded, and does
 * not count against max_body: a missing 1-byte object may well come with a
 * longer explanation.  Past 64 KiB the transfer ends (an endless one). */
static size_t on_error_body(struct sink *s, const char *p, size_t len)
{
	struct sys_http_resp *r = s->r;
	size_t room = sizeof(r->err_body) - r->err_len;
	memcpy(r->err_body + r->err_len, p, len < room ? len : room);
	r->err_len += len < room ? len : room;
	s->err_seen += len;
	return s->err_seen > 65536 ? 0 : len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n;
	struct sys_http_resp *r = s->r;
	long status = 0;
	if (curl_easy_getinfo(s->c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status >= 400)
		return on_error_body(s, p, len);
	if (!r->keep)
		return len; /* discarded */
	if (len > s->max - r->len) {
		s->over = 1;
		return 0; /* aborts the transfer: endless data stops here */
	}
	if (r->len + len + 1 > r->cap) {
		size_t nc = r->cap ? r->cap : 4096;
		while (nc < r->len + len + 1)
			nc *= 2;
		unsigned char *nb = realloc(r->data, nc);
		if (!nb)
			return 0;
		r->data = nb;
		r->cap = nc;
	}
	memcpy(r->data + r->len, p, len);
	r->len += len;
	r->data[r->len] = 0;
	return len;
}

struct source {
	const unsigned char *p;
	size_t len, pos;
	long long bps; /* pace the body at this rate (tests), 0: no pacing */
};

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	struct source *s = ud;
	size_t want = size * n, left = s->len - s->pos;
	if (s->bps > 0) {
		/* curl's own limit lets its first buffer (16 KiB or more) go at
		 * once; pacing here keeps small bodies in flight too */
		size_t step = (size_t)(s->bps / 10 ? s->bps / 10 : 1);
		if (want > step)
			want = step;
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (want > left)
		want = left;
	memcpy(buf, s->p + s->pos, want);
	s->pos += want;
	return want;
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
	struct source *s = ud;
	if (origin != SEEK_SET || off < 0 || (size_t)off > s->len)
		return CURL_SEEKFUNC_CANTSEEK;
	s->pos = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* Headers: the ETag of the final reply (a 100 Continue or a reply that
 * was retried starts over), quotes taken off. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct sys_http_resp *r = ud;
	size_t len = size * n;
	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		r->etag[0] = 0;
		return len;
	}
	if (len < 5 || strncasecmp(p, "etag:", 5))
		return len;
	size_t i = 5, e = len;
	while (i < e && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	if (e - i >= 2 && p[i] == '"' && p[e - 1] == '"') {
		i++;
		e--;
	}
	r->etag[0] = 0;
	if (e - i == 0 || e - i >= sizeof(r->etag))
		return len;
	for (size_t k = i; k < e; k++)
		if (p[k] <= ' ' || p[k] > '~' || p[k] == '"')
			return len; /* not one a conditional request could send back */
	memcpy(r->etag, p + i, e - i);
	r->etag[e - i] = 0;
	return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	const struct sys_http_req *q = ud;
	(void)dltotal;
	(void)dlnow;
	if (q->progress && ultotal > 0)
		q->progress(q->progress_ctx, (unsigned long long)ulnow, (unsigned long long)ultotal);
	return 0;
}

static int transient(CURLcode c, long status)
{
	if (c == CURLE_OK)
		return status >= 500 ? status != 501 && status != 505 && status != 507 : status == 408 || status == 429;
	return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_SEND_ERROR ||
	       c == CURLE_RECV_ERROR || c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE ||
	       c == CURLE_COULDNT_RESOLVE_HOST;
}

static int once(const struct sys_http_req *q, long timeout_ms, struct sys_http_resp *r, char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(err, errlen, "cannot start a libcurl session");
		return -1;
	}
	struct curl_slist *hl = NULL;
	for (unsigned i = 0; i < q->nheaders; i++)
		hl = curl_slist_append(hl, q->headers[i]);
	struct sink sk = { r, c, q->max_body ? q->max_body : (size_t)1 << 20, 0, 0 };
	struct source src = { q->body, q->body_len, 0, q->max_send_speed };
	char ebuf[CURL_ERROR_SIZE] = "";
	r->len = 0;
	r->status = 0;
	r->etag[0] = 0;
	r->err_len = 0;
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	/* a server that trickles (slow retrieval): below 1 KiB/s for 30 s ends it */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	if (timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (q->aws_sigv4) {
		/* the signature covers the method, path, host, x-amz-date and
		 * every header given in q->headers */
		curl_easy_setopt(c, CURLOPT_AWS_SIGV4, q->aws_sigv4);
		curl_easy_setopt(c, CURLOPT_USERPWD, q->auth);
	} else if (q->auth) {
		curl_easy_setopt(c, CURLOPT_USERPWD, q->auth);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_ANY);
	}
	if (!q->aws_sigv4)
		curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sk);
	if (hl)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (!strcmp(q->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(q->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &src);
		curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(c, CURLOPT_SEEKDATA, &src);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
		if (q->max_send_speed)
			curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)q->max_send_speed);
		if (q->progress) {
			curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
			curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
			curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)q);
		}
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	}
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	r->transient = transient(rc, status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (sk.over) {
		snprintf(err, errlen, "the server sent more than the %zu bytes expected", sk.max);
		r->too_large = 1;
		return -1;
	}
	if (rc == CURLE_WRITE_ERROR && status >= 400 && sk.err_seen > 65536)
		return 0; /* an endless error reply: its status is the answer */
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sys_http(const struct sys_http_req *q, struct sys_http_resp *r, char *err, size_t errlen)
{
	unsigned tries = q->retries + 1;
	long delay_ms = 250;
	long long end = q->timeout_ms > 0 ? now_ms() + q->timeout_ms : 0;
	r->timed_out = 0;
	for (unsigned i = 0;; i++) {
		r->too_large = 0;
		long left = end ? (long)(end - now_ms()) : 0;
		int rc = end && left <= 0 ? -1 : once(q, end ? left : 0, r, err, errlen);
		if (rc && end && now_ms() >= end) {
			/* the whole request's deadline, not one read's: never retried */
			r->timed_out = 1;
			if (q->timeout_ms % 1000)
				snprintf(err, errlen, "no complete reply within %ld ms", q->timeout_ms);
			else
				snprintf(err, errlen, "no complete reply within %ld s", q->timeout_ms / 1000);
			return -1;
		}
		if (r->too_large || !r->transient || i + 1 >= tries)
			return rc;
		if (end && end - now_ms() <= delay_ms)
			return rc; /* no time for another try: this failure is the answer */
		struct timespec ts = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		delay_ms *= 2;
		r->retried++;
	}
}

void sys_http_resp_release(struct sys_http_resp *r)
{
	free(r->data);
	r->data = NULL;
	r->len = r->cap = 0;
}
