/*
 * link.c - frames and messages of the device link (mvbuild-link(5)) for
 * both ends.  COBS (consistent overhead byte stuffing): a zero byte never
 * occurs inside an encoded frame, so a zero ends every frame and a
 * receiver that lost its place finds the next frame at the next zero;
 * each encoded block is a code byte c (1..255) followed by c - 1 data
 * bytes, and a zero follows the block unless c is 255 or the frame ends.
 */
#include "mvl.h"
#include "mvb/le.h"

static void put16(uint8_t *p, uint16_t v)
{
	mvb_set_le16(p, v);
}

static void put32(uint8_t *p, uint32_t v)
{
	mvb_set_le32(p, v);
}

static uint16_t get16(const uint8_t *p)
{
	return mvb_get_le16(p);
}

static uint32_t get32(const uint8_t *p)
{
	return mvb_get_le32(p);
}

static void copy(uint8_t *d, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

/* ---------------------------------------------------------------- send */

size_t mvl_encode(uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *payload, size_t len,
                  uint8_t *out, size_t cap)
{
	if (len > MVL_PAYLOAD_MAX || (len > 0u && payload == NULL))
		return 0;
	size_t total = 8u + len + 4u;
	/* Worst case: a code byte per 254 data bytes or part, two zeros. */
	if (cap < total + (total + 253u) / 254u + 2u)
		return 0;
	/* The decoded frame (header, payload, CRC) is laid out at the end
	 * of out, so the CRC covers one run of bytes, and encoded from there
	 * to out's start.  Byte i of the frame is read from
	 * out[cap - total + i] and written (if not zero) to out[2 + i + k],
	 * k the full blocks so far, at most one per 254 bytes: the size
	 * check above keeps every write at or before the byte it reads. */
	uint8_t *f = out + cap - total;

	f[0] = MVL_FORMAT;
	f[1] = stream;
	f[2] = type;
	f[3] = flags;
	put16(f + 4, seq);
	put16(f + 6, (uint16_t)len);
	copy(f + 8, payload, len);
	put32(f + 8 + len, mv_crc32(0, f, (uint32_t)(8u + len)));

	size_t o = 0;

	out[o++] = 0; /* a clean start for a receiver that lost its place */
	size_t code_at = o++, code = 1;

	for (size_t i = 0; i < total; i++) {
		uint8_t b = f[i];

		if (b != 0) {
			out[o++] = b;
			code++;
		}
		if (b == 0 || code == 255u) { /* the block ends */
			out[code_at] = (uint8_t)code;
			code_at = o++;
			code = 1;
		}
	}
	out[code_at] = (uint8_t)code;
	out[o++] = 0;
	return o;
}

/* ------------------------------------------------------------- receive */

void mvl_rx_init(struct mvl_rx *rx)
{
	uint8_t *p = (uint8_t *)rx;

	for (size_t i = 0; i < sizeof *rx; i++)
		p[i] = 0;
}

/* Why the decoded frame in rx->buf (len bytes, or -1: not COBS) cannot be
 * delivered, in the order a receiver checks it; MVL_RX_KINDS: it can. */
static unsigned bad_frame(const struct mvl_rx *rx, long len)
{
	if (len < 0)
		return MVL_RX_COBS;
	if ((size_t)len < 12u)
		return MVL_RX_SHORT;
	uint16_t plen = get16(rx->buf + 6);

	if (plen > MVL_PAYLOAD_MAX || (size_t)plen != (size_t)len - 12u)
		return MVL_RX_LENGTH;
	if (rx->buf[0] != MVL_FORMAT)
		return MVL_RX_VERSION;
	if (mv_crc32(0, rx->buf, (uint32_t)len - 4u) != get32(rx->buf + len - 4))
		return MVL_RX_CRC;
	return MVL_RX_KINDS;
}

int mvl_rx_byte(struct mvl_rx *rx, uint8_t b, struct mvl_header *h, const uint8_t **payload)
{
	unsigned why;

	if (b != 0) {
		if (rx->skipping)
			return 0;
		if (rx->n < sizeof rx->buf) {
			/* COBS, decoded as it comes: a code byte starts a block,
			 * after a zero unless it is the first or the block before
			 * was a full one (code 255); the bytes after it are data */
			if (rx->left != 0) {
				rx->buf[rx->w++] = b;
				rx->left--;
			} else {
				if (rx->n != 0 && rx->code != 255u)
					rx->buf[rx->w++] = 0;
				rx->code = b;
				rx->left = (uint8_t)(b - 1u);
			}
			rx->n++;
			return 0;
		}
		rx->skipping = 1; /* drop bytes up to the next zero */
		why = MVL_RX_OVERSIZE;
	} else {
		/* A zero: the end of a frame, or the one before a frame, or
		 * the end of an oversize run (which left nothing in buf).  A
		 * frame that ends inside a block is not COBS. */
		rx->skipping = 0;
		if (rx->n == 0)
			return 0;
		why = bad_frame(rx, rx->left != 0 ? -1 : (long)rx->w);
		if (why == MVL_RX_KINDS) {
			h->lf_version = rx->buf[0];
			h->lf_stream = rx->buf[1];
			h->lf_type = rx->buf[2];
			h->lf_flags = rx->buf[3];
			h->lf_seq = get16(rx->buf + 4);
			h->lf_len = get16(rx->buf + 6);
			*payload = rx->buf + 8;
			rx->frames++;
		}
	}
	if (why != MVL_RX_KINDS)
		rx->dropped[why]++;
	rx->n = rx->w = 0;
	rx->left = 0;
	return why == MVL_RX_KINDS;
}

/* ------------------------------------------------------------ payloads */

/* The records with names and hashes (hello, read, status) are their
 * 32-bit integers, then their 16-bit ones, then their bytes, and the
 * structs in mvb/link.h declare their members in that order with no
 * padding: a field sits at the same offset in the struct and in the
 * payload.  So such a record's layout is where each group ends, and one
 * loop codes them all either way (the records of a few integers only are
 * cheaper coded field by field). */
struct layout {
	uint8_t ints;   /* the 32-bit integers end here */
	uint8_t shorts; /* the 16-bit ones */
	uint8_t size;   /* the bytes: the record's size */
};

static const struct layout HELLO = {0x1c, 0x20, MVL_HELLO_SIZE};
static const struct layout READ = {0x04, 0x08, MVL_READ_SIZE};
static const struct layout STATUS = {0x50, 0x50, MVL_STATUS_SIZE};
/* The status record of ABI 1.3 microvisors, before the trial's four words
 * at 0x40: still read (mvbuild-link(5), STATUS). */
#define STATUS_SIZE_1_3 0xc0u

_Static_assert(offsetof(struct mvl_hello, lh_payload_max) == 0x1c &&
               offsetof(struct mvl_hello, lh_image_sha256) == 0x20 && sizeof(struct mvl_hello) == MVL_HELLO_SIZE,
               "hello layout");
_Static_assert(offsetof(struct mvl_read, lr_length) == 0x04 && offsetof(struct mvl_read, lr_name) == 0x08 &&
               sizeof(struct mvl_read) == MVL_READ_SIZE, "read layout");
_Static_assert(offsetof(struct mvl_status, ls_image_sha256) == 0x50 && sizeof(struct mvl_status) == MVL_STATUS_SIZE,
               "status layout");

/* Always inline: with its layout known at each call the device's code is
 * smaller than one shared copy (measured on microvisor-ota.elf). */
static inline __attribute__((always_inline)) void put(uint8_t *p, const void *rec, const struct layout *l)
{
	const uint8_t *m = rec;
	size_t i = 0;

	if (!MVL_STRUCT_IS_PAYLOAD) { /* else the record is its payload already (mvl.h) */
		for (; i < l->ints; i += 4u)
			put32(p + i, *(const uint32_t *)(const void *)(m + i));
		for (; i < l->shorts; i += 2u)
			put16(p + i, *(const uint16_t *)(const void *)(m + i));
	}
	copy(p + i, m + i, l->size - i);
}

static void get(const uint8_t *p, void *rec, const struct layout *l)
{
	uint8_t *m = rec;
	size_t i = 0;

	if (!MVL_STRUCT_IS_PAYLOAD) { /* as in put() */
		for (; i < l->ints; i += 4u)
			*(uint32_t *)(void *)(m + i) = get32(p + i);
		for (; i < l->shorts; i += 2u)
			*(uint16_t *)(void *)(m + i) = get16(p + i);
	}
	copy(m + i, p + i, l->size - i);
}

void mvl_put_hello(uint8_t *p, const struct mvl_hello *m)
{
	put(p, m, &HELLO);
}

int mvl_get_hello(const uint8_t *p, size_t len, struct mvl_hello *m)
{
	if (len != MVL_HELLO_SIZE)
		return -1;
	get(p, m, &HELLO);
	/* Names are NUL-padded; the last byte is forced so a reader can
	 * always treat them as strings. */
	m->lh_board[31] = m->lh_app[31] = m->lh_channel[15] = 0;
	return 0;
}

void mvl_put_read(uint8_t *p, const struct mvl_read *m)
{
	put(p, m, &READ);
}

int mvl_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > MVL_OBJECT_MAX || s[0] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-' || c == '/'))
			return 0;
		/* ".." as a whole component: never above the repository */
		if (c == '.' && i + 1 < n && s[i + 1] == '.' && (i == 0 || s[i - 1] == '/') &&
		    (i + 2 == n || s[i + 2] == '/'))
			return 0;
	}
	return 1;
}

