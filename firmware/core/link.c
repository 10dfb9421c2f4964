/*
 * link.c - the microvisor's end of the update link (mvbuild-link(5)):
 * frames out through the port's UART, frames in from its receive
 * interrupt, the console mirrored as LINE frames, HELLO at every start
 * and in safe mode, PING answered, UPDATE_NOW taken (the image with the
 * update client; the other declines it) and the client's reads sent.
 * The codec is src/link, shared with 'mvbuild serve'.
 */
#include <mvb/crash.h>
#include <mvb/le.h>

#include "core_int.h"
#include "mv/arch.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"
#include "mvl.h"

#define LINE_MAX 160u

/* HELLO and STATUS go out as their structs: no second copy on the stack
 * (STATUS is answered from the receive interrupt, on whatever stack it
 * interrupted). */
_Static_assert(MVL_STRUCT_IS_PAYLOAD, "the microvisor runs little-endian");

static struct mvl_rx rx MV_BSS_APART(link_rx);
static uint8_t tx[MVL_WIRE_MAX] MV_BSS_APART(link_tx);
static uint8_t line[MVL_LINE_SIZE + LINE_MAX] MV_BSS_APART(link_line); /* a LINE payload: its record, then the text */
static uint32_t line_n, line_seq, line_lost;
static uint16_t next_seq;
static int up;
static uint32_t tx_frames;

/* The one request in flight from the microvisor's thread: the receive
 * interrupt puts its response's payload straight into the caller's
 * buffer (when it fits) and its header here. */
#define CALL_IDLE 0u
#define CALL_WAITING 1u
#define CALL_DONE 2u
#ifdef MV_UPDATE /* the update client's requests; the other image sends none */
static struct {
	volatile uint32_t state;
	uint16_t seq;
	uint8_t stream, type;
	uint8_t flags;
	uint16_t len;
	uint8_t *resp;
	uint32_t cap;
} call MV_BSS_APART(link_call);
#endif
static volatile uint32_t update_asked;

static void send(uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *p, uint32_t len)
{
	/* One frame at a time on the wire: the receive interrupt (which
	 * answers requests) waits until this frame is out. */
	uint32_t key = mv_arch_link_lock();
	size_t n = mvl_encode(stream, type, flags, seq, p, len, tx, sizeof tx);

	if (n != 0u) {
		mv_port_link_write(tx, (uint32_t)n);
		tx_frames++;
	}
	mv_arch_link_unlock(key);
}

void mv_link_init(void)
{
	/* Once, at boot: rx and the line buffer start as static storage
	 * does, zeroed, which is what mvl_rx_init() would make them. */
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

	if (!up)
		return;
	for (uint32_t i = 0; i < sizeof m; i++)
		((uint8_t *)&m)[i] = 0;
	m.lh_fw_version = MV_FW_VERSION;
	m.lh_abi = MV_CORE_ABI;
	m.lh_counter_floor = floor;
	m.lh_index_version = index_version;
	m.lh_state = state;
	m.lh_reason = reason;
	m.lh_payload_max = MVL_PAYLOAD_MAX;
	if (h) {
		m.lh_app_version = h->ah_app_version;
		for (uint32_t i = 0; i < 32u; i++)
			m.lh_image_sha256[i] = h->ah_image_sha256[i];
		for (uint32_t i = 0; i < sizeof m.lh_app - 1u && i < MVB_APPHDR_NAME_MAX; i++)
			m.lh_app[i] = h->ah_name[i];
	}
	copy_name(m.lh_board, sizeof m.lh_board, MVB_BOARD_NAME);
	copy_name(m.lh_channel, sizeof m.lh_channel, "stable");
	send(MVL_S_CONTROL, MVL_T_HELLO, 0, next_seq++, &m, sizeof m);
}

/* The most recent lines, for LOG_READ (mvbuild-link(5)): the response's
 * header and then the lines as it carries them, each a length byte and
 * its text, oldest first; lk_first + lk_count is always line_seq. */
static struct {
	struct mvl_log_part h;
	uint8_t b[MVL_LOG_KEPT];
} kept MV_BSS_APART(link_kept);
static uint32_t kept_used; /* bytes of kept.b in use */
_Static_assert(LINE_MAX < MVL_LOG_KEPT && LINE_MAX < 256u, "a line fits the ring, its length a byte");

