/* cmd_flash.c - `mvbuild flash`: write a bundle or a factory image to a
 * device through a GDB server (QEMU's gdbstub, st-util, OpenOCD, or any
 * server at gdb://HOST:PORT), verify it, reset, and for QEMU stream the
 * console until the microvisor ends the run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/probe.h"
#include "cli/progress.h"
#include "mvb/flash.h"
#include "mvb/optbytes.h"
#include "mvb/rsp.h"
#include "sys/sys.h"

/* ---- what to write ---- */

/* The rest of load_image for a parsed bundle: payload (over base for
 * delta layers), board, signatures, then the plan; findings in the run. */
static int load_bundle(struct cli_run *r, const char *path, const struct mvb_bundle_view *v,
		       const struct mvb_bundle_view *base, const char *board_arg, int allow_unsigned, const char *keys,
		       struct mvb_board *b, struct mvb_flash_plan *plan)
{
	struct mvb_diags *d = &r->diags;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = path;
	int rc;
	if (mvb_bundle_check_payload_base(v, base, path, d))
		return MVB_EXIT_FINDINGS;
	if ((rc = cli_bundle_board(v, path, board_arg, b, d)))
		return rc;
	/* signatures: at least one; with --key one valid by a trusted key */
	if (keys && !allow_unsigned) {
		struct mvb_key *k[CLI_MAX_KEYS];
		unsigned nk, good;
		if ((rc = cli_load_public_keys(r, keys, k, &nk)))
			return rc;
		rc = mvb_bundle_check_sigs(v, path, k, nk, &good, d);
		cli_free_keys(k, &nk);
		if (rc)
			return MVB_EXIT_FINDINGS;
	} else if (v->ns && !allow_unsigned) {
		/* say so: a signature nobody checked is no reason for trust */
		fprintf(stderr, "flash: note: %u signature%s not checked (no --key)\n", v->ns, v->ns == 1 ? "" : "s");
	} else if (!v->ns && !allow_unsigned) {
		mvb_report_hint(d, &l, MVB_CK_BUNDLE_UNSIGNED, "sign it with 'mvbuild sign', or pass --allow-unsigned",
				"the bundle is unsigned");
		return MVB_EXIT_FINDINGS;
	}
	return cli_status(r, mvb_flash_plan_bundle(plan, v, base, b, path, d));
}

static int load_image(struct cli_run *r, const char *path, const char *board_arg, int allow_unsigned, const char *keys,
		      const char *base_path, struct mvb_board *b, struct mvb_flash_plan *plan, unsigned char **data,
		      size_t *len, int *is_bundle)
{
	int rc = cli_read(path, data, len);
	if (rc)
		return rc;
	*is_bundle = *len >= 4 && mvb_le32(*data) == MVB_BUNDLE_MAGIC;
	if (*is_bundle) {
		struct mvb_bundle_view v;
		if (mvb_bundle_parse(&v, path, *data, *len, &r->diags))
			return MVB_EXIT_FINDINGS;
		/* delta layers decode over the bundle the device runs (--base) */
		unsigned char *bdata = NULL;
		size_t blen;
		struct mvb_bundle_view bv;
		if (base_path && (rc = cli_load_bundle(r, base_path, &bdata, &blen, &bv)))
			return rc;
		rc = load_bundle(r, path, &v, base_path ? &bv : NULL, board_arg, allow_unsigned, keys, b, plan);
		free(bdata);
		return rc;
	}
	if (base_path) {
		cli_error("flash: --base is for delta bundles; '%s' is not a bundle", path);
		return MVB_EXIT_USAGE;
	}
	/* a factory image: ELF or Intel HEX, at the board's addresses */
	if ((rc = cli_load_board(board_arg ? board_arg : MVB_DEFAULT_BOARD, b, &r->diags)))
		return rc;
	return cli_status(r, mvb_flash_plan_image(plan, *data, *len, b, path, &r->diags));
}

/* A board with option bytes (STM32U5) is checked through the probe before
 * anything is written: an image the chip would not boot, or secure flash
 * the probe cannot write, is refused with each value it needs. */
