/*
 * patch.c - the in-place, resumable patcher and the Thumb-2 predictor it
 * shares with the encoder.  The patcher pulls the patch through ops->patch,
 * front to back but for the index: each step's records rebuild one page in
 * the caller's page buffer from the old image (read through ops), the page
 * is checked against its CRC, journalled to the state page when it read
 * its own old bytes, then erased and written.  After a power loss the same
 * call resumes: the index is read again and the first page that does not
 * match its step CRC is where work restarts.  RAM does not grow with the
 * number of steps.
 */
#include "mvd.h"
#include "mvb/le.h"

enum { R_H, R_D, R_K, R_GAP, R_M, R_RUN, R_FILL };

/* Bit by bit, no table.  Weak: an image with a CRC-32 of its own (the
 * microvisor: firmware/core/crc32.c) gives mvd_crc32 there, and this
 * copy is left out of it. */
__attribute__((weak)) uint32_t mvd_crc32(uint32_t crc, const uint8_t *p, uint32_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static uint32_t rd32(const uint8_t *p)
{
	return mvb_get_le32(p);
}

/* A field of the header or of a step entry, from their bytes as read
 * (mvb/delta_format.h's structs give the offsets). */
#define HDP(d, f) ((d)->hdr + offsetof(struct mvd_header, f))
#define HD(d, f) rd32(HDP(d, f))
#define ST(st, f) rd32((st) + offsetof(struct mvd_step, f))

static void wr32(uint8_t *p, uint32_t v)
{
	mvb_set_le32(p, v);
}

/* ---- prediction */

int32_t mvd_map_delta(const struct mvd_map *m, uint32_t off)
{
	/* the last entry with start <= off, by halving [e, e + n) */
	const struct mvd_map_entry *e = m->e;
	int32_t delta = 0;
	for (uint32_t n = m->n; n;) {
		uint32_t h = n / 2;
		if (e[h].start <= off) {
			delta = e[h].delta;
			e += h + 1;
			n -= h + 1;
		} else {
			n = h;
		}
	}
	return delta;
}

/* Each step of the scan looks at the little-endian word w at i: a pointer
 * when 4-aligned, else the halfword pair of a Thumb-2 branch, BL (T1) or
 * B.W (T4): 11110 S imm10 (low half), 1 1|0 J1 1 J2 imm11 (high half). */
void mvd_predict(uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst, const struct mvd_map *m)
{
	/* from an even address on; steps of 2 and 4 keep it even */
	for (uint32_t i = src & 1u; i + 4 <= len;) {
		uint32_t a = src + i, w = rd32(buf + i), t;
		if ((m->flags & MVD_FLAG_PTR) && !(a & 3u) && (t = (w & ~1u) - m->base) <= m->old_size) {
			wr32(buf + i, w + (uint32_t)mvd_map_delta(m, t));
		} else if ((m->flags & MVD_FLAG_THUMB) && (w & 0xd000f800u) == 0xd000f000u) {
			/* S:imm10:imm11:0 sign-extended from S; bits 23 and 22 (S
			 * there) become I1 = !(J1 ^ S) and I2 = !(J2 ^ S) */
			uint32_t off = (uint32_t)((int32_t)(w << 21 | (w >> 6 & 0x1ffc00u)) >> 9);
			off ^= (~w >> 6 & 0x800000u) | (~w >> 5 & 0x400000u);
			/* 32-bit arithmetic: offsets are below 32 MiB and label
			 * deltas within +-2^30, so it is exact */
			t = a + 4u + off;
			uint32_t u = (t < m->old_size ? t + (uint32_t)mvd_map_delta(m, t) : t) - (dst + i + 4u);
			if (u + (1u << 24) < (1u << 25)) {
				/* u's bits 24 up are S, so j's bits 23 and 22 are
				 * J1 = !I1 ^ S and J2 = !I2 ^ S; of the old word only
				 * bit 30 (BL or B.W) is not known from the match */
				uint32_t j = u ^ ~(uint32_t)((int32_t)u >> 2);
				uint32_t lo = 0xf000u | (u >> 14 & 0x400u) | (u >> 12 & 0x3ffu);
				uint32_t hi = 0x9000u | (w >> 16 & 0x4000u) | (j >> 10 & 0x2000u) | (j >> 11 & 0x800u) |
					      (u >> 1 & 0x7ffu);
				wr32(buf + i, lo | hi << 16);
			}
		} else {
			i += 2;
			continue;
		}
		i += 4;
	}
}

/* ---- helpers */

static int bit(const uint8_t *set, uint32_t i)
{
	return (set[i >> 3] >> (i & 7u)) & 1;
}

static void set_bit(uint8_t *set, uint32_t i)
{
	set[i >> 3] = (uint8_t)(set[i >> 3] | 1u << (i & 7u));
}

/* Inlined at both its calls: smaller so (measured on the device) */
static inline __attribute__((always_inline)) int page_crc(struct mvd *d, uint32_t page, uint32_t *crc)
{
	if (d->ops->read(d->ctx, page, 0, d->page, HD(d, dh_page_size)))
		return MVD_E_IO;
	*crc = mvd_crc32(0, d->page, HD(d, dh_page_size));
	return 0;
}

static int write_page(struct mvd *d, uint32_t page)
{
	if (d->ops->erase(d->ctx, page) || d->ops->prog(d->ctx, page, d->page))
		return MVD_E_IO;
	return 0;
}

/* n bytes of the patch at off (inside it) into buf; the source then
 * reads on from there to the end of the patch. */
static int get(struct mvd *d, uint32_t off, uint8_t *buf, uint32_t n)
{
	struct mvd_src *in = &d->in;
	in->p = in->q = 0;
	in->off = off;
	in->end = d->size;
	for (uint32_t i = 0; i < n; i++) {
		int c = mvd_src_byte(in);
		if (c < 0)
			return in->err;
		buf[i] = (uint8_t)c;
	}
	return 0;
}

/* The step entry at patch offset off: its page (inside the new image), CRC
 * and size (more than its head, at most room). */
static int step_at(struct mvd *d, uint32_t off, uint32_t room, uint8_t *st)
{
	int rc = get(d, off, st, MVD_STEP_SIZE);
	if (rc)
		return rc;
	if (ST(st, ds_page) > (HD(d, dh_new_size) - 1) / HD(d, dh_page_size) || ST(st, ds_size) <= MVD_STEP_SIZE ||
	    ST(st, ds_size) > room)
		return MVD_E_CORRUPT;
	return 0;
}

/* The header into d->hdr, checked.  header + index + body == size is
 * tested in 32 bits, without overflow (size >= MVD_HEADER_SIZE here).  Not
 * inlined into apply(), its one caller: smaller so (measured on the
 * device). */
__attribute__((noinline)) static int parse_header(struct mvd *d)
{
	int rc = d->size < MVD_HEADER_SIZE ? MVD_E_CORRUPT : get(d, 0, d->hdr, MVD_HEADER_SIZE);
	if (rc)
		return rc;
	uint32_t ps = HD(d, dh_page_size), index = HD(d, dh_index_size), new_size = HD(d, dh_new_size),
		 old_size = HD(d, dh_old_size), nmap = HD(d, dh_map_count);
	/* dh_format and dh_header_size: one little-endian word */
	if (HD(d, dh_magic) != MVD_MAGIC || HD(d, dh_format) != (MVD_FORMAT | MVD_HEADER_SIZE << 16) ||
	    (HD(d, dh_flags) & ~(MVD_FLAG_THUMB | MVD_FLAG_PTR)) || HD(d, dh_reserved) || !new_size ||
	    ps < MVD_PAGE_MIN || ps > MVD_PAGE_MAX || (ps & (ps - 1)) ||
	    (uint64_t)MVD_LABEL_SIZE * nmap + (uint64_t)MVD_STEP_SIZE * HD(d, dh_step_count) != index ||
	    index > d->size - MVD_HEADER_SIZE || HD(d, dh_body_size) != d->size - MVD_HEADER_SIZE - index)
		return MVD_E_CORRUPT;
	uint32_t big = old_size > new_size ? old_size : new_size;
	if (ps > d->pagebuf_size || nmap > MVD_MAX_MAP || (big - 1) / ps >= MVD_MAX_PAGES)
		return MVD_E_LIMIT;
	return 0;
}

/* ---- records */

/* The old bytes for a copy go straight into the page buffer.  32-bit
 * arithmetic is exact: dst and dh_old_size are at most 2^25 (the page
 * limits), and prev_d, even where its sum with the record's d overflowed,
 * then puts the source at 2^31 - 2^25 or further from 0, which fails
 * the same check as the sum itself would have. */
_Static_assert((uint64_t)MVD_MAX_PAGES * MVD_PAGE_MAX <= 1u << 30, "the copy checks need offsets below 2^30");

static int do_copy(struct mvd *d, uint32_t dst)
{
	uint32_t ps = HD(d, dh_page_size), old_size = HD(d, dh_old_size), src = dst + (uint32_t)d->prev_d;
	uint32_t s = src, left = d->n, at = d->o;
	if (s > old_size || left > old_size - s)
		return MVD_E_CORRUPT;
	while (left) {
		uint32_t pg = s / ps, off = s % ps, n = ps - off < left ? ps - off : left;
		if (bit(d->written, pg))
			return MVD_E_CORRUPT; /* already overwritten */
		if (pg == d->step_page)
			d->self_read = 1;
		if (d->ops->read(d->ctx, pg, off, d->page + at, n))
			return MVD_E_IO;
		s += n;
		at += n;
		left -= n;
	}
	if (d->kind == MVD_REC_PRED) {
		struct mvd_map m = { d->map, HD(d, dh_map_count), HD(d, dh_flags), HD(d, dh_base_addr), old_size };
		mvd_predict(d->page + d->o, d->n, src, dst, &m);
	}
	return 0;
}

/* A number's fifth byte holds its top 4 bits and ends it: any of bits
 * 4-7 set there is refused. */
static int varint(uint32_t *v, uint32_t *shift, uint8_t b)
{
	if (*shift == 28 && (b & 0xf0u))
		return MVD_E_CORRUPT;
	*v |= (uint32_t)(b & 0x7fu) << *shift;
	if (!(b & 0x80u))
		return 1;
	*shift += 7;
	return 0;
}

static int32_t unzig(uint32_t v)
{
	return (int32_t)(v >> 1) ^ -(int32_t)(v & 1u);
}

/* Takes the inflated stream a byte at a time.  A literal is a run of
 * corrections over zeros. */
static int record_byte(void *arg, uint8_t b)
{
	struct mvd *d = arg;
	uint8_t *at = d->page + d->o;
	int rc;
	switch (d->rst) {
	case R_RUN:
		at[d->pos++] += b;
		if (--d->m)
			return 0;
		if (--d->k) {
			d->rst = R_GAP;
			return 0;
		}
		goto done;
	case R_FILL:
		memset(at, b, d->n);
		goto done;
	case R_H:
		if (d->o == d->content)
			return MVD_E_CORRUPT; /* records past the page */
		break;
	default:
		break;
	}
	if ((rc = varint(&d->rv, &d->rshift, b)) <= 0)
		return rc;
	uint32_t v = d->rv;
	d->rv = d->rshift = 0;
	switch (d->rst) {
	case R_H:
		d->kind = (uint8_t)(v & 3u);
		d->n = v >> 2;
		d->pos = 0;
		if (!d->n || d->n > d->content - d->o)
			return MVD_E_CORRUPT;
		d->rst = d->kind == MVD_REC_FILL ? R_FILL : R_D;
		if (d->kind == MVD_REC_LIT) {
			memset(at, 0, d->n);
			d->k = 1;
			d->m = d->n;
			d->rst = R_RUN;
		}
		return 0;
	case R_D:
		/* wraps where the sum leaves int32_t: do_copy refuses that source */
		d->prev_d = (int32_t)((uint32_t)d->prev_d + (uint32_t)unzig(v));
		if ((rc = do_copy(d, d->step_page * HD(d, dh_page_size) + d->o)))
			return rc;
		d->rst = R_K;
		return 0;
	case R_K:
		d->k = v;
		d->rst = R_GAP;
		if (v)
			return 0;
		break;
	case R_GAP:
		if (v > d->n - d->pos)
			return MVD_E_CORRUPT;
		d->pos += v;
		d->rst = R_M;
		return 0;
	default: /* R_M */
		if (v >= d->n - d->pos)
			return MVD_E_CORRUPT;
		d->m = v + 1;
		d->rst = R_RUN;
		return 0;
	}
done:
	d->o += d->n;
	d->rst = R_H;
	return 0;
}

/* ---- steps */

/* The step at d->off: its records rebuild the page in the buffer, which
 * is checked, journalled when it read its own old bytes (and always for
 * the first step, so that a resume that finds no progress knows the
 * region is exactly the old image), then written. */
static int apply_step(struct mvd *d, uint32_t first)
{
	uint8_t st[MVD_STEP_SIZE];
	uint32_t ps = HD(d, dh_page_size);
	int rc = step_at(d, d->off, d->size - d->off, st);
	if (rc)
		return rc;
	if (bit(d->written, ST(st, ds_page)))
		return MVD_E_CORRUPT; /* a page written twice */
	uint32_t start = ST(st, ds_page) * ps, left = HD(d, dh_new_size) - start;
	d->step_page = ST(st, ds_page);
	d->content = left < ps ? left : ps;
	/* rst, rv and rshift: R_H and 0 from mvd_apply, and again after a
	 * step whose records filled its page (none starts at its end) */
	d->o = 0;
	d->prev_d = 0;
	d->self_read = (uint8_t)first;
	/* the stream: exactly the rest of the step */
	struct mvd_src *in = &d->in;
	uint32_t end = d->off + ST(st, ds_size);
	if (in->off > end) {
		in->q -= in->off - end;
		in->off = end;
	}
	in->end = end;
	rc = mvd_inflate(&d->inf, &d->in, record_byte, d);
	d->off = mvd_src_used(&d->in);
	if (rc < 0)
		return rc;
	if (d->off != end || d->o != d->content) /* a record ends exactly there */
		return MVD_E_CORRUPT;
	memset(d->page + d->content, 0xff, ps - d->content);
	if (mvd_crc32(0, d->page, ps) != ST(st, ds_crc32))
		return MVD_E_CRC;
	if ((d->self_read && (rc = write_page(d, MVD_STATE_PAGE))) || (rc = write_page(d, ST(st, ds_page))))
		return rc;
	set_bit(d->written, ST(st, ds_page));
	return 0;
}

static int apply(struct mvd *d)
{
	int rc = parse_header(d);
	if (rc)
		return rc;
	/* the label map */
	uint32_t idx = MVD_HEADER_SIZE, body = idx + HD(d, dh_index_size);
	for (uint32_t i = 0; i < HD(d, dh_map_count); i++, idx += MVD_LABEL_SIZE) {
		uint8_t b[MVD_LABEL_SIZE];
		d->off = idx;
		if ((rc = get(d, idx, b, sizeof b)))
			return rc;
		d->map[i].start = rd32(b);
		d->map[i].delta = (int32_t)rd32(b + 4);
		if (d->map[i].start > HD(d, dh_old_size) || (i && d->map[i].start <= d->map[i - 1].start) ||
		    (uint32_t)d->map[i].delta + (1u << 30) > (1u << 31))
			return MVD_E_CORRUPT;
	}
	/* The resume scan: steps whose page already holds its new content are
	 * done; the first that does not is where work continues. */
	uint32_t done = 0, at = body;
	uint8_t st[MVD_STEP_SIZE]; /* step_at fills it before any use */
	for (; done < HD(d, dh_step_count); done++, idx += MVD_STEP_SIZE, at += ST(st, ds_size)) {
		uint32_t crc;
		d->off = idx;
		if ((rc = step_at(d, idx, d->size - at, st)) || (rc = page_crc(d, ST(st, ds_page), &crc)))
			return rc;
		if (crc != ST(st, ds_crc32))
			break;
		set_bit(d->written, ST(st, ds_page));
	}
	d->off = at;
	if (done < HD(d, dh_step_count)) {
		uint32_t crc;
		if ((rc = page_crc(d, MVD_STATE_PAGE, &crc)))
			return rc;
		if (crc == ST(st, ds_crc32)) {
			/* the page was journalled, so it may be half written: copy it */
			if ((rc = write_page(d, ST(st, ds_page))))
				return rc;
			set_bit(d->written, ST(st, ds_page));
			d->off += ST(st, ds_size);
			done++;
		} else if (!done && d->ops->sha256_check(d->ctx, HD(d, dh_old_size), HDP(d, dh_old_sha256))) {
			return MVD_E_BASE;
		}
	}
	for (uint32_t i = done; i < HD(d, dh_step_count); i++)
		if ((rc = apply_step(d, i == 0)))
			return rc;
	if (d->off != d->size)
		return MVD_E_CORRUPT; /* bytes after the last step */
	return d->ops->sha256_check(d->ctx, HD(d, dh_new_size), HDP(d, dh_new_sha256)) ? MVD_E_HASH : MVD_DONE;
}

int mvd_apply(struct mvd *d, const struct mvd_ops *ops, void *ctx, uint8_t *pagebuf, uint32_t pagebuf_size,
	      uint32_t size)
{
	memset(d, 0, sizeof(*d) - sizeof(d->inf));
	d->ops = ops;
	d->ctx = ctx;
	d->in.get = ops->patch;
	d->in.ctx = ctx;
	d->page = pagebuf;
	d->pagebuf_size = pagebuf_size;
	d->size = size;
	return pagebuf_size < MVD_HEADER_SIZE ? MVD_E_LIMIT : apply(d); /* no page is that small */
}