int mvl_get_read(const uint8_t *p, size_t len, uint16_t payload_max, struct mvl_read *m)
{
	if (len != MVL_READ_SIZE)
		return -1;
	get(p, m, &READ);
	if (payload_max > MVL_PAYLOAD_MAX)
		payload_max = MVL_PAYLOAD_MAX;
	if (m->lr_length == 0 || payload_max < MVL_DATA_SIZE || m->lr_length > payload_max - MVL_DATA_SIZE)
		return -1;
	if (!mvl_name_ok(m->lr_name, m->lr_name_len))
		return -1;
	for (size_t i = m->lr_name_len; i < MVL_OBJECT_MAX; i++)
		if (m->lr_name[i] != 0)
			return -1;
	return 0;
}

void mvl_put_data(uint8_t *p, const struct mvl_data *m)
{
	put32(p + 0x00, m->ld_offset);
	put32(p + 0x04, m->ld_total);
}

int mvl_get_data(const uint8_t *p, size_t len, struct mvl_data *m)
{
	if (len < MVL_DATA_SIZE)
		return -1;
	m->ld_offset = get32(p + 0x00);
	m->ld_total = get32(p + 0x04);
	return 0;
}

void mvl_put_error(uint8_t *p, const struct mvl_error *m)
{
	put32(p + 0x00, m->le_code);
	put32(p + 0x04, m->le_detail);
}

