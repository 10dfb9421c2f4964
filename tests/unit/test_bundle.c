/* test_bundle.c - bundles: round trip, determinism, and rejection of every
 * single-byte change and every truncation of a small signed bundle. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "testutil.h"
#include "deflate_int.h"
#include "mvb/app_header.h"
#include "mvb/bundle.h"
#include "mvb/delta.h"
#include "mvb/hash.h"
#include "mvb/sign.h"
#include "mvb/status.h"

static unsigned char mv_img[3000], app_img[1500];

static void make_spec(struct mvb_bundle_spec *s, int deflate)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(mv_img); i++)
		mv_img[i] = (unsigned char)(i * 7 + (i >> 5));
	for (size_t i = 0; i < sizeof(app_img); i++)
		app_img[i] = (unsigned char)(i < 700 ? i % 13 : i * 31);
	strcpy(s->manifest.bm_board, "mps2-an505");
	strcpy(s->manifest.bm_app_name, "demo");
	s->manifest.bm_app_version = 0x01020003;
	s->manifest.bm_security_counter = 5;
	s->manifest.bm_min_abi = 0x00010000;
	s->manifest.bm_irq_mask[1] = 4;
	s->manifest.bm_watchdog_ms = 2000;
	s->manifest.bm_update_defer_ms = 30000;
	s->manifest.bm_flags = MVB_APPHDR_F_CONFIRM_EXPLICIT;
	s->manifest.bm_trial_ms = 600000;
	s->layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_MICROVISOR, 0x10000000, mv_img, sizeof(mv_img) };
	s->layer[1] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, 0x00200000, app_img, sizeof(app_img) };
	s->nlayers = 2;
	s->chunk_size = 512;
	s->allow_deflate = deflate;
}

static struct mvb_key *test_key(uint8_t fill)
{
	uint8_t seed[32];
	memset(seed, fill, sizeof(seed));
	return tu_key(seed);
}

/* A signed bundle in out. */
static void signed_bundle(struct mvb_buf *out, const struct mvb_key *k, int deflate)
{
	struct mvb_bundle_spec s;
	make_spec(&s, deflate);
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	tu_sign_bundle(&b, k, out);
	mvb_buf_release(&b);
}

/* What a device does: parse, check payload, verify a signature by k. */
static int accepts(const unsigned char *p, size_t n, struct mvb_key *k)
{
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	int ok = mvb_bundle_parse(&v, "t.mvb", p, n, &d) == 0 && mvb_bundle_check_payload(&v, "t.mvb", &d) == 0;
	if (ok) {
		unsigned good;
		ok = mvb_bundle_check_sigs(&v, "t.mvb", &k, 1, &good, &d) == 0 && good > 0;
	}
	mvb_diags_release(&d);
	return ok;
}

static void test_round_trip(void **state)
{
	(void)state;
	for (int deflate = 0; deflate < 2; deflate++) {
		struct mvb_bundle_spec s;
		make_spec(&s, deflate);
		struct mvb_buf b1 = MVB_BUF_INIT, b2 = MVB_BUF_INIT;
		assert_int_equal(mvb_bundle_build(&s, &b1), 0);
		assert_int_equal(mvb_bundle_build(&s, &b2), 0);
		assert_int_equal(b1.len, b2.len);
		assert_memory_equal(b1.data, b2.data, b1.len); /* deterministic */
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_bundle_parse(&v, "b.mvb", b1.data, b1.len, &d), 0);
		assert_int_equal(mvb_bundle_check_payload(&v, "b.mvb", &d), 0);
		assert_int_equal(v.nl, 2);
		assert_int_equal(v.ns, 0);
		assert_string_equal(v.m.bm_board, "mps2-an505");
		assert_int_equal(v.m.bm_security_counter, 5);
		assert_int_equal(v.m.bm_irq_mask[1], 4);
		assert_int_equal(v.m.bm_watchdog_ms, 2000);
		assert_int_equal(v.m.bm_update_defer_ms, 30000);
		assert_int_equal(v.m.bm_flags, MVB_APPHDR_F_CONFIRM_EXPLICIT);
		assert_int_equal(v.m.bm_trial_ms, 600000);
		assert_int_equal(mvb_le32(b1.data + MVB_BUNDLE_HEADER_SIZE + 0x4c), MVB_APPHDR_F_CONFIRM_EXPLICIT);
		assert_int_equal(mvb_le32(b1.data + MVB_BUNDLE_HEADER_SIZE + 0x88), 600000);
		assert_int_equal(v.l[1].bl_target_addr, 0x00200000);
		if (deflate)
			assert_int_equal(v.l[1].bl_encoding, MVB_ENC_DEFLATE);
		for (unsigned i = 0; i < 2; i++) {
			struct mvb_buf img = MVB_BUF_INIT;
			assert_int_equal(mvb_bundle_decode(&v, i, &img), 0);
			assert_int_equal(img.len, s.layer[i].size);
			assert_memory_equal(img.data, s.layer[i].data, img.len);
			mvb_buf_release(&img);
		}
		mvb_buf_release(&b1);
		mvb_buf_release(&b2);
	}
}

