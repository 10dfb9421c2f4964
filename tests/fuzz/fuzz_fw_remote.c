/* fuzz_fw_remote.c - libFuzzer harness: the microvisor's answers to the
 * other end of its link (firmware/core/link.c built with MV_UPDATE=1, the
 * image with the update client, on the host with mps2-an505's generated
 * board header), above all the remote operations of mvbuild-link(5): the
 * debug stream's CHALLENGE, AUTH and END and the status stream's CRASH.
 * The device is provisioned (firmware/core/prov.c parses a record made
 * here) with serial FUZZ_SERIAL and one debug key, the public key of
 * tests/fuzz/fuzz_fw_remote.pem (a test key, for these seeds only); its
 * last crash record is a filled test record.  Every byte goes to
 * mv_link_rx_byte() one at a time; what the device writes to its link is
 * decoded with src/link's decoder and checked against the request the
 * same bytes made (a second decoder, fed in step with the device's).
 *
 * Input: a 15-byte head, then the bytes of the link.
 *   0     flags: 0x01 no app runs, 0x02 no crash record, 0x04 no debug
 *         key provisioned, 0x08 a release on trial, 0x10 every AUTH of
 *         128 bytes gets the nonce of the device's last CHALLENGE written
 *         into its la_nonce (and is framed again) before it goes in, 0x20
 *         the app defers updates, 0x40 the body is records the harness
 *         frames (below) instead of wire bytes, 0x80 a full 256-byte stack
 *         in the crash record (else byte 1's count)
 *   1     bytes of stack in the crash record
 *   2-5   ms the clock advances first (little-endian; it wraps)
 *   6-13  four gaps (little-endian 16 bits): before each frame the clock
 *         advances by one of them in ms, the four in turn (up to 65 s:
 *         either side of MVL_AUTH_IDLE_MS, to the ms)
 *   14    0x01: the harness signs every AUTH of 128 bytes (after 0x10's
 *         nonce) with the debug key's private half, so that sessions
 *         open and what ends them is exercised too
 * A frame is the bytes up to a zero; bytes after the last zero are
 * dropped, so every input ends with the device's receiver clean.  In
 * record mode the body is [stream, type, flags, seq (2), len (2), len
 * bytes] records (len taken modulo 513, cut at the input's end), each
 * sent as one valid frame.  What the harness expects of the device (its
 * session, its nonce, STATUS's pacing) carries over from input to input,
 * as link.c's statics do.  MVB_FUZZ_TRACE=1 prints each request and its
 * answer to stderr.
 *
 * Oracles (abort() on a violation, besides ASan/UBSan):
 *  - one response to each request (none to a response), with the
 *    request's stream, type and seq, decoding as one clean frame,
 *    payload <= MVL_PAYLOAD_MAX, and nothing sent between requests;
 *  - CRASH answers with record bytes only inside an authorized session:
 *    an AUTH accepted (empty response) earlier, and no END, no expiry
 *    (la_seconds after the AUTH) and no gap of MVL_AUTH_IDLE_MS without
 *    a frame since.  The fuzzer cannot forge the P-256 signature: without
 *    head byte 14's signing CRASH is always refused (error 8, detail 0).
 *    An answer carries exactly the record's bytes from lq_offset, at most
 *    MVL_CRASH_CHUNK and never past cr_size;
 *  - an AUTH is refused with error 8 and the MVL_A_* detail of the first
 *    failing check in mvbuild-link(5)'s order (FORMAT, NO_KEY, DEVICE,
 *    NONCE, KEY, DURATION), error 6 while no app runs, then SIGNATURE;
 *    the verifier runs (with the watchdog held) only for an AUTH that
 *    passed every other check, and an accepted AUTH's signature verifies;
 *    a nonce is used up by any AUTH of 128 bytes;
 *  - a CHALLENGE answer carries the serial, the debug key's id, 3600 s
 *    and a nonce not among the last 16 issued; without a key, error 8
 *    detail 1;
 *  - STATUS: answered at most once every MVL_STATUS_GAP_MS (else error
 *    6), with the clock, the receiver's and sender's frame counts, the
 *    serial and board; UPDATE_NOW: error 7 on trial, 5 while asked
 *    already, else answered and the app restarted for the update (or
 *    told, when it defers); anything else error 5.
 *
 * Covers: firmware/core/link.c firmware/core/prov.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>

#include <mvb/crash.h>
#include <mvb/le.h>
#include <mvb/link.h>
#include <mvb/provision.h>

#include "mv/arch.h"
#include "mv/core.h"
#include "mv/port.h"
#include "mv_board.h"
#include "mvl.h"
#include "mvp.h"

void mv_boot_restart(uint32_t why, int now); /* firmware/core/core_int.h */

