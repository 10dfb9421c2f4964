/*
 * inflate.c - a small inflater for raw deflate (RFC 1951) with a 4 KiB
 * window: stored, fixed and dynamic blocks.  It pulls its input through a
 * struct mvd_src, one piece at a time, and decodes a whole stream in one
 * call, so its state is a few plain loops and the tables.  Huffman codes
 * are decoded one bit at a time from canonical count/symbol tables: slower
 * than zlib's lookup tables, but about 1 KiB of state and little code.
 */
#include "mvd.h"

static const uint8_t clen_order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

/* The fixed code's lengths (RFC 1951 3.2.6): runs of count, length. */
static const uint8_t fixed[] = { 144, 8, 112, 9, 24, 7, 8, 8, 30, 5 };

const uint8_t *mvd_mem_get(void *ctx, uint32_t off, uint32_t *n)
{
	const struct mvd_mem *m = ctx;
	if (off >= m->n)
		return 0;
	*n = m->n - off;
	return m->p + off;
}

/* The next input byte, or -1 (in->err says why) when there is none. */
int mvd_src_byte(struct mvd_src *in)
{
	if (in->p == in->q) {
		uint32_t n = 0;
		if (in->err)
			return -1;
		if (in->off >= in->end) {
			in->err = MVD_E_CORRUPT; /* the input ends inside the stream */
			return -1;
		}
		const uint8_t *p = in->get(in->ctx, in->off, &n);
		if (!p || !n) {
			in->err = MVD_E_READ;
			return -1;
		}
		if (n > in->end - in->off)
			n = in->end - in->off;
		in->p = p;
		in->q = p + n;
		in->off += n;
	}
	return *in->p++;
}

uint32_t mvd_src_used(const struct mvd_src *in)
{
	return in->off - (uint32_t)(in->q - in->p);
}

/* n (<= 16) bits, LSB first; zeros once the input failed (in->err). */
static unsigned bits(struct mvd_inflate *s, unsigned n)
{
	while (s->nbits < n) {
		int b = mvd_src_byte(s->in);
		s->bits |= (uint32_t)(b < 0 ? 0 : b) << s->nbits;
		s->nbits += 8;
	}
	unsigned v = s->bits & ((1u << n) - 1u);
	s->bits >>= n;
	s->nbits = (uint8_t)(s->nbits - n);
	return v;
}

/* RFC 1951's length and distance codes follow a pattern: after the first
 * few (one value each), codes come in groups (4 for lengths, 2 for
 * distances) with one more extra bit per group.  Code v of a group size
 * g = 1 << k (k = 2 or 1) and first value first: v < 2g: first + v, no
 * extra bits; else e = (v >> k) - 1 extra bits and base
 * ((g + (v & (g - 1))) << e) + first.  Length code 28 alone is 258. */
__attribute__((noinline)) static unsigned base_value(struct mvd_inflate *s, unsigned v, unsigned k, unsigned first)
{
	unsigned g = 1u << k;
	if (v < 2 * g)
		return first + v;
	unsigned e = (v >> k) - 1;
	return ((g + (v & (g - 1))) << e) + first + bits(s, e);
}

/* Canonical code from lengths: counts per length (t[0..15]), then
 * symbols by code (t + 16).  0, or -1 when the lengths over-subscribe the
 * code space. */
static int build(uint16_t *t, const uint8_t *len, unsigned n)
{
	uint16_t offs[16];
	memset(t, 0, 16 * sizeof(t[0]));
	for (unsigned i = 0; i < n; i++)
		t[len[i]]++;
	int left = 1;
	unsigned sum = 0;
	for (unsigned l = 1; l < 16; l++) {
		left = 2 * left - t[l];
		if (left < 0)
			return -1;
		offs[l] = (uint16_t)sum;
		sum += t[l];
	}
	for (unsigned i = 0; i < n; i++)
		if (len[i])
			t[16 + offs[len[i]]++] = (uint16_t)i;
	return 0;
}

/* One symbol, bit by bit; -1 for a code not in the table.  d is the code
 * read so far minus the first code of its length. */
static int decode(struct mvd_inflate *s, const uint16_t *t)
{
	unsigned d = 0, index = 16;
	for (unsigned len = 1; len < 16; len++) {
		d |= bits(s, 1);
		unsigned c = t[len];
		if (d < c)
			return t[index + d];
		index += c;
		d = (d - c) << 1;
	}
	return -1;
}

