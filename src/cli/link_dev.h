/* link_dev.h - the link to a device as the link commands open it (serve,
 * status, logs, crash get, debug): a TCP socket, a serial port, or QEMU
 * mps2-an505 started here with the link on UART4 and its console on a
 * pipe; and the AUTH a debug key signs for a device's CHALLENGE.
 *
 * struct link_dev owns the descriptors and the QEMU process it opened;
 * link_dev_close releases them (and is safe on a link never opened). */
#ifndef MVB_CLI_LINK_DEV_H
#define MVB_CLI_LINK_DEV_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "mvb/auth.h"
#include "mvb/link.h"

#define LINK_DEV_LINE_MAX 1024 /* console bytes passed on as one line at most */

struct link_dev {
	const char *tag;        /* the prefix of its errors: "serve", "debug" */
	const char *device;     /* --device, or NULL */
	const char *qemu_image; /* --qemu, or NULL */
	int fd;                 /* the link, non-blocking; -1 */
	pid_t qemu;             /* -1: not started, or ended */
	int console_fd;         /* QEMU's console pipe; -1 */
	FILE *qemu_err;         /* QEMU's own messages */
	int qemu_status;        /* its exit status; -1: running or not started */
	char console_line[LINK_DEV_LINE_MAX + 1];
	size_t console_len;
	/* a whole console line (no newline), for the caller to show */
	void (*line)(void *ctx, const char *text, size_t len);
	void *line_ctx;
};

/* Cannot fail. */
void link_dev_init(struct link_dev *d, const char *tag, const char *device, const char *qemu);
/* Opens the link (starts QEMU, waiting for it to connect until deadline,
 * progress_now() time; 0: 10 s); *stop set by a signal handler cuts the
 * wait short.  0, or the exit status after saying why. */
int link_dev_open(struct link_dev *d, unsigned long baud, int baud_given, double deadline, volatile sig_atomic_t *stop);
/* What QEMU's console has to say, waiting up to timeout_ms for it. */
void link_dev_console_drain(struct link_dev *d, int timeout_ms);
/* The link closed, QEMU stopped, its last console lines passed on. */
void link_dev_close(struct link_dev *d);

/* The AUTH (MVB_AUTH_SIZE bytes) for challenge ch, signed with key (from
 * key_path) for `seconds` (cut to the device's lc_max_s unless
 * seconds_given).  0, or the exit status with why[] saying what failed
 * (empty: cli_random said it). */
int link_dev_auth_sign(const struct mvl_challenge *ch, const struct mvb_key *key, const char *key_path,
                       uint32_t seconds, int seconds_given, uint8_t out[MVB_AUTH_SIZE], char *why, size_t whylen);

/* The words for an error response's code (MVL_E_*). */
const char *link_dev_error_text(uint32_t code);
/* "error N (text)" for an error response's code and detail. */
void link_dev_error_str(uint32_t code, uint32_t detail, char *out, size_t n);

/* --auth-file: a saved AUTH (mvb/auth.h), read and checked (size and
 * magic) into out; 0, or an exit status after a "TAG: ..." message. */
int link_dev_read_auth(const char *tag, const char *path, uint8_t out[MVB_AUTH_SIZE]);
/* Whether the command line names the option `name` ("--baud"). */
int cli_has_option(int argc, char **argv, const char *name);

/* The options of every command that talks to a device over its link:
 * --device, --baud and --qemu (QEMU_META its value's name, QEMU_HELP what
 * the command does with the image), for a struct opt table. */
#define LINK_DEV_OPTS(device, baud, qemu, QEMU_META, QEMU_HELP)                                                  \
	{'d', "device", OPT_STRING, (device), "tcp:HOST:PORT|/dev/ttyX",                                         \
	 "the link: a TCP socket (QEMU's chardev server) or a serial port"},                                      \
	    {0, "baud", OPT_UINT, (baud), "N", "serial port speed (default 115200)"},                              \
	    {0, "qemu", OPT_STRING, (qemu), QEMU_META, QEMU_HELP}

/* The link options checked for command `cmd`: one of --device and --qemu,
 * --baud only with a serial --device, --format, a readable --qemu image
 * (sets cr->json); 0, or an exit status after a "CMD: ..." message. */
int link_dev_args(struct cli_run *cr, const char *cmd, const char *device, const char *qemu, int baud_set,
                  const char *format);

#endif
