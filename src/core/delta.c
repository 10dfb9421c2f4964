/*
 * delta.c - the patch encoder: bsdiff-style approximate matching over a
 * suffix array of the old image, a label map (old -> new offsets of branch
 * and pointer targets) learnt from the matched code, a page write order
 * that keeps copy sources intact for the in-place patcher, and one raw
 * deflate stream per page.  Plus the host apply and header reader.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "mvb/board.h"
#include "mvb/delta.h"
#include "mvb/hash.h"
#include "mvb/status.h"
#include "mvd.h"

/* ---- suffix array: prefix doubling with counting sorts, O(n log n) */

static int32_t *suffix_array(const uint8_t *s, int32_t n)
{
	int32_t *sa = malloc(sizeof(int32_t) * (size_t)(n + 1)), *rk = malloc(sizeof(int32_t) * (size_t)(n + 1));
	int32_t *tmp = malloc(sizeof(int32_t) * (size_t)(n + 1));
	int32_t *cnt = malloc(sizeof(int32_t) * (size_t)((n > 256 ? n : 256) + 1));
	if (!sa || !rk || !tmp || !cnt) {
		free(sa);
		sa = NULL;
		goto out;
	}
	if (n == 0)
		goto out;
	memset(cnt, 0, sizeof(int32_t) * 257);
	for (int32_t i = 0; i < n; i++)
		cnt[s[i]]++;
	for (int i = 1; i < 256; i++)
		cnt[i] += cnt[i - 1];
	for (int32_t i = n - 1; i >= 0; i--)
		sa[--cnt[s[i]]] = i;
	int32_t classes = 1;
	rk[sa[0]] = 0;
	for (int32_t i = 1; i < n; i++) {
		if (s[sa[i]] != s[sa[i - 1]])
			classes++;
		rk[sa[i]] = classes - 1;
	}
	for (int32_t k = 1; classes < n && k < n; k <<= 1) {
		int32_t j = 0;
		for (int32_t i = n - k; i < n; i++)
			tmp[j++] = i;
		for (int32_t i = 0; i < n; i++)
			if (sa[i] >= k)
				tmp[j++] = sa[i] - k;
		memset(cnt, 0, sizeof(int32_t) * (size_t)classes);
		for (int32_t i = 0; i < n; i++)
			cnt[rk[i]]++;
		for (int32_t i = 1; i < classes; i++)
			cnt[i] += cnt[i - 1];
		for (int32_t i = n - 1; i >= 0; i--)
			sa[--cnt[rk[tmp[i]]]] = tmp[i];
		tmp[sa[0]] = 0;
		classes = 1;
		for (int32_t i = 1; i < n; i++) {
			int32_t a = sa[i], b = sa[i - 1];
			int32_t a2 = a + k < n ? rk[a + k] : -1, b2 = b + k < n ? rk[b + k] : -1;
			if (rk[a] != rk[b] || a2 != b2)
				classes++;
			tmp[a] = classes - 1;
		}
		int32_t *t = rk;
		rk = tmp;
		tmp = t;
	}
out:
	free(rk);
	free(tmp);
	free(cnt);
	return sa;
}

