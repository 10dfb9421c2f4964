/* test_link.c - the link codec both ends compile (src/link): frames
 * round-trip through COBS and back whatever their bytes, a receiver
 * delivers a frame whole or not at all (garbage, flipped bits, cut and
 * oversize frames are dropped and counted, never delivered wrong), and
 * the message layouts refuse what does not fit them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mvl.h"

struct got {
	int n;
	struct mvl_header h[8];
	uint8_t p[8][MVL_PAYLOAD_MAX];
};

static void feed(struct mvl_rx *rx, const uint8_t *b, size_t n, struct got *g)
{
	for (size_t i = 0; i < n; i++) {
		struct mvl_header h;
		const uint8_t *p;
		if (mvl_rx_byte(rx, b[i], &h, &p) && g->n < 8) {
			g->h[g->n] = h;
			memcpy(g->p[g->n], p, h.lf_len);
			g->n++;
		}
	}
}

static void fill(uint8_t *p, size_t n, unsigned kind)
{
	for (size_t i = 0; i < n; i++)
		p[i] = kind == 0 ? 0 : kind == 1 ? 0xff : kind == 2 ? (uint8_t)(i * 37u + 11u) : (uint8_t)(i % 3 ? 0 : i);
}

/* Every size around the COBS block boundaries, four byte patterns. */
static void test_round_trip(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 2, 241, 242, 243, 253, 254, 255, 256, 400, 507, 508, 509, 510, 511, 512 };
	static struct mvl_rx rx;
	static uint8_t payload[MVL_PAYLOAD_MAX], wire[MVL_WIRE_MAX];
	static struct got g;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (unsigned kind = 0; kind < 4; kind++) {
			fill(payload, sizes[s], kind);
			size_t n = mvl_encode(MVL_S_UPDATE, MVL_T_READ, MVL_F_RESPONSE, (uint16_t)(s * 4 + kind), payload,
					      sizes[s], wire, sizeof(wire));
			assert_true(n > 0 && n <= MVL_WIRE_MAX);
			assert_int_equal(wire[0], 0);
			assert_int_equal(wire[n - 1], 0);
			assert_null(memchr(wire + 1, 0, n - 2)); /* no zero inside a frame */
			mvl_rx_init(&rx);
			memset(&g, 0, sizeof(g));
			feed(&rx, wire, n, &g);
			assert_int_equal(g.n, 1);
			assert_int_equal(g.h[0].lf_len, sizes[s]);
			assert_int_equal(g.h[0].lf_stream, MVL_S_UPDATE);
			assert_int_equal(g.h[0].lf_type, MVL_T_READ);
			assert_int_equal(g.h[0].lf_flags, MVL_F_RESPONSE);
			assert_int_equal(g.h[0].lf_seq, s * 4 + kind);
			assert_memory_equal(g.p[0], payload, sizes[s]);
		}
	}
}

static void test_refuses_to_encode(void **state)
{
	(void)state;
	static uint8_t payload[MVL_PAYLOAD_MAX + 1], wire[MVL_WIRE_MAX + 2];
	assert_int_equal(mvl_encode(0, 1, 0, 0, payload, MVL_PAYLOAD_MAX + 1, wire, sizeof(wire)), 0);
	assert_int_equal(mvl_encode(0, 1, 0, 0, payload, 100, wire, 50), 0);
	assert_int_equal(mvl_encode(0, 1, 0, 0, NULL, 4, wire, sizeof(wire)), 0);
	/* the longest frame (no zero byte anywhere) fits MVL_WIRE_MAX exactly */
	memset(payload, 0x5a, MVL_PAYLOAD_MAX);
	size_t n = mvl_encode(0x11, 0x22, 0x01, 0x3333, payload, MVL_PAYLOAD_MAX, wire, MVL_WIRE_MAX);
	assert_true(n > MVL_WIRE_MAX - 4 && n <= MVL_WIRE_MAX);
	assert_int_equal(mvl_encode(0x11, 0x22, 0x01, 0x3333, payload, MVL_PAYLOAD_MAX, wire, MVL_WIRE_MAX - 1), 0);
}

/* Frames between garbage, an oversize run, a frame cut short, and a
 * frame with each single bit flipped: only the intact frames come out. */
