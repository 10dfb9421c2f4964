/* cmd_flash.c - `mvbuild flash`: write a bundle or a factory image to a
 * device through a GDB server (QEMU's gdbstub, st-util, OpenOCD, or any
 * server at gdb://HOST:PORT), verify it, reset, and for QEMU stream the
 * console until the microvisor ends the run. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "mvb/flash.h"
#include "mvb/rsp.h"
#include "sys/sys.h"

enum probe_kind { PROBE_QEMU, PROBE_GDB, PROBE_STLINK, PROBE_OPENOCD };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct conn {
	int fd;
};

static long conn_read(void *ctx, unsigned char *buf, size_t n, int timeout_ms)
{
	struct conn *k = ctx;
	if (interrupted)
		return -1;
	long r = sys_read_timeout(k->fd, buf, n, timeout_ms);
	return r == -2 ? MVB_RSP_IO_TIMEOUT : r;
}

static int conn_write(void *ctx, const unsigned char *buf, size_t n)
{
	struct conn *k = ctx;
	return interrupted ? -1 : sys_write_all(k->fd, buf, n);
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t conn_now_ms(void *ctx)
{
	(void)ctx;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* ---- progress ---- */

struct progress {
	int quiet, tty;
	double t0, last;
	enum mvb_flash_phase phase;
	int started;
	uint64_t total;
	double phase_start[3], phase_end[3]; /* by enum mvb_flash_phase */
};

static const char *phase_name(enum mvb_flash_phase p)
{
	return p == MVB_FLASH_ERASE ? "erasing" : p == MVB_FLASH_WRITE ? "writing" : "verifying";
}

static void human(uint64_t v, char *o, size_t n)
{
	if (v >= 1048576)
		snprintf(o, n, "%.1f MiB", (double)v / 1048576.0);
	else if (v >= 1024)
		snprintf(o, n, "%.1f KiB", (double)v / 1024.0);
	else
		snprintf(o, n, "%u B", (unsigned)v);
}

static void rate(double bytes, double secs, char *o, size_t n)
{
	double r = secs > 0 ? bytes / secs : 0;
	if (r >= 1e6)
		snprintf(o, n, "%.1f MB/s", r / 1e6);
	else
		snprintf(o, n, "%.0f kB/s", r / 1e3);
}

static void finish_line(struct progress *p)
{
	if (p->started && p->tty)
		fputc('\n', stderr);
	p->started = 0;
}

