/* test_delta.c - delta patches: the device inflater against zlib, encode and
 * apply round trips (corpus pairs and synthetic ones), rejection of
 * truncated and corrupted patches, and an in-place apply on a simulated
 * flash that loses power before every erase and write (and tears them). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "testutil.h"
#include "mvb/delta.h"
#include "mvb/hash.h"
#include "mvb/status.h"
#include "mvd.h"

/* public firmware release pairs (tests/data/delta-public, with their
 * licence and where they come from) */
#ifndef MVB_DELTA_CORPUS
#define MVB_DELTA_CORPUS MVB_SRC_DIR "/tests/data/delta-public"
#endif
#define CORPUS MVB_DELTA_CORPUS

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* ---- inflater against zlib */

struct sinkbuf {
	uint8_t *p;
	size_t n, cap;
};

static int sink(void *arg, uint8_t b)
{
	struct sinkbuf *s = arg;
	if (s->n == s->cap)
		return MVD_E_LIMIT;
	s->p[s->n++] = b;
	return 0;
}

static size_t zcomp(const uint8_t *in, size_t n, int level, int wbits, int strategy, uint8_t **out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, -wbits, 8, strategy), Z_OK);
	size_t cap = deflateBound(&z, n) + 16;
	*out = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t r = z.total_out;
	deflateEnd(&z);
	return r;
}

/* The input of run_inflate, handed out in pieces of 1 to max_chunk bytes. */
static const uint8_t *in_bytes;
static int in_max;

static const uint8_t *in_get(void *ctx, uint32_t off, uint32_t *n)
{
	(void)ctx;
	*n = 1 + rnd() % (unsigned)in_max;
	return in_bytes + off;
}

/* Inflates from random pieces; returns the result, *consumed the input used. */
static int run_inflate(const uint8_t *c, size_t cn, struct sinkbuf *o, size_t *consumed, int max_chunk)
{
	static struct mvd_inflate s;
	struct mvd_src in = { in_get, NULL, NULL, NULL, 0, (uint32_t)cn, 0 };
	in_bytes = c;
	in_max = max_chunk;
	int rc = mvd_inflate(&s, &in, sink, o);
	*consumed = mvd_src_used(&in);
	return rc;
}

static void gen(uint8_t *p, size_t n, int kind)
{
	for (size_t i = 0; i < n; i++) {
		switch (kind) {
		case 0: p[i] = (uint8_t)rnd(); break;
		case 1: p[i] = (uint8_t)("abcdefgh  \n"[rnd() % 11]); break;
		case 2: p[i] = (uint8_t)(rnd() % 97 < 90 ? (i ? p[i - 1] : 0) : rnd()); break;
		default: p[i] = i >= 300 && rnd() % 4 ? p[i - 300 + rnd() % 3] : (uint8_t)rnd(); break;
		}
	}
}

static void test_inflate_matches_zlib(void **state)
{
	(void)state;
	static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED };
	size_t fsize;
	char *fw = tu_read(CORPUS "/pybv11-v1.10.bin", &fsize);
	unsigned cases = 0;
	for (int round = 0; round < 120; round++) {
		size_t n = round < 4 ? (size_t)round : 1 + rnd() % 20000;
		uint8_t *in = malloc(n + 1), *c;
		if (round % 5 == 4 && fsize > n)
			memcpy(in, fw + rnd() % (fsize - n), n);
		else
			gen(in, n, round % 4);
		int level = round % 10, wbits = 9 + round % 4, strat = strategies[round % 5];
		size_t cn = zcomp(in, n, level, wbits, strat, &c);
		struct sinkbuf o = { malloc(n + 1), 0, n + 1 };
		size_t used;
		int rc = run_inflate(c, cn, &o, &used, 1 + round % 64 * 17);
		assert_int_equal(rc, MVD_END);
		assert_int_equal(used, cn);
		assert_int_equal(o.n, n);
		assert_memory_equal(o.p, in, n);
		free(o.p);
		free(c);
		free(in);
		cases++;
	}
	free(fw);
	assert_int_equal(cases, 120);
}