static void flush_line(void)
{
	struct mvl_line m = {line_seq++, line_lost};

	mvl_put_line(line, &m);
	/* Sent and kept with the receive interrupt held off: it reads the
	 * ring to answer LOG_READ. */
	uint32_t key = mv_arch_link_lock();

	send(MVL_S_LOG, MVL_T_LINE, 0, 0, line, MVL_LINE_SIZE + line_n);
	while (kept_used + 1u + line_n > MVL_LOG_KEPT) { /* the oldest go: counted as lost when asked for */
		uint32_t d = 1u + kept.b[0];

		for (uint32_t i = 0; i + d < kept_used; i++)
			kept.b[i] = kept.b[i + d];
		kept_used -= d;
		kept.h.lk_first++;
		kept.h.lk_count--;
	}
	kept.b[kept_used] = (uint8_t)line_n;
	for (uint32_t i = 0; i < line_n; i++)
		kept.b[kept_used + 1u + i] = line[MVL_LINE_SIZE + i];
	kept_used += 1u + line_n;
	kept.h.lk_count++;
	mv_arch_link_unlock(key);
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
		line[MVL_LINE_SIZE + line_n++] = (uint8_t)s[i];
	}
}

/* A response to the request h: flags MVL_F_RESPONSE and maybe
 * MVL_F_ERROR.  Always inline: a call costs more than the send() it
 * makes (measured on microvisor-ota.elf). */
static inline __attribute__((always_inline)) void reply(const struct mvl_header *h, uint8_t flags, const void *p,
                                                        uint32_t len)
{
	send(h->lf_stream, h->lf_type, flags, h->lf_seq, p, len);
}

static void reply_error(const struct mvl_header *h, uint32_t code, uint32_t detail)
{
	uint8_t e[MVL_ERROR_SIZE];
	struct mvl_error err = {code, detail};

	mvl_put_error(e, &err);
	reply(h, MVL_F_RESPONSE | MVL_F_ERROR, e, sizeof e);
}

/* STATUS (mvbuild-link(5)): what the device runs and how it fares. */
static void reply_status(const struct mvl_header *h)
{
	struct mvl_status m = {0};
	uint32_t dropped = 0;

	mv_boot_status(&m);
	m.ls_fw_version = MV_FW_VERSION;
	m.ls_abi = MV_CORE_ABI;
	m.ls_uptime_ms = mv_arch_ticks();
	m.ls_counter_floor = mv_update_floor();
	m.ls_index_version = mv_update_index_version();
	for (uint32_t i = 0; i < MVL_RX_KINDS; i++)
		dropped += rx.dropped[i];
	m.ls_rx_frames = rx.frames;
	m.ls_rx_dropped = dropped;
	m.ls_tx_frames = tx_frames;
	m.ls_lines = line_seq;
#ifdef MV_UPDATE
	if (mv_crash_rec.cr_magic == MVB_CRASH_MAGIC)
		m.ls_crash_record = mv_crash_rec.cr_number;
#endif
	copy_name(m.ls_serial, sizeof m.ls_serial, mv_prov_serial());
	copy_name(m.ls_board, sizeof m.ls_board, MVB_BOARD_NAME);
	reply(h, MVL_F_RESPONSE, &m, sizeof m);
}

#ifdef MV_UPDATE
/*
 * Remote operations (mvbuild-link(5)): the debug stream's authorization
 * and what only an authorized peer gets (the crash record).  One nonce
 * is out at a time: a CHALLENGE makes a new one, an AUTH of the right
 * size uses it up whatever its outcome.  A session lasts until its
 * deadline, an END, MVL_AUTH_IDLE_MS without a frame from the peer, or
 * the next reset (all of this is RAM).
 */
static struct {
	uint32_t pool[4]; /* receive timing, stirred by every byte */
	uint32_t count;   /* challenges since boot */
	uint32_t issued;  /* a nonce is out */
	uint32_t until;   /* the session's end (ticks); 0: none */
	uint32_t heard;   /* the tick of the peer's last frame */
	uint8_t nonce[MVL_NONCE_SIZE];
} au MV_BSS_APART(link_auth);

