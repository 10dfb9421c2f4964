/* test_gdbserve.c - the GDB server engine (src/core/gdbserve.c) driven
 * packet by packet against an in-memory debug agent: a test double of the
 * device's agent for the pure engine only (registers, an app flash that
 * BREAK patches with a BKPT, a RAM, a secure region that reads as
 * MVL_E_ACCESS, a link that can be made to fail).  The real agent is
 * tested in QEMU (tests/qemu/debug.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mvb/gdbserve.h"

#define FLASH 0x00200000u
#define FLASH_SIZE 0x1000u
#define RAM 0x28000000u
#define RAM_SIZE 0x1000u
#define SECURE 0x10000000u

struct fake {
	struct mvl_dstate st;
	uint8_t flash[FLASH_SIZE], ram[RAM_SIZE];
	uint32_t bps[MVL_BREAK_MAX];
	unsigned nbp;
	int halt_asked, fail_link, conts, restarts, reads;
	uint32_t stop_at; /* running: the next STATE finds it halted at this breakpoint (0: runs on) */
};

static uint8_t *mem(struct fake *f, uint32_t a, uint32_t n, int write)
{
	if (a >= FLASH && a - FLASH < FLASH_SIZE && n <= FLASH_SIZE - (a - FLASH) && !write)
		return f->flash + (a - FLASH);
	if (a >= RAM && a - RAM < RAM_SIZE && n <= RAM_SIZE - (a - RAM))
		return f->ram + (a - RAM);
	return NULL;
}

static int f_halt(void *ctx)
{
	struct fake *f = ctx;
	if (f->fail_link)
		return -1;
	f->halt_asked = 1;
	return 0;
}

static int f_state(void *ctx, struct mvl_dstate *st)
{
	struct fake *f = ctx;
	if (f->fail_link)
		return -1;
	if (f->st.ld_state == MVL_DS_RUNNING && f->halt_asked) {
		f->st.ld_state = MVL_DS_HALTED;
		f->st.ld_why = MVL_DW_REQUEST;
		f->halt_asked = 0;
	} else if (f->st.ld_state == MVL_DS_RUNNING && f->stop_at) {
		f->st.ld_state = MVL_DS_HALTED;
		f->st.ld_why = MVL_DW_BREAK;
		f->st.ld_regs.lg_pc = f->stop_at;
		f->stop_at = 0;
	}
	*st = f->st;
	return 0;
}

static int f_regs(void *ctx, const struct mvl_regs *r)
{
	struct fake *f = ctx;
	if (f->st.ld_state != MVL_DS_HALTED)
		return MVL_E_RUNNING;
	if (r->lg_sp != f->st.ld_regs.lg_sp)
		return MVL_E_BAD_REQUEST;
	f->st.ld_regs = *r;
	return 0;
}

static int f_cont(void *ctx)
{
	struct fake *f = ctx;
	if (f->fail_link)
		return -1;
	if (f->st.ld_state != MVL_DS_HALTED)
		return MVL_E_RUNNING;
	f->st.ld_state = MVL_DS_RUNNING;
	f->st.ld_why = 0;
	f->conts++;
	return 0;
}

static int f_read(void *ctx, uint32_t a, uint8_t *out, uint32_t n)
{
	struct fake *f = ctx;
	assert_true(n >= 1 && n <= MVL_MEM_MAX);
	if (f->fail_link)
		return -1;
	f->reads++;
	const uint8_t *p = mem(f, a, n, 0);
	if (!p)
		return MVL_E_ACCESS;
	memcpy(out, p, n);
	return 0;
}

static int f_write(void *ctx, uint32_t a, const uint8_t *d, uint32_t n)
{
	struct fake *f = ctx;
	assert_true(n >= 1 && n <= MVL_MEM_MAX);
	uint8_t *p = mem(f, a, n, 1);
	if (!p)
		return MVL_E_ACCESS;
	memcpy(p, d, n);
	return 0;
}

static int bp_index(struct fake *f, uint32_t a)
{
	for (unsigned i = 0; i < f->nbp; i++)
		if (f->bps[i] == a)
			return (int)i;
	return -1;
}

