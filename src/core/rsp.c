/* rsp.c - GDB remote serial protocol client: framing, acknowledgement,
 * retransmission, reply decoding (escapes, run-length), and the memory,
 * flash, CRC, monitor and run-control requests `mvbuild flash` needs. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "mvb/rsp.h"

static const char hexdig[] = "0123456789abcdef";

static int fail(struct mvb_rsp *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct mvb_rsp *c, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return rc;
}

void mvb_rsp_init(struct mvb_rsp *c, const struct mvb_rsp_io *io)
{
	memset(c, 0, sizeof(*c));
	c->io = *io;
	c->timeout_ms = MVB_RSP_DEFAULT_TIMEOUT_MS;
	c->retries = 3;
	c->packet_size = MVB_RSP_DEFAULT_PACKET;
	mvb_buf_init(&c->tx, 2 * MVB_RSP_MAX_PACKET + 64);
	mvb_buf_init(&c->reply, MVB_RSP_MAX_PACKET);
}

void mvb_rsp_release(struct mvb_rsp *c)
{
	mvb_buf_release(&c->tx);
	mvb_buf_release(&c->reply);
}

const char *mvb_rsp_rc_name(int rc)
{
	switch (rc) {
	case MVB_RSP_OK: return "ok";
	case MVB_RSP_ECLOSED: return "connection closed";
	case MVB_RSP_ETIMEOUT: return "timeout";
	case MVB_RSP_EPROTO: return "protocol error";
	case MVB_RSP_ESERVER: return "server error";
	case MVB_RSP_EUNSUPPORTED: return "not supported";
	case MVB_RSP_EIO: return "transport error";
	case MVB_RSP_EFLOOD: return "no reply among the server's bytes";
	}
	return "unknown";
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Starts the wait for one reply: ms from now in all, and at most max bytes
 * received meanwhile (0: no bound on bytes, only on time). */
static void wait_begin(struct mvb_rsp *c, int ms, size_t max)
{
	c->wait_ms = ms < 0 ? 0 : ms;
	c->deadline = c->io.now_ms(c->io.ctx) + (uint64_t)c->wait_ms;
	c->wait_got = 0;
	c->wait_max = max;
}

/* The time a reply may take: timeout_ms, plus 1 s for every per_s bytes the
 * server has to erase or program first. */
