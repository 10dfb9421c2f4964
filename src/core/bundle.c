/* bundle.c - the bundle writer, its strict fail-fast reader, and payload
 * verification (chunk hashes, decoding, image hashes). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "deflate_int.h"
#include "mvb/app_header.h"
#include "mvb/board.h"
#include "mvb/bundle.h"
#include "mvb/delta.h"
#include "mvb/hash.h"
#include "mvb/sign.h"
#include "mvu.h"
#include "mvb/status.h"

const char *mvb_layer_role_name(unsigned role)
{
	return role == MVB_LAYER_MICROVISOR ? "microvisor" : role == MVB_LAYER_APP ? "app" :
	       role == MVB_LAYER_REVERT ? "revert" : "unknown";
}

const char *mvb_encoding_name(unsigned enc)
{
	return enc == MVB_ENC_RAW ? "raw" : enc == MVB_ENC_DEFLATE ? "deflate" : enc == MVB_ENC_DELTA ? "delta" : "unknown";
}

/* ---- writer */

static void put_manifest(unsigned char *o, const struct mvb_bundle_manifest *m)
{
	memcpy(o + 0x00, m->bm_board, 32);
	memcpy(o + 0x20, m->bm_app_name, 32);
	mvb_put_le32(o + 0x40, m->bm_app_version);
	mvb_put_le32(o + 0x44, m->bm_security_counter);
	mvb_put_le32(o + 0x48, m->bm_min_abi);
	mvb_put_le32(o + 0x4c, m->bm_flags);
	for (int i = 0; i < 2; i++)
		mvb_put_le32(o + 0x50 + 4 * i, m->bm_periph_mask[i]);
	for (int i = 0; i < 8; i++)
		mvb_put_le32(o + 0x58 + 4 * i, m->bm_irq_mask[i]);
	mvb_put_le32(o + 0x78, m->bm_build_time_lo);
	mvb_put_le32(o + 0x7c, m->bm_build_time_hi);
	mvb_put_le32(o + 0x80, m->bm_watchdog_ms);
	mvb_put_le32(o + 0x84, m->bm_update_defer_ms);
	mvb_put_le32(o + 0x88, m->bm_trial_ms);
}

static void put_layer(unsigned char *o, const struct mvb_bundle_layer *l)
{
	o[0] = l->bl_role;
	o[1] = l->bl_encoding;
	mvb_put_le32(o + 0x04, l->bl_target_addr);
	mvb_put_le32(o + 0x08, l->bl_size);
	mvb_put_le32(o + 0x0c, l->bl_encoded_size);
	mvb_put_le32(o + 0x10, l->bl_payload_off);
	mvb_put_le32(o + 0x14, l->bl_first_chunk);
	mvb_put_le32(o + 0x18, l->bl_chunk_count);
	memcpy(o + 0x20, l->bl_sha256, 32);
	memcpy(o + 0x40, l->bl_base_sha256, 32);
}

static const struct mvb_bundle_layer *base_layer(const struct mvb_bundle_view *base, unsigned role, const uint8_t *sha)
{
	for (unsigned j = 0; j < base->nl; j++)
		if (base->l[j].bl_role == role && base->l[j].bl_encoding != MVB_ENC_DELTA &&
		    (!sha || !memcmp(base->l[j].bl_sha256, sha, 32)))
			return &base->l[j];
	return NULL;
}

const char *mvb_layer_why_name(enum mvb_layer_why w)
{
	static const char *const names[] = { "own",	       "delta",    "no-base-layer", "larger",
					     "too-many-pages", "no-delta", "not-asked" };
	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "unknown";
}

/* Replaces the layer's stream by a delta from the base bundle's layer of
 * the same role when that is smaller; says why in r. */
static int delta_layer(const struct mvb_bundle_view *base, uint32_t page, const struct mvb_bundle_in_layer *in,
		       struct mvb_bundle_layer *l, struct mvb_buf *enc, struct mvb_layer_report *r)
{
	r->why = MVB_WHY_NO_BASE_LAYER;
	const struct mvb_bundle_layer *bl = base_layer(base, in->role, NULL);
	if (!bl)
		return 0;
	r->pages = in->size ? (in->size - 1) / page + 1 : 0;
	if (bl->bl_size > mvb_delta_max_image(page) || in->size > mvb_delta_max_image(page)) {
		/* no delta can start from it or make it (mvb_bundle_base_check
		 * says so to the user): never decode what may claim a GiB */
		r->why = MVB_WHY_TOO_MANY_PAGES;
		return 0;
	}
	struct mvb_buf old = MVB_BUF_INIT, patch = MVB_BUF_INIT;
	int rc = mvb_bundle_decode(base, (unsigned)(bl - base->l), &old);
	if (rc == MVB_EINPUT) /* a base that does not decode is no base */
		rc = 0;
	else if (!rc) {
		r->pages_changed = mvb_delta_pages_changed(old.data, old.len, in->data, in->size, page);
		struct mvb_delta_opts o = { page, in->addr, 1, 0 };
		rc = mvb_delta_encode(old.data, old.len, in->data, in->size, &o, &patch, NULL);
		if (rc == MVB_EINPUT) {
			r->why = old.len > mvb_delta_max_image(page) ? MVB_WHY_TOO_MANY_PAGES : MVB_WHY_NO_DELTA;
			rc = 0;
		} else if (!rc) {
			r->delta_size = (uint32_t)patch.len;
			r->why = MVB_WHY_LARGER;
			if (patch.len < enc->len) {
				enc->len = 0;
				rc = mvb_buf_append(enc, patch.data, patch.len);
				l->bl_encoding = MVB_ENC_DELTA;
				memcpy(l->bl_base_sha256, bl->bl_sha256, 32);
				r->why = MVB_WHY_DELTA;
			}
		}
	}
	mvb_buf_release(&old);
	mvb_buf_release(&patch);
	return rc;
}

/* The revert layer (MVB_LAYER_REVERT): a delta from the app image in
 * hand back to the base's app image, in r->revert_why and enc/l when
 * there is one. */
static int revert_layer(const struct mvb_bundle_view *base, uint32_t page, const struct mvb_bundle_in_layer *app,
			struct mvb_bundle_layer *l, struct mvb_buf *enc, struct mvb_build_report *r)
{
	r->revert_why = MVB_WHY_NO_BASE_LAYER;
	const struct mvb_bundle_layer *bl = base_layer(base, MVB_LAYER_APP, NULL);
	if (!bl)
		return 0;
	if (bl->bl_size > mvb_delta_max_image(page) || app->size > mvb_delta_max_image(page)) {
		r->revert_why = MVB_WHY_TOO_MANY_PAGES;
		return 0;
	}
	struct mvb_buf old = MVB_BUF_INIT;
	int rc = mvb_bundle_decode(base, (unsigned)(bl - base->l), &old);
	if (rc == MVB_EINPUT)
		rc = 0;
	else if (!rc) {
		struct mvb_delta_opts o = { page, app->addr, 1, 0 };
		rc = mvb_delta_encode(app->data, app->size, old.data, old.len, &o, enc, NULL);
		if (rc == MVB_EINPUT) {
			r->revert_why = MVB_WHY_NO_DELTA;
			rc = 0;
		} else if (!rc) {
			l->bl_role = MVB_LAYER_REVERT;
			l->bl_encoding = MVB_ENC_DELTA;
			l->bl_target_addr = app->addr;
			l->bl_size = (uint32_t)old.len;
			memcpy(l->bl_sha256, bl->bl_sha256, 32);
			mvb_sha256(app->data, app->size, l->bl_base_sha256);
			r->revert_why = MVB_WHY_DELTA;
			r->revert_size = (uint32_t)enc->len;
		}
	}
	mvb_buf_release(&old);
	return rc;
}

