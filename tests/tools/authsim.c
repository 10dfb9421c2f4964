/*
 * authsim.c - a device's remote operations for the 'mvbuild crash get'
 * tests (mvbuild-link(5): the debug stream's CHALLENGE, AUTH and END, and
 * the status stream's CRASH), spoken through the codec the microvisor
 * compiles (src/link) and checking signatures with its verifier
 * (src/p256, mvp_verify_rs), by the rules the microvisor keeps: one nonce
 * out at a time, replaced by each CHALLENGE and used up by any AUTH of the
 * right size; AUTH checked in the order FORMAT, NO_KEY, DEVICE, NONCE,
 * KEY, DURATION, SIGNATURE; CRASH only in an authorized session.
 *
 *   authsim --port-file F [--debug-key PUB.pem] [--serial S]
 *           [--record FILE] [--log FILE] [--quirk Q]...
 *
 * Listens on a free loopback port (its number into F), serves one
 * connection until the other end hangs up.  Without --debug-key it trusts
 * no debug key; without --record it has no crash to give.  Quirks, each
 * once: drop-crash (the first CRASH goes unanswered), too-soon (the first
 * AUTH is answered error 6, as while no app runs), replace (after the
 * record's last part is sent, a new crash replaces it: cr_number + 1),
 * close-after-auth (hang up after accepting an AUTH), short-part (the
 * first CRASH is answered with 7 bytes, too few to hold cr_size), mute
 * (answer nothing).
 *
 * The log (--log) has one line per event, for the test to check: "challenge
 * N", "auth ok SECONDS", "auth refused DETAIL", "auth too-soon", "crash
 * OFFSET", "crash refused CODE", "end".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "mvl.h"
#include "mvp.h"
#include "mvb/crash.h"
#include "mvb/hash.h"
#include "mvb/le.h"
#include "mvb/sign.h"

#include "simdev.h"

static int fd = -1;
static struct mvl_rx rx;

static struct {
	int have_key;
	uint8_t key[72]; /* id, X || Y: as pv_debug holds it */
	char serial[32];
	uint8_t rec[MVB_CRASH_SIZE];
	uint32_t rec_size; /* 0: no crash */
	/* the session */
	uint8_t nonce[MVL_NONCE_SIZE];
	int issued, open;
	unsigned challenges;
	/* quirks, each used once */
	int drop_crash, too_soon, replace, close_after_auth, short_part, mute;
} d;

static void send_frame(const struct mvl_header *h, uint8_t flags, const void *p, size_t len)
{
	uint8_t wire[MVL_WIRE_MAX + 1];
	size_t n = mvl_encode(h->lf_stream, h->lf_type, flags, h->lf_seq, p, len, wire, sizeof(wire));
	for (size_t o = 0; o < n;) {
		ssize_t k = write(fd, wire + o, n - o);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		o += (size_t)k;
	}
}

static void reply_error(const struct mvl_header *h, uint32_t code, uint32_t detail)
{
	uint8_t e[MVL_ERROR_SIZE];
	struct mvl_error er = { code, detail };
	mvl_put_error(e, &er);
	send_frame(h, MVL_F_RESPONSE | MVL_F_ERROR, e, sizeof(e));
}

/* MVL_A_* of the refusal, or 0xff: accepted (the device's order). */
static uint32_t check_auth(const uint8_t *p, size_t n)
{
	if (n != sizeof(struct mvl_auth) || mvb_get_le32(p) != MVL_AUTH_MAGIC)
		return MVL_A_FORMAT;
	int issued = d.issued;
	d.issued = 0; /* used up, whatever follows */
	if (!d.have_key)
		return MVL_A_NO_KEY;
	if (memcmp(p + 0x18, d.serial, sizeof(d.serial)))
		return MVL_A_DEVICE;
	if (!issued || memcmp(p + 8, d.nonce, MVL_NONCE_SIZE))
		return MVL_A_NONCE;
	if (memcmp(p + 0x38, d.key, 8))
		return MVL_A_KEY;
	uint32_t sec = mvb_get_le32(p + 4);
	if (sec - 1u >= MVL_AUTH_MAX_S)
		return MVL_A_DURATION;
	uint8_t hash[32];
	mvb_sha256(p, MVL_AUTH_SIGNED, hash);
	if (mvp_verify_rs(d.key + 8, hash, p + 0x40, p + 0x60) != MVP_OK)
		return MVL_A_SIGNATURE;
	return 0xff;
}