static void on_progress(void *ctx, const struct mvb_flash_progress *pr)
{
	struct progress *p = ctx;
	double t = now_s();
	if (!p->phase_start[pr->phase])
		p->phase_start[pr->phase] = t;
	p->phase_end[pr->phase] = t;
	if (p->quiet)
		return;
	if (!p->started || p->phase != pr->phase) {
		finish_line(p);
		p->started = 1;
		p->phase = pr->phase;
		p->t0 = t;
		p->last = 0;
		p->total = pr->total;
		if (!p->tty) {
			char tot[32];
			human(pr->total, tot, sizeof(tot));
			fprintf(stderr, "mvbuild: %s %s\n", phase_name(pr->phase), tot);
		}
	}
	if (!p->tty)
		return;
	if (pr->done != pr->total && t - p->last < 0.05)
		return;
	p->last = t;
	unsigned pct = pr->total ? (unsigned)(pr->done * 100 / pr->total) : 100;
	char bar[31], done[32], tot[32], r[32];
	unsigned fill = pct * 30 / 100;
	for (unsigned i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = 0;
	human(pr->done, done, sizeof(done));
	human(pr->total, tot, sizeof(tot));
	rate((double)pr->done, t - p->t0, r, sizeof(r));
	fprintf(stderr, "\r%-9s [%s] %3u%% %s / %s  %s  %-10s", phase_name(pr->phase), bar, pct, done, tot, r,
		pr->what ? pr->what : "");
	fflush(stderr);
}

static void on_output(void *ctx, const char *text, size_t len)
{
	FILE *f = ctx;
	fwrite(text, 1, len, f);
	fflush(f);
}

/* ---- what to write ---- */

/* The rest of load_image for a parsed bundle: payload (over base for
 * delta layers), board, signatures, then the plan.  d is released here. */
static int load_bundle(const char *path, const struct mvb_bundle_view *v, const struct mvb_bundle_view *base,
		       const char *board_arg, int allow_unsigned, const char *keys, struct mvb_board *b,
		       struct mvb_flash_plan *plan, struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = path;
	int rc;
	if (mvb_bundle_check_payload_base(v, base, path, d)) {
		cli_render_diags(stderr, d);
		mvb_diags_release(d);
		return MVB_EXIT_FINDINGS;
	}
	if ((rc = cli_bundle_board(v, path, board_arg, b, d))) {
		cli_render_diags(stderr, d);
		mvb_diags_release(d);
		return rc;
	}
	/* signatures: at least one; with --key one valid by a trusted key */
	if (keys && !allow_unsigned) {
		struct mvb_key *k[CLI_MAX_KEYS];
		unsigned nk, good;
		if ((rc = cli_load_public_keys("flash", keys, k, &nk))) {
			mvb_diags_release(d);
			return rc;
		}
		rc = mvb_bundle_check_sigs(v, path, k, nk, &good, d);
		cli_free_keys(k, &nk);
		if (rc) {
			cli_render_diags(stderr, d);
			mvb_diags_release(d);
			return MVB_EXIT_FINDINGS;
		}
	} else if (v->ns && !allow_unsigned) {
		/* say so: a signature nobody checked is no reason for trust */
		fprintf(stderr, "flash: note: %u signature%s not checked (no --key)\n", v->ns, v->ns == 1 ? "" : "s");
	} else if (!v->ns && !allow_unsigned) {
		mvb_report_hint(d, &l, MVB_CK_BUNDLE_UNSIGNED, "sign it with 'mvbuild sign', or pass --allow-unsigned",
				"the bundle is unsigned");
		cli_render_diags(stderr, d);
		mvb_diags_release(d);
		return MVB_EXIT_FINDINGS;
	}
	rc = mvb_flash_plan_bundle(plan, v, base, b, path, d);
	cli_render_diags(stderr, d);
	mvb_diags_release(d);
	if (rc == MVB_ENOMEM) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	return rc ? MVB_EXIT_FINDINGS : 0;
}

static int load_image(const char *path, const char *board_arg, int allow_unsigned, const char *keys,
		      const char *base_path, struct mvb_board *b, struct mvb_flash_plan *plan, unsigned char **data, size_t *len,
		      int *is_bundle)
{
	int rc = cli_read(path, data, len);
	if (rc)
		return rc;
	struct mvb_diags d = MVB_DIAGS_INIT;
	*is_bundle = *len >= 4 && mvb_le32(*data) == MVB_BUNDLE_MAGIC;
	if (*is_bundle) {
		struct mvb_bundle_view v;
		if (mvb_bundle_parse(&v, path, *data, *len, &d)) {
			cli_render_diags(stderr, &d);
			mvb_diags_release(&d);
			return MVB_EXIT_FINDINGS;
		}
		/* delta layers decode over the bundle the device runs (--base) */
		unsigned char *bdata = NULL;
		size_t blen;
		struct mvb_bundle_view bv;
		if (base_path && (rc = cli_load_bundle(base_path, &bdata, &blen, &bv))) {
			mvb_diags_release(&d);
			return rc;
		}
		rc = load_bundle(path, &v, base_path ? &bv : NULL, board_arg, allow_unsigned, keys, b, plan, &d);
		free(bdata);
		return rc;
	}
	if (base_path) {
		cli_error("flash: --base is for delta bundles; '%s' is not a bundle", path);
		mvb_diags_release(&d);
		return MVB_EXIT_USAGE;
	}
	/* a factory image: ELF or Intel HEX, at the board's addresses */
	if ((rc = cli_load_board(board_arg ? board_arg : MVB_DEFAULT_BOARD, b, &d))) {
		cli_render_diags(stderr, &d);
		mvb_diags_release(&d);
		return rc;
	}
	rc = mvb_flash_plan_image(plan, *data, *len, b, path, &d);
	cli_render_diags(stderr, &d);
	mvb_diags_release(&d);
	if (rc == MVB_ENOMEM)
		cli_error("out of memory");
	return rc == MVB_ENOMEM ? MVB_EXIT_IO : rc ? MVB_EXIT_FINDINGS : 0;
}

/* ---- probes ---- */

struct probe {
	enum probe_kind kind;
	char host[256];
	int port;
	pid_t child;
	const char *reset; /* monitor command, or NULL */
	FILE *child_err;   /* QEMU's standard error, shown when it ends (qemu_messages) */
};

static int parse_probe(const char *arg, const struct mvb_board *b, struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->child = -1;
	if (!arg) {
		if (b->qemu_machine[0])
			arg = "qemu";
		else if (b->stlink)
			arg = "stlink";
		else if (b->openocd_target[0])
			arg = "openocd";
		else {
			cli_error("flash: board '%s' names no debug probe; pass --probe gdb://HOST:PORT", b->name);
			return MVB_EXIT_USAGE;
		}
	}
	if (!strcmp(arg, "qemu")) {
		if (!b->qemu_machine[0]) {
			cli_error("flash: board '%s' has no QEMU machine (debug: qemu-machine)", b->name);
			return MVB_EXIT_USAGE;
		}
		p->kind = PROBE_QEMU;
		p->reset = "system_reset";
	} else if (!strcmp(arg, "stlink")) {
		p->kind = PROBE_STLINK;
		p->reset = "reset";
	} else if (!strcmp(arg, "openocd")) {
		if (!b->openocd_target[0]) {
			cli_error("flash: board '%s' has no OpenOCD target (debug: openocd-target)", b->name);
			return MVB_EXIT_USAGE;
		}
		p->kind = PROBE_OPENOCD;
		p->reset = "reset run";
	} else if (!strncmp(arg, "gdb://", 6)) {
		const char *hp = arg + 6, *colon = strrchr(hp, ':');
		char *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;
		if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof(p->host) || *end || port < 1 || port > 65535) {
			cli_error("flash: bad probe '%s' (expected gdb://HOST:PORT)", arg);
			return MVB_EXIT_USAGE;
		}
		memcpy(p->host, hp, (size_t)(colon - hp));
		if (p->host[0] == '[' && p->host[strlen(p->host) - 1] == ']') {
			memmove(p->host, p->host + 1, strlen(p->host));
			p->host[strlen(p->host) - 1] = 0;
		}
		p->port = (int)port;
		p->kind = PROBE_GDB;
	} else {
		cli_error("flash: unknown probe '%s' (qemu, stlink, openocd or gdb://HOST:PORT)", arg);
		return MVB_EXIT_USAGE;
	}
	return 0;
}