static void test_signatures(void **state)
{
	(void)state;
	struct mvb_key *k = test_key(7), *other = test_key(9);
	struct mvb_buf b1 = MVB_BUF_INIT, b2 = MVB_BUF_INIT;
	signed_bundle(&b1, k, 1);
	signed_bundle(&b2, k, 1);
	assert_memory_equal(b1.data, b2.data, b1.len); /* RFC 6979: same bytes */
	assert_true(accepts(b1.data, b1.len, k));
	assert_false(accepts(b1.data, b1.len, other)); /* wrong key */
	/* an unsigned bundle is not accepted */
	struct mvb_bundle_spec s;
	make_spec(&s, 1);
	struct mvb_buf u = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &u), 0);
	assert_false(accepts(u.data, u.len, k));
	/* deterministic key generation from a seed, distinct keys for distinct seeds */
	uint8_t a[8], c[8];
	mvb_key_id(k, a);
	mvb_key_id(other, c);
	assert_memory_not_equal(a, c, 8);
	mvb_buf_release(&b1);
	mvb_buf_release(&b2);
	mvb_buf_release(&u);
	mvb_key_free(k);
	mvb_key_free(other);
}

static void test_every_byte_and_truncation(void **state)
{
	(void)state;
	struct mvb_key *k = test_key(3);
	struct mvb_buf b = MVB_BUF_INIT;
	signed_bundle(&b, k, 1);
	unsigned char *m = malloc(b.len);
	size_t accepted = 0;
	for (size_t i = 0; i < b.len; i++) {
		memcpy(m, b.data, b.len);
		m[i] ^= 0x01;
		accepted += accepts(m, b.len, k);
		m[i] ^= 0xff;
		accepted += accepts(m, b.len, k);
	}
	assert_int_equal(accepted, 0);
	for (size_t n = 0; n < b.len; n++) {
		unsigned char *t = malloc(n ? n : 1);
		memcpy(t, b.data, n);
		assert_false(accepts(t, n, k));
		free(t);
	}
	/* one trailing byte */
	unsigned char *x = malloc(b.len + 1);
	memcpy(x, b.data, b.len);
	x[b.len] = 0;
	assert_false(accepts(x, b.len + 1, k));
	free(x);
	free(m);
	print_message("bundle of %zu bytes: %zu single-byte mutants and %zu truncations rejected\n", b.len, 2 * b.len, b.len);
	mvb_buf_release(&b);
	mvb_key_free(k);
}

struct fcase {
	size_t off;
	uint32_t value;
	int width;
	const char *id;
};

