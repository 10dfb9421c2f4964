/* cmd_crash_get.c - `mvbuild crash get`: the record of the app's last
 * crash, read from a device over its link (CHALLENGE, AUTH, the CRASH
 * parts, END) by the run and loop of cmd_serve.c (serve_int.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "cli/link_dev.h"
#include "cli/progress.h"
#include "cli/serve_int.h"
#include "link/mvl.h"
#include "mvb/auth.h"
#include "mvb/crashfile.h"
#include "mvb/hash.h"
#include "mvb/reason.h"
#include "mvb/serve.h"
#include "sys/sys.h"

#define CG_RETRY_S 1.0     /* CHALLENGE, CRASH, END: sent again after this long unanswered */
#define CG_AUTH_WAIT_S 5.0 /* AUTH: the device checks a signature first; then it starts over */
#define CG_END_TRIES 3     /* END: tries before the run ends without its answer */
#define CG_REREADS 3       /* the record replaced while read (a new crash): read again this often */

enum cg_phase { CG_CHALLENGE, CG_AUTH, CG_CRASH, CG_RECHECK, CG_END, CG_DONE };

struct crash_get {
	/* options */
	const char *key_path, *save_auth;
	struct mvb_key *key;          /* NULL with --auth-file */
	uint8_t saved[MVB_AUTH_SIZE]; /* --auth-file's AUTH */
	uint32_t seconds;
	int seconds_given;
	/* the request in flight */
	enum cg_phase phase;
	uint16_t seq;
	unsigned tries;
	double at; /* when it was sent last; 0: not yet */
	/* the exchange */
	struct mvl_challenge ch;
	uint8_t auth[MVB_AUTH_SIZE]; /* the AUTH sent */
	int authorized;              /* accepted: an END is owed */
	int end_answered;
	unsigned too_soon; /* AUTHs put off while the device ran no app */
	struct mvb_auth_fetch f;
	uint8_t first[MVL_CRASH_CHUNK]; /* the first part as read, to see the record replaced */
	size_t first_len;
	int whole;
	unsigned rereads;
	/* a failure: its exit status and what to say (rc 0: none) */
	int rc;
	char why[512];
};

static const char *const cg_what[] = { "CHALLENGE", "AUTH", "CRASH", "CRASH", "END", "" };

static void cg_send(struct run *r)
{
	struct crash_get *g = r->cg;
	uint8_t wire[MVB_SERVE_WIRE_MAX], req[8];
	size_t n = 0;
	switch (g->phase) {
	case CG_CHALLENGE:
		n = mvl_encode(MVL_S_DEBUG, MVL_T_CHALLENGE, 0, g->seq, NULL, 0, wire, sizeof(wire));
		break;
	case CG_AUTH:
		n = mvl_encode(MVL_S_DEBUG, MVL_T_AUTH, 0, g->seq, g->auth, sizeof(g->auth), wire, sizeof(wire));
		break;
	case CG_CRASH:
	case CG_RECHECK:
		mvb_put_le32(req, g->phase == CG_RECHECK ? 0 : g->f.have);
		mvb_put_le32(req + 4, 0);
		n = mvl_encode(MVL_S_STATUS, MVL_T_CRASH, 0, g->seq, req, sizeof(req), wire, sizeof(wire));
		break;
	case CG_END:
		n = mvl_encode(MVL_S_DEBUG, MVL_T_END, 0, g->seq, NULL, 0, wire, sizeof(wire));
		break;
	case CG_DONE:
		return;
	}
	g->tries++;
	g->at = progress_now();
	send_wire(r, wire, n);
}

/* The next request: a new lf_seq, sent now. */
static void cg_next(struct run *r, enum cg_phase phase)
{
	struct crash_get *g = r->cg;
	g->phase = phase;
	g->seq++;
	g->tries = 0;
	cg_send(r);
}

/* The run is over: END first when a session is open. */
static void cg_finish(struct run *r)
{
	struct crash_get *g = r->cg;
	if (g->authorized && !g->end_answered && g->phase != CG_END) {
		cg_next(r, CG_END);
		return;
	}
	g->phase = CG_DONE;
	if (r->end == END_NONE)
		r->end = END_REPORT;
}

