/* cmd_gen.c - `mvbuild gen header|ld`: firmware configuration from a board. */
#include <string.h>
#include "cli/cli.h"
#include "mvb/gen.h"

int cmd_gen(struct cli_run *r, int argc, char **argv)
{
	const char *board = MVB_DEFAULT_BOARD, *out = "-";
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board, "NAME|FILE", "board name or manifest path (default mps2-an505)" },
		{ 'o', "output", OPT_STRING, &out, "FILE", "write here (default standard output)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "gen", "gen header|ld [--board NAME|FILE] [-o FILE]",
				       "Generate the firmware's board configuration from a board manifest: a C header\n"
				       "of addresses and peripheral tables (header), or a linker-script MEMORY block\n"
				       "with one region per partition (ld).  Output is marked do-not-edit.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int (*gen)(const struct mvb_board *, struct mvb_buf *) = NULL;
	if (!strcmp(pos[0], "header"))
		gen = mvb_gen_header;
	else if (!strcmp(pos[0], "ld"))
		gen = mvb_gen_ld;
	else {
		cli_error("gen: unknown kind '%s' (header or ld)", pos[0]);
		return MVB_EXIT_USAGE;
	}
	struct mvb_board b;
	if ((rc = cli_run_board(r, board, &b)))
		return rc;
	struct mvb_buf o = MVB_BUF_INIT;
	if (gen(&b, &o)) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
	} else {
		rc = cli_write(out, o.data, o.len, 0666);
	}
	mvb_buf_release(&o);
	mvb_board_release(&b);
	return rc;
}
