/* cmd_debug.c - `mvbuild debug`: gdb-multiarch at a device's app over its
 * link.  It opens the link (link_dev.c), opens an authorized session
 * (CHALLENGE, AUTH signed with the debug key), listens for one gdb
 * connection and serves it with the core's GDB server (src/core/
 * gdbserve.c), whose every operation is a request to the device's debug
 * agent (mvbuild-link(5), DEBUGGING) made here, one at a time, each with
 * a deadline.  While the app runs it asks STATE every 50 ms. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/link_dev.h"
#include "cli/progress.h"
#include "link/mvl.h"
#include "mvb/auth.h"
#include "mvb/gdbserve.h"
#include "mvb/hash.h"
#include "mvb/le.h"
#include "mvb/serve.h"
#include "sys/serial.h"
#include "sys/sys.h"

#define RETRY_S 1.0       /* a request unanswered this long is sent again (same lf_seq) */
#define POLL_MS 50        /* STATE while the app runs */
#define KEEPALIVE_S 10.0  /* STATE while nothing else is asked: the device ends a quiet session */
#define DSTATE_SIZE 0x54u /* struct mvl_dstate on the wire */
#define REGS_SIZE 0x44u   /* struct mvl_regs */
#define LINE_SHOWN 512    /* bytes of a log line shown */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct dbg {
	struct link_dev ld;
	struct mvl_rx rx;
	struct mvb_serve core;
	struct mvb_serve_out out; /* what the last frame was (1.3 KiB: off the stack) */
	unsigned long timeout;    /* s: a request's deadline */
	uint16_t seq;
	int dead; /* the link failed or closed: every request fails */
	/* the request in flight and its answer */
	int waiting, answered;
	uint8_t w_stream, w_type;
	uint16_t w_seq;
	uint32_t r_error, r_detail;
	uint8_t r_payload[MVL_PAYLOAD_MAX];
	size_t r_len;
	double last_sent;
	/* gdb */
	struct mvb_gdbs g;
	int gdb_fd;
	unsigned lines, stops;
	uint32_t skipped0;
};

