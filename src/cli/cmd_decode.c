/* cmd_decode.c - `mvbuild decode`: a microvisor console (a file, or a
 * serial terminal's output as it comes) with its tokens, "{@ID|...}" for
 * a message and "{#HEX}" for a reason, turned back into their texts
 * (src/core/reason.c).  A filter: every other byte passes as it is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli/cli.h"
#include "mvb/reason.h"

/* Bytes read at a time; with the few held back, all the memory a stream
 * of any length or line length takes. */
#define DECODE_CHUNK 4096

/* Writes in[0..len) decoded to out. */
static void emit(const char *in, size_t len, FILE *out)
{
	while (len) {
		size_t tl, at = mvb_token_find(in, len, &tl);
		fwrite(in, 1, at, out);
		if (!tl)
			return;
		char text[1024];
		size_t n = mvb_token_text(in + at, tl, text, sizeof(text));
		fwrite(text, 1, n < sizeof(text) ? n : sizeof(text) - 1, out);
		in += at + tl;
		len -= at + tl;
	}
}

int cli_decode_stream(int fd, FILE *out, const char *name)
{
	/* buf: the bytes held back from the last piece (a token's possible
	 * start), then the new piece */
	char buf[MVB_TOKEN_MAX + DECODE_CHUNK];
	size_t held = 0;
	int rc = MVB_EXIT_OK;
	for (;;) {
		ssize_t n = read(fd, buf + held, DECODE_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read '%s': %s", name, strerror(errno));
			rc = MVB_EXIT_IO;
		}
		if (n <= 0) { /* the end: what was held is no token, shown as it is */
			fwrite(buf, 1, held, out);
			break;
		}
		size_t len = held + (size_t)n;
		held = mvb_console_pending(buf, len);
		emit(buf, len - held, out);
		memmove(buf, buf + len - held, held);
		/* live: what came is shown now, not when a buffer fills; a
		 * failed write is status 3 in main's check of stdout */
		if (fflush(out) != 0)
			break;
	}
	fflush(out);
	return rc;
}

int cli_decoder_start(int out_fd, struct cli_decoder *d)
{
	int pfd[2];
	d->fd = -1;
	d->pid = -1;
	if (pipe(pfd) != 0)
		return -1;
	fflush(NULL); /* nothing buffered here is written twice */
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[1]);
		FILE *out = fdopen(out_fd, "w");
		_exit(out ? cli_decode_stream(pfd[0], out, "the console") : MVB_EXIT_IO);
	}
	close(pfd[0]);
	(void)fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
	d->fd = pfd[1];
	d->pid = pid;
	return 0;
}

void cli_decoder_finish(struct cli_decoder *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (d->pid > 0) {
		int st;
		while (waitpid(d->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	d->pid = -1;
}

int cmd_decode(struct cli_run *r, int argc, char **argv)
{
	(void)r;
	const struct cmd_spec spec = {
		"decode", "decode [FILE]",
		"Copy a microvisor console (FILE, or standard input when there is none or it is\n"
		"'-') to standard output with each message token '{@ID|VALUE...}' and reason\n"
		"token '{#HEX}' replaced by the microvisor's text for it, as it comes:\n"
		"'picocom /dev/ttyACM0 | mvbuild decode'.  Every other byte passes as it is;\n"
		"an unknown message or code, or a malformed token, too.",
		NULL, 0, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	const char *path = npos && strcmp(pos[0], "-") ? pos[0] : NULL;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0) {
		cli_error("cannot read '%s': %s", path, strerror(errno));
		return MVB_EXIT_IO;
	}
	rc = cli_decode_stream(fd, stdout, path ? path : "standard input");
	if (path)
		close(fd);
	return rc;
}
