/* test_link.c - the microvisor's end of the link (core/link.c) against
 * the fake port: console lines go out as LINE frames (none without a
 * link), HELLO carries the installed app, PING is answered and every
 * other request gets "unsupported" (no update client yet); frames are
 * decoded with the codec 'mvbuild serve' uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"
#include "mv/core.h"
#include "mvl.h"

struct out {
	int n;
	struct mvl_header h[16];
	uint8_t p[16][MVL_PAYLOAD_MAX];
};

static void decode_out(struct out *o)
{
	static struct mvl_rx rx;
	mvl_rx_init(&rx);
	memset(o, 0, sizeof *o);
	for (uint32_t i = 0; i < fake.link_out_len; i++) {
		struct mvl_header h;
		const uint8_t *p;
		if (mvl_rx_byte(&rx, fake.link_out[i], &h, &p) && o->n < 16) {
			o->h[o->n] = h;
			memcpy(o->p[o->n], p, h.lf_len);
			o->n++;
		}
	}
	for (unsigned k = 0; k < MVL_RX_KINDS; k++)
		assert_int_equal(rx.dropped[k], 0);
}

static int setup(void **state)
{
	(void)state;
	fake_reset();
	return 0;
}

static void test_no_link_no_frames(void **state)
{
	(void)state;
	fake.has_link = 0;
	mv_link_init();
	assert_false(mv_link_up());
	mv_printf("mv: nothing goes out\n");
	mv_link_hello(NULL, 1, 0, 0, 0);
	assert_int_equal(fake.link_out_len, 0);
}

static void test_lines_and_hello(void **state)
{
	static struct out o;
	(void)state;
	fake.has_link = 1;
	mv_link_init();
	mv_printf("mv: first %u\n", 1u);
	mv_app_text("hi\n", 3);
	fake_make_app(512);
	mv_link_hello(&fake_header, 0, 0, 7, 0);
	decode_out(&o);
	assert_int_equal(o.n, 3);
	assert_int_equal(o.h[0].lf_stream, MVL_S_LOG);
	assert_int_equal(o.h[0].lf_len, MVL_LINE_SIZE + strlen("mv: first 1"));
	assert_memory_equal(o.p[0] + MVL_LINE_SIZE, "mv: first 1", strlen("mv: first 1"));
	assert_memory_equal(o.p[1] + MVL_LINE_SIZE, "app: hi", 7);
	struct mvl_line l;
	assert_int_equal(mvl_get_line(o.p[1], o.h[1].lf_len, &l), 0);
	assert_int_equal(l.ll_lost, 0);
	struct mvl_hello h;
	assert_int_equal(o.h[2].lf_stream, MVL_S_CONTROL);
	assert_int_equal(o.h[2].lf_type, MVL_T_HELLO);
	assert_int_equal(mvl_get_hello(o.p[2], o.h[2].lf_len, &h), 0);
	assert_int_equal(h.lh_app_version, fake_header.ah_app_version);
	assert_int_equal(h.lh_counter_floor, 7);
	assert_memory_equal(h.lh_image_sha256, fake_header.ah_image_sha256, 32);
	assert_string_equal(h.lh_board, MVB_BOARD_NAME);
}

static void test_long_line_in_pieces(void **state)
{
	static struct out o;
	char s[400];
	(void)state;
	fake.has_link = 1;
	mv_link_init();
	memset(s, 'x', sizeof s);
	mv_link_console(s, sizeof s);
	mv_link_console("\n", 1);
	decode_out(&o);
	assert_int_equal(o.n, 3); /* 160 + 160 + 80 */
	assert_int_equal(o.h[2].lf_len, MVL_LINE_SIZE + 80);
}

static void feed_frame(uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *p, size_t n)
{
	uint8_t w[MVL_WIRE_MAX];
	size_t k = mvl_encode(stream, type, flags, seq, p, n, w, sizeof w);
	assert_true(k > 0);
	for (size_t i = 0; i < k; i++)
		mv_link_rx_byte(w[i]);
}

static void test_requests(void **state)
{
	static struct out o;
	(void)state;
	fake.has_link = 1;
	mv_link_init();
	feed_frame(MVL_S_CONTROL, MVL_T_PING, 0, 41, NULL, 0);
	feed_frame(MVL_S_CONTROL, MVL_T_UPDATE_NOW, 0, 42, NULL, 0);
	feed_frame(MVL_S_UPDATE, MVL_T_READ, MVL_F_RESPONSE, 43, "stray", 5); /* a response nobody asked for */
	static const uint8_t junk[] = {0, 1, 2, 3, 0, 0xff, 0xfe, 0};
	for (size_t i = 0; i < sizeof junk; i++)
		mv_link_rx_byte(junk[i]);
	decode_out(&o);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.h[0].lf_seq, 41);
	assert_int_equal(o.h[0].lf_flags, MVL_F_RESPONSE);
	assert_int_equal(o.h[0].lf_len, 0);
	assert_int_equal(o.h[1].lf_seq, 42);
	assert_int_equal(o.h[1].lf_flags, MVL_F_RESPONSE | MVL_F_ERROR);
	struct mvl_error e;
	assert_int_equal(mvl_get_error(o.p[1], o.h[1].lf_len, &e), 0);
	assert_int_equal(e.le_code, MVL_E_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_no_link_no_frames, setup),
	    cmocka_unit_test_setup(test_lines_and_hello, setup),
	    cmocka_unit_test_setup(test_long_line_in_pieces, setup),
	    cmocka_unit_test_setup(test_requests, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