static int same(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t d = 0;

	for (uint32_t i = 0; i < n; i++)
		d |= (uint32_t)(a[i] ^ b[i]);
	return d == 0u;
}

/* An AUTH (struct mvl_auth in p, n bytes): MVL_A_* of the refusal, or
 * MVL_E_TOO_SOON + 0x100 (no app runs), or 0xff: accepted. */
static uint32_t check_auth(const uint8_t *p, uint32_t n)
{
	const uint8_t *key = mv_prov_debug_key();
	uint8_t serial[32], hash[MV_SHA256_LEN];
	struct mv_sha256 c;

	if (n != sizeof(struct mvl_auth))
		return MVL_A_FORMAT;
	uint32_t issued = au.issued;

	au.issued = 0; /* used up, whatever comes next */
	if (mvb_get_le32(p) != MVL_AUTH_MAGIC)
		return MVL_A_FORMAT;
	if (key == 0)
		return MVL_A_NO_KEY;
	copy_name((char *)serial, sizeof serial, mv_prov_serial());
	if (!same(p + 0x18, serial, sizeof serial))
		return MVL_A_DEVICE;
	if (!issued || !same(p + 8, au.nonce, MVL_NONCE_SIZE))
		return MVL_A_NONCE;
	if (!same(p + 0x38, key, 8u))
		return MVL_A_KEY;
	uint32_t sec = mvb_get_le32(p + 4);

	if (sec - 1u >= MVL_AUTH_MAX_S)
		return MVL_A_DURATION;
	if (!mv_boot_app_runs())
		return MVL_E_TOO_SOON + 0x100u;
	mv_sha256_init(&c);
	mv_sha256_update(&c, p, MVL_AUTH_SIGNED);
	mv_sha256_final(&c, hash);
	mv_boot_hold_watchdog(1); /* the app waits for the check, not its fault */
	int ok = mv_update_verify_rs(key + 8, hash, p + 0x40);

	mv_boot_hold_watchdog(0);
	if (!ok)
		return MVL_A_SIGNATURE;
	au.until = mv_arch_ticks() + sec * 1000u;
	au.until |= au.until == 0u;
	return 0xffu;
}

int mv_link_debugging(void)
{
	uint32_t t = mv_arch_ticks(), key = mv_arch_link_lock();

	if (au.until != 0u && ((int32_t)(t - au.until) >= 0 || t - au.heard >= MVL_AUTH_IDLE_MS)) {
		au.until = 0; /* the session ended: its time ran out, or the peer went quiet */
		mv_debug_end();
	}
	mv_arch_link_unlock(key);
	return au.until != 0u;
}

/* The debug stream and CRASH: 0 if answered, else the error to send
 * (MVL_E_AUTH's detail in *detail). */
