/* test_rsp.c - the GDB remote protocol client against scripted servers:
 * byte-exact requests, acks, retransmission, escapes, run-length replies,
 * errors, timeouts, end of stream, memory maps; and the flash writer's
 * order and verification against an in-memory target. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/flash.h"
#include "mvb/rsp.h"
#include "mvb/status.h"

/* ---- a scripted transport: replies queued in order, requests recorded ---- */

struct script {
	const char *in[32]; /* chunks the server sends, consumed one read at a time */
	size_t in_len[32];
	unsigned nin, next;
	char out[8192];
	size_t out_len;
	int eof_is_timeout;
	uint64_t now; /* the clock: a wait that times out takes its whole timeout */
};

static uint64_t s_now(void *ctx)
{
	return ((struct script *)ctx)->now;
}

static long s_read(void *ctx, unsigned char *buf, size_t n, int timeout_ms)
{
	struct script *s = ctx;
	if (s->next == s->nin) {
		if (!s->eof_is_timeout)
			return 0;
		s->now += (uint64_t)timeout_ms;
		return MVB_RSP_IO_TIMEOUT;
	}
	size_t k = s->in_len[s->next];
	assert_true(k <= n);
	memcpy(buf, s->in[s->next++], k);
	return (long)k;
}

static int s_write(void *ctx, const unsigned char *buf, size_t n)
{
	struct script *s = ctx;
	assert_true(s->out_len + n < sizeof(s->out));
	memcpy(s->out + s->out_len, buf, n);
	s->out_len += n;
	s->out[s->out_len] = 0;
	return 0;
}

static void feed(struct script *s, const char *chunk)
{
	s->in[s->nin] = chunk;
	s->in_len[s->nin++] = strlen(chunk);
}

static void client(struct mvb_rsp *c, struct script *s)
{
	struct mvb_rsp_io io = { s, s_read, s_write, s_now };
	mvb_rsp_init(c, &io);
}

/* framing: "$m10,4#<sum>" exactly, ack sent for the reply */
static void test_framing_and_ack(void **st)
{
	(void)st;
	struct script s = { 0 };
	feed(&s, "+");
	feed(&s, "$deadbeef#");
	feed(&s, "20");
	struct mvb_rsp c;
	client(&c, &s);
	unsigned char b[4];
	assert_int_equal(mvb_rsp_read_mem(&c, 0x10, b, 4), 0);
	assert_string_equal(s.out, "$m10,4#2e+");
	assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
	mvb_rsp_release(&c);
}

/* a garbled reply is NAKed and the retransmission used */
static void test_bad_checksum_retransmit(void **st)
{
	(void)st;
	struct script s = { 0 };
	feed(&s, "+$OK#00");     /* wrong sum */
	feed(&s, "$OK#9a");      /* retransmitted */
	struct mvb_rsp c;
	client(&c, &s);
	unsigned char d[2] = { 1, 2 };
	c.x_state = -1;
	assert_int_equal(mvb_rsp_write_mem(&c, 0x20000000, d, 2), 0);
	assert_non_null(strstr(s.out, "-+"));
	assert_int_equal(s.out[s.out_len - 1], '+');
	assert_int_equal(c.retransmits, 1);
	mvb_rsp_release(&c);
}

/* the server refuses our packet ('-'): it is sent again, then gives up */
static void test_nak_resend_bounded(void **st)
{
	(void)st;
	struct script s = { 0 };
	feed(&s, "-");
	feed(&s, "-");
	feed(&s, "-");
	feed(&s, "-");
	struct mvb_rsp c;
	client(&c, &s);
	unsigned char b[1];
	assert_int_equal(mvb_rsp_read_mem(&c, 0, b, 1), MVB_RSP_EPROTO);
	assert_non_null(strstr(c.err, "refused a packet 4 times"));
	mvb_rsp_release(&c);
}

