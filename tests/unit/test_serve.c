/* test_serve.c - the link's other end (src/core/serve.c): one row per
 * frame a device may send, with the answer it must get (none, data of so
 * many bytes, or which error), run against an in-memory repository that
 * counts what it is asked for; every answer is decoded again with the
 * shared codec and must echo the request's stream, type and lf_seq. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mvb/repo.h"
#include "mvb/serve.h"
#include "mvl.h"

/* What a device reads (names in its app's directory, mvbuild-link(5))
 * and the paths serve asks the repository for (DIR and the name). */
#define DIR "mps2-an505/fixture/"
#define INDEX_N "stable/index"
#define BUNDLE_N "objects/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.mvb"
#define MISSING_N "objects/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff.mvb"
#define BROKEN_N "beta/index"
#define INDEX DIR INDEX_N
#define BUNDLE DIR BUNDLE_N
#define MISSING DIR MISSING_N
#define BROKEN DIR BROKEN_N

static uint8_t index_bytes[100], bundle_bytes[1000];

struct store {
	unsigned calls;
	char last[MVB_SERVE_PATH_MAX + 1];
};

static int get(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail)
{
	struct store *s = ctx;
	s->calls++;
	snprintf(s->last, sizeof(s->last), "%s", name);
	if (!strcmp(name, INDEX)) {
		*data = index_bytes;
		*len = sizeof(index_bytes);
		return 0;
	}
	if (!strcmp(name, BUNDLE)) {
		*data = bundle_bytes;
		*len = sizeof(bundle_bytes);
		return 0;
	}
	if (!strcmp(name, BROKEN)) {
		*detail = 5;
		return MVL_E_REPOSITORY;
	}
	return MVL_E_NOT_FOUND;
}

enum payload { P_NONE, P_HELLO, P_READ, P_REPORT, P_LINE, P_RAW };

struct row {
	const char *what;
	uint8_t stream, type, flags;
	enum payload kind;
	/* P_HELLO: payload limit, state; P_READ: offset, length, name (name_len -1:
	 * its length); P_REPORT: outcome; P_LINE/P_RAW: bytes */
	uint32_t a, b;
	const char *name;
	int name_len;
	size_t raw_len; /* P_RAW, P_LINE: bytes of name; P_HELLO: 0 for the right size */
	/* expected */
	enum mvb_serve_what want;
	int answered;
	uint32_t error;  /* 0: a plain response */
	int data;        /* READ: bytes of data (-1: no data record) */
	int store_asked; /* the repository was asked */
};