/* The device's update reads are not this command's business. */
static int no_repo(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail)
{
	(void)ctx;
	(void)name;
	(void)data;
	(void)len;
	(void)detail;
	return MVL_E_NOT_FOUND;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char msg[1024], clean[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_sanitize(msg, clean, sizeof(clean));
	fprintf(stderr, "mvbuild: debug: %s\n", clean);
}

/* The device's own text, on stderr (and to gdb while the app runs). */
static void show_line(struct dbg *d, const char *prefix, const char *text, size_t len)
{
	char raw[LINE_SHOWN + 1], clean[LINE_SHOWN + 1];
	if (len > LINE_SHOWN)
		len = LINE_SHOWN;
	memcpy(raw, text, len);
	raw[len] = 0;
	for (size_t i = 0; i < len; i++)
		if (!raw[i])
			raw[i] = '?';
	while (len && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		raw[--len] = 0;
	cli_sanitize(raw, clean, sizeof(clean));
	fprintf(stderr, "%s%s\n", prefix, clean);
	fflush(stderr);
	if (d->gdb_fd >= 0)
		mvb_gdbs_console(&d->g, clean, strlen(clean));
}

static void console_line(void *ctx, const char *text, size_t len)
{
	show_line(ctx, "console| ", text, len);
}

static int send_frame(struct dbg *d, uint8_t stream, uint8_t type, uint16_t seq, const void *p, size_t n)
{
	uint8_t wire[MVL_WIRE_MAX];
	size_t k = mvl_encode(stream, type, 0, seq, p, n, wire, sizeof(wire));
	if (!k || sys_write_deadline(d->ld.fd, wire, k, (int)d->timeout * 1000)) {
		if (!d->dead)
			say("cannot write to the link: %s", k ? strerror(errno) : "frame too large");
		d->dead = 1;
		return -1;
	}
	return 0;
}

static void on_frame(struct dbg *d, const struct mvl_header *h, const uint8_t *payload)
{
	struct mvb_serve_out *o = &d->out;
	mvb_serve_handle(&d->core, h, payload, o);
	/* the device's own requests (HELLO, a READ in safe mode) get the
	 * answers serve gives them without a repository */
	if (o->wire_len && sys_write_deadline(d->ld.fd, o->wire, o->wire_len, (int)d->timeout * 1000)) {
		d->dead = 1;
		return;
	}
	if (o->what == MVB_SERVE_LINE) {
		d->lines++;
		show_line(d, "log| ", (const char *)o->text, o->text_len);
	} else if (o->what == MVB_SERVE_HELLO) {
		say("the device said HELLO (it started again)");
	} else if (o->what == MVB_SERVE_RESPONSE && d->waiting && h->lf_seq == d->w_seq &&
	           h->lf_stream == d->w_stream && h->lf_type == d->w_type) {
		d->answered = 1;
		d->waiting = 0;
		d->r_error = o->error;
		d->r_detail = o->detail;
		d->r_len = o->error ? 0 : h->lf_len;
		if (d->r_len)
			memcpy(d->r_payload, payload, d->r_len);
	}
}

/* Reads what the link and QEMU's console have, waiting up to ms. */
static void pump(struct dbg *d, int ms, int with_gdb, int *gdb_ready)
{
	struct pollfd p[3] = {{d->ld.fd, POLLIN, 0}, {d->ld.console_fd, POLLIN, 0}, {d->gdb_fd, POLLIN, 0}};
	nfds_t np = with_gdb && d->gdb_fd >= 0 ? 3 : 2;
	if (gdb_ready)
		*gdb_ready = 0;
	if (d->dead)
		p[0].fd = -1;
	int pr = poll(p, np, ms);
	if (pr <= 0)
		return;
	if (p[1].revents & (POLLIN | POLLHUP))
		link_dev_console_drain(&d->ld, 0);
	if (np == 3 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)) && gdb_ready)
		*gdb_ready = 1;
	if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
		uint8_t buf[4096];
		ssize_t k = read(d->ld.fd, buf, sizeof(buf));
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
			say(k == 0 ? "the link closed" : "cannot read the link: %s", strerror(errno));
			d->dead = 1;
			return;
		}
		for (ssize_t i = 0; i < k && !d->dead; i++) {
			struct mvl_header h;
			const uint8_t *payload;
			if (mvl_rx_byte(&d->rx, buf[i], &h, &payload))
				on_frame(d, &h, payload);
		}
	}
}

/* One request and its answer: 0 (the payload in d->r_payload), the
 * device's MVL_E_* code, or -1 (no answer within the deadline, the link
 * failed, or the authorized session is gone).  Sent again each RETRY_S
 * with the same lf_seq unless once is set (AUTH, RESTART: not twice). */
static int request(struct dbg *d, uint8_t stream, uint8_t type, const void *p, size_t n, double limit_s, int once)
{
	if (d->dead || interrupted)
		return -1;
	d->seq++;
	d->w_stream = stream;
	d->w_type = type;
	d->w_seq = d->seq;
	d->waiting = 1;
	d->answered = 0;
	double t0 = progress_now(), end = t0 + limit_s;
	if (send_frame(d, stream, type, d->seq, p, n))
		return -1;
	d->last_sent = t0;
	double sent = t0;
	while (!d->answered) {
		double t = progress_now();
		if (d->dead || interrupted || t >= end) {
			d->waiting = 0;
			return -1;
		}
		if (!once && t - sent >= RETRY_S) {
			if (send_frame(d, stream, type, d->seq, p, n))
				return -1;
			sent = t;
		}
		int ms = (int)((end - t) * 1000) + 1;
		pump(d, ms < 100 ? ms : 100, 0, NULL);
	}
	d->last_sent = progress_now();
	if (d->r_error == MVL_E_AUTH && !(stream == MVL_S_DEBUG && (type == MVL_T_AUTH || type == MVL_T_CHALLENGE))) {
		say("the device ended the authorized session (its --seconds passed, or it restarted)");
		d->dead = 1;
		return -1;
	}
	return (int)d->r_error;
}