static void cg_fail(struct run *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cg_fail(struct run *r, int rc, const char *fmt, ...)
{
	struct crash_get *g = r->cg;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->why, sizeof(g->why), fmt, ap);
	va_end(ap);
	g->rc = rc;
	cg_finish(r);
}

/* Sends the request of the phase when it is due: the first, or a repeat
 * of one unanswered (CHALLENGE with a new lf_seq, as the device's last
 * one is what counts; an AUTH is not repeated: the device may have used
 * up its nonce, so the handshake starts over). */
void cg_tick(struct run *r, double t)
{
	struct crash_get *g = r->cg;
	if (g->phase == CG_DONE)
		return;
	if (!g->at) {
		cg_send(r);
		return;
	}
	if (t - g->at < (g->phase == CG_AUTH ? CG_AUTH_WAIT_S : CG_RETRY_S))
		return;
	switch (g->phase) {
	case CG_CHALLENGE:
	case CG_AUTH:
		cg_next(r, CG_CHALLENGE);
		break;
	case CG_END:
		if (g->tries >= CG_END_TRIES) {
			g->phase = CG_DONE;
			r->end = END_REPORT; /* its session ends by itself (its time, or the link quiet) */
			break;
		}
		/* fall through */
	default:
		cg_send(r);
		break;
	}
}

static void hex8(const uint8_t id[8], char out[17])
{
	mvb_hex(id, 8, out);
}

/* The AUTH for the CHALLENGE just read: signed here, or --auth-file's
 * as it is; saved with --save-auth.  0, or the run failed. */
static int cg_auth(struct run *r)
{
	struct crash_get *g = r->cg;
	if (!g->key) {
		memcpy(g->auth, g->saved, sizeof(g->auth));
	} else {
		int rc = link_dev_auth_sign(&g->ch, g->key, g->key_path, g->seconds, g->seconds_given, g->auth, g->why,
					    sizeof(g->why));
		if (rc) {
			g->rc = rc;
			cg_finish(r);
			return -1;
		}
	}
	if (g->save_auth && (g->rc = cli_write(g->save_auth, g->auth, sizeof(g->auth), 0600))) {
		g->why[0] = 0; /* cli_write said why */
		cg_finish(r);
		return -1;
	}
	return 0;
}

/* "error N (text)" of an error response, MVL_E_AUTH's detail in words. */
static void cg_error_str(const struct mvb_serve_out *o, char *out, size_t n)
{
	link_dev_error_str(o->error, o->detail, out, n);
}

static void cg_on_challenge(struct run *r, const struct mvl_header *h, const uint8_t *payload)
{
	struct crash_get *g = r->cg;
	const struct mvb_serve_out *o = &r->out;
	char es[200];
	if (o->error == MVL_E_AUTH && o->detail == MVL_A_NO_KEY) {
		cg_fail(r, MVB_EXIT_IO, "the device trusts no debug key: provision one with --trust-debug");
	} else if (o->error == MVL_E_UNSUPPORTED) {
		cg_fail(r, MVB_EXIT_IO, "the device does not serve the debug stream (error 5): its microvisor predates "
					"remote operations or has no update client");
	} else if (o->error) {
		cg_error_str(o, es, sizeof(es));
		cg_fail(r, MVB_EXIT_IO, "the device answered CHALLENGE with %s", es);
	} else if (mvb_auth_challenge_get(payload, h->lf_len, &g->ch)) {
		cg_fail(r, MVB_EXIT_IO, "the device's CHALLENGE is malformed (%u bytes, not %u)", h->lf_len,
			MVB_AUTH_CHALLENGE_SIZE);
	} else {
		if (!cg_auth(r))
			cg_next(r, CG_AUTH);
	}
}