int mvb_bundle_base_check(const struct mvb_bundle_view *base, const char *file, uint32_t page, struct mvb_diags *d)
{
	int rc = 0;
	uint64_t max = mvb_delta_max_image(page);
	for (unsigned i = 0; i < base->nl; i++) {
		const struct mvb_bundle_layer *l = &base->l[i];
		if (l->bl_size > max)
			rc = mvb_report_at(d, file, (uint64_t)base->h.bh_layers_off + i * MVB_BUNDLE_LAYER_SIZE + 0x08,
					   MVB_CK_DELTA_LIMIT,
					   "base %s layer: bl_size is %u bytes, more than a delta starts from "
					   "(%llu bytes: %u pages of %u bytes)",
					   mvb_layer_role_name(l->bl_role), l->bl_size, (unsigned long long)max,
					   (unsigned)(max / page), page);
	}
	return rc ? MVB_EINPUT : 0;
}

uint32_t mvb_bundle_board_chunk(const struct mvb_board *b)
{
	/* A device checks a chunk whole before it uses a byte of it, so it
	 * buffers one: the app-code memory's erase page, 512 bytes up to what
	 * the microvisor's update client buffers (1 KiB: stm32u585's 8 KiB
	 * pages come in chunks of 1 KiB). */
	const struct mvb_partition *p = mvb_board_role(b, MVB_ROLE_APP_CODE);
	uint32_t e = p ? b->mem[p->memory].erase_size : 0, cs = 512;
	if (!e)
		return MVB_BUNDLE_CHUNK_SIZE;
	while (cs < e && cs < MVB_BUNDLE_DEVICE_CHUNK_MAX)
		cs *= 2;
	return cs;
}

int mvb_bundle_build(const struct mvb_bundle_spec *s, struct mvb_buf *out)
{
	if (!s->nlayers || s->nlayers > MVB_BUNDLE_MAX_LAYERS || (s->base && !s->delta_page_size))
		return MVB_EINPUT;
	uint32_t cs = s->chunk_size ? s->chunk_size : MVB_BUNDLE_CHUNK_SIZE;
	struct mvb_buf enc[MVB_BUNDLE_MAX_LAYERS + 1];
	struct mvb_bundle_layer l[MVB_BUNDLE_MAX_LAYERS + 1];
	memset(l, 0, sizeof(l));
	int rc = 0;
	uint64_t payload = 0, chunks = 0;
	const unsigned char *ins[MVB_BUNDLE_MAX_LAYERS];
	size_t lens[MVB_BUNDLE_MAX_LAYERS];
	unsigned nl = s->nlayers;
	mvb_buf_init(&enc[nl], 0);
	for (unsigned i = 0; i < s->nlayers; i++) {
		mvb_buf_init(&enc[i], 0);
		ins[i] = s->layer[i].data;
		lens[i] = s->layer[i].size;
	}
	if (s->allow_deflate)
		rc = mvb_deflate_raw(ins, lens, s->nlayers, 9, s->threads, enc);
	struct mvb_build_report scratch, *rep = s->report ? s->report : &scratch;
	memset(rep, 0, sizeof(*rep));
	rep->nl = s->nlayers;
	rep->page_size = s->base ? s->delta_page_size : 0;
	for (unsigned i = 0; i < s->nlayers && !rc; i++) {
		const struct mvb_bundle_in_layer *in = &s->layer[i];
		l[i].bl_role = in->role;
		l[i].bl_target_addr = in->addr;
		l[i].bl_size = in->size;
		mvb_sha256(in->data, in->size, l[i].bl_sha256);
		if (s->allow_deflate && enc[i].len < in->size) {
			l[i].bl_encoding = MVB_ENC_DEFLATE;
		} else {
			enc[i].len = 0;
			rc = mvb_buf_append(&enc[i], in->data, in->size);
			l[i].bl_encoding = MVB_ENC_RAW;
		}
		struct mvb_layer_report *r = &rep->l[i];
		r->role = in->role;
		r->size = in->size;
		r->own_size = (uint32_t)enc[i].len;
		if (!rc && s->base)
			rc = delta_layer(s->base, s->delta_page_size, in, &l[i], &enc[i], r);
		r->encoding = l[i].bl_encoding;
		r->encoded_size = (uint32_t)enc[i].len;
		l[i].bl_encoded_size = (uint32_t)enc[i].len;
		l[i].bl_payload_off = (uint32_t)payload;
		l[i].bl_first_chunk = (uint32_t)chunks;
		l[i].bl_chunk_count = (uint32_t)((enc[i].len + cs - 1) / cs);
		payload += enc[i].len;
		chunks += l[i].bl_chunk_count;
	}
	/* with a base, the app layer's revert layer last: its chunks follow
	 * the app layer's, the roles stay in order */
	const struct mvb_bundle_in_layer *app = NULL;
	for (unsigned i = 0; i < s->nlayers; i++)
		if (s->layer[i].role == MVB_LAYER_APP && i == s->nlayers - 1)
			app = &s->layer[i];
	if (s->base && s->no_revert)
		rep->revert_why = MVB_WHY_NOT_ASKED;
	else if (!rc && s->base && app) {
		if (nl == MVB_BUNDLE_MAX_LAYERS)
			rc = MVB_ELIMIT;
		else
			rc = revert_layer(s->base, s->delta_page_size, app, &l[nl], &enc[nl], rep);
		if (!rc && rep->revert_why == MVB_WHY_DELTA) {
			struct mvb_layer_report *r = &rep->l[nl];
			r->role = MVB_LAYER_REVERT;
			r->why = MVB_WHY_DELTA;
			r->encoding = MVB_ENC_DELTA;
			r->size = l[nl].bl_size;
			r->encoded_size = r->delta_size = l[nl].bl_encoded_size = (uint32_t)enc[nl].len;
			l[nl].bl_payload_off = (uint32_t)payload;
			l[nl].bl_first_chunk = (uint32_t)chunks;
			l[nl].bl_chunk_count = (uint32_t)((enc[nl].len + cs - 1) / cs);
			payload += enc[nl].len;
			chunks += l[nl].bl_chunk_count;
			rep->nl = ++nl;
		}
	}
	uint64_t chunks_off = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + (uint64_t)nl * MVB_BUNDLE_LAYER_SIZE;
	uint64_t payload_off = chunks_off + chunks * 32;
	if (!rc && payload_off + payload + MVB_BUNDLE_SIGS_SIZE > 0xffffffffu)
		rc = MVB_ELIMIT;
	unsigned char h[MVB_BUNDLE_HEADER_SIZE], m[MVB_BUNDLE_MANIFEST_SIZE], lb[MVB_BUNDLE_LAYER_SIZE];
	if (!rc) {
		memset(h, 0, sizeof(h));
		mvb_put_le32(h + 0x00, MVB_BUNDLE_MAGIC);
		mvb_put_le16(h + 0x04, MVB_BUNDLE_FORMAT);
		mvb_put_le16(h + 0x06, MVB_BUNDLE_HEADER_SIZE);
		mvb_put_le32(h + 0x0c, MVB_BUNDLE_HEADER_SIZE);
		mvb_put_le32(h + 0x10, MVB_BUNDLE_MANIFEST_SIZE);
		mvb_put_le32(h + 0x14, MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE);
		mvb_put_le16(h + 0x18, (uint16_t)nl);
		mvb_put_le16(h + 0x1a, MVB_BUNDLE_LAYER_SIZE);
		mvb_put_le32(h + 0x1c, (uint32_t)chunks_off);
		mvb_put_le32(h + 0x20, (uint32_t)chunks);
		mvb_put_le32(h + 0x24, cs);
		mvb_put_le32(h + 0x28, (uint32_t)payload_off);
		mvb_put_le32(h + 0x2c, (uint32_t)payload);
		memset(m, 0, sizeof(m));
		put_manifest(m, &s->manifest);
		rc = mvb_buf_append(out, h, sizeof(h));
		rc |= mvb_buf_append(out, m, sizeof(m));
	}
	for (unsigned i = 0; i < nl && !rc; i++) {
		memset(lb, 0, sizeof(lb));
		put_layer(lb, &l[i]);
		rc = mvb_buf_append(out, lb, sizeof(lb));
	}
	for (unsigned i = 0; i < nl && !rc; i++) {
		for (uint32_t c = 0; c < l[i].bl_chunk_count && !rc; c++) {
			uint8_t hash[32];
			uint32_t off = c * cs, n = l[i].bl_encoded_size - off < cs ? l[i].bl_encoded_size - off : cs;
			mvb_sha256(enc[i].data + off, n, hash);
			rc = mvb_buf_append(out, hash, 32);
		}
	}
	for (unsigned i = 0; i < nl && !rc; i++)
		rc = mvb_buf_append(out, enc[i].data, enc[i].len);
	if (!rc) {
		unsigned char sb[MVB_BUNDLE_SIGS_SIZE] = { 0 };
		mvb_put_le32(sb, MVB_BUNDLE_SIGS_MAGIC);
		mvb_put_le16(sb + 6, MVB_BUNDLE_SIG_SIZE);
		rc = mvb_buf_append(out, sb, sizeof(sb));
	}
	for (unsigned i = 0; i <= s->nlayers; i++)
		mvb_buf_release(&enc[i]);
	return rc;
}