static uint32_t remote(const struct mvl_header *h, const uint8_t *p, uint32_t *detail)
{
	if (h->lf_stream == MVL_S_DEBUG && h->lf_type == MVL_T_CHALLENGE) {
		const uint8_t *key = mv_prov_debug_key();
		struct mvl_challenge m; /* every field set below */
		struct mv_sha256 c;
		uint8_t d[MV_SHA256_LEN];

		*detail = MVL_A_NO_KEY;
		if (key == 0)
			return MVL_E_AUTH;
		au.count++;
		mv_sha256_init(&c);
		mv_sha256_update(&c, &au, sizeof au); /* heard: now */
		mv_sha256_final(&c, d);
		for (uint32_t i = 0; i < MVL_NONCE_SIZE; i++)
			m.lc_nonce[i] = au.nonce[i] = d[i];
		au.issued = 1;
		copy_name(m.lc_serial, sizeof m.lc_serial, mv_prov_serial());
		for (uint32_t i = 0; i < 8u; i++)
			m.lc_key_id[i] = key[i];
		m.lc_max_s = MVL_AUTH_MAX_S;
		m.lc_reserved = 0;
		reply(h, MVL_F_RESPONSE, &m, sizeof m);
		return 0;
	}
	if (h->lf_stream == MVL_S_DEBUG && h->lf_type == MVL_T_AUTH) {
		uint32_t r = check_auth(p, h->lf_len);

		if (r == 0xffu) {
			reply(h, MVL_F_RESPONSE, 0, 0);
			return 0;
		}
		*detail = r > 0xffu ? 0u : r;
		return r > 0xffu ? r - 0x100u : MVL_E_AUTH;
	}
	if (h->lf_stream == MVL_S_DEBUG && h->lf_type == MVL_T_END) {
		if (au.until != 0u) {
			au.until = 0;
			mv_debug_end();
		}
		reply(h, MVL_F_RESPONSE, 0, 0);
		return 0;
	}
	if (h->lf_stream == MVL_S_DEBUG) { /* the debug agent */
		const void *out = 0;
		uint32_t len = 0, code;
		struct mvl_dstate st; /* on the stack it interrupted, as STATUS */

		*detail = MVL_A_NONE;
		if (au.until == 0u)
			return MVL_E_AUTH;
		code = mv_debug_request(h->lf_type, p, h->lf_len, &st, &out, &len);
		if (code == 0u)
			reply(h, MVL_F_RESPONSE, out, len);
		return code;
	}
	if (h->lf_stream == MVL_S_STATUS && h->lf_type == MVL_T_CRASH && h->lf_len == sizeof(struct mvl_crash_req)) {
		const struct mvb_crash *c = &mv_crash_rec;
		uint32_t off = mvb_get_le32(p);

		*detail = MVL_A_NONE;
		if (au.until == 0u)
			return MVL_E_AUTH;
		if (c->cr_magic != MVB_CRASH_MAGIC)
			return MVL_E_NOT_FOUND;
		if (off >= c->cr_size)
			return MVL_E_RANGE;
		uint32_t n = c->cr_size - off;

		reply(h, MVL_F_RESPONSE, (const uint8_t *)c + off, n < MVL_CRASH_CHUNK ? n : MVL_CRASH_CHUNK);
		return 0;
	}
	return MVL_E_UNSUPPORTED;
}
#endif

/* A frame from the other end: a response for the request in flight, or
 * a request to answer. */
static void dispatch(const struct mvl_header *h, const uint8_t *p)
{
	uint32_t code = MVL_E_UNSUPPORTED, detail = 0;
#ifdef MV_UPDATE
	uint32_t t = mv_arch_ticks();

	(void)mv_link_debugging();
	au.heard = t;
#endif

	if (h->lf_flags & MVL_F_RESPONSE) {
		/* Only the response to the request in flight counts; a late
		 * answer to an earlier try, or anything else, is dropped. */
#ifdef MV_UPDATE
		if (call.state == CALL_WAITING && h->lf_seq == call.seq && h->lf_stream == call.stream &&
		    h->lf_type == call.type) {
			for (uint32_t i = 0; i < h->lf_len && h->lf_len <= call.cap; i++)
				call.resp[i] = p[i];
			call.len = h->lf_len;
			call.flags = h->lf_flags;
			call.state = CALL_DONE;
		}
#else
		(void)p;
#endif
		return;
	}
	if (h->lf_stream == MVL_S_CONTROL && h->lf_type == MVL_T_PING) {
		reply(h, MVL_F_RESPONSE, 0, 0);
		return;
	}
	if (h->lf_stream == MVL_S_LOG && h->lf_type == MVL_T_LOG_READ && h->lf_len == sizeof(struct mvl_log_req)) {
		uint32_t from = mvb_get_le32(p);

		kept.h.lk_lost = kept.h.lk_first > from ? kept.h.lk_first - from : 0u;
		kept.h.lk_next = line_seq;
		reply(h, MVL_F_RESPONSE, &kept, sizeof kept.h + kept_used);
		return;
	}
	if (h->lf_stream == MVL_S_STATUS && h->lf_type == MVL_T_STATUS && h->lf_len == 0u) {
		/* a peer asking without pause must not keep the device here */
		static uint32_t last, answered;
		uint32_t now = mv_arch_ticks();

		if (!answered || now - last >= MVL_STATUS_GAP_MS) {
			answered = 1;
			last = now;
			reply_status(h);
			return;
		}
		code = MVL_E_TOO_SOON;
	}
#ifdef MV_UPDATE
	if (h->lf_stream == MVL_S_CONTROL && h->lf_type == MVL_T_UPDATE_NOW) {
		/* Answered at once; the session runs with the app stopped (a
		 * planned restart: after the app's handlers return, so after
		 * this answer).  Declined while one is asked for already, and
		 * while a release is on trial. */
		int a = mv_link_ask_update(0);

		if (a == 0) {
			reply(h, MVL_F_RESPONSE, 0, 0);
			return;
		}
		if (a == -2)
			code = MVL_E_TRIAL;
	} else if (code == MVL_E_UNSUPPORTED && h->lf_stream >= MVL_S_STATUS) {
		code = remote(h, p, &detail);
		if (code == 0u)
			return;
	}
#endif
	reply_error(h, code, detail);
}