static int32_t common(const uint8_t *a, int32_t an, const uint8_t *b, int32_t bn)
{
	int32_t i = 0, n = an < bn ? an : bn;
	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* Longest match of nw[0..nn) among the old suffixes; *pos gets where. */
static int32_t longest(const int32_t *sa, const uint8_t *old, int32_t on, const uint8_t *nw, int32_t nn, int32_t *pos)
{
	int32_t lo = 0, hi = on - 1;
	if (on == 0) {
		*pos = 0;
		return 0;
	}
	while (hi - lo > 1) {
		int32_t mid = lo + (hi - lo) / 2, p = sa[mid];
		int32_t n = on - p < nn ? on - p : nn;
		if (memcmp(old + p, nw, (size_t)n) < 0)
			lo = mid;
		else
			hi = mid;
	}
	int32_t l1 = common(old + sa[lo], on - sa[lo], nw, nn), l2 = common(old + sa[hi], on - sa[hi], nw, nn);
	*pos = l1 >= l2 ? sa[lo] : sa[hi];
	return l1 >= l2 ? l1 : l2;
}

/* ---- matching: new = runs of (copy from old with small differences, then
 * literal bytes), found as bsdiff does: a match is taken where it beats the
 * current alignment by 8 bytes, then each is extended forward and backward
 * while at least half the bytes agree */

struct seg {
	uint32_t nstart, len;
	int64_t src; /* old offset, -1 for literal */
};

struct segs {
	struct seg *v;
	size_t n, alloc;
};

static int seg_add(struct segs *s, uint32_t nstart, uint32_t len, int64_t src)
{
	if (!len)
		return 0;
	if (s->n == s->alloc) {
		size_t na = s->alloc ? 2 * s->alloc : 256;
		struct seg *v = realloc(s->v, na * sizeof(*v));
		if (!v)
			return MVB_ENOMEM;
		s->v = v;
		s->alloc = na;
	}
	s->v[s->n++] = (struct seg){ nstart, len, src };
	return 0;
}

static int match(const uint8_t *old, int32_t on, const uint8_t *nw, int32_t nn, const int32_t *sa, struct segs *out)
{
	int32_t scan = 0, len = 0, pos = 0, lastscan = 0, lastpos = 0, lastoff = 0;
	while (scan < nn) {
		int32_t oldscore = 0, scsc;
		for (scsc = scan += len; scan < nn; scan++) {
			len = longest(sa, old, on, nw + scan, nn - scan, &pos);
			for (; scsc < scan + len; scsc++)
				if (scsc + lastoff >= 0 && scsc + lastoff < on && old[scsc + lastoff] == nw[scsc])
					oldscore++;
			if ((len == oldscore && len != 0) || len > oldscore + 8)
				break;
			if (scan + lastoff >= 0 && scan + lastoff < on && old[scan + lastoff] == nw[scan])
				oldscore--;
		}
		if (len == oldscore && scan != nn)
			continue;
		int32_t s = 0, best = 0, lenf = 0, lenb = 0;
		for (int32_t i = 0; lastscan + i < scan && lastpos + i < on;) {
			if (old[lastpos + i] == nw[lastscan + i])
				s++;
			i++;
			if (s * 2 - i > best * 2 - lenf) {
				best = s;
				lenf = i;
			}
		}
		if (scan < nn) {
			s = 0;
			best = 0;
			for (int32_t i = 1; scan >= lastscan + i && pos >= i; i++) {
				if (old[pos - i] == nw[scan - i])
					s++;
				if (s * 2 - i > best * 2 - lenb) {
					best = s;
					lenb = i;
				}
			}
		}
		if (lastscan + lenf > scan - lenb) {
			int32_t over = lastscan + lenf - (scan - lenb), ls = 0;
			s = 0;
			best = 0;
			for (int32_t i = 0; i < over; i++) {
				if (nw[lastscan + lenf - over + i] == old[lastpos + lenf - over + i])
					s++;
				if (nw[scan - lenb + i] == old[pos - lenb + i])
					s--;
				if (s > best) {
					best = s;
					ls = i + 1;
				}
			}
			lenf += ls - over;
			lenb -= ls;
		}
		int rc = seg_add(out, (uint32_t)lastscan, (uint32_t)lenf, lastpos);
		if (!rc)
			rc = seg_add(out, (uint32_t)(lastscan + lenf), (uint32_t)(scan - lenb - lastscan - lenf), -1);
		if (rc)
			return rc;
		lastscan = scan - lenb;
		lastpos = pos - lenb;
		lastoff = pos - scan;
	}
	return 0;
}

/* ---- label map: what each matched branch and pointer says about where its
 * target went, reduced to runs of equal delta worth their index bytes */

struct obs {
	uint32_t t;
	int32_t delta;
};

static int obs_cmp(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->delta < y->delta ? -1 : x->delta > y->delta;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Target offset of a Thumb-2 BL/B.W at offset a, or -1 when not one. */
static int64_t branch_target(const uint8_t *p, uint32_t a)
{
	uint32_t h1 = p[0] | (uint32_t)p[1] << 8, h2 = p[2] | (uint32_t)p[3] << 8;
	if ((h1 & 0xf800u) != 0xf000u || (h2 & 0x9000u) != 0x9000u)
		return -1;
	uint32_t s = (h1 >> 10) & 1u, i1 = !(((h2 >> 13) & 1u) ^ s), i2 = !(((h2 >> 11) & 1u) ^ s);
	uint32_t off = s << 24 | i1 << 23 | i2 << 22 | (h1 & 0x3ffu) << 12 | (h2 & 0x7ffu) << 1;
	return (int64_t)a + 4 + ((int32_t)(off << 7) >> 7);
}

struct mapbuild {
	struct obs *v;
	size_t n, alloc;
};

static int obs_add(struct mapbuild *m, uint32_t t, int64_t delta)
{
	if (delta < INT32_MIN || delta > INT32_MAX)
		return 0;
	if (m->n == m->alloc) {
		size_t na = m->alloc ? 2 * m->alloc : 1024;
		struct obs *v = realloc(m->v, na * sizeof(*v));
		if (!v)
			return MVB_ENOMEM;
		m->v = v;
		m->alloc = na;
	}
	m->v[m->n++] = (struct obs){ t, (int32_t)delta };
	return 0;
}

/* Walks each copy the way mvd_predict does and records, for every pointer
 * and branch whose counterpart in the new image is of the same kind, the
 * move of its target. */
static int observe(const uint8_t *old, uint32_t on, const uint8_t *nw, uint32_t nn, const struct segs *sg,
		   uint32_t flags, uint32_t base, struct mapbuild *mb)
{
	for (size_t k = 0; k < sg->n; k++) {
		const struct seg *g = &sg->v[k];
		if (g->src < 0)
			continue;
		uint32_t src = (uint32_t)g->src, i = 0;
		while (g->len >= 4 && i <= g->len - 4) {
			uint32_t a = src + i, b = g->nstart + i;
			if (a & 1u) {
				i++;
				continue;
			}
			if ((flags & MVD_FLAG_PTR) && !(a & 3u)) {
				uint32_t w = rd32(old + a), t = (w & ~1u) - base;
				if (t <= on) {
					uint32_t w2 = rd32(nw + b), t2 = (w2 & ~1u) - base;
					if (t2 <= nn && (w2 & 1u) == (w & 1u)) {
						int rc = obs_add(mb, t, (int64_t)t2 - t);
						if (rc)
							return rc;
					}
					i += 4;
					continue;
				}
			}
			if (flags & MVD_FLAG_THUMB) {
				int64_t t = branch_target(old + a, a);
				if (t >= 0) {
					int64_t t2 = branch_target(nw + b, b);
					if (t < on && t2 >= 0 && (old[a + 3] & 0x40) == (nw[b + 3] & 0x40)) {
						int rc = obs_add(mb, (uint32_t)t, t2 - t);
						if (rc)
							return rc;
					}
					i += 4;
					continue;
				}
			}
			i += 2;
		}
	}
	return 0;
}

struct mseg {
	uint32_t start;
	int32_t delta;
	uint32_t weight;
};

/* Runs of equal delta over the sorted observations; then the lightest runs
 * are folded into their predecessor until every run has at least min_w
 * observations and there are at most max runs. */
static int build_map(struct mapbuild *mb, uint32_t min_w, uint32_t max, struct mvd_map_entry *out, uint32_t *nout)
{
	*nout = 0;
	if (!mb->n)
		return 0;
	qsort(mb->v, mb->n, sizeof(mb->v[0]), obs_cmp);
	struct mseg *s = malloc(mb->n * sizeof(*s));
	if (!s)
		return MVB_ENOMEM;
	size_t ns = 0;
	for (size_t i = 0; i < mb->n;) {
		/* the most frequent delta for this target */
		size_t j = i, best_i = i, best_c = 0;
		while (j < mb->n && mb->v[j].t == mb->v[i].t) {
			size_t e = j;
			while (e < mb->n && mb->v[e].t == mb->v[i].t && mb->v[e].delta == mb->v[j].delta)
				e++;
			if (e - j > best_c) {
				best_c = e - j;
				best_i = j;
			}
			j = e;
		}
		int32_t dl = mb->v[best_i].delta;
		if (ns && s[ns - 1].delta == dl)
			s[ns - 1].weight += (uint32_t)best_c;
		else if (!ns && dl == 0)
			; /* the implicit delta before the first entry */
		else
			s[ns++] = (struct mseg){ mb->v[i].t, dl, (uint32_t)best_c };
		i = j;
	}
	for (;;) {
		size_t lightest = ns;
		for (size_t i = 0; i < ns; i++)
			if (lightest == ns || s[i].weight < s[lightest].weight)
				lightest = i;
		if (lightest == ns || (s[lightest].weight >= min_w && ns <= max))
			break;
		int32_t before = lightest ? s[lightest - 1].delta : 0;
		memmove(s + lightest, s + lightest + 1, (ns - lightest - 1) * sizeof(*s));
		ns--;
		/* the runs either side may now agree */
		if (lightest < ns && s[lightest].delta == before) {
			if (lightest) {
				s[lightest - 1].weight += s[lightest].weight;
				memmove(s + lightest, s + lightest + 1, (ns - lightest - 1) * sizeof(*s));
				ns--;
			} else {
				memmove(s, s + 1, (ns - 1) * sizeof(*s));
				ns--;
			}
		}
	}
	for (size_t i = 0; i < ns; i++)
		out[i] = (struct mvd_map_entry){ s[i].start, s[i].delta };
	*nout = (uint32_t)ns;
	free(s);
	return 0;
}

/* Whether rewriting page p changes a byte of the old image: its new
 * content (0xff past the new end) differs from the old bytes on it. */
static int changes_old(const uint8_t *old, uint32_t on, const uint8_t *nw, uint32_t nn, uint32_t ps, uint32_t p)
{
	uint32_t s = p * ps, e = s + ps < on ? s + ps : on;
	for (uint32_t i = s; i < e; i++)
		if (old[i] != (i < nn ? nw[i] : 0xff))
			return 1;
	return 0;
}

/* ---- page order: a page must be rewritten before the pages whose old
 * bytes it copies.  Greedy: next, the page whose loss costs the remaining
 * pages the fewest bytes.  The first step is a page whose rewrite changes
 * old bytes, when any is: with the right old image that page cannot hold
 * its new content before the update starts, so the patcher's resume scan
 * cannot mistake an untouched region for one in progress (a page past the
 * old end, or the same in both images, may already hold its new bytes) and
 * skip the check of dh_old_sha256. */

/* lower goes first: what the page's rewrite destroys for the pages still
 * to come, less (with_gain) what it reads from them while they are intact.
 * Neither weighing wins on every pair (the PYBv1.1 pairs prefer the gain,
 * the ESP8266 pair does not): the encoder tries both. */
static int64_t score(uint64_t cost, uint64_t gain, int with_gain)
{
	return (int64_t)cost - (with_gain ? (int64_t)gain : 0);
}

static int order_pages(const struct segs *sg, uint32_t ps, const uint32_t *steps, uint32_t nsteps,
		       const int32_t *step_of, const uint8_t *old, uint32_t on, const uint8_t *nw, uint32_t nn,
		       int with_gain, uint32_t *order)
{
	uint64_t *w = calloc((size_t)nsteps * nsteps, sizeof(uint64_t));
	uint64_t *cost = calloc(nsteps, sizeof(uint64_t)), *gain = calloc(nsteps, sizeof(uint64_t));
	uint8_t *done = calloc(nsteps, 1);
	if (!w || !cost || !gain || !done) {
		free(w);
		free(cost);
		free(gain);
		free(done);
		return MVB_ENOMEM;
	}
	for (size_t k = 0; k < sg->n; k++) {
		const struct seg *g = &sg->v[k];
		if (g->src < 0)
			continue;
		for (uint32_t i = 0; i < g->len;) {
			uint32_t nb = g->nstart + i, ob = (uint32_t)g->src + i;
			uint32_t run = ps - nb % ps;
			if (ps - ob % ps < run)
				run = ps - ob % ps;
			if (g->len - i < run)
				run = g->len - i;
			int32_t a = step_of[nb / ps], b = step_of[ob / ps];
			if (a >= 0 && b >= 0 && a != b)
				w[(size_t)a * nsteps + (size_t)b] += run; /* step a reads step b's old page */
			i += run;
		}
	}
	for (uint32_t a = 0; a < nsteps; a++)
		for (uint32_t b = 0; b < nsteps; b++) {
			cost[b] += w[(size_t)a * nsteps + b];
			gain[a] += w[(size_t)a * nsteps + b];
		}
	int first_changes = 0; /* some step changes old bytes: step 0 must */
	for (uint32_t b = 0; b < nsteps && !first_changes; b++)
		first_changes = changes_old(old, on, nw, nn, ps, steps[b]);
	for (uint32_t k = 0; k < nsteps; k++) {
		uint32_t pick = nsteps;
		for (uint32_t b = 0; b < nsteps; b++)
			if (!done[b] && (k || !first_changes || changes_old(old, on, nw, nn, ps, steps[b])) &&
			    (pick == nsteps || score(cost[b], gain[b], with_gain) < score(cost[pick], gain[pick], with_gain) ||
			     (score(cost[b], gain[b], with_gain) == score(cost[pick], gain[pick], with_gain) &&
			      steps[b] > steps[pick])))
				pick = b;
		done[pick] = 1;
		order[k] = pick;
		for (uint32_t b = 0; b < nsteps; b++) {
			cost[b] -= w[(size_t)pick * nsteps + b]; /* pick no longer needs anything */
			gain[b] -= w[(size_t)b * nsteps + pick]; /* nor can anything still read pick */
		}
	}
	free(w);
	free(cost);
	free(gain);
	free(done);
	return 0;
}

/* ---- records and deflate */

static int put_uv(struct mvb_buf *b, uint32_t v)
{
	uint8_t t[5];
	size_t n = 0;
	do {
		t[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			t[n] |= 0x80;
		n++;
	} while (v);
	return mvb_buf_append(b, t, n);
}

static int put_sv(struct mvb_buf *b, int32_t v)
{
	return put_uv(b, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

static int zdeflate(const uint8_t *in, size_t n, struct mvb_buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, -(int)MVD_WINDOW_BITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return MVB_ENOMEM;
	uLong bound = deflateBound(&z, (uLong)n);
	size_t at = out->len;
	int rc = mvb_buf_zero(out, bound);
	if (rc) {
		deflateEnd(&z);
		return rc;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out->data + at;
	z.avail_out = (uInt)bound;
	int zr = deflate(&z, Z_FINISH);
	out->len = at + z.total_out;
	deflateEnd(&z);
	return zr == Z_STREAM_END ? 0 : MVB_EINTERNAL;
}

struct enc {
	const uint8_t *old, *nw;
	uint32_t on, nn, ps, flags, base;
	struct mvd_map map;
	const struct segs *sg;
	const uint8_t *written; /* per old page, during emission */
	uint8_t *tmp;           /* ps bytes */
	struct mvb_delta_stats st;
};

/* Corrections of a copy: runs of nonzero (new - predicted) bytes. */
static uint32_t fix_cost(const uint8_t *pred, const uint8_t *nw, uint32_t n, uint32_t *nz)
{
	uint32_t cost = 0, z = 0;
	for (uint32_t i = 0; i < n;) {
		if (pred[i] == nw[i]) {
			i++;
			continue;
		}
		uint32_t j = i;
		/* a run continues over up to 2 equal bytes */
		while (j < n && (pred[j] != nw[j] || (j + 1 < n && pred[j + 1] != nw[j + 1]) ||
				 (j + 2 < n && pred[j + 2] != nw[j + 2])))
			j++;
		cost += 2 + (j - i);
		for (uint32_t t = i; t < j; t++)
			z += pred[t] != nw[t];
		i = j;
	}
	*nz = z;
	return cost;
}

static int put_fixes(struct mvb_buf *r, const uint8_t *pred, const uint8_t *nw, uint32_t n)
{
	uint32_t k = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && put_uv(r, k))
			return MVB_ENOMEM;
		uint32_t last = 0;
		for (uint32_t i = 0; i < n;) {
			if (pred[i] == nw[i]) {
				i++;
				continue;
			}
			uint32_t j = i;
			while (j < n && (pred[j] != nw[j] || (j + 1 < n && pred[j + 1] != nw[j + 1]) ||
					 (j + 2 < n && pred[j + 2] != nw[j + 2])))
				j++;
			if (pass == 0) {
				k++;
			} else {
				int rc = put_uv(r, i - last) | put_uv(r, j - i - 1);
				for (uint32_t t = i; t < j && !rc; t++) {
					uint8_t dlt = (uint8_t)(nw[t] - pred[t]);
					rc = mvb_buf_append(r, &dlt, 1);
				}
				if (rc)
					return MVB_ENOMEM;
			}
			last = j;
			i = j;
		}
	}
	return 0;
}

static int put_lit(struct mvb_buf *r, const uint8_t *p, uint32_t n)
{
	if (!n)
		return 0;
	uint32_t same = 1;
	while (same < n && p[same] == p[0])
		same++;
	if (same == n && n >= 4)
		return put_uv(r, n << 2 | MVD_REC_FILL) | mvb_buf_append(r, p, 1);
	return put_uv(r, n << 2 | MVD_REC_LIT) | mvb_buf_append(r, p, n);
}

/* A copy of n bytes to new offset dst from old offset src. */
static int put_copy(struct enc *e, struct mvb_buf *r, uint32_t dst, uint32_t src, uint32_t n, int32_t *prev_d)
{
	uint8_t *raw = e->tmp, *pred = e->tmp + e->ps;
	memcpy(raw, e->old + src, n);
	memcpy(pred, raw, n);
	uint32_t nz_raw, nz_pred = 0, c_raw = fix_cost(raw, e->nw + dst, n, &nz_raw), c_pred = UINT32_MAX;
	if (e->flags) {
		mvd_predict(pred, n, src, dst, &e->map);
		c_pred = fix_cost(pred, e->nw + dst, n, &nz_pred);
	}
	int use_pred = c_pred < c_raw;
	int32_t d = (int32_t)((int64_t)src - dst);
	int rc = put_uv(r, n << 2 | (use_pred ? MVD_REC_PRED : MVD_REC_COPY));
	rc |= put_sv(r, (int32_t)((uint32_t)d - (uint32_t)*prev_d));
	*prev_d = d;
	if (!rc)
		rc = put_fixes(r, use_pred ? pred : raw, e->nw + dst, n);
	if (use_pred)
		e->st.pred_bytes += n;
	else
		e->st.copy_bytes += n;
	e->st.fix_bytes += use_pred ? nz_pred : nz_raw;
	return rc;
}

/* The records of one page. */
static int page_records(struct enc *e, uint32_t page, uint32_t self, struct mvb_buf *r)
{
	uint32_t start = page * e->ps, end = start + e->ps < e->nn ? start + e->ps : e->nn;
	int32_t prev_d = 0;
	/* first segment that ends after start */
	size_t lo = 0, hi = e->sg->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->sg->v[mid].nstart + e->sg->v[mid].len <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t at = start;
	for (size_t k = lo; k < e->sg->n && at < end; k++) {
		const struct seg *g = &e->sg->v[k];
		uint32_t a = g->nstart > at ? g->nstart : at, b = g->nstart + g->len < end ? g->nstart + g->len : end;
		if (a >= b)
			continue;
		if (a > at) { /* gap: literal */
			if (put_lit(r, e->nw + at, a - at))
				return MVB_ENOMEM;
			e->st.lit_bytes += a - at;
		}
		if (g->src < 0) {
			if (put_lit(r, e->nw + a, b - a))
				return MVB_ENOMEM;
			e->st.lit_bytes += b - a;
			at = b;
			continue;
		}
		/* split where the source crosses into a page already rewritten */
		for (uint32_t x = a; x < b;) {
			uint32_t src = (uint32_t)(g->src + (x - g->nstart));
			uint32_t run = e->ps - src % e->ps;
			if (b - x < run)
				run = b - x;
			uint32_t opg = src / e->ps;
			if (e->written[opg] && opg != self) {
				if (put_lit(r, e->nw + x, run))
					return MVB_ENOMEM;
				e->st.lost_bytes += run;
				e->st.lit_bytes += run;
			} else {
				/* merge with following runs on usable pages */
				uint32_t y = x + run;
				while (y < b) {
					uint32_t s2 = (uint32_t)(g->src + (y - g->nstart)), p2 = s2 / e->ps;
					if (e->written[p2] && p2 != self)
						break;
					y += e->ps - s2 % e->ps < b - y ? e->ps - s2 % e->ps : b - y;
				}
				run = y - x;
				if (put_copy(e, r, x, src, run, &prev_d))
					return MVB_ENOMEM;
			}
			x += run;
		}
		at = b;
	}
	if (at < end) {
		if (put_lit(r, e->nw + at, end - at))
			return MVB_ENOMEM;
		e->st.lit_bytes += end - at;
	}
	return 0;
}

/* Guesses the load address from an Arm vector table: initial SP, then a
 * Thumb reset handler inside the image. */
static int guess_base(const uint8_t *img, uint32_t n, uint32_t span, uint32_t *base)
{
	if (n < 8)
		return 0;
	uint32_t reset = rd32(img + 4);
	if (!(reset & 1u))
		return 0;
	uint32_t p2 = 1;
	while (p2 < span && p2 < 0x80000000u)
		p2 <<= 1;
	uint32_t b = (reset & ~1u) & ~(p2 - 1u);
	if ((reset & ~1u) - b >= n)
		return 0;
	*base = b;
	return 1;
}

/* Without a vector table (an image that is not first in flash): the 4 KiB
 * aligned address at which the most Thumb function pointers (odd words)
 * point at targets of the image's own BL instructions. */
static int guess_base_by_calls(const uint8_t *img, uint32_t n, uint32_t *base)
{
	if (n < 64)
		return 0;
	uint8_t *tgt = calloc(n / 8 + 1, 1);
	uint32_t *hist = calloc(4096, sizeof(uint32_t));
	uint32_t *hits = calloc(256, sizeof(uint32_t));
	int ok = 0;
	if (!tgt || !hist || !hits)
		goto out;
	for (uint32_t i = 0; i + 4 <= n; i += 2) {
		int64_t t = branch_target(img + i, i);
		if (t >= 0 && t < n && (img[i + 3] & 0x40)) { /* BL */
			tgt[t >> 3] |= (uint8_t)(1u << (t & 7));
			i += 2;
		}
	}
	for (uint32_t i = 0; i + 4 <= n; i += 4) {
		uint32_t w = rd32(img + i);
		if ((w & 1u) && w >> 20 && w >> 20 != 0xfff)
			hist[w >> 20]++;
	}
	uint32_t hi = 0;
	for (uint32_t h = 1; h < 4096; h++)
		if (hist[h] > hist[hi])
			hi = h;
	for (uint32_t i = 0; i + 4 <= n; i += 4) {
		uint32_t w = rd32(img + i);
		if (!(w & 1u) || w >> 20 != hi)
			continue;
		for (uint32_t k = 0; k < 256; k++) {
			uint32_t t = (w - 1u) - ((hi << 20) + k * 4096u);
			if (t < n && (tgt[t >> 3] >> (t & 7) & 1))
				hits[k]++;
		}
	}
	uint32_t best = 0;
	for (uint32_t k = 1; k < 256; k++)
		if (hits[k] > hits[best])
			best = k;
	if (hits[best] >= 16) {
		*base = (hi << 20) + best * 4096u;
		ok = 1;
	}
out:
	free(tgt);
	free(hist);
	free(hits);
	return ok;
}

static int encode_with(struct enc *e, const struct segs *sg, const uint32_t *steps, uint32_t nsteps,
		       const uint32_t *order, const struct mvd_map_entry *map, uint32_t nmap, struct mvb_buf *out)
{
	struct mvb_buf idx = MVB_BUF_INIT, body = MVB_BUF_INIT, rec = MVB_BUF_INIT, z = MVB_BUF_INIT,
		       zl = MVB_BUF_INIT, lit = MVB_BUF_INIT;
	uint8_t *written = calloc((e->on > e->nn ? e->on : e->nn) / e->ps + 2, 1);
	uint8_t *pagebuf = malloc(e->ps);
	int rc = written && pagebuf ? 0 : MVB_ENOMEM;
	e->sg = sg;
	e->written = written;
	e->map = (struct mvd_map){ map, nmap, e->flags, e->base, e->on };
	memset(&e->st, 0, sizeof(e->st));
	for (uint32_t i = 0; i < nmap && !rc; i++) {
		uint8_t l[MVD_LABEL_SIZE];
		mvb_put_le32(l, map[i].start);
		mvb_put_le32(l + 4, (uint32_t)map[i].delta);
		rc = mvb_buf_append(&idx, l, sizeof(l));
	}
	for (uint32_t k = 0; k < nsteps && !rc; k++) {
		uint32_t pg = steps[order[k]];
		uint32_t start = pg * e->ps, end = start + e->ps < e->nn ? start + e->ps : e->nn;
		struct mvb_delta_stats keep = e->st;
		rec.len = z.len = zl.len = lit.len = 0;
		rc = page_records(e, pg, pg, &rec);
		if (!rc)
			rc = zdeflate(rec.data, rec.len, &z);
		if (!rc)
			rc = put_lit(&lit, e->nw + start, end - start);
		if (!rc)
			rc = zdeflate(lit.data, lit.len, &zl);
		if (rc)
			break;
		struct mvb_buf *use = &z;
		if (zl.len <= z.len) { /* plain literal page: smaller and needs no old bytes */
			use = &zl;
			keep.lit_bytes += end - start;
			e->st = keep;
		}
		if (use->len > 0xffffffffu - MVD_STEP_SIZE) {
			rc = MVB_ELIMIT;
			break;
		}
		memset(pagebuf, 0xff, e->ps);
		memcpy(pagebuf, e->nw + start, end - start);
		/* the step's entry: in the index, and again at its head in the body */
		uint8_t st[MVD_STEP_SIZE];
		mvb_put_le32(st, pg);
		mvb_put_le32(st + 4, mvd_crc32(0, pagebuf, e->ps));
		mvb_put_le32(st + 8, MVD_STEP_SIZE + (uint32_t)use->len);
		rc = mvb_buf_append(&idx, st, sizeof(st)) | mvb_buf_append(&body, st, sizeof(st)) |
		     mvb_buf_append(&body, use->data, use->len);
		written[pg] = 1;
	}
	if (!rc && (uint64_t)MVD_HEADER_SIZE + idx.len + body.len > 0xffffffffu)
		rc = MVB_ELIMIT;
	if (!rc) {
		uint8_t h[MVD_HEADER_SIZE];
		memset(h, 0, sizeof(h));
		mvb_put_le32(h + 0x00, MVD_MAGIC);
		mvb_put_le16(h + 0x04, MVD_FORMAT);
		mvb_put_le16(h + 0x06, MVD_HEADER_SIZE);
		mvb_put_le32(h + 0x08, e->flags);
		mvb_put_le32(h + 0x0c, e->on);
		mvb_put_le32(h + 0x10, e->nn);
		mvb_put_le32(h + 0x14, e->ps);
		mvb_put_le32(h + 0x18, e->base);
		mvb_put_le32(h + 0x1c, nsteps);
		mvb_put_le32(h + 0x20, nmap);
		mvb_put_le32(h + 0x24, (uint32_t)idx.len);
		mvb_put_le32(h + 0x28, (uint32_t)body.len);
		mvb_sha256(e->old, e->on, h + 0x30);
		mvb_sha256(e->nw, e->nn, h + 0x50);
		e->st.steps = nsteps;
		e->st.map_entries = nmap;
		e->st.flags = e->flags;
		e->st.index_size = (uint32_t)idx.len;
		e->st.body_size = (uint32_t)body.len;
		rc = mvb_buf_append(out, h, sizeof(h)) | mvb_buf_append(out, idx.data, idx.len) |
		     mvb_buf_append(out, body.data, body.len);
	}
	mvb_buf_release(&idx);
	mvb_buf_release(&body);
	mvb_buf_release(&rec);
	mvb_buf_release(&z);
	mvb_buf_release(&zl);
	mvb_buf_release(&lit);
	free(written);
	free(pagebuf);
	return rc;
}

/* Page p of the new image changes: it is not wholly inside both images
 * with equal bytes. */
static int page_changes(const unsigned char *old, size_t on, const unsigned char *nw, size_t nn, uint32_t ps, uint32_t p)
{
	size_t s = (size_t)p * ps, t = s + ps;
	return !(t <= on && t <= nn && !memcmp(old + s, nw + s, ps));
}

uint32_t mvb_delta_pages_changed(const unsigned char *old, size_t old_len, const unsigned char *nw, size_t new_len,
				 uint32_t ps)
{
	if (!new_len || !ps)
		return 0;
	uint32_t n = 0, pages = (uint32_t)((new_len - 1) / ps + 1);
	for (uint32_t p = 0; p < pages; p++)
		n += (uint32_t)page_changes(old, old_len, nw, new_len, ps, p);
	return n;
}

uint32_t mvb_delta_max_pages(void)
{
	return MVD_MAX_PAGES;
}

uint64_t mvb_delta_max_image(uint32_t ps)
{
	return (uint64_t)MVD_MAX_PAGES * ps;
}

int mvb_delta_board_page(const struct mvb_board *b, uint32_t *ps, struct mvb_diags *d)
{
	static const enum mvb_role takes_layers[] = { MVB_ROLE_MV_CODE, MVB_ROLE_APP_CODE };
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = b->file;
	uint32_t page = MVD_PAGE_MIN;
	for (unsigned i = 0; i < sizeof(takes_layers) / sizeof(takes_layers[0]); i++) {
		const struct mvb_partition *p = mvb_board_role(b, takes_layers[i]);
		if (!p)
			continue;
		const struct mvb_memory *m = &b->mem[p->memory];
		if (m->erase_size > MVD_PAGE_MAX) {
			l.line = m->line;
			l.col = m->col;
			return mvb_report_hint(d, &l, MVB_CK_DELTA_PAGE, "send full bundles to this board (no --base, publish --deltas 0)",
					       "board '%s': memory '%s' erases %u bytes at a time, more than the delta patcher's "
					       "largest page (%u)",
					       b->name, m->name, m->erase_size, MVD_PAGE_MAX);
		}
		while (page < m->erase_size)
			page *= 2;
		while ((uint64_t)page * MVD_MAX_PAGES < p->size && page <= MVD_PAGE_MAX)
			page *= 2;
		if (page > MVD_PAGE_MAX) {
			l.line = p->line;
			l.col = p->col;
			return mvb_report_hint(d, &l, MVB_CK_DELTA_PAGE, "send full bundles to this board (no --base, publish --deltas 0)",
					       "board '%s': partition '%s' (%u bytes) needs more than the delta patcher's %u "
					       "pages of its largest page (%u bytes)",
					       b->name, p->name, p->size, MVD_MAX_PAGES, MVD_PAGE_MAX);
		}
	}
	*ps = page;
	return 0;
}

int mvb_delta_encode(const unsigned char *old, size_t old_len, const unsigned char *nw, size_t new_len,
		     const struct mvb_delta_opts *o, struct mvb_buf *out, struct mvb_delta_stats *stats)
{
	uint32_t ps = o && o->page_size ? o->page_size : MVB_DELTA_PAGE_DEFAULT;
	if (!new_len || old_len > 0x7fffffff || new_len > 0x7fffffff || ps < MVD_PAGE_MIN || ps > MVD_PAGE_MAX ||
	    (ps & (ps - 1)))
		return MVB_EINPUT;
	uint32_t on = (uint32_t)old_len, nn = (uint32_t)new_len, big = on > nn ? on : nn;
	uint32_t npages = (big - 1) / ps + 1, newpages = (nn - 1) / ps + 1;
	if (npages > MVD_MAX_PAGES)
		return MVB_EINPUT;
	/* pages that change: any not wholly inside both images with equal bytes */
	uint32_t *steps = malloc(sizeof(uint32_t) * newpages), nsteps = 0;
	int32_t *step_of = malloc(sizeof(int32_t) * npages);
	uint32_t *orders[2] = { malloc(sizeof(uint32_t) * newpages), malloc(sizeof(uint32_t) * newpages) };
	struct segs sg = { 0 };
	struct mapbuild mb = { 0 };
	struct mvd_map_entry *map = malloc(sizeof(*map) * MVD_MAX_MAP);
	struct enc e = { 0 };
	e.tmp = malloc(2 * (size_t)ps);
	int32_t *sa = NULL;
	int rc = steps && step_of && orders[0] && orders[1] && map && e.tmp ? 0 : MVB_ENOMEM;
	for (uint32_t p = 0; p < npages && !rc; p++) {
		step_of[p] = -1;
		if (p >= newpages || !page_changes(old, on, nw, nn, ps, p))
			continue;
		step_of[p] = (int32_t)nsteps;
		steps[nsteps++] = p;
	}
	if (!rc && !(sa = suffix_array(old, (int32_t)on)))
		rc = MVB_ENOMEM;
	if (!rc)
		rc = match(old, (int32_t)on, nw, (int32_t)nn, sa, &sg);
	free(sa);
	for (int g = 0; g < 2 && !rc; g++)
		rc = order_pages(&sg, ps, steps, nsteps, step_of, old, on, nw, nn, g, orders[g]);
	e.old = old;
	e.nw = nw;
	e.on = on;
	e.nn = nn;
	e.ps = ps;
	uint32_t base = 0;
	int have_base = o && o->base_known ? (base = o->base_addr, 1)
					       : guess_base(old, on, big, &base) || guess_base_by_calls(old, on, &base);
	/* candidate predictions, each with both page orders; the smallest
	 * patch wins */
	uint32_t cands[3] = { MVD_FLAG_THUMB | MVD_FLAG_PTR, MVD_FLAG_THUMB, 0 };
	struct mvb_buf best = MVB_BUF_INIT, trial = MVB_BUF_INIT;
	struct mvb_delta_stats best_st = { 0 };
	int have_best = 0;
	uint32_t nmap = 0;
	for (int c = 0; c < 6 && !rc; c++) {
		uint32_t fl = cands[c / 2], *order = orders[c % 2];
		if ((fl & MVD_FLAG_PTR) && !have_base)
			continue;
		if (fl && o && o->no_predict)
			continue;
		if (!fl)
			nmap = 0;
		else if (c % 2 == 0) { /* the map depends on the prediction only */
			mb.n = 0;
			rc = observe(old, on, nw, nn, &sg, fl, base, &mb);
			if (!rc)
				rc = build_map(&mb, 2, MVD_MAX_MAP, map, &nmap);
		}
		e.flags = fl;
		e.base = fl & MVD_FLAG_PTR ? base : 0;
		trial.len = 0;
		if (!rc)
			rc = encode_with(&e, &sg, steps, nsteps, order, map, nmap, &trial);
		if (!rc && (!have_best || trial.len < best.len)) {
			struct mvb_buf t = best;
			best = trial;
			trial = t;
			best_st = e.st;
			have_best = 1;
		}
	}
	if (!rc)
		rc = mvb_buf_append(out, best.data, best.len);
	if (!rc && stats)
		*stats = best_st;
	mvb_buf_release(&best);
	mvb_buf_release(&trial);
	free(steps);
	free(step_of);
	free(orders[0]);
	free(orders[1]);
	free(sg.v);
	free(mb.v);
	free(map);
	free(e.tmp);
	return rc;
}

/* ---- reading and applying */

#define bad(off, ...) mvb_report_at(d, file, (off), __VA_ARGS__)

int mvb_delta_header(struct mvd_header *h, const char *file, const unsigned char *p, size_t len, struct mvb_diags *d)
{
	memset(h, 0, sizeof(*h));
	if (len < 4)
		return bad(len, MVB_CK_DELTA_TRUNCATED, "file ends after %zu bytes, inside the header", len);
	h->dh_magic = mvb_le32(p);
	if (h->dh_magic == 0x3144564du)
		return bad(0, MVB_CK_DELTA_HEADER, "a format 1 patch (\"MVD1\"); this mvbuild reads format 2: make it again "
			   "with mvbuild delta");
	if (h->dh_magic != MVD_MAGIC)
		return bad(0, MVB_CK_DELTA_HEADER, "dh_magic is 0x%08x, not \"MVD2\"", h->dh_magic);
	if (len < MVD_HEADER_SIZE)
		return bad(len, MVB_CK_DELTA_TRUNCATED, "file ends after %zu bytes, inside the 112-byte header", len);
	h->dh_format = mvb_le16(p + 4);
	h->dh_header_size = mvb_le16(p + 6);
	h->dh_flags = mvb_le32(p + 0x08);
	h->dh_old_size = mvb_le32(p + 0x0c);
	h->dh_new_size = mvb_le32(p + 0x10);
	h->dh_page_size = mvb_le32(p + 0x14);
	h->dh_base_addr = mvb_le32(p + 0x18);
	h->dh_step_count = mvb_le32(p + 0x1c);
	h->dh_map_count = mvb_le32(p + 0x20);
	h->dh_index_size = mvb_le32(p + 0x24);
	h->dh_body_size = mvb_le32(p + 0x28);
	h->dh_reserved = mvb_le32(p + 0x2c);
	memcpy(h->dh_old_sha256, p + 0x30, 32);
	memcpy(h->dh_new_sha256, p + 0x50, 32);
	if (h->dh_format != MVD_FORMAT)
		return bad(4, MVB_CK_DELTA_HEADER, "dh_format is %u; this mvbuild reads format 2", h->dh_format);
	if (h->dh_header_size != MVD_HEADER_SIZE)
		return bad(6, MVB_CK_DELTA_HEADER, "dh_header_size is %u, not 112", h->dh_header_size);
	if (h->dh_flags & ~(MVD_FLAG_THUMB | MVD_FLAG_PTR))
		return bad(8, MVB_CK_DELTA_HEADER, "dh_flags 0x%x has unknown bits", h->dh_flags);
	if (!h->dh_new_size)
		return bad(0x10, MVB_CK_DELTA_HEADER, "dh_new_size is 0");
	uint32_t ps = h->dh_page_size;
	if (ps < MVD_PAGE_MIN || ps > MVD_PAGE_MAX || (ps & (ps - 1)))
		return bad(0x14, MVB_CK_DELTA_HEADER, "dh_page_size is %u (a power of two, 256-65536)", ps);
	if (h->dh_reserved)
		return bad(0x2c, MVB_CK_DELTA_HEADER, "dh_reserved is not zero");
	if ((uint64_t)MVD_LABEL_SIZE * h->dh_map_count + (uint64_t)MVD_STEP_SIZE * h->dh_step_count != h->dh_index_size)
		return bad(0x24, MVB_CK_DELTA_HEADER, "dh_index_size is %u, not 8 x %u labels + 12 x %u steps",
			   h->dh_index_size, h->dh_map_count, h->dh_step_count);
	uint64_t total = (uint64_t)MVD_HEADER_SIZE + h->dh_index_size + h->dh_body_size;
	if (total > len)
		return bad(len, MVB_CK_DELTA_TRUNCATED, "file ends at 0x%zx but the header describes 0x%llx bytes", len,
			   (unsigned long long)total);
	if (total < len)
		return bad(total, MVB_CK_DELTA_HEADER, "%llu bytes after the last step", (unsigned long long)(len - total));
	return 0;
}

struct sim {
	struct mvd_mem patch; /* first: mvd_mem_get reads it through the ops' ctx */
	uint8_t *flash, *state;
	uint32_t ps, npages;
};

static int sim_read(void *ctx, uint32_t page, uint32_t off, void *buf, uint32_t n)
{
	struct sim *s = ctx;
	if (page == MVD_STATE_PAGE) {
		memcpy(buf, s->state + off, n);
		return 0;
	}
	if (page >= s->npages)
		return -1;
	memcpy(buf, s->flash + (size_t)page * s->ps + off, n);
	return 0;
}

static int sim_erase(void *ctx, uint32_t page)
{
	struct sim *s = ctx;
	if (page == MVD_STATE_PAGE)
		memset(s->state, 0xff, s->ps);
	else if (page < s->npages)
		memset(s->flash + (size_t)page * s->ps, 0xff, s->ps);
	else
		return -1;
	return 0;
}

static int sim_prog(void *ctx, uint32_t page, const void *buf)
{
	struct sim *s = ctx;
	if (page == MVD_STATE_PAGE)
		memcpy(s->state, buf, s->ps);
	else if (page < s->npages)
		memcpy(s->flash + (size_t)page * s->ps, buf, s->ps);
	else
		return -1;
	return 0;
}

static int sim_sha(void *ctx, uint32_t len, const uint8_t want[32])
{
	struct sim *s = ctx;
	uint8_t got[32];
	if (len > s->npages * s->ps)
		return -1;
	mvb_sha256(s->flash, len, got);
	return memcmp(got, want, 32) != 0;
}

int mvb_delta_apply(const unsigned char *old, size_t old_len, const unsigned char *patch, size_t patch_len,
		    const char *file, struct mvb_buf *out, struct mvb_diags *d)
{
	struct mvd_header h;
	int rc = mvb_delta_header(&h, file, patch, patch_len, d);
	if (rc)
		return rc;
	if (h.dh_old_size != old_len)
		return bad(0x0c, MVB_CK_DELTA_BASE, "the patch is for a %u-byte old image, not %zu bytes", h.dh_old_size,
			   old_len);
	uint32_t big = h.dh_old_size > h.dh_new_size ? h.dh_old_size : h.dh_new_size;
	struct sim s = { 0 };
	s.ps = h.dh_page_size;
	s.npages = (big - 1) / s.ps + 1;
	if (s.npages > MVD_MAX_PAGES)
		return bad(0x10, MVB_CK_DELTA_LIMIT, "the images span %u pages; the patcher handles %u", s.npages,
			   MVD_MAX_PAGES);
	s.flash = malloc((size_t)s.npages * s.ps);
	s.state = malloc(s.ps);
	uint8_t *pagebuf = malloc(s.ps);
	struct mvd *dec = malloc(sizeof(*dec));
	if (!s.flash || !s.state || !pagebuf || !dec) {
		rc = MVB_ENOMEM;
		goto out;
	}
	memset(s.flash, 0xff, (size_t)s.npages * s.ps);
	memcpy(s.flash, old, old_len);
	memset(s.state, 0xff, s.ps);
	static const struct mvd_ops ops = { mvd_mem_get, sim_read, sim_erase, sim_prog, sim_sha };
	s.patch.p = patch;
	s.patch.n = (uint32_t)patch_len;
	int r = mvd_apply(dec, &ops, &s, pagebuf, s.ps, (uint32_t)patch_len);
	uint32_t at = dec->off;
	switch (r) {
	case MVD_DONE:
		rc = mvb_buf_append(out, s.flash, h.dh_new_size);
		break;
	case MVD_E_BASE:
		rc = bad(0x30, MVB_CK_DELTA_BASE, "the old image does not match dh_old_sha256");
		break;
	case MVD_E_HASH:
		rc = bad(0x50, MVB_CK_DELTA_HASH, "the new image does not match dh_new_sha256");
		break;
	case MVD_E_LIMIT:
		rc = bad(0x14, MVB_CK_DELTA_LIMIT, "the patch exceeds the device patcher's limits (pages, steps, map)");
		break;
	case MVD_E_CRC:
		rc = bad(at, MVB_CK_DELTA_CORRUPT, "a rebuilt page does not match its step CRC");
		break;
	default:
		rc = bad(at, MVB_CK_DELTA_CORRUPT, "malformed patch data");
		break;
	}
out:
	free(s.flash);
	free(s.state);
	free(pagebuf);
	free(dec);
	return rc;
}