static int emit(struct mvd_inflate *s, uint8_t b)
{
	s->win[s->wpos] = b;
	s->wpos = (uint16_t)((s->wpos + 1u) & (MVD_WINDOW - 1u));
	if (s->wfill < MVD_WINDOW)
		s->wfill++;
	return s->sink(s->arg, b);
}

/* The code tables of a block: 0, or -1 when they are malformed.  Not
 * inlined into its one caller: 16 bytes less on the device. */
__attribute__((noinline)) static int tables(struct mvd_inflate *s, unsigned type)
{
	unsigned i = 0, nlen = 288, ndist = 30;
	if (type == 1) {
		for (uint8_t *p = s->lens; i < sizeof fixed; p += fixed[i], i += 2)
			memset(p, fixed[i + 1], fixed[i]);
	} else {
		unsigned head = bits(s, 14); /* HLIT, HDIST, HCLEN */
		nlen = (head & 31u) + 257u;
		ndist = (head >> 5 & 31u) + 1u;
		unsigned ncode = (head >> 10) + 4u;
		if (nlen > 286 || ndist > 30)
			return -1;
		memset(s->lens, 0, 19);
		for (; i < ncode; i++)
			s->lens[clen_order[i]] = (uint8_t)bits(s, 3);
		/* the code-length code lives in the literal tables until the
		 * lengths it encodes are read */
		if (build(s->lit, s->lens, 19))
			return -1;
		for (i = 0; i < nlen + ndist;) {
			int v = decode(s, s->lit);
			if (v < 0 || s->in->err)
				return -1;
			unsigned rep = 1;
			uint8_t val = (uint8_t)v;
			if (v >= 16) {
				if (v == 16 && i == 0)
					return -1;
				rep = v == 16 ? 3u + bits(s, 2) : v == 17 ? 3u + bits(s, 3) : 11u + bits(s, 7);
				val = v == 16 ? s->lens[i - 1] : 0;
				if (rep > nlen + ndist - i)
					return -1;
			}
			while (rep--)
				s->lens[i++] = val;
		}
		if (s->lens[256] == 0) /* no end-of-block code */
			return -1;
	}
	return build(s->lit, s->lens, nlen) || build(s->dist, s->lens + nlen, ndist) ? -1 : 0;
}

int mvd_inflate(struct mvd_inflate *s, struct mvd_src *in, mvd_sink sink, void *arg)
{
	unsigned last;
	int rc = 0;
	/* the tables are written before they are read, the window is read
	 * only where written (wfill) */
	s->bits = 0;
	s->nbits = 0;
	s->wpos = s->wfill = 0;
	s->in = in;
	s->sink = sink;
	s->arg = arg;
	do {
		unsigned head = bits(s, 3); /* BFINAL, then BTYPE */
		last = head & 1u;
		unsigned type = head >> 1;
		if (type == 0) {
			bits(s, s->nbits & 7u); /* to a byte boundary */
			unsigned len = bits(s, 16);
			if (bits(s, 16) != (~len & 0xffffu))
				goto bad;
			while (len-- && !in->err && rc >= 0)
				rc = emit(s, (uint8_t)bits(s, 8));
		} else if (type == 3 || tables(s, type)) {
			goto bad;
		} else {
			for (;;) {
				int v = decode(s, s->lit);
				if (in->err || rc < 0 || v == 256)
					break;
				if (v < 0 || v > 285)
					return MVD_E_CORRUPT;
				if (v < 256) {
					rc = emit(s, (uint8_t)v);
					continue;
				}
				v -= 257;
				unsigned len = v == 28 ? 258 : base_value(s, (unsigned)v, 2, 3);
				int dsym = decode(s, s->dist);
				if (dsym < 0 || dsym >= 30)
					goto bad;
				uint32_t dist = base_value(s, (unsigned)dsym, 1, 1);
				if (dist > s->wfill) /* before the stream, or past the 4 KiB window */
					goto bad;
				while (len-- && rc >= 0)
					rc = emit(s, s->win[(s->wpos - dist) & (MVD_WINDOW - 1u)]);
			}
		}
		if (in->err)
			return in->err;
		if (rc < 0)
			return rc;
	} while (!last);
	return MVD_END;
bad:
	return in->err ? in->err : MVD_E_CORRUPT;
}