int mv_link_update_asked(void)
{
	return update_asked != 0u;
}

void mv_link_update_done(void)
{
	update_asked = 0;
}

int mv_link_ask_update(int from_app)
{
#ifdef MV_UPDATE
	if (!up)
		return -1;
	/* No session while a release is on trial: an install would replace
	 * the way back, and stopping the app restarts the trial's clock. */
	if (mv_boot_on_trial())
		return -2;
	if (update_asked && !(from_app && mv_boot_take_deferred()))
		return -1;
	update_asked = 1;
	if (!from_app && mv_boot_defer_update())
		return 0; /* the app was told; the tick stops it at its deadline */
	mv_boot_restart(MV_RESTART_UPDATE, 0);
	return 0;
#else
	(void)from_app;
	return -1;
#endif
}

void mv_link_update_busy(void)
{
	update_asked = 1; /* a session runs: UPDATE_NOW is declined until it ends */
}

#ifdef MV_UPDATE
int mv_link_call(uint8_t stream, uint8_t type, const void *req, uint32_t len, uint8_t *resp, uint32_t cap,
                 uint32_t *n)
{
	if (!up)
		return MV_LINK_E_TIMEOUT;
	for (uint32_t try = 0; try < MV_LINK_TRIES; try++) {
		uint16_t seq = next_seq++;

		call.seq = seq;
		call.stream = stream;
		call.type = type;
		call.resp = resp;
		call.cap = cap;
		call.state = CALL_WAITING;
		send(stream, type, 0, seq, req, len);
		if (cap == 0u)
			break; /* not waited for */
		uint32_t start = mv_arch_ticks();

		while (call.state != CALL_DONE && mv_arch_ticks() - start < MV_LINK_WAIT_MS)
			mv_arch_wait_irq();
		if (call.state != CALL_DONE)
			continue;
		call.state = CALL_IDLE;
		if (call.flags & MVL_F_ERROR)
			return MV_LINK_E_ERROR;
		if (call.len > cap)
			return MV_LINK_E_BAD;
		*n = call.len;
		return 0;
	}
	call.state = CALL_IDLE;
	return MV_LINK_E_TIMEOUT;
}

void mv_link_report(uint32_t outcome, uint32_t reason, uint32_t from, uint32_t to, uint32_t bytes)
{
	struct mvl_report m = {outcome, reason, from, to, bytes, 0};
	uint8_t p[MVL_REPORT_SIZE], r[8];
	uint32_t n;

	mvl_put_report(p, &m);
	/* A confirm comes while the app runs (from the tick, or the app's
	 * own call): it is sent, its answer not waited for (cap 0). */
	(void)mv_link_call(MVL_S_UPDATE, MVL_T_REPORT, p, sizeof p, r, outcome == MVL_R_CONFIRMED ? 0u : sizeof r, &n);
}
#endif

void mv_link_rx_byte(uint8_t b)
{
	struct mvl_header h;
	const uint8_t *p;

#ifdef MV_UPDATE
	/* Timing noise for the nonces: when each byte came, in core clocks. */
	au.pool[b & 3u] = au.pool[b & 3u] * 0x01000193u ^ mv_arch_jitter();
#endif
	if (mvl_rx_byte(&rx, b, &h, &p))
		dispatch(&h, p);
}