/* What QEMU wrote to its standard error, to ours, without the line QEMU
 * prints when mvbuild stops it. */
static void qemu_messages(struct probe *p)
{
	if (!p->child_err)
		return;
	char line[1024];
	rewind(p->child_err);
	while (fgets(line, sizeof(line), p->child_err))
		if (!strstr(line, "terminating on signal"))
			fputs(line, stderr);
	fclose(p->child_err);
	p->child_err = NULL;
}

static int start_qemu(struct probe *p, const struct mvb_board *b, int console_fd, char *err, size_t errlen)
{
	int port, lfd = sys_listen_loopback(&port);
	if (lfd < 0) {
		snprintf(err, errlen, "cannot open a loopback port: %s", strerror(errno));
		return -1;
	}
	const char *qemu = getenv("MVBUILD_QEMU");
	char gdbdev[64];
	snprintf(gdbdev, sizeof(gdbdev), "socket,id=mvgdb,fd=%d,server=on,wait=off,nodelay=on", lfd);
	char *argv[] = { (char *)(qemu && *qemu ? qemu : "qemu-system-arm"), "-M", (char *)b->qemu_machine,
			 "-display", "none", "-monitor", "none", "-S",
			 "-chardev", gdbdev, "-gdb", "chardev:mvgdb",
			 "-chardev", "stdio,id=con,mux=on", "-serial", "chardev:con", "-serial", "chardev:con",
			 "-semihosting-config", "enable=on,target=native", NULL };
	/* QEMU's messages go to a temporary file, shown when it has ended, so
	 * that stopping it (--timeout, --no-run) does not print QEMU's own
	 * "terminating on signal" line as if something went wrong */
	p->child_err = tmpfile();
	p->child = sys_spawn(argv, lfd, console_fd, p->child_err ? fileno(p->child_err) : -1);
	if (p->child < 0) {
		snprintf(err, errlen, "cannot start %s: %s", argv[0], strerror(errno));
		close(lfd);
		return -1;
	}
	close(lfd); /* QEMU holds it; our connection waits in its backlog */
	snprintf(p->host, sizeof(p->host), "127.0.0.1");
	p->port = port;
	return 0;
}

