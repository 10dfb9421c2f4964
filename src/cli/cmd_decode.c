/* cmd_decode.c - `mvbuild decode`: a microvisor console (a file, or a
 * serial terminal's output as it comes) with its reason tokens "{#HEX}"
 * turned back into their texts (src/core/reason.c).  A filter: every other
 * byte passes as it is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "mvb/reason.h"

/* Bytes read at a time; with the few held back, all the memory a stream
 * of any length or line length takes. */
#define DECODE_CHUNK 4096

/* Writes in[0..len) decoded to standard output. */
static void emit(const char *in, size_t len)
{
	while (len) {
		size_t tl;
		uint32_t code;
		size_t at = mvb_reason_find(in, len, &tl, &code);
		fwrite(in, 1, at, stdout);
		if (!tl)
			return;
		fputs(mvb_reason_text(code), stdout);
		in += at + tl;
		len -= at + tl;
	}
}

int cmd_decode(struct cli_run *r, int argc, char **argv)
{
	(void)r;
	const struct cmd_spec spec = {
		"decode", "decode [FILE]",
		"Copy a microvisor console (FILE, or standard input when there is none or it is\n"
		"'-') to standard output with each reason token '{#HEX}' replaced by the\n"
		"microvisor's text for it, as it comes: 'picocom /dev/ttyACM0 | mvbuild decode'.\n"
		"Every other byte passes as it is; an unknown code or a malformed token too.",
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
	/* buf: the bytes held back from the last piece (a token's possible
	 * start), then the new piece */
	char buf[MVB_REASON_TOKEN_MAX + DECODE_CHUNK];
	size_t held = 0;
	rc = MVB_EXIT_OK;
	for (;;) {
		ssize_t n = read(fd, buf + held, DECODE_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cli_error("cannot read '%s': %s", path ? path : "standard input", strerror(errno));
			rc = MVB_EXIT_IO;
		}
		if (n <= 0) { /* the end: what was held is no token, shown as it is */
			fwrite(buf, 1, held, stdout);
			break;
		}
		size_t len = held + (size_t)n;
		held = mvb_reason_pending(buf, len);
		emit(buf, len - held);
		memmove(buf, buf + len - held, held);
		/* live: what came is shown now, not when a buffer fills; a
		 * failed write is status 3 in main's check of stdout */
		if (fflush(stdout) != 0)
			break;
	}
	if (path)
		close(fd);
	return rc;
}