static const struct row rows[] = {
	{ "read before any hello", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "ping", MVL_S_CONTROL, MVL_T_PING, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_PING, 1, 0, -1, 0 },
	{ "hello", MVL_S_CONTROL, MVL_T_HELLO, 0, P_HELLO, 512, 0, NULL, 0, 0, MVB_SERVE_HELLO, 1, 0, -1, 0 },
	{ "hello too long", MVL_S_CONTROL, MVL_T_HELLO, 0, P_HELLO, 512, 0, NULL, 0, 1, MVB_SERVE_BAD, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "hello empty", MVL_S_CONTROL, MVL_T_HELLO, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_BAD, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read index start", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, -1, 0, MVB_SERVE_READ, 1, 0, 16, 1 },
	{ "read index tail", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 90, 504, INDEX_N, -1, 0, MVB_SERVE_READ, 1, 0, 10, 1 },
	{ "read at the end", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 100, 16, INDEX_N, -1, 0, MVB_SERVE_READ, 1, 0, 0, 1 },
	{ "read past the end", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 101, 16, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_RANGE, -1, 1 },
	{ "read at 0xffffffff", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0xffffffffu, 504, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_RANGE, -1, 1 },
	{ "read bundle, full payload", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 504, BUNDLE_N, -1, 0, MVB_SERVE_READ, 1, 0, 504, 1 },
	{ "read bundle end", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 504, 504, BUNDLE_N, -1, 0, MVB_SERVE_READ, 1, 0, 496, 1 },
	{ "read 505 bytes", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 505, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read 0 bytes", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 0, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read ../etc/passwd", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "../etc/passwd", -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read /etc/passwd", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "/etc/passwd", -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read b/../../x", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "b/../../x", -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read name with space", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "a b/index", -1, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read a whole path", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX, -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 0 },
	{ "read name length 0", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, 0, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read name length 97", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, 97, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read name shorter than its bytes", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, 10, 0, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read record too short", MVL_S_UPDATE, MVL_T_READ, 0, P_RAW, 0, 0, "\0\0\0\0\x10\0\x05\0abcde", 0, 13, MVB_SERVE_READ, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read lock file", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "stable/.lock", -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 0 },
	{ "read app directory", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "objects", -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 0 },
	{ "read uppercase hex", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, "objects/00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff.mvb", -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 0 },
	{ "read missing object", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, MISSING_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 1 },
	{ "read broken repository", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, BROKEN_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_REPOSITORY, -1, 1 },
	{ "report installed", MVL_S_UPDATE, MVL_T_REPORT, 0, P_REPORT, MVL_R_INSTALLED, 0, NULL, 0, 0, MVB_SERVE_REPORT, 1, 0, -1, 0 },
	{ "report refused", MVL_S_UPDATE, MVL_T_REPORT, 0, P_REPORT, MVL_R_REFUSED, 0, NULL, 0, 0, MVB_SERVE_REPORT, 1, 0, -1, 0 },
	{ "report confirmed", MVL_S_UPDATE, MVL_T_REPORT, 0, P_REPORT, MVL_R_CONFIRMED, 0, NULL, 0, 0, MVB_SERVE_REPORT, 1, 0, -1, 0 },
	{ "report reverted", MVL_S_UPDATE, MVL_T_REPORT, 0, P_REPORT, MVL_R_REVERTED, 0, NULL, 0, 0, MVB_SERVE_REPORT, 1, 0, -1, 0 },
	{ "report outcome 6", MVL_S_UPDATE, MVL_T_REPORT, 0, P_REPORT, 6, 0, NULL, 0, 0, MVB_SERVE_BAD, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "report outcome 0xffffffff", MVL_S_UPDATE, MVL_T_REPORT, 0, P_REPORT, 0xffffffffu, 0, NULL, 0, 0, MVB_SERVE_BAD, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "hello on trial", MVL_S_CONTROL, MVL_T_HELLO, 0, P_HELLO, 512, MVL_DEV_TRIAL, NULL, 0, 0, MVB_SERVE_HELLO, 1, 0, -1, 0 },
	{ "line", MVL_S_LOG, MVL_T_LINE, 0, P_LINE, 0, 0, "\1\0\0\0\0\0\0\0hello", 0, 13, MVB_SERVE_LINE, 0, 0, -1, 0 },
	{ "line without text", MVL_S_LOG, MVL_T_LINE, 0, P_LINE, 0, 0, "\1\0\0\0\0\0\0\0", 0, 8, MVB_SERVE_LINE, 0, 0, -1, 0 },
	{ "line too short", MVL_S_LOG, MVL_T_LINE, 0, P_LINE, 0, 0, "\1\0\0\0\0\0\0", 0, 7, MVB_SERVE_BAD, 0, 0, -1, 0 },
	{ "line with a flag", MVL_S_LOG, MVL_T_LINE, 0x04, P_LINE, 0, 0, "\1\0\0\0\0\0\0\0x", 0, 9, MVB_SERVE_BAD, 0, 0, -1, 0 },
	{ "device's response", MVL_S_CONTROL, MVL_T_UPDATE_NOW, MVL_F_RESPONSE, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_RESPONSE, 0, 0, -1, 0 },
	{ "device's error response", MVL_S_CONTROL, MVL_T_UPDATE_NOW, MVL_F_RESPONSE | MVL_F_ERROR, P_RAW, 0, 0, "\5\0\0\0\0\0\0\0", 0, 8, MVB_SERVE_RESPONSE, 0, 0, -1, 0 },
	{ "response to a read", MVL_S_UPDATE, MVL_T_READ, MVL_F_RESPONSE, P_READ, 0, 16, INDEX_N, -1, 0, MVB_SERVE_RESPONSE, 0, 0, -1, 0 },
	{ "update now from the device", MVL_S_CONTROL, MVL_T_UPDATE_NOW, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "control type 9", MVL_S_CONTROL, 9, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "update type 3", MVL_S_UPDATE, 3, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "log type 2", MVL_S_LOG, 2, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "status stream", MVL_S_STATUS, 1, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "debug stream", MVL_S_DEBUG, 1, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "app stream", MVL_S_APP0, 1, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "stream 255", 255, 255, 0, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_UNSUPPORTED, 1, MVL_E_UNSUPPORTED, -1, 0 },
	{ "ping with the error flag", MVL_S_CONTROL, MVL_T_PING, MVL_F_ERROR, P_NONE, 0, 0, NULL, 0, 0, MVB_SERVE_BAD, 1, MVL_E_BAD_REQUEST, -1, 0 },
	{ "read with flag 0x80", MVL_S_UPDATE, MVL_T_READ, 0x80, P_READ, 0, 16, INDEX_N, -1, 0, MVB_SERVE_BAD, 1, MVL_E_BAD_REQUEST, -1, 0 },
	/* a later HELLO of another app: its reads go to that app's directory */
	{ "hello of another app", MVL_S_CONTROL, MVL_T_HELLO, 0, P_HELLO, 512, 0, "other", 0, 0, MVB_SERVE_HELLO, 1, 0, -1, 0 },
	{ "read in the other app's directory", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 1 },
	{ "hello of an app named ..", MVL_S_CONTROL, MVL_T_HELLO, 0, P_HELLO, 512, 0, "..", 0, 0, MVB_SERVE_HELLO, 1, 0, -1, 0 },
	{ "read in the directory ..", MVL_S_UPDATE, MVL_T_READ, 0, P_READ, 0, 16, INDEX_N, -1, 0, MVB_SERVE_READ, 1, MVL_E_NOT_FOUND, -1, 0 },
};

static const struct row *row_named(const char *what)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(rows[i].what, what))
			return &rows[i];
	fail_msg("no row '%s'", what);
	return NULL;
}