/* st-util and OpenOCD pick no port of ours: give them a free one. */
static int free_port(void)
{
	int port, fd = sys_listen_loopback(&port);
	if (fd < 0)
		return -1;
	close(fd);
	return port;
}

static int start_server(struct probe *p, const struct mvb_board *b, char *err, size_t errlen)
{
	int port = free_port();
	if (port < 0) {
		snprintf(err, errlen, "cannot find a free loopback port");
		return -1;
	}
	char ps[16], gdbport[48];
	snprintf(ps, sizeof(ps), "%d", port);
	snprintf(gdbport, sizeof(gdbport), "gdb_port %d", port);
	const char *tool;
	if (p->kind == PROBE_STLINK) {
		tool = getenv("MVBUILD_STUTIL");
		char *argv[] = { (char *)(tool && *tool ? tool : "st-util"), "-p", ps, NULL };
		p->child = sys_spawn(argv, -1, 2, -1);
		tool = argv[0];
	} else {
		tool = getenv("MVBUILD_OPENOCD");
		char *argv[] = { (char *)(tool && *tool ? tool : "openocd"), "-f",
				 (char *)(b->openocd_config[0] ? b->openocd_config : "interface/stlink.cfg"), "-f",
				 (char *)b->openocd_target, "-c", gdbport, "-c", "tcl_port disabled", "-c",
				 "telnet_port disabled", NULL };
		p->child = sys_spawn(argv, -1, 2, -1);
		tool = argv[0];
	}
	if (p->child < 0) {
		snprintf(err, errlen, "cannot start %s: %s", tool, strerror(errno));
		return -1;
	}
	/* wait until it listens, or exits (no probe attached, no such tool) */
	for (int i = 0; i < 100; i++) {
		int st;
		if (sys_wait(p->child, 100, &st) == 0) {
			p->child = -1;
			if (st == 127)
				snprintf(err, errlen, "%s is not installed (Debian: apt-get install %s)", tool,
					 p->kind == PROBE_STLINK ? "stlink-tools" : "openocd");
			else
				snprintf(err, errlen,
					 "no %s found: %s exited with status %d before its GDB server was up (is the probe plugged in, "
					 "and may this user open it?)",
					 p->kind == PROBE_STLINK ? "ST-Link" : "debug probe", tool, st);
			return -1;
		}
		char e2[160];
		int fd = sys_tcp_connect("127.0.0.1", port, 200, e2, sizeof(e2));
		if (fd >= 0) {
			close(fd);
			snprintf(p->host, sizeof(p->host), "127.0.0.1");
			p->port = port;
			return 0;
		}
	}
	snprintf(err, errlen, "%s did not open its GDB server on port %d within 10 s", tool, port);
	return -1;
}

/* ---- the command ---- */

static const char *method_str(unsigned m, char *o, size_t n)
{
	snprintf(o, n, "%s%s%s", m & MVB_FLASH_BY_VFLASH ? "vFlash " : "", m & MVB_FLASH_BY_X ? "X " : "",
		 m & MVB_FLASH_BY_M ? "M " : "");
	size_t k = strlen(o);
	if (k)
		o[k - 1] = 0;
	return o;
}

