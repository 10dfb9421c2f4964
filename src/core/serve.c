/* serve.c - the answers of the link's other end (mvbuild-link(5)) to a
 * device's frames: HELLO, READ, REPORT and PING get their response, LINE
 * none, anything else an error record; what the objects a device reads
 * are in the repository's terms; and when an update session, its trial
 * included, has ended. */
#include <stdio.h>
#include <string.h>
#include "mvb/reason.h"
#include "mvb/repo.h"
#include "mvb/serve.h"
#include "mvl.h"

void mvb_serve_init(struct mvb_serve *s, mvb_serve_get_fn get, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->get = get;
	s->ctx = ctx;
	s->payload_max = MVL_PAYLOAD_MAX;
}

/* The response to the request h: flags RESPONSE (and ERROR), the payload. */
static void respond(struct mvb_serve_out *out, const struct mvl_header *h, int error, const uint8_t *p, size_t len)
{
	out->rh.lf_version = MVL_FORMAT;
	out->rh.lf_stream = h->lf_stream;
	out->rh.lf_type = h->lf_type;
	out->rh.lf_flags = (uint8_t)(MVL_F_RESPONSE | (error ? MVL_F_ERROR : 0u));
	out->rh.lf_seq = h->lf_seq;
	out->rh.lf_len = (uint16_t)len;
	out->wire_len = mvl_encode(out->rh.lf_stream, out->rh.lf_type, out->rh.lf_flags, out->rh.lf_seq, p, len,
	                           out->wire, sizeof(out->wire));
}

static void respond_error(struct mvb_serve_out *out, const struct mvl_header *h, uint32_t code, uint32_t detail)
{
	struct mvl_error e = {code, detail};
	uint8_t p[MVL_ERROR_SIZE];
	mvl_put_error(p, &e);
	out->error = code;
	out->detail = detail;
	respond(out, h, 1, p, sizeof(p));
}

static int is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Splits name at '/' into at most 5 components; returns their count. */
static unsigned split(const char *name, const char *part[5], size_t plen[5])
{
	unsigned n = 0;
	const char *p = name;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t l = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 5)
			return 6;
		part[n] = p;
		plen[n] = l;
		n++;
		if (!slash)
			return n;
		p = slash + 1;
	}
}

/* A board, app or channel name as the repository allows it (repo.c's rule). */
static int component_ok(const char *p, size_t l, size_t max)
{
	char tmp[33];
	if (l == 0 || l >= sizeof(tmp) || l >= max)
		return 0;
	memcpy(tmp, p, l);
	tmp[l] = 0;
	return mvb_repo_name_ok(tmp, max);
}

enum mvb_serve_object mvb_serve_object_of(const char *name)
{
	const char *part[5];
	size_t plen[5];
	unsigned n = split(name, part, plen);
	if (n != 4 || !component_ok(part[0], plen[0], 32) || !component_ok(part[1], plen[1], 32))
		return MVB_SERVE_OBJ_NONE;
	if (plen[3] == 5 && !memcmp(part[3], "index", 5) && component_ok(part[2], plen[2], 16))
		return MVB_SERVE_OBJ_INDEX;
	if (plen[2] != 7 || memcmp(part[2], "objects", 7) || plen[3] != 68 || memcmp(part[3] + 64, ".mvb", 4))
		return MVB_SERVE_OBJ_NONE;
	for (unsigned i = 0; i < 64; i++)
		if (!is_hex_lower(part[3][i]))
			return MVB_SERVE_OBJ_NONE;
	return MVB_SERVE_OBJ_BUNDLE;
}