/* run-length replies ("0*'" is '0' + 10 more) and escapes decode */
static void test_run_length_and_escape(void **st)
{
	(void)st;
	struct script s = { 0 };
	/* '0', then '*&' repeats it 38 - 29 = 9 times: 10 zeros, then "00" */
	feed(&s, "+$0*&00#e0");
	struct mvb_rsp c;
	client(&c, &s);
	unsigned char b[6];
	memset(b, 0x55, sizeof(b));
	int rc = mvb_rsp_read_mem(&c, 0x0, b, 6);
	assert_int_equal(rc, 0);
	assert_memory_equal(b, "\0\0\0\0\0\0", 6);
	mvb_rsp_release(&c);
}

/* binary writes escape '$', '#', '}' and '*' */
static void test_x_escapes(void **st)
{
	(void)st;
	struct script s = { 0 };
	feed(&s, "+$OK#9a");
	struct mvb_rsp c;
	client(&c, &s);
	unsigned char d[4] = { '$', '#', '}', '*' };
	assert_int_equal(mvb_rsp_write_mem(&c, 0x100, d, 4), 0);
	assert_int_equal(c.x_state, 1);
	assert_non_null(strstr(s.out, "$X100,4:}\x04}\x03}]}\x0a#"));
	mvb_rsp_release(&c);
}

/* X refused (empty reply): fall back to M for this and later writes */
static void test_x_fallback_to_m(void **st)
{
	(void)st;
	struct script s = { 0 };
	feed(&s, "+$#00");
	feed(&s, "+$OK#9a");
	feed(&s, "+$OK#9a");
	struct mvb_rsp c;
	client(&c, &s);
	unsigned char d[2] = { 0xab, 0xcd };
	assert_int_equal(mvb_rsp_write_mem(&c, 0x100, d, 2), 0);
	assert_int_equal(c.x_state, -1);
	assert_int_equal(mvb_rsp_write_mem(&c, 0x102, d, 2), 0);
	assert_non_null(strstr(s.out, "$M100,2:abcd#"));
	assert_non_null(strstr(s.out, "$M102,2:abcd#"));
	mvb_rsp_release(&c);
}

/* errors name what was written where; timeouts and hang-ups too */
static void test_errors(void **st)
{
	(void)st;
	struct script s = { 0 };
	feed(&s, "+$E0e#da");
	struct mvb_rsp c;
	client(&c, &s);
	c.x_state = -1;
	unsigned char d[3] = { 1, 2, 3 };
	assert_int_equal(mvb_rsp_write_mem(&c, 0x00200000, d, 3), MVB_RSP_ESERVER);
	assert_non_null(strstr(c.err, "'E0e'"));
	assert_non_null(strstr(c.err, "0x00200000"));
	mvb_rsp_release(&c);

	struct script s2 = { 0 };
	feed(&s2, "+$O");
	client(&c, &s2);
	assert_int_equal(mvb_rsp_read_mem(&c, 0x10, d, 1), MVB_RSP_ECLOSED);
	assert_non_null(strstr(c.err, "closed the connection"));
	mvb_rsp_release(&c);

	struct script s3 = { .eof_is_timeout = 1 };
	client(&c, &s3);
	c.timeout_ms = 7;
	assert_int_equal(mvb_rsp_read_mem(&c, 0x10, d, 1), MVB_RSP_ETIMEOUT);
	assert_non_null(strstr(c.err, "no answer from the GDB server within 7 ms"));
	mvb_rsp_release(&c);

	/* a reply that does not fit the request */
	struct script s4 = { 0 };
	feed(&s4, "+$abc#26");
	client(&c, &s4);
	assert_int_equal(mvb_rsp_read_mem(&c, 0x10, d, 1), MVB_RSP_EPROTO);
	mvb_rsp_release(&c);
}

/* "$body#sum" into out (static storage per row). */
static const char *framed(char *out, size_t n, const char *body)
{
	unsigned sum = 0;
	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	snprintf(out, n, "$%s#%02x", body, sum & 0xff);
	return out;
}

/* monitor commands: refused is an error whether the server says so with an
 * error reply or (QEMU, OpenOCD) in its output before OK; and telling
 * QEMU's gdbstub from other servers */