static void test_inflate_stops_at_stream_end(void **state)
{
	(void)state;
	uint8_t in[3000], *c;
	gen(in, sizeof(in), 3);
	size_t cn = zcomp(in, sizeof(in), 6, 12, Z_DEFAULT_STRATEGY, &c);
	uint8_t *c2 = malloc(cn + 7);
	memcpy(c2, c, cn);
	memset(c2 + cn, 0xa5, 7);
	struct sinkbuf o = { malloc(sizeof(in)), 0, sizeof(in) };
	size_t used;
	assert_int_equal(run_inflate(c2, cn + 7, &o, &used, 50), MVD_END);
	assert_int_equal(used, cn);
	free(o.p);
	free(c);
	free(c2);
}

static void test_inflate_truncated_and_corrupt(void **state)
{
	(void)state;
	uint8_t in[5000], *c;
	gen(in, sizeof(in), 3);
	size_t cn = zcomp(in, sizeof(in), 9, 12, Z_DEFAULT_STRATEGY, &c);
	struct sinkbuf o = { malloc(sizeof(in) + 64), 0, sizeof(in) + 64 };
	size_t used;
	for (size_t cut = 0; cut < cn; cut++) {
		o.n = 0;
		int rc = run_inflate(c, cut, &o, &used, 1000);
		assert_true(rc != MVD_END);
	}
	unsigned rejected = 0;
	for (int k = 0; k < 2000; k++) {
		uint8_t *m = malloc(cn);
		memcpy(m, c, cn);
		m[rnd() % cn] ^= (uint8_t)(1u << (rnd() % 8));
		o.n = 0;
		int rc = run_inflate(m, cn, &o, &used, 300);
		if (rc < 0 || o.n != sizeof(in) || memcmp(o.p, in, sizeof(in)))
			rejected++;
		free(m);
	}
	assert_true(rejected > 1500); /* most flips change the output or break the stream */
	/* a 32 KiB-window stream that reaches back 20000 bytes is refused */
	uint8_t big[40000];
	gen(big, 20000, 0);
	memcpy(big + 20000, big, 20000);
	free(c);
	cn = zcomp(big, sizeof(big), 9, 15, Z_DEFAULT_STRATEGY, &c);
	struct sinkbuf o2 = { malloc(sizeof(big)), 0, sizeof(big) };
	assert_int_equal(run_inflate(c, cn, &o2, &used, 4096), MVD_E_CORRUPT);
	free(o2.p);
	free(o.p);
	free(c);
}

/* ---- encode and apply */

static void roundtrip(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint32_t ps, size_t *psize)
{
	struct mvb_delta_opts o = { ps, 0, 0, 0 };
	struct mvb_buf p = MVB_BUF_INIT, p2 = MVB_BUF_INIT, out = MVB_BUF_INIT;
	assert_int_equal(mvb_delta_encode(a, an, b, bn, &o, &p, NULL), 0);
	assert_int_equal(mvb_delta_encode(a, an, b, bn, &o, &p2, NULL), 0);
	assert_int_equal(p.len, p2.len); /* deterministic */
	assert_memory_equal(p.data, p2.data, p.len);
	struct mvb_diags d = MVB_DIAGS_INIT;
	int rc = mvb_delta_apply(a, an, p.data, p.len, "p.mvd", &out, &d);
	if (rc)
		tu_print(&d);
	assert_int_equal(rc, 0);
	assert_int_equal(out.len, bn);
	assert_memory_equal(out.data, b, bn);
	if (psize)
		*psize = p.len;
	mvb_diags_release(&d);
	mvb_buf_release(&p);
	mvb_buf_release(&p2);
	mvb_buf_release(&out);
}

static const char *pairs[][2] = {
	{ "pybv11-v1.10", "pybv11-1f5d945af" },
	{ "pybv11-1f5d945af", "pybv11-1f5d945af-dirty" },
	{ "pybv11-v1.10", "pybv11-1f5d945af-dirty" },
	{ "synthesizer-1", "synthesizer-2" },
	{ "synthesizer-1", "synthesizer-3" },
	{ "synthesizer-2", "synthesizer-3" },
};

static uint8_t *corpus(const char *name, size_t *n)
{
	char path[256];
	snprintf(path, sizeof(path), CORPUS "/%s.bin", name);
	return (uint8_t *)tu_read(path, n);
}