static void test_field_errors(void **state)
{
	(void)state;
	static const struct fcase f[] = {
		{ 0x00, 0x12345678, 4, "bundle-magic" },
		{ 0x04, 2, 2, "bundle-format" },
		{ 0x06, 65, 2, "bundle-field" },
		{ 0x08, 1, 4, "bundle-field" },
		{ 0x14, 0x200, 4, "bundle-layout" },
		{ 0x18, 0, 2, "bundle-field" },
		{ 0x18, 9, 2, "bundle-field" },
		{ 0x24, 1000, 4, "bundle-field" },
		{ 0x4c + 0x40, 2, 4, "bundle-field" },            /* bm_flags: a bit not defined */
		{ 0x4c + 0x40, 0x80000001u, 4, "bundle-field" },
		{ 0x88 + 0x40, MVB_APPHDR_TRIAL_MAX_MS + 1, 4, "bundle-field" }, /* a trial longer than a day */
		{ 0x88 + 0x40, 0xffffffffu, 4, "bundle-field" },
		{ 0x80 + 0x40, MVB_APPHDR_WATCHDOG_MIN_MS - 1, 4, "bundle-field" }, /* a watchdog too short */
		{ 0x80 + 0x40, MVB_APPHDR_WATCHDOG_MAX_MS + 1, 4, "bundle-field" }, /* too long */
		{ 0x80 + 0x40, 0xffffffffu, 4, "bundle-field" },
		{ 0x84 + 0x40, MVB_APPHDR_UPDATE_DEFER_MAX_MS + 1, 4, "bundle-field" }, /* a deferral too long */
		{ 0x8c + 0x40, 1, 1, "bundle-field" },            /* bm_reserved */
		{ 0xbf + 0x40, 1, 1, "bundle-field" },            /* its last byte */
		{ 0x2c, 0xfffffff0u, 4, "bundle-truncated" },
		{ 0x100, 7, 1, "bundle-field" },   /* layer role */
		{ 0x101, 2, 1, "bundle-field" },   /* delta without a base hash */
		{ 0x101, 9, 1, "bundle-field" },   /* unknown encoding */
		{ 0x110, 4, 4, "bundle-layout" },  /* payload offset */
		{ 0x108, 0xffffffffu, 4, "bundle-field" }, /* size wraps */
	};
	struct mvb_bundle_spec s;
	make_spec(&s, 0);
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		unsigned char *m = malloc(b.len);
		memcpy(m, b.data, b.len);
		if (f[i].width == 4)
			mvb_put_le32(m + f[i].off, f[i].value);
		else if (f[i].width == 2)
			mvb_put_le16(m + f[i].off, (uint16_t)f[i].value);
		else
			m[f[i].off] = (unsigned char)f[i].value;
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		print_message("field at 0x%zx\n", f[i].off);
		assert_int_equal(mvb_bundle_parse(&v, "f.mvb", m, b.len, &d), MVB_EINPUT);
		assert_int_equal(d.n, 1);
		tu_expect_id(&d, f[i].id);
		assert_true(d.v[0].has_offset);
		mvb_diags_release(&d);
		free(m);
	}
	mvb_buf_release(&b);
}

/* The confirm fields take every value the device keeps: each flag word
 * with only defined bits, and a trial from 0 (none) to a day. */
static void test_confirm_fields(void **state)
{
	(void)state;
	static const struct {
		uint32_t flags, trial;
	} ok[] = { { 0, 0 }, { 0, 1 }, { 0, 60000 }, { MVB_APPHDR_F_CONFIRM_EXPLICIT, 1000 },
		   { MVB_APPHDR_F_ALL, MVB_APPHDR_TRIAL_MAX_MS } };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct mvb_bundle_spec s;
		make_spec(&s, 0);
		s.manifest.bm_flags = ok[i].flags;
		s.manifest.bm_trial_ms = ok[i].trial;
		struct mvb_buf b = MVB_BUF_INIT;
		assert_int_equal(mvb_bundle_build(&s, &b), 0);
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_bundle_parse(&v, "c.mvb", b.data, b.len, &d), 0);
		assert_int_equal(v.m.bm_flags, ok[i].flags);
		assert_int_equal(v.m.bm_trial_ms, ok[i].trial);
		mvb_diags_release(&d);
		mvb_buf_release(&b);
	}
}

/* Payload findings name the check and the place: the chunk that fails its
 * hash, the stream that does not decode, the image hash that differs. */
struct pcase {
	int deflate;
	unsigned layer;
	enum { FLIP_PAYLOAD, FLIP_IMAGE_HASH, SIZE_PLUS, SIZE_MINUS, SIZE_PLUS_AND_FLIP } what;
	uint32_t at; /* payload byte within the layer's stream */
	const char *id;
};