static void test_monitor_and_qemu(void **st)
{
	(void)st;
	static const struct {
		const char *said; /* console output before the reply, or NULL */
		const char *reply;
		int rc;
		const char *err;
	} rows[] = {
		{ "resetting\n", "OK", MVB_RSP_OK, NULL },
		{ NULL, "OK", MVB_RSP_OK, NULL },
		{ "unknown command: 'bogus'\r\n", "OK", MVB_RSP_ESERVER, "refused monitor command 'bogus' (unknown command: 'bogus')" },
		{ "invalid command name \"bogus\"\n", "OK", MVB_RSP_ESERVER, "(invalid command name \"bogus\")" },
		{ NULL, "E01", MVB_RSP_ESERVER, "refused monitor command 'bogus' (E01)" },
		{ NULL, "", MVB_RSP_EUNSUPPORTED, "(no qRcmd)" },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		static char o[256], r[64], hex[256];
		struct script s = { 0 };
		feed(&s, "+");
		if (rows[i].said) {
			size_t k = 0;
			hex[k++] = 'O';
			for (const char *p = rows[i].said; *p; p++, k += 2)
				snprintf(hex + k, 3, "%02x", (unsigned char)*p);
			hex[k] = 0;
			feed(&s, framed(o, sizeof(o), hex));
		}
		feed(&s, framed(r, sizeof(r), rows[i].reply));
		struct mvb_rsp c;
		client(&c, &s);
		c.noack = 1;
		int rc = mvb_rsp_monitor(&c, "bogus");
		if (rc != rows[i].rc || (rows[i].err && !strstr(c.err, rows[i].err)))
			fail_msg("row %zu: rc %d, err '%s'", i, rc, c.err);
		mvb_rsp_release(&c);
	}
	static const struct {
		const char *reply;
		int qemu;
	} q[] = { { "ENABLE=1,NOIRQ=2,NOTIMER=4", 1 }, { "", 0 }, { "E01", 0 } };
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		static char r[64];
		struct script s = { 0 };
		feed(&s, "+");
		feed(&s, framed(r, sizeof(r), q[i].reply));
		struct mvb_rsp c;
		client(&c, &s);
		c.noack = 1;
		int qemu = -1;
		assert_int_equal(mvb_rsp_is_qemu(&c, &qemu), 0);
		assert_int_equal(qemu, q[i].qemu);
		assert_non_null(strstr(s.out, "$qqemu.sstepbits#"));
		mvb_rsp_release(&c);
	}
}

/* greeting: PacketSize, no-ack, memory map read in parts */
static void test_start_with_map(void **st)
{
	(void)st;
	struct script s = { 0 };
	struct mvb_rsp c;
	client(&c, &s);
	/* fix the checksums of the scripted packets */
	static char p1[200], p3[200], p4[200];
	const char *a = "PacketSize=200;QStartNoAckMode+;qXfer:memory-map:read+";
	const char *m1 = "m<memory-map><memory type=\"ram\" start=\"0x20000000\" length=\"0x1000\"/>";
	const char *m2 = "l<memory type=\"flash\" start=\"0x08000000\" length=\"0x100000\">"
			 "<property name=\"blocksize\">0x2000</property></memory></memory-map>";
	unsigned x = 0;
	for (const char *q = a; *q; q++)
		x += (unsigned char)*q;
	snprintf(p1, sizeof(p1), "+$%s#%02x", a, x & 0xff);
	x = 0;
	for (const char *q = m1; *q; q++)
		x += (unsigned char)*q;
	snprintf(p3, sizeof(p3), "$%s#%02x", m1, x & 0xff);
	x = 0;
	for (const char *q = m2; *q; q++)
		x += (unsigned char)*q;
	snprintf(p4, sizeof(p4), "$%s#%02x", m2, x & 0xff);
	feed(&s, p1);
	feed(&s, "+$OK#9a");
	feed(&s, p3);
	feed(&s, p4);
	feed(&s, "$S05#b8");
	assert_int_equal(mvb_rsp_start(&c), 0);
	assert_int_equal(c.packet_size, 0x200);
	assert_int_equal(c.noack, 1);
	assert_int_equal(c.nmap, 2);
	assert_int_equal(c.map[1].type, MVB_RSP_FLASH);
	assert_int_equal(c.map[1].start, 0x08000000);
	assert_int_equal(c.map[1].blocksize, 0x2000);
	assert_ptr_equal(mvb_rsp_region_at(&c, 0x080fffff), &c.map[1]);
	assert_null(mvb_rsp_region_at(&c, 0x08100000));
	/* after no-ack mode starts, the client sends no '+' */
	const char *after = strstr(s.out, "$QStartNoAckMode#b0+");
	assert_non_null(after);
	assert_null(strchr(after + strlen("$QStartNoAckMode#b0+"), '+'));
	mvb_rsp_release(&c);
}