static int allowance(const struct mvb_rsp *c, uint64_t bytes, unsigned per_s)
{
	uint64_t ms = (uint64_t)(c->timeout_ms > 0 ? c->timeout_ms : 0) + (bytes + per_s - 1) / per_s * 1000u;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* One byte from the transport, through the read buffer, within the
 * deadline and the byte bound of the current wait: a read waits only for
 * what is left of the deadline, so a server trickling bytes cannot stretch
 * it. */
static int getbyte(struct mvb_rsp *c, unsigned char *out)
{
	if (c->wait_max && c->wait_got >= c->wait_max)
		return MVB_RSP_EFLOOD;
	if (c->rpos == c->rlen) {
		uint64_t now = c->io.now_ms(c->io.ctx);
		if (now >= c->deadline)
			return MVB_RSP_ETIMEOUT;
		uint64_t left = c->deadline - now;
		long n = c->io.read(c->io.ctx, c->rbuf, sizeof(c->rbuf), left > INT_MAX ? INT_MAX : (int)left);
		if (n == 0)
			return MVB_RSP_ECLOSED;
		if (n == MVB_RSP_IO_TIMEOUT)
			return MVB_RSP_ETIMEOUT;
		if (n < 0 || (size_t)n > sizeof(c->rbuf))
			return MVB_RSP_EIO;
		c->rlen = (size_t)n;
		c->rpos = 0;
	}
	c->wait_got++;
	*out = c->rbuf[c->rpos++];
	return 0;
}

static int send_raw(struct mvb_rsp *c, const unsigned char *p, size_t n)
{
	if (c->io.write(c->io.ctx, p, n))
		return fail(c, MVB_RSP_EIO, "cannot send to the GDB server");
	c->bytes_sent += n;
	return 0;
}

/* Says why a wait ended without its reply.  Errors that carry their own
 * message (a protocol error, a failed send) keep it. */
static int io_fail(struct mvb_rsp *c, int rc, const char *waiting)
{
	char t[32];
	if (c->wait_ms % 1000)
		snprintf(t, sizeof(t), "%d ms", c->wait_ms);
	else
		snprintf(t, sizeof(t), "%d s", c->wait_ms / 1000);
	switch (rc) {
	case MVB_RSP_ECLOSED:
		return fail(c, rc, "the GDB server closed the connection while %s", waiting);
	case MVB_RSP_ETIMEOUT:
		if (!c->wait_got)
			return fail(c, rc, "no answer from the GDB server within %s while %s", t, waiting);
		return fail(c, rc, "no complete reply from the GDB server within %s while %s (it sent %zu byte%s meanwhile)",
			    t, waiting, c->wait_got, c->wait_got == 1 ? "" : "s");
	case MVB_RSP_EFLOOD:
		return fail(c, rc, "the GDB server sent %zu bytes but no reply while %s", c->wait_got, waiting);
	case MVB_RSP_EIO:
		if (c->err[0])
			return rc;
		return fail(c, rc, "cannot read from the GDB server while %s", waiting);
	}
	return rc;
}

/* Frames payload as $payload#cs into c->tx (payload is already escaped). */
static int frame(struct mvb_rsp *c, const unsigned char *p, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += p[i];
	c->tx.len = 0;
	unsigned char tail[3] = { '#', (unsigned char)hexdig[(sum >> 4) & 15], (unsigned char)hexdig[sum & 15] };
	if (mvb_buf_append(&c->tx, "$", 1) || mvb_buf_append(&c->tx, p, n) || mvb_buf_append(&c->tx, tail, 3))
		return fail(c, MVB_RSP_EPROTO, "request of %zu bytes exceeds the packet limit", n);
	return 0;
}

/*
 * Reads one packet into c->reply (decoded).  Skips stray bytes before '$';
 * '%' notifications are read and dropped.  On a checksum mismatch asks for
 * retransmission ('-') unless in no-ack mode.  *nak is set when a '-' from
 * the server arrived instead (our request was garbled on the way).  All of
 * it within the current wait (wait_begin); a packet over the size bounds
 * fails at once, without reading on to its end.
 */
static int read_packet(struct mvb_rsp *c, int *nak)
{
	unsigned bad = 0;
	for (;;) {
		unsigned char ch;
		int rc;
		int notification = 0;
		do {
			if ((rc = getbyte(c, &ch)))
				return rc;
			if (ch == '-' && nak) {
				*nak = 1;
				return 0;
			}
		} while (ch != '$' && ch != '%');
		notification = ch == '%';
		c->reply.len = 0;
		unsigned sum = 0;
		int esc = 0, overflow = 0;
		size_t raw = 1;
		for (;;) {
			if ((rc = getbyte(c, &ch)))
				return rc;
			if (ch == '#')
				break;
			if (++raw > MVB_RSP_MAX_RAW_PACKET - 3)
				return fail(c, MVB_RSP_EPROTO, "a packet from the GDB server longer than %u bytes",
					    MVB_RSP_MAX_RAW_PACKET);
			sum += ch;
			if (overflow)
				continue;
			if (esc) {
				ch ^= 0x20;
				esc = 0;
			} else if (ch == '}') {
				esc = 1;
				continue;
			} else if (ch == '*') {
				/* run length: repeat the previous byte (n - 29) times */
				unsigned char cnt;
				if ((rc = getbyte(c, &cnt)))
					return rc;
				raw++;
				sum += cnt;
				if (c->reply.len == 0 || cnt < 29 + 3 || cnt > 126) {
					overflow = 2; /* malformed; consume to '#' */
					continue;
				}
				unsigned char prev = c->reply.data[c->reply.len - 1];
				for (unsigned i = 0; i < (unsigned)cnt - 29u; i++)
					if (mvb_buf_append(&c->reply, &prev, 1))
						return fail(c, MVB_RSP_EPROTO, "reply longer than %u bytes", MVB_RSP_MAX_PACKET);
				continue;
			}
			if (mvb_buf_append(&c->reply, &ch, 1))
				return fail(c, MVB_RSP_EPROTO, "reply longer than %u bytes", MVB_RSP_MAX_PACKET);
		}
		unsigned char h1, h2;
		if ((rc = getbyte(c, &h1)) || (rc = getbyte(c, &h2)))
			return rc;
		int v1 = hexval(h1), v2 = hexval(h2);
		int ok = v1 >= 0 && v2 >= 0 && (unsigned)(v1 << 4 | v2) == (sum & 0xff);
		if (ok && overflow == 2)
			return fail(c, MVB_RSP_EPROTO, "malformed run-length encoding in a reply");
		if (!ok) {
			if (c->noack)
				return fail(c, MVB_RSP_EPROTO, "reply with a bad checksum");
			if (++bad > c->retries)
				return fail(c, MVB_RSP_EPROTO, "%u replies in a row with a bad checksum", bad);
			c->retransmits++;
			if ((rc = send_raw(c, (const unsigned char *)"-", 1)))
				return rc;
			continue;
		}
		if (!c->noack && !notification && (rc = send_raw(c, (const unsigned char *)"+", 1)))
			return rc;
		if (notification)
			continue;
		return 0;
	}
}

/* Sends c->tx and waits for the acknowledgement (resending on '-'), within
 * the current wait.  Transport errors come back bare, for io_fail. */
static int transmit(struct mvb_rsp *c)
{
	for (unsigned attempt = 0;; attempt++) {
		int rc = send_raw(c, c->tx.data, c->tx.len);
		if (rc)
			return rc;
		c->packets_sent++;
		if (c->noack)
			return 0;
		unsigned char ch;
		for (;;) {
			if ((rc = getbyte(c, &ch)))
				return rc;
			if (ch == '+' || ch == '-')
				break;
			/* anything else before the ack is noise */
		}
		if (ch == '+')
			return 0;
		if (attempt >= c->retries)
			return fail(c, MVB_RSP_EPROTO, "the GDB server refused a packet %u times", attempt + 1);
		c->retransmits++;
	}
}

static int classify(struct mvb_rsp *c)
{
	const struct mvb_buf *r = &c->reply;
	if (r->len == 0)
		return MVB_RSP_EUNSUPPORTED;
	if (r->len == 3 && r->data[0] == 'E' && hexval(r->data[1]) >= 0 && hexval(r->data[2]) >= 0)
		return MVB_RSP_ESERVER;
	if (r->len > 2 && r->data[0] == 'E' && r->data[1] == '.')
		return MVB_RSP_ESERVER; /* textual error (E.message) */
	return 0;
}

/* The reply as a printable string for messages. */
static const char *reply_text(struct mvb_rsp *c, char *out, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < c->reply.len && j + 1 < n; i++) {
		unsigned char ch = c->reply.data[i];
		out[j++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[j] = 0;
	return out;
}

/* Hands the hex text of an 'O' console-output packet to c->output. */
static void emit_output(struct mvb_rsp *c)
{
	char text[256];
	size_t k = 0;
	for (size_t i = 1; i + 1 < c->reply.len; i += 2) {
		int hi = hexval(c->reply.data[i]), lo = hexval(c->reply.data[i + 1]);
		if (hi < 0 || lo < 0)
			break;
		text[k++] = (char)(hi << 4 | lo);
		if (k == sizeof(text)) {
			if (c->output)
				c->output(c->output_ctx, text, k);
			k = 0;
		}
	}
	if (k && c->output)
		c->output(c->output_ctx, text, k);
	for (size_t i = 1; i + 1 < c->reply.len && c->said_len + 1 < sizeof(c->said); i += 2) {
		int hi = hexval(c->reply.data[i]), lo = hexval(c->reply.data[i + 1]);
		if (hi < 0 || lo < 0)
			break;
		c->said[c->said_len++] = (char)(hi << 4 | lo);
	}
	c->said[c->said_len] = 0;
}

/* Sends a framed payload and reads the reply, skipping console output: all
 * of it, retransmissions included, within ms and MVB_RSP_MAX_WAIT_BYTES. */
static int exchange_within(struct mvb_rsp *c, const unsigned char *p, size_t n, const char *what, int ms)
{
	int rc = frame(c, p, n);
	if (rc)
		return rc;
	c->err[0] = 0;
	wait_begin(c, ms, MVB_RSP_MAX_WAIT_BYTES);
	for (unsigned attempt = 0;; attempt++) {
		if ((rc = transmit(c)))
			return io_fail(c, rc, what);
		int nak = 0;
		for (;;) {
			if ((rc = read_packet(c, c->noack ? NULL : &nak)))
				return io_fail(c, rc, what);
			if (nak)
				break;
			/* 'O' console output (hex) precedes the real reply of qRcmd;
			 * a bare 'O' is OpenOCD's keep-alive during long operations */
			if (c->reply.len >= 1 && c->reply.data[0] == 'O' && c->reply.len % 2 == 1) {
				emit_output(c);
				continue;
			}
			return classify(c);
		}
		if (attempt >= c->retries)
			return fail(c, MVB_RSP_EPROTO, "the GDB server refused a packet %u times", attempt + 1);
		c->retransmits++;
	}
}

static int exchange(struct mvb_rsp *c, const unsigned char *p, size_t n, const char *what)
{
	return exchange_within(c, p, n, what, c->timeout_ms);
}

int mvb_rsp_request(struct mvb_rsp *c, const unsigned char *pkt, size_t len, const struct mvb_buf **reply)
{
	/* escape the characters that framing reserves */
	struct mvb_buf e;
	mvb_buf_init(&e, 2 * MVB_RSP_MAX_PACKET);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = pkt[i];
		int bad;
		if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
			unsigned char two[2] = { '}', (unsigned char)(ch ^ 0x20) };
			bad = mvb_buf_append(&e, two, 2);
		} else {
			bad = mvb_buf_append(&e, &ch, 1);
		}
		if (bad) {
			mvb_buf_release(&e);
			return fail(c, MVB_RSP_EPROTO, "request of %zu bytes exceeds the packet limit", len);
		}
	}
	int rc = exchange(c, e.data ? e.data : (const unsigned char *)"", e.len, "waiting for a reply");
	mvb_buf_release(&e);
	if (reply)
		*reply = &c->reply;
	return rc;
}

