/* image.c - app image flattening, the installed-app header, and the ELF,
 * Intel HEX and raw writers for factory images. */
#include <stdlib.h>
#include <string.h>
#include "mvb/hash.h"
#include "mvb/image.h"
#include "mvb/status.h"

int mvb_app_image(const struct mvb_elf *e, const struct mvb_board *b, struct mvb_buf *out)
{
	const struct mvb_partition *f = mvb_board_role(b, MVB_ROLE_APP_CODE);
	uint32_t lo = mvb_partition_ns_base(b, f);
	uint64_t end = lo;
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_seg *g = &e->seg[i];
		if (g->filesz && g->paddr - lo < f->size && (uint64_t)g->paddr + g->filesz > end)
			end = (uint64_t)g->paddr + g->filesz;
	}
	if (end - lo > f->size)
		return MVB_EINPUT;
	size_t n = (size_t)(end - lo);
	int rc = mvb_buf_zero(out, n);
	if (rc)
		return rc;
	memset(out->data, 0xff, n);
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_seg *g = &e->seg[i];
		if (g->filesz && g->paddr - lo < f->size)
			memcpy(out->data + (g->paddr - lo), e->data + g->offset, g->filesz);
	}
	return 0;
}

int mvb_elf_flat(const struct mvb_elf *e, uint32_t max, uint32_t *base, struct mvb_buf *out)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_seg *g = &e->seg[i];
		if (!g->filesz)
			continue;
		if (g->paddr < lo)
			lo = g->paddr;
		if ((uint64_t)g->paddr + g->filesz > hi)
			hi = (uint64_t)g->paddr + g->filesz;
	}
	if (lo == UINT64_MAX || hi - lo > max)
		return MVB_ELIMIT;
	size_t n = (size_t)(hi - lo), at = out->len;
	int rc = mvb_buf_zero(out, n);
	if (rc)
		return rc;
	memset(out->data + at, 0xff, n);
	for (size_t i = 0; i < e->nseg; i++) {
		const struct mvb_elf_seg *g = &e->seg[i];
		if (g->filesz)
			memcpy(out->data + at + (g->paddr - lo), e->data + g->offset, g->filesz);
	}
	*base = (uint32_t)lo;
	return 0;
}

void mvb_apphdr_build(struct mvb_app_header *h, const struct mvb_app *app, const struct mvb_grant *g,
		      uint32_t min_abi, uint32_t image_addr, const unsigned char *image, uint32_t image_len)
{
	memset(h, 0, sizeof(*h));
	h->ah_magic = MVB_APPHDR_MAGIC;
	h->ah_format = MVB_APPHDR_FORMAT;
	h->ah_size = MVB_APPHDR_SIZE;
	if (app) {
		h->ah_app_version = MVB_VERSION_PACK(app->major, app->minor, app->patch);
		h->ah_security_counter = app->security_counter;
		memcpy(h->ah_name, app->name, strnlen(app->name, MVB_APPHDR_NAME_MAX));
		h->ah_watchdog_ms = app->watchdog_ms;
		h->ah_update_defer_ms = app->update_defer_ms;
		h->ah_flags = app->confirm_flags;
		h->ah_trial_ms = app->trial_ms;
	} else {
		h->ah_trial_ms = MVB_APP_TRIAL_DEFAULT_MS; /* the app that asked for nothing */
	}
	h->ah_min_abi = min_abi;
	h->ah_image_addr = image_addr;
	h->ah_image_size = image_len;
	if (g) {
		memcpy(h->ah_periph_mask, g->periph_mask, sizeof(h->ah_periph_mask));
		memcpy(h->ah_irq_mask, g->irq_mask, sizeof(h->ah_irq_mask));
	}
	mvb_sha256(image, image_len, h->ah_image_sha256);
}

void mvb_apphdr_encode(const struct mvb_app_header *h, unsigned char o[MVB_APPHDR_SIZE])
{
	memset(o, 0, MVB_APPHDR_SIZE);
	mvb_put_le32(o + 0x00, h->ah_magic);
	mvb_put_le16(o + 0x04, h->ah_format);
	mvb_put_le16(o + 0x06, h->ah_size);
	mvb_put_le32(o + 0x08, h->ah_app_version);
	mvb_put_le32(o + 0x0c, h->ah_security_counter);
	mvb_put_le32(o + 0x10, h->ah_min_abi);
	mvb_put_le32(o + 0x14, h->ah_image_addr);
	mvb_put_le32(o + 0x18, h->ah_image_size);
	mvb_put_le32(o + 0x1c, h->ah_flags);
	for (unsigned i = 0; i < MVB_APPHDR_PERIPH_WORDS; i++)
		mvb_put_le32(o + 0x20 + 4 * i, h->ah_periph_mask[i]);
	for (unsigned i = 0; i < MVB_APPHDR_IRQ_WORDS; i++)
		mvb_put_le32(o + 0x28 + 4 * i, h->ah_irq_mask[i]);
	memcpy(o + 0x48, h->ah_image_sha256, 32);
	memcpy(o + 0x68, h->ah_name, MVB_APPHDR_NAME_MAX);
	mvb_put_le32(o + 0x88, h->ah_watchdog_ms);
	mvb_put_le32(o + 0x8c, h->ah_update_defer_ms);
	mvb_put_le32(o + 0x90, h->ah_trial_ms);
	mvb_put_le32(o + 0xfc, mvb_crc32(o, 0xfc));
}