int mvl_get_error(const uint8_t *p, size_t len, struct mvl_error *m)
{
	if (len != MVL_ERROR_SIZE)
		return -1;
	m->le_code = get32(p + 0x00);
	m->le_detail = get32(p + 0x04);
	return 0;
}

void mvl_put_report(uint8_t *p, const struct mvl_report *m)
{
	put32(p + 0x00, m->lp_outcome);
	put32(p + 0x04, m->lp_reason);
	put32(p + 0x08, m->lp_from_version);
	put32(p + 0x0c, m->lp_to_version);
	put32(p + 0x10, m->lp_bytes);
	put32(p + 0x14, m->lp_reserved);
}

int mvl_get_report(const uint8_t *p, size_t len, struct mvl_report *m)
{
	if (len != MVL_REPORT_SIZE)
		return -1;
	m->lp_outcome = get32(p + 0x00);
	m->lp_reason = get32(p + 0x04);
	m->lp_from_version = get32(p + 0x08);
	m->lp_to_version = get32(p + 0x0c);
	m->lp_bytes = get32(p + 0x10);
	m->lp_reserved = get32(p + 0x14);
	return m->lp_outcome <= MVL_R_REVERTED ? 0 : -1;
}

void mvl_put_status(uint8_t *p, const struct mvl_status *m)
{
	put(p, m, &STATUS);
}

int mvl_get_status(const uint8_t *p, size_t len, struct mvl_status *m)
{
	uint8_t old[MVL_STATUS_SIZE];

	if (len == STATUS_SIZE_1_3) {
		/* a microvisor before the trial (ABI 1.3): no words at
		 * 0x40-0x4f, read as zero (idle, nothing rejected) */
		copy(old, p, 0x40);
		for (size_t i = 0x40; i < 0x50; i++)
			old[i] = 0;
		copy(old + 0x50, p + 0x40, STATUS_SIZE_1_3 - 0x40);
		p = old;
	} else if (len != MVL_STATUS_SIZE) {
		return -1;
	}
	get(p, m, &STATUS);
	m->ls_serial[31] = m->ls_board[31] = m->ls_app[31] = 0;
	return m->ls_state <= MVL_DEV_TRIAL ? 0 : -1;
}

void mvl_put_line(uint8_t *p, const struct mvl_line *m)
{
	put32(p + 0x00, m->ll_seq);
	put32(p + 0x04, m->ll_lost);
}

int mvl_get_line(const uint8_t *p, size_t len, struct mvl_line *m)
{
	if (len < MVL_LINE_SIZE)
		return -1;
	m->ll_seq = get32(p + 0x00);
	m->ll_lost = get32(p + 0x04);
	return 0;
}

void mvl_put_log_req(uint8_t *p, const struct mvl_log_req *m)
{
	put32(p + 0x00, m->lq_from);
	put32(p + 0x04, m->lq_reserved);
}

int mvl_log_line(const uint8_t *p, size_t len, size_t *off, const uint8_t **text, size_t *n)
{
	size_t at = *off < MVL_LOG_PART_SIZE ? MVL_LOG_PART_SIZE : *off;

	/* the length byte, then its text: both within the payload */
	if (at >= len || p[at] > len - at - 1u)
		return 0;
	*text = p + at + 1u;
	*n = p[at];
	*off = at + 1u + p[at];
	return 1;
}

int mvl_get_log_part(const uint8_t *p, size_t len, struct mvl_log_part *m)
{
	const uint8_t *text;
	size_t off = 0, n;
	uint32_t count = 0;

	if (len < MVL_LOG_PART_SIZE || len > MVL_PAYLOAD_MAX)
		return -1;
	m->lk_first = get32(p + 0x00);
	m->lk_lost = get32(p + 0x04);
	m->lk_count = get32(p + 0x08);
	m->lk_next = get32(p + 0x0c);
	if (m->lk_next - m->lk_first != m->lk_count) /* modulo 2^32, as the device counts */
		return -1;
	while (count < m->lk_count && mvl_log_line(p, len, &off, &text, &n))
		count++;
	if (count != m->lk_count) /* fewer lines than it says, or one runs past the end */
		return -1;
	if ((count ? off : MVL_LOG_PART_SIZE) != len) /* bytes after the last line */
		return -1;
	return 0;
}
