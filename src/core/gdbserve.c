/* gdbserve.c - the GDB remote serial protocol, server side, over the
 * device's debug agent (mvb/gdbserve.h): packet framing, and one handler
 * per request gdb-multiarch sends a bare-metal Armv8-M target. */
#include <string.h>
#include "mvb/gdbserve.h"

const char mvb_gdbs_target_xml[] = "<?xml version=\"1.0\"?>\n"
                                   "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                   "<target version=\"1.0\">\n"
                                   "<architecture>arm</architecture>\n"
                                   "<feature name=\"org.gnu.gdb.arm.m-profile\">\n"
                                   "<reg name=\"r0\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r1\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r2\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r3\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r4\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r5\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r6\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r7\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r8\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r9\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r10\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r11\" bitsize=\"32\"/>\n"
                                   "<reg name=\"r12\" bitsize=\"32\"/>\n"
                                   "<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n"
                                   "<reg name=\"lr\" bitsize=\"32\"/>\n"
                                   "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n"
                                   "<reg name=\"xpsr\" bitsize=\"32\"/>\n"
                                   "</feature>\n"
                                   "</target>\n";

/* gdb's error numbers (errno values, as gdbserver sends them) */
#define GE_BAD 0x01
#define GE_PERM 0x01
#define GE_IO 0x05
#define GE_FAULT 0x0e
#define GE_BUSY 0x10
#define GE_DEVICE 0x13
#define GE_INVAL 0x16
#define GE_NOSPC 0x1c

static const char hexd[] = "0123456789abcdef";

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- a cursor over the packet being handled */

struct cur {
	const uint8_t *p;
	size_t n, i;
};

static int eat(struct cur *c, const char *s)
{
	size_t k = strlen(s);
	if (k > c->n - c->i || memcmp(c->p + c->i, s, k))
		return 0;
	c->i += k;
	return 1;
}

static int at_end(const struct cur *c)
{
	return c->i == c->n;
}

/* A hex number of 1 to 8 digits. */
static int num(struct cur *c, uint32_t *v)
{
	uint32_t x = 0;
	size_t k = 0;
	int d;
	while (c->i < c->n && (d = hexval(c->p[c->i])) >= 0) {
		if (++k > 8)
			return -1;
		x = x << 4 | (uint32_t)d;
		c->i++;
	}
	if (!k)
		return -1;
	*v = x;
	return 0;
}

/* Exactly n bytes as 2n hex digits. */
static int hexbytes(struct cur *c, uint8_t *out, size_t n)
{
	if (n > (c->n - c->i) / 2)
		return -1;
	for (size_t k = 0; k < n; k++) {
		int hi = hexval(c->p[c->i]), lo = hexval(c->p[c->i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[k] = (uint8_t)(hi << 4 | lo);
		c->i += 2;
	}
	return 0;
}

/* A 32-bit register value as gdb writes it: 8 hex digits, little-endian. */
static int regval(struct cur *c, uint32_t *v)
{
	uint8_t b[4];
	if (hexbytes(c, b, 4))
		return -1;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return 0;
}

/* ---- the reply being built (unescaped, then framed by send_reply) */

struct reply {
	char b[MVB_GDBS_PACKET_MAX];
	size_t n;
	int full;
};

static void r_str(struct reply *r, const char *s)
{
	size_t k = strlen(s);
	if (k > sizeof(r->b) - r->n) {
		r->full = 1;
		return;
	}
	memcpy(r->b + r->n, s, k);
	r->n += k;
}

static void r_hex(struct reply *r, const uint8_t *d, size_t n)
{
	if (n > (sizeof(r->b) - r->n) / 2) {
		r->full = 1;
		return;
	}
	for (size_t k = 0; k < n; k++) {
		r->b[r->n++] = hexd[d[k] >> 4];
		r->b[r->n++] = hexd[d[k] & 15];
	}
}

static void r_reg(struct reply *r, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	r_hex(r, b, 4);
}

static void r_err(struct reply *r, int e)
{
	r->n = 0;
	r->full = 0;
	r->b[r->n++] = 'E';
	r->b[r->n++] = hexd[(e >> 4) & 15];
	r->b[r->n++] = hexd[e & 15];
}

/* One packet on g->out: '$', the data with '#', '$', '}' and '*' escaped,
 * '#', the checksum; kept in g->last for a '-'. */
static void frame(struct mvb_gdbs *g, const char *d, size_t n)
{
	uint8_t *o = g->out + g->out_len;
	size_t room = sizeof(g->out) - g->out_len, k = 0;
	uint8_t sum = 0;
	size_t need = 4;
	for (size_t i = 0; i < n; i++)
		need += (d[i] == '#' || d[i] == '$' || d[i] == '}' || d[i] == '*') ? 2u : 1u;
	if (need > room)
		return; /* only when the caller left g->out unsent: then gdb asks again */
	o[k++] = '$';
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)d[i];
		int esc = c == '#' || c == '$' || c == '}' || c == '*';
		if (esc) {
			o[k++] = '}';
			sum = (uint8_t)(sum + '}');
			c ^= 0x20;
		}
		o[k++] = c;
		sum = (uint8_t)(sum + c);
	}
	o[k++] = '#';
	o[k++] = (uint8_t)hexd[sum >> 4];
	o[k++] = (uint8_t)hexd[sum & 15];
	memcpy(g->last, o, k);
	g->last_len = k;
	g->out_len += k;
}