/* ---- reader */

struct rd {
	const char *file;
	struct mvb_diags *d;
};

#define bad(r, off, ...) mvb_report_at((r)->d, (r)->file, (off), __VA_ARGS__)

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* A NUL-terminated, NUL-padded name field. */
static int name_ok(const char *p, size_t n)
{
	size_t l = strnlen(p, n);
	if (l == n)
		return 0;
	for (size_t i = 0; i < l; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] >= 0x7f)
			return 0;
	return all_zero((const unsigned char *)p + l, n - l);
}

static int is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

int mvb_bundle_parse(struct mvb_bundle_view *v, const char *file, const unsigned char *data, size_t len,
		     struct mvb_diags *d)
{
	struct rd rs = { file, d }, *r = &rs;
	memset(v, 0, sizeof(*v));
	v->data = data;
	v->len = len;
	if (len < 4 || mvb_le32(data) != MVB_BUNDLE_MAGIC)
		return len < 4 ? bad(r, len, MVB_CK_BUNDLE_TRUNCATED, "file ends after %zu bytes, inside the header", len)
			       : bad(r, 0, MVB_CK_BUNDLE_MAGIC, "bh_magic is 0x%08x, not \"MVB1\"", mvb_le32(data));
	if (len < MVB_BUNDLE_HEADER_SIZE)
		return bad(r, len, MVB_CK_BUNDLE_TRUNCATED, "file ends after %zu bytes, inside the 64-byte header", len);
	struct mvb_bundle_header *h = &v->h;
	h->bh_magic = mvb_le32(data);
	h->bh_format = mvb_le16(data + 0x04);
	h->bh_header_size = mvb_le16(data + 0x06);
	h->bh_flags = mvb_le32(data + 0x08);
	h->bh_manifest_off = mvb_le32(data + 0x0c);
	h->bh_manifest_size = mvb_le32(data + 0x10);
	h->bh_layers_off = mvb_le32(data + 0x14);
	h->bh_layer_count = mvb_le16(data + 0x18);
	h->bh_layer_size = mvb_le16(data + 0x1a);
	h->bh_chunks_off = mvb_le32(data + 0x1c);
	h->bh_chunk_count = mvb_le32(data + 0x20);
	h->bh_chunk_size = mvb_le32(data + 0x24);
	h->bh_payload_off = mvb_le32(data + 0x28);
	h->bh_payload_size = mvb_le32(data + 0x2c);
	if (h->bh_format != MVB_BUNDLE_FORMAT)
		return bad(r, 0x04, MVB_CK_BUNDLE_FORMAT, "bh_format is %u; this mvbuild reads format 1", h->bh_format);
	if (h->bh_header_size != MVB_BUNDLE_HEADER_SIZE)
		return bad(r, 0x06, MVB_CK_BUNDLE_FIELD, "bh_header_size is %u, not 64", h->bh_header_size);
	if (h->bh_flags)
		return bad(r, 0x08, MVB_CK_BUNDLE_FIELD, "bh_flags is 0x%08x; no flags are defined", h->bh_flags);
	if (!all_zero(data + 0x30, 16))
		return bad(r, 0x30, MVB_CK_BUNDLE_FIELD, "bh_reserved is not zero");
	if (h->bh_manifest_off != MVB_BUNDLE_HEADER_SIZE || h->bh_manifest_size != MVB_BUNDLE_MANIFEST_SIZE)
		return bad(r, 0x0c, MVB_CK_BUNDLE_LAYOUT, "manifest at 0x%x size %u, not at 0x40 size 192",
			   h->bh_manifest_off, h->bh_manifest_size);
	if (h->bh_layers_off != MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE)
		return bad(r, 0x14, MVB_CK_BUNDLE_LAYOUT, "bh_layers_off is 0x%x, not 0x100", h->bh_layers_off);
	if (h->bh_layer_count < 1 || h->bh_layer_count > MVB_BUNDLE_MAX_LAYERS)
		return bad(r, 0x18, MVB_CK_BUNDLE_FIELD, "bh_layer_count is %u (1-%u)", h->bh_layer_count,
			   MVB_BUNDLE_MAX_LAYERS);
	if (h->bh_layer_size != MVB_BUNDLE_LAYER_SIZE)
		return bad(r, 0x1a, MVB_CK_BUNDLE_FIELD, "bh_layer_size is %u, not 96", h->bh_layer_size);
	uint64_t chunks_off = (uint64_t)h->bh_layers_off + (uint64_t)h->bh_layer_count * MVB_BUNDLE_LAYER_SIZE;
	if (h->bh_chunks_off != chunks_off)
		return bad(r, 0x1c, MVB_CK_BUNDLE_LAYOUT, "bh_chunks_off is 0x%x, not 0x%llx (after the layer table)",
			   h->bh_chunks_off, (unsigned long long)chunks_off);
	if (!is_pow2(h->bh_chunk_size) || h->bh_chunk_size < 512 || h->bh_chunk_size > 65536)
		return bad(r, 0x24, MVB_CK_BUNDLE_FIELD, "bh_chunk_size is %u (a power of two, 512-65536)", h->bh_chunk_size);
	uint64_t payload_off = chunks_off + (uint64_t)h->bh_chunk_count * 32;
	if (h->bh_payload_off != payload_off)
		return bad(r, 0x28, MVB_CK_BUNDLE_LAYOUT, "bh_payload_off is 0x%x, not 0x%llx (after the chunk table)",
			   h->bh_payload_off, (unsigned long long)payload_off);
	/* everything the header describes, plus the signature block header */
	uint64_t sigs_off = payload_off + h->bh_payload_size;
	if (!mvb_range_ok(0, sigs_off + MVB_BUNDLE_SIGS_SIZE, len))
		return bad(r, len, MVB_CK_BUNDLE_TRUNCATED,
			   "file ends at 0x%zx but the header describes 0x%llx bytes before the signatures", len,
			   (unsigned long long)sigs_off + MVB_BUNDLE_SIGS_SIZE);