static void test_roundtrip_corpus(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		size_t an, bn, pn;
		uint8_t *a = corpus(pairs[i][0], &an), *b = corpus(pairs[i][1], &bn);
		roundtrip(a, an, b, bn, 4096, &pn);
		assert_true(pn < bn / 4); /* a delta, not a copy */
		roundtrip(b, bn, a, an, 4096, NULL); /* and backwards */
		free(a);
		free(b);
	}
}

/* Synthetic edits: insertions, deletions, moves, growth and shrinking,
 * several page sizes, empty and unrelated old images. */
static void edit(const uint8_t *a, size_t an, uint8_t *b, size_t *bn, int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < an;) {
		uint32_t r = rnd() % 1000;
		if (kind == 0 && r < 3) { /* insert */
			size_t k = 1 + rnd() % 300;
			for (size_t j = 0; j < k; j++)
				b[n++] = (uint8_t)rnd();
		} else if (kind == 1 && r < 3) { /* delete */
			i += 1 + rnd() % 300;
			continue;
		} else if (kind == 2 && r < 2 && i > 5000) { /* copy from far back */
			size_t from = rnd() % (i - 4000), k = 1 + rnd() % 2000;
			for (size_t j = 0; j < k; j++)
				b[n++] = a[from + j];
		} else if (r < 5) {
			b[n++] = (uint8_t)rnd(); /* substitute */
			i++;
			continue;
		}
		b[n++] = a[i++];
	}
	*bn = n;
}

static void test_roundtrip_synthetic(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 256, 1024, 4096 };
	size_t fn;
	uint8_t *fw = corpus("synthesizer-1", &fn);
	for (int k = 0; k < 12; k++) {
		size_t an = k == 11 ? 0 : 2000 + rnd() % (sizes[k % 3] == 256 ? 18000 : 60000), bn;
		uint8_t *a = malloc(an + 1), *b = malloc(3 * an + 100000);
		if (k % 2)
			memcpy(a, fw + rnd() % (fn - an), an);
		else
			gen(a, an, 3);
		if (k == 10) {
			bn = 1 + rnd() % 40000; /* unrelated */
			gen(b, bn, 0);
		} else if (k == 11) {
			bn = 5000;
			gen(b, bn, 2);
		} else {
			edit(a, an, b, &bn, k % 3);
		}
		roundtrip(a, an, b, bn, sizes[k % 3], NULL);
		free(a);
		free(b);
	}
	free(fw);
	uint8_t one = 7;
	roundtrip(&one, 1, &one, 1, 256, NULL); /* nothing changes: no steps */
}

static void expect_apply_fails(const uint8_t *a, size_t an, const uint8_t *p, size_t pn, const uint8_t *b, size_t bn)
{
	struct mvb_buf out = MVB_BUF_INIT;
	struct mvb_diags d = MVB_DIAGS_INIT;
	int rc = mvb_delta_apply(a, an, p, pn, "p.mvd", &out, &d);
	if (rc == 0) {
		/* only a change that does not alter what decodes may pass */
		assert_int_equal(out.len, bn);
		assert_memory_equal(out.data, b, bn);
	} else {
		assert_int_equal(rc, MVB_EINPUT);
		assert_true(d.errors == 1);
		const char *id = mvb_check_info(d.v[0].check)->id;
		assert_true(!strncmp(id, "delta-", 6));
	}
	mvb_diags_release(&d);
	mvb_buf_release(&out);
}