#define FUZZ_SERIAL "fuzz-remote-0001"

/* The debug key: the public point of tests/fuzz/fuzz_fw_remote.pem, a
 * test key made with 'mvbuild keygen' for this harness, and its key id
 * (the first 8 bytes of SHA-256 of 0x04 || X || Y). */
static const uint8_t debug_key_id[8] = {0x4c, 0xd6, 0x33, 0x15, 0x82, 0x60, 0x36, 0x9d};
static const uint8_t debug_point[64] = {
    0xf0, 0x50, 0xf6, 0xb8, 0xea, 0x2c, 0xc5, 0xf6, 0x89, 0x71, 0x86, 0xbf, 0xca, 0x0d, 0x1d, 0xd3,
    0x65, 0x8b, 0x31, 0x3a, 0x7b, 0xf3, 0xc0, 0x5d, 0x6a, 0x13, 0xed, 0x64, 0xd2, 0x70, 0xb6, 0x50,
    0xc8, 0x87, 0x72, 0x4d, 0x70, 0xf0, 0xe2, 0x33, 0xe9, 0x7e, 0xcd, 0x5f, 0x81, 0x47, 0xe0, 0xd2,
    0xb8, 0x16, 0x2b, 0x7a, 0x5a, 0xc4, 0x21, 0x21, 0xb9, 0x84, 0x90, 0x4f, 0x32, 0x75, 0x85, 0xbe,
};
/* ... and its private scalar (the same test key, nothing else trusts it):
 * the harness signs AUTHs with it when head byte 10 asks. */
static const uint8_t debug_private[32] = {
    0xa3, 0x1d, 0x44, 0x4a, 0xbe, 0x3d, 0xc3, 0x26, 0xe1, 0x2f, 0x32, 0x90, 0xf8, 0xa9, 0x6a, 0xcd,
    0xcd, 0x4a, 0xb3, 0xca, 0x97, 0x5f, 0xdb, 0x04, 0x3b, 0x81, 0xa6, 0x58, 0x78, 0x26, 0x6e, 0x84,
};

#define F_NO_APP 0x01u
#define F_NO_CRASH 0x02u
#define F_NO_KEY 0x04u
#define F_TRIAL 0x08u
#define F_PATCH 0x10u
#define F_DEFER 0x20u
#define F_RECORDS 0x40u
#define F_FULL_STACK 0x80u
#define F2_SIGN 0x01u /* head byte 14 */
#define HEAD 15u

