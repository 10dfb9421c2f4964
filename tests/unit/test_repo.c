/* test_repo.c - the channel index: round trip, every malformed field
 * named with its id and offset, every truncation and every single-bit flip
 * of a signed index rejected, the freshness rules (channel, expiry,
 * rollback), adding releases, and the choice of download. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/bundle.h"
#include "mvb/hash.h"
#include "mvb/repo.h"
#include "mvb/sign.h"
#include "mvb/status.h"

static struct mvb_key *key(uint8_t base)
{
	uint8_t seed[32];
	for (unsigned i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(base + i);
	return tu_key(seed);
}

static struct mvb_repo_release rel(uint32_t version, uint32_t counter, uint32_t size, uint8_t fill)
{
	struct mvb_repo_release r;
	memset(&r, 0, sizeof(r));
	r.rr_version = version;
	r.rr_security_counter = counter;
	r.rr_size = size;
	memset(r.rr_sha256, fill, 32);
	return r;
}

static struct mvb_repo_delta dlt(uint32_t from, uint32_t to, uint32_t size, uint8_t fill)
{
	struct mvb_repo_delta dl;
	memset(&dl, 0, sizeof(dl));
	dl.rd_from_version = from;
	dl.rd_to_version = to;
	dl.rd_size = size;
	memset(dl.rd_sha256, fill, 32);
	return dl;
}

/* Three releases (1.0.0 .. 1.2.0, counters 1, 2, 5), two deltas to the
 * latest, version 7, expiring at 2000. */
static struct mvb_repo_index *sample(void)
{
	struct mvb_repo_index *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	x->index_version = 7;
	x->published = 1000;
	x->expires = 2000;
	strcpy(x->board, "mps2-an505");
	strcpy(x->app, "hello");
	strcpy(x->channel, "stable");
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct mvb_repo_release r[3] = { rel(0x01000000, 1, 9000, 0x11), rel(0x01010000, 2, 9100, 0x22),
					 rel(0x01020000, 5, 9200, 0x33) };
	for (int i = 0; i < 3; i++)
		assert_int_equal(mvb_repo_add_release(x, &r[i], "t", &d), 0);
	struct mvb_repo_delta a = dlt(0x01000000, 0x01020000, 800, 0x44), b = dlt(0x01010000, 0x01020000, 9500, 0x55);
	assert_int_equal(mvb_repo_add_delta(x, &a), 0);
	assert_int_equal(mvb_repo_add_delta(x, &b), 0);
	mvb_diags_release(&d);
	return x;
}

/* Encodes x signed by k (when not NULL) into out. */
static void encode_signed(struct mvb_repo_index *x, struct mvb_key *k, struct mvb_buf *out)
{
	x->nsig = 0;
	struct mvb_buf tbs = MVB_BUF_INIT;
	assert_int_equal(mvb_repo_encode(x, &tbs), 0);
	if (k) {
		uint8_t dg[32], blind[16] = { 1 };
		size_t n;
		mvb_repo_digest(x, tbs.data, dg);
		memset(&x->sig[0], 0, sizeof(x->sig[0]));
		assert_int_equal(mvb_key_sign(k, dg, blind, sizeof(blind), x->sig[0].sg_der, &n), 0);
		x->sig[0].sg_len = (uint16_t)n;
		x->sig[0].sg_alg = MVB_SIG_ECDSA_P256_SHA256;
		mvb_key_id(k, x->sig[0].sg_key_id);
		x->nsig = 1;
	}
	assert_int_equal(mvb_repo_encode(x, out), 0);
	mvb_buf_release(&tbs);
}

