/* cmd_delta.c - `mvbuild delta`: an in-place patch between two raw images. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/delta.h"
#include "mvb/status.h"

int cmd_delta(struct cli_run *r, int argc, char **argv)
{
	const char *out = NULL;
	unsigned long page = MVB_DELTA_PAGE_DEFAULT;
	const char *base_s = NULL, *format = "text";
	int plain = 0, quiet = 0;
	const struct opt opts[] = {
		{ 'o', "output", OPT_STRING, &out, "PATCH", "write the patch to PATCH ('-': standard output)" },
		{ 0, "page-size", OPT_UINT, &page, "N", "flash erase page of the device, a power of two 256-65536 (4096)" },
		{ 0, "base-addr", OPT_STRING, &base_s, "ADDR", "address the images run at (default: from the vector table)" },
		{ 0, "plain", OPT_FLAG, &plain, NULL, "no Thumb-2 or pointer prediction: plain copies only" },
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, "print nothing on success" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "delta", "delta OLD.bin NEW.bin -o PATCH [--page-size N] [--base-addr ADDR] [--plain] [-q] [--format text|json]",
				       "Make a patch that turns raw image OLD.bin into NEW.bin in place, one flash page at a\n"
				       "time, as the microvisor applies it (format: mvbuild-delta(5)).",
				       opts, 2, 2 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!out) {
		cli_error("delta: -o PATCH is required");
		return MVB_EXIT_USAGE;
	}
	if ((rc = cli_format("delta", format, &r->json)))
		return rc;
	if (r->json && !strcmp(out, "-")) {
		cli_error("delta: --format json prints on standard output; give -o a file");
		return MVB_EXIT_USAGE;
	}
	struct mvb_delta_opts o = { (uint32_t)page, 0, 0, plain };
	if (base_s) {
		char *end;
		unsigned long long v = strtoull(base_s, &end, 0);
		if (!*base_s || *end || v > 0xffffffffull) {
			cli_error("delta: --base-addr needs an address, not '%s'", base_s);
			return MVB_EXIT_USAGE;
		}
		o.base_addr = (uint32_t)v;
		o.base_known = 1;
	}
	if (page < MVD_PAGE_MIN || page > MVD_PAGE_MAX || (page & (page - 1))) {
		cli_error("delta: --page-size %lu is not a power of two 256-65536", page);
		return MVB_EXIT_USAGE;
	}
	unsigned char *a = NULL, *b = NULL;
	size_t al, bl;
	if ((rc = cli_read(pos[0], &a, &al)) || (rc = cli_read(pos[1], &b, &bl))) {
		free(a);
		return rc;
	}
	struct mvb_buf p = MVB_BUF_INIT;
	struct mvb_delta_stats st;
	rc = mvb_delta_encode(a, al, b, bl, &o, &p, &st);
	if (rc == MVB_EINPUT) {
		struct mvb_diags d = MVB_DIAGS_INIT;
		char msg[160];
		snprintf(msg, sizeof(msg), "empty, or the images need more pages of %lu bytes than the device patcher holds",
			 page);
		cli_report_file(&d, pos[1], MVB_CK_DELTA_LIMIT, msg);
		cli_take(r, &d);
		rc = MVB_EXIT_FINDINGS;
	} else if (rc) {
		rc = cli_status(r, rc);
	} else if (!(rc = cli_write(out, p.data, p.len, 0666)) && r->json) {
		struct json *j = cli_doc(r);
		json_str(j, "output", out);
		json_int(j, "old_size", (long long)al);
		json_int(j, "new_size", (long long)bl);
		json_int(j, "patch_size", (long long)p.len);
		json_int(j, "page_size", (long long)page);
		json_int(j, "pages", st.steps);
		json_int(j, "map_entries", st.map_entries);
		json_str(j, "prediction", st.flags == (MVD_FLAG_THUMB | MVD_FLAG_PTR) ? "thumb+pointer"
					   : st.flags == MVD_FLAG_THUMB		     ? "thumb"
										     : "none");
		json_obj(j, "new_bytes");
		json_int(j, "copied", st.copy_bytes);
		json_int(j, "predicted", st.pred_bytes);
		json_int(j, "literal", st.lit_bytes);
		json_int(j, "fixed", st.fix_bytes);
		json_int(j, "lost_to_order", st.lost_bytes);
		json_end_obj(j);
	} else if (!rc && !quiet && strcmp(out, "-")) {
		printf("mvbuild: wrote %s: %zu bytes (%.2f%% of %zu), %u pages, %u map entries, %s\n", out, p.len,
		       100.0 * (double)p.len / (double)bl, bl, st.steps, st.map_entries,
		       st.flags == (MVD_FLAG_THUMB | MVD_FLAG_PTR) ? "thumb+pointer prediction"
		       : st.flags == MVD_FLAG_THUMB		   ? "thumb prediction"
								   : "plain copies");
	}
	mvb_buf_release(&p);
	free(a);
	free(b);
	return rc;
}