static int dreq(struct dbg *d, uint8_t type, const void *p, size_t n)
{
	return request(d, MVL_S_DEBUG, type, p, n, (double)d->timeout, 0);
}

/* ---- the debug agent, as the GDB server's callbacks */

static int op_halt(void *ctx)
{
	return dreq(ctx, MVL_T_HALT, NULL, 0);
}

static int op_state(void *ctx, struct mvl_dstate *st)
{
	struct dbg *d = ctx;
	int rc = dreq(d, MVL_T_STATE, NULL, 0);
	if (rc)
		return rc;
	if (d->r_len != DSTATE_SIZE) {
		say("the device's STATE is malformed (%zu bytes, not %u)", d->r_len, DSTATE_SIZE);
		return MVL_E_BAD_REQUEST;
	}
	const uint8_t *p = d->r_payload;
	st->ld_state = mvb_get_le32(p);
	st->ld_why = mvb_get_le32(p + 4);
	st->ld_starts = mvb_get_le32(p + 8);
	st->ld_skipped = mvb_get_le32(p + 12);
	for (unsigned i = 0; i < 13; i++)
		st->ld_regs.lg_r[i] = mvb_get_le32(p + 16 + 4 * i);
	st->ld_regs.lg_sp = mvb_get_le32(p + 0x44);
	st->ld_regs.lg_lr = mvb_get_le32(p + 0x48);
	st->ld_regs.lg_pc = mvb_get_le32(p + 0x4c);
	st->ld_regs.lg_xpsr = mvb_get_le32(p + 0x50);
	return 0;
}

static int op_regs(void *ctx, const struct mvl_regs *r)
{
	uint8_t p[REGS_SIZE];
	for (unsigned i = 0; i < 13; i++)
		mvb_set_le32(p + 4 * i, r->lg_r[i]);
	mvb_set_le32(p + 0x34, r->lg_sp);
	mvb_set_le32(p + 0x38, r->lg_lr);
	mvb_set_le32(p + 0x3c, r->lg_pc);
	mvb_set_le32(p + 0x40, r->lg_xpsr);
	return dreq(ctx, MVL_T_REGS, p, sizeof(p));
}

static int op_cont(void *ctx)
{
	struct dbg *d = ctx;
	int rc = dreq(d, MVL_T_CONTINUE, NULL, 0);
	return rc;
}

static void put_mem(uint8_t p[8], uint32_t addr, uint32_t len)
{
	mvb_set_le32(p, addr);
	mvb_set_le16(p + 4, (uint16_t)len);
	mvb_set_le16(p + 6, 0);
}

static int op_read(void *ctx, uint32_t addr, uint8_t *out, uint32_t len)
{
	struct dbg *d = ctx;
	uint8_t p[8];
	put_mem(p, addr, len);
	int rc = dreq(d, MVL_T_MEM_READ, p, sizeof(p));
	if (rc)
		return rc;
	if (d->r_len != len) {
		say("the device answered MEM_READ of %u bytes with %zu", (unsigned)len, d->r_len);
		return MVL_E_BAD_REQUEST;
	}
	memcpy(out, d->r_payload, len);
	return 0;
}

static int op_write(void *ctx, uint32_t addr, const uint8_t *data, uint32_t len)
{
	uint8_t p[8 + MVL_MEM_MAX];
	if (len > MVL_MEM_MAX)
		return MVL_E_BAD_REQUEST;
	put_mem(p, addr, len);
	memcpy(p + 8, data, len);
	return dreq(ctx, MVL_T_MEM_WRITE, p, 8 + len);
}