static void test_payload_errors(void **state)
{
	(void)state;
	static const struct pcase p[] = {
		{ 1, 1, FLIP_PAYLOAD, 3, "bundle-chunk-hash" },
		{ 0, 0, FLIP_PAYLOAD, 2 * 512 + 5, "bundle-chunk-hash" },
		{ 1, 1, FLIP_IMAGE_HASH, 0, "bundle-image-hash" },
		{ 0, 1, FLIP_IMAGE_HASH, 0, "bundle-image-hash" },
		{ 1, 0, SIZE_PLUS, 0, "bundle-decode" },
		{ 1, 0, SIZE_MINUS, 0, "bundle-decode" },
		{ 1, 1, SIZE_MINUS, 0, "bundle-decode" },
		{ 1, 0, SIZE_PLUS_AND_FLIP, 100, "bundle-chunk-hash" },
	};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct mvb_bundle_spec s;
		make_spec(&s, p[i].deflate);
		struct mvb_buf b = MVB_BUF_INIT;
		assert_int_equal(mvb_bundle_build(&s, &b), 0);
		struct mvb_bundle_view v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_bundle_parse(&v, "p.mvb", b.data, b.len, &d), 0);
		const struct mvb_bundle_layer *l = &v.l[p[i].layer];
		size_t lo = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + p[i].layer * MVB_BUNDLE_LAYER_SIZE;
		size_t so = v.h.bh_payload_off + l->bl_payload_off, want;
		assert_true(p[i].at < l->bl_encoded_size);
		if (p[i].what == FLIP_PAYLOAD || p[i].what == SIZE_PLUS_AND_FLIP) {
			b.data[so + p[i].at] ^= 0x20;
			want = so + p[i].at / 512 * 512; /* the chunk's first byte */
		} else if (p[i].what == FLIP_IMAGE_HASH) {
			b.data[lo + 0x20] ^= 1;
			want = lo + 0x20;
		} else {
			want = so;
		}
		if (p[i].what == SIZE_PLUS || p[i].what == SIZE_PLUS_AND_FLIP)
			mvb_put_le32(b.data + lo + 8, l->bl_size + 1);
		if (p[i].what == SIZE_MINUS)
			mvb_put_le32(b.data + lo + 8, l->bl_size - 1);
		print_message("payload case %zu\n", i);
		assert_int_equal(mvb_bundle_parse(&v, "p.mvb", b.data, b.len, &d), 0);
		assert_int_equal(mvb_bundle_check_payload(&v, "p.mvb", &d), MVB_EINPUT);
		assert_int_equal(d.n, 1);
		tu_expect_id(&d, p[i].id);
		assert_true(d.v[0].has_offset);
		assert_int_equal(d.v[0].offset, want);
		mvb_diags_release(&d);
		mvb_buf_release(&b);
	}
}

/* A deflate layer whose bl_size claims far more than its stream holds
 * (here 200 MiB at address 0, which the parser accepts) is refused by the
 * decoder after reserving about what the stream inflates to, not the
 * claimed size; the true size still decodes to the image. */
static void test_decode_size_claim(void **state)
{
	(void)state;
	struct mvb_bundle_spec s;
	make_spec(&s, 1);
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	size_t lo = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE; /* layer 0: the microvisor */
	assert_int_equal(b.data[lo + 1], MVB_ENC_DEFLATE);
	mvb_put_le32(b.data + lo + 4, 0);
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_bundle_parse(&v, "c.mvb", b.data, b.len, &d), 0);
	struct mvb_buf out = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_decode(&v, 0, &out), 0);
	assert_memory_equal(out.data, mv_img, sizeof(mv_img));
	mvb_buf_release(&out);
	mvb_put_le32(b.data + lo + 8, 200u << 20);
	assert_int_equal(mvb_bundle_parse(&v, "c.mvb", b.data, b.len, &d), 0);
	assert_int_equal(mvb_bundle_decode(&v, 0, &out), MVB_EINPUT);
	assert_int_equal(out.len, 0);
	assert_true(out.alloc <= 256u << 10);
	mvb_buf_release(&out);
	assert_int_equal(mvb_bundle_check_payload(&v, "c.mvb", &d), MVB_EINPUT);
	tu_expect_id(&d, "bundle-decode");
	mvb_diags_release(&d);
	mvb_buf_release(&b);
}

/* Large layers are compressed in segments, on several threads: the bytes
 * do not depend on the thread count, the stream inflates with a 4 KiB
 * window fed one output byte at a time (so no distance reaches further
 * back), and a one-segment input gives what a single deflate() gives. */
