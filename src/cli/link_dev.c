/* link_dev.c - the link to a device (link_dev.h): open it (TCP, a serial
 * port, QEMU started here), pass QEMU's console on, close it; and the
 * AUTH a debug key signs, for crash get and debug alike. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/link_dev.h"
#include "cli/probe.h"
#include "cli/progress.h"
#include "mvb/hash.h"
#include "sys/serial.h"
#include "sys/sys.h"

void link_dev_init(struct link_dev *d, const char *tag, const char *device, const char *qemu)
{
	memset(d, 0, sizeof(*d));
	d->tag = tag;
	d->device = device;
	d->qemu_image = qemu;
	d->fd = d->console_fd = -1;
	d->qemu = -1;
	d->qemu_status = -1;
}

static void console_bytes(struct link_dev *r, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n' || r->console_len == LINK_DEV_LINE_MAX) {
			if (r->line)
				r->line(r->line_ctx, r->console_line, r->console_len);
			r->console_len = 0;
			if (b[i] == '\n')
				continue;
		}
		r->console_line[r->console_len++] = b[i];
	}
}

void link_dev_console_drain(struct link_dev *r, int timeout_ms)
{
	char b[4096];
	while (r->console_fd >= 0) {
		long k = sys_read_timeout(r->console_fd, b, sizeof(b), timeout_ms);
		if (k == -2)
			return;
		if (k <= 0) {
			close(r->console_fd);
			r->console_fd = -1;
			break;
		}
		console_bytes(r, b, (size_t)k);
	}
	if (r->console_len) {
		if (r->line)
			r->line(r->line_ctx, r->console_line, r->console_len);
		r->console_len = 0;
	}
}

/* QEMU mps2-an505 with the image, the console (UART0, and UART1 for the
 * app) on a pipe to us, and the link (UART4: QEMU gives the -serial
 * options to UART0..4 in order) connecting to a loopback socket of ours,
 * which it does before the guest runs, so the device's first HELLO is
 * never lost. */
static int start_qemu(struct link_dev *r, double deadline, volatile sig_atomic_t *stop)
{
	int port, lfd = sys_listen_loopback(&port);
	int pfd[2];
	if (lfd < 0) {
		cli_error("%s: cannot open a loopback port: %s", r->tag, strerror(errno));
		return MVB_EXIT_IO;
	}
	if (pipe(pfd) < 0) {
		cli_error("%s: cannot make a pipe: %s", r->tag, strerror(errno));
		close(lfd);
		return MVB_EXIT_IO;
	}
	/* neither end goes to QEMU but as its standard output */
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	const char *qemu = getenv("MVBUILD_QEMU");
	char linkdev[128];
	snprintf(linkdev, sizeof(linkdev), "socket,id=mvlink,host=127.0.0.1,port=%d,server=off,nodelay=on", port);
	char *argv[] = {(char *)(qemu && *qemu ? qemu : "qemu-system-arm"),
	                "-M",
	                "mps2-an505",
	                "-display",
	                "none",
	                "-monitor",
	                "none",
	                "-no-reboot",
	                "-semihosting-config",
	                "enable=on,target=native",
	                "-kernel",
	                (char *)r->qemu_image,
	                "-chardev",
	                "stdio,id=con,mux=on",
	                "-serial",
	                "chardev:con",
	                "-serial",
	                "chardev:con",
	                "-serial",
	                "null",
	                "-serial",
	                "null",
	                "-chardev",
	                linkdev,
	                "-serial",
	                "chardev:mvlink",
	                NULL};
	r->qemu_err = tmpfile();
	r->qemu = sys_spawn(argv, -1, pfd[1], r->qemu_err ? fileno(r->qemu_err) : -1);
	close(pfd[1]);
	if (r->qemu < 0) {
		cli_error("%s: cannot start %s: %s", r->tag, argv[0], strerror(errno));
		close(pfd[0]);
		close(lfd);
		return MVB_EXIT_IO;
	}
	r->console_fd = pfd[0];
	/* QEMU connects while it starts; give it ten seconds at most */
	double end = progress_now() + 10;
	if (deadline > 0 && deadline < end)
		end = deadline;
	for (;;) {
		struct pollfd p = {lfd, POLLIN, 0};
		if (poll(&p, 1, 100) == 1) {
			r->fd = accept(lfd, NULL, NULL);
			if (r->fd >= 0 && fcntl(r->fd, F_SETFD, FD_CLOEXEC) == 0 && sys_set_nonblock(r->fd) == 0)
				break;
			if (r->fd >= 0)
				close(r->fd);
			r->fd = -1;
		}
		int st;
		if (sys_wait(r->qemu, 0, &st) == 0) {
			r->qemu = -1;
			r->qemu_status = st;
			close(lfd);
			link_dev_console_drain(r, 0);
			probe_qemu_messages(&r->qemu_err);
			cli_error("%s: %s ended with status %d before it connected the link%s", r->tag, argv[0], st,
			          st == 127 ? " (is qemu-system-arm installed? Debian: apt-get install qemu-system-arm)"
			                    : "");
			return MVB_EXIT_IO;
		}
		if ((stop && *stop) || progress_now() >= end) {
			close(lfd);
			cli_error("%s: QEMU did not connect the link within %.0f s", r->tag, 10.0);
			return MVB_EXIT_IO;
		}
	}
	close(lfd);
	return 0;
}