int mvb_provision_encode(unsigned char o[512], const uint8_t (*ids)[8], const uint8_t (*points)[64], unsigned n,
			 const char *serial, const char *app, const uint8_t debug[MVB_PROV_ANCHOR_SIZE])
{
	size_t sl = serial ? strlen(serial) : 0, al = app ? strlen(app) : 0;
	if (n > MVB_PROV_ANCHORS_MAX || sl >= MVB_PROV_SERIAL_MAX || al >= MVB_PROV_APP_MAX)
		return -1;
	memset(o, 0, MVB_PROV_SIZE);
	mvb_put_le32(o + 0x00, MVB_PROV_MAGIC);
	mvb_put_le16(o + 0x04, MVB_PROV_FORMAT);
	mvb_put_le16(o + 0x06, MVB_PROV_SIZE);
	mvb_put_le32(o + 0x08, n);
	if (sl)
		memcpy(o + 0x10, serial, sl);
	if (al)
		memcpy(o + 0x150, app, al);
	for (unsigned i = 0; i < n; i++) {
		memcpy(o + 0x30 + MVB_PROV_ANCHOR_SIZE * i, ids[i], 8);
		memcpy(o + 0x30 + MVB_PROV_ANCHOR_SIZE * i + 8, points[i], 64);
	}
	if (debug)
		memcpy(o + 0x170, debug, MVB_PROV_ANCHOR_SIZE);
	mvb_put_le32(o + 0x1fc, mvb_crc32(o, 0x1fc));
	return 0;
}

int mvb_image_add(struct mvb_image *img, uint32_t addr, const unsigned char *data, uint32_t len, const char *what)
{
	if (!len)
		return 0;
	if (img->n == MVB_IMAGE_MAX_PIECES)
		return MVB_ELIMIT;
	img->p[img->n++] = (struct mvb_piece){ addr, data, len, what };
	return 0;
}

int mvb_image_add_elf(struct mvb_image *img, const struct mvb_elf *e, const char *what)
{
	for (size_t i = 0; i < e->nseg; i++) {
		int rc = mvb_image_add(img, e->seg[i].paddr, e->data + e->seg[i].offset, e->seg[i].filesz, what);
		if (rc)
			return rc;
	}
	return 0;
}

/* Offset of addr within a board memory (either alias), or -1. */
static int64_t mem_offset(const struct mvb_board *b, uint32_t addr, size_t *mem)
{
	for (size_t i = 0; i < b->nmem; i++) {
		if (addr - b->mem[i].s_base < b->mem[i].size) {
			*mem = i;
			return addr - b->mem[i].s_base;
		}
		if (addr - b->mem[i].ns_base < b->mem[i].size) {
			*mem = i;
			return addr - b->mem[i].ns_base;
		}
	}
	return -1;
}

int mvb_image_check(const struct mvb_image *img, const struct mvb_board *b, struct mvb_diags *d)
{
	/* compare physical placement: the same memory through either alias */
	for (unsigned i = 0; i < img->n; i++) {
		size_t mi = 0, mj = 0;
		int64_t oi = mem_offset(b, img->p[i].addr, &mi);
		for (unsigned j = 0; j < i; j++) {
			int64_t oj = mem_offset(b, img->p[j].addr, &mj);
			int clash;
			if (oi >= 0 && oj >= 0)
				clash = mi == mj && oi < oj + img->p[j].len && oj < oi + img->p[i].len;
			else
				clash = (uint64_t)img->p[i].addr < (uint64_t)img->p[j].addr + img->p[j].len &&
					(uint64_t)img->p[j].addr < (uint64_t)img->p[i].addr + img->p[i].len;
			if (clash) {
				struct mvb_loc l = MVB_LOC_INIT;
				l.has_range = 1;
				l.lo = img->p[i].addr;
				l.hi = img->p[i].addr + img->p[i].len - 1;
				return mvb_report(d, &l, MVB_CK_SEGMENT_OVERLAP, "%s bytes overlap %s bytes at 0x%08x",
						  img->p[i].what, img->p[j].what, img->p[j].addr);
			}
		}
	}
	return 0;
}

