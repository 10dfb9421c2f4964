/* probe.c - the probe table: the GDB servers mvbuild starts (QEMU's
 * gdbstub, st-util, OpenOCD) and gdb://HOST:PORT for one already running;
 * choosing one for a board, starting and stopping it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/probe.h"
#include "mvb/optbytes.h"
#include "mvb/rsp.h"
#include "sys/sys.h"

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

/* What st-util said before it gave up names a chip it does not know
 * (stlink-tools 1.7.0: "unknown chip id! 0x482"); it is shown as well. */
static int stutil_unknown_chip(struct probe *p)
{
	int unknown = 0;
	char line[512];
	if (!p->child_err)
		return 0;
	rewind(p->child_err);
	while (fgets(line, sizeof(line), p->child_err)) {
		if (strstr(line, "unknown chip id") || strstr(line, "Unsupported Target"))
			unknown = 1;
		fputs(line, stderr);
	}
	fclose(p->child_err);
	p->child_err = NULL;
	return unknown;
}

static int start_server(struct probe *p, const struct mvb_board *b, int console_fd, char *err, size_t errlen)
{
	(void)console_fd; /* a board's console is its own UART, not ours */
	int stlink = !strcmp(p->kind->name, "stlink");
	int port = free_port();
	if (port < 0) {
		snprintf(err, errlen, "cannot find a free loopback port");
		return -1;
	}
	char ps[16], gdbport[48];
	snprintf(ps, sizeof(ps), "%d", port);
	snprintf(gdbport, sizeof(gdbport), "gdb_port %d", port);
	const char *tool;
	if (stlink) {
		tool = getenv("MVBUILD_STUTIL");
		char *argv[] = { (char *)(tool && *tool ? tool : "st-util"), "-p", ps, NULL };
		/* its messages are read back if it gives up (a chip it does not know) */
		p->child_err = tmpfile();
		p->child = sys_spawn(argv, -1, 2, p->child_err ? fileno(p->child_err) : -1);
		tool = argv[0];
	} else {
		tool = getenv("MVBUILD_OPENOCD");
		/* Flash writes through GDB's vFlash packets (OpenOCD's memory
		 * map); the reset is the probe's reset line, held while it
		 * attaches, and the core is halted before the old image runs:
		 * a microvisor sets SYSRESETREQS, so a debugger's software
		 * reset request can be ignored, and its SAU set-up would
		 * otherwise be live while the new image is written.  No
		 * option-byte or write-protection command is ever sent. */
		char *argv[] = { (char *)(tool && *tool ? tool : "openocd"), "-f",
				 (char *)(b->openocd_config[0] ? b->openocd_config : "interface/stlink-dap.cfg"), "-f",
				 (char *)b->openocd_target, "-c", gdbport, "-c", "tcl_port disabled", "-c",
				 "telnet_port disabled", "-c", "gdb_memory_map enable", "-c", "gdb_flash_program enable",
				 "-c", PROBE_OPENOCD_RESET, "-c", "init", "-c",
				 "reset halt", NULL };
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
					 stlink ? "stlink-tools" : "openocd");
			else if (stlink && stutil_unknown_chip(p))
				snprintf(err, errlen,
					 "%s does not know this chip (it said 'unknown chip id'): Debian's stlink-tools 1.7.0 "
					 "predates the STM32U5 (chip id 0x482) and no st-util writes its secure flash alias; "
					 "use --probe openocd (Debian: apt-get install openocd)%s",
					 tool, b->openocd_target[0] ? ", this board's default" : "");
			else if (!stlink && strstr(b->openocd_config[0] ? b->openocd_config : "stlink", "stlink"))
				snprintf(err, errlen,
					 "no ST-LINK found: %s exited with status %d before its GDB server was up (is the "
					 "board's ST-LINK plugged in, and may this user open it?)",
					 tool, st);
			else
				snprintf(err, errlen,
					 "no %s found: %s exited with status %d before its GDB server was up (is the probe plugged in, "
					 "and may this user open it?)",
					 stlink ? "ST-Link" : "debug probe", tool, st);
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

static int fits_qemu(const struct mvb_board *b)
{
	return b->qemu_machine[0] != 0;
}

static int fits_stlink(const struct mvb_board *b)
{
	return b->stlink;
}

static int fits_openocd(const struct mvb_board *b)
{
	return b->openocd_target[0] != 0;
}

/* In the order a board's default is chosen.  st-util serves any ST-Link:
 * a board need not say so to be flashed through one. */
static const struct probe_kind kinds[] = {
	{ "qemu", "system_reset", fits_qemu, fits_qemu, "has no QEMU machine (debug: qemu-machine)", start_qemu, 1 },
	{ "stlink", "reset", fits_stlink, NULL, NULL, start_server, 0 },
	{ "openocd", "reset run", fits_openocd, fits_openocd, "has no OpenOCD target (debug: openocd-target)",
	  start_server, 0 },
};

int probe_parse(const char *arg, const struct mvb_board *b, struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->child = -1;
	if (!arg) {
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !arg; i++)
			if (kinds[i].is_default(b))
				arg = kinds[i].name;
		if (!arg) {
			cli_error("flash: board '%s' names no debug probe; pass --probe gdb://HOST:PORT", b->name);
			return MVB_EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(arg, kinds[i].name))
			continue;
		if (kinds[i].fits && !kinds[i].fits(b)) {
			cli_error("flash: board '%s' %s", b->name, kinds[i].unfit);
			return MVB_EXIT_USAGE;
		}
		p->kind = &kinds[i];
		p->reset = kinds[i].reset;
		return 0;
	}
	if (!strncmp(arg, "gdb://", 6)) {
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
		return 0;
	}
	cli_error("flash: unknown probe '%s' (qemu, stlink, openocd or gdb://HOST:PORT)", arg);
	return MVB_EXIT_USAGE;
}