static int check_optbytes(struct mvb_rsp *c, const struct mvb_board *b, const struct probe *p)
{
	struct mvb_optb o;
	uint32_t v[MVB_OPTB_REGS];
	char why[2048];
	unsigned stuck;
	if (!mvb_optb_board(b, &o))
		return 0;
	if (probe_read_optbytes(c, &o, v)) {
		cli_error("flash: %s:%d: cannot read the option bytes: %s", p->host, p->port, c->err);
		return MVB_EXIT_IO;
	}
	unsigned n = mvb_optb_check(&o, v, why, sizeof(why), &stuck);
	if (!n)
		return 0;
	for (char *line = strtok(why, "\n"); line; line = strtok(NULL, "\n"))
		cli_error("flash: option bytes: %s", line);
	if (stuck == n)
		cli_error("flash: the chip's option bytes would not let the microvisor boot or be written; nothing was "
			  "written");
	else
		cli_error("flash: the chip's option bytes would not let the microvisor boot or be written; nothing was "
			  "written ('mvbuild provision --board %s' sets %s)", b->name, stuck ? "the others" : "them");
	return MVB_EXIT_IO;
}

/* ---- the command ---- */

static const char *method_str(unsigned m, char *o, size_t n)
{
	snprintf(o, n, "%s%s%s", m & MVB_FLASH_BY_VFLASH ? "vFlash " : "", m & MVB_FLASH_BY_X ? "X " : "",
		 m & MVB_FLASH_BY_M ? "M " : "");
	size_t k = strlen(o);
	if (k)
		o[k - 1] = 0;
	return o;
}

