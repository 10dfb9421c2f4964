/* cmd_status.c - `mvbuild status`: a device's STATUS record, asked for
 * over its link by the run and loop of cmd_serve.c (serve_int.h), shown
 * as text or JSON. */
#include <stdio.h>
#include <stdlib.h>
#include "cli/cli.h"
#include "cli/link_dev.h"
#include "cli/serve_int.h"
#include "link/mvl.h"
#include "mvb/devstate.h"
#include "mvb/serve.h"

/* The update record's state (mvbuild-devstate(5)), or NULL. */
static const char *update_state_name(uint32_t s)
{
	return s == MVB_UREC_IDLE         ? "idle"
	       : s == MVB_UREC_INSTALLING ? "installing"
	       : s == MVB_UREC_TRIAL      ? "trial"
	       : s == MVB_UREC_REVERTING  ? "reverting"
	                                  : NULL;
}

static void status_json(struct run *r, struct json *j)
{
	const struct mvl_status *s = &r->st;
	char t[64], hex[65];
	json_str(j, "link", r->qemu_image ? "qemu" : r->device);
	ascii(s->ls_board, sizeof(s->ls_board), t, sizeof(t));
	json_str(j, "board", t);
	ascii(s->ls_serial, sizeof(s->ls_serial), t, sizeof(t));
	json_str(j, "serial", t);
	cli_version_str(s->ls_fw_version, t, sizeof(t));
	json_str(j, "microvisor", t);
	snprintf(t, sizeof(t), "%u.%u", (unsigned)(s->ls_abi >> 16), (unsigned)(s->ls_abi & 0xffff));
	json_str(j, "abi", t);
	json_str(j, "state", state_name(s->ls_state));
	if (s->ls_reason) {
		json_int(j, "reason", s->ls_reason);
		const char *rt = mvb_serve_reason_text(s->ls_reason);
		json_str(j, "reason_text", rt ? rt : "");
	} else {
		json_null(j, "reason");
	}
	json_obj(j, "app");
	ascii(s->ls_app, sizeof(s->ls_app), t, sizeof(t));
	json_str(j, "name", t);
	if (s->ls_app_version) {
		cli_version_str(s->ls_app_version, t, sizeof(t));
		json_str(j, "version", t);
		json_int(j, "security_counter", s->ls_app_counter);
		for (unsigned i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", s->ls_image_sha256[i]);
		json_str(j, "image_sha256", hex);
	} else {
		json_null(j, "version");
	}
	json_end_obj(j);
	json_obj(j, "update");
	const char *us = update_state_name(s->ls_update_state);
	if (us)
		json_str(j, "state", us);
	else
		json_int(j, "state", s->ls_update_state);
	json_int(j, "counter_floor", s->ls_counter_floor);
	json_int(j, "index_version", s->ls_index_version);
	if (s->ls_rejected_version) {
		json_obj(j, "rejected");
		cli_version_str(s->ls_rejected_version, t, sizeof(t));
		json_str(j, "version", t);
		json_reason(j, s->ls_rejected_reason);
		json_end_obj(j);
	} else {
		json_null(j, "rejected");
	}
	json_end_obj(j);
	json_obj(j, "crashes");
	json_int(j, "starts", s->ls_starts);
	json_int(j, "in_a_row", s->ls_crashes);
	if (s->ls_last_crash) {
		json_int(j, "last_reason", s->ls_last_crash);
		const char *rt = mvb_serve_reason_text(s->ls_last_crash);
		json_str(j, "last_reason_text", rt ? rt : "");
	} else {
		json_null(j, "last_reason");
	}
	/* the crash whose record the device keeps (mvbuild crash get) */
	if (s->ls_crash_record)
		json_int(j, "record", s->ls_crash_record);
	else
		json_null(j, "record");
	json_end_obj(j);
	json_int(j, "uptime_ms", s->ls_uptime_ms);
	json_obj(j, "link_stats");
	json_int(j, "frames_in", s->ls_rx_frames);
	json_int(j, "frames_dropped", s->ls_rx_dropped);
	json_int(j, "frames_out", s->ls_tx_frames);
	json_int(j, "log_lines", s->ls_lines);
	json_end_obj(j);
}

static void status_text(struct run *r)
{
	const struct mvl_status *s = &r->st;
	char fw[24], app[24], board[33], name[33], serial[33], rs[160];
	cli_version_str(s->ls_fw_version, fw, sizeof(fw));
	version_or_none(s->ls_app_version, app, sizeof(app));
	cli_sanitize(s->ls_board, board, sizeof(board));
	cli_sanitize(s->ls_app, name, sizeof(name));
	cli_sanitize(s->ls_serial, serial, sizeof(serial));
	printf("device:     board '%s', serial '%s', microvisor %s (ABI %u.%u), up %u.%03u s\n", board, serial, fw,
	       (unsigned)(s->ls_abi >> 16), (unsigned)(s->ls_abi & 0xffff), (unsigned)(s->ls_uptime_ms / 1000),
	       (unsigned)(s->ls_uptime_ms % 1000));
	rs[0] = 0;
	if (s->ls_reason)
		reason_str(s->ls_reason, rs, sizeof(rs));
	printf("state:      %s%s%s%s\n", state_name(s->ls_state), rs[0] ? " (" : "", rs, rs[0] ? ")" : "");
	if (s->ls_app_version) {
		char hex[17];
		for (unsigned i = 0; i < 8; i++)
			snprintf(hex + 2 * i, 3, "%02x", s->ls_image_sha256[i]);
		printf("app:        '%s' %s, security counter %u, image %s...\n", name, app, (unsigned)s->ls_app_counter,
		       hex);
	} else {
		printf("app:        %s%s%s\n", name[0] ? "'" : "", name[0] ? name : "none installed",
		       name[0] ? "' (none valid installed)" : "");
	}
	const char *us = update_state_name(s->ls_update_state);
	char usn[32];
	if (!us) {
		snprintf(usn, sizeof(usn), "state %u", (unsigned)s->ls_update_state);
		us = usn;
	}
	printf("update:     %s, counter floor %u, index version %u\n", us, (unsigned)s->ls_counter_floor,
	       (unsigned)s->ls_index_version);
	if (s->ls_rejected_version) {
		char rv[24];
		cli_version_str(s->ls_rejected_version, rv, sizeof(rv));
		rs[0] = 0;
		if (s->ls_rejected_reason)
			reason_str(s->ls_rejected_reason, rs, sizeof(rs));
		printf("rejected:   %s on trial here%s%s%s; refused from now on\n", rv, rs[0] ? " (" : "", rs,
		       rs[0] ? ")" : "");
	}
	rs[0] = 0;
	if (s->ls_last_crash)
		reason_str(s->ls_last_crash, rs, sizeof(rs));
	printf("crashes:    %u starts, %u crashes in a row%s%s\n", (unsigned)s->ls_starts, (unsigned)s->ls_crashes,
	       rs[0] ? ", last: " : "", rs);
	if (s->ls_crash_record)
		printf("crash record: of crash %u since power-on ('mvbuild crash get' reads it)\n",
		       (unsigned)s->ls_crash_record);
	printf("link:       %u frames in, %u dropped, %u out, %u log lines\n", (unsigned)s->ls_rx_frames,
	       (unsigned)s->ls_rx_dropped, (unsigned)s->ls_tx_frames, (unsigned)s->ls_lines);
}

int cmd_status(struct cli_run *cr, int argc, char **argv)
{
	const char *device = NULL, *qemu = NULL, *format = "text";
	unsigned long baud = 115200, timeout = 10;
	const struct opt opts[] = {
		LINK_DEV_OPTS(&device, &baud, &qemu, "IMAGE.elf",
		              "start QEMU mps2-an505 with this image and ask it (its console on stderr)"),
		{ 't', "timeout", OPT_UINT, &timeout, "SECONDS", "give up after this long (default 10)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "json: the status as a document on stdout" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"status",
		"status (--device tcp:HOST:PORT|/dev/ttyX [--baud N] | --qemu IMAGE.elf) [--timeout SECONDS] [--format text|json]",
		"Ask a device over its link (mvbuild-link(5), STATUS) what it runs and how it\n"
		"fares: microvisor, app, update state, crashes, uptime, link counts.  Anyone\n"
		"at the other end may ask; it says nothing secret.",
		opts, 0, 0
	};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int baud_set = baud_given(argc, argv);
	if ((rc = link_dev_args(cr, "status", device, qemu, baud_set, format)))
		return rc;
	if (timeout == 0 || timeout > 86400) {
		cli_error("status: --timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	struct run *r = run_new(device, qemu, timeout, cr->json);
	if (!r)
		return MVB_EXIT_IO;
	r->status_mode = 1;
	r->st_seq = 1;
	r->dev_out = stderr; /* the device's own lines never mix with the status */
	mvb_serve_init(&r->core, no_repo_get, NULL);
	if ((rc = run_open(r, baud, baud_set)))
		goto out;
	serve_loop(r, r->deadline);
	live_clear(r);
	if (r->st_have) {
		rc = MVB_EXIT_OK;
		if (r->json)
			status_json(r, cli_doc(cr));
		else
			status_text(r);
	} else if (r->st_error) {
		cli_error("status: the device answered STATUS with error %u (%s)%s", (unsigned)r->st_error,
			  link_dev_error_text(r->st_error),
			  r->st_error == MVL_E_UNSUPPORTED ? ": its microvisor predates STATUS (ABI 1.3)" : "");
		rc = MVB_EXIT_IO;
	} else {
		cli_error("status: %s", r->end == END_TIMEOUT ? "no answer to STATUS within --timeout"
				     : r->end == END_QEMU  ? "the device (QEMU) ended before it answered"
				     : r->end == END_INTERRUPTED ? "interrupted"
							    : "the link failed before the device answered");
		rc = MVB_EXIT_IO;
	}
out:
	run_close(r);
	free(r);
	return rc;
}