static void on_request(const struct mvl_header *h, const uint8_t *p)
{
	if (d.mute)
		return;
	if (h->lf_stream == MVL_S_DEBUG && h->lf_type == MVL_T_CHALLENGE) {
		note("challenge %u", ++d.challenges);
		if (!d.have_key) {
			reply_error(h, MVL_E_AUTH, MVL_A_NO_KEY);
			return;
		}
		uint8_t m[0x40] = { 0 };
		FILE *ur = fopen("/dev/urandom", "rb");
		if (!ur || fread(d.nonce, 1, sizeof(d.nonce), ur) != sizeof(d.nonce))
			exit(2);
		fclose(ur);
		d.issued = 1;
		memcpy(m, d.nonce, MVL_NONCE_SIZE);
		memcpy(m + 0x10, d.serial, sizeof(d.serial));
		memcpy(m + 0x30, d.key, 8);
		mvb_set_le32(m + 0x38, MVL_AUTH_MAX_S);
		send_frame(h, MVL_F_RESPONSE, m, sizeof(m));
		return;
	}
	if (h->lf_stream == MVL_S_DEBUG && h->lf_type == MVL_T_AUTH) {
		if (d.too_soon && h->lf_len == sizeof(struct mvl_auth)) {
			d.too_soon = 0;
			d.issued = 0;
			note("auth too-soon");
			reply_error(h, MVL_E_TOO_SOON, 0);
			return;
		}
		uint32_t r = check_auth(p, h->lf_len);
		if (r != 0xff) {
			note("auth refused %u", (unsigned)r);
			reply_error(h, MVL_E_AUTH, r);
			return;
		}
		d.open = 1;
		note("auth ok %u", (unsigned)mvb_get_le32(p + 4));
		send_frame(h, MVL_F_RESPONSE, NULL, 0);
		if (d.close_after_auth) {
			note("hang up");
			close(fd);
			exit(0);
		}
		return;
	}
	if (h->lf_stream == MVL_S_DEBUG && h->lf_type == MVL_T_END) {
		d.open = 0;
		note("end");
		send_frame(h, MVL_F_RESPONSE, NULL, 0);
		return;
	}
	if (h->lf_stream == MVL_S_STATUS && h->lf_type == MVL_T_CRASH && h->lf_len == sizeof(struct mvl_crash_req)) {
		uint32_t off = mvb_get_le32(p), code = 0, detail = 0;
		if (!d.open)
			code = MVL_E_AUTH, detail = MVL_A_NONE;
		else if (!d.rec_size)
			code = MVL_E_NOT_FOUND;
		else if (off >= d.rec_size)
			code = MVL_E_RANGE;
		if (code) {
			note("crash refused %u", (unsigned)code);
			reply_error(h, code, detail);
			return;
		}
		if (d.drop_crash) {
			d.drop_crash = 0;
			note("crash %u dropped", (unsigned)off);
			return;
		}
		uint32_t n = d.rec_size - off < MVL_CRASH_CHUNK ? d.rec_size - off : MVL_CRASH_CHUNK;
		if (d.short_part) {
			d.short_part = 0;
			n = 7; /* the first part too short to say the record's size */
		}
		note("crash %u", (unsigned)off);
		send_frame(h, MVL_F_RESPONSE, d.rec + off, n);
		if (d.replace && off + n == d.rec_size) {
			d.replace = 0;
			mvb_set_le32(d.rec + 8, mvb_get_le32(d.rec + 8) + 1);
			note("replaced");
		}
		return;
	}
	reply_error(h, MVL_E_UNSUPPORTED, 0);
}

static int listen_port(const char *port_file)
{
	return listen1("authsim", port_file);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	static unsigned char buf[8192];
	if (!f) {
		perror(path);
		exit(2);
	}
	*n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "authsim: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--port-file")) {
			port_file = v;
		} else if (!strcmp(a, "--log")) {
			logf = fopen(v, "w");
		} else if (!strcmp(a, "--serial")) {
			snprintf(d.serial, sizeof(d.serial), "%s", v);
		} else if (!strcmp(a, "--debug-key")) {
			size_t n;
			unsigned char *pem = slurp(v, &n);
			struct mvb_key *k;
			char err[200];
			uint8_t pt[65];
			if (mvb_key_load(&k, pem, n, NULL, 0, err, sizeof(err))) {
				fprintf(stderr, "authsim: %s: %s\n", v, err);
				return 2;
			}
			mvb_key_id(k, d.key);
			mvb_key_point(k, pt);
			memcpy(d.key + 8, pt + 1, 64);
			mvb_key_free(k);
			d.have_key = 1;
		} else if (!strcmp(a, "--record")) {
			size_t n;
			unsigned char *b = slurp(v, &n);
			if (n > sizeof(d.rec)) {
				fprintf(stderr, "authsim: %s: more than %zu bytes\n", v, sizeof(d.rec));
				return 2;
			}
			memcpy(d.rec, b, n);
			d.rec_size = (uint32_t)n;
		} else if (!strcmp(a, "--quirk")) {
			int *q = !strcmp(v, "drop-crash")         ? &d.drop_crash
				 : !strcmp(v, "too-soon")         ? &d.too_soon
				 : !strcmp(v, "replace")          ? &d.replace
				 : !strcmp(v, "close-after-auth") ? &d.close_after_auth
				 : !strcmp(v, "short-part")       ? &d.short_part
				 : !strcmp(v, "mute")             ? &d.mute
								  : NULL;
			if (!q) {
				fprintf(stderr, "authsim: unknown quirk '%s'\n", v);
				return 2;
			}
			*q = 1;
		} else {
			fprintf(stderr, "usage: authsim --port-file F [--debug-key PUB.pem] [--serial S] [--record FILE] "
					"[--log FILE] [--quirk Q]...\n");
			return 2;
		}
	}
	if (!port_file) {
		fprintf(stderr, "authsim: --port-file is required\n");
		return 2;
	}
	mvl_rx_init(&rx);
	fd = listen_port(port_file);
	uint8_t buf[1024];
	for (;;) {
		ssize_t k = read(fd, buf, sizeof(buf));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k; i++) {
			struct mvl_header h;
			const uint8_t *p;
			if (mvl_rx_byte(&rx, buf[i], &h, &p) && !(h.lf_flags & MVL_F_RESPONSE))
				on_request(&h, p);
		}
	}
	note("closed");
	return 0;
}
