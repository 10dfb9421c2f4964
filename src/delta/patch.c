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

enum { R_H, R_D, R_K, R_GAP, R_M, R_RUN, R_LIT, R_FILL };

uint32_t mvd_crc32(uint32_t crc, const uint8_t *p, uint32_t n)
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

static void wr32(uint8_t *p, uint32_t v)
{
	mvb_set_le32(p, v);
}

/* ---- prediction */

int32_t mvd_map_delta(const struct mvd_map *m, uint32_t off)
{
	uint32_t lo = 0, hi = m->n; /* first entry with start > off */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (m->e[mid].start <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? m->e[lo - 1].delta : 0;
}

void mvd_predict(uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst, const struct mvd_map *m)
{
	uint32_t i = 0;
	while (len >= 4 && i <= len - 4) {
		uint32_t a = src + i;
		if (a & 1u) {
			i++;
			continue;
		}
		if ((m->flags & MVD_FLAG_PTR) && !(a & 3u)) {
			uint32_t w = rd32(buf + i), t = (w & ~1u) - m->base;
			if (t <= m->old_size) {
				wr32(buf + i, w + (uint32_t)mvd_map_delta(m, t));
				i += 4;
				continue;
			}
		}
		if (m->flags & MVD_FLAG_THUMB) {
			uint32_t h1 = buf[i] | (uint32_t)buf[i + 1] << 8, h2 = buf[i + 2] | (uint32_t)buf[i + 3] << 8;
			/* BL (T1) and B.W (T4): 11110 S imm10, 1 1|0 J1 1 J2 imm11 */
			if ((h1 & 0xf800u) == 0xf000u && (h2 & 0x5000u) == 0x5000u && (h2 & 0x8000u)) {
				uint32_t s = (h1 >> 10) & 1u, j1 = (h2 >> 13) & 1u, j2 = (h2 >> 11) & 1u;
				uint32_t i1 = !(j1 ^ s), i2 = !(j2 ^ s);
				uint32_t off = s << 24 | i1 << 23 | i2 << 22 | (h1 & 0x3ffu) << 12 | (h2 & 0x7ffu) << 1;
				/* 32-bit arithmetic: offsets are below 32 MiB and label
				 * deltas within +-2^30, so it is exact */
				uint32_t t = a + 4u + (uint32_t)((int32_t)(off << 7) >> 7), nt = t;
				if (t < m->old_size)
					nt = t + (uint32_t)mvd_map_delta(m, t);
				uint32_t u = nt - (dst + i + 4u);
				if (u + (1u << 24) < (1u << 25)) {
					s = (u >> 24) & 1u;
					j1 = (((u >> 23) & 1u) ^ 1u) ^ s;
					j2 = (((u >> 22) & 1u) ^ 1u) ^ s;
					h1 = 0xf000u | s << 10 | ((u >> 12) & 0x3ffu);
					h2 = (h2 & 0xd000u) | j1 << 13 | j2 << 11 | ((u >> 1) & 0x7ffu);
					buf[i] = (uint8_t)h1;
					buf[i + 1] = (uint8_t)(h1 >> 8);
					buf[i + 2] = (uint8_t)h2;
					buf[i + 3] = (uint8_t)(h2 >> 8);
				}
				i += 4;
				continue;
			}
		}
		i += 2;
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

static int page_crc(struct mvd *d, uint32_t page, uint32_t *crc)
{
	if (d->ops->read(d->ctx, page, 0, d->page, d->h.dh_page_size))
		return MVD_E_IO;
	*crc = mvd_crc32(0, d->page, d->h.dh_page_size);
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
static int step_at(struct mvd *d, uint32_t off, uint32_t room, struct mvd_step *st)
{
	uint8_t b[MVD_STEP_SIZE];
	int rc = get(d, off, b, sizeof b);
	if (rc)
		return rc;
	st->ds_page = rd32(b);
	st->ds_crc32 = rd32(b + 4);
	st->ds_size = rd32(b + 8);
	if (st->ds_page > (d->h.dh_new_size - 1) / d->h.dh_page_size || st->ds_size <= MVD_STEP_SIZE ||
	    st->ds_size > room)
		return MVD_E_CORRUPT;
	return 0;
}

static int parse_header(struct mvd *d)
{
	struct mvd_header *h = &d->h;
	int rc = d->size < MVD_HEADER_SIZE ? MVD_E_CORRUPT : get(d, 0, d->page, MVD_HEADER_SIZE);
	if (rc)
		return rc;
	const uint8_t *p = d->page;
	h->dh_magic = rd32(p);
	h->dh_format = mvb_get_le16(p + 4);
	h->dh_header_size = mvb_get_le16(p + 6);
	h->dh_flags = rd32(p + 0x08);
	h->dh_old_size = rd32(p + 0x0c);
	h->dh_new_size = rd32(p + 0x10);
	h->dh_page_size = rd32(p + 0x14);
	h->dh_base_addr = rd32(p + 0x18);
	h->dh_step_count = rd32(p + 0x1c);
	h->dh_map_count = rd32(p + 0x20);
	h->dh_index_size = rd32(p + 0x24);
	h->dh_body_size = rd32(p + 0x28);
	h->dh_reserved = rd32(p + 0x2c);
	memcpy(h->dh_old_sha256, p + 0x30, 32);
	memcpy(h->dh_new_sha256, p + 0x50, 32);
	uint32_t ps = h->dh_page_size;
	if (h->dh_magic != MVD_MAGIC || h->dh_format != MVD_FORMAT || h->dh_header_size != MVD_HEADER_SIZE ||
	    (h->dh_flags & ~(MVD_FLAG_THUMB | MVD_FLAG_PTR)) || h->dh_reserved || !h->dh_new_size ||
	    ps < MVD_PAGE_MIN || ps > MVD_PAGE_MAX || (ps & (ps - 1)) ||
	    (uint64_t)MVD_LABEL_SIZE * h->dh_map_count + (uint64_t)MVD_STEP_SIZE * h->dh_step_count !=
		    h->dh_index_size ||
	    (uint64_t)MVD_HEADER_SIZE + h->dh_index_size + h->dh_body_size != d->size)
		return MVD_E_CORRUPT;
	uint32_t big = h->dh_old_size > h->dh_new_size ? h->dh_old_size : h->dh_new_size;
	if (ps > d->pagebuf_size || h->dh_map_count > MVD_MAX_MAP || (big - 1) / ps >= MVD_MAX_PAGES)
		return MVD_E_LIMIT;
	return 0;
}

/* ---- records */

/* The old bytes for a copy go straight into the page buffer. */
static int do_copy(struct mvd *d, uint32_t dst)
{
	struct mvd_header *h = &d->h;
	int64_t src = (int64_t)dst + d->prev_d;
	if (src < 0 || src + d->n > h->dh_old_size)
		return MVD_E_CORRUPT;
	uint32_t ps = h->dh_page_size, s = (uint32_t)src, left = d->n, at = d->o;
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
		struct mvd_map m = { d->map, h->dh_map_count, h->dh_flags, h->dh_base_addr, h->dh_old_size };
		mvd_predict(d->page + d->o, d->n, (uint32_t)src, dst, &m);
	}
	return 0;
}

static void record_done(struct mvd *d)
{
	d->o += d->n;
	d->rst = R_H;
}

static int varint(uint32_t *v, uint32_t *shift, uint8_t b)
{
	if (*shift == 28 && (b & 0x70u))
		return MVD_E_CORRUPT;
	*v |= (uint32_t)(b & 0x7fu) << *shift;
	if (!(b & 0x80u))
		return 1;
	if ((*shift += 7) > 28)
		return MVD_E_CORRUPT;
	return 0;
}

static int32_t unzig(uint32_t v)
{
	return (int32_t)(v >> 1) ^ -(int32_t)(v & 1u);
}

static int record_byte(void *arg, uint8_t b)
{
	struct mvd *d = arg;
	int rc;
	switch (d->rst) {
	case R_RUN:
		d->page[d->o + d->pos++] += b;
		if (--d->m == 0) {
			if (--d->k == 0)
				record_done(d);
			else
				d->rst = R_GAP;
		}
		return 0;
	case R_LIT:
		d->page[d->o + d->pos++] = b;
		if (d->pos == d->n)
			record_done(d);
		return 0;
	case R_FILL:
		memset(d->page + d->o, b, d->n);
		record_done(d);
		return 0;
	default:
		break;
	}
	if (d->rst == R_H && d->o == d->content)
		return MVD_E_CORRUPT; /* records past the page */
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
		d->rst = d->kind == MVD_REC_LIT ? R_LIT : d->kind == MVD_REC_FILL ? R_FILL : R_D;
		return 0;
	case R_D: {
		int64_t nd = (int64_t)d->prev_d + unzig(v);
		if (nd < INT32_MIN || nd > INT32_MAX)
			return MVD_E_CORRUPT;
		d->prev_d = (int32_t)nd;
		if ((rc = do_copy(d, d->step_page * d->h.dh_page_size + d->o)))
			return rc;
		d->rst = R_K;
		return 0;
	}
	case R_K:
		d->k = v;
		if (!v)
			record_done(d);
		else
			d->rst = R_GAP;
		return 0;
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
}

/* ---- steps */

/* The step at d->off: its records rebuild the page in the buffer, which
 * is checked, journalled when it read its own old bytes (and always for
 * the first step, so that a resume that finds no progress knows the
 * region is exactly the old image), then written. */
static int apply_step(struct mvd *d, uint32_t first)
{
	struct mvd_step st;
	uint32_t ps = d->h.dh_page_size;
	int rc = step_at(d, d->off, d->size - d->off, &st);
	if (rc)
		return rc;
	if (bit(d->written, st.ds_page))
		return MVD_E_CORRUPT; /* a page written twice */
	uint32_t start = st.ds_page * ps, left = d->h.dh_new_size - start;
	d->step_page = st.ds_page;
	d->content = left < ps ? left : ps;
	d->o = 0;
	d->rst = R_H;
	d->rv = d->rshift = 0;
	d->prev_d = 0;
	d->self_read = (uint8_t)first;
	/* the stream: exactly the rest of the step */
	struct mvd_src *in = &d->in;
	uint32_t end = d->off + st.ds_size;
	if (in->off > end) {
		in->q -= in->off - end;
		in->off = end;
	}
	in->end = end;
	rc = mvd_inflate(&d->inf, &d->in, record_byte, d);
	d->off = mvd_src_used(&d->in);
	if (rc < 0)
		return rc;
	if (d->off != end || d->o != d->content || d->rst != R_H)
		return MVD_E_CORRUPT;
	memset(d->page + d->content, 0xff, ps - d->content);
	if (mvd_crc32(0, d->page, ps) != st.ds_crc32)
		return MVD_E_CRC;
	if (d->self_read && (d->ops->erase(d->ctx, MVD_STATE_PAGE) || d->ops->prog(d->ctx, MVD_STATE_PAGE, d->page)))
		return MVD_E_IO;
	if ((rc = write_page(d, st.ds_page)))
		return rc;
	set_bit(d->written, st.ds_page);
	return 0;
}

static int apply(struct mvd *d)
{
	struct mvd_header *h = &d->h;
	int rc = parse_header(d);
	if (rc)
		return rc;
	/* the label map */
	uint32_t idx = MVD_HEADER_SIZE, body = idx + h->dh_index_size;
	for (uint32_t i = 0; i < h->dh_map_count; i++, idx += MVD_LABEL_SIZE) {
		uint8_t b[MVD_LABEL_SIZE];
		d->off = idx;
		if ((rc = get(d, idx, b, sizeof b)))
			return rc;
		d->map[i].start = rd32(b);
		d->map[i].delta = (int32_t)rd32(b + 4);
		if (d->map[i].start > h->dh_old_size || (i && d->map[i].start <= d->map[i - 1].start) ||
		    (uint32_t)d->map[i].delta + (1u << 30) > (1u << 31))
			return MVD_E_CORRUPT;
	}
	/* The resume scan: steps whose page already holds its new content are
	 * done; the first that does not is where work continues. */
	uint32_t done = 0, at = body;
	struct mvd_step st = { 0, 0, 0 };
	for (; done < h->dh_step_count; done++, idx += MVD_STEP_SIZE, at += st.ds_size) {
		uint32_t crc;
		d->off = idx;
		if ((rc = step_at(d, idx, d->size - at, &st)) || (rc = page_crc(d, st.ds_page, &crc)))
			return rc;
		if (crc != st.ds_crc32)
			break;
		set_bit(d->written, st.ds_page);
	}
	d->off = at;
	if (done < h->dh_step_count) {
		uint32_t crc;
		if ((rc = page_crc(d, MVD_STATE_PAGE, &crc)))
			return rc;
		if (crc == st.ds_crc32) {
			/* the page was journalled, so it may be half written: copy it */
			if ((rc = write_page(d, st.ds_page)))
				return rc;
			set_bit(d->written, st.ds_page);
			d->off += st.ds_size;
			done++;
		} else if (!done && d->ops->sha256_check(d->ctx, h->dh_old_size, h->dh_old_sha256)) {
			return MVD_E_BASE;
		}
	}
	for (uint32_t i = done; i < h->dh_step_count; i++)
		if ((rc = apply_step(d, i == 0)))
			return rc;
	if (d->off != d->size)
		return MVD_E_CORRUPT; /* bytes after the last step */
	return d->ops->sha256_check(d->ctx, h->dh_new_size, h->dh_new_sha256) ? MVD_E_HASH : MVD_DONE;
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
	d->pagebuf_size = pagebuf_size < MVD_HEADER_SIZE ? 0 : pagebuf_size;
	d->size = size;
	return d->pagebuf_size ? apply(d) : MVD_E_LIMIT;
}
