/*
 * patch.c - the in-place, resumable patcher and the Thumb-2 predictor it
 * shares with the encoder.  The patch arrives in chunks; each step's
 * records rebuild one page in the caller's page buffer from the old image
 * (read through ops), the page is checked against its CRC, journalled to
 * the state page when it read its own old bytes, then erased and written.
 * After a power loss the same calls resume: the index is read again and
 * the first page that does not match its step CRC is where work restarts.
 */
#include "mvd.h"
#include "mvb/le.h"

enum { P_HDR, P_INDEX, P_STEP, P_FINISH, P_END };
enum { R_H, R_D, R_K, R_GAP, R_M, R_RUN, R_LIT, R_FILL };
enum { I_GAP, I_DELTA, I_PAGE, I_CRC, I_LEN };

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
				int32_t disp = (int32_t)(off << 7) >> 7;
				int64_t t = (int64_t)a + 4 + disp, nt = t;
				if (t >= 0 && t < (int64_t)m->old_size)
					nt = t + mvd_map_delta(m, (uint32_t)t);
				int64_t nd = nt - ((int64_t)dst + i + 4);
				if (nd >= -(1 << 24) && nd < (1 << 24)) {
					uint32_t u = (uint32_t)nd;
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

static int finish(struct mvd *d, int rc)
{
	if (rc < 0 || rc == MVD_DONE) {
		d->result = (int8_t)rc;
		d->phase = P_END;
	}
	return rc;
}

/* Content bytes of page p of the new image. */
static uint32_t content_of(const struct mvd *d, uint32_t p)
{
	uint32_t start = p * d->h.dh_page_size, left = d->h.dh_new_size - start;
	return left < d->h.dh_page_size ? left : d->h.dh_page_size;
}

static int page_crc(struct mvd *d, uint32_t page, uint32_t *crc)
{
	if (d->ops->read(d->ctx, page, 0, d->page, d->h.dh_page_size))
		return MVD_E_IO;
	*crc = mvd_crc32(0, d->page, d->h.dh_page_size);
	return 0;
}

/* ---- the index: map entries, then steps; the resume scan runs as the
 * step entries arrive, so their lengths need not be kept */

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

static int index_value(struct mvd *d, uint32_t v)
{
	struct mvd_header *h = &d->h;
	if (d->ist == I_GAP) {
		uint64_t start = (uint64_t)d->iprev + v;
		if ((d->icount && !v) || start > h->dh_old_size)
			return MVD_E_CORRUPT;
		d->map[d->icount].start = (uint32_t)start;
		d->iprev = (uint32_t)start;
		d->ist = I_DELTA;
		return 0;
	}
	if (d->ist == I_DELTA) {
		d->map[d->icount++].delta = unzig(v);
		if (d->icount == h->dh_map_count) {
			d->icount = 0;
			d->ist = I_PAGE;
		} else {
			d->ist = I_GAP;
		}
		return 0;
	}
	if (d->ist == I_PAGE) {
		int64_t p = (int64_t)d->iprevpage + unzig(v);
		uint32_t newpages = (h->dh_new_size - 1) / h->dh_page_size + 1;
		if (p < 0 || p >= newpages || bit(d->seen, (uint32_t)p))
			return MVD_E_CORRUPT;
		set_bit(d->seen, (uint32_t)p);
		d->iprevpage = (int32_t)p;
		d->step_page[d->icount] = (uint16_t)p;
		d->icrc = 0;
		d->crcn = 0;
		d->ist = I_CRC;
		return 0;
	}
	/* I_LEN */
	uint32_t s = d->icount;
	if (!v || v > h->dh_body_size - d->body_seen)
		return MVD_E_CORRUPT;
	if (d->scanning) {
		uint32_t crc;
		int rc = page_crc(d, d->step_page[s], &crc);
		if (rc)
			return rc;
		if (crc == d->step_crc[s]) {
			set_bit(d->written, d->step_page[s]);
			d->done_steps = s + 1;
		} else {
			d->scanning = 0;
			d->resume_off = d->body_off + d->body_seen;
			d->step_off = v; /* length of the step to resume */
		}
	}
	d->body_seen += v;
	d->icount++;
	d->ist = I_PAGE;
	return 0;
}

static int index_byte(void *arg, uint8_t b)
{
	struct mvd *d = arg;
	if (d->icount >= (d->ist <= I_DELTA ? d->h.dh_map_count : d->h.dh_step_count) && d->ist != I_CRC)
		return MVD_E_CORRUPT; /* more index than the header announced */
	if (d->ist == I_CRC) {
		d->icrc |= (uint32_t)b << (8 * d->crcn);
		if (++d->crcn == 4) {
			d->step_crc[d->icount] = d->icrc;
			d->ist = I_LEN;
		}
		return 0;
	}
	int rc = varint(&d->ival, &d->ishift, b);
	if (rc <= 0)
		return rc;
	uint32_t v = d->ival;
	d->ival = d->ishift = 0;
	return index_value(d, v);
}

static int parse_header(struct mvd *d)
{
	const uint8_t *p = d->page;
	struct mvd_header *h = &d->h;
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
	    ps < MVD_PAGE_MIN || ps > MVD_PAGE_MAX || (ps & (ps - 1)) || !h->dh_index_size ||
	    (uint64_t)MVD_HEADER_SIZE + h->dh_index_size + h->dh_body_size > 0xffffffffu ||
	    h->dh_body_size < h->dh_step_count)
		return MVD_E_CORRUPT;
	uint32_t big = h->dh_old_size > h->dh_new_size ? h->dh_old_size : h->dh_new_size;
	d->npages = (big - 1) / ps + 1;
	if (ps > d->pagebuf_size || h->dh_step_count > MVD_MAX_STEPS || h->dh_map_count > MVD_MAX_MAP ||
	    d->npages > MVD_MAX_PAGES)
		return MVD_E_LIMIT;
	d->body_off = MVD_HEADER_SIZE + h->dh_index_size;
	d->ist = h->dh_map_count ? I_GAP : I_PAGE;
	d->iprevpage = -1;
	d->scanning = 1;
	mvd_inflate_init(&d->inf);
	return 0;
}