	/* manifest */
	const unsigned char *m = data + MVB_BUNDLE_HEADER_SIZE;
	memcpy(v->m.bm_board, m, 32);
	memcpy(v->m.bm_app_name, m + 0x20, 32);
	v->m.bm_app_version = mvb_le32(m + 0x40);
	v->m.bm_security_counter = mvb_le32(m + 0x44);
	v->m.bm_min_abi = mvb_le32(m + 0x48);
	v->m.bm_flags = mvb_le32(m + 0x4c);
	for (int i = 0; i < 2; i++)
		v->m.bm_periph_mask[i] = mvb_le32(m + 0x50 + 4 * i);
	for (int i = 0; i < 8; i++)
		v->m.bm_irq_mask[i] = mvb_le32(m + 0x58 + 4 * i);
	v->m.bm_build_time_lo = mvb_le32(m + 0x78);
	v->m.bm_build_time_hi = mvb_le32(m + 0x7c);
	v->m.bm_watchdog_ms = mvb_le32(m + 0x80);
	v->m.bm_update_defer_ms = mvb_le32(m + 0x84);
	v->m.bm_trial_ms = mvb_le32(m + 0x88);
	if (!name_ok(v->m.bm_board, 32) || !v->m.bm_board[0])
		return bad(r, 0x40, MVB_CK_BUNDLE_FIELD, "bm_board is not a NUL-terminated, NUL-padded name");
	if (!name_ok(v->m.bm_app_name, 32))
		return bad(r, 0x60, MVB_CK_BUNDLE_FIELD, "bm_app_name is not a NUL-terminated, NUL-padded name");
	if (v->m.bm_flags & ~MVB_APPHDR_F_ALL)
		return bad(r, 0x40 + 0x4c, MVB_CK_BUNDLE_FIELD, "bm_flags is 0x%08x; only 0x%08x are defined",
			   v->m.bm_flags, MVB_APPHDR_F_ALL);
	/* a deadline the microvisor would refuse in the header it becomes */
	if (v->m.bm_watchdog_ms &&
	    (v->m.bm_watchdog_ms < MVB_APPHDR_WATCHDOG_MIN_MS || v->m.bm_watchdog_ms > MVB_APPHDR_WATCHDOG_MAX_MS))
		return bad(r, 0x40 + 0x80, MVB_CK_BUNDLE_FIELD, "bm_watchdog_ms is %u; a watchdog is 0 (none) or %u-%u ms",
			   v->m.bm_watchdog_ms, MVB_APPHDR_WATCHDOG_MIN_MS, MVB_APPHDR_WATCHDOG_MAX_MS);
	if (v->m.bm_update_defer_ms > MVB_APPHDR_UPDATE_DEFER_MAX_MS)
		return bad(r, 0x40 + 0x84, MVB_CK_BUNDLE_FIELD, "bm_update_defer_ms is %u; the longest is %u ms",
			   v->m.bm_update_defer_ms, MVB_APPHDR_UPDATE_DEFER_MAX_MS);
	if (v->m.bm_trial_ms > MVB_APPHDR_TRIAL_MAX_MS)
		return bad(r, 0x40 + 0x88, MVB_CK_BUNDLE_FIELD, "bm_trial_ms is %u; the longest is %u ms",
			   v->m.bm_trial_ms, MVB_APPHDR_TRIAL_MAX_MS);
	if (!all_zero(m + 0x8c, 52))
		return bad(r, 0x40 + 0x8c, MVB_CK_BUNDLE_FIELD, "bm_reserved is not zero");

