/*
 * probe.h - how mvbuild reaches a device's GDB server: a table of probes
 * whose server mvbuild starts (QEMU's gdbstub, st-util, OpenOCD), and
 * gdb://HOST:PORT for a server already running.  A new probe (pyOCD,
 * J-Link, Black Magic) is a row of probe.c: its name, the monitor command
 * that resets the device, whether a board can use it, and how to start
 * its server.
 */
#ifndef MVB_CLI_PROBE_H
#define MVB_CLI_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <sys/types.h>
#include "mvb/board.h"

struct probe;

/* How OpenOCD resets and attaches to a board: the probe's reset line, held
 * while it connects (a microvisor's SYSRESETREQS can ignore a debugger's
 * software reset). */
#define PROBE_OPENOCD_RESET "reset_config srst_only srst_nogate connect_assert_srst"

struct probe_kind {
	const char *name;  /* as --probe takes it */
	const char *reset; /* monitor command that resets the device, or NULL */
	/* 1 when it is board b's probe (the first such row is the default) */
	int (*is_default)(const struct mvb_board *b);
	/* NULL: any board may use it; else 1 when b can, and unfit says why
	 * not ("board 'NAME' <unfit>") */
	int (*fits)(const struct mvb_board *b);
	const char *unfit;
	/* starts the server and sets host and port; -1 with err on failure */
	int (*start)(struct probe *p, const struct mvb_board *b, int console_fd, char *err, size_t n);
	/* the device's console comes back through mvbuild, which runs it
	 * until it exits (QEMU with semihosting) */
	int runs;
};

struct probe {
	const struct probe_kind *kind; /* NULL: gdb://HOST:PORT */
	char host[256];
	int port;
	pid_t child;       /* the server mvbuild started, or -1 */
	const char *reset; /* monitor command, or NULL */
	FILE *child_err;   /* QEMU's standard error, shown when it has ended */
};

/* --probe ARG (NULL: the board's first probe in table order) into p.
 * Returns 0 or MVB_EXIT_USAGE after saying why. */
int probe_parse(const char *arg, const struct mvb_board *b, struct probe *p);
/* Starts the probe's server when mvbuild runs one (console_fd: where the
 * device's console goes, -1: standard output).  0, or -1 with err. */
int probe_start(struct probe *p, const struct mvb_board *b, int console_fd, char *err, size_t n);
struct mvb_rsp;
/* A server behind gdb://HOST:PORT that says it is QEMU's gdbstub (QEMU
 * started by hand) is reset as --probe qemu resets it, unless --reset was
 * given: else the device would resume at the reset vector it read before
 * the image was written.  Returns 0 or an enum mvb_rsp_rc (c->err). */
int probe_identify(struct probe *p, struct mvb_rsp *c, int reset_given);
/* Stops the server mvbuild started and shows what QEMU said. */
void probe_stop(struct probe *p);
/* What QEMU wrote to its standard error (a temporary file, closed here),
 * to ours, without the line QEMU prints when mvbuild stops it (also for
 * serve's QEMU). */
void probe_qemu_messages(FILE **child_err);
/* A connection to a server for the RSP client: every read and write
 * fails once *stop is set (a signal), when stop is not NULL. */
struct probe_conn {
	int fd;
	volatile sig_atomic_t *stop;
};
struct mvb_rsp_io;
void probe_conn_io(struct probe_conn *k, struct mvb_rsp_io *io);
/* Set by SIGINT or SIGTERM once probe_connect has run: every read and
 * write of its connection then fails. */
extern volatile sig_atomic_t probe_interrupted;
struct mvb_rsp;
/* Catches SIGINT and SIGTERM (no SA_RESTART: blocking calls return
 * EINTR), starts p's server (console_fd as for probe_start), connects k
 * and starts the RSP client c on it, each reply due within reply_s
 * seconds, the server's output to standard error.  *have_rsp is set once
 * c needs mvb_rsp_release.  0, or MVB_EXIT_IO after saying why (messages
 * start with cmd). */
int probe_connect(const char *cmd, struct probe *p, const struct mvb_board *b, int console_fd, struct probe_conn *k,
		  struct mvb_rsp *c, int *have_rsp, unsigned long reply_s);
struct mvb_optb;
/* Reads a board's option-byte registers (mvb/optbytes.h) through the
 * server into v.  Returns 0 or an enum mvb_rsp_rc (c->err). */
int probe_read_optbytes(struct mvb_rsp *c, const struct mvb_optb *o, uint32_t v[4]);
/* "qemu", "stlink", "openocd" or "gdb". */
const char *probe_name(const struct probe *p);

#endif