#define FAIL(...)                                                                                                     \
	do {                                                                                                          \
		fprintf(stderr, "fuzz_fw_remote: " __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                                                  \
		abort();                                                                                              \
	} while (0)

/* ---- the device around link.c */
static uint32_t flags, flags2;
static uint8_t signed_rec[sizeof(struct mvl_auth)]; /* the last AUTH the harness signed */
static uint32_t now;    /* mv_arch_ticks(): the input moves it */
static uint32_t jitter; /* mv_arch_jitter(): a counter, so runs repeat */
static uint32_t locks, held, verifies, restarts, restart_why;
struct mvb_crash mv_crash_rec;

uint32_t mv_arch_ticks(void)
{
	return now;
}

uint32_t mv_arch_jitter(void)
{
	return jitter += 0x9e3779b9u;
}

uint32_t mv_arch_link_lock(void)
{
	return locks++;
}

void mv_arch_link_unlock(uint32_t key)
{
	if (locks == 0 || key != --locks)
		FAIL("link lock and unlock do not pair");
}

void mv_arch_wait_irq(void)
{
	FAIL("the receive path waited for an interrupt");
}

int mv_port_link_init(void)
{
	return 1;
}

int mv_boot_app_runs(void)
{
	return !(flags & F_NO_APP);
}

void mv_boot_hold_watchdog(uint32_t h)
{
	if ((h != 0) == (held != 0))
		FAIL("watchdog hold %u while held %u", h, held);
	held = h;
}

void mv_boot_status(struct mvl_status *m)
{
	m->ls_state = (flags & F_NO_APP) ? MVL_DEV_SAFE : (flags & F_TRIAL) ? MVL_DEV_TRIAL : MVL_DEV_RUNNING;
	m->ls_app_version = 0x01020003u;
	m->ls_starts = 7;
}

int mv_boot_on_trial(void)
{
	return (flags & F_TRIAL) != 0;
}

int mv_boot_defer_update(void)
{
	return (flags & F_DEFER) != 0;
}

int mv_boot_take_deferred(void)
{
	FAIL("a deferral taken from the receive path");
}

void mv_boot_restart(uint32_t why, int n)
{
	(void)n;
	restarts++;
	restart_why = why;
}

uint32_t mv_update_floor(void)
{
	return 5;
}

uint32_t mv_update_index_version(void)
{
	return 11;
}

int mv_update_verify_rs(const uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[64])
{
	if (!held)
		FAIL("signature checked without the watchdog held");
	if (memcmp(pub, debug_point, 64) != 0)
		FAIL("signature checked with a key that is not the debug key");
	verifies++;
	return mvp_verify_rs(pub, hash, sig, sig + 32) == MVP_OK;
}

/* The debug agent (firmware/core/debug.c) is the arch's and the port's
 * business, not this harness's: link.c must hand it the agent's requests
 * of an authorized session only, and tell it when a session ends. */
static unsigned agent_calls, agent_ends;

uint32_t mv_debug_request(uint32_t type, const uint8_t *p, uint32_t n, struct mvl_dstate *buf, const void **out,
                          uint32_t *len)
{
	(void)type;
	(void)p;
	(void)n;
	(void)buf;
	(void)out;
	(void)len;
	agent_calls++;
	return MVL_E_UNSUPPORTED;
}

void mv_debug_end(void)
{
	agent_ends++;
}

void mv_printf(const char *fmt, ...)
{
	(void)fmt;
}

void mv_msg(uint32_t w, ...)
{
	(void)w;
}

/* ---- provisioning and the crash record */
static uint8_t prov_key[MVB_PROV_SIZE], prov_nokey[MVB_PROV_SIZE];
static uint8_t serial32[32]; /* FUZZ_SERIAL, NUL-padded as lc_serial */

static void make_prov(uint8_t *r, int with_key)
{
	memset(r, 0, MVB_PROV_SIZE);
	mvb_set_le32(r, MVB_PROV_MAGIC);
	mvb_set_le32(r + 4, MVB_PROV_FORMAT | MVB_PROV_SIZE << 16);
	mvb_set_le32(r + 8, 1);
	memcpy(r + 0x10, FUZZ_SERIAL, strlen(FUZZ_SERIAL));
	for (uint32_t i = 0; i < MVB_PROV_ANCHOR_SIZE; i++)
		r[0x30 + i] = (uint8_t)(0xa0 + i); /* an update anchor: not used here */
	memcpy(r + 0x150, "forever", 7);
	if (with_key) {
		memcpy(r + 0x170, debug_key_id, 8);
		memcpy(r + 0x178, debug_point, 64);
	}
	mvb_set_le32(r + 0x1fc, mv_crc32(0, r, 0x1fcu));
}

static void make_crash(uint32_t stack_len, int present)
{
	uint8_t *w = (uint8_t *)&mv_crash_rec;

	for (uint32_t i = 0; i < sizeof mv_crash_rec; i++)
		w[i] = (uint8_t)(i * 7u + 3u);
	mv_crash_rec.cr_magic = present ? MVB_CRASH_MAGIC : 0;
	mv_crash_rec.cr_format = MVB_CRASH_FORMAT;
	mv_crash_rec.cr_size = (uint16_t)(MVB_CRASH_HEAD + stack_len);
	mv_crash_rec.cr_stack_len = stack_len;
	mv_crash_rec.cr_flags = MVB_CRASH_F_FRAME | MVB_CRASH_F_STACK;
}

/* ---- what the device's state must be (mvbuild-link(5)), kept across
 * inputs like link.c's statics */
static struct {
	int open;             /* an authorized session */
	uint32_t until;       /* its end */
	uint32_t heard;       /* the last whole frame from the peer */
	int issued;           /* a nonce is out, not used up */
	uint8_t nonce[16];    /* the last one issued */
	int have_nonce;       /* any issued since the harness started */
	uint8_t seen[16][16]; /* the last 16 nonces */
	uint32_t seen_n;
	int status_answered;
	uint32_t status_last;
	int asked; /* UPDATE_NOW taken */
} md;

/* The request being answered: the frame the last byte completed. */
static struct mvl_rx mine; /* the harness's decoder, in step with link.c's */
static struct mvl_header cur;
static uint8_t curp[MVL_PAYLOAD_MAX];
static int cur_valid;
static unsigned outs;
static uint32_t tx_count;
static int trace; /* MVB_FUZZ_TRACE set: each request and answer to stderr */

static void expect_error(const struct mvl_header *h, const uint8_t *p, uint32_t code, uint32_t detail)
{
	struct mvl_error e;

	if (h->lf_flags != (MVL_F_RESPONSE | MVL_F_ERROR) || mvl_get_error(p, h->lf_len, &e))
		FAIL("stream %u type %u: expected error %u/%u, got flags %#x len %u", cur.lf_stream, cur.lf_type, code,
		     detail, h->lf_flags, h->lf_len);
	if (e.le_code != code || e.le_detail != detail) {
		FAIL("stream %u type %u: expected error %u/%u, got %u/%u", cur.lf_stream, cur.lf_type, code, detail,
		     e.le_code, e.le_detail);
	}
}

static void expect_ok(const struct mvl_header *h, uint32_t len)
{
	if (h->lf_flags != MVL_F_RESPONSE || h->lf_len != len)
		FAIL("stream %u type %u: expected a response of %u bytes, got flags %#x len %u", cur.lf_stream,
		     cur.lf_type, len, h->lf_flags, h->lf_len);
}

static void check_status(const uint8_t *p)
{
	struct mvl_status s;
	uint32_t dropped = 0;

	if (mvl_get_status(p, MVL_STATUS_SIZE, &s))
		FAIL("STATUS record does not decode");
	for (uint32_t i = 0; i < MVL_RX_KINDS; i++)
		dropped += mine.dropped[i];
	if (s.ls_fw_version != MV_FW_VERSION || s.ls_abi != MV_CORE_ABI || s.ls_uptime_ms != now ||
	    s.ls_counter_floor != 5 || s.ls_index_version != 11 || s.ls_app_version != 0x01020003u ||
	    s.ls_rx_frames != mine.frames || s.ls_rx_dropped != dropped || s.ls_tx_frames != tx_count ||
	    s.ls_lines != 0 || strcmp(s.ls_serial, FUZZ_SERIAL) != 0 || strcmp(s.ls_board, MVB_BOARD_NAME) != 0)
		FAIL("STATUS record wrong (uptime %u/%u, rx %u/%u, dropped %u/%u, tx %u/%u)", s.ls_uptime_ms, now,
		     s.ls_rx_frames, mine.frames, s.ls_rx_dropped, dropped, s.ls_tx_frames, tx_count);
}

static void check_challenge(const struct mvl_header *h, const uint8_t *p)
{
	if (flags & F_NO_KEY) {
		expect_error(h, p, MVL_E_AUTH, MVL_A_NO_KEY);
		return;
	}
	expect_ok(h, sizeof(struct mvl_challenge));
	if (memcmp(p + 0x10, serial32, 32) != 0 || memcmp(p + 0x30, debug_key_id, 8) != 0 ||
	    mvb_get_le32(p + 0x38) != MVL_AUTH_MAX_S || mvb_get_le32(p + 0x3c) != 0)
		FAIL("CHALLENGE record wrong");
	for (uint32_t i = 0; i < md.seen_n && i < 16u; i++)
		if (memcmp(md.seen[i], p, 16) == 0)
			FAIL("CHALLENGE nonce issued before");
	memcpy(md.seen[md.seen_n++ % 16u], p, 16);
	memcpy(md.nonce, p, 16);
	md.issued = md.have_nonce = 1;
}

/* AUTH: the refusal mvbuild-link(5)'s order gives, or the last stage
 * (signature: refused with detail 5 or accepted). */
#define AUTH_SIG_STAGE 0xffffffffu
static uint32_t auth_expect(const uint8_t *p, uint32_t n, uint32_t *code)
{
	*code = MVL_E_AUTH;
	if (n != sizeof(struct mvl_auth))
		return MVL_A_FORMAT;
	int issued = md.issued;

	md.issued = 0; /* used up by any AUTH of the right size */
	if (mvb_get_le32(p) != MVL_AUTH_MAGIC)
		return MVL_A_FORMAT;
	if (flags & F_NO_KEY)
		return MVL_A_NO_KEY;
	if (memcmp(p + 0x18, serial32, 32) != 0)
		return MVL_A_DEVICE;
	if (!issued || memcmp(p + 8, md.nonce, 16) != 0)
		return MVL_A_NONCE;
	if (memcmp(p + 0x38, debug_key_id, 8) != 0)
		return MVL_A_KEY;
	uint32_t sec = mvb_get_le32(p + 4);

	if (sec == 0 || sec > MVL_AUTH_MAX_S)
		return MVL_A_DURATION;
	if (flags & F_NO_APP) {
		*code = MVL_E_TOO_SOON;
		return 0;
	}
	*code = AUTH_SIG_STAGE;
	return MVL_A_SIGNATURE;
}

static void check_auth_answer(const struct mvl_header *h, const uint8_t *p)
{
	uint32_t code, detail = auth_expect(curp, cur.lf_len, &code);

	if (verifies != (code == AUTH_SIG_STAGE))
		FAIL("AUTH: the verifier ran %u times (expected %u; answer flags %#x, %u/%u)", verifies,
		     code == AUTH_SIG_STAGE, h->lf_flags, h->lf_len == 8 ? mvb_get_le32(p) : 0,
		     h->lf_len == 8 ? mvb_get_le32(p + 4) : 0);
	if (code != AUTH_SIG_STAGE) {
		expect_error(h, p, code, detail);
		return;
	}
	if (h->lf_flags & MVL_F_ERROR) {
		expect_error(h, p, MVL_E_AUTH, MVL_A_SIGNATURE);
		return;
	}
	expect_ok(h, 0);
	/* accepted: the signature must really be the debug key's (known
	 * when the harness made it) */
	struct mv_sha256 c;
	uint8_t hash[32];

	mv_sha256_init(&c);
	mv_sha256_update(&c, curp, MVL_AUTH_SIGNED);
	mv_sha256_final(&c, hash);
	if (memcmp(curp, signed_rec, sizeof signed_rec) != 0 &&
	    mvp_verify_rs(debug_point, hash, curp + 0x40, curp + 0x60) != MVP_OK)
		FAIL("AUTH accepted with a signature that does not verify");
	md.open = 1;
	md.until = now + mvb_get_le32(curp + 4) * 1000u;
	md.until |= md.until == 0u; /* link.c keeps 0 for "none": one ms later */
}

static void check_crash(const struct mvl_header *h, const uint8_t *p)
{
	const struct mvb_crash *c = &mv_crash_rec;
	uint32_t off = mvb_get_le32(curp);

	if (!(h->lf_flags & MVL_F_ERROR) && !md.open)
		FAIL("CRASH answered with record bytes outside an authorized session");
	if (!md.open) {
		expect_error(h, p, MVL_E_AUTH, MVL_A_NONE);
		return;
	}
	if (c->cr_magic != MVB_CRASH_MAGIC) {
		expect_error(h, p, MVL_E_NOT_FOUND, 0);
		return;
	}
	if (off >= c->cr_size) {
		expect_error(h, p, MVL_E_RANGE, 0);
		return;
	}
	uint32_t n = c->cr_size - off < MVL_CRASH_CHUNK ? c->cr_size - off : MVL_CRASH_CHUNK;

	expect_ok(h, n);
	if (memcmp(p, (const uint8_t *)c + off, n) != 0)
		FAIL("CRASH bytes are not the record's from %u", off);
}

/* One frame the device sent, answering cur. */
static void check_answer(const struct mvl_header *h, const uint8_t *p)
{
	if (h->lf_stream != cur.lf_stream || h->lf_type != cur.lf_type || h->lf_seq != cur.lf_seq)
		FAIL("answer %u/%u/%u to request %u/%u/%u", h->lf_stream, h->lf_type, h->lf_seq, cur.lf_stream,
		     cur.lf_type, cur.lf_seq);
	if (h->lf_len > MVL_PAYLOAD_MAX)
		FAIL("answer of %u bytes", h->lf_len);
	if (!(cur.lf_stream == MVL_S_DEBUG && cur.lf_type == MVL_T_AUTH) && verifies)
		FAIL("the verifier ran for stream %u type %u", cur.lf_stream, cur.lf_type);
	int upd = cur.lf_stream == MVL_S_CONTROL && cur.lf_type == MVL_T_UPDATE_NOW;
	uint32_t want_restarts = 0;

	if (cur.lf_stream == MVL_S_CONTROL && cur.lf_type == MVL_T_PING) {
		expect_ok(h, 0);
	} else if (upd && (flags & F_TRIAL)) {
		expect_error(h, p, MVL_E_TRIAL, 0);
	} else if (upd && md.asked) {
		expect_error(h, p, MVL_E_UNSUPPORTED, 0);
	} else if (upd) {
		expect_ok(h, 0);
		md.asked = 1;
		want_restarts = !(flags & F_DEFER);
	} else if (cur.lf_stream == MVL_S_STATUS && cur.lf_type == MVL_T_STATUS && cur.lf_len == 0) {
		if (md.status_answered && now - md.status_last < MVL_STATUS_GAP_MS) {
			expect_error(h, p, MVL_E_TOO_SOON, 0);
		} else {
			expect_ok(h, MVL_STATUS_SIZE);
			check_status(p);
			md.status_answered = 1;
			md.status_last = now;
		}
	} else if (cur.lf_stream == MVL_S_DEBUG && cur.lf_type == MVL_T_CHALLENGE) {
		check_challenge(h, p);
	} else if (cur.lf_stream == MVL_S_DEBUG && cur.lf_type == MVL_T_AUTH) {
		check_auth_answer(h, p);
	} else if (cur.lf_stream == MVL_S_DEBUG && cur.lf_type == MVL_T_END) {
		expect_ok(h, 0);
		md.open = 0;
	} else if (cur.lf_stream == MVL_S_DEBUG) {
		/* the agent's types, and any other of the debug stream: refused
		 * outside a session, else the agent's answer */
		if (agent_calls != (md.open ? 1u : 0u))
			FAIL("debug request %u: the agent was asked %u times in %s session", cur.lf_type, agent_calls,
			     md.open ? "a" : "no");
		expect_error(h, p, md.open ? MVL_E_UNSUPPORTED : MVL_E_AUTH, MVL_A_NONE);
	} else if (cur.lf_stream == MVL_S_STATUS && cur.lf_type == MVL_T_CRASH &&
	           cur.lf_len == sizeof(struct mvl_crash_req)) {
		check_crash(h, p);
	} else if (cur.lf_stream == MVL_S_LOG && cur.lf_type == MVL_T_LOG_READ &&
	           cur.lf_len == sizeof(struct mvl_log_req)) {
		/* the lines kept (none here: nothing is printed through the
		 * link in this harness), in the shape link(5) gives */
		struct mvl_log_part lp;
		uint32_t from = mvb_get_le32(curp);

		if (h->lf_flags != MVL_F_RESPONSE || mvl_get_log_part(p, h->lf_len, &lp) ||
		    h->lf_len > sizeof lp + MVL_LOG_KEPT || lp.lk_first + lp.lk_count != lp.lk_next ||
		    lp.lk_lost != (lp.lk_first > from ? lp.lk_first - from : 0u))
			FAIL("LOG_READ from %u: flags %#x, %u bytes", from, h->lf_flags, h->lf_len);
	} else {
		expect_error(h, p, MVL_E_UNSUPPORTED, 0);
	}
	if (restarts != want_restarts || (restarts && restart_why != MV_RESTART_UPDATE))
		FAIL("%u restarts (why %u) for stream %u type %u", restarts, restart_why, cur.lf_stream, cur.lf_type);
}

void mv_port_link_write(const uint8_t *p, uint32_t len)
{
	struct mvl_rx d;
	struct mvl_header h;
	const uint8_t *pl = NULL;
	unsigned got = 0;

	if (!cur_valid)
		FAIL("the device sent %u bytes with no request to answer", len);
	if (++outs > 1)
		FAIL("two answers to one request");
	if (len < 2 || len > MVL_WIRE_MAX || p[0] != 0 || p[len - 1] != 0)
		FAIL("a frame of %u bytes, not zero-delimited", len);
	mvl_rx_init(&d);
	for (uint32_t i = 0; i < len; i++)
		if (mvl_rx_byte(&d, p[i], &h, &pl) && ++got && i != len - 1)
			FAIL("more than one frame in one write");
	for (uint32_t i = 0; i < MVL_RX_KINDS; i++)
		if (d.dropped[i])
			FAIL("the device sent a bad frame (%u)", i);
	if (got != 1)
		FAIL("the device's write holds no frame");
	if (trace)
		fprintf(stderr, "t=%u req %u/%u/%u len %u -> flags %#x len %u%s %u/%u\n", now, cur.lf_stream, cur.lf_type,
		        cur.lf_seq, cur.lf_len, h.lf_flags, h.lf_len, (h.lf_flags & MVL_F_ERROR) ? " error" : "",
		        (h.lf_flags & MVL_F_ERROR) && h.lf_len == 8 ? mvb_get_le32(pl) : 0,
		        (h.lf_flags & MVL_F_ERROR) && h.lf_len == 8 ? mvb_get_le32(pl + 4) : 0);
	check_answer(&h, pl);
	tx_count++;
}

/* One byte to both decoders and the device. */
static void feed(uint8_t b)
{
	struct mvl_header h;
	const uint8_t *p;

	cur_valid = mvl_rx_byte(&mine, b, &h, &p);
	if (cur_valid) {
		cur = h;
		memcpy(curp, p, h.lf_len);
		/* mvbuild-link(5): a session ends la_seconds after the AUTH,
		 * or after MVL_AUTH_IDLE_MS without a frame */
		if (md.open && ((int32_t)(now - md.until) >= 0 || now - md.heard >= MVL_AUTH_IDLE_MS))
			md.open = 0;
		md.heard = now;
	}
	outs = 0;
	verifies = 0;
	restarts = 0;
	agent_calls = 0;
	mv_link_rx_byte(b);
	if (cur_valid && outs != ((cur.lf_flags & MVL_F_RESPONSE) ? 0u : 1u))
		FAIL("%u answers to a frame with flags %#x", outs, cur.lf_flags);
	if (held || locks)
		FAIL("the watchdog held or the link locked after a byte");
	cur_valid = 0;
}

static void feed_all(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed(p[i]);
}

static uint16_t gaps[4];
static uint32_t gap_i;

static void tick_gap(void)
{
	now += gaps[gap_i++ % 4u];
}

/* mbedTLS blinds its scalar arithmetic with these bytes; deterministic
 * ECDSA (RFC 6979) gives the same signature whatever they are. */
static int blind(void *arg, unsigned char *out, size_t n)
{
	uint32_t *x = arg;

	for (size_t i = 0; i < n; i++) {
		*x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
		out[i] = (uint8_t)*x;
	}
	return 0;
}

/* la_sig of the AUTH record a: the debug key's signature of its first
 * MVL_AUTH_SIGNED bytes. */
static void sign_auth(uint8_t *a)
{
	static mbedtls_ecp_group grp;
	static mbedtls_mpi d;
	static int loaded;
	struct mv_sha256 c;
	uint8_t hash[32];
	mbedtls_mpi r, s;
	uint32_t x = 0x2545f491u;

	if (!loaded) {
		mbedtls_ecp_group_init(&grp);
		mbedtls_mpi_init(&d);
		if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) ||
		    mbedtls_mpi_read_binary(&d, debug_private, sizeof debug_private))
			FAIL("mbedTLS cannot load the debug key");
		loaded = 1;
	}
	mv_sha256_init(&c);
	mv_sha256_update(&c, a, MVL_AUTH_SIGNED);
	mv_sha256_final(&c, hash);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &d, hash, sizeof hash, MBEDTLS_MD_SHA256, blind, &x) ||
	    mbedtls_mpi_write_binary(&r, a + 0x40, 32) || mbedtls_mpi_write_binary(&s, a + 0x60, 32))
		FAIL("mbedTLS cannot sign");
	memcpy(signed_rec, a, sizeof signed_rec);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
}