/* ---- the link */

static int open_device(struct link_dev *r, unsigned long baud, int baud_given)
{
	char err[256];
	const char *d = r->device;
	if (!strncmp(d, "tcp:", 4)) {
		if (baud_given) {
			cli_error("%s: --baud applies to a serial port, not to '%s'", r->tag, d);
			return MVB_EXIT_USAGE;
		}
		const char *hp = d + 4, *colon = strrchr(hp, ':');
		char host[256], *end;
		long port = colon ? strtol(colon + 1, &end, 10) : -1;
		if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof(host) || *end || port < 1 || port > 65535) {
			cli_error("%s: bad --device '%s' (expected tcp:HOST:PORT)", r->tag, d);
			return MVB_EXIT_USAGE;
		}
		memcpy(host, hp, (size_t)(colon - hp));
		host[colon - hp] = 0;
		size_t hl = strlen(host);
		if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = 0;
		}
		r->fd = sys_tcp_connect(host, (int)port, 5000, err, sizeof(err));
		if (r->fd < 0 || sys_set_nonblock(r->fd)) {
			cli_error("%s: %s", r->tag, err);
			return MVB_EXIT_IO;
		}
		return 0;
	}
	if (d[0] != '/') {
		cli_error("%s: bad --device '%s' (expected tcp:HOST:PORT or a serial port such as /dev/ttyACM0)",
		          r->tag, d);
		return MVB_EXIT_USAGE;
	}
	if (!sys_serial_baud_ok(baud)) {
		cli_error("%s: --baud %lu is no rate a serial port here can be set to (115200, 9600, 921600, ...)",
		          r->tag, baud);
		return MVB_EXIT_USAGE;
	}
	r->fd = sys_serial_open(d, baud, err, sizeof(err));
	if (r->fd < 0) {
		cli_error("%s: %s", r->tag, err);
		return MVB_EXIT_IO;
	}
	return 0;
}

int link_dev_open(struct link_dev *d, unsigned long baud, int baud_given, double deadline, volatile sig_atomic_t *stop)
{
	return d->qemu_image ? start_qemu(d, deadline, stop) : open_device(d, baud, baud_given);
}

void link_dev_close(struct link_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->qemu > 0)
		sys_stop(d->qemu);
	d->qemu = -1;
	if (d->console_fd >= 0) {
		link_dev_console_drain(d, 0);
		if (d->console_fd >= 0)
			close(d->console_fd);
		d->console_fd = -1;
	}
	probe_qemu_messages(&d->qemu_err);
}

