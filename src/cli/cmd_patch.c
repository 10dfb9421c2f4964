/* cmd_patch.c - `mvbuild patch`: a patch applied to a raw image as the
 * device applies it, over a simulated flash. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/delta.h"
#include "mvb/status.h"

int cmd_patch(struct cli_run *r, int argc, char **argv)
{
	const char *out = NULL;
	const struct opt opts[] = {
		{ 'o', "output", OPT_STRING, &out, "NEW.bin", "write the patched image to NEW.bin ('-': standard output)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "patch", "patch OLD.bin PATCH -o NEW.bin",
				       "Apply a patch made by 'mvbuild delta' to OLD.bin with the device patcher, over a\n"
				       "simulated flash, and check the result against the patch's SHA-256.",
				       opts, 2, 2 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!out) {
		cli_error("patch: -o NEW.bin is required");
		return MVB_EXIT_USAGE;
	}
	unsigned char *a = NULL, *p = NULL;
	size_t al, pl;
	if ((rc = cli_read(pos[0], &a, &al)) || (rc = cli_read(pos[1], &p, &pl))) {
		free(a);
		return rc;
	}
	struct mvb_buf img = MVB_BUF_INIT;
	rc = cli_status(r, mvb_delta_apply(a, al, p, pl, pos[1], &img, &r->diags));
	if (!rc)
		rc = cli_write(out, img.data, img.len, 0666);
	mvb_buf_release(&img);
	free(a);
	free(p);
	return rc;
}