static int request_str(struct mvb_rsp *c, const char *s, const char *what)
{
	return exchange(c, (const unsigned char *)s, strlen(s), what);
}

static int request_within(struct mvb_rsp *c, const char *s, const char *what, int ms)
{
	return exchange_within(c, (const unsigned char *)s, strlen(s), what, ms);
}

static int reply_is(const struct mvb_rsp *c, const char *s)
{
	size_t n = strlen(s);
	return c->reply.len == n && memcmp(c->reply.data, s, n) == 0;
}

/* ---- start-up ---- */

static void parse_supported(struct mvb_rsp *c)
{
	const unsigned char *p = c->reply.data, *end = p + c->reply.len;
	while (p < end) {
		const unsigned char *q = memchr(p, ';', (size_t)(end - p));
		size_t n = q ? (size_t)(q - p) : (size_t)(end - p);
		if (n > 11 && !memcmp(p, "PacketSize=", 11)) {
			size_t v = 0;
			size_t i = 11;
			for (; i < n && hexval(p[i]) >= 0 && v < 0x1000000; i++)
				v = v * 16 + (size_t)hexval(p[i]);
			if (i == n && v >= 64)
				c->packet_size = v > MVB_RSP_MAX_PACKET ? MVB_RSP_MAX_PACKET : v;
		} else if (n == sizeof("QStartNoAckMode+") - 1 && !memcmp(p, "QStartNoAckMode+", n)) {
			c->noack = -1; /* offered; switched on after the request */
		} else if (n == sizeof("qXfer:memory-map:read+") - 1 && !memcmp(p, "qXfer:memory-map:read+", n)) {
			c->has_memory_map = 1;
		}
		if (!q)
			break;
		p = q + 1;
	}
}

