/* cmd_bundle.c - `mvbuild bundle --factory`: check the app, then write the
 * microvisor, the installed-app header and the app as one image. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/image.h"
#include "sys/sys.h"

static const char *ext_of(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	return dot && (!slash || dot > slash) ? dot + 1 : "";
}

int cmd_bundle(int argc, char **argv)
{
	const char *board = MVB_DEFAULT_BOARD, *app = NULL, *out = NULL, *mv = NULL, *api = NULL;
	int factory = 0;
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board, "NAME|FILE", "board name or manifest path (default mps2-an505)" },
		{ 'a', "app", OPT_STRING, &app, "FILE", "app manifest (default: the one embedded in the ELF)" },
		{ 0, "factory", OPT_FLAG, &factory, NULL, "write a factory image (.elf, .hex or .bin by the name of OUT)" },
		{ 0, "microvisor", OPT_STRING, &mv, "ELF", "microvisor image (default: the board's prebuilt firmware)" },
		{ 0, "api", OPT_STRING, &api, "FILE", "secure entry table (default: the board's prebuilt firmware)" },
		{ 'o', "output", OPT_STRING, &out, "OUT", "output file" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "bundle",
				       "bundle APP.elf --factory -o OUT [--board NAME|FILE] [--app FILE] [--microvisor ELF] [--api FILE]",
				       "Check the app, then link it with the board's microvisor.  --factory writes one\n"
				       "image holding the microvisor, the installed-app header and the app, for a\n"
				       "programmer or for QEMU.  (Signed update bundles are not implemented yet.)",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!factory) {
		cli_error("bundle: signed update bundles are not implemented yet; use --factory");
		return MVB_EXIT_USAGE;
	}
	if (!out) {
		cli_error("bundle: -o OUT is required");
		return MVB_EXIT_USAGE;
	}
	const char *ext = ext_of(out);
	if (strcmp(ext, "elf") && strcmp(ext, "hex") && strcmp(ext, "bin")) {
		cli_error("bundle: OUT must end in .elf, .hex or .bin, not '%s'", out);
		return MVB_EXIT_USAGE;
	}
	struct check_run r;
	memset(&r, 0, sizeof(r));
	r.elf_path = pos[0];
	r.board_arg = board;
	r.app_path = app;
	r.api_path = api;
	rc = check_run_exec(&r);
	if (rc >= 0 || r.diags.errors) {
		cli_render_diags(stderr, &r.diags);
		if (rc < 0) {
			cli_error("bundle: '%s' has %u error%s; fix them first ('mvbuild check' lists them)", pos[0],
				  r.diags.errors, r.diags.errors == 1 ? "" : "s");
			rc = MVB_EXIT_FINDINGS;
		}
		check_run_release(&r);
		return rc;
	}
	cli_render_diags(stderr, &r.diags); /* warnings */

	char mvpath[PATH_MAX];
	if (mv)
		snprintf(mvpath, sizeof(mvpath), "%s", mv);
	else
		snprintf(mvpath, sizeof(mvpath), "%s/firmware/prebuilt/%s/microvisor.elf", sys_data_dir(), r.board.name);
	unsigned char *mvdata = NULL;
	size_t mvlen = 0;
	struct mvb_elf mve;
	struct mvb_buf image = MVB_BUF_INIT, file = MVB_BUF_INIT;
	struct mvb_diags d2 = MVB_DIAGS_INIT;
	memset(&mve, 0, sizeof(mve));
	if ((rc = cli_read(mvpath, &mvdata, &mvlen)))
		goto out;
	if ((rc = mvb_elf_parse(&mve, mvpath, mvdata, mvlen, &d2))) {
		cli_render_diags(stderr, &d2);
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (mvb_app_image(&r.elf, &r.board, &image)) {
		cli_error("bundle: cannot lay out the app image");
		rc = MVB_EXIT_INTERNAL;
		goto out;
	}
	const struct mvb_partition *hp = mvb_board_role(&r.board, MVB_ROLE_APP_HEADER);
	const struct mvb_partition *fp = mvb_board_role(&r.board, MVB_ROLE_APP_CODE);
	struct mvb_app_header h;
	unsigned char hbytes[MVB_APPHDR_SIZE];
	mvb_apphdr_build(&h, r.have_app ? &r.app : NULL, &r.out.grant, r.out.min_abi, mvb_partition_ns_base(&r.board, fp),
			 image.data, (uint32_t)image.len);
	mvb_apphdr_encode(&h, hbytes);
	struct mvb_image img;
	memset(&img, 0, sizeof(img));
	rc = mvb_image_add_elf(&img, &mve, "microvisor");
	rc |= mvb_image_add(&img, mvb_partition_base(&r.board, hp), hbytes, sizeof(hbytes), "app header");
	rc |= mvb_image_add(&img, mvb_partition_ns_base(&r.board, fp), image.data, (uint32_t)image.len, "app");
	if (rc) {
		cli_error("bundle: too many segments");
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (mvb_image_check(&img, &r.board, &d2)) {
		cli_render_diags(stderr, &d2);
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (!strcmp(ext, "elf"))
		rc = mvb_image_write_elf(&img, mve.entry, &file);
	else if (!strcmp(ext, "hex"))
		rc = mvb_image_write_ihex(&img, &file);
	else if (mvb_image_write_bin(&img, &r.board, &file, &d2)) {
		cli_render_diags(stderr, &d2);
		rc = MVB_EXIT_FINDINGS;
		goto out;
	}
	if (rc) {
		cli_error("out of memory");
		rc = MVB_EXIT_IO;
		goto out;
	}
	if (!(rc = cli_write(out, file.data, file.len, 0644))) {
		size_t mvbytes = 0;
		for (size_t i = 0; i < mve.nseg; i++)
			mvbytes += mve.seg[i].filesz;
		fprintf(stderr, "mvbuild: wrote %s: microvisor %zu B, app header %u B, app %zu B\n", out, mvbytes,
			MVB_APPHDR_SIZE, image.len);
	}
out:
	mvb_elf_release(&mve);
	free(mvdata);
	mvb_buf_release(&image);
	mvb_buf_release(&file);
	mvb_diags_release(&d2);
	check_run_release(&r);
	return rc;
}