static int op_brk(void *ctx, uint32_t addr, int insert)
{
	uint8_t p[8];
	mvb_set_le32(p, addr);
	mvb_set_le32(p + 4, insert ? 1 : 0);
	return dreq(ctx, MVL_T_BREAK, p, sizeof(p));
}

/* RESTART, then the new app halted at its start (gdb still sees a
 * stopped target after 'monitor reset'). */
static int op_restart(void *ctx)
{
	struct dbg *d = ctx;
	int rc = request(d, MVL_S_DEBUG, MVL_T_RESTART, NULL, 0, (double)d->timeout, 1);
	if (rc)
		return rc;
	double end = progress_now() + (double)d->timeout;
	int asked = 0;
	while (progress_now() < end) {
		struct mvl_dstate st;
		if (!asked && (rc = op_halt(d)) && rc != MVL_E_RUNNING)
			return rc; /* no app yet: asked again */
		asked = !rc;
		if ((rc = op_state(d, &st)))
			return rc;
		if (st.ld_state == MVL_DS_HALTED)
			return 0;
		pump(d, POLL_MS, 0, NULL);
	}
	return MVL_E_RUNNING;
}

static const struct mvb_gdbs_ops ops = {op_halt, op_state, op_regs, op_cont, op_read, op_write, op_brk, op_restart};

/* ---- the authorized session */

/* CHALLENGE, then AUTH (signed here, or a saved one).  0, or the exit
 * status after saying why. */
static int authorize(struct dbg *d, const struct mvb_key *key, const char *key_path, const uint8_t *saved,
                     uint32_t seconds, int seconds_given, const char *save_auth, struct mvl_challenge *ch,
                     uint8_t auth[MVB_AUTH_SIZE])
{
	double end = progress_now() + (double)d->timeout;
	char es[200], why[300];
	for (;;) {
		double left = end - progress_now();
		if (left <= 0 || interrupted) {
			cli_error("debug: %s before the device accepted an authorization",
			          interrupted ? "interrupted"
			          : d->dead   ? "the link failed"
			                      : "the time was up (--timeout)");
			return MVB_EXIT_IO;
		}
		int rc = request(d, MVL_S_DEBUG, MVL_T_CHALLENGE, NULL, 0, left, 0);
		if (rc < 0)
			continue;
		if (rc == MVL_E_AUTH && d->r_detail == MVL_A_NO_KEY) {
			cli_error("debug: the device trusts no debug key: provision one with --trust-debug");
			return MVB_EXIT_IO;
		}
		if (rc) {
			link_dev_error_str((uint32_t)rc, d->r_detail, es, sizeof(es));
			cli_error("debug: the device answered CHALLENGE with %s", es);
			return MVB_EXIT_IO;
		}
		if (mvb_auth_challenge_get(d->r_payload, d->r_len, ch)) {
			cli_error("debug: the device's CHALLENGE is malformed (%zu bytes, not %u)", d->r_len,
			          MVB_AUTH_CHALLENGE_SIZE);
			return MVB_EXIT_IO;
		}
		if (!key) {
			memcpy(auth, saved, MVB_AUTH_SIZE);
		} else if ((rc = link_dev_auth_sign(ch, key, key_path, seconds, seconds_given, auth, why,
		                                    sizeof(why)))) {
			if (why[0])
				cli_error("debug: %s", why);
			return rc;
		}
		if (save_auth && (rc = cli_write(save_auth, auth, MVB_AUTH_SIZE, 0600)))
			return rc;
		/* the device checks a signature first: more time, and not twice */
		left = end - progress_now();
		rc = request(d, MVL_S_DEBUG, MVL_T_AUTH, auth, MVB_AUTH_SIZE, left > 5 ? left : 5, 1);
		if (rc == 0)
			return 0;
		if (rc == MVL_E_TOO_SOON) {
			pump(d, 1000, 0, NULL); /* no app runs yet: ask again */
			continue;
		}
		if (rc == MVL_E_AUTH) {
			const char *t = mvb_auth_detail_text(d->r_detail);
			if (d->r_detail == MVL_A_NONE || !t)
				cli_error("debug: the device refused the authorization (error 8, detail %u)",
				          (unsigned)d->r_detail);
			else
				cli_error("debug: the device refused the authorization: %s", t);
			return MVB_EXIT_IO;
		}
		if (rc > 0) {
			link_dev_error_str((uint32_t)rc, d->r_detail, es, sizeof(es));
			cli_error("debug: the device answered AUTH with %s", es);
			return MVB_EXIT_IO;
		}
		/* no answer: the handshake starts over */
	}
}