int link_dev_auth_sign(const struct mvl_challenge *ch, const struct mvb_key *key, const char *key_path,
                       uint32_t seconds, int seconds_given, uint8_t out[MVB_AUTH_SIZE], char *why, size_t whylen)
{
	uint8_t seed[48], id[8];
	char want[17], have[17];
	why[0] = 0;
	int rc = cli_random(seed, sizeof(seed));
	if (rc)
		return rc;
	if (!seconds_given && ch->lc_max_s && seconds > ch->lc_max_s)
		seconds = ch->lc_max_s; /* the default, to what this device allows */
	struct mvl_auth a;
	enum mvb_auth_status st = mvb_auth_build(&a, ch, key, seconds, seed, sizeof(seed));
	memset(seed, 0, sizeof(seed));
	mvb_hex(ch->lc_key_id, 8, want);
	mvb_key_id(key, id);
	mvb_hex(id, 8, have);
	switch (st) {
	case MVB_AUTH_OK:
		mvb_auth_put(out, &a);
		return 0;
	case MVB_AUTH_NO_DEBUG_KEY:
		snprintf(why, whylen, "the device trusts no debug key: provision one with --trust-debug");
		return MVB_EXIT_IO;
	case MVB_AUTH_OTHER_KEY:
		snprintf(why, whylen, "%s (id %s) is not the debug key this device trusts (id %s)", key_path, have,
		         want);
		return MVB_EXIT_IO;
	case MVB_AUTH_SECONDS:
		snprintf(why, whylen, "--seconds %u is more than the device allows (%u s)", (unsigned)seconds,
		         (unsigned)ch->lc_max_s);
		return MVB_EXIT_IO;
	default:
		snprintf(why, whylen, "signing the authorization with '%s' failed", key_path);
		return MVB_EXIT_INTERNAL;
	}
}

const char *link_dev_error_text(uint32_t code)
{
	switch (code) {
	case MVL_E_NOT_FOUND:
		return "no such object";
	case MVL_E_RANGE:
		return "offset past the end";
	case MVL_E_REPOSITORY:
		return "repository failure";
	case MVL_E_BAD_REQUEST:
		return "malformed request";
	case MVL_E_UNSUPPORTED:
		return "not served";
	case MVL_E_TOO_SOON:
		return "asked again too soon";
	case MVL_E_TRIAL:
		return "a release is on trial: asked again after its outcome";
	case MVL_E_AUTH:
		return "not authorized";
	case MVL_E_RUNNING:
		return "the app runs";
	case MVL_E_ACCESS:
		return "no access there";
	case MVL_E_FULL:
		return "no room for another breakpoint";
	default:
		return "unknown error";
	}
}

void link_dev_error_str(uint32_t code, uint32_t detail, char *out, size_t n)
{
	if (code == MVL_E_AUTH) {
		const char *t = mvb_auth_detail_text(detail);
		if (t)
			snprintf(out, n, "error 8, %s", t);
		else
			snprintf(out, n, "error 8, detail %u", (unsigned)detail);
	} else {
		snprintf(out, n, "error %u (%s)", (unsigned)code, link_dev_error_text(code));
	}
}

int link_dev_read_auth(const char *tag, const char *path, uint8_t out[MVB_AUTH_SIZE])
{
	unsigned char *data;
	size_t len;
	struct mvl_auth a;
	int rc = cli_read(path, &data, &len);
	if (rc)
		return rc;
	if (mvb_auth_get(data, len, &a)) {
		cli_error("%s: '%s' is no saved AUTH (%zu bytes; one is %u bytes starting with \"MVDA\", as "
		          "--save-auth writes it)",
		          tag, path, len, MVB_AUTH_SIZE);
		free(data);
		return MVB_EXIT_USAGE;
	}
	mvb_auth_put(out, &a);
	free(data);
	return 0;
}

int cli_has_option(int argc, char **argv, const char *name)
{
	size_t n = strlen(name);
	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], name, n) && (argv[i][n] == 0 || argv[i][n] == '='))
			return 1;
	return 0;
}

int link_dev_args(struct cli_run *cr, const char *cmd, const char *device, const char *qemu, int baud_set,
		     const char *format)
{
	int rc;
	if (!device == !qemu) {
		cli_error("%s: one of --device or --qemu is required", cmd);
		return MVB_EXIT_USAGE;
	}
	if (qemu && baud_set) {
		cli_error("%s: --baud applies to a serial --device, not to --qemu", cmd);
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format(cmd, format, &cr->json)))
		return rc;
	if (qemu && !sys_is_file(qemu)) {
		cli_error("%s: cannot read '%s': %s", cmd, qemu, errno ? strerror(errno) : "not a regular file");
		return MVB_EXIT_IO;
	}
	return 0;
}