static int read_memory_map(struct mvb_rsp *c)
{
	struct mvb_buf xml;
	mvb_buf_init(&xml, MVB_RSP_MAX_MAP_XML + 1);
	int rc = 0;
	for (;;) {
		char req[64];
		size_t chunk = c->packet_size > 64 ? c->packet_size - 32 : 32;
		snprintf(req, sizeof(req), "qXfer:memory-map:read::%zx,%zx", xml.len, chunk);
		if ((rc = request_str(c, req, "reading the memory map")))
			break;
		if (c->reply.len < 1 || (c->reply.data[0] != 'm' && c->reply.data[0] != 'l')) {
			rc = fail(c, MVB_RSP_EPROTO, "bad memory-map reply");
			break;
		}
		if (c->reply.len > 1 && mvb_buf_append(&xml, c->reply.data + 1, c->reply.len - 1)) {
			rc = fail(c, MVB_RSP_EPROTO, "memory map longer than %u bytes", MVB_RSP_MAX_MAP_XML);
			break;
		}
		if (c->reply.data[0] == 'l')
			break;
		if (c->reply.len == 1) {
			rc = fail(c, MVB_RSP_EPROTO, "empty memory-map part with more to come");
			break;
		}
	}
	if (!rc) {
		int n = mvb_rsp_parse_memory_map(xml.data ? (const char *)xml.data : "", xml.len, c->map, MVB_RSP_MAX_MAP);
		if (n < 0)
			rc = fail(c, MVB_RSP_EPROTO, "malformed memory map from the GDB server");
		else
			c->nmap = (unsigned)n;
	}
	mvb_buf_release(&xml);
	return rc;
}

int mvb_rsp_start(struct mvb_rsp *c)
{
	int rc;
	/* an ack first, as gdb does: some servers wait for it */
	if ((rc = send_raw(c, (const unsigned char *)"+", 1)))
		return rc;
	rc = request_str(c, "qSupported:swbreak+;hwbreak+;vContSupported+", "greeting the GDB server");
	if (rc && rc != MVB_RSP_EUNSUPPORTED)
		return rc;
	if (!rc)
		parse_supported(c);
	if (c->noack == -1) {
		c->noack = 0;
		rc = request_str(c, "QStartNoAckMode", "switching to no-ack mode");
		if (!rc && reply_is(c, "OK"))
			c->noack = 1;
		else if (rc && rc != MVB_RSP_EUNSUPPORTED && rc != MVB_RSP_ESERVER)
			return rc;
	}
	if (c->has_memory_map && (rc = read_memory_map(c)))
		return rc;
	rc = request_str(c, "?", "asking why the target stopped");
	if (rc && rc != MVB_RSP_EUNSUPPORTED)
		return rc;
	return 0;
}

/* ---- memory ---- */