/* ---- gdb's end */

/* --listen ADDR:PORT: a loopback address only (gdb's port has no
 * authentication of its own: whoever reaches it debugs the device). */
static int parse_listen(const char *s, struct sockaddr_in *a)
{
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 0 || port > 65535)
		return -1;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	return (ntohl(a->sin_addr.s_addr) >> 24) == 127 ? 0 : -2;
}

static int open_listener(struct sockaddr_in *a, int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	socklen_t al = sizeof(*a);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)a, sizeof(*a)) || listen(fd, 1) || getsockname(fd, (struct sockaddr *)a, &al)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*port = ntohs(a->sin_port);
	return fd;
}

static int gdb_send(struct dbg *d)
{
	if (!d->g.out_len)
		return 0;
	int rc = sys_write_deadline(d->gdb_fd, d->g.out, d->g.out_len, 10000);
	d->g.out_len = 0;
	if (rc) {
		say("gdb does not take what it is sent; closing its connection");
		return -1;
	}
	return 0;
}

enum gdb_end { GE_DETACHED, GE_KILLED, GE_CLOSED, GE_LINK, GE_INTERRUPTED, GE_SESSION };
static const char *const gdb_end_name[] = {"detached", "killed", "closed", "link", "interrupted", "session"};

/* Serves the connected gdb until it detaches, kills, goes away, or the
 * link or the session ends. */
static enum gdb_end serve_gdb(struct dbg *d, double session_end)
{
	uint8_t buf[4096];
	double last_poll = 0;
	for (;;) {
		if (interrupted)
			return GE_INTERRUPTED;
		if (d->dead)
			return GE_LINK;
		double t = progress_now();
		if (t >= session_end)
			return GE_SESSION;
		if (d->g.running && t - last_poll >= POLL_MS / 1000.0) {
			last_poll = t;
			enum mvb_gdbs_event ev = mvb_gdbs_poll(&d->g);
			if (ev == MVB_GDBS_EV_STOPPED) {
				d->stops++;
				if (d->g.skipped != d->skipped0) {
					say("the device skipped %u breakpoint%s reached in a handler or with "
					    "interrupts masked "
					    "(removed)",
					    (unsigned)(d->g.skipped - d->skipped0),
					    d->g.skipped - d->skipped0 == 1 ? "" : "s");
					d->skipped0 = d->g.skipped;
				}
			}
			if (gdb_send(d))
				return GE_CLOSED;
			if (ev == MVB_GDBS_EV_LINK)
				return GE_LINK;
		} else if (!d->g.running && t - d->last_sent >= KEEPALIVE_S) {
			struct mvl_dstate st;
			if (op_state(d, &st) < 0)
				return GE_LINK;
		}
		int gdb_ready;
		pump(d, d->g.running ? POLL_MS : 1000, 1, &gdb_ready);
		if (gdb_send(d))
			return GE_CLOSED;
		if (!gdb_ready)
			continue;
		ssize_t k = read(d->gdb_fd, buf, sizeof(buf));
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			return GE_CLOSED;
		for (size_t off = 0; k > 0 && off < (size_t)k;) {
			size_t used = 0;
			enum mvb_gdbs_event ev = mvb_gdbs_feed(&d->g, buf + off, (size_t)k - off, &used);
			off += used;
			if (gdb_send(d))
				return GE_CLOSED;
			if (ev == MVB_GDBS_EV_DETACHED)
				return GE_DETACHED;
			if (ev == MVB_GDBS_EV_KILLED)
				return GE_KILLED;
			if (ev == MVB_GDBS_EV_LINK)
				return GE_LINK;
		}
	}
}

