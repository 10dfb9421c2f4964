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

/* The frame's decoded bytes come from three places (header, payload, CRC);
 * this yields byte i of them. */
struct plain {
	uint8_t head[8];
	const uint8_t *payload;
	size_t len;
	uint8_t crc[4];
};

static uint8_t plain_at(const struct plain *f, size_t i)
{
	if (i < 8u)
		return f->head[i];
	if (i < 8u + f->len)
		return f->payload[i - 8u];
	return f->crc[i - 8u - f->len];
}

size_t mvl_encode(uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *payload, size_t len,
                  uint8_t *out, size_t cap)
{
	struct plain f;

	if (len > MVL_PAYLOAD_MAX || (len > 0u && payload == NULL))
		return 0;
	size_t total = 8u + len + 4u;
	/* Worst case: a code byte per 254 data bytes or part, two zeros. */
	if (cap < total + (total + 253u) / 254u + 2u)
		return 0;
	f.head[0] = MVL_FORMAT;
	f.head[1] = stream;
	f.head[2] = type;
	f.head[3] = flags;
	put16(f.head + 4, seq);
	put16(f.head + 6, (uint16_t)len);
	f.payload = payload;
	f.len = len;
	uint32_t crc = mv_crc32(0, f.head, 8u);

	crc = mv_crc32(crc, payload, (uint32_t)len);
	put32(f.crc, crc);

	size_t o = 0;

	out[o++] = 0; /* a clean start for a receiver that lost its place */
	size_t code_at = o++;
	uint8_t code = 1;

	for (size_t i = 0; i < total; i++) {
		uint8_t b = plain_at(&f, i);

		if (b == 0) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
			continue;
		}
		out[o++] = b;
		if (++code == 255u) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		}
	}
	out[code_at] = code;
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

/* Decode rx->buf[0, n) in place; returns the decoded length or -1. */
static long cobs_decode(uint8_t *buf, size_t n)
{
	size_t r = 0, w = 0;

	while (r < n) {
		uint8_t code = buf[r++];

		if (code == 0 || (size_t)code - 1u > n - r)
			return -1;
		for (uint8_t k = 1; k < code; k++)
			buf[w++] = buf[r++];
		if (code != 255u && r < n)
			buf[w++] = 0;
	}
	return (long)w;
}

static int drop(struct mvl_rx *rx, unsigned why)
{
	rx->dropped[why]++;
	rx->n = 0;
	return 0;
}

int mvl_rx_byte(struct mvl_rx *rx, uint8_t b, struct mvl_header *h, const uint8_t **payload)
{
	if (b != 0) {
		if (rx->skipping)
			return 0;
		if (rx->n >= sizeof rx->buf) {
			rx->skipping = 1;
			return drop(rx, MVL_RX_OVERSIZE);
		}
		rx->buf[rx->n++] = b;
		return 0;
	}
	/* A zero: the end of a frame, or the one before a frame. */
	if (rx->skipping) {
		rx->skipping = 0;
		rx->n = 0;
		return 0;
	}
	if (rx->n == 0)
		return 0;
	long len = cobs_decode(rx->buf, rx->n);

	if (len < 0)
		return drop(rx, MVL_RX_COBS);
	if ((size_t)len < 12u)
		return drop(rx, MVL_RX_SHORT);
	uint16_t plen = get16(rx->buf + 6);

	if (plen > MVL_PAYLOAD_MAX || (size_t)plen != (size_t)len - 12u)
		return drop(rx, MVL_RX_LENGTH);
	if (rx->buf[0] != MVL_FORMAT)
		return drop(rx, MVL_RX_VERSION);
	if (mv_crc32(0, rx->buf, (uint32_t)len - 4u) != get32(rx->buf + len - 4))
		return drop(rx, MVL_RX_CRC);
	h->lf_version = rx->buf[0];
	h->lf_stream = rx->buf[1];
	h->lf_type = rx->buf[2];
	h->lf_flags = rx->buf[3];
	h->lf_seq = get16(rx->buf + 4);
	h->lf_len = plen;
	*payload = rx->buf + 8;
	rx->n = 0;
	rx->frames++;
	return 1;
}

/* ------------------------------------------------------------ payloads */

void mvl_put_hello(uint8_t *p, const struct mvl_hello *m)
{
	put32(p + 0x00, m->lh_fw_version);
	put32(p + 0x04, m->lh_abi);
	put32(p + 0x08, m->lh_app_version);
	put32(p + 0x0c, m->lh_counter_floor);
	put32(p + 0x10, m->lh_index_version);
	put32(p + 0x14, m->lh_state);
	put32(p + 0x18, m->lh_reason);
	put16(p + 0x1c, m->lh_payload_max);
	put16(p + 0x1e, m->lh_reserved);
	copy(p + 0x20, m->lh_image_sha256, 32u);
	copy(p + 0x40, (const uint8_t *)m->lh_board, 32u);
	copy(p + 0x60, (const uint8_t *)m->lh_app, 32u);
	copy(p + 0x80, (const uint8_t *)m->lh_channel, 16u);
}

