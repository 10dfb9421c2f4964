/*
 * devsim.c - a device on the link for the serve tests: it speaks
 * mvbuild-link(5) through the codec the microvisor compiles (src/link)
 * and plays an update session against 'mvbuild serve', honest or hostile,
 * checking every answer it gets.
 *
 *   devsim (--port-file F | --pty-file F) [--mode MODE] [--repo DIR]
 *          [--board NAME] [--app NAME] [--channel NAME] [--have X.Y.Z]
 *          [--outcome N] [--reason N] [--payload-max N] [--update-now
 *          accept|decline] [--trial confirm|revert|unreverted|lost|none]
 *          [--update-state N] [--rejected X.Y.Z] [--status-size N]
 *          [--log-read keep|unsupported|ignore] [--log FILE]
 *
 * --port-file: listen on a free loopback port (as QEMU's chardev socket
 * server does), write the port to F, serve one connection.  --pty-file:
 * make a pseudo-terminal, set it raw, write the path of its serial end to
 * F (serve --device opens it as a serial port).
 *
 * Modes (all but mute start with HELLO):
 *   update    READ the channel index in pieces, then the bundle a device
 *             running --have would take (the delta from it when the index
 *             lists one, else the full bundle), compare every byte with
 *             the files under --repo, send two LINEs and the REPORT
 *             (--outcome, default 0 installed; --reason); then, with
 *             --trial, what the installed release does (below)
 *   names     READ names serve must refuse (../etc/passwd, /etc/passwd,
 *             a/../../x, bad bytes, bytes after the name, lengths 0 and
 *             97): error 4 each; well-formed names outside the repository
 *             layout of the app's directory (a path from the root among
 *             them) or missing objects: error 1
 *   range     READ at the object's end (0 bytes), past it (error 2),
 *             longer than the payload limit allows (error 4), and after
 *             a HELLO with a 64-byte limit (a 56-byte read fits, 57 not)
 *   unknown   requests of streams and types serve does not serve (error
 *             5), a HELLO and a REPORT of the wrong size and stray flag
 *             bits (error 4), a response nobody asked for and a broken
 *             LINE (no answer)
 *   garbage   64 KiB of noise with zeros in it, a frame with a bad CRC,
 *             more than a frame's bytes without a zero: then a PING must
 *             be answered first
 *   lines     LINE frames: plain, with lost lines, with control bytes,
 *             with the microvisor's reason tokens (known, unknown, malformed)
 *   kept      lines kept before serve came (more than the ring holds),
 *             then HELLO, a line shown already and two new ones
 *   silence   HELLO, then nothing until serve hangs up
 *   mute      nothing at all until serve hangs up
 *   flood     HELLO, then noise without end until serve hangs up
 *   noread    HELLO, then PINGs without end, never reading the answers
 *   close     HELLO, part of the index, then hang up
 *   trial     HELLO on trial from the start (the release --have), a
 *             session refused on trial (HELLO installing, REPORT refused
 *             0x4822), then the trial's end as --trial says
 *   status    no HELLO: answer STATUS requests (a record of
 *             --status-size bytes, 208 or ABI 1.3's 192, with
 *             --update-state, on trial when it is 2, --rejected and
 *             --reason) until serve hangs up
 *
 * --trial, after an install (update) or from the start (trial): the
 * release --have is A, the one installed B.
 *   none        HELLO running B (no trial), then hang up
 *   confirm     HELLO on trial B, a log line, HELLO on trial B again (a
 *               restart on trial), REPORT confirmed (A to B)
 *   revert      HELLO on trial B, HELLO installing (the revert session),
 *               REPORT reverted (B rejected for --reason, A put back),
 *               HELLO running A
 *   unreverted  as revert, but the revert failed: REPORT reverted with
 *               lp_to_version 0, HELLO safe
 *   lost        HELLO on trial B, then hang up
 *   hang        HELLO on trial B, then nothing until serve hangs up
 *
 * --log-read: how serve's LOG_READ (mvbuild logs) is answered, whatever
 * the mode: keep (default) the lines kept so far, as the microvisor does;
 * unsupported, error 5, as a microvisor before LOG_READ; ignore, never.
 *
 * Every mode but the last four ends with a REPORT and checks its answer.
 * Exit status: 0 when every check passed, 1 when one failed (each is
 * said on stderr), 2 on a usage error.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "mvb/repo_format.h"
#include "mvl.h"

#include "simdev.h"

static int fd = -1;
static struct mvl_rx rx;
static uint16_t seq = 100;
static uint16_t payload_max = MVL_PAYLOAD_MAX;
static int failures;
static const char *opt_update_now;
static int update_now_seen;
static const char *opt_log_read = "keep";
static int log_read_seen;

/* The lines a device keeps for LOG_READ, as the microvisor keeps them: a
 * ring of MVL_LOG_KEPT bytes, each line a length byte and its text, the
 * oldest going first; numbers consecutive from kept_first (a line out of
 * order, or one too long for the ring, starts it afresh after it). */
static uint8_t kept[MVL_LOG_KEPT];
static uint32_t kept_used, kept_first = 1, kept_count;
static uint32_t kept_start = 1; /* its first line's number (the modes start at 1, kept at 0) */