static void test_resync_and_damage(void **state)
{
	(void)state;
	static uint8_t wire[4 * MVL_WIRE_MAX], one[MVL_WIRE_MAX + 2];
	static struct mvl_rx rx;
	static struct got g;
	const char *msg = "hello, link";
	size_t n1 = mvl_encode(MVL_S_LOG, MVL_T_LINE, 0, 7, msg, strlen(msg), one, sizeof(one));
	size_t o = 0;
	for (size_t i = 0; i < 700; i++) /* longer than any frame, no zero */
		wire[o++] = (uint8_t)(i % 255 + 1);
	memcpy(wire + o, one, n1);
	o += n1;
	memcpy(wire + o, one + 1, n1 / 2); /* cut short, then a whole frame */
	o += n1 / 2;
	memcpy(wire + o, one, n1);
	o += n1;
	mvl_rx_init(&rx);
	memset(&g, 0, sizeof(g));
	feed(&rx, wire, o, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(rx.dropped[MVL_RX_OVERSIZE], 1);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(g.h[k].lf_seq, 7);
		assert_memory_equal(g.p[k], msg, strlen(msg));
	}

	unsigned dropped = 0;
	for (size_t byte = 1; byte + 1 < n1; byte++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(wire, one, n1);
			wire[byte] ^= (uint8_t)(1u << bit);
			mvl_rx_init(&rx);
			memset(&g, 0, sizeof(g));
			feed(&rx, wire, n1, &g);
			/* a flip may turn into a zero and split the frame: still
			 * nothing may come out that is not the original */
			for (int k = 0; k < g.n; k++)
				if (g.h[k].lf_len != strlen(msg) || memcmp(g.p[k], msg, strlen(msg)) != 0 || g.h[k].lf_seq != 7)
					fail_msg("flip of bit %u of byte %zu delivered a damaged frame", bit, byte);
			if (g.n == 0)
				dropped++;
		}
	}
	assert_int_equal(dropped, (n1 - 2) * 8); /* CRC-32 catches every single-bit flip */
}

/* Frames with a valid CRC that are still wrong: version, length field. */
static void test_header_checks(void **state)
{
	(void)state;
	static struct mvl_rx rx;
	struct mvl_header h;
	const uint8_t *p;
	uint8_t plain[12 + 4] = { 2, 0, 3, 0, 1, 0, 4, 0, 'a', 'b', 'c', 'd' };
	uint8_t wire[40];
	for (int c = 0; c < 2; c++) {
		if (c == 1) {
			plain[0] = MVL_FORMAT;
			plain[6] = 5; /* says 5 payload bytes, carries 4 */
		}
		uint32_t crc = mv_crc32(0, plain, 12);
		plain[12] = (uint8_t)crc, plain[13] = (uint8_t)(crc >> 8), plain[14] = (uint8_t)(crc >> 16),
		plain[15] = (uint8_t)(crc >> 24);
		/* hand COBS: no zero inside but at 1, 3, 5, 7 */
		size_t o = 0, code_at = o++;
		uint8_t code = 1;
		for (size_t i = 0; i < 16; i++) {
			if (plain[i] == 0) {
				wire[code_at] = code;
				code_at = o++;
				code = 1;
			} else {
				wire[o++] = plain[i];
				code++;
			}
		}
		wire[code_at] = code;
		wire[o++] = 0;
		mvl_rx_init(&rx);
		int got = 0;
		for (size_t i = 0; i < o; i++)
			got |= mvl_rx_byte(&rx, wire[i], &h, &p);
		assert_int_equal(got, 0);
		assert_int_equal(rx.dropped[c == 0 ? MVL_RX_VERSION : MVL_RX_LENGTH], 1);
	}
}

static const struct {
	const char *name;
	int ok;
} names[] = {
	{ "mps2-an505/hello/stable/index", 1 },
	{ "mps2-an505/hello/objects/0123abcd.mvb", 1 },
	{ "a", 1 },
	{ "a/..b/c", 1 },
	{ "a/b../c", 1 },
	{ "", 0 },
	{ "/etc/passwd", 0 },
	{ "../x", 0 },
	{ "a/../x", 0 },
	{ "a/..", 0 },
	{ "..", 0 },
	{ "a b", 0 },
	{ "a\\b", 0 },
	{ "a%2f..", 0 },
	{ "caf\xc3\xa9", 0 },
};