static size_t build(const struct row *r, uint8_t *p)
{
	switch (r->kind) {
	case P_NONE:
		return 0;
	case P_HELLO: {
		struct mvl_hello h;
		memset(&h, 0, sizeof(h));
		h.lh_payload_max = (uint16_t)r->a;
		h.lh_state = r->b;
		h.lh_app_version = 0x01020003u;
		strcpy(h.lh_board, "mps2-an505");
		strcpy(h.lh_app, r->name ? r->name : "fixture");
		mvl_put_hello(p, &h);
		return MVL_HELLO_SIZE + r->raw_len;
	}
	case P_READ: {
		struct mvl_read m;
		memset(&m, 0, sizeof(m));
		m.lr_offset = r->a;
		m.lr_length = (uint16_t)r->b;
		size_t n = strlen(r->name);
		memcpy(m.lr_name, r->name, n);
		m.lr_name_len = (uint16_t)(r->name_len < 0 ? (int)n : r->name_len);
		mvl_put_read(p, &m);
		return MVL_READ_SIZE;
	}
	case P_REPORT: {
		struct mvl_report m = { r->a, 0x4401u, 0x01000000u, 0x01010000u, 1234u, 0 };
		mvl_put_report(p, &m);
		return MVL_REPORT_SIZE;
	}
	case P_LINE:
	case P_RAW:
		memcpy(p, r->name, r->raw_len);
		return r->raw_len;
	}
	return 0;
}

