/*
 * inflate.c - a small streaming inflater for raw deflate (RFC 1951) with a
 * 4 KiB window: stored, fixed and dynamic blocks, input pushed in chunks of
 * any size.  Huffman codes are decoded one bit at a time from canonical
 * count/symbol tables: slower than zlib's lookup tables, but about 1 KiB of
 * state and little code, and the decode can stop and resume at any bit.
 */
#include "mvd.h"

enum {
	S_HEAD, S_STORED_LEN, S_STORED_NLEN, S_STORED, S_TABLE, S_CLEN, S_LENS, S_LENS_EXTRA,
	S_SYM, S_LEN_EXTRA, S_DIST, S_DIST_EXTRA, S_COPY, S_DONE, S_BAD
};

static const uint16_t len_base[29] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
				       35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const uint8_t len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
				       3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const uint16_t dist_base[30] = { 1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
					257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const uint8_t dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
					7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
static const uint8_t clen_order[19] = { 16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15 };

void mvd_inflate_init(struct mvd_inflate *s)
{
	memset(s, 0, sizeof(*s) - sizeof(s->win));
	s->state = S_HEAD;
}

/* Makes n (<= 16) bits available; 0 when the input ran out first. */
static int need(struct mvd_inflate *s, const uint8_t **in, const uint8_t *end, unsigned n)
{
	while (s->nbits < n) {
		if (*in == end)
			return 0;
		s->bits |= (uint32_t)*(*in)++ << s->nbits;
		s->nbits += 8;
	}
	return 1;
}

static unsigned take(struct mvd_inflate *s, unsigned n)
{
	unsigned v = s->bits & ((1u << n) - 1u);
	s->bits >>= n;
	s->nbits = (uint8_t)(s->nbits - n);
	return v;
}

/* Canonical code from lengths: counts per length and symbols by code.
 * 0, or -1 when the lengths over-subscribe the code space. */
static int build(uint16_t *cnt, uint16_t *sym, const uint8_t *len, unsigned n)
{
	uint16_t offs[16];
	memset(cnt, 0, 16 * sizeof(cnt[0]));
	for (unsigned i = 0; i < n; i++)
		cnt[len[i]]++;
	int left = 1;
	for (unsigned l = 1; l < 16; l++) {
		left = 2 * left - cnt[l];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (unsigned l = 1; l < 15; l++)
		offs[l + 1] = (uint16_t)(offs[l] + cnt[l]);
	for (unsigned i = 0; i < n; i++)
		if (len[i])
			sym[offs[len[i]]++] = (uint16_t)i;
	return 0;
}

/* Decodes one symbol bit by bit, keeping its progress in s so it can stop
 * when input runs out.  Returns the symbol, -1 for more input, -2 for a
 * code that is not in the table. */
static int decode(struct mvd_inflate *s, const uint16_t *cnt, const uint16_t *sym, const uint8_t **in,
		  const uint8_t *end)
{
	for (;;) {
		if (!need(s, in, end, 1))
			return -1;
		s->hcode = (uint16_t)(s->hcode | take(s, 1));
		s->hlen++;
		unsigned c = cnt[s->hlen];
		if ((unsigned)s->hcode < (unsigned)s->hfirst + c) {
			int v = sym[s->hindex + s->hcode - s->hfirst];
			s->hcode = s->hfirst = s->hindex = 0;
			s->hlen = 0;
			return v;
		}
		if (s->hlen == 15)
			return -2;
		s->hindex = (uint16_t)(s->hindex + c);
		s->hfirst = (uint16_t)((s->hfirst + c) << 1);
		s->hcode = (uint16_t)(s->hcode << 1);
	}
}

static int emit(struct mvd_inflate *s, uint8_t b, mvd_sink sink, void *arg)
{
	s->win[s->wpos] = b;
	s->wpos = (uint16_t)((s->wpos + 1u) & (MVD_WINDOW - 1u));
	if (s->wfill < MVD_WINDOW)
		s->wfill++;
	return sink(arg, b);
}

static void fixed_tables(struct mvd_inflate *s)
{
	unsigned i = 0;
	for (; i < 144; i++)
		s->lens[i] = 8;
	for (; i < 256; i++)
		s->lens[i] = 9;
	for (; i < 280; i++)
		s->lens[i] = 7;
	for (; i < 288; i++)
		s->lens[i] = 8;
	build(s->lcnt, s->lsym, s->lens, 288);
	memset(s->lens, 5, 30);
	build(s->dcnt, s->dsym, s->lens, 30);
}

static int fail(struct mvd_inflate *s)
{
	s->state = S_BAD;
	return MVD_E_CORRUPT;
}

int mvd_inflate_feed(struct mvd_inflate *s, const uint8_t **in, const uint8_t *end, mvd_sink sink, void *arg)
{
	int v, rc;
	for (;;) {
		switch (s->state) {
		case S_HEAD:
			if (s->last) {
				s->state = S_DONE;
				break;
			}
			if (!need(s, in, end, 3))
				return MVD_MORE;
			s->last = (uint8_t)take(s, 1);
			v = (int)take(s, 2);
			if (v == 0) {
				take(s, s->nbits & 7u); /* to a byte boundary */
				s->state = S_STORED_LEN;
			} else if (v == 1) {
				fixed_tables(s);
				s->state = S_SYM;
			} else if (v == 2) {
				s->state = S_TABLE;
			} else {
				return fail(s);
			}
			break;
		case S_STORED_LEN:
			if (!need(s, in, end, 16))
				return MVD_MORE;
			s->left = (uint16_t)take(s, 16);
			s->state = S_STORED_NLEN;
			break;
		case S_STORED_NLEN:
			if (!need(s, in, end, 16))
				return MVD_MORE;
			if ((uint16_t)take(s, 16) != (uint16_t)~s->left)
				return fail(s);
			s->state = S_STORED;
			break;
		case S_STORED:
			while (s->left) {
				if (!need(s, in, end, 8))
					return MVD_MORE;
				if ((rc = emit(s, (uint8_t)take(s, 8), sink, arg)) < 0)
					return s->state = S_BAD, rc;
				s->left--;
			}
			s->state = S_HEAD;
			break;
		case S_TABLE:
			if (!need(s, in, end, 14))
				return MVD_MORE;
			s->nlen = (uint16_t)(take(s, 5) + 257u);
			s->ndist = (uint16_t)(take(s, 5) + 1u);
			s->ncode = (uint16_t)(take(s, 4) + 4u);
			if (s->nlen > 286 || s->ndist > 30)
				return fail(s);
			memset(s->lens, 0, 19);
			s->have = 0;
			s->state = S_CLEN;
			break;
		case S_CLEN:
			while (s->have < s->ncode) {
				if (!need(s, in, end, 3))
					return MVD_MORE;
				s->lens[clen_order[s->have++]] = (uint8_t)take(s, 3);
			}
			/* the code-length code lives in the literal tables until the
			 * lengths it encodes are read */
			if (build(s->lcnt, s->lsym, s->lens, 19))
				return fail(s);
			s->have = 0;
			s->state = S_LENS;
			break;
		case S_LENS:
			while (s->have < s->nlen + s->ndist) {
				v = decode(s, s->lcnt, s->lsym, in, end);
				if (v == -1)
					return MVD_MORE;
				if (v < 0)
					return fail(s);
				if (v < 16) {
					s->lens[s->have++] = (uint8_t)v;
					continue;
				}
				if (v == 16 && s->have == 0)
					return fail(s);
				s->sym = (uint16_t)v;
				s->state = S_LENS_EXTRA;
				break;
			}
			if (s->state == S_LENS_EXTRA)
				break;
			if (s->lens[256] == 0) /* no end-of-block code */
				return fail(s);
			if (build(s->lcnt, s->lsym, s->lens, s->nlen) || build(s->dcnt, s->dsym, s->lens + s->nlen, s->ndist))
				return fail(s);
			s->state = S_SYM;
			break;
		case S_LENS_EXTRA: {
			unsigned nb = s->sym == 16 ? 2 : s->sym == 17 ? 3 : 7;
			if (!need(s, in, end, nb))
				return MVD_MORE;
			unsigned rep = take(s, nb) + (s->sym == 16 ? 3u : s->sym == 17 ? 3u : 11u);
			uint8_t val = s->sym == 16 ? s->lens[s->have - 1] : 0;
			if (rep > (unsigned)(s->nlen + s->ndist - s->have))
				return fail(s);
			while (rep--)
				s->lens[s->have++] = val;
			s->state = S_LENS;
			break;
		}
		case S_SYM:
			v = decode(s, s->lcnt, s->lsym, in, end);
			if (v == -1)
				return MVD_MORE;
			if (v < 0)
				return fail(s);
			if (v < 256) {
				if ((rc = emit(s, (uint8_t)v, sink, arg)) < 0)
					return s->state = S_BAD, rc;
			} else if (v == 256) {
				s->state = S_HEAD;
			} else if (v < 286) {
				s->sym = (uint16_t)(v - 257);
				s->state = S_LEN_EXTRA;
			} else {
				return fail(s);
			}
			break;
		case S_LEN_EXTRA:
			if (!need(s, in, end, len_extra[s->sym]))
				return MVD_MORE;
			s->left = (uint16_t)(len_base[s->sym] + take(s, len_extra[s->sym]));
			s->state = S_DIST;
			break;
		case S_DIST:
			v = decode(s, s->dcnt, s->dsym, in, end);
			if (v == -1)
				return MVD_MORE;
			if (v < 0 || v >= 30)
				return fail(s);
			s->sym = (uint16_t)v;
			s->state = S_DIST_EXTRA;
			break;
		case S_DIST_EXTRA: {
			if (!need(s, in, end, dist_extra[s->sym]))
				return MVD_MORE;
			uint32_t dist = dist_base[s->sym] + take(s, dist_extra[s->sym]);
			if (dist > s->wfill) /* before the stream, or past the 4 KiB window */
				return fail(s);
			s->dist = (uint16_t)dist;
			s->state = S_COPY;
			break;
		}
		case S_COPY:
			while (s->left) {
				uint8_t b = s->win[(s->wpos - s->dist) & (MVD_WINDOW - 1u)];
				s->left--;
				if ((rc = emit(s, b, sink, arg)) < 0)
					return s->state = S_BAD, rc;
			}
			s->state = S_SYM;
			break;
		case S_DONE:
			return MVD_END;
		default:
			return MVD_E_CORRUPT;
		}
	}
}