static int server_error(struct mvb_rsp *c, int rc, const char *what, uint32_t addr, size_t len)
{
	char t[64];
	if (!len && !addr) { /* a request without an address */
		if (rc == MVB_RSP_ESERVER)
			return fail(c, rc, "the GDB server answered '%s' to %s", reply_text(c, t, sizeof(t)), what);
		if (rc == MVB_RSP_EUNSUPPORTED)
			return fail(c, rc, "the GDB server does not support %s", what);
		if (rc == MVB_RSP_EPROTO && !c->err[0])
			return fail(c, rc, "unexpected reply '%s' to %s", reply_text(c, t, sizeof(t)), what);
		return rc;
	}
	if (rc == MVB_RSP_ESERVER)
		return fail(c, rc, "the GDB server answered '%s' to %s %zu bytes at 0x%08x", reply_text(c, t, sizeof(t)),
			    what, len, (unsigned)addr);
	if (rc == MVB_RSP_EUNSUPPORTED)
		return fail(c, rc, "the GDB server does not support %s (at 0x%08x)", what, (unsigned)addr);
	if (rc == MVB_RSP_EPROTO && !c->err[0])
		return fail(c, rc, "unexpected reply '%s' to %s %zu bytes at 0x%08x", reply_text(c, t, sizeof(t)), what,
			    len, (unsigned)addr);
	/* keep the transport's message, add where */
	char prev[sizeof(c->err)];
	snprintf(prev, sizeof(prev), "%s", c->err);
	return fail(c, rc, "%s (%s %zu bytes at 0x%08x)", prev, what, len, (unsigned)addr);
}

/* Builds "<prefix><addr>,<len>:" or "<prefix><addr>:" + escaped binary in
 * tx-ready form and exchanges it.  Returns the rc of the exchange. */
static int binary_request(struct mvb_rsp *c, const char *head, const unsigned char *d, size_t n, const char *what,
			  int ms)
{
	struct mvb_buf e;
	mvb_buf_init(&e, 2 * MVB_RSP_MAX_PACKET);
	int bad = mvb_buf_puts(&e, head);
	for (size_t i = 0; i < n && !bad; i++) {
		unsigned char ch = d[i];
		if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
			unsigned char two[2] = { '}', (unsigned char)(ch ^ 0x20) };
			bad = mvb_buf_append(&e, two, 2);
		} else {
			bad = mvb_buf_append(&e, &ch, 1);
		}
	}
	int rc = bad ? fail(c, MVB_RSP_EPROTO, "request exceeds the packet limit")
		     : exchange_within(c, e.data, e.len, what, ms);
	mvb_buf_release(&e);
	return rc;
}

/* Largest prefix of d (at most max) whose escaped form fits budget. */
static size_t fit_binary(const unsigned char *d, size_t max, size_t budget)
{
	size_t n = 0, used = 0;
	while (n < max) {
		size_t k = 1 + (d[n] == '$' || d[n] == '#' || d[n] == '}' || d[n] == '*');
		if (used + k > budget)
			break;
		used += k;
		n++;
	}
	return n;
}

static int write_x(struct mvb_rsp *c, uint32_t addr, const unsigned char *d, size_t n, size_t *took)
{
	char head[40];
	size_t budget = c->packet_size - 32;
	size_t k = fit_binary(d, n, budget);
	snprintf(head, sizeof(head), "X%x,%zx:", (unsigned)addr, k);
	int rc = binary_request(c, head, d, k, "writing", c->timeout_ms);
	if (rc)
		return rc;
	if (!reply_is(c, "OK"))
		return MVB_RSP_EPROTO;
	*took = k;
	return 0;
}

static int write_m(struct mvb_rsp *c, uint32_t addr, const unsigned char *d, size_t n, size_t *took)
{
	size_t k = (c->packet_size - 32) / 2;
	if (k > n)
		k = n;
	struct mvb_buf e;
	mvb_buf_init(&e, 2 * MVB_RSP_MAX_PACKET);
	int bad = mvb_buf_printf(&e, "M%x,%zx:", (unsigned)addr, k);
	for (size_t i = 0; i < k && !bad; i++) {
		unsigned char two[2] = { (unsigned char)hexdig[d[i] >> 4], (unsigned char)hexdig[d[i] & 15] };
		bad = mvb_buf_append(&e, two, 2);
	}
	int rc = bad ? fail(c, MVB_RSP_EPROTO, "request exceeds the packet limit") : exchange(c, e.data, e.len, "writing");
	mvb_buf_release(&e);
	if (rc)
		return rc;
	if (!reply_is(c, "OK"))
		return MVB_RSP_EPROTO;
	*took = k;
	return 0;
}

int mvb_rsp_write_mem(struct mvb_rsp *c, uint32_t addr, const unsigned char *data, size_t len)
{
	size_t done = 0;
	c->err[0] = 0;
	if ((uint64_t)addr + len > 0x100000000ull)
		return fail(c, MVB_RSP_EPROTO, "write of %zu bytes at 0x%08x wraps the address space", len, (unsigned)addr);
	while (done < len) {
		int r;
		size_t took = 0;
		uint32_t a = addr + (uint32_t)done;
		if (c->x_state >= 0) {
			r = write_x(c, a, data + done, len - done, &took);
			if (r == MVB_RSP_EUNSUPPORTED && c->x_state == 0) {
				c->x_state = -1; /* fall back to hex for good */
				continue;
			}
			if (!r)
				c->x_state = 1;
		} else {
			r = write_m(c, a, data + done, len - done, &took);
		}
		if (r)
			return server_error(c, r, "writing", a, len - done);
		done += took;
	}
	return 0;
}