static void send_reply(struct mvb_gdbs *g, struct reply *r)
{
	if (r->full)
		r_err(r, GE_BAD);
	frame(g, r->b, r->n);
}

/* ---- the target */

/* gdb's error number for a callback's result (not 0). */
static int gerr(int rc)
{
	switch (rc) {
	case -1:
		return GE_IO;
	case MVL_E_ACCESS:
		return GE_FAULT;
	case MVL_E_RUNNING:
		return GE_BUSY;
	case MVL_E_FULL:
		return GE_NOSPC;
	case MVL_E_BAD_REQUEST:
		return GE_INVAL;
	case MVL_E_AUTH:
		return GE_PERM;
	default:
		return GE_DEVICE;
	}
}

static void r_fail(struct mvb_gdbs *g, struct reply *r, int rc)
{
	if (rc < 0)
		g->ended = 1; /* the link is gone: feed/poll say MVB_GDBS_EV_LINK */
	r_err(r, gerr(rc));
}

/* The device's state, asked once per stop. */
static int get_state(struct mvb_gdbs *g)
{
	if (g->have_state)
		return 0;
	int rc = g->ops->state(g->ctx, &g->st);
	if (rc)
		return rc;
	g->have_state = 1;
	g->skipped = g->st.ld_skipped;
	return 0;
}

/* The halted app's registers, 0..16 in gdb's order. */
static int get_regs(struct mvb_gdbs *g, uint32_t v[MVB_GDBS_NREGS])
{
	int rc = get_state(g);
	if (rc)
		return rc;
	if (g->st.ld_state != MVL_DS_HALTED) {
		g->have_state = 0; /* ask again next time */
		return MVL_E_RUNNING;
	}
	const struct mvl_regs *x = &g->st.ld_regs;
	memcpy(v, x->lg_r, sizeof(x->lg_r));
	v[13] = x->lg_sp;
	v[14] = x->lg_lr;
	v[15] = x->lg_pc;
	v[16] = x->lg_xpsr;
	return 0;
}

static int set_regs(struct mvb_gdbs *g, const uint32_t v[MVB_GDBS_NREGS])
{
	struct mvl_regs x;
	memcpy(x.lg_r, v, sizeof(x.lg_r));
	x.lg_sp = v[13];
	x.lg_lr = v[14];
	x.lg_pc = v[15];
	x.lg_xpsr = v[16];
	/* the stack does not move (link.h): say so here, not as a device error */
	if (x.lg_sp != g->st.ld_regs.lg_sp)
		return MVL_E_BAD_REQUEST;
	int rc = g->ops->regs_write(g->ctx, &x);
	if (!rc)
		g->st.ld_regs = x;
	else
		g->have_state = 0;
	return rc;
}

static struct mvb_gdbs_bp *bp_find(struct mvb_gdbs *g, uint32_t addr)
{
	for (unsigned i = 0; i < MVL_BREAK_MAX; i++)
		if (g->bp[i].used && g->bp[i].addr == addr)
			return &g->bp[i];
	return NULL;
}