int cmd_flash(int argc, char **argv)
{
	const char *probe_arg = NULL, *board_arg = NULL, *keys = NULL, *reset = NULL, *format = "text", *base = NULL;
	int allow_unsigned = 0, no_verify = 0, no_run = 0, quiet = 0, changed_only = 0;
	unsigned long timeout = 10, reply_timeout = MVB_RSP_DEFAULT_TIMEOUT_MS / 1000;
	const struct opt opts[] = {
		{ 'p', "probe", OPT_STRING, &probe_arg, "qemu|stlink|openocd|gdb://HOST:PORT",
		  "how to reach the device (default: the board's: qemu for boards with a QEMU machine)" },
		{ 'b', "board", OPT_STRING, &board_arg, "NAME|FILE", "board (default: the bundle's; mps2-an505 for images)" },
		{ 'k', "key", OPT_STRING, &keys, "PUB.pem[,PUB.pem...]", "require a valid signature by one of these keys" },
		{ 0, "allow-unsigned", OPT_FLAG, &allow_unsigned, NULL, "flash a bundle without a (trusted) signature" },
		{ 0, "base", OPT_STRING, &base, "OLD.mvb", "the bundle the device runs, which delta layers apply to" },
		{ 0, "changed-only", OPT_FLAG, &changed_only, NULL, "compare with the device first; erase and write only the blocks that differ" },
		{ 0, "no-verify", OPT_FLAG, &no_verify, NULL, "do not read back what was written (not recommended)" },
		{ 0, "no-run", OPT_FLAG, &no_run, NULL, "leave the device halted after writing (no reset)" },
		{ 0, "reset", OPT_STRING, &reset, "CMD", "monitor command that resets the device (default: the probe's)" },
		{ 't', "timeout", OPT_UINT, &timeout, "SECONDS", "qemu: stop QEMU when the run lasts longer (default 10)" },
		{ 0, "reply-timeout", OPT_UINT, &reply_timeout, "SECONDS",
		  "each reply of the GDB server must be complete within this (default 5; flash erase and programming get more)" },
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, "no progress and no summary (errors and console only)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "summary format (json: summary on stdout, console on stderr)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"flash",
		"flash FILE [--probe qemu|stlink|openocd|gdb://HOST:PORT] [--board NAME|FILE] [--key PUB.pem] [--allow-unsigned] [--base OLD.mvb] [--changed-only] [--no-verify] [--no-run] [--reset CMD] [--timeout SECONDS] [--reply-timeout SECONDS] [--quiet] [--format text|json]",
		"Write a bundle (every layer, and the app header the microvisor boots from) or a\n"
		"factory image (.elf, .hex) to a device through a GDB server, read it back, reset\n"
		"the device, and with the qemu probe show its console until the run ends.",
		opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int json;
	if ((rc = cli_format("flash", format, &json)))
		return rc;
	if (timeout == 0 || timeout > 86400) {
		cli_error("flash: --timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	if (reply_timeout == 0 || reply_timeout > 3600) {
		cli_error("flash: --reply-timeout must be 1..3600 seconds");
		return MVB_EXIT_USAGE;
	}
	FILE *console = json ? stderr : stdout;

	struct mvb_board b;
	struct mvb_flash_plan plan;
	unsigned char *data = NULL;
	size_t len = 0;
	int is_bundle = 0;
	mvb_board_init(&b);
	mvb_flash_plan_init(&plan);
	struct probe p = { .child = -1 };
	struct conn k = { -1 };
	struct mvb_rsp c;
	int have_rsp = 0;
	char err[256] = "";

	rc = load_image(pos[0], board_arg, allow_unsigned, keys, base, &b, &plan, &data, &len, &is_bundle);
	if (rc)
		goto out;
	if ((rc = parse_probe(probe_arg, &b, &p)))
		goto out;
	if (reset)
		p.reset = *reset ? reset : NULL;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fflush(stdout);

	int started = 0;
	if (p.kind == PROBE_QEMU)
		started = start_qemu(&p, &b, json ? 2 : -1, err, sizeof(err));
	else if (p.kind == PROBE_STLINK || p.kind == PROBE_OPENOCD)
		started = start_server(&p, &b, err, sizeof(err));
	if (started) {
		cli_error("flash: %s", err);
		rc = MVB_EXIT_IO;
		goto out;
	}
	k.fd = sys_tcp_connect(p.host, p.port, 5000, err, sizeof(err));
	if (k.fd < 0) {
		cli_error("flash: %s", err);
		rc = MVB_EXIT_IO;
		goto out;
	}
	struct mvb_rsp_io io = { &k, conn_read, conn_write, conn_now_ms };
	mvb_rsp_init(&c, &io);
	have_rsp = 1;
	c.timeout_ms = (int)reply_timeout * 1000;
	c.output = on_output;
	c.output_ctx = stderr;
	if ((rc = mvb_rsp_start(&c))) {
		cli_error("flash: %s:%d: %s", p.host, p.port, c.err);
		rc = MVB_EXIT_IO;
		goto out;
	}

	struct progress pg;
	memset(&pg, 0, sizeof(pg));
	pg.quiet = quiet || json;
	pg.tty = isatty(2);
	struct mvb_flash_opts fo = { !no_verify, on_progress, &pg, changed_only };
	struct mvb_flash_result res;
	uint64_t total = 0;
	for (unsigned i = 0; i < plan.img.n; i++)
		total += plan.img.p[i].len;
	double t_write0 = now_s();
	int frc = mvb_flash_write(&c, &plan, &fo, &res);
	finish_line(&pg);
	if (frc) {
		if (interrupted)
			cli_error("flash: interrupted after writing %llu of %llu bytes; the device has no bootable app until "
				  "the next 'mvbuild flash'", (unsigned long long)res.written, (unsigned long long)total);
		else if (frc == MVB_EINPUT)
			cli_error("flash: verify failed: 0x%08x (%s) reads 0x%02x, expected 0x%02x: the device did not take the "
				  "write", (unsigned)res.mismatch_addr, res.mismatch_what, res.got, res.want);
		else if (frc >= MVB_FLASH_ERSP)
			cli_error("flash: %s", c.err);
		else
			cli_error("flash: out of memory");
		rc = MVB_EXIT_IO;
		goto out;
	}
	/* write time: from the first write step to the last (the progress
	 * callback runs after each step, so add the first step's share) */
	double secs = pg.phase_end[MVB_FLASH_WRITE] - t_write0;
	double vsecs = pg.phase_end[MVB_FLASH_VERIFY] - pg.phase_end[MVB_FLASH_WRITE];
	char m[32], tot[32], r[32];
	human(total, tot, sizeof(tot));
	rate((double)(res.written - res.skipped_erased - res.skipped_same), secs, r, sizeof(r)); /* what was sent */
	if (!quiet && !json) {
		fprintf(stderr, "mvbuild: wrote %s (%llu bytes) in %.3f s (%s) with %s packets", tot,
			(unsigned long long)res.written, secs, r, method_str(res.methods, m, sizeof(m)));
		if (res.skipped_erased)
			fprintf(stderr, " (%llu bytes of 0xff left erased)", (unsigned long long)res.skipped_erased);
		if (changed_only)
			fprintf(stderr, "; %llu bytes already on the device left alone", (unsigned long long)res.skipped_same);
		if (no_verify)
			fprintf(stderr, "; NOT verified (--no-verify)\n");
		else
			fprintf(stderr, "; verified by %s in %.3f s\n", res.verified_by_crc ? "CRC" : "read-back", vsecs);
		if (!no_verify && res.crc_distrusted)
			fprintf(stderr,
				"mvbuild: note: the server's qCRC disagreed at 0x%08x with bytes that read back right; "
				"verified by read-back from there\n",
				(unsigned)res.crc_distrust_addr);
	}

	/* reset and run */
	int run_status = -1, timed_out = 0, ran = 0;
	if (!no_run) {
		if (p.reset && mvb_rsp_monitor(&c, p.reset)) {
			cli_error("flash: %s", c.err);
			rc = MVB_EXIT_IO;
			goto out;
		}
		if (!p.reset && !quiet && !json)
			fprintf(stderr, "mvbuild: no reset command for this probe (pass --reset CMD); the device resumes where "
					"it stopped\n");
		if (p.kind == PROBE_QEMU) {
			ran = 1;
			if (mvb_rsp_continue(&c)) {
				cli_error("flash: %s", c.err);
				rc = MVB_EXIT_IO;
				goto out;
			}
			struct mvb_rsp_stop st;
			int wrc = mvb_rsp_wait_stop(&c, (int)timeout * 1000, &st);
			int qst = 0;
			if (!wrc && st.kind == 'W') {
				run_status = (int)st.value;
			} else if (wrc == MVB_RSP_ETIMEOUT) {
				timed_out = 1;
			} else if (wrc == MVB_RSP_ECLOSED && sys_wait(p.child, 2000, &qst) == 0) {
				p.child = -1;
				run_status = qst;
			} else if (interrupted) {
				cli_error("flash: interrupted; the device was written and verified");
				rc = MVB_EXIT_IO;
				goto out;
			} else {
				cli_error("flash: %s", wrc ? c.err : "the target stopped (not an exit) during the run");
				rc = MVB_EXIT_IO;
				goto out;
			}
		} else if (mvb_rsp_detach(&c)) {
			cli_error("flash: %s", c.err);
			rc = MVB_EXIT_IO;
			goto out;
		}
	}
	if (ran && !json && !quiet) {
		if (timed_out)
			fprintf(stderr, "mvbuild: the device still runs after %lu s; stopped QEMU (--timeout)\n", timeout);
		else
			fprintf(stderr, "mvbuild: the device ended the run with status %d\n", run_status);
	}
	if (json) {
		struct mvb_buf o = MVB_BUF_INIT;
		struct json j;
		json_doc_begin(&j, &o);
		json_str(&j, "file", pos[0]);
		json_str(&j, "kind", is_bundle ? "bundle" : "image");
		json_str(&j, "board", b.name);
		json_str(&j, "probe", p.kind == PROBE_QEMU ? "qemu" : p.kind == PROBE_STLINK ? "stlink" : p.kind == PROBE_OPENOCD ? "openocd" : "gdb");
		json_int(&j, "bytes", (long long)res.written);
		json_int(&j, "left_erased", (long long)res.skipped_erased);
		json_bool(&j, "changed_only", changed_only);
		json_int(&j, "unchanged", (long long)res.skipped_same);
		json_int(&j, "erased", (long long)res.erased);
		char secs_s[32], bps[32];
		snprintf(secs_s, sizeof(secs_s), "%.6f", secs);
		snprintf(bps, sizeof(bps), "%.0f",
			 secs > 0 ? (double)(res.written - res.skipped_erased - res.skipped_same) / secs : 0.0);
		json_raw(&j, "seconds", secs_s);
		json_raw(&j, "bytes_per_second", bps);
		snprintf(secs_s, sizeof(secs_s), "%.6f", no_verify ? 0.0 : vsecs);
		json_raw(&j, "verify_seconds", secs_s);
		json_str(&j, "method", method_str(res.methods, m, sizeof(m)));
		json_str(&j, "verified", no_verify ? "no" : res.verified_by_crc ? "crc" : "read-back");
		if (!no_verify && res.crc_distrusted)
			json_hex(&j, "crc_distrusted_at", res.crc_distrust_addr);
		json_arr(&j, "pieces");
		for (unsigned i = 0; i < plan.img.n; i++) {
			json_obj(&j, NULL);
			json_str(&j, "what", plan.img.p[i].what);
			json_hex(&j, "addr", plan.img.p[i].addr);
			json_int(&j, "size", plan.img.p[i].len);
			json_end_obj(&j);
		}
		json_end_arr(&j);
		if (ran) {
			json_obj(&j, "run");
			json_str(&j, "ended", timed_out ? "timeout" : "exit");
			if (!timed_out)
				json_int(&j, "status", run_status);
			else
				json_null(&j, "status");
			json_end_obj(&j);
		}
		json_doc_print(&j);
		fputc('\n', stdout);
	}
	rc = ran && !timed_out && run_status != 0 ? MVB_EXIT_FINDINGS : MVB_EXIT_OK;
out:
	(void)console;
	if (have_rsp)
		mvb_rsp_release(&c);
	if (k.fd >= 0)
		close(k.fd);
	if (p.child > 0)
		sys_stop(p.child);
	qemu_messages(&p);
	mvb_flash_plan_release(&plan);
	mvb_board_release(&b);
	free(data);
	return rc;
}