static void test_patch_rejects_bad_input(void **state)
{
	(void)state;
	size_t an, bn;
	uint8_t *a = corpus("synthesizer-1", &an), *b = corpus("synthesizer-2", &bn);
	struct mvb_buf p = MVB_BUF_INIT;
	assert_int_equal(mvb_delta_encode(a, an, b, bn, NULL, &p, NULL), 0);
	struct mvb_buf out = MVB_BUF_INIT;
	struct mvb_diags d = MVB_DIAGS_INIT;
	/* every truncation fails */
	for (size_t cut = 0; cut < p.len; cut += cut < 200 ? 1 : 7) {
		assert_int_not_equal(mvb_delta_apply(a, an, p.data, cut, "p.mvd", &out, &d), 0);
		assert_int_equal(out.len, 0);
		mvb_diags_release(&d);
	}
	/* trailing bytes fail */
	uint8_t *q = malloc(p.len + 1);
	memcpy(q, p.data, p.len);
	q[p.len] = 0;
	assert_int_not_equal(mvb_delta_apply(a, an, q, p.len + 1, "p.mvd", &out, &d), 0);
	mvb_diags_release(&d);
	/* a format 1 patch ("MVD1") is refused as such, and an index size
	 * that does not match the counts is a header error */
	memcpy(q, p.data, p.len);
	q[3] = '1';
	assert_int_not_equal(mvb_delta_apply(a, an, q, p.len, "p.mvd", &out, &d), 0);
	tu_expect_id(&d, "delta-header");
	assert_non_null(strstr(d.v[0].message, "format 1"));
	mvb_diags_release(&d);
	memcpy(q, p.data, p.len);
	q[0x24] ^= 4;
	assert_int_not_equal(mvb_delta_apply(a, an, q, p.len, "p.mvd", &out, &d), 0);
	tu_expect_id(&d, "delta-header");
	mvb_diags_release(&d);
	/* the wrong old image fails as delta-base, before anything is written */
	uint8_t *a2 = malloc(an);
	memcpy(a2, a, an);
	a2[an / 2] ^= 1;
	assert_int_not_equal(mvb_delta_apply(a2, an, p.data, p.len, "p.mvd", &out, &d), 0);
	tu_expect_id(&d, "delta-base");
	mvb_diags_release(&d);
	/* every single-byte change, and random multi-byte damage */
	for (size_t i = 0; i < p.len; i++) {
		memcpy(q, p.data, p.len);
		q[i] ^= (uint8_t)(1u + rnd() % 255);
		expect_apply_fails(a, an, q, p.len, b, bn);
	}
	for (int k = 0; k < 500; k++) {
		memcpy(q, p.data, p.len);
		for (int j = 0; j < 1 + k % 8; j++)
			q[MVD_HEADER_SIZE + rnd() % (p.len - MVD_HEADER_SIZE)] = (uint8_t)rnd();
		expect_apply_fails(a, an, q, p.len, b, bn);
	}
	free(q);
	free(a2);
	free(a);
	free(b);
	mvb_buf_release(&p);
	mvb_buf_release(&out);
}

/* ---- power cuts: a flash that can lose power before any erase or write */

enum { CUT_NONE, CUT_BEFORE, CUT_TORN };

struct flash {
	uint8_t *mem, *state;
	uint32_t ps, npages;
	long ops, cut_at; /* the op numbered cut_at fails (CUT_*) */
	int cut_kind, dead;
	long reads_bad;
};

static int f_read(void *ctx, uint32_t page, uint32_t off, void *buf, uint32_t n)
{
	struct flash *f = ctx;
	if (f->dead)
		return -1;
	if (off + n > f->ps || (page != MVD_STATE_PAGE && page >= f->npages)) {
		f->reads_bad++;
		return -1;
	}
	memcpy(buf, (page == MVD_STATE_PAGE ? f->state : f->mem + (size_t)page * f->ps) + off, n);
	return 0;
}

static uint8_t *f_page(struct flash *f, uint32_t page)
{
	return page == MVD_STATE_PAGE ? f->state : page < f->npages ? f->mem + (size_t)page * f->ps : NULL;
}

/* Returns 1 when the power goes now; a torn op has done half its work. */
static int f_cut(struct flash *f, uint8_t *pg, const uint8_t *src, int erase)
{
	if (f->dead)
		return 1;
	if (f->ops++ != f->cut_at)
		return 0;
	if (f->cut_kind == CUT_TORN) {
		if (erase)
			memset(pg + f->ps / 2, 0xff, f->ps / 2); /* the erase got half way */
		else
			memcpy(pg, src, f->ps / 2);
	}
	f->dead = 1;
	return 1;
}

static int f_erase(void *ctx, uint32_t page)
{
	struct flash *f = ctx;
	uint8_t *pg = f_page(f, page);
	if (!pg)
		return -1;
	if (f_cut(f, pg, NULL, 1))
		return -1;
	memset(pg, 0xff, f->ps);
	return 0;
}