static void test_memory_map_parser(void **st)
{
	(void)st;
	struct mvb_rsp_region r[4];
	static const struct {
		const char *xml;
		int n;
	} cases[] = {
		{ "<memory-map></memory-map>", 0 },
		{ "<memory type='ram' start='16' length='16'/>", 1 },
		{ "<memory type=\"rom\" start=\"0x0\" length=\"0x100\"></memory>", 1 },
		{ "<memory type=\"flash\" start=\"0x0\" length=\"0x100\"></memory>", -1 },           /* no blocksize */
		{ "<memory type=\"flash\" start=\"0x0\" length=\"0x100\"><property name=\"blocksize\">0x200</property></memory>", -1 }, /* block > region */
		{ "<memory type=\"disk\" start=\"0\" length=\"1\"/>", -1 },
		{ "<memory type=\"ram\" start=\"0x\" length=\"1\"/>", -1 },
		{ "<memory type=\"ram\" start=\"0xffffffff\" length=\"2\"/>", -1 },                   /* wraps */
		{ "<memory type=\"ram\" start=\"0\" length=\"0\"/>", -1 },
		{ "<memory type=\"ram\" start=\"0\"", -1 },                                           /* truncated */
		{ "<memory type=\"ram\" start=\"0\" length=\"4\">", -1 },                            /* unclosed */
		{ "<memory type=\"ram\" start=\"1\" length=\"1\"/><memory type=\"ram\" start=\"2\" length=\"1\"/>"
		  "<memory type=\"ram\" start=\"3\" length=\"1\"/><memory type=\"ram\" start=\"4\" length=\"1\"/>"
		  "<memory type=\"ram\" start=\"5\" length=\"1\"/>", 4 }, /* capped at max */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = mvb_rsp_parse_memory_map(cases[i].xml, strlen(cases[i].xml), r, 4);
		if (n != cases[i].n)
			fail_msg("case %zu: %d regions, want %d", i, n, cases[i].n);
	}
}

/* GDB's CRC-32 (MSB first, no reflection): the known check value */
static void test_crc(void **st)
{
	(void)st;
	assert_int_equal(mvb_rsp_crc_local(0xffffffffu, (const unsigned char *)"123456789", 9), 0x0376e6e7u);
}

/* ---- the flash writer against a little target model ---- */

struct target {
	unsigned char ram[0x1000]; /* at 0x1000 */
	unsigned log[64];          /* addresses of writes, in order */
	unsigned nlog;
	int drop_write; /* lose this write (index) */
	char out[256];
	size_t out_len;
	char pending[8192];
	size_t plen, ppos;
};

/* An RSP server in-process: parses each request, answers it. */
static unsigned sum_of(const char *p, size_t n)
{
	unsigned x = 0;
	for (size_t i = 0; i < n; i++)
		x += (unsigned char)p[i];
	return x & 0xff;
}

static void t_reply(struct target *t, const char *body)
{
	size_t n = strlen(body);
	t->plen = (size_t)snprintf(t->pending, sizeof(t->pending), "+$%s#%02x", body, sum_of(body, n));
	t->ppos = 0;
}

static uint64_t t_now(void *ctx)
{
	(void)ctx;
	return 0;
}