static void test_segmented_deflate(void **state)
{
	(void)state;
	size_t n = 3 * MVB_DEFLATE_SEGMENT + 12345;
	unsigned char *img = malloc(n);
	uint32_t r = 1;
	for (size_t i = 0; i < n;) {
		r = r * 1103515245u + 12345u;
		/* runs copied from up to 16 KiB back, and noise */
		size_t d = 1 + ((r >> 8) & 0x3fff), run = 8 + (r & 31);
		if ((r >> 28) < 12 && i >= d)
			for (; run && i < n; run--, i++)
				img[i] = img[i - d];
		else
			img[i++] = (unsigned char)(r >> 16);
	}
	const unsigned char *in[1] = { img };
	size_t len[1] = { n };
	struct mvb_buf one = MVB_BUF_INIT, four = MVB_BUF_INIT;
	assert_int_equal(mvb_deflate_raw(in, len, 1, 9, 1, &one), 0);
	assert_int_equal(mvb_deflate_raw(in, len, 1, 9, 4, &four), 0);
	assert_int_equal(one.len, four.len);
	assert_memory_equal(one.data, four.data, one.len);
	assert_true(one.len < n);

	unsigned char *back = malloc(n);
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, -12), Z_OK);
	z.next_in = one.data;
	z.avail_in = (uInt)one.len;
	int zr = Z_OK;
	while (zr == Z_OK && z.total_out < n) {
		z.next_out = back + z.total_out;
		z.avail_out = 1;
		zr = inflate(&z, Z_NO_FLUSH);
	}
	if (zr == Z_OK) {
		z.avail_out = 1; /* the end-of-block code after the last byte */
		zr = inflate(&z, Z_NO_FLUSH);
	}
	assert_int_equal(zr, Z_STREAM_END);
	assert_int_equal(z.total_out, n);
	assert_int_equal(z.avail_in, 0);
	assert_memory_equal(back, img, n);
	inflateEnd(&z);

	/* one segment: the same bytes as one deflate() call */
	size_t small = 70000;
	struct mvb_buf seg = MVB_BUF_INIT;
	len[0] = small;
	assert_int_equal(mvb_deflate_raw(in, len, 1, 9, 2, &seg), 0);
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -12, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = img;
	z.avail_in = (uInt)small;
	z.next_out = back;
	z.avail_out = (uInt)n;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, seg.len);
	assert_memory_equal(back, seg.data, seg.len);
	deflateEnd(&z);
	print_message("%zu bytes: %zu deflated in %zu segments\n", n, one.len, (n + MVB_DEFLATE_SEGMENT - 1) / MVB_DEFLATE_SEGMENT);
	free(back);
	free(img);
	mvb_buf_release(&one);
	mvb_buf_release(&four);
	mvb_buf_release(&seg);
}