static int f_prog(void *ctx, uint32_t page, const void *buf)
{
	struct flash *f = ctx;
	uint8_t *pg = f_page(f, page);
	if (!pg)
		return -1;
	for (uint32_t i = 0; i < f->ps; i++)
		assert_int_equal(pg[i], 0xff); /* programs only erased flash */
	if (f_cut(f, pg, buf, 0))
		return -1;
	memcpy(pg, buf, f->ps);
	return 0;
}

static int f_sha(void *ctx, uint32_t len, const uint8_t want[32])
{
	struct flash *f = ctx;
	uint8_t got[32];
	if (f->dead)
		return -1;
	mvb_sha256(f->mem, len, got);
	return memcmp(got, want, 32) != 0;
}

/* The patch, handed out in pieces of 1 to 700 bytes. */
static const uint8_t *patch_bytes;
static uint32_t patch_size;

static const uint8_t *f_patch(void *ctx, uint32_t off, uint32_t *n)
{
	(void)ctx;
	assert_true(off < patch_size);
	*n = patch_size - off;
	if (*n > 700)
		*n = 1 + rnd() % 700;
	return patch_bytes + off;
}

static const struct mvd_ops fops = { f_patch, f_read, f_erase, f_prog, f_sha };

/* One boot: a fresh decoder (RAM is lost). */
static int boot(struct flash *f, const uint8_t *p, size_t pn)
{
	static struct mvd d;
	static uint8_t pagebuf[4096];
	patch_bytes = p;
	patch_size = (uint32_t)pn;
	return mvd_apply(&d, &fops, f, pagebuf, sizeof(pagebuf), (uint32_t)pn);
}

/* Resets the flash to the old image; past its end, tail's bytes (what an
 * earlier install left there) or erased flash. */
static void f_reset(struct flash *f, const uint8_t *a, size_t an, const uint8_t *tail)
{
	size_t total = (size_t)f->npages * f->ps;
	memset(f->mem, 0xff, total);
	if (tail)
		memcpy(f->mem + an, tail + an, total - an);
	memcpy(f->mem, a, an);
}

static void power_cuts_tail(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint32_t ps, int every,
			    const uint8_t *tail)
{
	struct mvb_delta_opts o = { ps, 0, 0, 0 };
	struct mvb_buf p = MVB_BUF_INIT;
	assert_int_equal(mvb_delta_encode(a, an, b, bn, &o, &p, NULL), 0);
	size_t big = an > bn ? an : bn;
	struct flash f = { 0 };
	f.ps = ps;
	f.npages = (uint32_t)((big - 1) / ps + 1);
	f.mem = malloc((size_t)f.npages * ps);
	f.state = malloc(ps);
	/* count the flash operations of an uninterrupted apply */
	f_reset(&f, a, an, tail);
	memset(f.state, 0xff, ps);
	f.cut_at = -1;
	assert_int_equal(boot(&f, p.data, p.len), MVD_DONE);
	assert_memory_equal(f.mem, b, bn);
	long total = f.ops;
	assert_true(total > 0);
	unsigned runs = 0;
	for (long cut = 0; cut < total; cut += every) {
		for (int kind = CUT_BEFORE; kind <= CUT_TORN; kind++) {
			f_reset(&f, a, an, tail);
			memset(f.state, 0x5a, ps); /* leftovers of an earlier update */
			f.ops = 0;
			f.cut_at = cut;
			f.cut_kind = kind;
			f.dead = 0;
			int rc = boot(&f, p.data, p.len);
			assert_true(rc == MVD_E_IO && f.dead);
			/* a second cut, during the resume, for some */
			if (cut % 3 == 0) {
				f.dead = 0;
				f.ops = 0;
				f.cut_at = (cut * 7) % (total / 2 + 1);
				f.cut_kind = kind;
				rc = boot(&f, p.data, p.len);
				assert_true(rc == MVD_DONE || (rc == MVD_E_IO && f.dead));
			}
			f.dead = 0;
			f.cut_at = -1;
			rc = boot(&f, p.data, p.len);
			assert_int_equal(rc, MVD_DONE);
			assert_memory_equal(f.mem, b, bn);
			runs++;
		}
	}
	assert_int_equal(f.reads_bad, 0);
	assert_true(runs >= 2 * (unsigned)(total / every));
	free(f.mem);
	free(f.state);
	mvb_buf_release(&p);
}