	/* layers: canonical order, contiguous streams and chunk runs */
	uint64_t next_payload = 0, next_chunk = 0;
	unsigned roles = 0;
	v->nl = h->bh_layer_count;
	for (unsigned i = 0; i < v->nl; i++) {
		uint64_t o = h->bh_layers_off + (uint64_t)i * MVB_BUNDLE_LAYER_SIZE;
		const unsigned char *p = data + o;
		struct mvb_bundle_layer *l = &v->l[i];
		l->bl_role = p[0];
		l->bl_encoding = p[1];
		l->bl_reserved0 = mvb_le16(p + 2);
		l->bl_target_addr = mvb_le32(p + 0x04);
		l->bl_size = mvb_le32(p + 0x08);
		l->bl_encoded_size = mvb_le32(p + 0x0c);
		l->bl_payload_off = mvb_le32(p + 0x10);
		l->bl_first_chunk = mvb_le32(p + 0x14);
		l->bl_chunk_count = mvb_le32(p + 0x18);
		l->bl_reserved1 = mvb_le32(p + 0x1c);
		memcpy(l->bl_sha256, p + 0x20, 32);
		memcpy(l->bl_base_sha256, p + 0x40, 32);
		if (l->bl_role != MVB_LAYER_MICROVISOR && l->bl_role != MVB_LAYER_APP && l->bl_role != MVB_LAYER_REVERT)
			return bad(r, o, MVB_CK_BUNDLE_FIELD, "layer %u: bl_role %u is not microvisor (1), app (2) or revert (3)",
				   i, l->bl_role);
		if (roles & (1u << l->bl_role))
			return bad(r, o, MVB_CK_BUNDLE_FIELD, "layer %u repeats role %s", i, mvb_layer_role_name(l->bl_role));
		roles |= 1u << l->bl_role;
		/* the revert layer undoes the app layer just before it */
		const struct mvb_bundle_layer *app = i ? &v->l[i - 1] : NULL;
		if (l->bl_role == MVB_LAYER_REVERT &&
		    (!app || app->bl_role != MVB_LAYER_APP || i + 1 != v->nl || l->bl_encoding != MVB_ENC_DELTA ||
		     l->bl_target_addr != app->bl_target_addr || memcmp(l->bl_base_sha256, app->bl_sha256, 32)))
			return bad(r, o, MVB_CK_BUNDLE_FIELD,
				   "layer %u: a revert layer is the last, after the app layer, a delta from its image to "
				   "the same address",
				   i);
		if (l->bl_encoding > MVB_ENC_DELTA)
			return bad(r, o + 1, MVB_CK_BUNDLE_FIELD, "layer %u: bl_encoding %u is unknown", i, l->bl_encoding);
		if (l->bl_reserved0 || l->bl_reserved1)
			return bad(r, o + 2, MVB_CK_BUNDLE_FIELD, "layer %u: reserved fields not zero", i);
		if ((l->bl_encoding == MVB_ENC_DELTA) == all_zero(l->bl_base_sha256, 32))
			return bad(r, o + 0x40, MVB_CK_BUNDLE_FIELD, "layer %u: bl_base_sha256 is %s", i,
				   l->bl_encoding == MVB_ENC_DELTA ? "zero for a delta layer" : "set but the layer is not a delta");
		if (!l->bl_size || (uint64_t)l->bl_target_addr + l->bl_size > 0x100000000ull)
			return bad(r, o + 8, MVB_CK_BUNDLE_FIELD, "layer %u: size %u at 0x%08x is empty or wraps the address space",
				   i, l->bl_size, l->bl_target_addr);
		if (l->bl_encoding == MVB_ENC_RAW && l->bl_encoded_size != l->bl_size)
			return bad(r, o + 0x0c, MVB_CK_BUNDLE_FIELD, "layer %u: raw stream of %u bytes for a %u-byte image", i,
				   l->bl_encoded_size, l->bl_size);
		if (!l->bl_encoded_size)
			return bad(r, o + 0x0c, MVB_CK_BUNDLE_FIELD, "layer %u: empty stream", i);
		if (l->bl_payload_off != next_payload)
			return bad(r, o + 0x10, MVB_CK_BUNDLE_LAYOUT, "layer %u: stream at payload offset 0x%x, not 0x%llx", i,
				   l->bl_payload_off, (unsigned long long)next_payload);
		next_payload += l->bl_encoded_size;
		if (next_payload > h->bh_payload_size)
			return bad(r, o + 0x0c, MVB_CK_BUNDLE_LAYOUT, "layer %u: stream ends past the payload (%u bytes)", i,
				   h->bh_payload_size);
		uint64_t want = ((uint64_t)l->bl_encoded_size + h->bh_chunk_size - 1) / h->bh_chunk_size;
		if (l->bl_first_chunk != next_chunk || l->bl_chunk_count != want)
			return bad(r, o + 0x14, MVB_CK_BUNDLE_LAYOUT, "layer %u: chunks %u+%u, not %llu+%llu", i,
				   l->bl_first_chunk, l->bl_chunk_count, (unsigned long long)next_chunk,
				   (unsigned long long)want);
		next_chunk += want;
	}
	if (next_payload != h->bh_payload_size)
		return bad(r, 0x2c, MVB_CK_BUNDLE_LAYOUT, "bh_payload_size is %u but the layers hold %llu bytes",
			   h->bh_payload_size, (unsigned long long)next_payload);
	if (next_chunk != h->bh_chunk_count)
		return bad(r, 0x20, MVB_CK_BUNDLE_LAYOUT, "bh_chunk_count is %u but the layers need %llu",
			   h->bh_chunk_count, (unsigned long long)next_chunk);
	v->chunks = data + h->bh_chunks_off;
	v->payload = data + h->bh_payload_off;

	/* signature block: exactly to the end of the file */
	v->sigs_off = (size_t)sigs_off;
	const unsigned char *s = data + sigs_off;
	if (mvb_le32(s) != MVB_BUNDLE_SIGS_MAGIC)
		return bad(r, sigs_off, MVB_CK_BUNDLE_MAGIC, "bs_magic is 0x%08x, not \"MVBS\"", mvb_le32(s));
	unsigned count = mvb_le16(s + 4), esize = mvb_le16(s + 6);
	if (count > MVB_BUNDLE_MAX_SIGS)
		return bad(r, sigs_off + 4, MVB_CK_BUNDLE_FIELD, "bs_count is %u (0-%u)", count, MVB_BUNDLE_MAX_SIGS);
	if (esize != MVB_BUNDLE_SIG_SIZE)
		return bad(r, sigs_off + 6, MVB_CK_BUNDLE_FIELD, "bs_entry_size is %u, not 88", esize);
	uint64_t end = sigs_off + MVB_BUNDLE_SIGS_SIZE + (uint64_t)count * MVB_BUNDLE_SIG_SIZE;
	if (end > len)
		return bad(r, len, MVB_CK_BUNDLE_TRUNCATED, "file ends inside signature %llu",
			   (unsigned long long)((len - sigs_off - MVB_BUNDLE_SIGS_SIZE) / MVB_BUNDLE_SIG_SIZE));
	if (end < len)
		return bad(r, end, MVB_CK_BUNDLE_LAYOUT, "%llu byte%s after the signature block", (unsigned long long)(len - end),
			   len - end == 1 ? "" : "s");
	v->ns = count;
	for (unsigned i = 0; i < count; i++) {
		uint64_t o = sigs_off + MVB_BUNDLE_SIGS_SIZE + (uint64_t)i * MVB_BUNDLE_SIG_SIZE;
		const unsigned char *p = data + o;
		struct mvb_bundle_sig *g = &v->s[i];
		memcpy(g->sg_key_id, p, 8);
		g->sg_alg = mvb_le16(p + 8);
		g->sg_len = mvb_le16(p + 10);
		memcpy(g->sg_der, p + 12, 72);
		g->sg_reserved = mvb_le32(p + 0x54);
		if (g->sg_alg != MVB_SIG_ECDSA_P256_SHA256)
			return bad(r, o + 8, MVB_CK_BUNDLE_FIELD, "signature %u: sg_alg %u is not ECDSA P-256 (1)", i, g->sg_alg);
		if (g->sg_len < 8 || g->sg_len > 72)
			return bad(r, o + 10, MVB_CK_BUNDLE_FIELD, "signature %u: sg_len %u (8-72)", i, g->sg_len);
		if (!all_zero(g->sg_der + g->sg_len, 72u - g->sg_len) || g->sg_reserved)
			return bad(r, o + 12, MVB_CK_BUNDLE_FIELD, "signature %u: padding or reserved bytes not zero", i);
		for (unsigned j = 0; j < i; j++)
			if (!memcmp(v->s[j].sg_key_id, g->sg_key_id, 8))
				return bad(r, o, MVB_CK_BUNDLE_FIELD, "signature %u repeats the key id of signature %u", i, j);
	}
	return 0;
}