/* The device's BREAK: a BKPT (0xbe00) over the first halfword. */
static int f_brk(void *ctx, uint32_t a, int insert)
{
	struct fake *f = ctx;
	if (f->fail_link)
		return -1;
	if ((a & 1) || !mem(f, a, 2, 0) || a < FLASH || a - FLASH >= FLASH_SIZE)
		return MVL_E_ACCESS;
	int i = bp_index(f, a);
	if (insert && i < 0) {
		if (f->nbp == MVL_BREAK_MAX)
			return MVL_E_FULL;
		f->bps[f->nbp++] = a;
		f->flash[a - FLASH] = 0x00;
		f->flash[a - FLASH + 1] = 0xbe;
	} else if (!insert && i >= 0) {
		f->bps[i] = f->bps[--f->nbp];
		f->flash[a - FLASH] = (uint8_t)(a & 0xff); /* the fixture's original bytes */
		f->flash[a - FLASH + 1] = 0x46;
	}
	return 0;
}

static int f_restart(void *ctx)
{
	struct fake *f = ctx;
	while (f->nbp)
		f_brk(ctx, f->bps[0], 0);
	f->restarts++;
	f->st.ld_starts++;
	f->st.ld_state = MVL_DS_HALTED;
	f->st.ld_why = MVL_DW_REQUEST;
	f->st.ld_regs.lg_pc = FLASH + 0x100;
	return 0;
}

static const struct mvb_gdbs_ops ops = {f_halt, f_state, f_regs, f_cont, f_read, f_write, f_brk, f_restart};

struct t {
	struct fake f;
	struct mvb_gdbs g;
	char out[4 * MVB_GDBS_OUT_MAX];
	size_t on;
	enum mvb_gdbs_event ev;
};

static void t_init(struct t *t)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < FLASH_SIZE; i += 2) {
		t->f.flash[i] = (uint8_t)((FLASH + i) & 0xff); /* "mov rX, rY" halfwords: 0x46xx */
		t->f.flash[i + 1] = 0x46;
	}
	for (uint32_t i = 0; i < 13; i++)
		t->f.st.ld_regs.lg_r[i] = 0x100 + i;
	t->f.st.ld_regs.lg_sp = RAM + 0x800;
	t->f.st.ld_regs.lg_lr = FLASH + 0x41;
	t->f.st.ld_regs.lg_pc = FLASH + 0x40;
	t->f.st.ld_regs.lg_xpsr = 0x61000000;
	t->f.st.ld_state = MVL_DS_HALTED;
	t->f.st.ld_why = MVL_DW_REQUEST;
	t->f.st.ld_starts = 1;
	mvb_gdbs_init(&t->g, &ops, &t->f);
}

/* Raw bytes from gdb; what the engine answers collects in t->out. */
static void t_raw(struct t *t, const void *p, size_t n)
{
	const uint8_t *b = p;
	t->on = 0;
	t->ev = MVB_GDBS_EV_NONE;
	while (n) {
		size_t used = 0;
		enum mvb_gdbs_event ev = mvb_gdbs_feed(&t->g, b, n, &used);
		assert_true(used >= 1 && used <= n);
		if (ev != MVB_GDBS_EV_NONE)
			t->ev = ev;
		assert_true(t->on + t->g.out_len < sizeof(t->out));
		memcpy(t->out + t->on, t->g.out, t->g.out_len);
		t->on += t->g.out_len;
		t->g.out_len = 0;
		b += used;
		n -= used;
	}
	t->out[t->on] = 0;
}

/* One packet; returns its reply's data (checksum checked, escapes and the
 * ack removed), "" when there is none. */