static void cg_on_auth(struct run *r)
{
	struct crash_get *g = r->cg;
	const struct mvb_serve_out *o = &r->out;
	char es[200];
	if (!o->error) {
		g->authorized = 1;
		if (!r->json) {
			char id[17], raw[sizeof(g->ch.lc_serial) + 1], serial[sizeof(raw)];
			hex8(g->auth + 0x38, id);
			memcpy(raw, g->ch.lc_serial, sizeof(g->ch.lc_serial));
			raw[sizeof(g->ch.lc_serial)] = 0;
			cli_sanitize(raw, serial, sizeof(serial));
			say(r, "authorized for %u s as debug key %s on device '%s'", (unsigned)mvb_get_le32(g->auth + 4),
			    id, serial);
		}
		mvb_auth_fetch_init(&g->f);
		cg_next(r, CG_CRASH);
	} else if (o->error == MVL_E_AUTH) {
		const char *t = mvb_auth_detail_text(o->detail);
		if (o->detail == MVL_A_NONE || !t)
			cg_fail(r, MVB_EXIT_IO, "the device refused the authorization (error 8, detail %u)",
				(unsigned)o->detail);
		else
			cg_fail(r, MVB_EXIT_IO, "the device refused the authorization: %s", t);
	} else if (o->error == MVL_E_TOO_SOON) {
		/* no app runs (safe mode, an install): the device has no memory
		 * to spare for the check now; the AUTH used its nonce up */
		if (!g->too_soon++ && !r->json)
			say(r, "the device runs no app now and checks no authorization (error 6); asking again");
		g->phase = CG_CHALLENGE; /* cg_tick sends it in CG_RETRY_S */
		g->at = progress_now();
	} else {
		cg_error_str(o, es, sizeof(es));
		cg_fail(r, MVB_EXIT_IO, "the device answered AUTH with %s", es);
	}
}

static void cg_on_crash(struct run *r, const uint8_t *payload, size_t len)
{
	struct crash_get *g = r->cg;
	const struct mvb_serve_out *o = &r->out;
	uint32_t asked = g->phase == CG_RECHECK ? 0 : g->f.have;
	char es[200], err[200];
	if (o->error == MVL_E_NOT_FOUND) {
		cg_fail(r, MVB_EXIT_IO, "no crash recorded on this device since power-on");
		return;
	}
	if (o->error == MVL_E_AUTH) {
		g->authorized = 0; /* nothing open to END */
		cg_fail(r, MVB_EXIT_IO,
			"the device has no authorized session open: it ended (its --seconds passed, the device "
			"restarted, or the link was quiet for %u s) before the record was read",
			MVL_AUTH_IDLE_MS / 1000);
		return;
	}
	if (o->error) {
		cg_error_str(o, es, sizeof(es));
		cg_fail(r, MVB_EXIT_IO, "the device answered CRASH at offset %u with %s", (unsigned)asked, es);
		return;
	}
	if (g->phase == CG_RECHECK) {
		/* the first part again: the same bytes, or a new crash replaced
		 * the record while it was read */
		if (len == g->first_len && !memcmp(payload, g->first, len)) {
			g->whole = 1;
			cg_finish(r);
			return;
		}
		if (++g->rereads > CG_REREADS) {
			cg_fail(r, MVB_EXIT_IO, "the crash record changed each time it was read (%u times): the app keeps "
						"crashing",
				CG_REREADS + 1);
			return;
		}
		if (!r->json)
			say(r, "the crash record changed while it was read (a new crash); reading it again");
		mvb_auth_fetch_init(&g->f);
	}
	int rc = mvb_auth_fetch_part(&g->f, asked, payload, len, err, sizeof(err));
	if (rc < 0) {
		cg_fail(r, MVB_EXIT_IO, "the device sent a malformed crash record: %s", err);
		return;
	}
	if (asked == 0) {
		memcpy(g->first, payload, len);
		g->first_len = len;
	}
	if (rc == 0)
		cg_next(r, CG_CRASH);
	else if (g->f.size > g->first_len)
		cg_next(r, CG_RECHECK); /* read in parts: the first one again */
	else {
		g->whole = 1;
		cg_finish(r);
	}
}