/* The response on the wire, decoded with the shared codec. */
static void decode(const struct mvb_serve_out *o, struct mvl_header *h, uint8_t *payload)
{
	struct mvl_rx rx;
	int got = 0;
	mvl_rx_init(&rx);
	for (size_t i = 0; i < o->wire_len; i++) {
		const uint8_t *p;
		if (mvl_rx_byte(&rx, o->wire[i], h, &p)) {
			memcpy(payload, p, h->lf_len);
			got++;
		}
	}
	assert_int_equal(got, 1);
}

static void run_row(struct mvb_serve *s, struct store *st, const struct row *r, uint16_t seq)
{
	static uint8_t p[MVL_PAYLOAD_MAX + 16], rp[MVL_PAYLOAD_MAX];
	static struct mvb_serve_out o;
	struct mvl_header h = { MVL_FORMAT, r->stream, r->type, r->flags, seq, 0 };
	h.lf_len = (uint16_t)build(r, p);
	unsigned calls = st->calls;
	mvb_serve_handle(s, &h, p, &o);
	if (o.what != r->want || !!o.wire_len != r->answered)
		fail_msg("%s: what %d answered %d, want %d %d", r->what, o.what, !!o.wire_len, r->want, r->answered);
	if ((st->calls != calls) != r->store_asked)
		fail_msg("%s: the repository was %sasked (last '%s')", r->what, st->calls != calls ? "" : "not ", st->last);
	if (!r->answered)
		return;
	struct mvl_header rh;
	decode(&o, &rh, rp);
	assert_int_equal(rh.lf_stream, r->stream);
	assert_int_equal(rh.lf_type, r->type);
	assert_int_equal(rh.lf_seq, seq);
	assert_memory_equal(&rh, &o.rh, sizeof(rh));
	if (r->error) {
		struct mvl_error e;
		if (rh.lf_flags != (MVL_F_RESPONSE | MVL_F_ERROR) || mvl_get_error(rp, rh.lf_len, &e) || e.le_code != r->error)
			fail_msg("%s: flags 0x%x, want error %u", r->what, rh.lf_flags, (unsigned)r->error);
		assert_int_equal(o.error, r->error);
		if (r->error == MVL_E_REPOSITORY)
			assert_int_equal(e.le_detail, 5);
		return;
	}
	assert_int_equal(rh.lf_flags, MVL_F_RESPONSE);
	if (r->data < 0) {
		assert_int_equal(rh.lf_len, 0);
		return;
	}
	struct mvl_data d;
	assert_int_equal(mvl_get_data(rp, rh.lf_len, &d), 0);
	assert_int_equal(d.ld_offset, r->a);
	const uint8_t *obj = strcmp(r->name, INDEX_N) ? bundle_bytes : index_bytes;
	assert_int_equal(d.ld_total, obj == index_bytes ? sizeof(index_bytes) : sizeof(bundle_bytes));
	if (rh.lf_len != MVL_DATA_SIZE + (unsigned)r->data)
		fail_msg("%s: %u data bytes, want %d", r->what, rh.lf_len - MVL_DATA_SIZE, r->data);
	assert_memory_equal(rp + MVL_DATA_SIZE, obj + r->a, (size_t)r->data);
	assert_int_equal(o.served, r->data);
	assert_int_equal(o.total, d.ld_total);
	assert_string_equal(o.name + strlen(DIR), r->name);
	assert_memory_equal(o.name, DIR, strlen(DIR));
}

static void setup_objects(void)
{
	for (size_t i = 0; i < sizeof(index_bytes); i++)
		index_bytes[i] = (uint8_t)(i * 7u + 1u);
	for (size_t i = 0; i < sizeof(bundle_bytes); i++)
		bundle_bytes[i] = (uint8_t)(i * 13u + 5u);
}

static void test_rows(void **state)
{
	(void)state;
	setup_objects();
	struct mvb_serve s;
	struct store st = { 0, "" };
	mvb_serve_init(&s, get, &st);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&s, &st, &rows[i], (uint16_t)(0xfff0u + i)); /* seq wraps: echoed as given */
}

/* What the rows hand back beside the answer: the HELLO, REPORT and LINE
 * as the device sent them. */