static void round_trip(void **state)
{
	(void)state;
	struct mvb_key *k = key(0x30);
	struct mvb_repo_index *x = sample(), *y = calloc(1, sizeof(*y));
	struct mvb_buf b = MVB_BUF_INIT, b2 = MVB_BUF_INIT;
	encode_signed(x, k, &b);
	assert_int_equal(b.len, 128 + 3 * 48 + 2 * 48 + 8 + 88);
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_repo_parse(y, "t", b.data, b.len, &d), 0);
	assert_int_equal(y->index_version, 7);
	assert_int_equal(y->expires, 2000);
	assert_string_equal(y->board, "mps2-an505");
	assert_string_equal(y->channel, "stable");
	assert_int_equal(y->nrel, 3);
	assert_int_equal(y->ndel, 2);
	assert_memory_equal(y->rel, x->rel, 3 * sizeof(x->rel[0]));
	assert_memory_equal(y->del, x->del, 2 * sizeof(x->del[0]));
	assert_int_equal(y->signed_len, 128 + 5 * 48);
	unsigned good;
	assert_int_equal(mvb_repo_check_sigs(y, b.data, "t", &k, 1, &good, &d), 0);
	assert_int_equal(good, 1);
	/* parse(encode(x)) encodes to the same bytes */
	assert_int_equal(mvb_repo_encode(y, &b2), 0);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	assert_int_equal(d.n, 0);
	mvb_diags_release(&d);
	mvb_buf_release(&b);
	mvb_buf_release(&b2);
	free(x);
	free(y);
	mvb_key_free(k);
}

/* One malformed field per row: where it is, what is written there, the id
 * and the offset the finding must carry. */
struct bad_row {
	const char *what;
	size_t off;
	unsigned width; /* 1, 2 or 4 */
	uint32_t value;
	const char *id;
	size_t at;
};

static const struct bad_row bad_rows[] = {
	{ "magic", 0x00, 4, 0x3142564d, "repo-magic", 0x00 },
	{ "format", 0x04, 2, 2, "repo-format", 0x04 },
	{ "header size", 0x06, 2, 64, "repo-field", 0x06 },
	{ "flags", 0x08, 4, 1, "repo-field", 0x08 },
	{ "index version 0", 0x0c, 4, 0, "repo-field", 0x0c },
	{ "no releases", 0x10, 2, 0, "repo-field", 0x10 },
	{ "too many releases", 0x10, 2, 129, "repo-field", 0x10 },
	{ "one release more than there is", 0x10, 2, 4, "repo-order", 0x80 + 3 * 48 },
	{ "release size", 0x12, 2, 40, "repo-field", 0x12 },
	{ "too many deltas", 0x14, 2, 513, "repo-field", 0x14 },
	{ "one delta fewer", 0x14, 2, 1, "repo-layout", 0x80 + 4 * 48 },
	{ "delta size", 0x16, 2, 64, "repo-field", 0x16 },
	{ "expires before published", 0x18, 4, 999, "repo-field", 0x18 },
	{ "board with a slash", 0x28 + 3, 1, '/', "repo-field", 0x28 },
	{ "board not padded", 0x28 + 20, 1, 'x', "repo-field", 0x28 },
	{ "app starting with a dot", 0x48, 1, '.', "repo-field", 0x48 },
	{ "channel empty", 0x68, 1, 0, "repo-field", 0x68 },
	{ "channel unterminated", 0x68 + 15, 1, 'z', "repo-field", 0x68 },
	{ "reserved", 0x7c, 1, 1, "repo-field", 0x78 },
	{ "release flags", 0x80 + 0x0c, 4, 1, "repo-field", 0x80 + 0x0c },
	{ "release size too small", 0x80 + 0x08, 4, 10, "repo-field", 0x80 + 0x08 },
	{ "counters out of order", 0x80 + 48 + 4, 4, 1, "repo-order", 0x80 + 48 + 4 },
	{ "version twice", 0x80 + 48, 4, 0x01000000, "repo-order", 0x80 + 48 },
	{ "delta from an unknown release", 0x80 + 144, 4, 0x09000000, "repo-order", 0x80 + 144 },
	{ "delta to an unknown release", 0x80 + 144 + 4, 4, 0x09000000, "repo-order", 0x80 + 148 },
	{ "delta backwards", 0x80 + 144 + 4, 4, 0x01000000, "repo-order", 0x80 + 144 },
	{ "delta twice", 0x80 + 192, 4, 0x01000000, "repo-order", 0x80 + 192 },
	{ "delta flags", 0x80 + 144 + 0x0c, 4, 2, "repo-field", 0x80 + 144 + 0x0c },
	{ "delta size too small", 0x80 + 144 + 0x08, 4, 10, "repo-field", 0x80 + 144 + 0x08 },
	{ "signature magic", 0x170, 4, 0x5342564d, "repo-layout", 0x170 },
	{ "signature count", 0x174, 2, 9, "repo-field", 0x174 },
	{ "signature count beyond the file", 0x174, 2, 2, "repo-truncated", 0x178 + 88 },
	{ "signature entry size", 0x176, 2, 80, "repo-field", 0x176 },
	{ "signature algorithm", 0x178 + 8, 2, 2, "repo-field", 0x178 + 8 },
	{ "signature length", 0x178 + 10, 2, 73, "repo-field", 0x178 + 10 },
	{ "signature reserved", 0x178 + 84, 1, 1, "repo-field", 0 },
};