static void handle_read(struct mvb_serve *s, const struct mvl_header *h, const uint8_t *payload,
                        struct mvb_serve_out *out)
{
	if (mvl_get_read(payload, h->lf_len, s->payload_max, &out->read)) {
		/* the name only when it is one the device may send */
		if (h->lf_len == MVL_READ_SIZE && out->read.lr_name_len <= MVL_OBJECT_MAX) {
			memcpy(out->name, out->read.lr_name, out->read.lr_name_len);
			out->name[out->read.lr_name_len] = 0;
		}
		respond_error(out, h, MVL_E_BAD_REQUEST, 0);
		return;
	}
	/* the name is read in the directory of the board and app the
	 * device's last HELLO named */
	if (!s->have_hello) {
		memcpy(out->name, out->read.lr_name, out->read.lr_name_len);
		out->name[out->read.lr_name_len] = 0;
		respond_error(out, h, MVL_E_BAD_REQUEST, 0);
		return;
	}
	snprintf(out->name, sizeof(out->name), "%s/%s/%.*s", s->board, s->app, (int)out->read.lr_name_len,
	         out->read.lr_name);
	if (mvb_serve_object_of(out->name) == MVB_SERVE_OBJ_NONE) {
		respond_error(out, h, MVL_E_NOT_FOUND, 0);
		return;
	}
	const uint8_t *data = NULL;
	size_t len = 0;
	uint32_t detail = 0;
	int rc = s->get(s->ctx, out->name, &data, &len, &detail);
	if (rc) {
		respond_error(out, h, rc == MVL_E_NOT_FOUND ? MVL_E_NOT_FOUND : MVL_E_REPOSITORY, detail);
		return;
	}
	if (len > UINT32_MAX) { /* ld_total cannot say it */
		respond_error(out, h, MVL_E_REPOSITORY, 0);
		return;
	}
	out->total = (uint32_t)len;
	/* past the end is an error; at the end, zero bytes (nothing is
	 * missing before the end, which is what the device checks) */
	if (out->read.lr_offset > len) {
		respond_error(out, h, MVL_E_RANGE, 0);
		return;
	}
	size_t n = len - out->read.lr_offset;
	if (n > out->read.lr_length)
		n = out->read.lr_length; /* mvl_get_read keeps it within the device's limit */
	uint8_t p[MVL_PAYLOAD_MAX];
	struct mvl_data dr = {out->read.lr_offset, out->total};
	mvl_put_data(p, &dr);
	if (n)
		memcpy(p + MVL_DATA_SIZE, data + out->read.lr_offset, n);
	out->served = (uint32_t)n;
	respond(out, h, 0, p, MVL_DATA_SIZE + n);
}

void mvb_serve_handle(struct mvb_serve *s, const struct mvl_header *h, const uint8_t *payload,
                      struct mvb_serve_out *out)
{
	memset(out, 0, sizeof(*out));
	if (h->lf_flags & MVL_F_RESPONSE) {
		/* never answered: a response to a response would be unasked */
		struct mvl_error e;
		out->what = MVB_SERVE_RESPONSE;
		if ((h->lf_flags & MVL_F_ERROR) && !mvl_get_error(payload, h->lf_len, &e)) {
			out->error = e.le_code;
			out->detail = e.le_detail;
		} else if (h->lf_flags & MVL_F_ERROR) {
			out->error = MVL_E_BAD_REQUEST; /* an error response without its record */
		}
		return;
	}
	if (h->lf_stream == MVL_S_LOG && h->lf_type == MVL_T_LINE) {
		/* a message, not a request: even a broken one gets no answer */
		if (mvl_get_line(payload, h->lf_len, &out->line) || h->lf_flags) {
			out->what = MVB_SERVE_BAD;
			return;
		}
		out->what = MVB_SERVE_LINE;
		out->text = payload + MVL_LINE_SIZE;
		out->text_len = h->lf_len - MVL_LINE_SIZE;
		return;
	}
	int served = (h->lf_stream == MVL_S_CONTROL && (h->lf_type == MVL_T_HELLO || h->lf_type == MVL_T_PING)) ||
	             (h->lf_stream == MVL_S_UPDATE && (h->lf_type == MVL_T_READ || h->lf_type == MVL_T_REPORT));
	if (!served) {
		out->what = MVB_SERVE_UNSUPPORTED;
		respond_error(out, h, MVL_E_UNSUPPORTED, 0);
		return;
	}
	if (h->lf_flags) { /* MVL_F_ERROR without MVL_F_RESPONSE, or bits format 1 does not define */
		out->what = MVB_SERVE_BAD;
		respond_error(out, h, MVL_E_BAD_REQUEST, 0);
		return;
	}
	if (h->lf_stream == MVL_S_CONTROL && h->lf_type == MVL_T_PING) {
		out->what = MVB_SERVE_PING;
		respond(out, h, 0, NULL, 0);
	} else if (h->lf_stream == MVL_S_CONTROL) {
		if (mvl_get_hello(payload, h->lf_len, &out->hello)) {
			out->what = MVB_SERVE_BAD;
			respond_error(out, h, MVL_E_BAD_REQUEST, 0);
			return;
		}
		out->what = MVB_SERVE_HELLO;
		s->have_hello = 1;
		/* lh_board and lh_app are NUL-padded; one that fills its field
		 * is cut here and then names no directory of the layout */
		memcpy(s->board, out->hello.lh_board, sizeof(s->board) - 1);
		s->board[sizeof(s->board) - 1] = 0;
		memcpy(s->app, out->hello.lh_app, sizeof(s->app) - 1);
		s->app[sizeof(s->app) - 1] = 0;
		s->payload_max =
		    out->hello.lh_payload_max < MVL_PAYLOAD_MAX ? out->hello.lh_payload_max : MVL_PAYLOAD_MAX;
		respond(out, h, 0, NULL, 0);
	} else if (h->lf_type == MVL_T_READ) {
		out->what = MVB_SERVE_READ;
		handle_read(s, h, payload, out);
	} else {
		if (mvl_get_report(payload, h->lf_len, &out->report)) {
			out->what = MVB_SERVE_BAD;
			respond_error(out, h, MVL_E_BAD_REQUEST, 0);
			return;
		}
		out->what = MVB_SERVE_REPORT;
		respond(out, h, 0, NULL, 0);
	}
}