/* A bundle made --base an earlier one: delta layers, checked only with the base. */
static void test_delta_layers(void **state)
{
	(void)state;
	struct mvb_bundle_spec s;
	make_spec(&s, 1);
	struct mvb_buf b1 = MVB_BUF_INIT, b2 = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b1), 0);
	struct mvb_bundle_view v1, v2;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_bundle_parse(&v1, "b1.mvb", b1.data, b1.len, &d), 0);
	static unsigned char app2[1600];
	memcpy(app2, app_img, 700);
	memcpy(app2 + 700, "new!", 4);
	memcpy(app2 + 704, app_img + 700, sizeof(app_img) - 700);
	s.layer[1].data = app2;
	s.layer[1].size = (uint32_t)sizeof(app_img) + 4;
	s.base = &v1;
	/* a delta needs its page size: no default is guessed */
	assert_int_equal(mvb_bundle_build(&s, &b2), MVB_EINPUT);
	s.delta_page_size = 1024;
	assert_int_equal(mvb_bundle_build(&s, &b2), 0);
	assert_int_equal(mvb_bundle_parse(&v2, "b2.mvb", b2.data, b2.len, &d), 0);
	assert_int_equal(v2.l[0].bl_encoding, MVB_ENC_DELTA);
	assert_int_equal(v2.l[1].bl_encoding, MVB_ENC_DELTA);
	assert_memory_equal(v2.l[1].bl_base_sha256, v1.l[1].bl_sha256, 32);
	uint32_t ps = 0;
	assert_int_equal(mvb_bundle_delta_page(&v2, 1, &ps), 0);
	assert_int_equal(ps, 1024);
	assert_int_equal(mvb_bundle_delta_page(&v1, 1, &ps), MVB_EINPUT);
	assert_true(b2.len < b1.len);
	assert_int_equal(mvb_bundle_check_payload(&v2, "b2.mvb", &d), MVB_EINPUT);
	assert_int_equal(mvb_diags_count(&d, MVB_CK_BUNDLE_BASE), 2);
	mvb_diags_release(&d);
	assert_int_equal(mvb_bundle_check_payload_base(&v2, &v1, "b2.mvb", &d), 0);
	assert_int_equal(d.n, 0);
	struct mvb_buf img = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_decode_base(&v2, 1, &v1, &img), 0);
	assert_int_equal(img.len, sizeof(app_img) + 4);
	assert_memory_equal(img.data, app2, img.len);
	/* the new bundle is no base for itself */
	assert_int_equal(mvb_bundle_check_payload_base(&v2, &v2, "b2.mvb", &d), MVB_EINPUT);
	mvb_diags_release(&d);
	/* its revert layer, last: a delta from the new app image back to the
	 * old one, at the same address; anything else is refused */
	assert_int_equal(v2.nl, 3);
	assert_int_equal(v2.l[2].bl_role, MVB_LAYER_REVERT);
	img.len = 0;
	assert_int_equal(mvb_bundle_decode_base(&v2, 2, &v1, &img), 0);
	assert_int_equal(img.len, sizeof(app_img));
	assert_memory_equal(img.data, app_img, img.len);
	static const struct {
		size_t off; /* in the layer table */
		uint32_t value;
		int width; /* 4 or 1: set the field; 0: flip bits of the byte */
		const char *why;
	} bad[] = {
		{ 2 * 96 + 0x40, 0x5a, 0, "its base is not the app layer's image" },
		{ 2 * 96 + 0x04, 0x00200004, 4, "another address than the app layer's" },
		{ 1 * 96 + 0x00, MVB_LAYER_REVERT, 1, "no app layer before it" },
		{ 2 * 96 + 0x00, MVB_LAYER_APP, 1, "a second app layer" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned char *m = malloc(b2.len);
		assert_non_null(m);
		memcpy(m, b2.data, b2.len);
		size_t o = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + bad[i].off;
		if (bad[i].width == 4)
			mvb_put_le32(m + o, bad[i].value);
		else if (bad[i].width == 1)
			m[o] = (unsigned char)bad[i].value;
		else
			m[o] ^= (unsigned char)bad[i].value;
		struct mvb_bundle_view v;
		print_message("revert layer: %s\n", bad[i].why);
		assert_int_equal(mvb_bundle_parse(&v, "r.mvb", m, b2.len, &d), MVB_EINPUT);
		tu_expect_id(&d, "bundle-field");
		mvb_diags_release(&d);
		free(m);
	}
	/* --no-revert: the same bundle without it */
	struct mvb_buf b3 = MVB_BUF_INIT;
	struct mvb_build_report rep;
	s.no_revert = 1;
	s.report = &rep;
	assert_int_equal(mvb_bundle_build(&s, &b3), 0);
	assert_int_equal(rep.revert_why, MVB_WHY_NOT_ASKED);
	assert_int_equal(mvb_bundle_parse(&v1, "b3.mvb", b3.data, b3.len, &d), 0);
	assert_int_equal(v1.nl, 2);
	mvb_buf_release(&b3);
	mvb_buf_release(&img);
	mvb_buf_release(&b1);
	mvb_buf_release(&b2);
}

/* mvb_bundle_rebase: one call gives the delta bundle and, per layer, what
 * was done and why; a row per case. */
struct rebase_case {
	const char *name;
	int base_has_app;         /* 0: the base holds only a microvisor layer */
	int app_kind;             /* 0: 4 bytes inserted, 1: unrelated bytes, 2: every page changed, large */
	enum mvb_layer_why mv_why, app_why;
	enum mvb_layer_why revert_why; /* MVB_WHY_DELTA: a revert layer */
};

static const struct rebase_case rebase_cases[] = {
	{ "small edit", 1, 0, MVB_WHY_DELTA, MVB_WHY_DELTA, MVB_WHY_DELTA },
	{ "no app layer in the base", 0, 0, MVB_WHY_DELTA, MVB_WHY_NO_BASE_LAYER, MVB_WHY_NO_BASE_LAYER },
	{ "unrelated app bytes", 1, 1, MVB_WHY_DELTA, MVB_WHY_LARGER, MVB_WHY_DELTA },
	{ "a base larger than the patcher's page table", 1, 2, MVB_WHY_DELTA, MVB_WHY_TOO_MANY_PAGES,
	  MVB_WHY_TOO_MANY_PAGES },
};