static int bp_insert(struct mvb_gdbs *g, uint32_t addr)
{
	if (bp_find(g, addr))
		return 0;
	struct mvb_gdbs_bp *b = NULL;
	for (unsigned i = 0; i < MVL_BREAK_MAX && !b; i++)
		if (!g->bp[i].used)
			b = &g->bp[i];
	if (!b)
		return MVL_E_FULL;
	uint8_t orig[2];
	int rc = g->ops->mem_read(g->ctx, addr, orig, 2);
	if (!rc)
		rc = g->ops->brk(g->ctx, addr, 1);
	if (rc)
		return rc;
	b->addr = addr;
	memcpy(b->orig, orig, 2);
	b->used = 1;
	return 0;
}

static int bp_remove(struct mvb_gdbs *g, uint32_t addr)
{
	struct mvb_gdbs_bp *b = bp_find(g, addr);
	int rc = g->ops->brk(g->ctx, addr, 0);
	if (b && rc >= 0)
		b->used = 0; /* a device error: it has none there either way */
	return rc < 0 ? rc : 0;
}

/* All of ours out, and the app running: the end of a session (D, k). */
static int let_go(struct mvb_gdbs *g)
{
	int first = 0;
	for (unsigned i = 0; i < MVL_BREAK_MAX; i++) {
		if (!g->bp[i].used)
			continue;
		int rc = g->ops->brk(g->ctx, g->bp[i].addr, 0);
		g->bp[i].used = 0;
		if (rc && !first)
			first = rc;
		if (rc < 0)
			return rc;
	}
	if (!g->running) {
		int rc = g->ops->cont(g->ctx);
		if (rc && rc != MVL_E_RUNNING && !first)
			first = rc; /* already running is what was wanted */
	}
	g->running = 0;
	g->have_state = 0;
	return first;
}

/* The breakpoints again after the app restarted (the device dropped them). */
static int bp_reinsert(struct mvb_gdbs *g)
{
	for (unsigned i = 0; i < MVL_BREAK_MAX; i++) {
		if (!g->bp[i].used)
			continue;
		int rc = g->ops->brk(g->ctx, g->bp[i].addr, 1);
		if (rc < 0)
			return rc;
		if (rc)
			g->bp[i].used = 0; /* the new app has no flash there */
	}
	return 0;
}

static int resume(struct mvb_gdbs *g, int sig_next)
{
	int rc = g->ops->cont(g->ctx);
	if (rc)
		return rc;
	g->running = 1;
	g->have_state = 0;
	g->stop_sig = sig_next;
	return 0;
}

/* ---- the requests */

static void stop_reply(struct mvb_gdbs *g, struct reply *r)
{
	char s[32];
	s[0] = 'T';
	s[1] = hexd[(g->stop_sig >> 4) & 15];
	s[2] = hexd[g->stop_sig & 15];
	s[3] = 0;
	r_str(r, s);
	r_str(r, "thread:1;");
}

static void h_question(struct mvb_gdbs *g, struct reply *r, int *deferred)
{
	int rc = get_state(g);
	if (rc) {
		r_fail(g, r, rc);
		return;
	}
	if (g->st.ld_state == MVL_DS_HALTED) {
		g->running = 0;
		g->stop_sig = 5;
		stop_reply(g, r);
		return;
	}
	/* it runs (or halts now): the stop reply comes with the halt */
	if (g->st.ld_state == MVL_DS_RUNNING && (rc = g->ops->halt(g->ctx))) {
		r_fail(g, r, rc);
		return;
	}
	g->running = 1;
	g->have_state = 0;
	g->stop_sig = 5;
	*deferred = 1;
}

static void h_g(struct mvb_gdbs *g, struct reply *r)
{
	uint32_t v[MVB_GDBS_NREGS];
	int rc = get_regs(g, v);
	if (rc) {
		r_fail(g, r, rc);
		return;
	}
	for (unsigned i = 0; i < MVB_GDBS_NREGS; i++)
		r_reg(r, v[i]);
}