static long t_read(void *ctx, unsigned char *buf, size_t n, int timeout_ms)
{
	(void)timeout_ms;
	struct target *t = ctx;
	if (t->ppos == t->plen)
		return 0;
	size_t k = t->plen - t->ppos < n ? t->plen - t->ppos : n;
	memcpy(buf, t->pending + t->ppos, k);
	t->ppos += k;
	return (long)k;
}

static int hexv(int c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

static int t_write(void *ctx, const unsigned char *buf, size_t n)
{
	struct target *t = ctx;
	if (n == 1 && (buf[0] == '+' || buf[0] == '-'))
		return 0;
	assert_true(n > 4 && buf[0] == '$');
	const char *p = (const char *)buf + 1;
	unsigned a, l;
	if (p[0] == 'X') {
		t_reply(t, "");
	} else if (p[0] == 'M' && sscanf(p, "M%x,%x:", &a, &l) == 2) {
		const char *d = strchr(p, ':') + 1;
		unsigned idx = t->nlog;
		t->log[t->nlog++ % 64] = a;
		assert_true(a >= 0x1000 && a + l <= 0x2000);
		if ((int)idx != t->drop_write)
			for (unsigned i = 0; i < l; i++)
				t->ram[a - 0x1000 + i] = (unsigned char)(hexv(d[2 * i]) << 4 | hexv(d[2 * i + 1]));
		t_reply(t, "OK");
	} else if (p[0] == 'm' && sscanf(p, "m%x,%x", &a, &l) == 2) {
		static char hex[8192];
		for (unsigned i = 0; i < l; i++)
			snprintf(hex + 2 * i, 3, "%02x", t->ram[a - 0x1000 + i]);
		t_reply(t, hex);
	} else {
		t_reply(t, "");
	}
	return 0;
}

static void test_flash_order_and_verify(void **st)
{
	(void)st;
	struct target t;
	memset(&t, 0, sizeof(t));
	t.drop_write = -1;
	struct mvb_rsp c;
	struct mvb_rsp_io io = { &t, t_read, t_write, t_now };
	mvb_rsp_init(&c, &io);
	unsigned char code[0x300], hdr[0x20];
	for (unsigned i = 0; i < sizeof(code); i++)
		code[i] = (unsigned char)(i * 7);
	memset(hdr, 0x5a, sizeof(hdr));
	struct mvb_flash_plan p;
	mvb_flash_plan_init(&p);
	mvb_image_add(&p.img, 0x1000, code, sizeof(code), "app");
	mvb_image_add(&p.img, 0x1800, hdr, sizeof(hdr), "app header");
	p.commit = 1;
	struct mvb_flash_opts o = { 1, NULL, NULL, 0 };
	struct mvb_flash_result r;
	assert_int_equal(mvb_flash_write(&c, &p, &o, &r), 0);
	assert_memory_equal(t.ram, code, sizeof(code));
	assert_memory_equal(t.ram + 0x800, hdr, sizeof(hdr));
	/* the header range is cleared first and written last */
	assert_int_equal(t.log[0], 0x1800);
	assert_int_equal(t.log[t.nlog - 1], 0x1800);
	assert_int_equal(r.written, sizeof(code) + sizeof(hdr));
	assert_int_equal(r.verified, sizeof(code) + sizeof(hdr));
	assert_true(r.methods & MVB_FLASH_BY_M);

	/* a write the target loses is caught by verify, with its address */
	memset(&t, 0, sizeof(t));
	t.drop_write = 1; /* the first app write */
	mvb_rsp_release(&c);
	mvb_rsp_init(&c, &io);
	assert_int_equal(mvb_flash_write(&c, &p, &o, &r), MVB_EINPUT);
	assert_int_equal(r.mismatch_addr, 0x1000 + 1); /* code[0] is 0, as is the blank RAM */
	assert_string_equal(r.mismatch_what, "app");
	mvb_flash_plan_release(&p);
	mvb_rsp_release(&c);
}

/* ---- servers that talk but never answer ---- */

/* A server that, after an optional prefix, sends unit over and over, one
 * unit every gap ms of a simulated clock (0: as fast as it is read), and
 * optionally ends with a final packet after `tail_after` bytes. */
struct hostile {
	const char *prefix, *unit, *tail;
	unsigned gap;
	size_t tail_after;
	uint64_t now, next_at;
	size_t sent, ppos, upos;
	unsigned reads;
};

static uint64_t h_now(void *ctx)
{
	return ((struct hostile *)ctx)->now;
}

static long h_read(void *ctx, unsigned char *buf, size_t n, int timeout_ms)
{
	struct hostile *h = ctx;
	h->reads++;
	if (h->gap) {
		if (h->next_at > h->now + (uint64_t)timeout_ms) {
			h->now += (uint64_t)timeout_ms; /* nothing in time */
			return MVB_RSP_IO_TIMEOUT;
		}
		if (h->next_at > h->now)
			h->now = h->next_at;
		h->next_at = h->now + h->gap;
	}
	size_t k = 0;
	if (h->tail && h->sent >= h->tail_after) {
		size_t tl = strlen(h->tail);
		if (h->ppos >= tl)
			return 0;
		k = tl - h->ppos < n ? tl - h->ppos : n;
		memcpy(buf, h->tail + h->ppos, k);
		h->ppos += k;
		return (long)k;
	}
	while (k < n && (!h->gap || k < strlen(h->unit))) {
		const char *src = h->prefix && *h->prefix ? h->prefix : h->unit;
		buf[k++] = (unsigned char)src[h->upos++];
		if (!src[h->upos]) {
			h->upos = 0;
			if (src == h->prefix)
				h->prefix = NULL;
		}
		if (h->tail && ++h->sent >= h->tail_after)
			break;
	}
	return (long)k;
}

static int h_write(void *ctx, const unsigned char *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
	return 0;
}

enum h_op { H_READ, H_ERASE, H_DONE, H_RUN };

static const struct hostile_case {
	const char *name;
	enum h_op op;
	const char *prefix, *unit;
	unsigned gap;
	int rc;
	const char *msg;
	uint64_t took; /* simulated ms the call may take at most (0: any) */
} hostile_cases[] = {
	/* fast streams end at the byte bound, at once */
	{ "noise instead of an ack", H_READ, NULL, "abcdefgh", 0, MVB_RSP_EFLOOD, "sent 1048576 bytes but no reply", 0 },
	{ "noise after the ack", H_READ, "+", "xyz", 0, MVB_RSP_EFLOOD, "sent 1048576 bytes but no reply", 0 },
	{ "endless console packets", H_READ, "+", "$O41#b4", 0, MVB_RSP_EFLOOD, "but no reply while reading", 0 },
	{ "endless notifications", H_READ, "+", "%Stop:T05#99", 0, MVB_RSP_EFLOOD, "but no reply", 0 },
	{ "endless empty console packets", H_READ, "+", "$O#4f", 0, MVB_RSP_EFLOOD, "but no reply", 0 },
	{ "a packet that never ends", H_READ, "+$", "0", 0, MVB_RSP_EPROTO, "reply longer than 65536 bytes", 0 },
	{ "an escaped packet that never ends", H_READ, "+$", "}]", 0, MVB_RSP_EPROTO, "packet from the GDB server longer than 131076 bytes", 0 },
	{ "run-length that never ends", H_READ, "+$0", "*~", 0, MVB_RSP_EPROTO, "longer than 65536 bytes", 0 },
	{ "endless bad checksums", H_READ, "+", "$00#00", 0, MVB_RSP_EPROTO, "bad checksum", 0 },
	/* slow streams end at the deadline of the whole reply */
	{ "a byte every 3 s", H_READ, NULL, "x", 3000, MVB_RSP_ETIMEOUT, "within 5 s while reading", 5000 },
	{ "a console packet every second", H_READ, "+", "$O41#b4", 1000, MVB_RSP_ETIMEOUT,
	  "no complete reply from the GDB server within 5 s", 5000 },
	{ "a notification every 4 s", H_READ, "+", "%Stop:T05#99", 4000, MVB_RSP_ETIMEOUT, "within 5 s", 5000 },
	/* flash requests get their allowance, and no more */
	{ "an erase of 64 KiB that never ends", H_ERASE, "+", "$O#4f", 500, MVB_RSP_ETIMEOUT, "within 7 s while erasing", 7000 },
	{ "a vFlashDone after 16 KiB that never ends", H_DONE, "+", "$O#4f", 500, MVB_RSP_ETIMEOUT,
	  "within 7 s while finishing", 7000 },
	/* a run: unbounded console, bounded time */
	{ "a run that prints for ever", H_RUN, "+", "$O41#b4", 100, MVB_RSP_ETIMEOUT, "still runs after 3000 ms", 3000 },
};

static void test_hostile_servers(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(hostile_cases) / sizeof(hostile_cases[0]); i++) {
		const struct hostile_case *hc = &hostile_cases[i];
		struct hostile h = { hc->prefix, hc->unit, NULL, hc->gap, 0, 1000000, 0, 0, 0, 0, 0 };
		h.next_at = h.now;
		struct mvb_rsp_io io = { &h, h_read, h_write, h_now };
		struct mvb_rsp c;
		mvb_rsp_init(&c, &io);
		unsigned char b[4];
		int rc;
		if (hc->op == H_READ) {
			rc = mvb_rsp_read_mem(&c, 0x10, b, 4);
		} else if (hc->op == H_ERASE) {
			rc = mvb_rsp_flash_erase(&c, 0x08000000, 0x10000);
		} else if (hc->op == H_DONE) {
			c.flash_pending = 0x4000;
			rc = mvb_rsp_flash_done(&c);
		} else {
			struct mvb_rsp_stop stop;
			c.noack = 1;
			h.prefix = NULL;
			rc = mvb_rsp_wait_stop(&c, 3000, &stop);
		}
		if (rc != hc->rc || !strstr(c.err, hc->msg))
			fail_msg("%s: rc %d (%s), want %d; message '%s'", hc->name, rc, mvb_rsp_rc_name(rc), hc->rc, c.err);
		if (hc->took && h.now - 1000000 != hc->took)
			fail_msg("%s: took %llu ms, want %llu", hc->name, (unsigned long long)(h.now - 1000000),
				 (unsigned long long)hc->took);
		mvb_rsp_release(&c);
	}
}