int mvb_rsp_read_mem(struct mvb_rsp *c, uint32_t addr, unsigned char *out, size_t len)
{
	size_t done = 0;
	c->err[0] = 0;
	if ((uint64_t)addr + len > 0x100000000ull)
		return fail(c, MVB_RSP_EPROTO, "read of %zu bytes at 0x%08x wraps the address space", len, (unsigned)addr);
	while (done < len) {
		uint32_t a = addr + (uint32_t)done;
		size_t k = (c->packet_size - 8) / 2;
		if (k > len - done)
			k = len - done;
		char req[40];
		snprintf(req, sizeof(req), "m%x,%zx", (unsigned)a, k);
		int rc = request_str(c, req, "reading");
		if (rc)
			return server_error(c, rc, "reading", a, k);
		size_t got = c->reply.len / 2;
		if (c->reply.len % 2 || got == 0 || got > k)
			return server_error(c, MVB_RSP_EPROTO, "reading", a, k);
		for (size_t i = 0; i < got; i++) {
			int hi = hexval(c->reply.data[2 * i]), lo = hexval(c->reply.data[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return server_error(c, MVB_RSP_EPROTO, "reading", a, k);
			out[done + i] = (unsigned char)(hi << 4 | lo);
		}
		done += got;
	}
	return 0;
}

/* ---- flash ---- */

int mvb_rsp_flash_erase(struct mvb_rsp *c, uint32_t addr, uint32_t len)
{
	char req[64];
	c->err[0] = 0;
	snprintf(req, sizeof(req), "vFlashErase:%x,%x", (unsigned)addr, (unsigned)len);
	int rc = request_within(c, req, "erasing flash", allowance(c, len, MVB_RSP_ERASE_BYTES_PER_S));
	if (!rc && !reply_is(c, "OK"))
		rc = MVB_RSP_EPROTO;
	return rc ? server_error(c, rc, "erasing", addr, len) : 0;
}

int mvb_rsp_flash_write(struct mvb_rsp *c, uint32_t addr, const unsigned char *data, size_t len)
{
	size_t done = 0;
	c->err[0] = 0;
	while (done < len) {
		uint32_t a = addr + (uint32_t)done;
		char head[40];
		size_t k = fit_binary(data + done, len - done, c->packet_size - 32);
		snprintf(head, sizeof(head), "vFlashWrite:%x:", (unsigned)a);
		int rc = binary_request(c, head, data + done, k, "writing flash",
					allowance(c, k, MVB_RSP_PROGRAM_BYTES_PER_S));
		c->flash_pending += k;
		if (!rc && !reply_is(c, "OK"))
			rc = MVB_RSP_EPROTO;
		if (rc)
			return server_error(c, rc, "flash-writing", a, k);
		done += k;
	}
	return 0;
}

int mvb_rsp_flash_done(struct mvb_rsp *c)
{
	c->err[0] = 0;
	int rc = request_within(c, "vFlashDone", "finishing the flash writes",
				allowance(c, c->flash_pending, MVB_RSP_PROGRAM_BYTES_PER_S));
	c->flash_pending = 0;
	if (!rc && !reply_is(c, "OK"))
		rc = MVB_RSP_EPROTO;
	return rc ? server_error(c, rc, "finishing (vFlashDone)", 0, 0) : 0;
}

/* ---- CRC ---- */

uint32_t mvb_rsp_crc_local(uint32_t crc, const unsigned char *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	if (!ready) { /* idempotent: racing initialisers write the same values */
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = i << 24;
			for (int k = 0; k < 8; k++)
				v = v & 0x80000000u ? (v << 1) ^ 0x04c11db7u : v << 1;
			table[i] = v;
		}
		ready = 1;
	}
	for (size_t i = 0; i < n; i++)
		crc = (crc << 8) ^ table[((crc >> 24) ^ p[i]) & 0xff];
	return crc;
}

int mvb_rsp_crc(struct mvb_rsp *c, uint32_t addr, uint32_t len, uint32_t *crc)
{
	char req[48];
	c->err[0] = 0;
	if (c->crc_state < 0)
		return fail(c, MVB_RSP_EUNSUPPORTED, "the GDB server does not support qCRC");
	snprintf(req, sizeof(req), "qCRC:%x,%x", (unsigned)addr, (unsigned)len);
	int rc = request_str(c, req, "computing a CRC");
	if (rc == MVB_RSP_EUNSUPPORTED && c->crc_state == 0) {
		c->crc_state = -1;
		return fail(c, rc, "the GDB server does not support qCRC");
	}
	if (rc)
		return server_error(c, rc, "computing the CRC of", addr, len);
	if (c->reply.len < 2 || c->reply.len > 9 || c->reply.data[0] != 'C')
		return server_error(c, MVB_RSP_EPROTO, "computing the CRC of", addr, len);
	uint32_t v = 0;
	for (size_t i = 1; i < c->reply.len; i++) {
		int h = hexval(c->reply.data[i]);
		if (h < 0)
			return server_error(c, MVB_RSP_EPROTO, "computing the CRC of", addr, len);
		v = v << 4 | (uint32_t)h;
	}
	c->crc_state = 1;
	*crc = v;
	return 0;
}

/* ---- run control ---- */

int mvb_rsp_monitor(struct mvb_rsp *c, const char *cmd)
{
	struct mvb_buf e;
	c->err[0] = 0;
	c->said_len = 0;
	c->said[0] = 0;
	mvb_buf_init(&e, 4096);
	int bad = mvb_buf_puts(&e, "qRcmd,");
	for (const unsigned char *p = (const unsigned char *)cmd; *p && !bad; p++) {
		unsigned char two[2] = { (unsigned char)hexdig[*p >> 4], (unsigned char)hexdig[*p & 15] };
		bad = mvb_buf_append(&e, two, 2);
	}
	int rc = bad ? fail(c, MVB_RSP_EPROTO, "monitor command too long")
		     : exchange(c, e.data, e.len, "running a monitor command");
	mvb_buf_release(&e);
	if (rc == MVB_RSP_ESERVER || rc == MVB_RSP_EUNSUPPORTED) {
		char t[64];
		return fail(c, rc, "the GDB server refused monitor command '%s' (%s)", cmd,
			    rc == MVB_RSP_EUNSUPPORTED ? "no qRcmd" : reply_text(c, t, sizeof(t)));
	}
	if (rc)
		return rc;
	/* some servers answer with hex text instead of O packets; QEMU and
	 * OpenOCD answer OK after saying the command does not exist */
	static const char *const refusals[] = { "unknown command", "invalid command name" };
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		const char *at = strstr(c->said, refusals[i]);
		if (at) {
			size_t n = strcspn(at, "\r\n");
			return fail(c, MVB_RSP_ESERVER, "the GDB server refused monitor command '%s' (%.*s)", cmd,
				    (int)(n < 80 ? n : 80), at);
		}
	}
	return 0;
}