static uint32_t xs = 2463534242u;
static uint8_t rnd8(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 17;
	xs ^= xs << 5;
	return (uint8_t)xs;
}

static void test_rebase(void **state)
{
	(void)state;
	const uint32_t page = 256;
	size_t big = (size_t)(mvb_delta_max_pages() + 40) * page;
	unsigned char *old_app = malloc(big), *new_app = malloc(big + 4);
	assert_non_null(old_app);
	assert_non_null(new_app);
	for (size_t c = 0; c < sizeof(rebase_cases) / sizeof(rebase_cases[0]); c++) {
		const struct rebase_case *rc = &rebase_cases[c];
		struct mvb_bundle_spec s;
		make_spec(&s, 1);
		size_t on = sizeof(app_img), nn;
		if (rc->app_kind == 2) {
			on = big;
			for (size_t i = 0; i < on; i++)
				old_app[i] = rnd8();
		} else {
			memcpy(old_app, app_img, on);
		}
		s.layer[1].data = old_app;
		s.layer[1].size = (uint32_t)on;
		s.nlayers = rc->base_has_app ? 2 : 1;
		struct mvb_buf bb = MVB_BUF_INIT, tb = MVB_BUF_INIT, out = MVB_BUF_INIT;
		assert_int_equal(mvb_bundle_build(&s, &bb), 0);
		/* the target: the same microvisor, the app changed */
		if (rc->app_kind == 0) {
			memcpy(new_app, old_app, 700);
			memcpy(new_app + 700, "new!", 4);
			memcpy(new_app + 704, old_app + 700, on - 700);
			nn = on + 4;
		} else {
			nn = on;
			for (size_t i = 0; i < nn; i++)
				new_app[i] = rnd8();
		}
		s.layer[1].data = new_app;
		s.layer[1].size = (uint32_t)nn;
		s.nlayers = 2;
		s.manifest.bm_app_version = 0x01030000;
		assert_int_equal(mvb_bundle_build(&s, &tb), 0);
		struct mvb_bundle_view base, target, v;
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_bundle_parse(&base, "base.mvb", bb.data, bb.len, &d), 0);
		assert_int_equal(mvb_bundle_parse(&target, "new.mvb", tb.data, tb.len, &d), 0);
		struct mvb_build_report rep;
		assert_int_equal(mvb_bundle_rebase(&target, &base, page, 1, &out, &rep), 0);
		print_message("%s: microvisor %s, app %s\n", rc->name, mvb_layer_why_name(rep.l[0].why),
			      mvb_layer_why_name(rep.l[1].why));
		int reverts = rc->revert_why == MVB_WHY_DELTA;
		assert_int_equal(rep.nl, 2 + reverts);
		assert_int_equal(rep.revert_why, rc->revert_why);
		assert_int_equal(rep.page_size, page);
		assert_int_equal(rep.l[0].why, rc->mv_why);
		assert_int_equal(rep.l[1].why, rc->app_why);
		/* the report is what the bytes say */
		assert_int_equal(mvb_bundle_parse(&v, "rebased.mvb", out.data, out.len, &d), 0);
		for (unsigned i = 0; i < 2; i++) {
			assert_int_equal(rep.l[i].encoding, v.l[i].bl_encoding);
			assert_int_equal(rep.l[i].encoded_size, v.l[i].bl_encoded_size);
			assert_int_equal(rep.l[i].size, v.l[i].bl_size);
			assert_int_equal(rep.l[i].encoding == MVB_ENC_DELTA, rep.l[i].why == MVB_WHY_DELTA);
			if (rep.l[i].why == MVB_WHY_DELTA || rep.l[i].why == MVB_WHY_LARGER)
				assert_true(rep.l[i].delta_size > 0);
			if (rep.l[i].why == MVB_WHY_LARGER)
				assert_true(rep.l[i].delta_size >= rep.l[i].own_size);
		}
		if (rc->app_why == MVB_WHY_TOO_MANY_PAGES) {
			assert_true(rep.l[1].pages > mvb_delta_max_pages());
			assert_int_equal(rep.l[1].pages, (uint32_t)((nn - 1) / page + 1));
		}
		/* the manifest and images are the target's; it decodes over the base */
		assert_memory_equal(&v.m, &target.m, sizeof(v.m));
		assert_int_equal(mvb_bundle_check_payload_base(&v, &base, "rebased.mvb", &d), 0);
		for (unsigned i = 0; i < 2; i++)
			assert_memory_equal(v.l[i].bl_sha256, target.l[i].bl_sha256, 32);
		/* the revert layer, applied over the new app image, gives back the
		 * base's app image byte for byte */
		assert_int_equal(v.nl, 2u + (unsigned)reverts);
		if (reverts) {
			struct mvb_buf back = MVB_BUF_INIT;
			assert_int_equal(v.l[2].bl_role, MVB_LAYER_REVERT);
			assert_int_equal(v.l[2].bl_encoding, MVB_ENC_DELTA);
			assert_int_equal(v.l[2].bl_target_addr, v.l[1].bl_target_addr);
			assert_memory_equal(v.l[2].bl_base_sha256, v.l[1].bl_sha256, 32);
			assert_memory_equal(v.l[2].bl_sha256, base.l[1].bl_sha256, 32);
			assert_int_equal(rep.l[2].encoded_size, rep.revert_size);
			assert_int_equal(mvb_bundle_decode_base(&v, 2, &base, &back), 0);
			assert_int_equal(back.len, on);
			assert_memory_equal(back.data, old_app, on);
			mvb_buf_release(&back);
		}
		/* a delta bundle cannot be rebased: its layers do not decode alone */
		struct mvb_buf again = MVB_BUF_INIT;
		if (rc->mv_why == MVB_WHY_DELTA)
			assert_int_equal(mvb_bundle_rebase(&v, &base, page, 1, &again, &rep), MVB_EINPUT);
		mvb_buf_release(&again);
		mvb_diags_release(&d);
		mvb_buf_release(&bb);
		mvb_buf_release(&tb);
		mvb_buf_release(&out);
	}
	free(old_app);
	free(new_app);
}