static void test_read_request(void **state)
{
	(void)state;
	uint8_t p[MVL_READ_SIZE];
	struct mvl_read in, out;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.lr_offset = 4096;
		in.lr_length = 256;
		in.lr_name_len = (uint16_t)strlen(names[i].name);
		memcpy(in.lr_name, names[i].name, strlen(names[i].name));
		mvl_put_read(p, &in);
		int rc = mvl_get_read(p, sizeof(p), MVL_PAYLOAD_MAX, &out);
		if ((rc == 0) != names[i].ok)
			fail_msg("name '%s': %s", names[i].name, rc == 0 ? "accepted" : "refused");
		if (rc == 0) {
			assert_int_equal(out.lr_offset, 4096);
			assert_int_equal(out.lr_length, 256);
			assert_memory_equal(out.lr_name, in.lr_name, sizeof(in.lr_name));
		}
	}
	memset(&in, 0, sizeof(in));
	in.lr_name_len = 1;
	in.lr_name[0] = 'x';
	in.lr_length = MVL_PAYLOAD_MAX - MVL_DATA_SIZE + 1; /* a response could not carry it */
	mvl_put_read(p, &in);
	assert_int_equal(mvl_get_read(p, sizeof(p), MVL_PAYLOAD_MAX, &out), -1);
	in.lr_length = 100;
	mvl_put_read(p, &in);
	assert_int_equal(mvl_get_read(p, sizeof(p), 64, &out), -1); /* the device takes 64 at most */
	assert_int_equal(mvl_get_read(p, sizeof(p) - 1, MVL_PAYLOAD_MAX, &out), -1);
	in.lr_length = 0;
	mvl_put_read(p, &in);
	assert_int_equal(mvl_get_read(p, sizeof(p), MVL_PAYLOAD_MAX, &out), -1);
	in.lr_length = 8;
	in.lr_name[50] = 'z'; /* bytes past the name must be zero */
	mvl_put_read(p, &in);
	assert_int_equal(mvl_get_read(p, sizeof(p), MVL_PAYLOAD_MAX, &out), -1);
	in.lr_name[50] = 0;
	in.lr_name_len = MVL_OBJECT_MAX + 1;
	mvl_put_read(p, &in);
	assert_int_equal(mvl_get_read(p, sizeof(p), MVL_PAYLOAD_MAX, &out), -1);
}