static const char *t_pkt(struct t *t, const char *pkt)
{
	static char reply[4 * MVB_GDBS_OUT_MAX];
	static char wire[4 * MVB_GDBS_PACKET_MAX];
	uint8_t sum = 0;
	for (const char *p = pkt; *p; p++)
		sum = (uint8_t)(sum + (uint8_t)*p);
	int n = snprintf(wire, sizeof(wire), "$%s#%02x", pkt, sum);
	assert_true(n > 0 && (size_t)n < sizeof(wire));
	t_raw(t, wire, (size_t)n);
	const char *o = t->out;
	if (!t->g.noack || !strcmp(pkt, "QStartNoAckMode")) {
		assert_int_equal(o[0], '+');
		o++;
	}
	size_t k = 0;
	reply[0] = 0;
	if (!*o)
		return NULL; /* no reply at all */
	assert_int_equal(*o, '$');
	o++;
	sum = 0;
	while (*o && *o != '#') {
		sum = (uint8_t)(sum + (uint8_t)*o);
		char c = *o++;
		if (c == '}') {
			sum = (uint8_t)(sum + (uint8_t)*o);
			c = (char)(*o++ ^ 0x20);
		}
		reply[k++] = c;
	}
	reply[k] = 0;
	assert_int_equal(*o, '#');
	unsigned got;
	assert_int_equal(sscanf(o + 1, "%2x", &got), 1);
	assert_int_equal(got, sum);
	return reply;
}

static void hexstr(const char *s, char *out)
{
	for (; *s; s++, out += 2)
		sprintf(out, "%02x", (unsigned char)*s);
	*out = 0;
}