/* A response to one of ours: 1 when it was the one in flight. */
int cg_response(struct run *r, const struct mvl_header *h, const uint8_t *payload)
{
	struct crash_get *g = r->cg;
	static const uint8_t stream[] = { MVL_S_DEBUG, MVL_S_DEBUG, MVL_S_STATUS, MVL_S_STATUS, MVL_S_DEBUG };
	static const uint8_t type[] = { MVL_T_CHALLENGE, MVL_T_AUTH, MVL_T_CRASH, MVL_T_CRASH, MVL_T_END };
	if (g->phase == CG_DONE || !g->at || h->lf_seq != g->seq || h->lf_stream != stream[g->phase] ||
	    h->lf_type != type[g->phase])
		return 0;
	switch (g->phase) {
	case CG_CHALLENGE:
		cg_on_challenge(r, h, payload);
		break;
	case CG_AUTH:
		cg_on_auth(r);
		break;
	case CG_CRASH:
	case CG_RECHECK:
		cg_on_crash(r, payload, h->lf_len);
		break;
	case CG_END:
		g->end_answered = 1;
		g->authorized = 0;
		cg_finish(r);
		break;
	default:
		break;
	}
	return 1;
}

/* The record (checked) to -o and, with --core, its core; the summary. */
static int cg_write(struct run *r, struct cli_run *cr, const char *out, const char *core)
{
	struct crash_get *g = r->cg;
	struct mvb_crash c;
	char err[256];
	if (mvb_crash_check(g->f.rec, g->f.size, &c, err, sizeof(err))) {
		cli_error("crash get: the record the device sent is malformed: %s; nothing written", err);
		return MVB_EXIT_IO;
	}
	struct mvb_buf cb = MVB_BUF_INIT;
	if (core && mvb_crash_core(&c, &cb)) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	/* what the app's registers and stack held: for its owner only */
	int rc = cli_write(out, g->f.rec, g->f.size, 0600);
	if (!rc && core)
		rc = cli_write(core, cb.data, cb.len, 0600);
	if (rc) {
		mvb_buf_release(&cb);
		return rc;
	}
	const char *rt = c.cr_reason ? mvb_reason_text(c.cr_reason) : NULL;
	char ver[24], id[17], hex[65], serial[33];
	version_or_none(c.cr_app_version, ver, sizeof(ver));
	hex8(g->auth + 0x38, id);
	if (r->json) {
		struct json *j = cli_doc(cr);
		uint8_t h[32];
		ascii(g->ch.lc_serial, sizeof(g->ch.lc_serial), serial, sizeof(serial));
		json_str(j, "link", r->qemu_image ? "qemu" : r->device);
		json_str(j, "serial", serial);
		json_str(j, "key_id", id);
		json_int(j, "seconds", mvb_get_le32(g->auth + 4));
		json_str(j, "output", out);
		json_int(j, "size", g->f.size);
		mvb_sha256(g->f.rec, g->f.size, h);
		mvb_hex(h, 32, hex);
		json_str(j, "sha256", hex);
		if (core)
			json_str(j, "core", core);
		else
			json_null(j, "core");
		json_obj(j, "crash");
		json_int(j, "number", c.cr_number);
		json_reason(j, c.cr_reason);
		json_int(j, "uptime_ms", c.cr_uptime_ms);
		if (c.cr_app_version)
			json_str(j, "app_version", ver);
		else
			json_null(j, "app_version");
		if (c.cr_flags & MVB_CRASH_F_FRAME) {
			json_hex(j, "pc", c.cr_pc);
			json_hex(j, "lr", c.cr_lr);
			json_hex(j, "sp", c.cr_sp);
		} else {
			json_null(j, "pc");
			json_null(j, "lr");
			json_null(j, "sp");
		}
		json_end_obj(j);
		json_bool(j, "ended", g->end_answered);
	} else {
		char what[200], pc[32] = "";
		if (rt)
			snprintf(what, sizeof(what), "reason 0x%04x: %s", (unsigned)c.cr_reason, rt);
		else
			snprintf(what, sizeof(what), "reason 0x%04x", (unsigned)c.cr_reason);
		if (c.cr_flags & MVB_CRASH_F_FRAME)
			snprintf(pc, sizeof(pc), ", pc 0x%08x", (unsigned)c.cr_pc);
		fprintf(stderr, "mvbuild: wrote %s: crash %u of app %s (%s)%s, %u bytes%s%s\n", out, (unsigned)c.cr_number,
			ver, what, pc, (unsigned)g->f.size, core ? "; core " : "", core ? core : "");
		if (!g->end_answered)
			say(r, "the device did not answer END: its session ends by itself within %u s",
			    MVL_AUTH_IDLE_MS / 1000);
	}
	mvb_buf_release(&cb);
	return 0;
}