static int cmp_piece(const void *a, const void *b)
{
	const struct mvb_piece *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Pieces in address order (a copy; the image keeps its own order). */
static void sorted(const struct mvb_image *img, struct mvb_piece *out)
{
	memcpy(out, img->p, img->n * sizeof(*out));
	qsort(out, img->n, sizeof(*out), cmp_piece);
}

int mvb_image_write_elf(const struct mvb_image *img, uint32_t entry, struct mvb_buf *o)
{
	struct mvb_piece p[MVB_IMAGE_MAX_PIECES];
	sorted(img, p);
	unsigned char h[52];
	memset(h, 0, sizeof(h));
	memcpy(h, "\177ELF", 4);
	h[4] = 1; /* ELFCLASS32 */
	h[5] = 1; /* little-endian */
	h[6] = 1; /* EV_CURRENT */
	mvb_put_le16(h + 16, 2);  /* ET_EXEC */
	mvb_put_le16(h + 18, 40); /* EM_ARM */
	mvb_put_le32(h + 20, 1);
	mvb_put_le32(h + 24, entry);
	mvb_put_le32(h + 28, 52);          /* e_phoff */
	mvb_put_le32(h + 36, 0x05000400u); /* EABI5, hard-float ABI */
	mvb_put_le16(h + 40, 52);
	mvb_put_le16(h + 42, 32);
	mvb_put_le16(h + 44, (uint16_t)img->n);
	mvb_put_le16(h + 46, 40);
	int rc = mvb_buf_append(o, h, sizeof(h));
	uint32_t off = 52 + 32 * img->n;
	for (unsigned i = 0; i < img->n && !rc; i++) {
		unsigned char ph[32];
		memset(ph, 0, sizeof(ph));
		mvb_put_le32(ph + 0, 1); /* PT_LOAD */
		mvb_put_le32(ph + 4, off);
		mvb_put_le32(ph + 8, p[i].addr);
		mvb_put_le32(ph + 12, p[i].addr);
		mvb_put_le32(ph + 16, p[i].len);
		mvb_put_le32(ph + 20, p[i].len);
		mvb_put_le32(ph + 24, 7); /* RWX: a memory image, not a program */
		mvb_put_le32(ph + 28, 4);
		rc = mvb_buf_append(o, ph, sizeof(ph));
		off += p[i].len;
	}
	for (unsigned i = 0; i < img->n && !rc; i++)
		rc = mvb_buf_append(o, p[i].data, p[i].len);
	return rc;
}

static int ihex_record(struct mvb_buf *o, unsigned type, uint16_t addr, const unsigned char *d, unsigned n)
{
	unsigned sum = n + (addr >> 8) + (addr & 0xff) + type;
	int rc = mvb_buf_printf(o, ":%02X%04X%02X", n, addr, type);
	for (unsigned i = 0; i < n && !rc; i++) {
		sum += d[i];
		rc = mvb_buf_printf(o, "%02X", d[i]);
	}
	return rc ? rc : mvb_buf_printf(o, "%02X\n", (unsigned)(-sum) & 0xff);
}

int mvb_image_write_ihex(const struct mvb_image *img, struct mvb_buf *o)
{
	struct mvb_piece p[MVB_IMAGE_MAX_PIECES];
	sorted(img, p);
	int rc = 0;
	uint32_t upper = 0xffffffffu;
	for (unsigned i = 0; i < img->n && !rc; i++) {
		for (uint32_t k = 0; k < p[i].len && !rc;) {
			uint32_t a = p[i].addr + k;
			if (a >> 16 != upper) {
				upper = a >> 16;
				unsigned char ub[2] = { (unsigned char)(upper >> 8), (unsigned char)upper };
				rc = ihex_record(o, 4, 0, ub, 2);
			}
			uint32_t n = p[i].len - k;
			if (n > 16)
				n = 16;
			if ((a & 0xffff) + n > 0x10000)
				n = 0x10000 - (a & 0xffff);
			if (!rc)
				rc = ihex_record(o, 0, (uint16_t)a, p[i].data + k, n);
			k += n;
		}
	}
	return rc ? rc : ihex_record(o, 1, 0, NULL, 0);
}

int mvb_image_write_bin(const struct mvb_image *img, const struct mvb_board *b, struct mvb_buf *o,
			struct mvb_diags *d)
{
	size_t mem = 0, m0 = 0;
	uint64_t end = 0;
	for (unsigned i = 0; i < img->n; i++) {
		int64_t off = mem_offset(b, img->p[i].addr, &mem);
		if (off < 0 || (i && mem != m0) || (uint64_t)off + img->p[i].len > b->mem[mem].size) {
			struct mvb_loc l = MVB_LOC_INIT;
			l.has_range = 1;
			l.lo = img->p[i].addr;
			l.hi = img->p[i].addr + img->p[i].len - 1;
			return mvb_report_hint(d, &l, MVB_CK_SEGMENT_OUTSIDE, "write .elf or .hex instead",
					       "a raw binary holds one memory, but the %s lies elsewhere", img->p[i].what);
		}
		m0 = mem;
		if ((uint64_t)off + img->p[i].len > end)
			end = (uint64_t)off + img->p[i].len;
	}
	size_t base = o->len;
	int rc = mvb_buf_zero(o, (size_t)end);
	if (rc)
		return rc;
	memset(o->data + base, 0xff, (size_t)end);
	for (unsigned i = 0; i < img->n; i++) {
		int64_t off = mem_offset(b, img->p[i].addr, &mem);
		memcpy(o->data + base + off, img->p[i].data, img->p[i].len);
	}
	return 0;
}

/* ---- Intel HEX reader ---- */

static int hexnib(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mvb_image_read_ihex(struct mvb_image *img, struct mvb_buf *store, const char *file, const unsigned char *text,
			size_t len, const char *what, struct mvb_diags *d)
{
	struct run {
		uint32_t addr;
		size_t off, len;
	} runs[MVB_IMAGE_MAX_PIECES];
	unsigned nruns = 0, line = 0;
	uint32_t upper = 0;
	int seen_eof = 0;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		size_t next = end < len ? end + 1 : end;
		if (end > pos && text[end - 1] == '\r')
			end--;
		line++;
		l.line = line;
		if (end == pos) {
			pos = next;
			continue;
		}
		if (seen_eof)
			return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "data after the end-of-file record");
		unsigned char rec[5 + 255];
		size_t n = end - pos;
		if (text[pos] != ':' || n < 11 || (n - 1) % 2)
			return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "not an Intel HEX record");
		size_t nb = (n - 1) / 2;
		if (nb > sizeof(rec))
			return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "record longer than 255 data bytes");
		unsigned sum = 0;
		for (size_t i = 0; i < nb; i++) {
			int hi = hexnib(text[pos + 1 + 2 * i]), lo = hexnib(text[pos + 2 + 2 * i]);
			if (hi < 0 || lo < 0)
				return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "a non-hex digit in the record");
			rec[i] = (unsigned char)(hi << 4 | lo);
			sum += rec[i];
		}
		unsigned count = rec[0], type = rec[3];
		uint32_t off16 = (uint32_t)rec[1] << 8 | rec[2];
		if (nb != (size_t)count + 5)
			return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "byte count %u does not match the record's %zu bytes",
					  count, nb - 5);
		if (sum & 0xff)
			return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "bad checksum");
		const unsigned char *data = rec + 4;
		switch (type) {
		case 0: {
			uint32_t a = upper + off16;
			if (count == 0)
				break;
			if ((uint64_t)upper + off16 + count > 0x100000000ull)
				return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "data record runs past 4 GiB");
			struct run *r = nruns ? &runs[nruns - 1] : NULL;
			if (!r || r->addr + (uint32_t)r->len != a || r->off + r->len != store->len) {
				if (nruns == MVB_IMAGE_MAX_PIECES)
					return MVB_ELIMIT;
				r = &runs[nruns++];
				r->addr = a;
				r->off = store->len;
				r->len = 0;
			}
			if (mvb_buf_append(store, data, count))
				return MVB_ENOMEM;
			r->len += count;
			break;
		}
		case 1:
			if (count)
				return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "end-of-file record with data");
			seen_eof = 1;
			break;
		case 2:
		case 4:
			if (count != 2)
				return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "address record with %u bytes, not 2", count);
			upper = type == 4 ? ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16)
					  : ((uint32_t)data[0] << 12 | (uint32_t)data[1] << 4);
			break;
		case 3:
		case 5:
			if (count != 4)
				return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "start-address record with %u bytes, not 4", count);
			break;
		default:
			return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "unknown record type %u", type);
		}
		pos = next;
	}
	l.line = 0;
	if (!seen_eof)
		return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "no end-of-file record");
	for (unsigned i = 0; i < nruns; i++) {
		/* overlapping records would make the image ambiguous */
		for (unsigned j = 0; j < i; j++)
			if ((uint64_t)runs[i].addr < (uint64_t)runs[j].addr + runs[j].len &&
			    (uint64_t)runs[j].addr < (uint64_t)runs[i].addr + runs[i].len)
				return mvb_report(d, &l, MVB_CK_IHEX_RECORD, "records overlap at 0x%08x",
						  (unsigned)(runs[i].addr > runs[j].addr ? runs[i].addr : runs[j].addr));
		if (runs[i].len > 0xffffffffu || mvb_image_add(img, runs[i].addr, store->data + runs[i].off,
							       (uint32_t)runs[i].len, what))
			return MVB_ELIMIT;
	}
	return 0;
}