/* mvb_bundle_base_check: a base layer larger than a delta starts from
 * (MVD_MAX_PAGES pages) is a delta-limit finding at its bl_size, and a
 * rebase over it sends that layer whole without decoding the claim. */
static void test_base_check(void **state)
{
	(void)state;
	struct mvb_bundle_spec s;
	make_spec(&s, 1);
	struct mvb_buf b = MVB_BUF_INIT, out = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	struct mvb_bundle_view base, target;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_bundle_parse(&target, "new.mvb", b.data, b.len, &d), 0);
	assert_int_equal(mvb_bundle_base_check(&target, "new.mvb", 4096, &d), 0);
	assert_int_equal(d.n, 0);
	/* 3000 bytes are more than 512 pages of 4 */
	assert_true(mvb_delta_max_image(4) < sizeof(mv_img));
	assert_int_equal(mvb_bundle_base_check(&target, "new.mvb", 4, &d), MVB_EINPUT);
	tu_expect_id(&d, "delta-limit");
	mvb_diags_release(&d);
	unsigned char *bb = malloc(b.len);
	assert_non_null(bb);
	memcpy(bb, b.data, b.len);
	size_t bl_size = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + MVB_BUNDLE_LAYER_SIZE + 8;
	mvb_put_le32(bb + bl_size, 1u << 30);
	assert_int_equal(mvb_bundle_parse(&base, "base.mvb", bb, b.len, &d), 0);
	assert_int_equal(mvb_bundle_base_check(&base, "base.mvb", 4096, &d), MVB_EINPUT);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].offset, bl_size);
	tu_expect_id(&d, "delta-limit");
	struct mvb_build_report rep;
	assert_int_equal(mvb_bundle_rebase(&target, &base, 4096, 1, &out, &rep), 0);
	assert_int_equal(rep.l[0].why, MVB_WHY_DELTA);
	assert_int_equal(rep.l[1].why, MVB_WHY_TOO_MANY_PAGES);
	mvb_diags_release(&d);
	mvb_buf_release(&out);
	mvb_buf_release(&b);
	free(bb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_every_byte_and_truncation),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_confirm_fields),
		cmocka_unit_test(test_payload_errors),
		cmocka_unit_test(test_decode_size_claim),
		cmocka_unit_test(test_segmented_deflate),
		cmocka_unit_test(test_delta_layers),
		cmocka_unit_test(test_rebase),
		cmocka_unit_test(test_base_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