static void test_greeting(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	const char *r = t_pkt(&t, "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
	assert_non_null(strstr(r, "PacketSize=400"));
	assert_non_null(strstr(r, "qXfer:features:read+"));
	assert_null(strstr(r, "multiprocess"));
	assert_string_equal(t_pkt(&t, "vMustReplyEmpty"), "");
	assert_string_equal(t_pkt(&t, "QStartNoAckMode"), "OK");
	assert_int_equal(t.g.noack, 1);
	assert_string_equal(t_pkt(&t, "Hg0"), "OK");
	assert_string_equal(t_pkt(&t, "qTStatus"), "");
	assert_string_equal(t_pkt(&t, "?"), "T05thread:1;");
	assert_string_equal(t_pkt(&t, "qfThreadInfo"), "m1");
	assert_string_equal(t_pkt(&t, "qsThreadInfo"), "l");
	assert_string_equal(t_pkt(&t, "qC"), "QC1");
	assert_string_equal(t_pkt(&t, "qAttached"), "1");
	assert_string_equal(t_pkt(&t, "qOffsets"), "");
	assert_string_equal(t_pkt(&t, "X200000,0:"), "");
	assert_string_equal(t_pkt(&t, "vCont?"), "vCont;c;C");
	assert_string_equal(t_pkt(&t, "s"), "");
}

/* The description, read in pieces as gdb does, is the whole document. */
static void test_target_xml(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	char doc[4096] = "";
	size_t off = 0;
	for (int i = 0; i < 100; i++) {
		char q[80];
		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,7f", off);
		const char *r = t_pkt(&t, q);
		assert_true(r[0] == 'm' || r[0] == 'l');
		strcat(doc, r + 1);
		off += strlen(r + 1);
		if (r[0] == 'l')
			break;
	}
	assert_string_equal(doc, mvb_gdbs_target_xml);
	assert_non_null(strstr(doc, "org.gnu.gdb.arm.m-profile"));
	assert_string_equal(t_pkt(&t, "qXfer:features:read:other.xml:0,100"), "E00");
	assert_string_equal(t_pkt(&t, "qXfer:features:read:target.xml:ffff,10"), "E16");
}

static void test_registers(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	const char *r = t_pkt(&t, "g");
	assert_int_equal(strlen(r), 17 * 8);
	assert_memory_equal(r, "00010000", 8);          /* r0 = 0x100, little-endian */
	assert_memory_equal(r + 15 * 8, "40002000", 8); /* pc */
	assert_memory_equal(r + 16 * 8, "00000061", 8); /* xpsr */
	assert_string_equal(t_pkt(&t, "pf"), "40002000");
	assert_string_equal(t_pkt(&t, "p10"), "00000061");
	assert_string_equal(t_pkt(&t, "p11"), "E16");
	assert_string_equal(t_pkt(&t, "p"), "E01");
	assert_string_equal(t_pkt(&t, "P0=78563412"), "OK");
	assert_int_equal(t.f.st.ld_regs.lg_r[0], 0x12345678);
	assert_string_equal(t_pkt(&t, "P0=7856"), "E01");
	/* the stack does not move: refused before it reaches the device */
	assert_string_equal(t_pkt(&t, "Pd=00000000"), "E16");
	/* G: all of them, sp unchanged */
	char g[17 * 8 + 2] = "G";
	strcat(g, t_pkt(&t, "g"));
	memcpy(g + 1 + 14 * 8, "11223344", 8); /* lr */
	assert_string_equal(t_pkt(&t, g), "OK");
	assert_int_equal(t.f.st.ld_regs.lg_lr, 0x44332211);
	g[strlen(g) - 1] = 0;
	assert_string_equal(t_pkt(&t, g), "E01");
	/* running: the registers are the device's to refuse */
	t.f.st.ld_state = MVL_DS_RUNNING;
	t.g.have_state = 0;
	assert_string_equal(t_pkt(&t, "g"), "E10");
}

static void test_memory(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	assert_string_equal(t_pkt(&t, "m200000,4"), "00460246");
	assert_string_equal(t_pkt(&t, "m10000000,4"), "E0e"); /* secure: Cannot access memory */
	assert_string_equal(t_pkt(&t, "mffffffff,4"), "E0e"); /* wraps */
	assert_string_equal(t_pkt(&t, "m200000,0"), "");
	assert_string_equal(t_pkt(&t, "m200000"), "E01");
	assert_string_equal(t_pkt(&t, "m1200000000,4"), "E01");
	/* a long read in device-sized parts; gdb's limit is half a packet */
	t.f.reads = 0;
	const char *r = t_pkt(&t, "m200000,800");
	assert_int_equal(strlen(r), MVB_GDBS_PACKET_MAX);
	assert_int_equal(t.f.reads, 2);
	/* a read running off the flash's end: the part that could be read */
	r = t_pkt(&t, "m200e36,200");
	assert_int_equal(strlen(r), 2 * MVL_MEM_MAX);
	assert_string_equal(t_pkt(&t, "M28000010,3:a1b2c3"), "OK");
	assert_memory_equal(t.f.ram + 0x10, "\xa1\xb2\xc3", 3);
	assert_string_equal(t_pkt(&t, "m28000010,3"), "a1b2c3");
	assert_string_equal(t_pkt(&t, "M200000,2:0000"), "E0e"); /* flash: not by M */
	assert_string_equal(t_pkt(&t, "M28000010,3:a1b2"), "E01");
	assert_string_equal(t_pkt(&t, "M28000010,1:zz"), "E01");
}

static void test_breakpoints(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	assert_string_equal(t_pkt(&t, "Z0,200040,2"), "OK");
	assert_int_equal(t.f.nbp, 1);
	assert_memory_equal(t.f.flash + 0x40, "\x00\xbe", 2);
	/* gdb sees what the BKPT replaced */
	assert_string_equal(t_pkt(&t, "m20003e,6"), "3e4640464246");
	assert_string_equal(t_pkt(&t, "m200041,1"), "46");
	assert_string_equal(t_pkt(&t, "Z0,200040,2"), "OK"); /* again: no second one */
	assert_int_equal(t.f.nbp, 1);
	assert_string_equal(t_pkt(&t, "Z0,200044,3"), "OK");
	assert_string_equal(t_pkt(&t, "Z0,200048,4"), "E16"); /* Arm state: not on an M-profile core */
	assert_string_equal(t_pkt(&t, "Z0,200049,2"), "E16");
	assert_string_equal(t_pkt(&t, "Z0,10000000,2"), "E0e");
	assert_string_equal(t_pkt(&t, "Z1,200040,2"), ""); /* no hardware ones */
	assert_string_equal(t_pkt(&t, "Z0,200040"), "E01");
	for (uint32_t a = 0x200050; a < 0x200050 + 2 * (MVL_BREAK_MAX - 2); a += 2) {
		char q[40];
		snprintf(q, sizeof(q), "Z0,%x,2", a);
		assert_string_equal(t_pkt(&t, q), "OK");
	}
	assert_string_equal(t_pkt(&t, "Z0,200100,2"), "E1c");
	assert_string_equal(t_pkt(&t, "z0,200040,2"), "OK");
	assert_memory_equal(t.f.flash + 0x40, "\x40\x46", 2);
	assert_string_equal(t_pkt(&t, "z0,200040,2"), "OK"); /* none there: not an error */
	assert_string_equal(t_pkt(&t, "Z0,200100,2"), "OK");
	/* detach: every one out, the app running, and the end */
	assert_string_equal(t_pkt(&t, "D"), "OK");
	assert_int_equal(t.ev, MVB_GDBS_EV_DETACHED);
	assert_int_equal(t.f.nbp, 0);
	assert_int_equal(t.f.st.ld_state, MVL_DS_RUNNING);
}

static void test_continue_and_stops(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	assert_string_equal(t_pkt(&t, "QStartNoAckMode"), "OK");
	assert_string_equal(t_pkt(&t, "Z0,200080,2"), "OK");
	assert_null(t_pkt(&t, "vCont;c:1"));
	assert_int_equal(t.f.st.ld_state, MVL_DS_RUNNING);
	assert_int_equal(mvb_gdbs_poll(&t.g), MVB_GDBS_EV_NONE);
	assert_int_equal(t.g.out_len, 0);
	/* console text while it runs */
	mvb_gdbs_console(&t.g, "tick 1", 6);
	assert_memory_equal(t.g.out, "$O7469636b20310a#", 17);
	t.g.out_len = 0;
	/* the breakpoint reached */
	t.f.stop_at = 0x200080;
	assert_int_equal(mvb_gdbs_poll(&t.g), MVB_GDBS_EV_STOPPED);
	t.g.out[t.g.out_len] = 0;
	assert_non_null(strstr((char *)t.g.out, "$T05thread:1;#"));
	t.g.out_len = 0;
	assert_string_equal(t_pkt(&t, "pf"), "80002000");
	mvb_gdbs_console(&t.g, "x", 1); /* halted: not for gdb */
	assert_int_equal(t.g.out_len, 0);
	/* ^C: HALT, and the stop is T02 */
	assert_null(t_pkt(&t, "c"));
	t_raw(&t, "\x03", 1);
	assert_int_equal(t.f.halt_asked, 1);
	assert_int_equal(mvb_gdbs_poll(&t.g), MVB_GDBS_EV_STOPPED);
	t.g.out[t.g.out_len] = 0;
	assert_non_null(strstr((char *)t.g.out, "$T02thread:1;#"));
	t.g.out_len = 0;
	/* continue at an address */
	assert_null(t_pkt(&t, "c200090"));
	assert_int_equal(t.f.st.ld_regs.lg_pc, 0x200090);
	/* the app restarts while it runs: the device dropped the breakpoint,
	 * the engine puts it back */
	f_restart(&t.f);
	t.f.st.ld_state = MVL_DS_RUNNING;
	assert_int_equal(t.f.nbp, 0);
	assert_int_equal(mvb_gdbs_poll(&t.g), MVB_GDBS_EV_NONE);
	assert_int_equal(t.f.nbp, 1);
	assert_int_equal(t.g.restarts, 1);
	/* '?' on a running app halts it; the stop reply comes by poll */
	assert_null(t_pkt(&t, "?"));
	assert_int_equal(mvb_gdbs_poll(&t.g), MVB_GDBS_EV_STOPPED);
	t.g.out_len = 0;
	/* kill: the same as detach, no reply */
	assert_null(t_pkt(&t, "k"));
	assert_int_equal(t.ev, MVB_GDBS_EV_KILLED);
	assert_int_equal(t.f.nbp, 0);
	assert_int_equal(t.f.st.ld_state, MVL_DS_RUNNING);
}

static void test_monitor(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	char q[64] = "qRcmd,", text[256];
	hexstr("state", q + 6);
	const char *r = t_pkt(&t, q);
	size_t n = strlen(r) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		sscanf(r + 2 * i, "%2x", &v);
		text[i] = (char)v;
	}
	text[n] = 0;
	assert_non_null(strstr(text, "app halted by request, starts 1"));
	assert_string_equal(t_pkt(&t, "Z0,200040,2"), "OK");
	hexstr("reset", q + 6);
	r = t_pkt(&t, q);
	assert_true(strlen(r) > 2 && r[0] != 'E');
	assert_int_equal(t.f.restarts, 1);
	assert_int_equal(t.f.nbp, 1); /* gdb's breakpoint back in */
	assert_string_equal(t_pkt(&t, "pf"), "00012000");
	assert_string_equal(t_pkt(&t, "qRcmd,7"), "E01");
	assert_string_equal(t_pkt(&t, "qRcmd,zz"), "E01");
}