int mvb_rsp_is_qemu(struct mvb_rsp *c, int *qemu)
{
	*qemu = 0;
	int rc = request_str(c, "qqemu.sstepbits", "asking whether the server is QEMU");
	if (rc == MVB_RSP_EUNSUPPORTED || rc == MVB_RSP_ESERVER)
		return 0;
	if (rc)
		return rc;
	*qemu = c->reply.len >= 7 && !memcmp(c->reply.data, "ENABLE=", 7);
	return 0;
}

int mvb_rsp_continue(struct mvb_rsp *c)
{
	c->err[0] = 0;
	int rc = frame(c, (const unsigned char *)"c", 1);
	if (rc)
		return rc;
	wait_begin(c, c->timeout_ms, MVB_RSP_MAX_WAIT_BYTES);
	return (rc = transmit(c)) ? io_fail(c, rc, "resuming the target") : 0;
}

int mvb_rsp_wait_stop(struct mvb_rsp *c, int timeout_ms, struct mvb_rsp_stop *stop)
{
	c->err[0] = 0;
	wait_begin(c, timeout_ms, 0);
	for (;;) {
		int rc = read_packet(c, NULL);
		if (rc) {
			if (rc == MVB_RSP_ETIMEOUT)
				return fail(c, rc, "the target still runs after %d ms", timeout_ms);
			return io_fail(c, rc, "waiting for the target to stop");
		}
		const unsigned char *p = c->reply.data;
		size_t n = c->reply.len;
		if (n >= 1 && p[0] == 'O') {
			emit_output(c);
			continue;
		}
		if (n >= 3 && (p[0] == 'W' || p[0] == 'X' || p[0] == 'T' || p[0] == 'S') && hexval(p[1]) >= 0 &&
		    hexval(p[2]) >= 0) {
			stop->kind = (char)p[0];
			stop->value = (unsigned)(hexval(p[1]) << 4 | hexval(p[2]));
			return 0;
		}
		char t[64];
		return fail(c, MVB_RSP_EPROTO, "unexpected stop reply '%s'", reply_text(c, t, sizeof(t)));
	}
}

int mvb_rsp_detach(struct mvb_rsp *c)
{
	c->err[0] = 0;
	int rc = request_str(c, "D", "detaching");
	if (rc == MVB_RSP_ECLOSED)
		return 0; /* some servers hang up at once: the target runs on */
	if (!rc && !reply_is(c, "OK"))
		rc = MVB_RSP_EPROTO;
	return rc ? server_error(c, rc, "detaching", 0, 0) : 0;
}

