/* test_bundle.c - bundles: round trip, determinism, and rejection of every
 * single-byte change and every truncation of a small signed bundle. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/bundle.h"
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
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
	assert_int_equal(mvb_key_generate(seed, sizeof(seed), &priv, &pub), 0);
	struct mvb_key *k;
	char err[128];
	assert_int_equal(mvb_key_load(&k, priv.data, priv.len, NULL, 1, err, sizeof(err)), 0);
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	return k;
}

/* A signed bundle in out. */
static void signed_bundle(struct mvb_buf *out, const struct mvb_key *k, int deflate)
{
	struct mvb_bundle_spec s;
	make_spec(&s, deflate);
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_bundle_parse(&v, "b.mvb", b.data, b.len, &d), 0);
	uint8_t dg[32], seed[32] = { 1 };
	struct mvb_bundle_sig sig;
	memset(&sig, 0, sizeof(sig));
	size_t n;
	mvb_bundle_digest(&v, dg);
	assert_int_equal(mvb_key_sign(k, dg, seed, sizeof(seed), sig.sg_der, &n), 0);
	sig.sg_len = (uint16_t)n;
	sig.sg_alg = MVB_SIG_ECDSA_P256_SHA256;
	mvb_key_id(k, sig.sg_key_id);
	assert_int_equal(mvb_bundle_with_sigs(&v, &sig, 1, out), 0);
	mvb_buf_release(&b);
}

/* What a device does: parse, check payload, verify a signature by k. */
static int accepts(const unsigned char *p, size_t n, const struct mvb_key *k)
{
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	int ok = mvb_bundle_parse(&v, "t.mvb", p, n, &d) == 0 && mvb_bundle_check_payload(&v, "t.mvb", &d) == 0;
	if (ok) {
		uint8_t id[8], dg[32];
		mvb_key_id(k, id);
		mvb_bundle_digest(&v, dg);
		int good = 0;
		for (unsigned i = 0; i < v.ns; i++)
			if (!memcmp(id, v.s[i].sg_key_id, 8) && !mvb_key_verify(k, dg, v.s[i].sg_der, v.s[i].sg_len))
				good = 1;
		ok = good;
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
	assert_int_equal(mvb_bundle_build(&s, &b2), 0);
	assert_int_equal(mvb_bundle_parse(&v2, "b2.mvb", b2.data, b2.len, &d), 0);
	assert_int_equal(v2.l[0].bl_encoding, MVB_ENC_DELTA);
	assert_int_equal(v2.l[1].bl_encoding, MVB_ENC_DELTA);
	assert_memory_equal(v2.l[1].bl_base_sha256, v1.l[1].bl_sha256, 32);
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
	mvb_buf_release(&img);
	mvb_buf_release(&b1);
	mvb_buf_release(&b2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_every_byte_and_truncation),
		cmocka_unit_test(test_field_errors),
		cmocka_unit_test(test_delta_layers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