int probe_identify(struct probe *p, struct mvb_rsp *c, int reset_given)
{
	if (p->kind || reset_given)
		return 0;
	int qemu, rc = mvb_rsp_is_qemu(c, &qemu);
	for (size_t i = 0; !rc && qemu && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i].name, "qemu"))
			p->reset = kinds[i].reset;
	return rc;
}

int probe_start(struct probe *p, const struct mvb_board *b, int console_fd, char *err, size_t n)
{
	return p->kind ? p->kind->start(p, b, console_fd, err, n) : 0;
}

void probe_qemu_messages(FILE **child_err)
{
	if (!*child_err)
		return;
	char line[1024];
	rewind(*child_err);
	while (fgets(line, sizeof(line), *child_err))
		if (!strstr(line, "terminating on signal"))
			fputs(line, stderr);
	fclose(*child_err);
	*child_err = NULL;
}

void probe_stop(struct probe *p)
{
	if (p->child > 0)
		sys_stop(p->child);
	p->child = -1;
	probe_qemu_messages(&p->child_err);
}

const char *probe_name(const struct probe *p)
{
	return p->kind ? p->kind->name : "gdb";
}

int probe_read_optbytes(struct mvb_rsp *c, const struct mvb_optb *o, uint32_t v[MVB_OPTB_REGS])
{
	unsigned char w[4];
	/* OPTR through the non-secure alias, which answers with TrustZone off;
	 * the secure registers through the secure alias, which only exists
	 * with it on (and then the debugger reads as the halted secure core) */
	int rc = mvb_rsp_read_mem(c, o->base_ns + o->off[MVB_OPTB_OPTR], w, 4);
	if (rc)
		return rc;
	v[MVB_OPTB_OPTR] = mvb_le32(w);
	uint32_t base = (v[MVB_OPTB_OPTR] & 0x80000000u) ? o->base_s : o->base_ns;
	for (int i = 0; i < MVB_OPTB_REGS; i++) {
		if (i == MVB_OPTB_OPTR)
			continue;
		if ((rc = mvb_rsp_read_mem(c, base + o->off[i], w, 4)))
			return rc;
		v[i] = mvb_le32(w);
	}
	return 0;
}

/* ---- the connection to a server, for the RSP client ---- */

static long conn_read(void *ctx, unsigned char *buf, size_t n, int timeout_ms)
{
	struct probe_conn *k = ctx;
	if (k->stop && *k->stop)
		return -1;
	long r = sys_read_timeout(k->fd, buf, n, timeout_ms);
	return r == -2 ? MVB_RSP_IO_TIMEOUT : r;
}

static int conn_write(void *ctx, const unsigned char *buf, size_t n)
{
	struct probe_conn *k = ctx;
	return k->stop && *k->stop ? -1 : sys_write_all(k->fd, buf, n);
}

static uint64_t conn_now_ms(void *ctx)
{
	(void)ctx;
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

void probe_conn_io(struct probe_conn *k, struct mvb_rsp_io *io)
{
	io->ctx = k;
	io->read = conn_read;
	io->write = conn_write;
	io->now_ms = conn_now_ms;
}

volatile sig_atomic_t probe_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	probe_interrupted = 1;
}

/* What the server says while it works (OpenOCD's errors among it). */
static void on_output(void *ctx, const char *text, size_t len)
{
	fwrite(text, 1, len, ctx);
	fflush(ctx);
}

int probe_connect(const char *cmd, struct probe *p, const struct mvb_board *b, int console_fd, struct probe_conn *k,
		  struct mvb_rsp *c, int *have_rsp, unsigned long reply_s)
{
	char err[256] = "";
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fflush(stdout);
	k->stop = &probe_interrupted;
	if (probe_start(p, b, console_fd, err, sizeof(err))) {
		cli_error("%s: %s", cmd, err);
		return MVB_EXIT_IO;
	}
	k->fd = sys_tcp_connect(p->host, p->port, 5000, err, sizeof(err));
	if (k->fd < 0) {
		cli_error("%s: %s", cmd, err);
		return MVB_EXIT_IO;
	}
	struct mvb_rsp_io io;
	probe_conn_io(k, &io);
	mvb_rsp_init(c, &io);
	*have_rsp = 1;
	c->timeout_ms = (int)reply_s * 1000;
	c->output = on_output;
	c->output_ctx = stderr;
	if (mvb_rsp_start(c)) {
		cli_error("%s: %s:%d: %s", cmd, p->host, p->port, c->err);
		return MVB_EXIT_IO;
	}
	return 0;
}
