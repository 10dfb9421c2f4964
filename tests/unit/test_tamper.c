/* test_tamper.c - the tamper sweep: every single-bit flip of a signed
 * bundle of about 8 KiB (some 65,000 mutants) is rejected by what a device
 * does: parse, payload check (chunk hashes, decoding, image hashes) and
 * the signature rule against the one trusted key.  The bundle and the key
 * are made here from fixed seeds, so every run sweeps the same bytes. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/buf.h"
#include "mvb/bundle.h"
#include "mvb/sign.h"
#include "mvb/status.h"

/* A microvisor layer that deflates (text-like, with noise) and an app
 * layer that does not (noise), so both encodings are swept. */
static unsigned char mv_img[9000], app_img[4400];

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 16;
}

static struct mvb_key *key(void)
{
	uint8_t seed[32];
	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0xa0 + i);
	return tu_key(seed);
}

static void make_bundle(struct mvb_buf *out, struct mvb_key *k)
{
	uint32_t s = 12345;
	static const char words[] = "mv: app verified; granted uart1 irqs 34 35; entering app at 0x00200101\n";
	for (size_t i = 0; i < sizeof(mv_img); i++)
		mv_img[i] = (lcg(&s) & 7) == 0 ? (unsigned char)lcg(&s) : (unsigned char)words[i % (sizeof(words) - 1)];
	for (size_t i = 0; i < sizeof(app_img); i++)
		app_img[i] = (unsigned char)lcg(&s);
	struct mvb_bundle_spec sp;
	memset(&sp, 0, sizeof(sp));
	strcpy(sp.manifest.bm_board, "mps2-an505");
	strcpy(sp.manifest.bm_app_name, "tamper");
	sp.manifest.bm_app_version = 0x01000002;
	sp.manifest.bm_security_counter = 3;
	sp.manifest.bm_min_abi = 0x00010000;
	sp.manifest.bm_periph_mask[0] = 0x200;
	sp.manifest.bm_irq_mask[1] = 0xc;
	sp.layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_MICROVISOR, 0x10000000, mv_img, sizeof(mv_img) };
	sp.layer[1] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, 0x00200000, app_img, sizeof(app_img) };
	sp.nlayers = 2;
	sp.chunk_size = 1024;
	sp.allow_deflate = 1;
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&sp, &b), 0);
	tu_sign_bundle(&b, k, out);
	mvb_buf_release(&b);
}

enum stage { ACCEPTED, BY_PARSE, BY_PAYLOAD, BY_SIGNATURE, NSTAGES };

/* What a device does with a bundle, and which stage refused it; id gets
 * the check id of the first finding. */
static enum stage judge(const unsigned char *p, size_t n, struct mvb_key *k, enum mvb_check *id)
{
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	enum stage st = ACCEPTED;
	unsigned good;
	if (mvb_bundle_parse(&v, "t.mvb", p, n, &d))
		st = BY_PARSE;
	else if (mvb_bundle_check_payload(&v, "t.mvb", &d))
		st = BY_PAYLOAD;
	else if (mvb_bundle_check_sigs(&v, "t.mvb", &k, 1, &good, &d) || good == 0)
		st = BY_SIGNATURE;
	/* a refusal always comes with a finding, an acceptance with none */
	assert_true(st == ACCEPTED ? d.n == 0 : d.errors > 0);
	if (d.n)
		*id = d.v[0].check;
	mvb_diags_release(&d);
	return st;
}

static void test_every_bit_flip(void **state)
{
	(void)state;
	struct mvb_key *k = key();
	struct mvb_buf b = MVB_BUF_INIT;
	make_bundle(&b, k);
	enum mvb_check id;
	/* the sweep means something only if the original is accepted */
	assert_int_equal(judge(b.data, b.len, k, &id), ACCEPTED);
	assert_in_range(b.len, 7 * 1024, 9 * 1024);

	unsigned long by_stage[NSTAGES] = { 0 }, by_id[MVB_CK__COUNT] = { 0 };
	for (size_t bit = 0; bit < b.len * 8; bit++) {
		b.data[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		enum stage st = judge(b.data, b.len, k, &id);
		b.data[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		if (st == ACCEPTED)
			fail_msg("flipping bit %zu (byte 0x%zx, bit %zu) is accepted", bit, bit / 8, bit % 8);
		by_stage[st]++;
		by_id[id]++;
	}
	printf("tamper: %zu-byte bundle, %zu mutants rejected: %lu by the parser, %lu by the payload check, "
	       "%lu by the signature\n", b.len, b.len * 8, by_stage[BY_PARSE], by_stage[BY_PAYLOAD],
	       by_stage[BY_SIGNATURE]);
	for (int c = 0; c < MVB_CK__COUNT; c++)
		if (by_id[c])
			printf("  %-20s %lu\n", mvb_check_info((enum mvb_check)c)->id, by_id[c]);
	/* every region is exercised: header, payload and signature block */
	assert_true(by_stage[BY_PARSE] > 0 && by_stage[BY_PAYLOAD] > 0 && by_stage[BY_SIGNATURE] > 0);
	mvb_buf_release(&b);
	mvb_key_free(k);
}

/* Every 32-bit word of the signed metadata (header, manifest, layer
 * table, chunk hashes) and of the signature block's header set to values
 * that probe size and offset arithmetic: 0, all ones, the sign-bit edges,
 * one above and below its value, the file length and one past it; and
 * every 16-bit half to 0 and all ones.  Each mutant is refused. */
static void test_field_values(void **state)
{
	(void)state;
	struct mvb_key *k = key();
	struct mvb_buf b = MVB_BUF_INIT;
	make_bundle(&b, k);
	enum mvb_check id;
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_bundle_parse(&v, "t.mvb", b.data, b.len, &d), 0);
	size_t end = v.h.bh_payload_off, sigs = v.sigs_off;
	mvb_diags_release(&d);
	unsigned long mutants = 0, by_stage[NSTAGES] = { 0 };
	for (size_t off = 0; off + 4 <= b.len; off += 4) {
		if (off >= end && !(off >= sigs && off < sigs + MVB_BUNDLE_SIGS_SIZE))
			continue;
		uint32_t orig = mvb_le32(b.data + off);
		uint32_t vals[] = { 0, 0xffffffffu, 0x7fffffffu, 0x80000000u, orig + 1, orig - 1, (uint32_t)b.len,
				    (uint32_t)b.len + 1 };
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]) + 4; i++) {
			if (i < sizeof(vals) / sizeof(vals[0])) {
				if (vals[i] == orig)
					continue;
				mvb_put_le32(b.data + off, vals[i]);
			} else {
				/* halves: low or high 16 bits to 0 or 0xffff */
				size_t h = (i - sizeof(vals) / sizeof(vals[0])) / 2;
				uint16_t hv = (i % 2) ? 0xffff : 0;
				if (mvb_le16(b.data + off + 2 * h) == hv)
					continue;
				mvb_put_le16(b.data + off + 2 * h, hv);
			}
			enum stage st = judge(b.data, b.len, k, &id);
			mvb_put_le32(b.data + off, orig);
			if (st == ACCEPTED)
				fail_msg("word at 0x%zx set (value %zu) is accepted", off, i);
			by_stage[st]++;
			mutants++;
		}
	}
	printf("field values: %lu mutants of the signed metadata rejected: %lu by the parser, %lu by the payload "
	       "check, %lu by the signature\n", mutants, by_stage[BY_PARSE], by_stage[BY_PAYLOAD], by_stage[BY_SIGNATURE]);
	assert_true(mutants > 1000);
	mvb_buf_release(&b);
	mvb_key_free(k);
}