static void test_decoded(void **state)
{
	(void)state;
	struct mvb_serve s;
	struct store st = { 0, "" };
	static struct mvb_serve_out o;
	static uint8_t p[MVL_PAYLOAD_MAX];
	mvb_serve_init(&s, get, &st);
	struct mvl_header h = { MVL_FORMAT, MVL_S_CONTROL, MVL_T_HELLO, 0, 1, (uint16_t)build(row_named("hello"), p) };
	mvb_serve_handle(&s, &h, p, &o);
	assert_int_equal(o.hello.lh_app_version, 0x01020003u);
	assert_string_equal(o.hello.lh_board, "mps2-an505");
	struct row rep = *row_named("report refused");
	h = (struct mvl_header){ MVL_FORMAT, MVL_S_UPDATE, MVL_T_REPORT, 0, 2, (uint16_t)build(&rep, p) };
	mvb_serve_handle(&s, &h, p, &o);
	assert_int_equal(o.what, MVB_SERVE_REPORT);
	assert_int_equal(o.report.lp_outcome, MVL_R_REFUSED);
	assert_int_equal(o.report.lp_reason, 0x4401u);
	assert_int_equal(o.report.lp_bytes, 1234u);
	rep = *row_named("report reverted");
	h = (struct mvl_header){ MVL_FORMAT, MVL_S_UPDATE, MVL_T_REPORT, 0, 3, (uint16_t)build(&rep, p) };
	mvb_serve_handle(&s, &h, p, &o);
	assert_int_equal(o.what, MVB_SERVE_REPORT);
	assert_int_equal(o.report.lp_outcome, MVL_R_REVERTED);
	assert_int_equal(o.report.lp_from_version, 0x01000000u);
	assert_int_equal(o.report.lp_to_version, 0x01010000u);
	h = (struct mvl_header){ MVL_FORMAT, MVL_S_CONTROL, MVL_T_HELLO, 0, 4, (uint16_t)build(row_named("hello on trial"), p) };
	mvb_serve_handle(&s, &h, p, &o);
	assert_int_equal(o.what, MVB_SERVE_HELLO);
	assert_int_equal(o.hello.lh_state, MVL_DEV_TRIAL);
	h = (struct mvl_header){ MVL_FORMAT, MVL_S_LOG, MVL_T_LINE, 0, 0, (uint16_t)build(row_named("line"), p) };
	mvb_serve_handle(&s, &h, p, &o);
	assert_int_equal(o.line.ll_seq, 1);
	assert_int_equal(o.text_len, 5);
	assert_memory_equal(o.text, "hello", 5);
	assert_ptr_equal(o.text, p + MVL_LINE_SIZE);
	/* an error response from the device says its code */
	memcpy(p, "\5\0\0\0\0\0\0\0", 8);
	h = (struct mvl_header){ MVL_FORMAT, MVL_S_CONTROL, MVL_T_UPDATE_NOW, MVL_F_RESPONSE | MVL_F_ERROR, 1, 8 };
	mvb_serve_handle(&s, &h, p, &o);
	assert_int_equal(o.what, MVB_SERVE_RESPONSE);
	assert_int_equal(o.error, MVL_E_UNSUPPORTED);
	assert_int_equal(o.wire_len, 0);
}

/* The device's payload limit from its HELLO bounds every DATA response;
 * a later HELLO sets it again. */
static void test_payload_limit(void **state)
{
	(void)state;
	setup_objects();
	static const struct {
		uint32_t limit, length, error, data;
	} t[] = {
		{ 64, 56, 0, 56 },  { 64, 57, MVL_E_BAD_REQUEST, 0 }, { 9, 1, 0, 1 },     { 9, 2, MVL_E_BAD_REQUEST, 0 },
		{ 8, 1, MVL_E_BAD_REQUEST, 0 },                        { 0, 1, MVL_E_BAD_REQUEST, 0 },
		{ 600, 504, 0, 504 }, { 600, 505, MVL_E_BAD_REQUEST, 0 }, { 512, 504, 0, 504 },
	};
	struct mvb_serve s;
	struct store st = { 0, "" };
	mvb_serve_init(&s, get, &st);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct row hello = *row_named("hello"), rd = *row_named("read bundle, full payload");
		hello.a = t[i].limit;
		rd.b = t[i].length;
		rd.error = t[i].error;
		rd.data = t[i].error ? -1 : (int)t[i].data;
		rd.store_asked = !t[i].error;
		run_row(&s, &st, &hello, 1);
		run_row(&s, &st, &rd, 2);
	}
}