static void power_cuts(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint32_t ps, int every)
{
	power_cuts_tail(a, an, b, bn, ps, every, NULL);
}

static void test_power_cut_synthetic(void **state)
{
	(void)state;
	/* growth (pages rewritten back to front), shrinking (front to back),
	 * and a move: small pages, so every operation is cut */
	for (int k = 0; k < 3; k++) {
		size_t an = 9000 + rnd() % 4000, bn;
		uint8_t *a = malloc(an), *b = malloc(3 * an);
		gen(a, an, 3);
		edit(a, an, b, &bn, k);
		power_cuts(a, an, b, bn, 512, 1);
		free(a);
		free(b);
	}
}

/* Pages whose flash already holds their new content before their step
 * runs: the bytes past the old image left there by an earlier install of
 * the new one, and a last partial page that is the same in both images
 * (the erased flash past the old end is the new page's padding). */
static void test_power_cut_page_already_new(void **state)
{
	(void)state;
	for (int k = 0; k < 4; k++) {
		uint32_t ps = 512;
		size_t an = 6000 + rnd() % 3000, bn;
		uint8_t *a = malloc(an), *b = malloc(3 * an + 4096);
		gen(a, an, 3);
		if (k < 2) {
			edit(a, an, b, &bn, 0); /* growth */
			memcpy(b + bn, a + an - 1500, 1500); /* and a tail */
			bn += 1500;
		} else {
			bn = an; /* one page changes; the partial last page does not */
			memcpy(b, a, an);
			for (int j = 0; j < 40; j++)
				b[ps * (k - 1) + rnd() % ps] ^= (uint8_t)(1 + rnd() % 255);
		}
		size_t big = an > bn ? an : bn, span = (big - 1) / ps * ps + ps;
		uint8_t *tail = malloc(span);
		memset(tail, 0xff, span);
		if (k % 2 == 0)
			memcpy(tail, b, bn);
		power_cuts_tail(a, an, b, bn, ps, 1, k % 2 == 0 ? tail : NULL);
		free(tail);
		free(a);
		free(b);
	}
}

/* The patch from a to b applied over the wrong old image (one bit off
 * within its first flip_within bytes), with the flash past the old end
 * already holding b's bytes: no flash byte may change.  Returns what the
 * patcher says. */
static int wrong_base(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint32_t ps, size_t flip_within)
{
	struct mvb_delta_opts o = { ps, 0, 0, 0 };
	struct mvb_buf p = MVB_BUF_INIT;
	assert_int_equal(mvb_delta_encode(a, an, b, bn, &o, &p, NULL), 0);
	size_t big = an > bn ? an : bn;
	struct flash f = { 0 };
	f.ps = ps;
	f.npages = (uint32_t)((big - 1) / ps + 1);
	size_t span = (size_t)f.npages * ps;
	uint8_t *tail = malloc(span), *before = malloc(span);
	memset(tail, 0xff, span);
	memcpy(tail, b, bn);
	f.mem = malloc(span);
	f.state = malloc(ps);
	f_reset(&f, a, an, tail);
	f.mem[rnd() % flip_within] ^= (uint8_t)(1u << (rnd() % 8));
	memset(f.state, 0x5a, ps);
	memcpy(before, f.mem, span);
	f.cut_at = -1;
	int rc = boot(&f, p.data, p.len);
	assert_memory_equal(f.mem, before, span);
	free(tail);
	free(before);
	free(f.mem);
	free(f.state);
	mvb_buf_release(&p);
	return rc;
}

/* The same cases with the wrong old image (one bit off): refused as
 * delta-base before anything is written, although the first pages the
 * resume scan looks at may already hold their new bytes. */