static void keep(uint32_t n, const char *text, size_t len)
{
	if (n != kept_first + kept_count || len > 255 || 1 + len > MVL_LOG_KEPT) {
		kept_used = kept_count = 0;
		kept_first = n;
		if (len > 255 || 1 + len > MVL_LOG_KEPT) {
			kept_first = n + 1;
			return;
		}
	}
	while (kept_used + 1 + len > MVL_LOG_KEPT) {
		uint32_t d = 1u + kept[0];
		memmove(kept, kept + d, kept_used - d);
		kept_used -= d;
		kept_first++;
		kept_count--;
	}
	kept[kept_used] = (uint8_t)len;
	memcpy(kept + kept_used + 1, text, len);
	kept_used += 1 + (uint32_t)len;
	kept_count++;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "devsim: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	failures++;
}

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static int put_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int put_frame(uint8_t stream, uint8_t type, uint8_t flags, uint16_t s, const void *p, size_t len)
{
	uint8_t wire[MVL_WIRE_MAX + 1]; /* both zeros: one more than MVL_WIRE_MAX */
	size_t n = mvl_encode(stream, type, flags, s, p, len, wire, sizeof(wire));
	if (!n) {
		fail("cannot encode a frame of %zu bytes", len);
		return -1;
	}
	return put_bytes(wire, n);
}

struct frame {
	struct mvl_header h;
	uint8_t p[MVL_PAYLOAD_MAX];
};

/* The next frame within timeout_ms; answers serve's UPDATE_NOW on the
 * way (as --update-now says) and returns the others.  0, or -1 on
 * timeout or a closed link. */
static int put_frame(uint8_t stream, uint8_t type, uint8_t flags, uint16_t s, const void *p, size_t len);

/* serve's LOG_READ, answered as --log-read says: keep, the kept lines
 * (a microvisor with LOG_READ); unsupported, error 5 (one before it);
 * ignore, no answer.  Every try must carry the same lf_seq. */