static void test_object_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum mvb_serve_object want;
	} t[] = {
		{ INDEX, MVB_SERVE_OBJ_INDEX },
		{ BUNDLE, MVB_SERVE_OBJ_BUNDLE },
		{ "b/a/c/index", MVB_SERVE_OBJ_INDEX },
		{ "b/a/c/index2", MVB_SERVE_OBJ_NONE },
		{ "b/a/c/d/index", MVB_SERVE_OBJ_NONE },
		{ "b/a/index", MVB_SERVE_OBJ_NONE },
		{ "b//c/index", MVB_SERVE_OBJ_NONE },
		{ ".b/a/c/index", MVB_SERVE_OBJ_NONE },
		{ "b/a/.c/index", MVB_SERVE_OBJ_NONE },
		{ "b/a/channel-name-016/index", MVB_SERVE_OBJ_NONE }, /* channels are 15 bytes at most */
		{ "b/a/channel-name-15/index", MVB_SERVE_OBJ_INDEX },
		{ "board-name-of-thirty-two-bytes-x/a/c/index", MVB_SERVE_OBJ_NONE },
		{ "board-name-of-thirty-one-bytes-/a/c/index", MVB_SERVE_OBJ_INDEX },
		{ "b/a/objects/00112233445566778899aabbccddeeff00112233445566778899aabbccddeef.mvb", MVB_SERVE_OBJ_NONE },
		{ "b/a/objects/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.mvbx", MVB_SERVE_OBJ_NONE },
		{ "b/a/objects/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeg0.mvb", MVB_SERVE_OBJ_NONE },
		{ "b/a/objects/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.mvb/", MVB_SERVE_OBJ_NONE },
		{ "b/a/object/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.mvb", MVB_SERVE_OBJ_NONE },
		{ "b/a/c/.lock", MVB_SERVE_OBJ_NONE },
		{ "b/a/c/lock/owner", MVB_SERVE_OBJ_NONE },
		{ "", MVB_SERVE_OBJ_NONE },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (mvb_serve_object_of(t[i].name) != t[i].want)
			fail_msg("'%s': %d, want %d", t[i].name, mvb_serve_object_of(t[i].name), t[i].want);
}

static void test_update_kind(void **state)
{
	(void)state;
	static struct mvb_repo_index x;
	memset(&x, 0, sizeof(x));
	strcpy(x.board, "mps2-an505");
	strcpy(x.app, "fixture");
	x.nrel = 2;
	x.rel[0].rr_version = 0x01000000u;
	x.rel[1].rr_version = 0x01010000u;
	memset(x.rel[1].rr_sha256, 0x11, 32);
	x.ndel = 1;
	x.del[0].rd_from_version = 0x01000000u;
	x.del[0].rd_to_version = 0x01010000u;
	for (unsigned i = 0; i < 32; i++)
		x.del[0].rd_sha256[i] = (uint8_t)(0x00 + 0x11 * (i % 16));
	uint32_t from, to;
	char full[120] = "mps2-an505/fixture/objects/", delta[120];
	for (unsigned i = 0; i < 32; i++)
		strcat(full, "11");
	strcat(full, ".mvb");
	assert_int_equal(mvb_serve_update_kind(&x, full, &from, &to), 1);
	assert_int_equal(from, 0);
	assert_int_equal(to, 0x01010000u);
	assert_int_equal(mvb_serve_update_kind(&x, BUNDLE, &from, &to), 2);
	assert_int_equal(from, 0x01000000u);
	assert_int_equal(to, 0x01010000u);
	assert_int_equal(mvb_serve_update_kind(&x, MISSING, &from, &to), 0);
	assert_int_equal(mvb_serve_update_kind(&x, INDEX, &from, &to), 0);
	snprintf(delta, sizeof(delta), "%s", full);
	memcpy(delta, "mps2-an50x", 10); /* another board's directory */
	assert_int_equal(mvb_serve_update_kind(&x, delta, &from, &to), 0);
}