/* the bounds stop bad servers only: a reply after lots of console output,
 * and a run that prints more than the byte bound before it ends, work */
static void test_bounds_pass_good_servers(void **st)
{
	(void)st;
	struct hostile h = { "+", "$O41#b4", "$OK#9a", 0, 1 + 7 * 70000, 0, 0, 0, 0, 0, 0 };
	struct mvb_rsp_io io = { &h, h_read, h_write, h_now };
	struct mvb_rsp c;
	mvb_rsp_init(&c, &io);
	assert_int_equal(mvb_rsp_monitor(&c, "reset"), 0);
	mvb_rsp_release(&c);

	struct hostile r = { NULL, "$O41#b4", "$W00#b7", 0, 7 * 300000, 0, 0, 0, 0, 0, 0 };
	struct mvb_rsp_io io2 = { &r, h_read, h_write, h_now };
	mvb_rsp_init(&c, &io2);
	c.noack = 1;
	struct mvb_rsp_stop stop;
	assert_int_equal(mvb_rsp_wait_stop(&c, 3000, &stop), 0);
	assert_int_equal(stop.kind, 'W');
	mvb_rsp_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_and_ack),
		cmocka_unit_test(test_bad_checksum_retransmit),
		cmocka_unit_test(test_nak_resend_bounded),
		cmocka_unit_test(test_run_length_and_escape),
		cmocka_unit_test(test_x_escapes),
		cmocka_unit_test(test_x_fallback_to_m),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_monitor_and_qemu),
		cmocka_unit_test(test_start_with_map),
		cmocka_unit_test(test_memory_map_parser),
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_flash_order_and_verify),
		cmocka_unit_test(test_hostile_servers),
		cmocka_unit_test(test_bounds_pass_good_servers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
