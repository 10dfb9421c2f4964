/*
 * link.c - the microvisor's end of the update link (mvbuild-link(5)):
 * frames out through the port's UART, frames in from its receive
 * interrupt, the console mirrored as LINE frames, HELLO at every start
 * and in safe mode, PING answered.  The update client's reads will run
 * over the same frames (not yet: UPDATE_NOW is answered "not now").
 * The codec is src/link, shared with 'mvbuild serve'.
 */
#include "core_int.h"
#include "mv/arch.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"
#include "mvl.h"

#define LINE_MAX 160u

static struct mvl_rx rx;
static uint8_t tx[MVL_WIRE_MAX];
static char line[LINE_MAX];
static uint32_t line_n, line_seq, line_lost;
static uint16_t next_seq;
static int up;

static void send(uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *p, uint32_t len)
{
	/* One frame at a time on the wire: the receive interrupt (which
	 * answers requests) waits until this frame is out. */
	uint32_t key = mv_arch_link_lock();
	size_t n = mvl_encode(stream, type, flags, seq, p, len, tx, sizeof tx);

	if (n != 0u)
		mv_port_link_write(tx, (uint32_t)n);
	mv_arch_link_unlock(key);
}

void mv_link_init(void)
{
	mvl_rx_init(&rx);
	line_n = 0;
	up = mv_port_link_init();
}

int mv_link_up(void)
{
	return up;
}

static void copy_name(char *d, uint32_t cap, const char *s)
{
	uint32_t i = 0;

	for (; i + 1u < cap && s[i] != '\0'; i++)
		d[i] = s[i];
	for (; i < cap; i++)
		d[i] = 0;
}

void mv_link_hello(const struct mvb_app_header *h, uint32_t state, uint32_t reason, uint32_t floor,
                   uint32_t index_version)
{
	struct mvl_hello m;
	uint8_t p[MVL_HELLO_SIZE];

	if (!up)
		return;
	m.lh_fw_version = MV_FW_VERSION;
	m.lh_abi = MV_CORE_ABI;
	m.lh_app_version = h ? h->ah_app_version : 0u;
	m.lh_counter_floor = floor;
	m.lh_index_version = index_version;
	m.lh_state = state;
	m.lh_reason = reason;
	m.lh_payload_max = MVL_PAYLOAD_MAX;
	m.lh_reserved = 0;
	for (uint32_t i = 0; i < 32u; i++)
		m.lh_image_sha256[i] = h ? h->ah_image_sha256[i] : 0u;
	copy_name(m.lh_board, sizeof m.lh_board, MVB_BOARD_NAME);
	copy_name(m.lh_app, sizeof m.lh_app, "");
	if (h)
		for (uint32_t i = 0; i < sizeof m.lh_app - 1u && i < MVB_APPHDR_NAME_MAX; i++)
			m.lh_app[i] = h->ah_name[i];
	copy_name(m.lh_channel, sizeof m.lh_channel, "stable");
	mvl_put_hello(p, &m);
	send(MVL_S_CONTROL, MVL_T_HELLO, 0, next_seq++, p, sizeof p);
}

static void flush_line(void)
{
	uint8_t p[MVL_LINE_SIZE + LINE_MAX];
	struct mvl_line m = {line_seq++, line_lost};

	mvl_put_line(p, &m);
	for (uint32_t i = 0; i < line_n; i++)
		p[MVL_LINE_SIZE + i] = (uint8_t)line[i];
	send(MVL_S_LOG, MVL_T_LINE, 0, 0, p, MVL_LINE_SIZE + line_n);
	line_n = 0;
	line_lost = 0;
}

void mv_link_console(const char *s, uint32_t n)
{
	if (!up)
		return;
	for (uint32_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			flush_line();
			continue;
		}
		if (line_n == LINE_MAX)
			flush_line(); /* an over-long line goes in pieces */
		line[line_n++] = s[i];
	}
}

/* A frame from the other end.  Only requests are answered; a response
 * is for the update client, which does not exist yet. */
static void dispatch(const struct mvl_header *h, const uint8_t *p)
{
	(void)p;
	if (h->lf_flags & MVL_F_RESPONSE)
		return;
	if (h->lf_stream == MVL_S_CONTROL && h->lf_type == MVL_T_PING) {
		send(h->lf_stream, h->lf_type, MVL_F_RESPONSE, h->lf_seq, 0, 0);
		return;
	}
	uint8_t e[MVL_ERROR_SIZE];
	struct mvl_error err = {MVL_E_UNSUPPORTED, 0};

	mvl_put_error(e, &err);
	send(h->lf_stream, h->lf_type, MVL_F_RESPONSE | MVL_F_ERROR, h->lf_seq, e, sizeof e);
}

void mv_link_rx_byte(uint8_t b)
{
	struct mvl_header h;
	const uint8_t *p;

	if (mvl_rx_byte(&rx, b, &h, &p))
		dispatch(&h, p);
}