int mvl_get_hello(const uint8_t *p, size_t len, struct mvl_hello *m)
{
	if (len != MVL_HELLO_SIZE)
		return -1;
	m->lh_fw_version = get32(p + 0x00);
	m->lh_abi = get32(p + 0x04);
	m->lh_app_version = get32(p + 0x08);
	m->lh_counter_floor = get32(p + 0x0c);
	m->lh_index_version = get32(p + 0x10);
	m->lh_state = get32(p + 0x14);
	m->lh_reason = get32(p + 0x18);
	m->lh_payload_max = get16(p + 0x1c);
	m->lh_reserved = get16(p + 0x1e);
	copy(m->lh_image_sha256, p + 0x20, 32u);
	copy((uint8_t *)m->lh_board, p + 0x40, 32u);
	copy((uint8_t *)m->lh_app, p + 0x60, 32u);
	copy((uint8_t *)m->lh_channel, p + 0x80, 16u);
	/* Names are NUL-padded; the last byte is forced so a reader can
	 * always treat them as strings. */
	m->lh_board[31] = m->lh_app[31] = m->lh_channel[15] = 0;
	return 0;
}

void mvl_put_read(uint8_t *p, const struct mvl_read *m)
{
	put32(p + 0x00, m->lr_offset);
	put16(p + 0x04, m->lr_length);
	put16(p + 0x06, m->lr_name_len);
	copy(p + 0x08, (const uint8_t *)m->lr_name, MVL_OBJECT_MAX);
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
	m->lr_offset = get32(p + 0x00);
	m->lr_length = get16(p + 0x04);
	m->lr_name_len = get16(p + 0x06);
	copy((uint8_t *)m->lr_name, p + 0x08, MVL_OBJECT_MAX);
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
	return m->lp_outcome <= MVL_R_FAILED ? 0 : -1;
}

void mvl_put_status(uint8_t *p, const struct mvl_status *m)
{
	put32(p + 0x00, m->ls_fw_version);
	put32(p + 0x04, m->ls_abi);
	put32(p + 0x08, m->ls_uptime_ms);
	put32(p + 0x0c, m->ls_state);
	put32(p + 0x10, m->ls_reason);
	put32(p + 0x14, m->ls_app_version);
	put32(p + 0x18, m->ls_app_counter);
	put32(p + 0x1c, m->ls_counter_floor);
	put32(p + 0x20, m->ls_index_version);
	put32(p + 0x24, m->ls_starts);
	put32(p + 0x28, m->ls_crashes);
	put32(p + 0x2c, m->ls_last_crash);
	put32(p + 0x30, m->ls_rx_frames);
	put32(p + 0x34, m->ls_rx_dropped);
	put32(p + 0x38, m->ls_tx_frames);
	put32(p + 0x3c, m->ls_lines);
	copy(p + 0x40, m->ls_image_sha256, 32u);
	copy(p + 0x60, (const uint8_t *)m->ls_serial, 32u);
	copy(p + 0x80, (const uint8_t *)m->ls_board, 32u);
	copy(p + 0xa0, (const uint8_t *)m->ls_app, 32u);
}

int mvl_get_status(const uint8_t *p, size_t len, struct mvl_status *m)
{
	if (len != MVL_STATUS_SIZE)
		return -1;
	m->ls_fw_version = get32(p + 0x00);
	m->ls_abi = get32(p + 0x04);
	m->ls_uptime_ms = get32(p + 0x08);
	m->ls_state = get32(p + 0x0c);
	m->ls_reason = get32(p + 0x10);
	m->ls_app_version = get32(p + 0x14);
	m->ls_app_counter = get32(p + 0x18);
	m->ls_counter_floor = get32(p + 0x1c);
	m->ls_index_version = get32(p + 0x20);
	m->ls_starts = get32(p + 0x24);
	m->ls_crashes = get32(p + 0x28);
	m->ls_last_crash = get32(p + 0x2c);
	m->ls_rx_frames = get32(p + 0x30);
	m->ls_rx_dropped = get32(p + 0x34);
	m->ls_tx_frames = get32(p + 0x38);
	m->ls_lines = get32(p + 0x3c);
	copy(m->ls_image_sha256, p + 0x40, 32u);
	copy((uint8_t *)m->ls_serial, p + 0x60, 32u);
	copy((uint8_t *)m->ls_board, p + 0x80, 32u);
	copy((uint8_t *)m->ls_app, p + 0xa0, 32u);
	m->ls_serial[31] = m->ls_board[31] = m->ls_app[31] = 0;
	return m->ls_state <= MVL_DEV_STARTING ? 0 : -1;
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