static void test_wrong_base_page_already_new(void **state)
{
	(void)state;
	unsigned refused = 0;
	for (int k = 0; k < 24; k++) {
		uint32_t ps = k % 3 ? 256 : 512;
		size_t an = 3000 + rnd() % 5000, bn;
		uint8_t *a = malloc(an), *b = malloc(3 * an + 4096);
		gen(a, an, k % 4);
		if (k % 2 == 0) {
			edit(a, an, b, &bn, k % 3 == 2 ? 0 : k % 3); /* edits, then a new tail */
			size_t t = 1000 + rnd() % 1000;
			memcpy(b + bn, a, t);
			bn += t;
		} else {
			bn = an; /* a few bytes change; the partial last page does not */
			memcpy(b, a, an);
			for (int j = 0; j < 3; j++)
				b[rnd() % (an / ps * ps)] ^= (uint8_t)(1 + rnd() % 255);
		}
		assert_int_equal(wrong_base(a, an, b, bn, ps, an), MVD_E_BASE);
		refused++;
		free(a);
		free(b);
	}
	assert_int_equal(refused, 24);
}

/* A pure append (the new image is the old one plus pages past its end)
 * where those pages already hold their new bytes and the old image is the
 * wrong one: no step changes old bytes, so the resume scan takes the
 * update as done up to there and cannot tell the base apart before the
 * end.  What holds: the patcher ends with MVD_E_HASH (the new image does
 * not match), not MVD_E_BASE, and no byte of the flash has changed (the
 * old image, wrong as it is, stays bootable). */
static void test_wrong_base_pure_append(void **state)
{
	(void)state;
	for (int k = 0; k < 8; k++) {
		uint32_t ps = k % 2 ? 256 : 512;
		size_t an = (size_t)ps * (6 + (size_t)k) + (k % 3 ? 0 : 100), t = 700 + (size_t)rnd() % 2000;
		size_t bn = an + t;
		uint8_t *a = malloc(an), *b = malloc(bn);
		gen(a, an, k % 4);
		memcpy(b, a, an);
		gen(b + an, t, 5);
		int rc = wrong_base(a, an, b, bn, ps, an / ps * ps);
		print_message("pure append %d: %zu + %zu bytes, page %u: patcher says %d\n", k, an, t, ps, rc);
		assert_int_equal(rc, MVD_E_HASH);
		free(a);
		free(b);
	}
}

/* The pages a patch must rewrite, and the patcher's limit on them: a
 * change in every page of an image one page over the limit is refused,
 * one exactly at the limit is encoded and applies. */
static void test_pages_changed_and_limit(void **state)
{
	(void)state;
	const uint32_t ps = 4096, max = mvb_delta_max_pages();
	assert_true(max > 0);
	size_t n = (size_t)(max + 1) * ps;
	unsigned char *a = malloc(n), *b = malloc(n);
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 2654435761u >> 13);
	memcpy(b, a, n);
	assert_int_equal(mvb_delta_pages_changed(a, n, b, n, ps), 0);
	b[5 * ps + 7] ^= 1;
	assert_int_equal(mvb_delta_pages_changed(a, n, b, n, ps), 1);
	/* a shorter old image: the pages past its end change too */
	assert_int_equal(mvb_delta_pages_changed(a, n - ps - 1, b, n, ps), 3);
	/* a new image with a partial last page: that page changes */
	assert_int_equal(mvb_delta_pages_changed(a, n, b, n - 10, ps), 2);
	for (uint32_t p = 0; p <= max; p++)
		b[(size_t)p * ps] ^= 0x80;
	assert_int_equal(mvb_delta_pages_changed(a, n, b, n, ps), max + 1);
	/* an image of one page more than the patcher's page table: no patch */
	struct mvb_buf out = MVB_BUF_INIT, got = MVB_BUF_INIT;
	struct mvb_delta_opts o = { ps, 0, 1, 0 };
	assert_int_equal(mvb_delta_encode(a, n, b, n, &o, &out, NULL), MVB_EINPUT);
	/* one page less: every one of its pages changes, and it encodes and
	 * applies (there is no limit on steps, only on the region) */
	n -= ps;
	assert_int_equal(mvb_delta_pages_changed(a, n, b, n, ps), max);
	out.len = 0;
	assert_int_equal(mvb_delta_encode(a, n, b, n, &o, &out, NULL), 0);
	struct mvb_diags d = MVB_DIAGS_INIT;
	assert_int_equal(mvb_delta_apply(a, n, out.data, out.len, "limit", &got, &d), 0);
	assert_int_equal(got.len, n);
	assert_memory_equal(got.data, b, n);
	mvb_diags_release(&d);
	mvb_buf_release(&out);
	mvb_buf_release(&got);
	free(a);
	free(b);
}