/* ---- steps */

static int write_page(struct mvd *d, uint32_t page)
{
	if (d->ops->erase(d->ctx, page) || d->ops->prog(d->ctx, page, d->page))
		return MVD_E_IO;
	return 0;
}

static void begin_step(struct mvd *d)
{
	d->content = content_of(d, d->step_page[d->step]);
	d->o = 0;
	d->rst = R_H;
	d->rv = d->rshift = 0;
	d->prev_d = 0;
	d->self_read = d->step == 0; /* step 0 always journals: see mvd_feed */
	mvd_inflate_init(&d->inf);
}

/* After the index: restore a journalled page, check the base, find the
 * offset to continue from. */
static int after_index(struct mvd *d)
{
	struct mvd_header *h = &d->h;
	if (d->icount != h->dh_step_count || d->ist != I_PAGE || d->body_seen != h->dh_body_size)
		return MVD_E_CORRUPT;
	d->step = d->done_steps;
	if (d->step < h->dh_step_count) {
		uint32_t crc, pg = d->step_page[d->step];
		int rc = page_crc(d, MVD_STATE_PAGE, &crc);
		if (rc)
			return rc;
		if (crc == d->step_crc[d->step]) {
			/* the page was journalled, so it may be half written: copy it */
			if ((rc = write_page(d, pg)))
				return rc;
			set_bit(d->written, pg);
			d->resume_off += d->step_off;
			d->step++;
		} else if (d->step == 0 && d->ops->sha256_check(d->ctx, h->dh_old_size, h->dh_old_sha256)) {
			return MVD_E_BASE;
		}
	}
	if (d->step == h->dh_step_count)
		return d->ops->sha256_check(d->ctx, h->dh_new_size, h->dh_new_sha256) ? MVD_E_HASH : MVD_DONE;
	d->next_off = d->resume_off;
	d->phase = P_STEP;
	begin_step(d);
	return 0;
}