static void h_G(struct mvb_gdbs *g, struct cur *c, struct reply *r)
{
	uint32_t v[MVB_GDBS_NREGS];
	int rc = get_regs(g, v);
	if (rc) {
		r_fail(g, r, rc);
		return;
	}
	for (unsigned i = 0; i < MVB_GDBS_NREGS; i++)
		if (regval(c, &v[i])) {
			r_err(r, GE_BAD);
			return;
		}
	if (!at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	if ((rc = set_regs(g, v)))
		r_fail(g, r, rc);
	else
		r_str(r, "OK");
}

static void h_p(struct mvb_gdbs *g, struct cur *c, struct reply *r)
{
	uint32_t n, v[MVB_GDBS_NREGS];
	if (num(c, &n) || !at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	if (n >= MVB_GDBS_NREGS) {
		r_err(r, GE_INVAL);
		return;
	}
	int rc = get_regs(g, v);
	if (rc)
		r_fail(g, r, rc);
	else
		r_reg(r, v[n]);
}

static void h_P(struct mvb_gdbs *g, struct cur *c, struct reply *r)
{
	uint32_t n, x, v[MVB_GDBS_NREGS];
	if (num(c, &n) || !eat(c, "=") || regval(c, &x) || !at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	if (n >= MVB_GDBS_NREGS) {
		r_err(r, GE_INVAL);
		return;
	}
	int rc = get_regs(g, v);
	if (!rc) {
		v[n] = x;
		rc = set_regs(g, v);
	}
	if (rc)
		r_fail(g, r, rc);
	else
		r_str(r, "OK");
}

static int addr_len(struct cur *c, uint32_t *addr, uint32_t *len)
{
	return num(c, addr) || !eat(c, ",") || num(c, len) ? -1 : 0;
}

static void h_m(struct mvb_gdbs *g, struct cur *c, struct reply *r)
{
	uint32_t addr, len;
	if (addr_len(c, &addr, &len) || !at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	if (len > MVB_GDBS_PACKET_MAX / 2)
		len = MVB_GDBS_PACKET_MAX / 2; /* a shorter reply is a partial read gdb continues */
	if (len == 0)
		return; /* empty data: nothing to read */
	if (len - 1 > 0xffffffffu - addr) {
		r_err(r, GE_FAULT);
		return;
	}
	uint8_t buf[MVB_GDBS_PACKET_MAX / 2];
	uint32_t have = 0;
	while (have < len) {
		uint32_t k = len - have > MVL_MEM_MAX ? MVL_MEM_MAX : len - have;
		int rc = g->ops->mem_read(g->ctx, addr + have, buf + have, k);
		if (rc) {
			if (have && rc > 0)
				break; /* what was read, gdb asks for the rest */
			r_fail(g, r, rc);
			return;
		}
		have += k;
	}
	/* our breakpoints read as what they replaced */
	for (unsigned i = 0; i < MVL_BREAK_MAX; i++) {
		const struct mvb_gdbs_bp *b = &g->bp[i];
		if (!b->used)
			continue;
		for (uint32_t k = 0; k < 2; k++) {
			uint32_t a = b->addr + k;
			if (a >= addr && a - addr < have)
				buf[a - addr] = b->orig[k];
		}
	}
	r_hex(r, buf, have);
}

static void h_M(struct mvb_gdbs *g, struct cur *c, struct reply *r)
{
	uint32_t addr, len;
	uint8_t buf[MVB_GDBS_PACKET_MAX / 2];
	if (addr_len(c, &addr, &len) || !eat(c, ":") || len > sizeof(buf) || hexbytes(c, buf, len) || !at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	if (len && len - 1 > 0xffffffffu - addr) {
		r_err(r, GE_FAULT);
		return;
	}
	for (uint32_t have = 0; have < len;) {
		uint32_t k = len - have > MVL_MEM_MAX ? MVL_MEM_MAX : len - have;
		int rc = g->ops->mem_write(g->ctx, addr + have, buf + have, k);
		if (rc) {
			r_fail(g, r, rc);
			return;
		}
		have += k;
	}
	r_str(r, "OK");
}

/* Z0/z0: software breakpoints of kind 2 or 3 (a 16- or 32-bit Thumb
 * instruction: the device writes a 16-bit BKPT over its first half);
 * other types are not served (empty reply: gdb falls back or says so). */
static void h_Zz(struct mvb_gdbs *g, struct cur *c, struct reply *r, int insert)
{
	uint32_t type, addr, kind;
	if (num(c, &type) || !eat(c, ",") || addr_len(c, &addr, &kind)) {
		r_err(r, GE_BAD);
		return;
	}
	if (type != 0)
		return;
	/* conditions (";X...") are gdb's to evaluate: none offered */
	if (!at_end(c) && c->p[c->i] != ';') {
		r_err(r, GE_BAD);
		return;
	}
	if ((kind != 2 && kind != 3) || (addr & 1)) {
		r_err(r, GE_INVAL);
		return;
	}
	int rc = insert ? bp_insert(g, addr) : bp_remove(g, addr);
	if (rc)
		r_fail(g, r, rc);
	else
		r_str(r, "OK");
}

/* c [addr], C sig[;addr], vCont;c / vCont;C: continue (a signal is not
 * the device's to deliver: ignored). */
static void h_continue(struct mvb_gdbs *g, struct cur *c, struct reply *r, int *deferred, int with_sig)
{
	uint32_t addr, sig;
	int has_addr = 0;
	if (with_sig) {
		if (num(c, &sig)) {
			r_err(r, GE_BAD);
			return;
		}
		if (eat(c, ";"))
			has_addr = 1;
	} else if (!at_end(c)) {
		has_addr = 1;
	}
	if (has_addr && (num(c, &addr) || !at_end(c))) {
		r_err(r, GE_BAD);
		return;
	}
	if (!at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	int rc = 0;
	if (has_addr) {
		uint32_t v[MVB_GDBS_NREGS];
		rc = get_regs(g, v);
		if (!rc) {
			v[15] = addr;
			rc = set_regs(g, v);
		}
	}
	if (!rc)
		rc = resume(g, 5);
	if (rc)
		r_fail(g, r, rc);
	else
		*deferred = 1;
}

static void h_vcont(struct mvb_gdbs *g, struct cur *c, struct reply *r, int *deferred)
{
	if (eat(c, "?")) {
		if (at_end(c))
			r_str(r, "vCont;c;C");
		else
			r_err(r, GE_BAD);
		return;
	}
	if (!eat(c, ";")) {
		r_err(r, GE_BAD);
		return;
	}
	/* the first action applies to our one thread; any others are for
	 * threads there are not */
	uint8_t a = c->i < c->n ? c->p[c->i++] : 0;
	uint32_t sig;
	if (a == 'C' && num(c, &sig)) {
		r_err(r, GE_BAD);
		return;
	}
	if (a != 'c' && a != 'C') {
		r_err(r, GE_INVAL); /* s, r, t: not offered */
		return;
	}
	int rc = resume(g, 5);
	if (rc)
		r_fail(g, r, rc);
	else
		*deferred = 1;
}

static void h_xfer(struct cur *c, struct reply *r)
{
	uint32_t off, len;
	if (!eat(c, "features:read:target.xml:")) {
		if (eat(c, "features:read:"))
			r_err(r, 0x00); /* E00: no such annex */
		return;                 /* other objects: not served */
	}
	if (addr_len(c, &off, &len) || !at_end(c)) {
		r_err(r, GE_BAD);
		return;
	}
	size_t total = sizeof(mvb_gdbs_target_xml) - 1;
	if (off > total) {
		r_err(r, GE_INVAL);
		return;
	}
	/* room for the escapes: the document has no '#$}*' but be safe */
	size_t room = (sizeof(r->b) - 1) / 2;
	size_t k = total - off;
	if (k > len)
		k = len;
	if (k > room)
		k = room;
	r_str(r, off + k < total ? "m" : "l");
	if (k > sizeof(r->b) - r->n) {
		r->full = 1;
		return;
	}
	memcpy(r->b + r->n, mvb_gdbs_target_xml + off, k);
	r->n += k;
}

static const char *state_text(uint32_t s)
{
	switch (s) {
	case MVL_DS_RUNNING:
		return "running";
	case MVL_DS_HALTING:
		return "halting (in a handler, a secure call or masked)";
	case MVL_DS_HALTED:
		return "halted";
	case MVL_DS_NO_APP:
		return "no app runs";
	default:
		return "in an unknown state";
	}
}

static void put_dec(char *s, size_t cap, size_t *k, uint32_t v)
{
	char t[10];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && *k + 1 < cap)
		s[(*k)++] = t[--n];
	s[*k] = 0;
}

static void put_str(char *s, size_t cap, size_t *k, const char *t)
{
	while (*t && *k + 1 < cap)
		s[(*k)++] = *t++;
	s[*k] = 0;
}

/* qRcmd: 'monitor reset', 'monitor state'; the answer as hex text. */
static void h_rcmd(struct mvb_gdbs *g, struct cur *c, struct reply *r)
{
	uint8_t cmd[32];
	size_t n = (c->n - c->i) / 2;
	if ((c->n - c->i) % 2 || n == 0 || n >= sizeof(cmd) || hexbytes(c, cmd, n)) {
		r_err(r, GE_BAD);
		return;
	}
	char text[MVB_GDBS_TEXT_MAX];
	size_t k = 0;
	text[0] = 0;
	int rc;
	if (n == 5 && !memcmp(cmd, "reset", 5)) {
		if ((rc = g->ops->restart(g->ctx))) {
			r_fail(g, r, rc);
			return;
		}
		g->have_state = 0;
		g->starts_known = 0;
		/* the device removed every breakpoint: gdb's go back in */
		if ((rc = get_state(g)) || (rc = bp_reinsert(g))) {
			r_fail(g, r, rc);
			return;
		}
		g->starts = g->st.ld_starts;
		g->starts_known = 1;
		put_str(text, sizeof(text), &k, "app restarted, halted at its start\n");
	} else if (n == 5 && !memcmp(cmd, "state", 5)) {
		g->have_state = 0;
		if ((rc = get_state(g))) {
			r_fail(g, r, rc);
			return;
		}
		unsigned nb = 0;
		for (unsigned i = 0; i < MVL_BREAK_MAX; i++)
			nb += g->bp[i].used;
		put_str(text, sizeof(text), &k, "app ");
		put_str(text, sizeof(text), &k, state_text(g->st.ld_state));
		if (g->st.ld_state == MVL_DS_HALTED)
			put_str(text, sizeof(text), &k,
			        g->st.ld_why == MVL_DW_BREAK ? " at a breakpoint" : " by request");
		put_str(text, sizeof(text), &k, ", starts ");
		put_dec(text, sizeof(text), &k, g->st.ld_starts);
		put_str(text, sizeof(text), &k, ", breakpoints skipped ");
		put_dec(text, sizeof(text), &k, g->st.ld_skipped);
		put_str(text, sizeof(text), &k, ", breakpoints in place ");
		put_dec(text, sizeof(text), &k, nb);
		put_str(text, sizeof(text), &k, " of ");
		put_dec(text, sizeof(text), &k, MVL_BREAK_MAX);
		put_str(text, sizeof(text), &k, "\n");
	} else {
		put_str(text, sizeof(text), &k, "monitor commands: reset, state\n");
	}
	r_hex(r, (const uint8_t *)text, k);
}

static void handle(struct mvb_gdbs *g, const uint8_t *p, size_t n, enum mvb_gdbs_event *ev)
{
	struct cur c = {p, n, 0};
	struct reply r;
	int deferred = 0;
	r.n = 0;
	r.full = 0;
	if (!n) {
		send_reply(g, &r);
		return;
	}
	uint8_t op = p[c.i++];
	switch (op) {
	case '?':
		h_question(g, &r, &deferred);
		break;
	case 'g':
		if (at_end(&c))
			h_g(g, &r);
		else
			r_err(&r, GE_BAD);
		break;
	case 'G':
		h_G(g, &c, &r);
		break;
	case 'p':
		h_p(g, &c, &r);
		break;
	case 'P':
		h_P(g, &c, &r);
		break;
	case 'm':
		h_m(g, &c, &r);
		break;
	case 'M':
		h_M(g, &c, &r);
		break;
	case 'Z':
		h_Zz(g, &c, &r, 1);
		break;
	case 'z':
		h_Zz(g, &c, &r, 0);
		break;
	case 'c':
		h_continue(g, &c, &r, &deferred, 0);
		break;
	case 'C':
		h_continue(g, &c, &r, &deferred, 1);
		break;
	case 'H':
		r_str(&r, "OK"); /* one thread: any selection is it */
		break;
	case 'T':
		r_str(&r, "OK");
		break;
	case 'D': {
		int rc = let_go(g);
		if (rc < 0) {
			r_fail(g, &r, rc);
			break;
		}
		r_str(&r, "OK");
		g->ended = 1;
		*ev = MVB_GDBS_EV_DETACHED;
		break;
	}
	case 'k':
		(void)let_go(g);
		g->ended = 1;
		*ev = MVB_GDBS_EV_KILLED;
		return; /* no reply */
	case 'v':
		if (eat(&c, "Cont"))
			h_vcont(g, &c, &r, &deferred);
		else if (eat(&c, "Kill")) {
			(void)let_go(g);
			g->ended = 1;
			*ev = MVB_GDBS_EV_KILLED;
			r_str(&r, "OK");
		}
		break; /* vMustReplyEmpty, vFile, vRun...: empty */
	case 'q':
		if (eat(&c, "Supported")) {
			char s[64] = "PacketSize=";
			size_t k = strlen(s);
			uint32_t v = MVB_GDBS_PACKET_MAX;
			for (int sh = 12; sh >= 0; sh -= 4)
				if (v >> sh || sh == 0)
					s[k++] = hexd[(v >> sh) & 15];
			s[k] = 0;
			r_str(&r, s);
			r_str(&r, ";qXfer:features:read+;QStartNoAckMode+");
		} else if (eat(&c, "Xfer:")) {
			h_xfer(&c, &r);
		} else if (eat(&c, "Attached")) {
			r_str(&r, "1");
		} else if (eat(&c, "fThreadInfo")) {
			r_str(&r, "m1");
		} else if (eat(&c, "sThreadInfo")) {
			r_str(&r, "l");
		} else if (eat(&c, "Symbol")) {
			r_str(&r, "OK");
		} else if (eat(&c, "Rcmd,")) {
			h_rcmd(g, &c, &r);
		} else if (eat(&c, "C") && at_end(&c)) {
			r_str(&r, "QC1");
		}
		break; /* qOffsets, qTStatus, qL...: empty */
	case 'Q':
		if (eat(&c, "StartNoAckMode") && at_end(&c)) {
			r_str(&r, "OK");
			send_reply(g, &r);
			g->noack = 1; /* after this reply (which gdb still acks) */
			return;
		}
		break;
	case 'X':
		break; /* empty: gdb writes memory with M */
	default:
		break; /* s, !, R, ... not served: empty */
	}
	if (deferred)
		return; /* the stop reply comes from mvb_gdbs_poll */
	if (g->ended && *ev == MVB_GDBS_EV_NONE)
		*ev = MVB_GDBS_EV_LINK;
	send_reply(g, &r);
}

/* ---- the byte stream */

void mvb_gdbs_init(struct mvb_gdbs *g, const struct mvb_gdbs_ops *ops, void *ctx)
{
	memset(g, 0, sizeof(*g));
	g->ops = ops;
	g->ctx = ctx;
	g->stop_sig = 5;
}

enum mvb_gdbs_event mvb_gdbs_feed(struct mvb_gdbs *g, const uint8_t *in, size_t n, size_t *used)
{
	enum mvb_gdbs_event ev = MVB_GDBS_EV_NONE;
	size_t i = 0;
	while (i < n && ev == MVB_GDBS_EV_NONE) {
		uint8_t b = in[i++];
		int d;
		switch (g->in_state) {
		case 0: /* between packets */
			if (b == '$') {
				g->in_state = 1;
				g->plen = 0;
				g->sum = 0;
				g->overflow = 0;
			} else if (b == 0x03) {
				if (g->running && g->stop_sig != 2) {
					g->stop_sig = 2;
					int rc = g->ops->halt(g->ctx);
					if (rc < 0)
						ev = MVB_GDBS_EV_LINK;
				}
			} else if (b == '-' && !g->noack && g->last_len && g->out_len + g->last_len <= sizeof(g->out)) {
				memcpy(g->out + g->out_len, g->last, g->last_len);
				g->out_len += g->last_len;
			}
			/* '+' and anything else between packets: nothing to do */
			break;
		case 1: /* in a packet */
		case 2: /* after '}' */
			if (b == '#' && g->in_state == 1) {
				g->in_state = 3;
				break;
			}
			g->sum = (uint8_t)(g->sum + b);
			if (g->in_state == 1 && b == '}') {
				g->in_state = 2;
				break;
			}
			if (g->in_state == 2) {
				b ^= 0x20;
				g->in_state = 1;
			}
			if (g->plen < MVB_GDBS_PACKET_MAX)
				g->pkt[g->plen++] = b;
			else
				g->overflow = 1;
			break;
		case 3: /* the checksum's first digit */
			d = hexval(b);
			g->got_sum = (uint8_t)((d < 0 ? 0 : d) << 4);
			g->in_state = d < 0 ? 5 : 4;
			break;
		case 4:
		case 5: /* 5: the first digit was no hex digit */
			d = hexval(b);
			g->got_sum |= (uint8_t)(d < 0 ? 0 : d);
			if (d < 0 || g->in_state == 5 || g->got_sum != g->sum) {
				g->in_state = 0;
				if (!g->noack && g->out_len < sizeof(g->out))
					g->out[g->out_len++] = '-';
				break; /* no-ack mode: dropped */
			}
			g->in_state = 0;
			if (!g->noack && g->out_len < sizeof(g->out))
				g->out[g->out_len++] = '+';
			if (g->overflow) {
				struct reply r;
				r.n = 0;
				r.full = 0;
				r_err(&r, GE_BAD);
				send_reply(g, &r);
			} else {
				handle(g, g->pkt, g->plen, &ev);
			}
			if (ev == MVB_GDBS_EV_NONE)
				ev = g->ended ? MVB_GDBS_EV_LINK : MVB_GDBS_EV_NONE;
			*used = i;
			return ev;
		}
	}
	*used = i;
	return ev;
}

enum mvb_gdbs_event mvb_gdbs_poll(struct mvb_gdbs *g)
{
	if (!g->running || g->ended)
		return MVB_GDBS_EV_NONE;
	struct mvl_dstate st;
	int rc = g->ops->state(g->ctx, &st);
	if (rc < 0) {
		g->ended = 1;
		return MVB_GDBS_EV_LINK;
	}
	if (rc)
		return MVB_GDBS_EV_NONE; /* asked again at the next poll */
	g->skipped = st.ld_skipped;
	if (!g->starts_known) {
		g->starts = st.ld_starts;
		g->starts_known = 1;
	} else if (st.ld_starts != g->starts) {
		g->starts = st.ld_starts;
		g->restarts++;
		if (bp_reinsert(g) < 0) {
			g->ended = 1;
			return MVB_GDBS_EV_LINK;
		}
	}
	if (st.ld_state != MVL_DS_HALTED)
		return MVB_GDBS_EV_NONE;
	g->st = st;
	g->have_state = 1;
	g->running = 0;
	struct reply r;
	r.n = 0;
	r.full = 0;
	stop_reply(g, &r);
	send_reply(g, &r);
	g->stop_sig = 5;
	return MVB_GDBS_EV_STOPPED;
}

void mvb_gdbs_console(struct mvb_gdbs *g, const char *text, size_t len)
{
	if (!g->running || g->ended)
		return;
	struct reply r;
	r.n = 0;
	r.full = 0;
	r_str(&r, "O");
	if (len > MVB_GDBS_TEXT_MAX)
		len = MVB_GDBS_TEXT_MAX;
	r_hex(&r, (const uint8_t *)text, len);
	r_hex(&r, (const uint8_t *)"\n", 1);
	if (r.full || g->out_len + 2 * r.n + 4 > sizeof(g->out))
		return; /* no room now: the line is on stderr anyway */
	/* not kept for a '-': gdb asks again for a reply, not for console text */
	uint8_t keep[MVB_GDBS_OUT_MAX];
	size_t kl = g->last_len;
	memcpy(keep, g->last, kl);
	frame(g, r.b, r.n);
	memcpy(g->last, keep, kl);
	g->last_len = kl;
}

int mvb_gdbs_release(struct mvb_gdbs *g)
{
	if (g->ended)
		return 0;
	g->ended = 1;
	if (g->running) {
		/* a HALT asked for '?' or ^C may still come true: the app is let go */
		int rc = 0;
		for (unsigned i = 0; i < MVL_BREAK_MAX && rc >= 0; i++)
			if (g->bp[i].used) {
				rc = g->ops->brk(g->ctx, g->bp[i].addr, 0);
				g->bp[i].used = 0;
			}
		int c = g->ops->cont(g->ctx);
		g->running = 0;
		return rc ? rc : (c == MVL_E_RUNNING ? 0 : c);
	}
	return let_go(g);
}