/* The board's partitions as the placement rule sees them. */
static size_t board_parts(const struct mvb_board *b, struct mvu_part *out)
{
	for (size_t i = 0; i < b->npart; i++) {
		const struct mvb_partition *p = &b->part[i];
		uint32_t s = mvb_partition_s_base(b, p), ns = mvb_partition_ns_base(b, p), own = mvb_partition_base(b, p);
		uint32_t role = p->role == MVB_ROLE_MV_CODE	 ? MVU_PART_MV_CODE
				: p->role == MVB_ROLE_VENEERS	 ? MVU_PART_VENEERS
				: p->role == MVB_ROLE_APP_CODE	 ? MVU_PART_APP_CODE
				: p->role == MVB_ROLE_APP_HEADER ? MVU_PART_APP_HEADER
								 : MVU_PART_OTHER;
		out[i] = (struct mvu_part){ own, own == s ? ns : s, p->size, role };
	}
	return b->npart;
}

int mvb_bundle_check_layers(const struct mvb_bundle_view *v, const struct mvb_board *b, const char *file,
			    struct mvb_diags *d)
{
	struct mvu_part parts[MVB_BOARD_MAX_PARTITIONS];
	size_t n = board_parts(b, parts);
	int failed = 0;
	for (unsigned i = 0; i < v->nl; i++) {
		const struct mvb_bundle_layer *l = &v->l[i];
		struct mvu_where w;
		int rc = mvu_place(parts, n, l->bl_role, l->bl_target_addr, l->bl_size, &w);
		if (rc == MVU_PLACED)
			continue;
		failed = 1;
		const char *role = mvb_layer_role_name(l->bl_role);
		const struct mvb_partition *p = w.part < b->npart ? &b->part[w.part] : NULL;
		uint32_t last = l->bl_size ? l->bl_target_addr + (l->bl_size - 1) : l->bl_target_addr;
		struct mvb_loc loc = MVB_LOC_INIT;
		loc.file = file;
		loc.has_offset = 1;
		loc.offset = MVB_BUNDLE_HEADER_SIZE + MVB_BUNDLE_MANIFEST_SIZE + (uint64_t)i * MVB_BUNDLE_LAYER_SIZE + 0x04;
		loc.has_range = 1;
		loc.lo = w.addr;
		loc.hi = last;
		switch (rc) {
		case MVU_E_START:
			mvb_report(d, &loc, MVB_CK_BUNDLE_LAYER_START,
				   "%s layer starts at 0x%08x, but board '%s' installs it at 0x%08x, the start of '%s'", role,
				   (unsigned)l->bl_target_addr, b->name, (unsigned)parts[w.part].base, p->name);
			break;
		case MVU_E_ALIAS:
			mvb_report(d, &loc, MVB_CK_BUNDLE_LAYER_START,
				   "%s layer reaches '%s' of board '%s' through its %s alias at 0x%08x; it belongs in the %s "
				   "alias at 0x%08x",
				   role, p->name, b->name, p->world == MVB_WORLD_NONSECURE ? "secure" : "non-secure",
				   (unsigned)w.addr, p->world == MVB_WORLD_NONSECURE ? "non-secure" : "secure",
				   (unsigned)(parts[w.part].base + (w.addr - parts[w.part].other_base)));
			break;
		case MVU_E_OVERLAP:
			mvb_report(d, &loc, MVB_CK_BUNDLE_LAYER_PARTITION,
				   "%s layer (0x%08x-0x%08x) runs into '%s' (%s) of board '%s' at 0x%08x", role,
				   (unsigned)l->bl_target_addr, (unsigned)last, p->name, mvb_role_name(p->role), b->name,
				   (unsigned)w.addr);
			break;
		case MVU_E_OUTSIDE:
			mvb_report(d, &loc, MVB_CK_BUNDLE_LAYER_OUTSIDE,
				   "%s layer (0x%08x-0x%08x) runs past every partition of board '%s' at 0x%08x", role,
				   (unsigned)l->bl_target_addr, (unsigned)last, b->name, (unsigned)w.addr);
			break;
		default:
			loc.has_range = 0;
			mvb_report(d, &loc, MVB_CK_BUNDLE_LAYER_PARTITION, "board '%s' has no partition for a %s layer",
				   b->name, role);
		}
	}
	return failed ? MVB_EINPUT : 0;
}

int mvb_bundle_delta_page(const struct mvb_bundle_view *v, unsigned i, uint32_t *ps)
{
	const struct mvb_bundle_layer *l = &v->l[i];
	struct mvd_header h;
	struct mvb_diags d = MVB_DIAGS_INIT;
	int rc = l->bl_encoding != MVB_ENC_DELTA ||
		 mvb_delta_header(&h, "", v->payload + l->bl_payload_off, l->bl_encoded_size, &d);
	mvb_diags_release(&d);
	if (rc)
		return MVB_EINPUT;
	*ps = h.dh_page_size;
	return 0;
}

int mvb_bundle_decode(const struct mvb_bundle_view *v, unsigned i, struct mvb_buf *out)
{
	const struct mvb_bundle_layer *l = &v->l[i];
	const unsigned char *src = v->payload + l->bl_payload_off;
	size_t base = out->len;
	if (l->bl_encoding == MVB_ENC_RAW) /* the parser holds bl_encoded_size == bl_size */
		return mvb_buf_append(out, src, l->bl_size);
	if (l->bl_encoding == MVB_ENC_DELTA)
		return MVB_EINPUT;
	z_stream z;
	memset(&z, 0, sizeof(z));
	/* zlib decoding into one buffer reaches back past any window size, so
	 * the 4 KiB device limit is not enforced here (the writer keeps to it) */
	if (inflateInit2(&z, -15) != Z_OK)
		return MVB_ENOMEM;
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = l->bl_encoded_size;
	/* The output grows with what the stream really produces (doubling from
	 * 64 KiB), never ahead of it to what bl_size claims: a layer claiming
	 * 4 GiB over a few bytes of stream costs what those bytes inflate to.
	 * One byte of room past bl_size shows a stream that goes on. */
	size_t room = (size_t)l->bl_size + 1, got = 0;
	int zr = Z_OK, rc = 0;
	while (zr == Z_OK) {
		size_t step = got < 65536 ? 65536 : got;
		if (step > room - got)
			step = room - got;
		if (!step)
			break;
		out->len = base + got;
		if ((rc = mvb_buf_zero(out, step)) != 0)
			break;
		z.next_out = out->data + base + got;
		z.avail_out = (uInt)step;
		zr = inflate(&z, Z_NO_FLUSH);
		got += step - z.avail_out;
	}
	inflateEnd(&z);
	out->len = base + got;
	if (!rc && !(zr == Z_STREAM_END && got == l->bl_size && z.avail_in == 0))
		rc = MVB_EINPUT;
	if (rc)
		out->len = base;
	return rc;
}