static void test_power_cut_corpus(void **state)
{
	(void)state;
	size_t an, bn;
	uint8_t *a = corpus("synthesizer-1", &an), *b = corpus("synthesizer-3", &bn);
	power_cuts(a, an, b, bn, 4096, 1);
	free(a);
	free(b);
	a = corpus("pybv11-1f5d945af", &an);
	b = corpus("pybv11-1f5d945af-dirty", &bn);
	power_cuts(a, an, b, bn, 4096, 5);
	free(a);
	free(b);
}

/* The page of a board's delta layers: its code memory's erase size, raised
 * to the patcher's range and until the code partitions fit its page table;
 * refused past the largest page.  Rows edit a shipped board in memory. */
static const struct page_row {
	const char *what, *board;
	uint32_t erase;          /* 0: as shipped; else the code memory's erase-size */
	uint32_t app_size;       /* 0: as shipped; else app_flash's size */
	uint32_t want;           /* 0: refused */
} page_rows[] = {
	{ "mps2-an505 as shipped (1 KiB erase, 2 MiB app)", "mps2-an505", 0, 0, 4096 },
	{ "stm32u585 as shipped (8 KiB erase pages)", "stm32u585", 0, 0, 8192 },
	{ "erase page below the patcher's smallest", "mps2-an505", 128, 64 * 1024, 256 },
	{ "no erase size (RAM), small partitions", "mps2-an505", 1, 64 * 1024, 256 },
	{ "the patcher's smallest page exactly", "mps2-an505", 256, 128 * 1024, 256 },
	{ "a partition that needs bigger pages", "mps2-an505", 256, 1024 * 1024, 2048 },
	{ "the patcher's largest page", "stm32u585", 65536, 0, 65536 },
	{ "erase pages over the patcher's largest", "stm32u585", 131072, 0, 0 },
	{ "a partition over 512 pages of the largest", "mps2-an505", 1024, 64u << 20, 0 },
};

static void test_board_page(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(page_rows) / sizeof(page_rows[0]); i++) {
		const struct page_row *r = &page_rows[i];
		struct mvb_board b;
		tu_board(&b, r->board);
		struct mvb_partition *app = (struct mvb_partition *)mvb_board_role(&b, MVB_ROLE_APP_CODE);
		if (r->erase)
			b.mem[app->memory].erase_size = r->erase == 1 ? 0 : r->erase;
		if (r->app_size)
			app->size = r->app_size;
		struct mvb_diags d = MVB_DIAGS_INIT;
		uint32_t ps = 0;
		int rc = mvb_delta_board_page(&b, &ps, &d);
		int ok = r->want ? rc == 0 && ps == r->want && d.n == 0
				 : rc == MVB_EINPUT && d.n == 1 && d.v[0].check == MVB_CK_DELTA_PAGE && d.v[0].line > 0;
		if (!ok) {
			print_error("row '%s': rc %d, page %u, want %u\n", r->what, rc, ps, r->want);
			tu_print(&d);
			fail();
		}
		/* a page the patcher takes, a multiple of every erase page it spans */
		if (r->want)
			assert_true(ps >= MVD_PAGE_MIN && ps <= MVD_PAGE_MAX && !(ps & (ps - 1)) &&
				    ps % (b.mem[app->memory].erase_size ? b.mem[app->memory].erase_size : 1) == 0);
		mvb_diags_release(&d);
		mvb_board_release(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inflate_matches_zlib),
		cmocka_unit_test(test_inflate_stops_at_stream_end),
		cmocka_unit_test(test_inflate_truncated_and_corrupt),
		cmocka_unit_test(test_roundtrip_corpus),
		cmocka_unit_test(test_roundtrip_synthetic),
		cmocka_unit_test(test_patch_rejects_bad_input),
		cmocka_unit_test(test_power_cut_synthetic),
		cmocka_unit_test(test_power_cut_corpus),
		cmocka_unit_test(test_power_cut_page_already_new),
		cmocka_unit_test(test_wrong_base_page_already_new),
		cmocka_unit_test(test_wrong_base_pure_append),
		cmocka_unit_test(test_pages_changed_and_limit),
		cmocka_unit_test(test_board_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