/* Why the run ended before the record was in, when no answer said so. */
static void cg_lost(struct run *r)
{
	struct crash_get *g = r->cg;
	char what[160]; /* what the device did not do: "answered CHALLENGE" */
	if ((g->phase == CG_CRASH || g->phase == CG_RECHECK) && g->f.size)
		snprintf(what, sizeof(what), "sent the whole record (%u of %u bytes in)", (unsigned)g->f.have,
			 (unsigned)g->f.size);
	else if (g->phase == CG_CRASH)
		snprintf(what, sizeof(what), "sent the record");
	else if (g->phase == CG_AUTH || (g->phase == CG_CHALLENGE && g->too_soon))
		snprintf(what, sizeof(what), "accepted an authorization%s",
			 g->too_soon ? " (it ran no app, error 6: safe mode, or an install)" : "");
	else
		snprintf(what, sizeof(what), "answered %s", cg_what[g->phase]);
	switch (r->end) {
	case END_TIMEOUT:
		cli_error("crash get: the time was up (--timeout %lu s) before the device %s", r->timeout, what);
		break;
	case END_QEMU:
		cli_error("crash get: the device (QEMU) ended before it %s", what);
		break;
	case END_INTERRUPTED:
		cli_error("crash get: interrupted before the device %s", what);
		break;
	default:
		cli_error("crash get: the link %s before the device %s", r->end == END_CLOSED ? "closed" : "failed",
			  what);
		break;
	}
}

