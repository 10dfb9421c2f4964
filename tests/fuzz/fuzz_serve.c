/* fuzz_serve.c - libFuzzer harness: 'mvbuild serve''s request loop fed a
 * hostile device's byte stream.  The bytes go through the link's receiver
 * (src/link) and every frame it delivers through mvb_serve_handle, with
 * an in-memory repository of an index, a bundle larger than a payload, a
 * missing object and one that fails to read, as the CLI's loop does.
 *
 * Oracles: an answer goes only to a request (never to a response, never
 * to a LINE) and decodes to exactly one frame with the request's stream,
 * type and lf_seq and the response flag; an error answer carries codes 1
 * to 5; a data answer carries the repository's bytes at the asked offset
 * and the object's size, no more than asked and no more than the payload
 * limit of the device's last HELLO; the repository is asked only for
 * names of the repository layout (no "..", no leading '/').
 *
 * MVB_FUZZ_EMIT=DIR: the replay binary writes its seeds (frame sequences
 * of an honest session, hostile reads, unknown streams, garbage) to DIR.
 *
 * Covers: src/core/serve.c src/link/link.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/serve.h"
#include "mvl.h"

/* The paths the repository holds; a device reads them by their names in
 * its app's directory (DIR), the HELLO of add_hello naming that app. */
#define DIR "mps2-an505/fixture/"
#define INDEX_N "stable/index"
#define BUNDLE_N "objects/00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff.mvb"
#define BROKEN_N "beta/index"
#define INDEX DIR INDEX_N
#define BUNDLE DIR BUNDLE_N
#define BROKEN DIR BROKEN_N

static uint8_t index_bytes[300], bundle_bytes[2000];

static int get(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail)
{
	(void)ctx;
	if (mvb_serve_object_of(name) == MVB_SERVE_OBJ_NONE || name[0] == '/' || strstr(name, ".."))
		abort(); /* the core asked for a name outside the layout */
	if (!strcmp(name, INDEX)) {
		*data = index_bytes;
		*len = sizeof(index_bytes);
		return 0;
	}
	if (!strcmp(name, BUNDLE)) {
		*data = bundle_bytes;
		*len = sizeof(bundle_bytes);
		return 0;
	}
	if (!strcmp(name, BROKEN)) {
		*detail = 5;
		return MVL_E_REPOSITORY;
	}
	return MVL_E_NOT_FOUND;
}

static void check(const struct mvb_serve *s, uint16_t limit, const struct mvl_header *h, const uint8_t *payload,
		  const struct mvb_serve_out *o)
{
	int request = !(h->lf_flags & MVL_F_RESPONSE) && !(h->lf_stream == MVL_S_LOG && h->lf_type == MVL_T_LINE);
	if (!request) {
		if (o->wire_len)
			abort();
		return;
	}
	if (!o->wire_len)
		abort();
	static struct mvl_rx rx;
	struct mvl_header rh = { 0, 0, 0, 0, 0, 0 };
	const uint8_t *rp = NULL;
	int got = 0;
	mvl_rx_init(&rx);
	for (size_t i = 0; i < o->wire_len; i++) {
		struct mvl_header hh;
		const uint8_t *pp;
		if (mvl_rx_byte(&rx, o->wire[i], &hh, &pp)) {
			rh = hh;
			rp = pp;
			got++;
		}
	}
	if (got != 1 || rh.lf_stream != h->lf_stream || rh.lf_type != h->lf_type || rh.lf_seq != h->lf_seq ||
	    !(rh.lf_flags & MVL_F_RESPONSE) || (rh.lf_flags & ~(MVL_F_RESPONSE | MVL_F_ERROR)))
		abort();
	if (rh.lf_flags & MVL_F_ERROR) {
		struct mvl_error e;
		if (mvl_get_error(rp, rh.lf_len, &e) || e.le_code < 1 || e.le_code > 5)
			abort();
		return;
	}
	if (h->lf_stream != MVL_S_UPDATE || h->lf_type != MVL_T_READ) {
		if (rh.lf_len != 0)
			abort();
		return;
	}
	/* data: the asked bytes of the object, within the limit */
	struct mvl_read rd;
	struct mvl_data d;
	if (mvl_get_read(payload, h->lf_len, limit, &rd) || mvl_get_data(rp, rh.lf_len, &d))
		abort();
	const uint8_t *obj = !strcmp(o->name, INDEX) ? index_bytes : !strcmp(o->name, BUNDLE) ? bundle_bytes : NULL;
	size_t olen = obj == index_bytes ? sizeof(index_bytes) : sizeof(bundle_bytes);
	size_t n = rh.lf_len - MVL_DATA_SIZE;
	if (!obj || d.ld_offset != rd.lr_offset || d.ld_total != olen || rd.lr_offset > olen || n > rd.lr_length ||
	    rh.lf_len > limit || (n < rd.lr_length && rd.lr_offset + n != olen) ||
	    memcmp(rp + MVL_DATA_SIZE, obj + rd.lr_offset, n))
		abort();
	(void)s;
}

static void emit(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f))
		abort();
}

/* Appends one encoded frame to b (a seed under construction). */
static void add(uint8_t *b, size_t *n, uint8_t stream, uint8_t type, uint8_t flags, uint16_t seq, const void *p,
		size_t len)
{
	*n += mvl_encode(stream, type, flags, seq, p, len, b + *n, MVB_SERVE_WIRE_MAX);
}