/* How a session ends (mvb_serve_follow_step): one row per sequence of
 * frames a device may send, as 'mvbuild serve --once' sees them, with the
 * phase after each frame, written as a string: S SESSION, s STARTING,
 * T TRIAL, D DONE. */
enum { F_HELLO_RUN, F_HELLO_SAFE, F_HELLO_INST, F_HELLO_TRIAL, F_INSTALLED, F_UP_TO_DATE, F_REFUSED,
       F_FAILED,    F_CONFIRMED,  F_REVERTED,   F_READ,	     F_LINE,	   F_BAD,	 F_END };

static const struct {
	const char *what;
	int frames[8]; /* up to F_END */
	const char *phases;
	int installed, trial, have_outcome;
	uint32_t outcome;
} follow_rows[] = {
	{ "installed, then running", { F_HELLO_INST, F_READ, F_INSTALLED, F_HELLO_RUN, F_END }, "SSsD", 1, 0, 0, 0 },
	{ "installed, then safe mode", { F_HELLO_INST, F_INSTALLED, F_HELLO_SAFE, F_END }, "SsD", 1, 0, 0, 0 },
	{ "installed, trial confirmed",
	  { F_HELLO_INST, F_READ, F_INSTALLED, F_HELLO_TRIAL, F_LINE, F_CONFIRMED, F_END }, "SSsTTD", 1, 1, 1, MVL_R_CONFIRMED },
	{ "installed, trial rejected: crash restarts, a refused session, the revert's HELLO",
	  { F_HELLO_INST, F_INSTALLED, F_HELLO_TRIAL, F_HELLO_TRIAL, F_HELLO_INST, F_REFUSED, F_HELLO_INST, F_REVERTED },
	  "SsTTTTTD", 1, 1, 1, MVL_R_REVERTED },
	{ "the revert's HELLO running before its report",
	  { F_HELLO_INST, F_INSTALLED, F_HELLO_TRIAL, F_HELLO_RUN, F_REVERTED, F_END }, "SsTTD", 1, 1, 1, MVL_R_REVERTED },
	{ "up to date", { F_HELLO_INST, F_READ, F_UP_TO_DATE, F_HELLO_RUN, F_END }, "SSDD", 0, 0, 1, MVL_R_UP_TO_DATE },
	{ "refused", { F_HELLO_INST, F_REFUSED, F_END }, "SD", 0, 0, 1, MVL_R_REFUSED },
	{ "failed", { F_HELLO_INST, F_FAILED, F_END }, "SD", 0, 0, 1, MVL_R_FAILED },
	{ "on trial before we listened, confirmed", { F_HELLO_TRIAL, F_LINE, F_CONFIRMED, F_END }, "TTD", 0, 1, 1, MVL_R_CONFIRMED },
	{ "on trial, a session refused, then reverted",
	  { F_HELLO_TRIAL, F_HELLO_INST, F_REFUSED, F_REVERTED, F_END }, "TTTD", 0, 1, 1, MVL_R_REVERTED },
	{ "only the trial's outcome", { F_CONFIRMED, F_END }, "D", 0, 0, 1, MVL_R_CONFIRMED },
	{ "the outcome comes without the trial's HELLO", { F_HELLO_INST, F_INSTALLED, F_REVERTED, F_END }, "SsD", 1, 0, 1, MVL_R_REVERTED },
	{ "frames that change nothing", { F_READ, F_LINE, F_BAD, F_HELLO_RUN, F_BAD, F_END }, "SSSSS", 0, 0, 0, 0 },
	{ "DONE stays", { F_REFUSED, F_INSTALLED, F_HELLO_TRIAL, F_CONFIRMED, F_END }, "DDDD", 0, 0, 1, MVL_R_REFUSED },
	{ "installed twice before a HELLO", { F_INSTALLED, F_INSTALLED, F_HELLO_TRIAL, F_END }, "ssT", 1, 1, 0, 0 },
};