static void answer_log_read(const struct frame *f)
{
	static uint16_t first_seq;
	if (!log_read_seen++)
		first_seq = f->h.lf_seq;
	else if (f->h.lf_seq != first_seq)
		fail("LOG_READ tried again with seq %u, first %u", f->h.lf_seq, first_seq);
	if (f->h.lf_len != MVL_LOG_REQ_SIZE || f->p[4] | f->p[5] | f->p[6] | f->p[7]) {
		fail("LOG_READ of %u bytes or with lq_reserved set", f->h.lf_len);
		return;
	}
	uint32_t from = f->p[0] | f->p[1] << 8 | f->p[2] << 16 | (uint32_t)f->p[3] << 24;
	note("LOG_READ seq %u from %u", f->h.lf_seq, from);
	if (!strcmp(opt_log_read, "unsupported")) {
		uint8_t e[MVL_ERROR_SIZE];
		struct mvl_error er = { MVL_E_UNSUPPORTED, 0 };
		mvl_put_error(e, &er);
		put_frame(MVL_S_LOG, MVL_T_LOG_READ, MVL_F_RESPONSE | MVL_F_ERROR, f->h.lf_seq, e, sizeof(e));
		return;
	}
	if (strcmp(opt_log_read, "keep"))
		return;
	/* lost: those it printed (none before kept_start) and no longer keeps */
	uint32_t lo = from > kept_start ? from : kept_start;
	uint32_t w[4] = { kept_first, kept_first > lo ? kept_first - lo : 0, kept_count, kept_first + kept_count };
	uint8_t p[MVL_LOG_PART_SIZE + MVL_LOG_KEPT];
	for (unsigned i = 0; i < 16; i++)
		p[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
	memcpy(p + MVL_LOG_PART_SIZE, kept, kept_used);
	put_frame(MVL_S_LOG, MVL_T_LOG_READ, MVL_F_RESPONSE, f->h.lf_seq, p, MVL_LOG_PART_SIZE + kept_used);
}

static int get_frame(struct frame *f, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	for (;;) {
		long left = end - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd q = { fd, POLLIN, 0 };
		if (poll(&q, 1, (int)left) <= 0)
			continue;
		uint8_t b;
		ssize_t k = read(fd, &b, 1);
		if (k <= 0) {
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			return -1;
		}
		const uint8_t *p;
		if (!mvl_rx_byte(&rx, b, &f->h, &p))
			continue;
		memcpy(f->p, p, f->h.lf_len);
		if (f->h.lf_stream == MVL_S_LOG && f->h.lf_type == MVL_T_LOG_READ && !(f->h.lf_flags & MVL_F_RESPONSE)) {
			answer_log_read(f);
			continue;
		}
		if (f->h.lf_stream == MVL_S_CONTROL && f->h.lf_type == MVL_T_UPDATE_NOW && !(f->h.lf_flags & MVL_F_RESPONSE)) {
			update_now_seen++;
			note("UPDATE_NOW seq %u", f->h.lf_seq);
			if (!opt_update_now) {
				fail("serve sent UPDATE_NOW unasked (no --update-now)");
			} else if (!strcmp(opt_update_now, "decline")) {
				uint8_t e[MVL_ERROR_SIZE];
				struct mvl_error er = { MVL_E_UNSUPPORTED, 0 };
				mvl_put_error(e, &er);
				put_frame(MVL_S_CONTROL, MVL_T_UPDATE_NOW, MVL_F_RESPONSE | MVL_F_ERROR, f->h.lf_seq, e, sizeof(e));
			} else {
				put_frame(MVL_S_CONTROL, MVL_T_UPDATE_NOW, MVL_F_RESPONSE, f->h.lf_seq, NULL, 0);
			}
			continue;
		}
		return 0;
	}
}

/* A request and its response (the first frame back must be it: serve
 * answers one request at a time and sends nothing unasked). */
static int request(uint8_t stream, uint8_t type, uint8_t flags, const void *p, size_t len, struct frame *f)
{
	uint16_t s = seq++;
	if (put_frame(stream, type, flags, s, p, len))
		return -1;
	if (get_frame(f, 5000)) {
		fail("no answer to stream %u type %u seq %u within 5 s", stream, type, s);
		return -1;
	}
	if (f->h.lf_stream != stream || f->h.lf_type != type || f->h.lf_seq != s || !(f->h.lf_flags & MVL_F_RESPONSE)) {
		fail("stream %u type %u seq %u answered by stream %u type %u seq %u flags 0x%x", stream, type, s,
		     f->h.lf_stream, f->h.lf_type, f->h.lf_seq, f->h.lf_flags);
		return -1;
	}
	return 0;
}

/* A request that must get error `code` (0: a plain response). */
static void expect_error(const char *what, uint8_t stream, uint8_t type, uint8_t flags, const void *p, size_t len,
			 uint32_t code)
{
	struct frame f;
	if (request(stream, type, flags, p, len, &f)) {
		fail("%s: no proper answer", what);
		return;
	}
	struct mvl_error e = { 0, 0 };
	int is_err = (f.h.lf_flags & MVL_F_ERROR) != 0;
	if (is_err && mvl_get_error(f.p, f.h.lf_len, &e))
		fail("%s: an error response without an error record", what);
	if (code ? !is_err || e.le_code != code : is_err)
		fail("%s: answered %s %u, want %s %u", what, is_err ? "error" : "data", is_err ? (unsigned)e.le_code : 0u,
		     code ? "error" : "data", (unsigned)code);
	note("%s: %s %u", what, is_err ? "error" : "ok", (unsigned)e.le_code);
}

static struct mvl_hello hello_msg;

static void hello(uint16_t pmax)
{
	uint8_t p[MVL_HELLO_SIZE];
	struct frame f;
	hello_msg.lh_payload_max = pmax;
	mvl_put_hello(p, &hello_msg);
	if (request(MVL_S_CONTROL, MVL_T_HELLO, 0, p, sizeof(p), &f) == 0 && (f.h.lf_flags & MVL_F_ERROR || f.h.lf_len))
		fail("HELLO answered with flags 0x%x and %u bytes", f.h.lf_flags, f.h.lf_len);
	payload_max = pmax;
}

static void ping(const char *what)
{
	struct frame f;
	if (request(MVL_S_CONTROL, MVL_T_PING, 0, NULL, 0, &f) == 0 && (f.h.lf_flags & MVL_F_ERROR || f.h.lf_len))
		fail("%s: PING answered with flags 0x%x", what, f.h.lf_flags);
	note("%s: ping answered", what);
}

static void line(uint32_t n, uint32_t lost, const char *text, size_t len)
{
	uint8_t p[MVL_PAYLOAD_MAX];
	struct mvl_line m = { n, lost };
	mvl_put_line(p, &m);
	memcpy(p + MVL_LINE_SIZE, text, len);
	put_frame(MVL_S_LOG, MVL_T_LINE, 0, 0, p, MVL_LINE_SIZE + len);
	keep(n, text, len);
}

static void report(uint32_t outcome, uint32_t reason, uint32_t from, uint32_t to, uint32_t bytes)
{
	uint8_t p[MVL_REPORT_SIZE];
	struct mvl_report m = { outcome, reason, from, to, bytes, 0 };
	struct frame f;
	mvl_put_report(p, &m);
	if (request(MVL_S_UPDATE, MVL_T_REPORT, 0, p, sizeof(p), &f) == 0 && (f.h.lf_flags & MVL_F_ERROR || f.h.lf_len))
		fail("REPORT answered with flags 0x%x", f.h.lf_flags);
}

/* A READ record with a name of n bytes copied raw (tail: bytes after it). */
static void read_rec(uint8_t *p, const char *name, size_t n, uint32_t off, uint16_t len, uint16_t name_len)
{
	memset(p, 0, MVL_READ_SIZE);
	struct mvl_read m;
	memset(&m, 0, sizeof(m));
	m.lr_offset = off;
	m.lr_length = len;
	m.lr_name_len = name_len;
	memcpy(m.lr_name, name, n > MVL_OBJECT_MAX ? MVL_OBJECT_MAX : n);
	mvl_put_read(p, &m);
}

/* Reads [off, off+len) of name: 0 with the bytes, or the error code. */
static int read_obj(const char *name, uint32_t off, uint16_t len, uint8_t *out, uint32_t *got, uint32_t *total)
{
	uint8_t p[MVL_READ_SIZE];
	struct frame f;
	read_rec(p, name, strlen(name), off, len, (uint16_t)strlen(name));
	if (request(MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), &f))
		return -1;
	if (f.h.lf_flags & MVL_F_ERROR) {
		struct mvl_error e;
		if (mvl_get_error(f.p, f.h.lf_len, &e)) {
			fail("READ %s: an error response without its record", name);
			return -1;
		}
		return (int)e.le_code;
	}
	struct mvl_data d;
	if (mvl_get_data(f.p, f.h.lf_len, &d) || d.ld_offset != off) {
		fail("READ %s at %u: data record for offset %u", name, off, d.ld_offset);
		return -1;
	}
	*got = f.h.lf_len - MVL_DATA_SIZE;
	*total = d.ld_total;
	if (*got > len || f.h.lf_len > payload_max)
		fail("READ %s: %u bytes for %u asked (%u-byte payload, limit %u)", name, *got, len, f.h.lf_len, payload_max);
	if (*got < len && off + *got != d.ld_total)
		fail("READ %s: %u bytes for %u asked before the end (%u of %u)", name, *got, len, off, d.ld_total);
	memcpy(out, f.p + MVL_DATA_SIZE, *got);
	return 0;
}

/* BOARD/APP: the directory of the app the HELLO named, where serve reads
 * the names of READs (mvbuild-link(5)). */
static char appdir[2 * MVL_NAME_MAX];