int mvb_bundle_decode_base(const struct mvb_bundle_view *v, unsigned i, const struct mvb_bundle_view *base,
			   struct mvb_buf *out)
{
	const struct mvb_bundle_layer *l = &v->l[i];
	if (l->bl_encoding != MVB_ENC_DELTA)
		return mvb_bundle_decode(v, i, out);
	struct mvb_buf old = MVB_BUF_INIT;
	struct mvb_diags dd = MVB_DIAGS_INIT;
	int rc;
	if (l->bl_role == MVB_LAYER_REVERT) { /* over the app layer before it (mvb_bundle_parse) */
		rc = mvb_bundle_decode_base(v, i - 1, base, &old);
	} else {
		const struct mvb_bundle_layer *bl = base ? base_layer(base, l->bl_role, l->bl_base_sha256) : NULL;
		if (!bl)
			return MVB_EINPUT;
		rc = mvb_bundle_decode(base, (unsigned)(bl - base->l), &old);
	}
	if (!rc)
		rc = mvb_delta_apply(old.data, old.len, v->payload + l->bl_payload_off, l->bl_encoded_size, "", out, &dd);
	if (!rc && out->len < l->bl_size)
		rc = MVB_EINPUT;
	mvb_diags_release(&dd);
	mvb_buf_release(&old);
	return rc;
}

/*
 * One layer, as a device receives it: each chunk's hash is checked before
 * the chunk is used, then the chunk goes through the decoder and the
 * decoded bytes into the image hash.  Each byte is read once, while it is
 * still in cache, and no image-sized buffer is needed.  A chunk that fails
 * its hash is reported rather than a decode failure it may have caused.
 * A delta layer is checked chunk by chunk too, then patched over its base
 * layer (which needs the base image in memory, as the device has it).
 */
static int check_layer(const struct mvb_bundle_view *v, const struct mvb_bundle_view *base, unsigned i, struct rd *r)
{
	const struct mvb_bundle_layer *l = &v->l[i];
	const unsigned char *stream = v->payload + l->bl_payload_off;
	const char *role = mvb_layer_role_name(l->bl_role);
	uint32_t cs = v->h.bh_chunk_size;
	int inflating = l->bl_encoding == MVB_ENC_DEFLATE, delta = l->bl_encoding == MVB_ENC_DELTA, zr = Z_OK;
	int decode_bad = 0;
	uint64_t produced = 0;
	unsigned char out[16384];
	struct mvb_sha256 img;
	z_stream z;
	memset(&z, 0, sizeof(z));
	/* zlib reaches back past any window size, so the 4 KiB device limit is
	 * not enforced here (the writer keeps to it) */
	if (inflating && inflateInit2(&z, -15) != Z_OK)
		return MVB_ENOMEM;
	mvb_sha256_init(&img);
	int e = 0;
	for (uint32_t c = 0; c < l->bl_chunk_count; c++) {
		uint32_t off = c * cs, n = l->bl_encoded_size - off < cs ? l->bl_encoded_size - off : cs;
		uint8_t hash[32];
		mvb_sha256(stream + off, n, hash);
		if (memcmp(hash, v->chunks + 32u * (l->bl_first_chunk + c), 32)) {
			e = bad(r, (uint64_t)v->h.bh_payload_off + l->bl_payload_off + off, MVB_CK_BUNDLE_CHUNK_HASH,
				"%s layer: chunk %u (%u bytes) does not match its hash", role, c, n);
			goto out;
		}
		if (decode_bad || delta)
			continue; /* still look for a bad chunk, which explains more */
		if (!inflating) {
			mvb_sha256_update(&img, stream + off, n);
			produced += n;
			continue;
		}
		z.next_in = (Bytef *)(uintptr_t)(stream + off);
		z.avail_in = n;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = inflate(&z, Z_NO_FLUSH);
			size_t got = sizeof(out) - z.avail_out;
			if ((zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) || produced + got > l->bl_size ||
			    (zr == Z_STREAM_END && (z.avail_in || c + 1 < l->bl_chunk_count))) {
				decode_bad = 1;
				break;
			}
			mvb_sha256_update(&img, out, got);
			produced += got;
		} while (zr == Z_OK && (z.avail_in || !z.avail_out));
	}
	if (delta && l->bl_role == MVB_LAYER_REVERT && v->l[i - 1].bl_encoding == MVB_ENC_DELTA &&
	    (!base || !base_layer(base, MVB_LAYER_APP, v->l[i - 1].bl_base_sha256)))
		goto out; /* over an app image that needs the base: the app layer's finding says so */
	if (delta && l->bl_role != MVB_LAYER_REVERT) {
		if (!base || !base_layer(base, l->bl_role, l->bl_base_sha256)) {
			e = bad(r, (uint64_t)v->h.bh_layers_off + i * MVB_BUNDLE_LAYER_SIZE + 0x40, MVB_CK_BUNDLE_BASE,
				"%s layer: a delta from an image %s", role,
				base ? "the base bundle does not hold" : "in another bundle: give it with --base");
			goto out;
		}
	}
	if (delta) {
		struct mvb_buf patched = MVB_BUF_INIT;
		int rc = mvb_bundle_decode_base(v, i, base, &patched);
		if (rc == MVB_ENOMEM) {
			mvb_buf_release(&patched);
			e = rc;
			goto out;
		}
		decode_bad = rc != 0;
		if (!rc) {
			mvb_sha256_update(&img, patched.data, patched.len);
			produced = patched.len;
		}
		mvb_buf_release(&patched);
	}
	if (decode_bad || produced != l->bl_size || (inflating && zr != Z_STREAM_END)) {
		e = bad(r, (uint64_t)v->h.bh_payload_off + l->bl_payload_off, MVB_CK_BUNDLE_DECODE,
			"%s layer: %s stream does not decode to exactly %u bytes", role, mvb_encoding_name(l->bl_encoding),
			l->bl_size);
	} else {
		uint8_t hash[32];
		mvb_sha256_final(&img, hash);
		if (memcmp(hash, l->bl_sha256, 32))
			e = bad(r, (uint64_t)v->h.bh_layers_off + i * MVB_BUNDLE_LAYER_SIZE + 0x20, MVB_CK_BUNDLE_IMAGE_HASH,
				"%s layer: image does not match bl_sha256", role);
	}
out:
	if (inflating)
		inflateEnd(&z);
	return e;
}

int mvb_bundle_check_payload(const struct mvb_bundle_view *v, const char *file, struct mvb_diags *d)
{
	return mvb_bundle_check_payload_base(v, NULL, file, d);
}