static void add_read(uint8_t *b, size_t *n, uint16_t seq, const char *name, uint32_t off, uint16_t len)
{
	struct mvl_read r;
	uint8_t p[MVL_READ_SIZE];
	memset(&r, 0, sizeof(r));
	r.lr_offset = off;
	r.lr_length = len;
	r.lr_name_len = (uint16_t)strlen(name);
	memcpy(r.lr_name, name, strlen(name));
	mvl_put_read(p, &r);
	add(b, n, MVL_S_UPDATE, MVL_T_READ, 0, seq, p, sizeof(p));
}

static void add_hello(uint8_t *b, size_t *n, uint16_t limit)
{
	struct mvl_hello h;
	uint8_t p[MVL_HELLO_SIZE];
	memset(&h, 0, sizeof(h));
	h.lh_fw_version = 0x00010000u;
	h.lh_abi = 0x00010001u;
	h.lh_app_version = 0x01010000u;
	h.lh_payload_max = limit;
	strcpy(h.lh_board, "mps2-an505");
	strcpy(h.lh_app, "fixture");
	strcpy(h.lh_channel, "stable");
	mvl_put_hello(p, &h);
	add(b, n, MVL_S_CONTROL, MVL_T_HELLO, 0, 1, p, sizeof(p));
}

static void write_seeds(const char *dir)
{
	static uint8_t b[1 << 16];
	size_t n = 0;
	/* an honest session: HELLO, the index, the bundle, a line, REPORT */
	add_hello(b, &n, MVL_PAYLOAD_MAX);
	add_read(b, &n, 2, INDEX_N, 0, 504);
	add_read(b, &n, 3, BUNDLE_N, 0, 504);
	add_read(b, &n, 4, BUNDLE_N, 504, 504);
	uint8_t line[MVL_LINE_SIZE + 5] = { 1, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
	add(b, &n, MVL_S_LOG, MVL_T_LINE, 0, 0, line, sizeof(line));
	struct mvl_report rp = { MVL_R_INSTALLED, 0, 0x01010000u, 0x01020000u, 2300, 0 };
	uint8_t p[MVL_REPORT_SIZE];
	mvl_put_report(p, &rp);
	add(b, &n, MVL_S_UPDATE, MVL_T_REPORT, 0, 5, p, sizeof(p));
	emit(dir, "session", b, n);
	/* reads at and past the ends, a small payload limit, bad names */
	n = 0;
	add_hello(b, &n, 64);
	add_read(b, &n, 2, INDEX_N, 300, 56);
	add_read(b, &n, 3, INDEX_N, 301, 56);
	add_read(b, &n, 4, BUNDLE_N, 1990, 57);
	add_read(b, &n, 5, "../etc/passwd", 0, 16);
	add_read(b, &n, 6, "stable/.lock", 0, 16);
	add_read(b, &n, 7, BROKEN_N, 0, 16);
	emit(dir, "reads", b, n);
	/* streams and types not served, flags, responses */
	n = 0;
	add(b, &n, MVL_S_DEBUG, 1, 0, 1, NULL, 0);
	add(b, &n, MVL_S_CONTROL, MVL_T_UPDATE_NOW, 0, 2, NULL, 0);
	add(b, &n, MVL_S_CONTROL, MVL_T_UPDATE_NOW, MVL_F_RESPONSE | MVL_F_ERROR, 3, "\5\0\0\0\0\0\0\0", 8);
	add(b, &n, MVL_S_CONTROL, MVL_T_PING, 0x80, 4, NULL, 0);
	add(b, &n, MVL_S_CONTROL, MVL_T_PING, 0, 5, NULL, 0);
	emit(dir, "unknown", b, n);
	/* garbage around a PING */
	n = 0;
	for (unsigned i = 0; i < 600; i++)
		b[n++] = (uint8_t)(i * 37u + 1u);
	b[n++] = 0;
	add(b, &n, MVL_S_CONTROL, MVL_T_PING, 0, 9, NULL, 0);
	emit(dir, "garbage", b, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		for (size_t i = 0; i < sizeof(index_bytes); i++)
			index_bytes[i] = (uint8_t)(i * 7u + 1u);
		for (size_t i = 0; i < sizeof(bundle_bytes); i++)
			bundle_bytes[i] = (uint8_t)(i * 13u + 5u);
		const char *dir = getenv("MVB_FUZZ_EMIT");
		if (dir)
			write_seeds(dir);
		ready = 1;
	}
	static struct mvl_rx rx;
	static struct mvb_serve s;
	static struct mvb_serve_out o;
	static uint8_t copy[MVL_PAYLOAD_MAX];
	mvl_rx_init(&rx);
	mvb_serve_init(&s, get, NULL);
	for (size_t i = 0; i < size; i++) {
		struct mvl_header h;
		const uint8_t *p;
		if (!mvl_rx_byte(&rx, data[i], &h, &p))
			continue;
		memcpy(copy, p, h.lf_len);
		uint16_t limit = s.payload_max; /* the limit a READ is held to is that of the HELLO before it */
		mvb_serve_handle(&s, &h, copy, &o);
		check(&s, limit, &h, copy, &o);
	}
	return 0;
}