/* Framing: acks, retransmissions, escapes, bad sums, oversize packets,
 * noise between packets. */
static void test_framing(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	t_raw(&t, "$qAttached#00", 13);
	assert_string_equal(t.out, "-");
	/* '}' escapes: "q}\x61ttached" is qAttached (0x61 ^ 0x20 = 'A') */
	const char esc[] = "$q}attached#";
	uint8_t sum = 0;
	for (const char *p = esc + 1; *p != '#'; p++)
		sum = (uint8_t)(sum + (uint8_t)*p);
	char wire[40];
	int n = snprintf(wire, sizeof(wire), "%s%02x", esc, sum);
	t_raw(&t, wire, (size_t)n);
	assert_string_equal(t.out, "+$1#31");
	t_raw(&t, "-", 1); /* gdb missed it: sent again */
	assert_string_equal(t.out, "$1#31");
	t_raw(&t, "+xyz\r\n", 6);
	assert_string_equal(t.out, "");
	t_raw(&t, "$g#zz", 5);
	assert_string_equal(t.out, "-");
	/* longer than PacketSize: an error, never an overrun */
	static char big[3 * MVB_GDBS_PACKET_MAX];
	memset(big, 'M', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_string_equal(t_pkt(&t, big), "E01");
	assert_string_equal(t_pkt(&t, ""), "");
	/* two packets in one read: both answered */
	t_raw(&t, "$qC#b4$qAttached#8f", 19);
	assert_string_equal(t.out, "+$QC1#c5+$1#31");
	/* no-ack mode: a bad sum is dropped silently */
	t_pkt(&t, "QStartNoAckMode");
	t_raw(&t, "$g#00", 5);
	assert_string_equal(t.out, "");
}

static void test_link_failure(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	t.f.fail_link = 1;
	assert_string_equal(t_pkt(&t, "m200000,4"), "E05");
	assert_int_equal(t.ev, MVB_GDBS_EV_LINK);
	t_init(&t);
	assert_null(t_pkt(&t, "c"));
	t.f.fail_link = 1;
	assert_int_equal(mvb_gdbs_poll(&t.g), MVB_GDBS_EV_LINK);
}

/* gdb went away without 'D': the session's release lets the app go. */
static void test_release(void **state)
{
	(void)state;
	struct t t;
	t_init(&t);
	assert_string_equal(t_pkt(&t, "Z0,200040,2"), "OK");
	assert_int_equal(mvb_gdbs_release(&t.g), 0);
	assert_int_equal(t.f.nbp, 0);
	assert_int_equal(t.f.st.ld_state, MVL_DS_RUNNING);
	assert_int_equal(mvb_gdbs_release(&t.g), 0); /* once */
	t_init(&t);
	assert_string_equal(t_pkt(&t, "Z0,200040,2"), "OK");
	assert_null(t_pkt(&t, "c"));
	assert_int_equal(mvb_gdbs_release(&t.g), 0);
	assert_int_equal(t.f.nbp, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_greeting),     cmocka_unit_test(test_target_xml),
	    cmocka_unit_test(test_registers),    cmocka_unit_test(test_memory),
	    cmocka_unit_test(test_breakpoints),  cmocka_unit_test(test_continue_and_stops),
	    cmocka_unit_test(test_monitor),      cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_link_failure), cmocka_unit_test(test_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