static void test_messages(void **state)
{
	(void)state;
	struct mvl_hello h, h2;
	uint8_t p[MVL_HELLO_SIZE];
	memset(&h, 0x5a, sizeof(h));
	h.lh_board[31] = h.lh_app[31] = h.lh_channel[15] = 0;
	mvl_put_hello(p, &h);
	assert_int_equal(mvl_get_hello(p, sizeof(p), &h2), 0);
	assert_memory_equal(&h, &h2, sizeof(h));
	assert_int_equal(mvl_get_hello(p, sizeof(p) - 1, &h2), -1);
	memset(p + 0x40, 'x', 32); /* an unterminated name comes out terminated */
	assert_int_equal(mvl_get_hello(p, sizeof(p), &h2), 0);
	assert_int_equal(strlen(h2.lh_board), 31);

	struct mvl_report r = { MVL_R_REFUSED, 0x4203, 0x01000000, 0x02000000, 12345, 0 }, r2;
	uint8_t q[MVL_REPORT_SIZE];
	mvl_put_report(q, &r);
	assert_int_equal(mvl_get_report(q, sizeof(q), &r2), 0);
	assert_memory_equal(&r, &r2, sizeof(r));
	/* the trial's outcomes are reports too; the next number is none */
	static const uint32_t outcomes[] = {MVL_R_INSTALLED, MVL_R_UP_TO_DATE, MVL_R_REFUSED,
	                                    MVL_R_FAILED,    MVL_R_CONFIRMED,  MVL_R_REVERTED};
	for (unsigned i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
		r.lp_outcome = outcomes[i];
		mvl_put_report(q, &r);
		assert_int_equal(mvl_get_report(q, sizeof(q), &r2), 0);
		assert_memory_equal(&r, &r2, sizeof(r));
	}
	assert_int_equal(MVL_R_CONFIRMED, 4);
	assert_int_equal(MVL_R_REVERTED, 5);
	r.lp_outcome = MVL_R_REVERTED + 1;
	mvl_put_report(q, &r);
	assert_int_equal(mvl_get_report(q, sizeof(q), &r2), -1);
	r.lp_outcome = 0xffffffffu;
	mvl_put_report(q, &r);
	assert_int_equal(mvl_get_report(q, sizeof(q), &r2), -1);

	struct mvl_error e = { MVL_E_NOT_FOUND, 2 }, e2;
	uint8_t z[MVL_ERROR_SIZE];
	mvl_put_error(z, &e);
	assert_int_equal(mvl_get_error(z, sizeof(z), &e2), 0);
	assert_int_equal(e2.le_code, MVL_E_NOT_FOUND);
	assert_int_equal(mvl_get_error(z, 4, &e2), -1);
	struct mvl_data d = { 512, 9000 }, d2;
	mvl_put_data(z, &d);
	assert_int_equal(mvl_get_data(z, sizeof(z), &d2), 0);
	assert_int_equal(d2.ld_total, 9000);
	assert_int_equal(mvl_get_data(z, 7, &d2), -1);

	/* STATUS: every field where the page puts it, names always strings */
	struct mvl_status st, st2;
	uint8_t sp[MVL_STATUS_SIZE];
	assert_int_equal(MVL_STATUS_SIZE, 0xd0);
	memset(&st, 0, sizeof(st));
	uint32_t *words[] = {
	    &st.ls_fw_version,  &st.ls_abi,          &st.ls_uptime_ms,        &st.ls_state,           &st.ls_reason,
	    &st.ls_app_version, &st.ls_app_counter,  &st.ls_counter_floor,    &st.ls_index_version,   &st.ls_starts,
	    &st.ls_crashes,     &st.ls_last_crash,   &st.ls_rx_frames,        &st.ls_rx_dropped,      &st.ls_tx_frames,
	    &st.ls_lines,       &st.ls_update_state, &st.ls_rejected_version, &st.ls_rejected_reason, &st.ls_crash_record};
	const unsigned nwords = sizeof(words) / sizeof(words[0]);
	assert_int_equal(nwords, 20); /* 0x00-0x4f */
	for (unsigned i = 0; i < nwords; i++)
		*words[i] = i == 3 ? MVL_DEV_TRIAL : 0x01020304u * (i + 1);
	memset(st.ls_image_sha256, 0xab, 32);
	strcpy(st.ls_serial, "SN-1");
	strcpy(st.ls_board, "mps2-an505");
	strcpy(st.ls_app, "hello");
	mvl_put_status(sp, &st);
	for (unsigned i = 0; i < nwords; i++)
		assert_int_equal(sp[4 * i] | sp[4 * i + 1] << 8 | sp[4 * i + 2] << 16 | (uint32_t)sp[4 * i + 3] << 24,
				 *words[i]);
	assert_int_equal(sp[0x50], 0xab);
	assert_int_equal(sp[0x6f], 0xab);
	assert_string_equal((const char *)sp + 0x70, "SN-1");
	assert_string_equal((const char *)sp + 0x90, "mps2-an505");
	assert_string_equal((const char *)sp + 0xb0, "hello");
	assert_int_equal(mvl_get_status(sp, sizeof(sp), &st2), 0);
	assert_memory_equal(&st, &st2, sizeof(st));
	assert_int_equal(mvl_get_status(sp, sizeof(sp) - 1, &st2), -1);
	/* the 192-byte record of ABI 1.3 microvisors: the same fields, the
	 * trial's four words missing, read as zero */
	uint8_t old[0xc0];
	memcpy(old, sp, 0x40);
	memcpy(old + 0x40, sp + 0x50, 0x80);
	assert_int_equal(mvl_get_status(old, sizeof(old), &st2), 0);
	struct mvl_status want = st;
	want.ls_update_state = want.ls_rejected_version = want.ls_rejected_reason = want.ls_crash_record = 0;
	assert_memory_equal(&want, &st2, sizeof(st2));
	assert_int_equal(mvl_get_status(old, sizeof(old) - 1, &st2), -1);
	assert_int_equal(mvl_get_status(sp, sizeof(sp) + 1, &st2), -1);
	memset(sp + 0x90, 'x', 32); /* a board name without its NUL is cut */
	assert_int_equal(mvl_get_status(sp, sizeof(sp), &st2), 0);
	assert_int_equal(strlen(st2.ls_board), 31);
	/* every state up to TRIAL; the next number is none */
	for (uint8_t s = MVL_DEV_RUNNING; s <= MVL_DEV_TRIAL; s++) {
		sp[0x0c] = s;
		assert_int_equal(mvl_get_status(sp, sizeof(sp), &st2), 0);
		assert_int_equal(st2.ls_state, s);
	}
	assert_int_equal(MVL_DEV_TRIAL, 4);
	sp[0x0c] = MVL_DEV_TRIAL + 1;
	assert_int_equal(mvl_get_status(sp, sizeof(sp), &st2), -1);
}