int cmd_debug(struct cli_run *cr, int argc, char **argv)
{
	const char *device = NULL, *qemu = NULL, *format = "text", *key = NULL, *listen_arg = NULL, *save_auth = NULL,
	           *auth_file = NULL;
	unsigned long baud = 115200, timeout = 10, seconds = MVB_AUTH_SECONDS_DEFAULT, pass_fd = (unsigned long)-1;
	const struct opt opts[] = {
	    LINK_DEV_OPTS(&device, &baud, &qemu, "IMAGE.elf",
		              "start QEMU mps2-an505 with this image and debug it (its console on stderr)"),
	    {0, "key", OPT_STRING, &key, "DEBUG.pem",
	     "the debug key the device trusts (its private key, as mvbuild-bundle(1) provisioned it)"},
	    {0, "passphrase-fd", OPT_UINT, &pass_fd, "N", "read the key's passphrase from file descriptor N"},
	    {'l', "listen", OPT_STRING, &listen_arg, "127.0.0.1:PORT",
	     "where gdb connects (a loopback address; port 0: any free one, printed)"},
	    {0, "seconds", OPT_UINT, &seconds, "N",
	     "how long the authorized session may last, 1 to 3600 (default 600; at most what the device allows)"},
	    {'t', "timeout", OPT_UINT, &timeout, "SECONDS",
	     "give up on an unanswered request, and on the authorization, after this long (default 10)"},
	    {0, "save-auth", OPT_STRING, &save_auth, "FILE", "test: also write the AUTH sent to FILE"},
	    {0, "auth-file", OPT_STRING, &auth_file, "FILE",
	     "test: send this saved AUTH (--save-auth) instead of signing one; a device refuses a replay"},
	    {0, "format", OPT_STRING, &format, "text|json", "json: how the session went, as a document on stdout"},
	    {0, NULL, OPT_FLAG, NULL, NULL, NULL},
	};
	const struct cmd_spec spec = {"debug",
	                              "debug (--device tcp:HOST:PORT|/dev/ttyX [--baud N] | --qemu IMAGE.elf) (--key "
	                              "DEBUG.pem | --auth-file FILE) --listen 127.0.0.1:PORT [--seconds N] "
	                              "[--passphrase-fd N] [--timeout SECONDS] [--save-auth FILE] [--format text|json]",
	                              "Debug the app of a device over its link (mvbuild-link(5)) with gdb-multiarch:\n"
	                              "open a session authorized by the debug key the device trusts, listen for one\n"
	                              "gdb connection and serve it (registers, memory, breakpoints, continue, ^C),\n"
	                              "then remove the breakpoints, let the app run on and END the session.",
	                              opts,
	                              0,
	                              0};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int baud_set = cli_has_option(argc, argv, "--baud");
	if ((rc = link_dev_args(cr, "debug", device, qemu, baud_set, format)))
		return rc;
	if (!key == !auth_file) {
		cli_error("debug: one of --key DEBUG.pem or --auth-file FILE is required");
		return MVB_EXIT_USAGE;
	}
	if (!listen_arg) {
		cli_error("debug: --listen 127.0.0.1:PORT is required");
		return MVB_EXIT_USAGE;
	}
	struct sockaddr_in la;
	int lrc = parse_listen(listen_arg, &la);
	if (lrc == -2) {
		cli_error("debug: --listen '%s' is not a loopback address: gdb's port has no authentication of its "
		          "own (forward it with ssh -L instead)",
		          listen_arg);
		return MVB_EXIT_USAGE;
	}
	if (lrc) {
		cli_error("debug: bad --listen '%s' (expected 127.0.0.1:PORT)", listen_arg);
		return MVB_EXIT_USAGE;
	}
	if (timeout == 0 || timeout > 86400) {
		cli_error("debug: --timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	if (seconds == 0 || seconds > MVL_AUTH_MAX_S) {
		cli_error("debug: --seconds must be 1..%u", MVL_AUTH_MAX_S);
		return MVB_EXIT_USAGE;
	}
	if (auth_file && (pass_fd != (unsigned long)-1 || cli_has_option(argc, argv, "--seconds"))) {
		cli_error(
		    "debug: --auth-file sends a saved AUTH as it is: --seconds and --passphrase-fd go with --key");
		return MVB_EXIT_USAGE;
	}
	if (save_auth &&
	    (!strcmp(save_auth, "-") || (key && sys_same_file(save_auth, key)) ||
	     (auth_file && sys_same_file(save_auth, auth_file)) || (qemu && sys_same_file(save_auth, qemu)))) {
		cli_error("debug: --save-auth '%s' is standard output or an input", save_auth);
		return MVB_EXIT_USAGE;
	}
	struct mvb_key *k = NULL;
	uint8_t saved[MVB_AUTH_SIZE], auth[MVB_AUTH_SIZE];
	if (key)
		rc = cli_load_signing_key(cr, key, pass_fd == (unsigned long)-1 ? -1 : (int)pass_fd, &k);
	else
		rc = link_dev_read_auth("debug", auth_file, saved);
	if (rc)
		return rc;
	struct dbg *d = calloc(1, sizeof(*d));
	if (!d) {
		mvb_key_free(k);
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	d->timeout = timeout;
	d->gdb_fd = -1;
	mvl_rx_init(&d->rx);
	mvb_serve_init(&d->core, no_repo, NULL);
	link_dev_init(&d->ld, "debug", device, qemu);
	d->ld.line = console_line;
	d->ld.line_ctx = d;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	int lfd = -1, port = 0, authorized = 0, ended = 0;
	enum gdb_end how = GE_CLOSED;
	struct mvl_challenge ch;
	double t_auth = 0;
	if ((rc = link_dev_open(&d->ld, baud, baud_set, progress_now() + (double)timeout, &interrupted)))
		goto out;
	rc = authorize(d, k, key, saved, (uint32_t)seconds, cli_has_option(argc, argv, "--seconds"), save_auth, &ch, auth);
	mvb_key_free(k);
	k = NULL;
	if (rc)
		goto out;
	authorized = 1;
	t_auth = progress_now();
	double session_end = t_auth + (double)mvb_get_le32(auth + 4) - 1.0;
	char id[17], raw[sizeof(ch.lc_serial) + 1], serial[sizeof(raw)];
	mvb_hex(auth + 0x38, 8, id);
	memcpy(raw, ch.lc_serial, sizeof(ch.lc_serial));
	raw[sizeof(ch.lc_serial)] = 0;
	cli_sanitize(raw, serial, sizeof(serial));
	say("authorized for %u s as debug key %s on device '%s'", (unsigned)mvb_get_le32(auth + 4), id, serial);
	if ((lfd = open_listener(&la, &port)) < 0) {
		cli_error("debug: cannot listen on %s: %s", listen_arg, strerror(errno));
		rc = MVB_EXIT_IO;
		goto out;
	}
	char where[64];
	snprintf(where, sizeof(where), "%s:%d", inet_ntoa(la.sin_addr), port);
	fprintf(cr->json ? stderr : stdout, "debug: listening on %s (gdb-multiarch -ex 'target remote %s')\n", where,
	        where);
	fflush(cr->json ? stderr : stdout);
	/* one gdb; meanwhile the session is kept alive and the log shown */
	while (d->gdb_fd < 0) {
		if (interrupted || d->dead || progress_now() >= session_end) {
			how = interrupted ? GE_INTERRUPTED : d->dead ? GE_LINK : GE_SESSION;
			break;
		}
		struct pollfd p = {lfd, POLLIN, 0};
		if (poll(&p, 1, 0) == 1) {
			d->gdb_fd = accept(lfd, NULL, NULL);
			if (d->gdb_fd >= 0) {
				fcntl(d->gdb_fd, F_SETFD, FD_CLOEXEC);
				int one = 1;
				setsockopt(d->gdb_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				break;
			}
		}
		if (progress_now() - d->last_sent >= KEEPALIVE_S) {
			struct mvl_dstate st;
			op_state(d, &st);
		}
		struct pollfd q[3] = {{d->ld.fd, POLLIN, 0}, {d->ld.console_fd, POLLIN, 0}, {lfd, POLLIN, 0}};
		if (poll(q, 3, 1000) > 0 && !(q[2].revents & POLLIN))
			pump(d, 0, 0, NULL);
	}
	close(lfd);
	lfd = -1;
	if (d->gdb_fd >= 0) {
		say("gdb connected");
		mvb_gdbs_init(&d->g, &ops, d);
		how = serve_gdb(d, session_end);
		int rr = mvb_gdbs_release(&d->g);
		if (rr > 0 && !d->dead)
			say("letting the app go: the device answered with error %d", rr);
		close(d->gdb_fd);
		d->gdb_fd = -1;
	}
	switch (how) {
	case GE_DETACHED:
		say("gdb detached: breakpoints removed, the app runs on");
		break;
	case GE_KILLED:
		say("gdb killed the session: breakpoints removed, the app runs on");
		break;
	case GE_CLOSED:
		say("gdb closed its connection: breakpoints removed, the app runs on");
		break;
	case GE_SESSION:
		say("the authorized session's time (--seconds) is up");
		break;
	case GE_INTERRUPTED:
		say("interrupted");
		break;
	case GE_LINK:
		break;
	}
	/* END: the device would end the session by itself, later */
	if (!d->dead && request(d, MVL_S_DEBUG, MVL_T_END, NULL, 0, 3.0, 0) == 0)
		ended = 1;
	if (how == GE_LINK) {
		cli_error("debug: the link to the device failed during the session");
		rc = MVB_EXIT_IO;
	} else {
		rc = MVB_EXIT_OK;
	}
	if (cr->json) {
		struct json *j = cli_doc(cr);
		char s[33];
		size_t o = 0;
		for (size_t i = 0; i < sizeof(ch.lc_serial) && ch.lc_serial[i]; i++)
			s[o++] = (ch.lc_serial[i] >= 0x20 && ch.lc_serial[i] < 0x7f) ? ch.lc_serial[i] : '?';
		s[o] = 0;
		json_str(j, "link", qemu ? "qemu" : device);
		json_str(j, "serial", s);
		json_str(j, "key_id", id);
		json_int(j, "seconds", mvb_get_le32(auth + 4));
		json_str(j, "listen", where);
		json_str(j, "gdb", d->gdb_fd == -1 && how == GE_CLOSED ? "closed" : gdb_end_name[how]);
		json_int(j, "stops", d->stops);
		json_int(j, "app_restarts", d->g.restarts);
		json_int(j, "lines", d->lines);
		json_bool(j, "ended", ended);
	}
out:
	if (authorized && !ended && !d->dead && rc != MVB_EXIT_OK)
		(void)request(d, MVL_S_DEBUG, MVL_T_END, NULL, 0, 2.0, 0);
	if (lfd >= 0)
		close(lfd);
	link_dev_close(&d->ld);
	mvb_key_free(k);
	memset(auth, 0, sizeof(auth));
	free(d);
	return rc;
}