/* A frame: the nonce written into a 128-byte AUTH (F_PATCH) and the
 * record signed (F2_SIGN), then framed. */
static void send_frame(uint8_t stream, uint8_t type, uint8_t fl, uint16_t seq, uint8_t *pl, size_t len)
{
	static uint8_t w[MVL_WIRE_MAX];

	if (stream == MVL_S_DEBUG && type == MVL_T_AUTH && len == sizeof(struct mvl_auth)) {
		if ((flags & F_PATCH) && md.have_nonce)
			memcpy(pl + 8, md.nonce, 16);
		if (flags2 & F2_SIGN)
			sign_auth(pl);
	}
	size_t n = mvl_encode(stream, type, fl, seq, pl, len, w, sizeof w);

	if (n == 0)
		FAIL("mvl_encode refused a frame of %zu bytes", len);
	feed_all(w, n);
}

/* Wire bytes up to a zero: as they are, or (F_PATCH or F2_SIGN, a valid
 * AUTH) the frame they make with the nonce written in or signed. */
static void send_wire(const uint8_t *p, size_t n)
{
	if ((flags & F_PATCH) || (flags2 & F2_SIGN)) {
		struct mvl_rx t = mine;
		struct mvl_header h;
		const uint8_t *pl = NULL;
		int got;

		for (size_t i = 0; i < n; i++)
			(void)mvl_rx_byte(&t, p[i], &h, &pl); /* no zero: never a frame */
		got = mvl_rx_byte(&t, 0, &h, &pl);
		if (got && !(h.lf_flags & MVL_F_RESPONSE) && h.lf_stream == MVL_S_DEBUG && h.lf_type == MVL_T_AUTH &&
		    h.lf_len == sizeof(struct mvl_auth)) {
			uint8_t a[sizeof(struct mvl_auth)];

			memcpy(a, pl, sizeof a);
			send_frame(h.lf_stream, h.lf_type, h.lf_flags, h.lf_seq, a, sizeof a);
			return;
		}
	}
	feed_all(p, n);
	feed(0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;

	if (size < HEAD)
		return 0;
	if (!started) {
		make_prov(prov_key, 1);
		make_prov(prov_nokey, 0);
		memcpy(serial32, FUZZ_SERIAL, strlen(FUZZ_SERIAL));
		trace = getenv("MVB_FUZZ_TRACE") != NULL;
		mv_link_init();
		if (!mv_link_up())
			FAIL("link not up");
		started = 1;
	}
	flags = data[0];
	flags2 = data[14];
	if (mv_prov_parse((flags & F_NO_KEY) ? prov_nokey : prov_key) != MV_PROV_OK)
		FAIL("the provisioning record was refused");
	if ((mv_prov_debug_key() != NULL) != !(flags & F_NO_KEY))
		FAIL("debug key %s", mv_prov_debug_key() ? "present" : "missing");
	make_crash((flags & F_FULL_STACK) ? MVB_CRASH_STACK_MAX : data[1], !(flags & F_NO_CRASH));
	now += mvb_get_le32(data + 2);
	for (uint32_t i = 0; i < 4u; i++)
		gaps[i] = mvb_get_le16(data + 6 + 2 * i);
	gap_i = 0;
	mv_link_update_done(); /* UPDATE_NOW taken again */
	md.asked = 0;

	const uint8_t *b = data + HEAD;
	size_t n = size - HEAD;

	if (flags & F_RECORDS) {
		static uint8_t pl[MVL_PAYLOAD_MAX];

		for (size_t i = 0; i + 7 <= n;) {
			uint8_t stream = b[i], type = b[i + 1], fl = b[i + 2];
			uint16_t seq = mvb_get_le16(b + i + 3);
			size_t len = mvb_get_le16(b + i + 5) % (MVL_PAYLOAD_MAX + 1u);

			i += 7;
			if (len > n - i)
				len = n - i;
			memcpy(pl, b + i, len);
			i += len;
			tick_gap();
			send_frame(stream, type, fl, seq, pl, len);
		}
		return 0;
	}
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0)
			continue;
		if (i > start) {
			tick_gap();
			send_wire(b + start, i - start);
		}
		start = i + 1;
	}
	return 0;
}