/* A LOG_READ response: header (first, lost, count, next) then lines. */
static size_t log_part(uint8_t *p, uint32_t first, uint32_t lost, uint32_t count, uint32_t next,
		       const char *const *lines, unsigned n)
{
	uint32_t w[4] = { first, lost, count, next };
	size_t len = MVL_LOG_PART_SIZE;
	for (unsigned i = 0; i < 4; i++)
		for (unsigned b = 0; b < 4; b++)
			p[4 * i + b] = (uint8_t)(w[i] >> (8 * b));
	for (unsigned i = 0; i < n; i++) {
		size_t k = strlen(lines[i]);
		p[len] = (uint8_t)k;
		memcpy(p + len + 1, lines[i], k);
		len += 1 + k;
	}
	return len;
}

static void test_log_part(void **state)
{
	(void)state;
	static const char *const three[] = { "boot", "", "app started" };
	uint8_t p[MVL_PAYLOAD_MAX + 1];
	struct mvl_log_part m;
	const uint8_t *text;
	size_t off = 0, n;

	/* the request: lq_from little-endian, then zero */
	struct mvl_log_req q = { 0x01020304u, 0 };
	uint8_t qp[MVL_LOG_REQ_SIZE];
	mvl_put_log_req(qp, &q);
	assert_int_equal(MVL_LOG_REQ_SIZE, sizeof(struct mvl_log_req));
	assert_int_equal(qp[0], 0x04);
	assert_int_equal(qp[3], 0x01);
	assert_int_equal(qp[4] | qp[5] | qp[6] | qp[7], 0);

	/* good: three lines, one of them empty, read back in order */
	size_t len = log_part(p, 7, 2, 3, 10, three, 3);
	assert_int_equal(len, 16 + 5 + 1 + 12);
	assert_int_equal(mvl_get_log_part(p, len, &m), 0);
	assert_int_equal(m.lk_first, 7);
	assert_int_equal(m.lk_lost, 2);
	assert_int_equal(m.lk_count, 3);
	assert_int_equal(m.lk_next, 10);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(mvl_log_line(p, len, &off, &text, &n), 1);
		assert_int_equal(n, strlen(three[i]));
		assert_memory_equal(text, three[i], n);
	}
	assert_int_equal(mvl_log_line(p, len, &off, &text, &n), 0);
	assert_int_equal(off, len);
	/* none kept: the header alone; the count wraps with the device's */
	assert_int_equal(mvl_get_log_part(p, log_part(p, 5, 0, 0, 5, NULL, 0), &m), 0);
	assert_int_equal(mvl_get_log_part(p, log_part(p, 0xffffffffu, 0, 1, 0, three, 1), &m), 0);
	/* a short header */
	len = log_part(p, 0, 0, 0, 0, NULL, 0);
	for (size_t k = 0; k < MVL_LOG_PART_SIZE; k++)
		assert_int_equal(mvl_get_log_part(p, k, &m), -1);
	/* a line running past the end: its length byte claims more */
	len = log_part(p, 7, 0, 3, 10, three, 3);
	p[16 + 5 + 1] = 12; /* 11 in truth */
	assert_int_equal(mvl_get_log_part(p, len, &m), -1);
	p[16 + 5 + 1] = 11;
	assert_int_equal(mvl_get_log_part(p, len - 1, &m), -1); /* its last byte cut */
	/* trailing bytes after the last line, and after a header of none */
	p[len] = 0;
	assert_int_equal(mvl_get_log_part(p, len + 1, &m), -1);
	assert_int_equal(mvl_get_log_part(p, log_part(p, 5, 0, 0, 5, three, 1), &m), -1);
	/* lk_count disagreeing with the lines (more, fewer) or with lk_next */
	assert_int_equal(mvl_get_log_part(p, log_part(p, 7, 0, 4, 11, three, 3), &m), -1);
	assert_int_equal(mvl_get_log_part(p, log_part(p, 7, 0, 2, 9, three, 3), &m), -1);
	assert_int_equal(mvl_get_log_part(p, log_part(p, 7, 0, 3, 11, three, 3), &m), -1);
	assert_int_equal(mvl_get_log_part(p, log_part(p, 7, 0, 0xffffffffu, 6, three, 3), &m), -1);
	/* over the payload limit */
	memset(p, 0, sizeof(p));
	assert_int_equal(mvl_get_log_part(p, MVL_PAYLOAD_MAX + 1, &m), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),	 cmocka_unit_test(test_refuses_to_encode),
		cmocka_unit_test(test_resync_and_damage), cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_read_request),	 cmocka_unit_test(test_messages),
		cmocka_unit_test(test_log_part),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