/* ---- memory map ---- */

const struct mvb_rsp_region *mvb_rsp_region_at(const struct mvb_rsp *c, uint32_t addr)
{
	for (unsigned i = 0; i < c->nmap; i++)
		if (addr >= c->map[i].start && addr - c->map[i].start < c->map[i].length)
			return &c->map[i];
	return NULL;
}

/* A bounded view of the XML text. */
struct xcur {
	const char *p, *end;
};

static const char *find(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	for (; (size_t)(end - p) >= n; p++)
		if (!memcmp(p, s, n))
			return p;
	return NULL;
}

/* Value of attribute name="..." within [p, end); copies at most cap-1. */
static int attr(const char *p, const char *end, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	for (const char *q = p; q < end; q++) {
		if ((size_t)(end - q) < n + 2 || memcmp(q, name, n) || q[n] != '=' || (q > p && q[-1] != ' ' &&
											q[-1] != '\t' && q[-1] != '\n' && q[-1] != '\r'))
			continue;
		char quote = q[n + 1];
		if (quote != '"' && quote != '\'')
			return -1;
		const char *v = q + n + 2, *ve = memchr(v, quote, (size_t)(end - v));
		if (!ve || (size_t)(ve - v) >= cap)
			return -1;
		memcpy(out, v, (size_t)(ve - v));
		out[ve - v] = 0;
		return 0;
	}
	return 1; /* absent */
}

static int number(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -1;
	for (; *s; s++) {
		int d = hexval((unsigned char)*s);
		if (d < 0 || d >= base)
			return -1;
		x = x * (uint64_t)base + (uint64_t)d;
		if (x > 0xffffffffffull)
			return -1;
	}
	*v = x;
	return 0;
}

int mvb_rsp_parse_memory_map(const char *xml, size_t len, struct mvb_rsp_region *out, unsigned max)
{
	struct xcur x = { xml, xml + len };
	unsigned n = 0;
	while (x.p < x.end) {
		const char *m = find(x.p, x.end, "<memory");
		if (!m)
			break;
		x.p = m + 7;
		if (x.p < x.end && *x.p != ' ' && *x.p != '\t' && *x.p != '\n' && *x.p != '\r')
			continue; /* <memory-map> */
		const char *gt = memchr(x.p, '>', (size_t)(x.end - x.p));
		if (!gt)
			return -1;
		int selfclose = gt > x.p && gt[-1] == '/';
		char type[16], start[24], length[24];
		if (attr(x.p, gt, "type", type, sizeof(type)) || attr(x.p, gt, "start", start, sizeof(start)) ||
		    attr(x.p, gt, "length", length, sizeof(length)))
			return -1;
		uint64_t s, l;
		if (number(start, &s) || number(length, &l) || s > 0xffffffffu || l == 0 || l > 0x100000000ull - s)
			return -1;
		struct mvb_rsp_region r = { (uint32_t)s, (uint32_t)(l > 0xffffffffu ? 0xffffffffu : l), 0, MVB_RSP_RAM };
		if (!strcmp(type, "flash"))
			r.type = MVB_RSP_FLASH;
		else if (!strcmp(type, "rom"))
			r.type = MVB_RSP_ROM;
		else if (strcmp(type, "ram"))
			return -1;
		x.p = gt + 1;
		if (!selfclose) {
			const char *close = find(x.p, x.end, "</memory>");
			if (!close)
				return -1;
			const char *pp = find(x.p, close, "<property");
			while (pp) {
				const char *pgt = memchr(pp, '>', (size_t)(close - pp));
				if (!pgt)
					return -1;
				char pname[24];
				if (attr(pp, pgt, "name", pname, sizeof(pname)))
					return -1;
				const char *vend = find(pgt + 1, close, "</property>");
				if (!vend)
					return -1;
				if (!strcmp(pname, "blocksize")) {
					char val[24];
					const char *v = pgt + 1;
					while (v < vend && (*v == ' ' || *v == '\n' || *v == '\t' || *v == '\r'))
						v++;
					const char *ve = vend;
					while (ve > v && (ve[-1] == ' ' || ve[-1] == '\n' || ve[-1] == '\t' || ve[-1] == '\r'))
						ve--;
					uint64_t b;
					if ((size_t)(ve - v) >= sizeof(val))
						return -1;
					memcpy(val, v, (size_t)(ve - v));
					val[ve - v] = 0;
					if (number(val, &b) || b == 0 || b > r.length)
						return -1;
					r.blocksize = (uint32_t)b;
				}
				pp = find(vend, close, "<property");
			}
			x.p = close + 9;
		}
		if (r.type == MVB_RSP_FLASH && r.blocksize == 0)
			return -1;
		if (n < max)
			out[n++] = r;
	}
	return (int)n;
}