/* The old bytes for a copy go straight into the page buffer. */
static int do_copy(struct mvd *d, uint32_t dst)
{
	struct mvd_header *h = &d->h;
	int64_t src = (int64_t)dst + d->prev_d;
	if (src < 0 || src + d->n > h->dh_old_size)
		return MVD_E_CORRUPT;
	uint32_t ps = h->dh_page_size, s = (uint32_t)src, left = d->n, at = d->o;
	uint32_t self = d->step_page[d->step];
	while (left) {
		uint32_t pg = s / ps, off = s % ps, n = ps - off < left ? ps - off : left;
		if (bit(d->written, pg))
			return MVD_E_CORRUPT; /* already overwritten */
		if (pg == self)
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
		if ((rc = do_copy(d, d->step_page[d->step] * d->h.dh_page_size + d->o)))
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

static int end_step(struct mvd *d)
{
	uint32_t ps = d->h.dh_page_size, pg = d->step_page[d->step];
	if (d->o != d->content || d->rst != R_H)
		return MVD_E_CORRUPT;
	memset(d->page + d->content, 0xff, ps - d->content);
	if (mvd_crc32(0, d->page, ps) != d->step_crc[d->step])
		return MVD_E_CRC;
	/* A page rebuilt from its own old bytes cannot be rebuilt once it is
	 * erased: keep a copy first.  Step 0 always does, so that a resume that
	 * finds no progress knows the region is exactly the old image. */
	if (d->self_read) {
		if (d->ops->erase(d->ctx, MVD_STATE_PAGE) || d->ops->prog(d->ctx, MVD_STATE_PAGE, d->page))
			return MVD_E_IO;
	}
	int rc = write_page(d, pg);
	if (rc)
		return rc;
	set_bit(d->written, pg);
	if (++d->step == d->h.dh_step_count) {
		d->phase = P_FINISH;
		return 0;
	}
	begin_step(d);
	return 0;
}

void mvd_init(struct mvd *d, const struct mvd_ops *ops, void *ctx, uint8_t *pagebuf, uint32_t pagebuf_size)
{
	memset(d, 0, sizeof(*d) - sizeof(d->inf));
	d->ops = ops;
	d->ctx = ctx;
	d->page = pagebuf;
	d->pagebuf_size = pagebuf_size;
	d->phase = P_HDR;
}

uint32_t mvd_next_offset(const struct mvd *d)
{
	return d->next_off;
}

int mvd_feed(struct mvd *d, uint32_t off, const uint8_t *p, uint32_t n, uint32_t *used)
{
	const uint8_t *in = p, *end = p + n;
	int rc = 0;
	*used = 0;
	if (d->phase == P_END)
		return d->result;
	if (off != d->next_off)
		return MVD_SEEK;
	while (in < end || d->phase == P_FINISH) {
		const uint8_t *at = in;
		if (d->phase == P_HDR) {
			uint32_t take = MVD_HEADER_SIZE - d->next_off;
			if (take > (uint32_t)(end - in))
				take = (uint32_t)(end - in);
			if (d->pagebuf_size < MVD_HEADER_SIZE)
				return finish(d, MVD_E_LIMIT);
			memcpy(d->page + d->next_off, in, take);
			in += take;
			d->next_off += take;
			if (d->next_off == MVD_HEADER_SIZE) {
				if ((rc = parse_header(d)))
					return finish(d, rc);
				d->phase = P_INDEX;
			}
		} else if (d->phase == P_INDEX) {
			uint32_t room = d->body_off - d->next_off;
			const uint8_t *lim = (uint32_t)(end - in) > room ? in + room : end;
			rc = mvd_inflate_feed(&d->inf, &in, lim, index_byte, d);
			d->next_off += (uint32_t)(in - at);
			if (rc < 0)
				return finish(d, rc);
			if (rc == MVD_MORE && in == lim && lim != end)
				return finish(d, MVD_E_CORRUPT); /* the index runs into the body */
			if (rc == MVD_END) {
				if (d->next_off != d->body_off)
					return finish(d, MVD_E_CORRUPT);
				rc = after_index(d);
				if (rc)
					return finish(d, rc);
				if (d->next_off != d->body_off) {
					*used = (uint32_t)(in - p);
					return MVD_SEEK;
				}
			}
		} else if (d->phase == P_STEP) {
			rc = mvd_inflate_feed(&d->inf, &in, end, record_byte, d);
			d->next_off += (uint32_t)(in - at);
			if (rc < 0)
				return finish(d, rc);
			if (rc == MVD_END && (rc = end_step(d)))
				return finish(d, rc);
		} else if (d->phase == P_FINISH) {
			*used = (uint32_t)(in - p);
			if (d->next_off != d->body_off + d->h.dh_body_size)
				return finish(d, MVD_E_CORRUPT);
			if (in != end)
				return finish(d, MVD_E_CORRUPT); /* bytes after the last step */
			return finish(d, d->ops->sha256_check(d->ctx, d->h.dh_new_size, d->h.dh_new_sha256) ? MVD_E_HASH
													  : MVD_DONE);
		} else {
			return d->result;
		}
	}
	*used = (uint32_t)(in - p);
	return MVD_MORE;
}