int mvb_bundle_check_payload_base(const struct mvb_bundle_view *v, const struct mvb_bundle_view *base, const char *file,
				  struct mvb_diags *d)
{
	struct rd rs = { file, d };
	int e = 0;
	for (unsigned i = 0; i < v->nl; i++) {
		int rc = check_layer(v, base, i, &rs);
		if (rc == MVB_ENOMEM)
			return rc;
		if (rc)
			e = rc;
	}
	return e;
}

void mvb_bundle_digest(const struct mvb_bundle_view *v, uint8_t out[32])
{
	mvb_sha256(v->data, v->h.bh_payload_off, out);
}

int mvb_bundle_with_sigs(const struct mvb_bundle_view *v, const struct mvb_bundle_sig *sigs, unsigned n,
			 struct mvb_buf *out)
{
	if (n > MVB_BUNDLE_MAX_SIGS)
		return MVB_ELIMIT;
	int rc = mvb_buf_append(out, v->data, v->sigs_off);
	unsigned char sb[MVB_BUNDLE_SIGS_SIZE] = { 0 };
	mvb_put_le32(sb, MVB_BUNDLE_SIGS_MAGIC);
	mvb_put_le16(sb + 4, (uint16_t)n);
	mvb_put_le16(sb + 6, MVB_BUNDLE_SIG_SIZE);
	rc |= mvb_buf_append(out, sb, sizeof(sb));
	for (unsigned i = 0; i < n && !rc; i++) {
		unsigned char e[MVB_BUNDLE_SIG_SIZE];
		memset(e, 0, sizeof(e));
		memcpy(e, sigs[i].sg_key_id, 8);
		mvb_put_le16(e + 8, sigs[i].sg_alg);
		mvb_put_le16(e + 10, sigs[i].sg_len);
		memcpy(e + 12, sigs[i].sg_der, sigs[i].sg_len <= 72 ? sigs[i].sg_len : 72);
		rc = mvb_buf_append(out, e, sizeof(e));
	}
	return rc;
}

int mvb_bundle_check_sigs(const struct mvb_bundle_view *v, const char *file, struct mvb_key *const *keys, unsigned nk,
			  unsigned *good, struct mvb_diags *d)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	uint8_t dg[32];
	mvb_bundle_digest(v, dg);
	int bad = 0;
	unsigned tried = 0;
	char hex[17];
	*good = 0;
	for (unsigned i = 0; i < v->ns; i++) {
		for (unsigned j = 0; j < nk; j++) {
			uint8_t id[8];
			mvb_key_id(keys[j], id);
			if (memcmp(id, v->s[i].sg_key_id, 8))
				continue;
			tried++;
			if (mvb_key_verify(keys[j], dg, v->s[i].sg_der, v->s[i].sg_len) == 0) {
				(*good)++;
				continue;
			}
			mvb_hex(id, 8, hex);
			l.has_offset = 1;
			l.offset = v->sigs_off + MVB_BUNDLE_SIGS_SIZE + (uint64_t)i * MVB_BUNDLE_SIG_SIZE;
			mvb_report(d, &l, MVB_CK_BUNDLE_SIGNATURE, "signature %u by key %s does not verify", i, hex);
			bad = 1;
		}
	}
	l.has_offset = 0;
	if (nk && !tried) {
		/* name the keys on both sides: which were trusted, which signed */
		char trusted[8 * 18 + 1] = "", present[MVB_BUNDLE_MAX_SIGS * 18 + 1] = "";
		for (unsigned j = 0; j < nk && j < 8; j++) {
			uint8_t id[8];
			mvb_key_id(keys[j], id);
			mvb_hex(id, 8, hex);
			snprintf(trusted + strlen(trusted), sizeof(trusted) - strlen(trusted), "%s%s", j ? ", " : "", hex);
		}
		for (unsigned i = 0; i < v->ns; i++) {
			mvb_hex(v->s[i].sg_key_id, 8, hex);
			snprintf(present + strlen(present), sizeof(present) - strlen(present), "%s%s", i ? ", " : "", hex);
		}
		if (!v->ns)
			mvb_report_hint(d, &l, MVB_CK_BUNDLE_UNSIGNED, "sign it with 'mvbuild sign'",
					"the bundle is unsigned; a signature by key %s%s is required", nk == 1 ? "" : "one of ",
					trusted);
		else
			mvb_report_hint(d, &l, MVB_CK_BUNDLE_UNSIGNED, "sign it with 'mvbuild sign' or pass the matching --key",
					"no signature by the trusted key%s %s: the bundle's %u signature%s %s by key%s %s",
					nk == 1 ? "" : "s", trusted, v->ns, v->ns == 1 ? "" : "s", v->ns == 1 ? "is" : "are",
					v->ns == 1 ? "" : "s", present);
	}
	if (nk && !*good)
		bad = 1;
	return bad ? MVB_EINPUT : 0;
}

int mvb_bundle_rebase(const struct mvb_bundle_view *v, const struct mvb_bundle_view *base, uint32_t page_size,
		      unsigned threads, struct mvb_buf *out, struct mvb_build_report *rep)
{
	struct mvb_bundle_spec sp;
	memset(&sp, 0, sizeof(sp));
	sp.manifest = v->m;
	sp.nlayers = v->nl - (v->nl > 1 && v->l[v->nl - 1].bl_role == MVB_LAYER_REVERT); /* build makes a new one */
	sp.chunk_size = v->h.bh_chunk_size;
	sp.allow_deflate = 1;
	sp.threads = threads;
	sp.base = base;
	sp.delta_page_size = page_size;
	sp.report = rep;
	struct mvb_buf img[MVB_BUNDLE_MAX_LAYERS];
	int rc = 0;
	for (unsigned i = 0; i < MVB_BUNDLE_MAX_LAYERS; i++)
		mvb_buf_init(&img[i], MVB_BUF_DEFAULT_MAX);
	for (unsigned i = 0; i < sp.nlayers && !rc; i++) {
		rc = mvb_bundle_decode(v, i, &img[i]);
		sp.layer[i] = (struct mvb_bundle_in_layer){ v->l[i].bl_role, v->l[i].bl_target_addr, img[i].data,
							    (uint32_t)img[i].len };
	}
	if (!rc)
		rc = mvb_bundle_build(&sp, out);
	/* the proof: it decodes over base to the images v holds */
	struct mvb_bundle_view nv;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (!rc && (mvb_bundle_parse(&nv, "rebased", out->data, out->len, &d) ||
		    mvb_bundle_check_payload_base(&nv, base, "rebased", &d)))
		rc = d.oom ? MVB_ENOMEM : MVB_EINTERNAL;
	for (unsigned i = 0; !rc && i < sp.nlayers; i++)
		if (memcmp(nv.l[i].bl_sha256, v->l[i].bl_sha256, 32))
			rc = MVB_EINTERNAL;
	mvb_diags_release(&d);
	for (unsigned i = 0; i < MVB_BUNDLE_MAX_LAYERS; i++)
		mvb_buf_release(&img[i]);
	return rc;
}