static void follow_frame(int f, struct mvb_serve_out *o)
{
	static const uint32_t hello_state[] = { MVL_DEV_RUNNING, MVL_DEV_SAFE, MVL_DEV_INSTALLING, MVL_DEV_TRIAL };
	memset(o, 0, sizeof(*o));
	if (f <= F_HELLO_TRIAL) {
		o->what = MVB_SERVE_HELLO;
		o->hello.lh_state = hello_state[f];
		o->hello.lh_app_version = 0x00020000u;
	} else if (f <= F_REVERTED) {
		o->what = MVB_SERVE_REPORT;
		o->report.lp_outcome = (uint32_t)(f - F_INSTALLED); /* F_INSTALLED.. in MVL_R_* order */
		o->report.lp_reason = f == F_REVERTED ? 0x4501u : 0;
		o->report.lp_from_version = 0x00010000u;
		o->report.lp_to_version = 0x00020000u;
	} else {
		o->what = f == F_READ ? MVB_SERVE_READ : f == F_LINE ? MVB_SERVE_LINE : MVB_SERVE_BAD;
		o->report.lp_outcome = MVL_R_CONFIRMED; /* a BAD frame's leftovers say nothing */
		o->hello.lh_state = MVL_DEV_TRIAL;
	}
}

static void test_follow(void **state)
{
	(void)state;
	static struct mvb_serve_out o;
	assert_int_equal(F_REVERTED - F_INSTALLED, MVL_R_REVERTED);
	for (size_t i = 0; i < sizeof(follow_rows) / sizeof(follow_rows[0]); i++) {
		struct mvb_serve_follow f;
		char got[9] = "";
		mvb_serve_follow_init(&f);
		assert_int_equal(f.phase, MVB_SERVE_PH_SESSION);
		for (unsigned k = 0; k < 8 && follow_rows[i].frames[k] != F_END; k++) {
			follow_frame(follow_rows[i].frames[k], &o);
			got[k] = "SsTD"[mvb_serve_follow_step(&f, &o)];
			assert_int_equal(got[k], "SsTD"[f.phase]);
		}
		if (strcmp(got, follow_rows[i].phases))
			fail_msg("%s: phases %s, want %s", follow_rows[i].what, got, follow_rows[i].phases);
		if (f.installed != follow_rows[i].installed || f.trial != follow_rows[i].trial ||
		    f.have_outcome != follow_rows[i].have_outcome ||
		    (f.have_outcome && f.outcome.lp_outcome != follow_rows[i].outcome))
			fail_msg("%s: installed %d trial %d outcome %d/%u", follow_rows[i].what, f.installed, f.trial,
				 f.have_outcome, (unsigned)f.outcome.lp_outcome);
		if (f.trial)
			assert_int_equal(f.trial_version, 0x00020000u);
		if (f.installed)
			assert_int_equal(f.install.lp_outcome, MVL_R_INSTALLED);
		if (f.have_outcome && f.outcome.lp_outcome == MVL_R_REVERTED)
			assert_int_equal(f.outcome.lp_reason, 0x4501u);
	}
}

static void test_reason_text(void **state)
{
	(void)state;
	assert_non_null(mvb_serve_reason_text(0x4001u)); /* no app installed */
	assert_null(mvb_serve_reason_text(0xdead00u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),          cmocka_unit_test(test_decoded),
		cmocka_unit_test(test_payload_limit), cmocka_unit_test(test_object_names),
		cmocka_unit_test(test_update_kind),   cmocka_unit_test(test_reason_text),
		cmocka_unit_test(test_follow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