/* The whole object, read the way the device does, compared with the file. */
static uint8_t *read_all(const char *repo, const char *name, uint32_t *size)
{
	uint8_t *buf = NULL;
	uint32_t total = 0, off = 0;
	uint16_t step = (uint16_t)(payload_max - MVL_DATA_SIZE);
	do {
		uint8_t piece[MVL_PAYLOAD_MAX];
		uint32_t got, t;
		int rc = read_obj(name, off, step, piece, &got, &t);
		if (rc) {
			fail("READ %s at %u: error %d", name, off, rc);
			free(buf);
			return NULL;
		}
		if (!buf) {
			total = t;
			if (total > (64u << 20) || !(buf = malloc(total ? total : 1))) {
				fail("READ %s: total %u", name, total);
				return NULL;
			}
		} else if (t != total) {
			fail("READ %s: total changed from %u to %u", name, total, t);
		}
		if (got == 0 && off < total) {
			fail("READ %s: no bytes at %u of %u", name, off, total);
			free(buf);
			return NULL;
		}
		memcpy(buf + off, piece, got);
		off += got;
	} while (off < total);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s/%s", repo, appdir, name);
	FILE *fp = fopen(path, "rb");
	uint8_t *want = malloc(total + 1u);
	size_t n = fp && want ? fread(want, 1, total + 1u, fp) : 0;
	if (!fp || n != total || memcmp(want, buf, total))
		fail("READ %s: the %u bytes differ from '%s' (%zu bytes)", name, total, path, n);
	else
		note("read %s: %u bytes, same as the file", name, total);
	if (fp)
		fclose(fp);
	free(want);
	*size = total;
	return buf;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t version(const char *s)
{
	unsigned a = 0, b = 0, c = 0;
	if (s && sscanf(s, "%u.%u.%u", &a, &b, &c) != 3) {
		fprintf(stderr, "devsim: bad version '%s'\n", s);
		exit(2);
	}
	return (uint32_t)a << 24 | (uint32_t)b << 16 | c;
}

static int wait_hangup(int send_noise, int send_pings);

/* The HELLO of a device in `state` running `version` (0: none); `wait`
 * 0: sent without waiting for its answer (serve --once may have ended:
 * the device would try again later). */
static void hello_as(uint32_t state, uint32_t version, uint32_t reason, int wait)
{
	uint8_t p[MVL_HELLO_SIZE];
	hello_msg.lh_state = state;
	hello_msg.lh_app_version = version;
	hello_msg.lh_reason = reason;
	memset(hello_msg.lh_image_sha256, version ? (int)(version & 0xff) + 1 : 0, 32);
	if (wait) {
		hello(payload_max);
	} else {
		mvl_put_hello(p, &hello_msg);
		put_frame(MVL_S_CONTROL, MVL_T_HELLO, 0, seq++, p, sizeof(p));
	}
}

/* What a release installed over `from` as `to` does next (--trial). */
static void trial_end(const char *how, uint32_t from, uint32_t to, uint32_t reason)
{
	if (!how)
		return;
	if (!strcmp(how, "none")) {
		hello_as(MVL_DEV_RUNNING, to, 0, 1);
		return;
	}
	hello_as(MVL_DEV_TRIAL, to, 0, 1);
	if (!strcmp(how, "lost"))
		return;
	if (!strcmp(how, "hang")) {
		wait_hangup(0, 0);
		return;
	}
	char text[64];
	int tl = snprintf(text, sizeof(text), "mv: {@29|%u.%u.%u|5000}", (unsigned)(to >> 24), (unsigned)(to >> 16 & 0xff),
			  (unsigned)(to & 0xffff));
	line(10, 0, text, (size_t)tl);
	if (!strcmp(how, "confirm")) {
		hello_as(MVL_DEV_TRIAL, to, 0, 1); /* it crashed once and started again, still on trial */
		report(MVL_R_CONFIRMED, 0, from, to, 0);
		return;
	}
	int ok = !strcmp(how, "revert");
	if (!ok && strcmp(how, "unreverted")) {
		fail("unknown --trial '%s'", how);
		return;
	}
	hello_as(MVL_DEV_INSTALLING, to, 0, 1); /* the session that reverts */
	report(MVL_R_REVERTED, reason, to, ok ? from : 0, 0);
	if (ok)
		hello_as(MVL_DEV_RUNNING, from, 0, 0);
	else
		hello_as(MVL_DEV_SAFE, 0, 0x4203u, 0); /* the image no longer matches its header */
}

/* A device on trial from the start, its release `have` installed over
 * 1.1.0: an update session refused on trial, then the trial's end. */
static void mode_trial(const char *how, uint32_t have, uint32_t reason)
{
	hello_as(MVL_DEV_INSTALLING, have, 0, 1);
	report(MVL_R_REFUSED, 0x4822u, have, have, 0);
	if (!strcmp(how, "lost"))
		return;
	/* trial_end without its first HELLO: the device said it at the start */
	if (!strcmp(how, "confirm")) {
		report(MVL_R_CONFIRMED, 0, 0x01010000u, have, 0);
	} else {
		hello_as(MVL_DEV_INSTALLING, have, 0, 1);
		report(MVL_R_REVERTED, reason, have, 0x01010000u, 0);
		hello_as(MVL_DEV_RUNNING, 0x01010000u, 0, 0);
	}
}

/* Answers STATUS requests until serve hangs up: 0 when it did. */
static int mode_status(uint32_t size, uint32_t ustate, uint32_t rejected, uint32_t reason)
{
	struct mvl_status st;
	uint8_t p[MVL_STATUS_SIZE];
	memset(&st, 0, sizeof(st));
	st.ls_fw_version = 0x00010000u;
	st.ls_abi = size == MVL_STATUS_SIZE ? 0x00010004u : 0x00010003u;
	st.ls_uptime_ms = 12345;
	st.ls_state = ustate == 2u ? MVL_DEV_TRIAL : hello_msg.lh_state;
	st.ls_reason = hello_msg.lh_reason;
	st.ls_app_version = hello_msg.lh_app_version;
	st.ls_app_counter = 2;
	st.ls_counter_floor = 1;
	st.ls_index_version = 3;
	st.ls_starts = 4;
	st.ls_update_state = ustate;
	st.ls_rejected_version = rejected;
	st.ls_rejected_reason = rejected ? reason : 0;
	memcpy(st.ls_image_sha256, hello_msg.lh_image_sha256, 32);
	snprintf(st.ls_serial, sizeof(st.ls_serial), "SN-7");
	memcpy(st.ls_board, hello_msg.lh_board, sizeof(st.ls_board));
	memcpy(st.ls_app, hello_msg.lh_app, sizeof(st.ls_app));
	mvl_put_status(p, &st);
	if (size == 0xc0u) /* ABI 1.3: the trial's four words at 0x40 not there */
		memmove(p + 0x40, p + 0x50, 0x80);
	int answered = 0;
	for (;;) {
		struct frame f;
		if (get_frame(&f, 30000)) {
			if (!answered)
				fail("no STATUS request came");
			return answered ? 0 : -1;
		}
		if (f.h.lf_stream != MVL_S_STATUS || f.h.lf_type != MVL_T_STATUS || (f.h.lf_flags & MVL_F_RESPONSE)) {
			fail("stream %u type %u flags 0x%x while waiting for STATUS", f.h.lf_stream, f.h.lf_type,
			     f.h.lf_flags);
			continue;
		}
		put_frame(MVL_S_STATUS, MVL_T_STATUS, MVL_F_RESPONSE, f.h.lf_seq, p, size);
		answered++;
	}
}

/* The session of an honest device; the bundle it picks is that of a
 * device at `have`: the delta from it to the latest, else the full one. */
static void mode_update(const char *repo, const char *dir, const char *board, const char *app, uint32_t have,
			uint32_t outcome, uint32_t reason, const char *trial)
{
	char name[MVL_OBJECT_MAX + 1];
	uint32_t isize, bsize, total_bytes = 0;
	snprintf(name, sizeof(name), "%s/index", dir);
	uint8_t *idx = read_all(repo, name, &isize);
	if (!idx)
		return;
	total_bytes += isize;
	if (isize < MVB_REPO_HEADER_SIZE) {
		fail("index of %u bytes", isize);
		free(idx);
		return;
	}
	uint16_t nrel = le16(idx + 0x10), ndel = le16(idx + 0x14);
	if (MVB_REPO_HEADER_SIZE + (uint32_t)nrel * 48u + (uint32_t)ndel * 48u > isize || nrel == 0) {
		fail("index counts %u releases, %u deltas in %u bytes", nrel, ndel, isize);
		free(idx);
		return;
	}
	const uint8_t *latest = idx + MVB_REPO_HEADER_SIZE + (nrel - 1u) * 48u, *pick = latest + 0x10;
	uint32_t to = le32(latest);
	for (unsigned i = 0; i < ndel; i++) {
		const uint8_t *d = idx + MVB_REPO_HEADER_SIZE + nrel * 48u + i * 48u;
		if (have && le32(d) == have && le32(d + 4) == to)
			pick = d + 0x10;
	}
	(void)board;
	(void)app;
	int n = snprintf(name, sizeof(name), "objects/");
	for (unsigned i = 0; i < 32; i++)
		n += snprintf(name + n, sizeof(name) - (size_t)n, "%02x", pick[i]);
	snprintf(name + n, sizeof(name) - (size_t)n, ".mvb");
	free(idx);
	uint8_t *b = read_all(repo, name, &bsize);
	if (!b)
		return; /* hangs up: a device that cannot read its bundle tries later */
	free(b);
	total_bytes += bsize;
	char text[80];
	int tl = snprintf(text, sizeof(text), "devsim: read %u bytes", total_bytes);
	line(1, 0, text, (size_t)tl);
	line(2, 0, "devsim: installing", 18);
	ping("after the lines");
	report(outcome, reason, have, outcome == MVL_R_UP_TO_DATE ? have : to, total_bytes);
	if (outcome == MVL_R_INSTALLED)
		trial_end(trial, have, to, reason);
}

static void mode_names(const char *dir, const char *board, const char *app)
{
	static const char *const bad[] = { "../etc/passwd", "/etc/passwd", "mps2-an505/../../etc/passwd", "..",
					   "a/..", "a b", "a\\b", "name\x01", "x%2e%2e/y" };
	uint8_t p[MVL_READ_SIZE];
	char what[160];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		read_rec(p, bad[i], strlen(bad[i]), 0, 16, (uint16_t)strlen(bad[i]));
		snprintf(what, sizeof(what), "READ '%s'", bad[i]);
		expect_error(what, MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	}
	char name[MVL_OBJECT_MAX + 1];
	snprintf(name, sizeof(name), "%s/index", dir);
	read_rec(p, name, strlen(name), 0, 16, 0);
	expect_error("READ with name length 0", MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	read_rec(p, name, strlen(name), 0, 16, 97);
	expect_error("READ with name length 97", MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	read_rec(p, name, strlen(name), 0, 16, (uint16_t)strlen(name));
	p[0x08 + strlen(name) + 1] = 'x'; /* a byte after the name */
	expect_error("READ with bytes after the name", MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	expect_error("READ of 103 bytes", MVL_S_UPDATE, MVL_T_READ, 0, p, MVL_READ_SIZE - 1, MVL_E_BAD_REQUEST);
	read_rec(p, name, strlen(name), 0, 0, (uint16_t)strlen(name));
	expect_error("READ of 0 bytes", MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	/* well-formed, but no object of the layout, or not there */
	char nf[6][MVL_OBJECT_MAX + 1];
	snprintf(nf[0], sizeof(nf[0]), "%s/.lock", dir);
	snprintf(nf[1], sizeof(nf[1]), "objects/%064d.mvb", 0);
	snprintf(nf[2], sizeof(nf[2]), "nochannel/index");
	snprintf(nf[3], sizeof(nf[3]), "objects");
	snprintf(nf[4], sizeof(nf[4]), "objects/");
	snprintf(nf[5], sizeof(nf[5]), "%s/%s/%s/index", board, app, dir); /* a path from the root: no name */
	for (unsigned i = 0; i < 6; i++) {
		read_rec(p, nf[i], strlen(nf[i]), 0, 16, (uint16_t)strlen(nf[i]));
		snprintf(what, sizeof(what), "READ '%s'", nf[i]);
		expect_error(what, MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_NOT_FOUND);
	}
	ping("after the names");
	report(MVL_R_FAILED, 0, 0, 0, 0);
}

static void mode_range(const char *dir)
{
	char name[MVL_OBJECT_MAX + 1];
	uint8_t buf[MVL_PAYLOAD_MAX], p[MVL_READ_SIZE];
	uint32_t got, total;
	snprintf(name, sizeof(name), "%s/index", dir);
	if (read_obj(name, 0, 16, buf, &got, &total) || got != 16) {
		fail("READ of the index's first 16 bytes");
		return;
	}
	int rc = read_obj(name, total, 16, buf, &got, &total);
	if (rc || got != 0)
		fail("READ at the end: error %d, %u bytes; want 0 bytes", rc, got);
	rc = read_obj(name, total - 3, 16, buf, &got, &total);
	if (rc || got != 3)
		fail("READ of the last 3 bytes: error %d, %u bytes", rc, got);
	rc = read_obj(name, total + 1, 16, buf, &got, &total);
	if (rc != MVL_E_RANGE)
		fail("READ past the end: %d, want error 2", rc);
	rc = read_obj(name, 0xffffffffu, 16, buf, &got, &total);
	if (rc != MVL_E_RANGE)
		fail("READ at 0xffffffff: %d, want error 2", rc);
	read_rec(p, name, strlen(name), 0, MVL_PAYLOAD_MAX - MVL_DATA_SIZE + 1, (uint16_t)strlen(name));
	expect_error("READ of 505 bytes", MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	rc = read_obj(name, 0, MVL_PAYLOAD_MAX - MVL_DATA_SIZE, buf, &got, &total);
	if (rc || got != MVL_PAYLOAD_MAX - MVL_DATA_SIZE)
		fail("READ of 504 bytes: error %d, %u bytes", rc, got);
	/* a device that takes 64-byte payloads: 56 bytes of data at most */
	hello(64);
	rc = read_obj(name, 0, 56, buf, &got, &total);
	if (rc || got != 56)
		fail("READ of 56 bytes at a 64-byte limit: error %d, %u bytes", rc, got);
	read_rec(p, name, strlen(name), 0, 57, (uint16_t)strlen(name));
	expect_error("READ of 57 bytes at a 64-byte limit", MVL_S_UPDATE, MVL_T_READ, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	hello(MVL_PAYLOAD_MAX);
	report(MVL_R_UP_TO_DATE, 0, 0x01010000u, 0x01010000u, 0);
}

static void mode_unknown(void)
{
	expect_error("stream 4 type 1", MVL_S_DEBUG, 1, 0, NULL, 0, MVL_E_UNSUPPORTED);
	expect_error("stream 3 type 1", MVL_S_STATUS, 1, 0, "x", 1, MVL_E_UNSUPPORTED);
	expect_error("stream 20 type 7", 20, 7, 0, NULL, 0, MVL_E_UNSUPPORTED);
	expect_error("stream 255 type 255", 255, 255, 0, NULL, 0, MVL_E_UNSUPPORTED);
	expect_error("control type 9", MVL_S_CONTROL, 9, 0, NULL, 0, MVL_E_UNSUPPORTED);
	expect_error("control UPDATE_NOW from the device", MVL_S_CONTROL, MVL_T_UPDATE_NOW, 0, NULL, 0, MVL_E_UNSUPPORTED);
	expect_error("update type 3", MVL_S_UPDATE, 3, 0, NULL, 0, MVL_E_UNSUPPORTED);
	expect_error("log type 2", MVL_S_LOG, 2, 0, NULL, 0, MVL_E_UNSUPPORTED);
	uint8_t p[MVL_HELLO_SIZE + 1];
	memset(p, 0, sizeof(p));
	expect_error("HELLO of 145 bytes", MVL_S_CONTROL, MVL_T_HELLO, 0, p, sizeof(p), MVL_E_BAD_REQUEST);
	expect_error("HELLO of 0 bytes", MVL_S_CONTROL, MVL_T_HELLO, 0, NULL, 0, MVL_E_BAD_REQUEST);
	expect_error("REPORT of 23 bytes", MVL_S_UPDATE, MVL_T_REPORT, 0, p, MVL_REPORT_SIZE - 1, MVL_E_BAD_REQUEST);
	struct mvl_report rp = { 7, 0, 0, 0, 0, 0 };
	mvl_put_report(p, &rp);
	expect_error("REPORT with outcome 7", MVL_S_UPDATE, MVL_T_REPORT, 0, p, MVL_REPORT_SIZE, MVL_E_BAD_REQUEST);
	expect_error("PING with flag 0x02", MVL_S_CONTROL, MVL_T_PING, MVL_F_ERROR, NULL, 0, MVL_E_BAD_REQUEST);
	expect_error("PING with flag 0x80", MVL_S_CONTROL, MVL_T_PING, 0x80, NULL, 0, MVL_E_BAD_REQUEST);
	/* no answer to these: the PING after them must be the next frame */
	put_frame(MVL_S_CONTROL, MVL_T_PING, MVL_F_RESPONSE, 7, NULL, 0);
	put_frame(MVL_S_UPDATE, MVL_T_READ, MVL_F_RESPONSE | MVL_F_ERROR, 8, "12345678", 8);
	put_frame(MVL_S_LOG, MVL_T_LINE, 0, 0, "abc", 3);
	put_frame(MVL_S_LOG, MVL_T_LINE, MVL_F_RESPONSE, 0, "12345678x", 9);
	ping("after frames that get no answer");
	report(MVL_R_REFUSED, 0x4403u, 0x01010000u, 0x01030000u, 0);
}

static void mode_garbage(void)
{
	uint8_t noise[65536];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 16);
	}
	put_bytes(noise, sizeof(noise));
	/* a READ whose CRC is off by one bit */
	uint8_t wire[MVL_WIRE_MAX + 1], p[MVL_READ_SIZE];
	read_rec(p, "a/b/c/index", 11, 0, 16, 11);
	size_t n = mvl_encode(MVL_S_UPDATE, MVL_T_READ, 0, 9999, p, sizeof(p), wire, sizeof(wire));
	wire[n - 3] ^= wire[n - 3] == 1 ? 2 : 1; /* stays nonzero: still one frame */
	put_bytes(wire, n);
	/* an oversize run, then a frame glued to its end */
	memset(noise, 0x55, 20000);
	put_bytes(noise, 20000);
	ping("after noise, a bad CRC and an oversize run");
	report(MVL_R_UP_TO_DATE, 0, 0x01010000u, 0x01010000u, 0);
}

/* Lines 0-19 kept before serve came (20 bytes each: the ring holds the
 * last 12, 8-19), then HELLO (serve's LOG_READ answered meanwhile), line
 * 19 again (shown already: serve must drop it) and live lines 20-21.
 * With --log-read ignore, first 4.5 s for serve's three LOG_READs. */
static void mode_kept(void)
{
	char t[32];
	kept_start = 0;
	for (uint32_t i = 0; i < 20; i++) {
		snprintf(t, sizeof(t), "kept line %02u ......", (unsigned)i);
		keep(i, t, strlen(t));
	}
	if (kept_first != 8 || kept_count != 12)
		fail("the ring keeps lines %u.. (%u of them), want 8.. (12)", kept_first, kept_count);
	hello(MVL_PAYLOAD_MAX);
	if (!strcmp(opt_log_read, "ignore")) {
		/* unanswered: serve tries three times, a second apart, then
		 * shows live lines only */
		struct frame f;
		if (get_frame(&f, 4500) == 0)
			fail("an unexpected frame (stream %u type %u) while LOG_READ went unanswered", f.h.lf_stream,
			     f.h.lf_type);
		if (log_read_seen != 3)
			fail("LOG_READ came %d times unanswered, want 3", log_read_seen);
	}
	ping("before the live lines");
	line(19, 0, "kept line 19 again", 18);
	line(20, 0, "live line 20", 12);
	line(21, 0, "live line 21", 12);
	ping("after the lines");
	if (!log_read_seen)
		fail("no LOG_READ came");
	report(MVL_R_UP_TO_DATE, 0, 0x01010000u, 0x01010000u, 0);
}

static void mode_lines(void)
{
	line(1, 0, "plain line", 10);
	line(2, 3, "after three lost", 16);
	line(3, 0, "bell\a escape\033[31m red", 21);
	char big[MVL_PAYLOAD_MAX - MVL_LINE_SIZE];
	memset(big, 'L', sizeof(big));
	line(4, 0, big, sizeof(big));
	line(5, 0, "", 0);
	static const char tok[] = "mv: safe mode: {#4103} (reason {#ffff} {#04103} {#4001}{#0})";
	line(6, 0, tok, sizeof(tok) - 1);
	ping("after the lines");
	report(MVL_R_UP_TO_DATE, 0, 0x01010000u, 0x01010000u, 0);
}

/* Stays until serve hangs up (or 120 s pass): 0 when it did. */
static int wait_hangup(int send_noise, int send_pings)
{
	long end = now_ms() + 120000;
	uint8_t noise[4096];
	uint32_t x = 777;
	while (now_ms() < end) {
		if (send_noise) {
			for (size_t i = 0; i < sizeof(noise); i++) {
				x = x * 1103515245u + 12345u;
				noise[i] = (uint8_t)(x >> 16);
			}
			if (put_bytes(noise, sizeof(noise)))
				return 0;
		}
		if (send_pings) {
			uint8_t wire[MVL_WIRE_MAX + 1];
			size_t n = mvl_encode(MVL_S_CONTROL, MVL_T_PING, 0, seq++, NULL, 0, wire, sizeof(wire));
			struct pollfd q = { fd, POLLOUT, 0 };
			if (poll(&q, 1, 100) == 1 && (q.revents & (POLLERR | POLLHUP)))
				return 0;
			if (q.revents & POLLOUT) {
				ssize_t k = send(fd, wire, n, MSG_NOSIGNAL | MSG_DONTWAIT);
				if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
					return 0;
			}
			/* closed by serve: a read says so (the answers are never read) */
			int pending = 0;
			(void)pending;
			uint8_t b;
			ssize_t k = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
			if (k == 0)
				return 0;
			continue;
		}
		if (!send_noise) {
			struct pollfd q = { fd, POLLIN, 0 };
			if (poll(&q, 1, 200) == 1) {
				uint8_t b[256];
				ssize_t k = read(fd, b, sizeof(b));
				if (k <= 0)
					return 0;
			}
		}
	}
	fail("serve did not hang up within 120 s");
	return -1;
}

static int listen_port(const char *port_file)
{
	return listen1("devsim", port_file);
}

/* A pseudo-terminal: this end is the device, the other end (its path in
 * pty_file) the serial port serve opens.  The serial end is set raw and
 * kept open here, so bytes sent before serve opens it wait unchanged. */
static int open_pty(const char *pty_file)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m)) {
		perror("devsim: posix_openpt");
		exit(2);
	}
	const char *name = ptsname(m);
	int s = name ? open(name, O_RDWR | O_NOCTTY) : -1;
	struct termios t;
	if (s < 0 || tcgetattr(s, &t)) {
		perror("devsim: pty");
		exit(2);
	}
	cfmakeraw(&t);
	tcsetattr(s, TCSANOW, &t);
	if (tcgetattr(m, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(m, TCSANOW, &t);
	}
	FILE *f = fopen(pty_file, "w");
	if (!f || fprintf(f, "%s\n", name) < 0 || fclose(f)) {
		perror(pty_file);
		exit(2);
	}
	return m; /* s stays open until exit */
}

int main(int argc, char **argv)
{
	const char *port_file = NULL, *pty_file = NULL, *mode = "update", *repo = ".", *board = "mps2-an505",
		   *app = "fixture", *channel = "stable", *have = NULL, *log_file = NULL, *trial = NULL,
		   *rejected = NULL;
	unsigned long outcome = 0, reason = 0, pmax = MVL_PAYLOAD_MAX, ustate = 0, status_size = MVL_STATUS_SIZE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "devsim: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--pty-file"))
			pty_file = v;
		else if (!strcmp(a, "--mode"))
			mode = v;
		else if (!strcmp(a, "--repo"))
			repo = v;
		else if (!strcmp(a, "--board"))
			board = v;
		else if (!strcmp(a, "--app"))
			app = v;
		else if (!strcmp(a, "--channel"))
			channel = v;
		else if (!strcmp(a, "--have"))
			have = v;
		else if (!strcmp(a, "--outcome"))
			outcome = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--reason"))
			reason = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--payload-max"))
			pmax = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--update-now"))
			opt_update_now = v;
		else if (!strcmp(a, "--log"))
			log_file = v;
		else if (!strcmp(a, "--trial"))
			trial = v;
		else if (!strcmp(a, "--update-state"))
			ustate = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--rejected"))
			rejected = v;
		else if (!strcmp(a, "--status-size"))
			status_size = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--log-read"))
			opt_log_read = v;
		else {
			fprintf(stderr, "devsim: unknown option %s\n", a);
			return 2;
		}
	}
	if (!port_file == !pty_file || pmax < 9 || pmax > MVL_PAYLOAD_MAX ||
	    (status_size != MVL_STATUS_SIZE && status_size != 0xc0u)) {
		fprintf(stderr, "devsim: one of --port-file and --pty-file; --payload-max 9..512; --status-size 208 or 192\n");
		return 2;
	}
	if (log_file)
		logf = fopen(log_file, "w");
	signal(SIGPIPE, SIG_IGN); /* a hang-up is seen as a failed write */
	mvl_rx_init(&rx);
	fd = port_file ? listen_port(port_file) : open_pty(pty_file);

	uint32_t have_v = have ? version(have) : 0;
	hello_msg.lh_fw_version = 0x00010000u;
	hello_msg.lh_abi = 0x00010001u;
	hello_msg.lh_app_version = have_v;
	hello_msg.lh_counter_floor = 1;
	hello_msg.lh_index_version = 0;
	hello_msg.lh_state = have_v ? MVL_DEV_RUNNING : MVL_DEV_SAFE;
	if (!strcmp(mode, "trial"))
		hello_msg.lh_state = MVL_DEV_TRIAL;
	hello_msg.lh_reason = have_v ? 0 : 0x4001u;
	memset(hello_msg.lh_image_sha256, have_v ? 0xab : 0, 32);
	snprintf(hello_msg.lh_board, sizeof(hello_msg.lh_board), "%s", board);
	snprintf(hello_msg.lh_app, sizeof(hello_msg.lh_app), "%s", app);
	snprintf(hello_msg.lh_channel, sizeof(hello_msg.lh_channel), "%s", channel);
	char dir[MVL_OBJECT_MAX + 1];
	snprintf(dir, sizeof(dir), "%s", channel);
	snprintf(appdir, sizeof(appdir), "%s/%s", board, app);

	if (strcmp(mode, "mute") && strcmp(mode, "status") && strcmp(mode, "kept"))
		hello((uint16_t)pmax);
	if (!strcmp(mode, "update"))
		mode_update(repo, dir, board, app, have_v, (uint32_t)outcome, (uint32_t)reason, trial);
	else if (!strcmp(mode, "trial"))
		mode_trial(trial ? trial : "confirm", have_v, (uint32_t)reason);
	else if (!strcmp(mode, "status"))
		mode_status((uint32_t)status_size, (uint32_t)ustate, rejected ? version(rejected) : 0, (uint32_t)reason);
	else if (!strcmp(mode, "names"))
		mode_names(dir, board, app);
	else if (!strcmp(mode, "range"))
		mode_range(dir);
	else if (!strcmp(mode, "unknown"))
		mode_unknown();
	else if (!strcmp(mode, "garbage"))
		mode_garbage();
	else if (!strcmp(mode, "lines"))
		mode_lines();
	else if (!strcmp(mode, "kept"))
		mode_kept();
	else if (!strcmp(mode, "silence") || !strcmp(mode, "mute"))
		wait_hangup(0, 0);
	else if (!strcmp(mode, "flood"))
		wait_hangup(1, 0);
	else if (!strcmp(mode, "noread"))
		wait_hangup(0, 1);
	else if (!strcmp(mode, "close")) {
		uint8_t b[MVL_PAYLOAD_MAX];
		uint32_t got, total;
		char name[MVL_OBJECT_MAX + 1];
		snprintf(name, sizeof(name), "%s/index", dir);
		if (read_obj(name, 0, 100, b, &got, &total))
			fail("READ of the index");
	} else {
		fprintf(stderr, "devsim: unknown mode '%s'\n", mode);
		return 2;
	}
	if (opt_update_now && !update_now_seen)
		fail("no UPDATE_NOW came (--update-now %s)", opt_update_now);
	if (update_now_seen > 1 && opt_update_now)
		fail("UPDATE_NOW came %d times, though answered", update_now_seen);
	close(fd);
	if (logf)
		fclose(logf);
	return failures ? 1 : 0;
}