int cmd_flash(struct cli_run *r, int argc, char **argv)
{
	const char *probe_arg = NULL, *board_arg = NULL, *keys = NULL, *reset = NULL, *format = "text", *base = NULL;
	int allow_unsigned = 0, no_verify = 0, no_run = 0, quiet = 0, changed_only = 0;
	unsigned long timeout = 10, reply_timeout = MVB_RSP_DEFAULT_TIMEOUT_MS / 1000;
	const struct opt opts[] = {
		{ 'p', "probe", OPT_STRING, &probe_arg, "qemu|stlink|openocd|gdb://HOST:PORT",
		  "how to reach the device (default: the board's: qemu for boards with a QEMU machine)" },
		{ 'b', "board", OPT_STRING, &board_arg, "NAME|FILE", "board (default: the bundle's; mps2-an505 for images)" },
		{ 'k', "key", OPT_STRING, &keys, "PUB.pem[,PUB.pem...]", "require a valid signature by one of these keys" },
		{ 0, "allow-unsigned", OPT_FLAG, &allow_unsigned, NULL, "flash a bundle without a (trusted) signature" },
		{ 0, "base", OPT_STRING, &base, "OLD.mvb", "the bundle the device runs, which delta layers apply to" },
		{ 0, "changed-only", OPT_FLAG, &changed_only, NULL, "compare with the device first; erase and write only the blocks that differ" },
		{ 0, "no-verify", OPT_FLAG, &no_verify, NULL, "do not read back what was written (not recommended)" },
		{ 0, "no-run", OPT_FLAG, &no_run, NULL, "leave the device halted after writing (no reset)" },
		{ 0, "reset", OPT_STRING, &reset, "CMD", "monitor command that resets the device (default: the probe's)" },
		{ 't', "timeout", OPT_UINT, &timeout, "SECONDS", "qemu: stop QEMU when the run lasts longer (default 10)" },
		{ 0, "reply-timeout", OPT_UINT, &reply_timeout, "SECONDS",
		  "each reply of the GDB server must be complete within this (default 5; flash erase and programming get more)" },
		{ 'q', "quiet", OPT_FLAG, &quiet, NULL, "no progress and no summary (errors and console only)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "summary format (json: summary on stdout, console on stderr)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"flash",
		"flash FILE [--probe qemu|stlink|openocd|gdb://HOST:PORT] [--board NAME|FILE] [--key PUB.pem] [--allow-unsigned] [--base OLD.mvb] [--changed-only] [--no-verify] [--no-run] [--reset CMD] [--timeout SECONDS] [--reply-timeout SECONDS] [--quiet] [--format text|json]",
		"Write a bundle (every layer, and the app header the microvisor boots from) or a\n"
		"factory image (.elf, .hex) to a device through a GDB server, read it back, reset\n"
		"the device, and with the qemu probe show its console until the run ends.",
		opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if ((rc = cli_format("flash", format, &r->json)))
		return rc;
	int json = r->json;
	if (timeout == 0 || timeout > 86400) {
		cli_error("flash: --timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	if (reply_timeout == 0 || reply_timeout > 3600) {
		cli_error("flash: --reply-timeout must be 1..3600 seconds");
		return MVB_EXIT_USAGE;
	}
	FILE *console = json ? stderr : stdout;

	struct mvb_board b;
	struct mvb_flash_plan plan;
	unsigned char *data = NULL;
	size_t len = 0;
	int is_bundle = 0;
	mvb_board_init(&b);
	mvb_flash_plan_init(&plan);
	struct probe p = { .child = -1 };
	struct probe_conn k = { -1, NULL };
	struct mvb_rsp c;
	int have_rsp = 0;
	struct cli_decoder dec = { -1, -1 };

	rc = load_image(r, pos[0], board_arg, allow_unsigned, keys, base, &b, &plan, &data, &len, &is_bundle);
	if (rc)
		goto out;
	if ((rc = probe_parse(probe_arg, &b, &p)))
		goto out;
	if (reset)
		p.reset = *reset ? reset : NULL;

	/* QEMU's console goes through a decoder: the microvisor prints tokens
	 * (mvbuild-decode(1)), the user reads texts */
	int console_fd = json ? 2 : -1;
	if (p.kind && p.kind->runs && cli_decoder_start(json ? 2 : 1, &dec) == 0)
		console_fd = dec.fd;
	if ((rc = probe_connect("flash", &p, &b, console_fd, &k, &c, &have_rsp, reply_timeout)))
		goto out;
	if (probe_identify(&p, &c, reset != NULL)) {
		cli_error("flash: %s:%d: %s", p.host, p.port, c.err);
		rc = MVB_EXIT_IO;
		goto out;
	}

	if ((rc = check_optbytes(&c, &b, &p)))
		goto out;

	struct progress pg;
	memset(&pg, 0, sizeof(pg));
	pg.quiet = quiet || json;
	pg.tty = isatty(2);
	struct mvb_flash_opts fo = { !no_verify, progress_update, &pg, changed_only };
	struct mvb_flash_result res;
	uint64_t total = 0;
	for (unsigned i = 0; i < plan.img.n; i++)
		total += plan.img.p[i].len;
	double t_write0 = progress_now();
	int frc = mvb_flash_write(&c, &plan, &fo, &res);
	progress_done(&pg);
	if (frc) {
		if (probe_interrupted)
			cli_error("flash: interrupted after writing %llu of %llu bytes; the device has no bootable app until "
				  "the next 'mvbuild flash'", (unsigned long long)res.written, (unsigned long long)total);
		else if (frc == MVB_EINPUT)
			cli_error("flash: verify failed: 0x%08x (%s) reads 0x%02x, expected 0x%02x: the device did not take the "
				  "write", (unsigned)res.mismatch_addr, res.mismatch_what, res.got, res.want);
		else if (frc >= MVB_FLASH_ERSP)
			cli_error("flash: %s", c.err);
		else
			cli_error("flash: out of memory");
		rc = MVB_EXIT_IO;
		goto out;
	}
	/* write time: from the first write step to the last (the progress
	 * callback runs after each step, so add the first step's share) */
	double secs = pg.phase_end[MVB_FLASH_WRITE] - t_write0;
	double vsecs = pg.phase_end[MVB_FLASH_VERIFY] - pg.phase_end[MVB_FLASH_WRITE];
	char m[32], tot[32], speed[32];
	progress_size(total, tot, sizeof(tot));
	progress_rate((double)(res.written - res.skipped_erased - res.skipped_same), secs, speed, sizeof(speed)); /* what was sent */
	if (!quiet && !json) {
		fprintf(stderr, "mvbuild: wrote %s (%llu bytes) in %.3f s (%s) with %s packets", tot,
			(unsigned long long)res.written, secs, speed, method_str(res.methods, m, sizeof(m)));
		if (res.skipped_erased)
			fprintf(stderr, " (%llu bytes of 0xff left erased)", (unsigned long long)res.skipped_erased);
		if (changed_only)
			fprintf(stderr, "; %llu bytes already on the device left alone", (unsigned long long)res.skipped_same);
		if (no_verify)
			fprintf(stderr, "; NOT verified (--no-verify)\n");
		else
			fprintf(stderr, "; verified by %s in %.3f s\n", res.verified_by_crc ? "CRC" : "read-back", vsecs);
		if (!no_verify && res.crc_distrusted)
			fprintf(stderr,
				"mvbuild: note: the server's qCRC disagreed at 0x%08x with bytes that read back right; "
				"verified by read-back from there\n",
				(unsigned)res.crc_distrust_addr);
	}

	/* reset and run */
	int run_status = -1, timed_out = 0, ran = 0;
	if (!no_run) {
		if (p.reset && mvb_rsp_monitor(&c, p.reset)) {
			cli_error("flash: %s", c.err);
			rc = MVB_EXIT_IO;
			goto out;
		}
		if (!p.reset && !quiet && !json)
			fprintf(stderr, "mvbuild: no reset command for this probe (pass --reset CMD); the device resumes where "
					"it stopped\n");
		if (p.kind && p.kind->runs) {
			ran = 1;
			if (mvb_rsp_continue(&c)) {
				cli_error("flash: %s", c.err);
				rc = MVB_EXIT_IO;
				goto out;
			}
			struct mvb_rsp_stop st;
			int wrc = mvb_rsp_wait_stop(&c, (int)timeout * 1000, &st);
			int qst = 0;
			if (!wrc && st.kind == 'W') {
				run_status = (int)st.value;
			} else if (wrc == MVB_RSP_ETIMEOUT) {
				timed_out = 1;
			} else if (wrc == MVB_RSP_ECLOSED && sys_wait(p.child, 2000, &qst) == 0) {
				p.child = -1;
				run_status = qst;
			} else if (probe_interrupted) {
				cli_error("flash: interrupted; the device was written and verified");
				rc = MVB_EXIT_IO;
				goto out;
			} else {
				cli_error("flash: %s", wrc ? c.err : "the target stopped (not an exit) during the run");
				rc = MVB_EXIT_IO;
				goto out;
			}
		} else if (mvb_rsp_detach(&c)) {
			cli_error("flash: %s", c.err);
			rc = MVB_EXIT_IO;
			goto out;
		}
	}
	if (ran && dec.pid > 0) { /* the whole console shown before the summary */
		probe_stop(&p);
		cli_decoder_finish(&dec);
	}
	if (ran && !json && !quiet) {
		if (timed_out)
			fprintf(stderr, "mvbuild: the device still runs after %lu s; stopped QEMU (--timeout)\n", timeout);
		else
			fprintf(stderr, "mvbuild: the device ended the run with status %d\n", run_status);
	}
	if (json) {
		struct json *j = cli_doc(r);
		json_str(j, "file", pos[0]);
		json_str(j, "kind", is_bundle ? "bundle" : "image");
		json_str(j, "board", b.name);
		json_str(j, "probe", probe_name(&p));
		json_int(j, "bytes", (long long)res.written);
		json_int(j, "left_erased", (long long)res.skipped_erased);
		json_bool(j, "changed_only", changed_only);
		json_int(j, "unchanged", (long long)res.skipped_same);
		json_int(j, "erased", (long long)res.erased);
		char secs_s[32], bps[32];
		snprintf(secs_s, sizeof(secs_s), "%.6f", secs);
		snprintf(bps, sizeof(bps), "%.0f",
			 secs > 0 ? (double)(res.written - res.skipped_erased - res.skipped_same) / secs : 0.0);
		json_raw(j, "seconds", secs_s);
		json_raw(j, "bytes_per_second", bps);
		snprintf(secs_s, sizeof(secs_s), "%.6f", no_verify ? 0.0 : vsecs);
		json_raw(j, "verify_seconds", secs_s);
		json_str(j, "method", method_str(res.methods, m, sizeof(m)));
		json_str(j, "verified", no_verify ? "no" : res.verified_by_crc ? "crc" : "read-back");
		if (!no_verify && res.crc_distrusted)
			json_hex(j, "crc_distrusted_at", res.crc_distrust_addr);
		json_arr(j, "pieces");
		for (unsigned i = 0; i < plan.img.n; i++) {
			json_obj(j, NULL);
			json_str(j, "what", plan.img.p[i].what);
			json_hex(j, "addr", plan.img.p[i].addr);
			json_int(j, "size", plan.img.p[i].len);
			json_end_obj(j);
		}
		json_end_arr(j);
		if (ran) {
			json_obj(j, "run");
			json_str(j, "ended", timed_out ? "timeout" : "exit");
			if (!timed_out)
				json_int(j, "status", run_status);
			else
				json_null(j, "status");
			json_end_obj(j);
		}
	}
	rc = MVB_EXIT_OK;
	if (ran && !timed_out && run_status != 0) {
		struct mvb_diags d = MVB_DIAGS_INIT;
		char msg[96];
		snprintf(msg, sizeof(msg), "the device ended the run with status %d", run_status);
		cli_report_file(&d, pos[0], MVB_CK_RUN_STATUS, msg);
		cli_take(r, &d);
		rc = MVB_EXIT_FINDINGS;
	}
out:
	(void)console;
	if (have_rsp)
		mvb_rsp_release(&c);
	if (k.fd >= 0)
		close(k.fd);
	probe_stop(&p);
	cli_decoder_finish(&dec);
	mvb_flash_plan_release(&plan);
	mvb_board_release(&b);
	free(data);
	return rc;
}