/* The rule itself: a wrong key and no key are refused, with their ids;
 * so are a broken signature, a valid one moved from another bundle and one
 * by another key that claims the trusted key's id. */
static void test_signature_rule(void **state)
{
	(void)state;
	struct mvb_key *k = key();
	struct mvb_buf b = MVB_BUF_INIT;
	make_bundle(&b, k);
	uint8_t seed[32] = { 1 };
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
	assert_int_equal(mvb_key_generate(seed, sizeof(seed), &priv, &pub), 0);
	struct mvb_key *other;
	char err[128];
	assert_int_equal(mvb_key_load(&other, pub.data, pub.len, NULL, 0, err, sizeof(err)), 0);
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	unsigned good;
	assert_int_equal(mvb_bundle_parse(&v, "t.mvb", b.data, b.len, &d), 0);
	assert_int_equal(mvb_bundle_check_sigs(&v, "t.mvb", &other, 1, &good, &d), MVB_EINPUT);
	assert_int_equal(good, 0);
	tu_expect_id(&d, "bundle-unsigned");
	mvb_diags_release(&d);
	struct mvb_key *both[2] = { other, k };
	assert_int_equal(mvb_bundle_check_sigs(&v, "t.mvb", both, 2, &good, &d), 0);
	assert_int_equal(good, 1);
	assert_int_equal(d.n, 0);
	/* the right key id with a signature that does not verify */
	struct mvb_bundle_sig saved = v.s[0];
	v.s[0].sg_der[v.s[0].sg_len - 1] ^= 1;
	assert_int_equal(mvb_bundle_check_sigs(&v, "t.mvb", &k, 1, &good, &d), MVB_EINPUT);
	tu_expect_id(&d, "bundle-signature");
	mvb_diags_release(&d);
	/* a valid signature of another bundle by the same key, moved over */
	v.s[0] = saved;
	struct mvb_buf other_b = MVB_BUF_INIT, moved = MVB_BUF_INIT;
	make_bundle(&other_b, k);
	other_b.data[0x40] ^= 1; /* another board name: another bundle */
	struct mvb_bundle_view ov;
	assert_int_equal(mvb_bundle_parse(&ov, "o.mvb", other_b.data, other_b.len, &d), 0);
	assert_int_equal(mvb_bundle_with_sigs(&ov, v.s, v.ns, &moved), 0);
	assert_int_equal(mvb_bundle_parse(&ov, "o.mvb", moved.data, moved.len, &d), 0);
	assert_int_equal(mvb_bundle_check_sigs(&ov, "o.mvb", &k, 1, &good, &d), MVB_EINPUT);
	assert_int_equal(good, 0);
	tu_expect_id(&d, "bundle-signature");
	mvb_diags_release(&d);
	mvb_buf_release(&other_b);
	mvb_buf_release(&moved);
	/* a signature by another key that claims the trusted key's id */
	uint8_t oseed[32] = { 9 };
	struct mvb_key *forger = tu_key(oseed);
	uint8_t dg[32];
	mvb_bundle_digest(&v, dg);
	size_t n;
	assert_int_equal(mvb_key_sign(forger, dg, dg, sizeof(dg), v.s[0].sg_der, &n), 0);
	v.s[0].sg_len = (uint16_t)n;
	assert_int_equal(mvb_bundle_check_sigs(&v, "t.mvb", &k, 1, &good, &d), MVB_EINPUT);
	assert_int_equal(good, 0);
	tu_expect_id(&d, "bundle-signature");
	mvb_diags_release(&d);
	mvb_key_free(forger);
	mvb_key_free(other);
	mvb_key_free(k);
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	mvb_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_rule),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_field_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