static void put(unsigned char *p, unsigned width, uint32_t v)
{
	if (width == 1)
		p[0] = (unsigned char)v;
	else if (width == 2)
		mvb_put_le16(p, (uint16_t)v);
	else
		mvb_put_le32(p, v);
}

static void malformed_fields(void **state)
{
	(void)state;
	struct mvb_key *k = key(0x30);
	struct mvb_repo_index *x = sample(), *y = calloc(1, sizeof(*y));
	struct mvb_buf b = MVB_BUF_INIT;
	encode_signed(x, k, &b);
	for (size_t i = 0; i < sizeof(bad_rows) / sizeof(bad_rows[0]); i++) {
		const struct bad_row *r = &bad_rows[i];
		unsigned char *m = malloc(b.len);
		memcpy(m, b.data, b.len);
		put(m + r->off, r->width, r->value);
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_repo_parse(y, "t", m, b.len, &d);
		if (rc != MVB_EINPUT || d.n != 1 || strcmp(mvb_check_info(d.v[0].check)->id, r->id) ||
		    (r->at && d.v[0].offset != r->at)) {
			print_error("row '%s': rc %d, %zu findings\n", r->what, rc, d.n);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
		free(m);
	}
	mvb_buf_release(&b);
	free(x);
	free(y);
	mvb_key_free(k);
}

static void truncations_and_trailing(void **state)
{
	(void)state;
	struct mvb_key *k = key(0x30);
	struct mvb_repo_index *x = sample(), *y = calloc(1, sizeof(*y));
	struct mvb_buf b = MVB_BUF_INIT;
	encode_signed(x, k, &b);
	for (size_t n = 0; n < b.len; n++) {
		struct mvb_diags d = MVB_DIAGS_INIT;
		unsigned char *m = malloc(n ? n : 1);
		memcpy(m, b.data, n);
		if (mvb_repo_parse(y, "t", m, n, &d) != MVB_EINPUT || d.n != 1 ||
		    d.v[0].check != MVB_CK_REPO_TRUNCATED) {
			print_error("truncated to %zu bytes\n", n);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
		free(m);
	}
	unsigned char *m = malloc(b.len + 1);
	memcpy(m, b.data, b.len);
	m[b.len] = 0;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_repo_parse(y, "t", m, b.len + 1, &d), MVB_EINPUT);
	tu_expect_id(&d, "repo-layout");
	mvb_diags_release(&d);
	free(m);
	mvb_buf_release(&b);
	free(x);
	free(y);
	mvb_key_free(k);
}

/* Every single-bit flip is refused by parse or by the signature rule. */
static void every_bit_flip(void **state)
{
	(void)state;
	struct mvb_key *k = key(0x30);
	struct mvb_repo_index *x = sample(), *y = calloc(1, sizeof(*y));
	struct mvb_buf b = MVB_BUF_INIT;
	encode_signed(x, k, &b);
	unsigned by_parse = 0, by_sig = 0;
	for (size_t i = 0; i < b.len * 8; i++) {
		b.data[i / 8] ^= (unsigned char)(1u << (i % 8));
		struct mvb_diags d = MVB_DIAGS_INIT;
		unsigned good = 0;
		if (mvb_repo_parse(y, "t", b.data, b.len, &d))
			by_parse++;
		else if (mvb_repo_check_sigs(y, b.data, "t", &k, 1, &good, &d))
			by_sig++;
		else {
			print_error("flip of bit %zu of byte 0x%zx accepted\n", i % 8, i / 8);
			fail();
		}
		mvb_diags_release(&d);
		b.data[i / 8] ^= (unsigned char)(1u << (i % 8));
	}
	assert_int_equal(by_parse + by_sig, b.len * 8);
	assert_true(by_parse > 0 && by_sig > 0);
	/* and another key's signature is not enough */
	struct mvb_key *other = key(0x70);
	struct mvb_diags d = MVB_DIAGS_INIT;
	unsigned good;
	assert_int_equal(mvb_repo_parse(y, "t", b.data, b.len, &d), 0);
	assert_int_equal(mvb_repo_check_sigs(y, b.data, "t", &other, 1, &good, &d), MVB_EINPUT);
	tu_expect_id(&d, "repo-unsigned");
	mvb_diags_release(&d);
	mvb_key_free(other);
	mvb_buf_release(&b);
	free(x);
	free(y);
	mvb_key_free(k);
}

struct fresh_row {
	const char *what;
	const char *board, *app, *channel;
	uint64_t now;
	uint32_t seen_version;
	int same_hash;
	const char *id; /* NULL: accepted */
};

static const struct fresh_row fresh_rows[] = {
	{ "fresh", "mps2-an505", "hello", "stable", 1500, 0, 0, NULL },
	{ "same index again", "mps2-an505", "hello", "stable", 1500, 7, 1, NULL },
	{ "newer than seen", "mps2-an505", "hello", "stable", 1500, 6, 0, NULL },
	{ "last second before expiry", "mps2-an505", "hello", "stable", 1999, 0, 0, NULL },
	{ "expired", "mps2-an505", "hello", "stable", 2000, 0, 0, "repo-expired" },
	{ "replayed older index", "mps2-an505", "hello", "stable", 1500, 8, 0, "repo-rollback" },
	{ "another index with the same version", "mps2-an505", "hello", "stable", 1500, 7, 0, "repo-rollback" },
	{ "other channel", "mps2-an505", "hello", "beta", 1500, 0, 0, "repo-channel" },
	{ "other app", "mps2-an505", "other", "stable", 1500, 0, 0, "repo-channel" },
	{ "other board", "stm32u585", "hello", "stable", 1500, 0, 0, "repo-channel" },
};

static void freshness(void **state)
{
	(void)state;
	struct mvb_repo_index *x = sample();
	uint8_t h[32];
	memset(h, 0xab, sizeof(h));
	for (size_t i = 0; i < sizeof(fresh_rows) / sizeof(fresh_rows[0]); i++) {
		const struct fresh_row *r = &fresh_rows[i];
		struct mvb_repo_seen seen;
		memset(&seen, 0, sizeof(seen));
		seen.index_version = r->seen_version;
		memset(seen.sha256, r->same_hash ? 0xab : 0xcd, 32);
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_repo_check_fresh(x, "t", r->board, r->app, r->channel, r->now, &seen, h, &d);
		if ((r->id == NULL) != (rc == 0) || (r->id && (d.n != 1 || strcmp(mvb_check_info(d.v[0].check)->id, r->id)))) {
			print_error("row '%s': rc %d\n", r->what, rc);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
	}
	free(x);
}

static void adding_releases(void **state)
{
	(void)state;
	struct mvb_repo_index *x = sample();
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct mvb_repo_release same = rel(0x01030000, 5, 9000, 1), dup = rel(0x01010000, 9, 9000, 1),
				lower = rel(0x01030000, 3, 9000, 1);
	assert_int_equal(mvb_repo_add_release(x, &same, "t", &d), MVB_EINPUT);
	tu_expect_id(&d, "repo-counter");
	assert_int_equal(mvb_repo_add_release(x, &lower, "t", &d), MVB_EINPUT);
	assert_int_equal(mvb_repo_add_release(x, &dup, "t", &d), MVB_EINPUT);
	assert_int_equal(mvb_diags_count(&d, MVB_CK_REPO_COUNTER), 3);
	assert_int_equal(x->nrel, 3);
	mvb_diags_release(&d);
	/* deltas that go nowhere or backwards are refused */
	struct mvb_repo_delta back = dlt(0x01020000, 0x01000000, 100, 1), unknown = dlt(0x05000000, 0x01020000, 100, 1),
			      twice = dlt(0x01000000, 0x01020000, 100, 1);
	assert_int_equal(mvb_repo_add_delta(x, &back), MVB_EINPUT);
	assert_int_equal(mvb_repo_add_delta(x, &unknown), MVB_EINPUT);
	assert_int_equal(mvb_repo_add_delta(x, &twice), MVB_EINPUT);
	/* a full index drops its oldest release and the deltas that name it */
	for (uint32_t i = 0; x->nrel < MVB_REPO_MAX_RELEASES; i++) {
		struct mvb_repo_release r = rel(0x02000000 + i, 10 + i, 9000, 2);
		assert_int_equal(mvb_repo_add_release(x, &r, "t", &d), 0);
	}
	assert_int_equal(x->ndel, 2);
	struct mvb_repo_release r = rel(0x03000000, 100000, 9000, 3);
	assert_int_equal(mvb_repo_add_release(x, &r, "t", &d), 0);
	assert_int_equal(x->nrel, MVB_REPO_MAX_RELEASES);
	assert_int_equal(x->rel[0].rr_version, 0x01010000);
	assert_int_equal(x->ndel, 1);
	assert_int_equal(x->del[0].rd_from_version, 0x01010000);
	struct mvb_buf b = MVB_BUF_INIT;
	struct mvb_repo_index *y = calloc(1, sizeof(*y));
	assert_int_equal(mvb_repo_encode(x, &b), 0);
	assert_int_equal(mvb_repo_parse(y, "t", b.data, b.len, &d), 0);
	assert_true(b.len <= MVB_REPO_MAX_SIZE);
	mvb_buf_release(&b);
	free(y);
	free(x);
	mvb_diags_release(&d);
}

struct pick_row {
	const char *what;
	int have_known;
	uint32_t have;
	int up_to_date, delta;
	uint32_t size;
};

static const struct pick_row pick_rows[] = {
	{ "latest already", 1, 0x01020000, 1, 0, 0 },
	{ "small delta from 1.0.0", 1, 0x01000000, 0, 1, 800 },
	{ "delta from 1.1.0 is larger than the full bundle", 1, 0x01010000, 0, 0, 9200 },
	{ "unknown version", 1, 0x00090000, 0, 0, 9200 },
	{ "no version", 0, 0, 0, 0, 9200 },
};

static void picking(void **state)
{
	(void)state;
	struct mvb_repo_index *x = sample();
	for (size_t i = 0; i < sizeof(pick_rows) / sizeof(pick_rows[0]); i++) {
		const struct pick_row *r = &pick_rows[i];
		struct mvb_repo_step s;
		mvb_repo_pick(x, r->have_known, r->have, &s);
		if (s.up_to_date != r->up_to_date || (!s.up_to_date && (s.delta != r->delta || s.size != r->size))) {
			print_error("row '%s': up_to_date %d delta %d size %u\n", r->what, s.up_to_date, s.delta, s.size);
			fail();
		}
	}
	char name[80];
	mvb_repo_object_name(x->rel[0].rr_sha256, name, sizeof(name));
	assert_string_equal(name, "objects/1111111111111111111111111111111111111111111111111111111111111111.mvb");
	free(x);
}

static void names(void **state)
{
	(void)state;
	assert_true(mvb_repo_name_ok("stable", 16));
	assert_true(mvb_repo_name_ok("mps2-an505", 32));
	assert_true(mvb_repo_name_ok("App_1.2", 32));
	assert_false(mvb_repo_name_ok("", 16));
	assert_false(mvb_repo_name_ok("..", 16));
	assert_false(mvb_repo_name_ok(".hidden", 16));
	assert_false(mvb_repo_name_ok("a/b", 16));
	assert_false(mvb_repo_name_ok("a b", 16));
	assert_false(mvb_repo_name_ok("0123456789abcdef", 16)); /* no room for the NUL */
}

/* ---- what a device accepts: the index, then the object */

struct accept_row {
	const char *what;
	int signer;                     /* 0x30: the trusted key, else another */
	const char *channel;            /* what the device asks for */
	uint64_t now;
	uint32_t seen_version;          /* 0: no record */
	int runs_known, counter_known;  /* what the device names */
	uint32_t runs_version, runs_counter;
	int allow_older;
	const char *id;                 /* NULL: accepted */
	int runs_latest;
};

/* sample(): releases 1.0.0 (counter 1), 1.1.0 (2), 1.2.0 (5), expiring at 2000 */
static const struct accept_row accept_rows[] = {
	{ "a device that names nothing", 0x30, "stable", 1500, 0, 0, 0, 0, 0, 0, NULL, 0 },
	{ "signed by another key", 0x40, "stable", 1500, 0, 0, 0, 0, 0, 0, "repo-unsigned", 0 },
	{ "another channel", 0x30, "beta", 1500, 0, 0, 0, 0, 0, 0, "repo-channel", 0 },
	{ "expired", 0x30, "stable", 2000, 0, 0, 0, 0, 0, 0, "repo-expired", 0 },
	{ "expiry not checked (now 0)", 0x30, "stable", 0, 0, 0, 0, 0, 0, 0, NULL, 0 },
	{ "older than the index accepted", 0x30, "stable", 1500, 8, 0, 0, 0, 0, 0, "repo-rollback", 0 },
	{ "runs 1.0.0: install 1.2.0", 0x30, "stable", 1500, 7, 1, 1, 0x01000000, 1, 0, NULL, 0 },
	{ "runs the latest", 0x30, "stable", 1500, 0, 1, 1, 0x01020000, 5, 0, NULL, 1 },
	{ "runs 1.3.0 (counter 5): older", 0x30, "stable", 1500, 0, 1, 1, 0x01030000, 5, 0, "repo-older", 0 },
	{ "runs 1.3.0, going back asked for", 0x30, "stable", 1500, 0, 1, 1, 0x01030000, 5, 1, NULL, 0 },
	{ "runs a higher counter: never", 0x30, "stable", 1500, 0, 1, 1, 0x01010000, 9, 1, "repo-downgrade", 0 },
	{ "runs 1.1.0, its counter from the index", 0x30, "stable", 1500, 0, 1, 0, 0x01010000, 0, 0, NULL, 0 },
	{ "runs an unlisted 1.3.0: the version bounds", 0x30, "stable", 1500, 0, 1, 0, 0x01030000, 0, 0, "repo-older", 0 },
};

static void accept_index(void **state)
{
	(void)state;
	struct mvb_key *trusted = key(0x30);
	for (size_t i = 0; i < sizeof(accept_rows) / sizeof(accept_rows[0]); i++) {
		const struct accept_row *r = &accept_rows[i];
		struct mvb_key *signer = key((uint8_t)r->signer);
		struct mvb_repo_index *x = sample(), *y = calloc(1, sizeof(*y));
		struct mvb_buf b = MVB_BUF_INIT;
		encode_signed(x, signer, &b);
		struct mvb_diags d = MVB_DIAGS_INIT;
		assert_int_equal(mvb_repo_parse(y, "index", b.data, b.len, &d), 0);
		struct mvb_repo_seen seen;
		memset(&seen, 0, sizeof(seen));
		seen.index_version = r->seen_version;
		mvb_sha256(b.data, b.len, seen.sha256); /* the same index at version 7 */
		struct mvb_repo_device dev = { "mps2-an505", "hello", r->channel, r->now, &seen, r->runs_known,
					       r->runs_version, r->counter_known, r->runs_counter, r->allow_older };
		int latest = -1;
		int rc = mvb_repo_accept_index(y, b.data, b.len, "index", &dev, &trusted, 1, &latest, &d);
		if ((r->id == NULL) != (rc == 0) || (r->id && (d.n != 1 || strcmp(mvb_check_info(d.v[0].check)->id, r->id))) ||
		    (!rc && latest != r->runs_latest)) {
			print_error("row '%s': rc %d, runs latest %d\n", r->what, rc, latest);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
		mvb_buf_release(&b);
		mvb_key_free(signer);
		free(x);
		free(y);
	}
	mvb_key_free(trusted);
}

/* A signed one-layer bundle of app 'hello' at version/counter. */
static void small_bundle(uint32_t version, uint32_t counter, const char *app, struct mvb_key *k, struct mvb_buf *out)
{
	static unsigned char img[600];
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (unsigned char)(i * 5);
	struct mvb_bundle_spec s;
	memset(&s, 0, sizeof(s));
	strcpy(s.manifest.bm_board, "mps2-an505");
	strcpy(s.manifest.bm_app_name, app);
	s.manifest.bm_app_version = version;
	s.manifest.bm_security_counter = counter;
	s.layer[0] = (struct mvb_bundle_in_layer){ MVB_LAYER_APP, 0x00200000, img, sizeof(img) };
	s.nlayers = 1;
	struct mvb_buf b = MVB_BUF_INIT;
	assert_int_equal(mvb_bundle_build(&s, &b), 0);
	tu_sign_bundle(&b, k, out);
	mvb_buf_release(&b);
}

static void accept_object(void **state)
{
	(void)state;
	struct mvb_key *k = key(0x30), *other = key(0x40);
	struct mvb_repo_index *x = sample();
	struct { const char *what; uint32_t version, counter; const char *app; struct mvb_key *by; int damage; const char *id; } rows[] = {
		{ "the latest release", 0x01020000, 5, "hello", k, 0, NULL },
		{ "another release's bundle", 0x01010000, 2, "hello", k, 0, "repo-object" },
		{ "another app's bundle", 0x01020000, 5, "other", k, 0, "repo-object" },
		{ "signed by another key", 0x01020000, 5, "hello", other, 0, "bundle-unsigned" },
		{ "bytes changed after the index was made", 0x01020000, 5, "hello", k, 1, "repo-object" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct mvb_buf b = MVB_BUF_INIT;
		small_bundle(rows[i].version, rows[i].counter, rows[i].app, rows[i].by, &b);
		/* the index names these bytes as its latest release */
		x->rel[x->nrel - 1].rr_size = (uint32_t)b.len;
		mvb_sha256(b.data, b.len, x->rel[x->nrel - 1].rr_sha256);
		if (rows[i].damage)
			b.data[b.len / 2] ^= 1;
		struct mvb_repo_step st;
		mvb_repo_pick(x, 0, 0, &st);
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_repo_accept_object(x, &st, b.data, b.len, "object", NULL, &k, 1, &d);
		if ((rows[i].id == NULL) != (rc == 0) || (rows[i].id && !mvb_diags_count(&d, (enum mvb_check)mvb_check_by_id(rows[i].id)))) {
			print_error("row '%s': rc %d\n", rows[i].what, rc);
			tu_print(&d);
			fail();
		}
		mvb_diags_release(&d);
		mvb_buf_release(&b);
	}
	free(x);
	mvb_key_free(k);
	mvb_key_free(other);
}

/* ---- the device's record of accepted indexes */

#define H64 "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"
static const struct state_row {
	const char *what, *text;
	unsigned line, col; /* 0: read; else where repo-state is */
	uint32_t version;   /* of mps2-an505/hello/stable */
	const char *others;
} state_rows[] = {
	{ "empty", "", 0, 0, 0, "" },
	{ "one entry", "mps2-an505/hello/stable 7 " H64 "\n", 0, 0, 7, "" },
	{ "no final newline, blank lines, tabs", "\n\nmps2-an505/hello/stable\t 12 " H64, 0, 0, 12, "" },
	{ "other channels kept", "a/b/beta 3 " H64 "\nmps2-an505/hello/stable 9 " H64 "\nc/d/e 1 " H64 "\n", 0, 0, 9,
	  "a/b/beta 3 " H64 "\nc/d/e 1 " H64 "\n" },
	{ "no version (the hash read as one)", "mps2-an505/hello/stable " H64 "\n", 1, 35, 0, NULL },
	{ "version over 32 bits", "x 4294967296 " H64 "\n", 1, 12, 0, NULL },
	{ "short hash", "x 1 0011\n", 1, 9, 0, NULL },
	{ "a bad hex digit", "x 1 0g" H64 "\n", 1, 6, 0, NULL },
	{ "trailing text", "x 1 " H64 " extra\n", 1, 69, 0, NULL },
	{ "a key with a space", "my board 1 " H64 "\n", 1, 4, 0, NULL },
	{ "on the second line", "x 1 " H64 "\n-\n", 2, 2, 0, NULL },
};

static void state_record(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(state_rows) / sizeof(state_rows[0]); i++) {
		const struct state_row *r = &state_rows[i];
		struct mvb_repo_seen seen;
		struct mvb_buf others = MVB_BUF_INIT;
		struct mvb_diags d = MVB_DIAGS_INIT;
		int rc = mvb_repo_state_read((const unsigned char *)r->text, strlen(r->text), "state", "mps2-an505/hello/stable",
					     &seen, &others, &d);
		int ok = r->line ? rc == MVB_EINPUT && d.n == 1 && d.v[0].check == MVB_CK_REPO_STATE && d.v[0].line == r->line &&
					   d.v[0].col == r->col
				 : rc == 0 && d.n == 0 && seen.index_version == r->version &&
					   !strcmp(others.data ? (const char *)others.data : "", r->others);
		if (!ok) {
			print_error("row '%s': rc %d, version %u, others '%s'\n", r->what, rc, seen.index_version,
				    others.data ? (const char *)others.data : "");
			tu_print(&d);
			fail();
		}
		if (!r->line && r->version)
			assert_int_equal(seen.sha256[31], 0xff);
		mvb_diags_release(&d);
		mvb_buf_release(&others);
	}
	/* what is written reads back, every other channel kept */
	struct mvb_buf rec = MVB_BUF_INIT, others = MVB_BUF_INIT;
	uint8_t h[32];
	memset(h, 0x5a, sizeof(h));
	assert_int_equal(mvb_repo_state_put(&rec, "a/b/c", 4, h), 0);
	assert_int_equal(mvb_repo_state_put(&rec, "mps2-an505/hello/stable", 11, h), 0);
	struct mvb_repo_seen seen;
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_repo_state_read(rec.data, rec.len, "state", "mps2-an505/hello/stable", &seen, &others, &d), 0);
	assert_int_equal(seen.index_version, 11);
	assert_memory_equal(seen.sha256, h, 32);
	assert_string_equal((const char *)others.data, "a/b/c 4 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\n");
	/* too many lines */
	struct mvb_buf many = MVB_BUF_INIT;
	for (unsigned i = 0; i <= MVB_REPO_STATE_LINES; i++)
		assert_int_equal(mvb_repo_state_put(&many, "x", i, h), 0);
	assert_int_equal(mvb_repo_state_read(many.data, many.len, "state", "y", &seen, &others, &d), MVB_EINPUT);
	tu_expect_id(&d, "repo-state");
	assert_int_equal(d.v[0].line, MVB_REPO_STATE_LINES + 1);
	mvb_diags_release(&d);
	mvb_buf_release(&many);
	mvb_buf_release(&rec);
	mvb_buf_release(&others);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),	     cmocka_unit_test(malformed_fields), cmocka_unit_test(truncations_and_trailing),
		cmocka_unit_test(every_bit_flip),    cmocka_unit_test(freshness),	 cmocka_unit_test(adding_releases),
		cmocka_unit_test(picking),	     cmocka_unit_test(names),
		cmocka_unit_test(accept_index),	     cmocka_unit_test(accept_object),	 cmocka_unit_test(state_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