int cmd_crash_get(struct cli_run *cr, int argc, char **argv)
{
	const char *device = NULL, *qemu = NULL, *format = "text", *key = NULL, *out = NULL, *core = NULL,
		   *save_auth = NULL, *auth_file = NULL;
	unsigned long baud = 115200, timeout = 10, seconds = MVB_AUTH_SECONDS_DEFAULT, pass_fd = (unsigned long)-1;
	const struct opt opts[] = {
		LINK_DEV_OPTS(&device, &baud, &qemu, "IMAGE.elf",
		              "start QEMU mps2-an505 with this image and ask it (its console on stderr)"),
		{ 0, "key", OPT_STRING, &key, "DEBUG.pem",
		  "the debug key the device trusts (its private key; provisioned with bundle --trust-debug)" },
		{ 0, "passphrase-fd", OPT_UINT, &pass_fd, "N", "read the key's passphrase from file descriptor N" },
		{ 'o', "output", OPT_STRING, &out, "RECORD", "write the crash record here (mvbuild-crash(5))" },
		{ 0, "core", OPT_STRING, &core, "CORE", "also write it as an ELF core file for gdb" },
		{ 0, "seconds", OPT_UINT, &seconds, "N",
		  "how long the authorized session may last, 1 to 3600 (default 600; at most what the device allows)" },
		{ 't', "timeout", OPT_UINT, &timeout, "SECONDS", "give up after this long (default 10)" },
		{ 0, "save-auth", OPT_STRING, &save_auth, "FILE", "test: also write the AUTH sent to FILE" },
		{ 0, "auth-file", OPT_STRING, &auth_file, "FILE",
		  "test: send this saved AUTH (--save-auth) instead of signing one; a device refuses a replay" },
		{ 0, "format", OPT_STRING, &format, "text|json", "json: what was read as a document on stdout" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"crash get",
		"crash get (--device tcp:HOST:PORT|/dev/ttyX [--baud N] | --qemu IMAGE.elf) (--key DEBUG.pem | --auth-file FILE) -o RECORD [--core CORE] [--seconds N] [--passphrase-fd N] [--timeout SECONDS] [--save-auth FILE] [--format text|json]",
		"Read the record of the app's last crash from a device over its link\n"
		"(mvbuild-link(5)): ask for a CHALLENGE, answer it with an AUTH signed by the\n"
		"debug key the device trusts, read the record in CRASH parts, END the session.\n"
		"The record holds the app's registers and stack: only an authorized peer gets it.",
		opts, 0, 0
	};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	int baud_set = baud_given(argc, argv);
	if ((rc = link_dev_args(cr, "crash get", device, qemu, baud_set, format)))
		return rc;
	if (!key == !auth_file) {
		cli_error("crash get: one of --key DEBUG.pem or --auth-file FILE is required");
		return MVB_EXIT_USAGE;
	}
	if (!out) {
		cli_error("crash get: -o RECORD is required");
		return MVB_EXIT_USAGE;
	}
	if (timeout == 0 || timeout > 86400) {
		cli_error("crash get: --timeout must be 1..86400 seconds");
		return MVB_EXIT_USAGE;
	}
	if (seconds == 0 || seconds > MVL_AUTH_MAX_S) {
		cli_error("crash get: --seconds must be 1..%u", MVL_AUTH_MAX_S);
		return MVB_EXIT_USAGE;
	}
	if (auth_file && (pass_fd != (unsigned long)-1 || cli_has_option(argc, argv, "--seconds"))) {
		cli_error("crash get: --auth-file sends a saved AUTH as it is: --seconds and --passphrase-fd go with "
			  "--key");
		return MVB_EXIT_USAGE;
	}
	/* three outputs, none the same file as another or as an input */
	const char *outs[3] = { out, core, save_auth };
	for (int i = 0; i < 3; i++)
		for (int k = i + 1; k < 3; k++)
			if (outs[i] && outs[k] && (!strcmp(outs[i], outs[k]) || sys_same_file(outs[i], outs[k]))) {
				cli_error("crash get: '%s' is named for two outputs", outs[k]);
				return MVB_EXIT_USAGE;
			}
	const char *ins[3] = { key, auth_file, qemu };
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 3; k++)
			if (outs[i] && ins[k] && sys_same_file(outs[i], ins[k])) {
				cli_error("refusing to overwrite input file '%s'", outs[i]);
				return MVB_EXIT_IO;
			}
	if (!strcmp(out, "-") || (core && !strcmp(core, "-")) || (save_auth && !strcmp(save_auth, "-"))) {
		cli_error("crash get: the outputs are files, not standard output ('-')");
		return MVB_EXIT_USAGE;
	}
	struct crash_get *g = calloc(1, sizeof(*g));
	if (!g) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	g->key_path = key;
	g->save_auth = save_auth;
	g->seconds = (uint32_t)seconds;
	g->seconds_given = cli_has_option(argc, argv, "--seconds");
	g->seq = 1;
	g->phase = CG_CHALLENGE;
	if (key)
		rc = cli_load_signing_key(cr, key, pass_fd == (unsigned long)-1 ? -1 : (int)pass_fd, &g->key);
	else
		rc = link_dev_read_auth("crash get", auth_file, g->saved);
	if (rc) {
		free(g);
		return rc;
	}
	struct run *r = run_new(device, qemu, timeout, cr->json);
	if (!r) {
		mvb_key_free(g->key);
		free(g);
		return MVB_EXIT_IO;
	}
	r->tag = "crash get";
	r->cg = g;
	r->dev_out = stderr; /* the device's own lines never mix with the document */
	mvb_serve_init(&r->core, no_repo_get, NULL);
	if ((rc = run_open(r, baud, baud_set)))
		goto out;
	serve_loop(r, r->deadline);
	live_clear(r);
	if (g->whole)
		rc = cg_write(r, cr, out, core);
	else if (g->rc) {
		if (g->why[0])
			cli_error("crash get: %s", g->why);
		rc = g->rc;
	} else {
		cg_lost(r);
		rc = MVB_EXIT_IO;
	}
out:
	run_close(r);
	free(r);
	mvb_key_free(g->key);
	memset(g, 0, sizeof(*g));
	free(g);
	return rc;
}