static int hex_val(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

int mvb_serve_update_kind(const struct mvb_repo_index *x, const char *name, uint32_t *from, uint32_t *to)
{
	*from = *to = 0;
	if (mvb_serve_object_of(name) != MVB_SERVE_OBJ_BUNDLE)
		return 0;
	const char *part[5];
	size_t plen[5];
	split(name, part, plen);
	if (plen[0] != strlen(x->board) || memcmp(part[0], x->board, plen[0]) || plen[1] != strlen(x->app) ||
	    memcmp(part[1], x->app, plen[1]))
		return 0;
	uint8_t sha[32];
	for (unsigned i = 0; i < 32; i++)
		sha[i] = (uint8_t)(hex_val(part[3][2 * i]) << 4 | hex_val(part[3][2 * i + 1]));
	for (unsigned i = 0; i < x->nrel; i++)
		if (!memcmp(x->rel[i].rr_sha256, sha, 32)) {
			*to = x->rel[i].rr_version;
			return 1;
		}
	for (unsigned i = 0; i < x->ndel; i++)
		if (!memcmp(x->del[i].rd_sha256, sha, 32)) {
			*from = x->del[i].rd_from_version;
			*to = x->del[i].rd_to_version;
			return 2;
		}
	return 0;
}

void mvb_serve_follow_init(struct mvb_serve_follow *f)
{
	memset(f, 0, sizeof(*f));
	f->phase = MVB_SERVE_PH_SESSION;
}

enum mvb_serve_phase mvb_serve_follow_step(struct mvb_serve_follow *f, const struct mvb_serve_out *o)
{
	if (f->phase == MVB_SERVE_PH_DONE)
		return f->phase;
	if (o->what == MVB_SERVE_HELLO) {
		if (o->hello.lh_state == MVL_DEV_TRIAL && f->phase != MVB_SERVE_PH_TRIAL) {
			f->trial = 1;
			f->trial_version = o->hello.lh_app_version;
			f->phase = MVB_SERVE_PH_TRIAL;
		} else if (f->phase == MVB_SERVE_PH_STARTING && o->hello.lh_state != MVL_DEV_TRIAL) {
			f->phase = MVB_SERVE_PH_DONE;
		}
	} else if (o->what == MVB_SERVE_REPORT) {
		uint32_t k = o->report.lp_outcome;
		if (k == MVL_R_CONFIRMED || k == MVL_R_REVERTED) {
			f->have_outcome = 1;
			f->outcome = o->report;
			f->phase = MVB_SERVE_PH_DONE;
		} else if (f->phase == MVB_SERVE_PH_TRIAL) {
			/* a session the device refuses while on trial: the
			 * trial's outcome is still to come */
		} else if (k == MVL_R_INSTALLED) {
			f->installed = 1;
			f->install = o->report;
			f->phase = MVB_SERVE_PH_STARTING;
		} else {
			f->have_outcome = 1;
			f->outcome = o->report;
			f->phase = MVB_SERVE_PH_DONE;
		}
	}
	return f->phase;
}

/* kept for its callers: the table and its lookup are reason.c's */
const char *mvb_serve_reason_text(uint32_t reason)
{
	return mvb_reason_text(reason);
}
