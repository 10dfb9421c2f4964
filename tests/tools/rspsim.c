/*
 * rspsim.c - a scripted GDB server for the flash tests: a target with RAM
 * and (optionally) flash regions that speaks the remote serial protocol on
 * a loopback port and misbehaves on request, so the tests can show how
 * `mvbuild flash` copes with what real servers and cables do.
 *
 *   rspsim --port-file F [--ram ADDR:SIZE]... [--flash ADDR:SIZE:BLOCK]...
 *          [--no-x] [--crc] [--bad-crc-after N] [--noack] [--packet-size N] [--qemu]
 *          [--corrupt-every N] [--drop-after BYTES] [--error-at ADDR]
 *          [--lie-at ADDR] [--delay-ms N] [--dump FILE] [--log FILE]
 *          [--hostile MODE [--hostile-at PREFIX] [--trickle-ms N]] [--u5-options OPTR[,...]]
 *
 * --u5-options OPTR[,SECBOOTADD0R,SECWM1R1,SECWM2R1] adds the option-byte
 * registers of an STM32U5 flash controller (both aliases, 0x40022000 and
 * 0x50022000) holding these values, and acts on the OpenOCD monitor
 * commands that change them: 'stm32l4x trustzone 0 enable' (refused above
 * RDP level 0; sets TZEN and, as the chip does, makes both banks all
 * secure) and 'stm32l4x option_write 0 OFF VALUE MASK'.
 *
 * --qemu answers as QEMU's gdbstub does what tells it apart: the
 * qqemu.sstepbits query, and a monitor command other than system_reset
 * with "unknown command: 'CMD'" before its OK.
 *
 * It serves connections one after another (memory survives between them)
 * until killed.  --dump writes "ADDR SIZE" + the bytes of every region
 * (as a binary file per region: FILE.<hexaddr>) after each connection.
 * Flash behaves like flash: vFlashWrite only clears bits of erased bytes,
 * and plain memory writes into flash answer E01 (as OpenOCD does).
 *
 * --hostile MODE makes it a server that talks but never answers, from the
 * first request that starts with PREFIX (default: any) on, until the
 * client hangs up: silent (acknowledges, then nothing), noise (endless
 * bytes that are no packet), endless (a packet that never ends), console
 * (endless 'O' console packets), notify (endless '%' notifications),
 * keepalive (an empty 'O' packet every second, as OpenOCD sends during long
 * operations) or trickle (one byte every --trickle-ms, default 3000).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct region {
	uint32_t start, size, block;
	int flash;
	unsigned char *mem;
};

static struct region reg[8];
static unsigned nreg;
static int opt_no_x, opt_crc, opt_noack, opt_corrupt_every, opt_delay_ms, opt_qemu;
static long opt_bad_crc_after = -1; /* qCRC replies after this many are wrong (a buggy server) */
static long crc_replies;
static long opt_drop_after = -1;
static long long opt_error_at = -1, opt_lie_at = -1;
static unsigned opt_packet = 0x1000;
static const char *opt_dump, *opt_log;
static const char *opt_hostile, *opt_hostile_at = "";
static int opt_trickle_ms = 3000;
static struct region *u5_ns, *u5_s; /* --u5-options: the flash controller in each alias */
static int u5_monitor(const char *text);
static FILE *logf;

static int fd;
static int noack;
static int dirty;       /* memory changed since the last dump */
static unsigned ndumps; /* dumps written so far */
static unsigned replies;
static long written_total;

static void die(const char *m)
{
	fprintf(stderr, "rspsim: %s\n", m);
	exit(2);
}

static struct region *find(uint32_t a, uint32_t n)
{
	for (unsigned i = 0; i < nreg; i++)
		if (a >= reg[i].start && (uint64_t)a + n <= (uint64_t)reg[i].start + reg[i].size)
			return &reg[i];
	return NULL;
}

static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* ---- I/O ---- */
static unsigned char ibuf[65536];
static size_t ilen, ipos;

static int getc_net(void)
{
	if (ipos == ilen) {
		ssize_t n = read(fd, ibuf, sizeof(ibuf));
		if (n <= 0)
			return -1;
		ilen = (size_t)n;
		ipos = 0;
	}
	return ibuf[ipos++];
}

static void put(const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		return;
}

/* the last reply, framed correctly, for retransmission on '-' */
static char *last;
static size_t last_len;
static unsigned naks;

static void reply(const char *s, size_t n)
{
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (unsigned char)s[i];
	replies++;
	free(last);
	last = malloc(n + 5); /* "$" body "#xx" and the NUL snprintf adds */
	last[0] = '$';
	memcpy(last + 1, s, n);
	snprintf(last + 1 + n, 4, "#%02x", sum & 0xff);
	last_len = n + 4;
	if (opt_corrupt_every && replies % (unsigned)opt_corrupt_every == 0) {
		/* a garbled reply; the client must ask again */
		char *b = malloc(n + 4);
		memcpy(b, last, n + 4);
		b[n + 2] = b[n + 2] == '0' ? '1' : '0';
		put(b, n + 4);
		free(b);
	} else {
		put(last, last_len);
	}
	if (logf) {
		fputs("-> ", logf);
		for (size_t i = 0; i < n && i < 80; i++)
			fputc(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '.', logf);
		fputc('\n', logf);
	}
}

static void replys(const char *s)
{
	reply(s, strlen(s));
}

/* Reads one packet (unescaped in place for binary payloads).  Returns its
 * length, or -1 at end of connection. */
static long read_packet(unsigned char *out, size_t cap)
{
	for (;;) {
		int c;
		do {
			c = getc_net();
			if (c < 0)
				return -1;
			if (c == 0x03) {
				replys("T02");
				continue;
			}
			if (c == '-' && last) {
				naks++;
				put(last, last_len);
				continue;
			}
		} while (c != '$');
		size_t n = 0;
		unsigned sum = 0;
		while ((c = getc_net()) >= 0 && c != '#') {
			sum += (unsigned)c;
			if (n < cap)
				out[n++] = (unsigned char)c;
		}
		if (c < 0)
			return -1;
		int h = getc_net(), l = getc_net();
		if (h < 0 || l < 0)
			return -1;
		if ((unsigned)(hexv(h) << 4 | hexv(l)) != (sum & 0xff)) {
			if (!noack)
				put("-", 1);
			continue;
		}
		if (!noack)
			put("+", 1);
		if (logf) {
			fputs("<- ", logf);
			for (size_t i = 0; i < n && i < 80; i++)
				fputc(out[i] >= 0x20 && out[i] < 0x7f ? out[i] : '.', logf);
			fputc('\n', logf);
		}
		return (long)n;
	}
}

static size_t unescape(unsigned char *p, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '}' && i + 1 < n)
			p[o++] = p[++i] ^ 0x20;
		else
			p[o++] = p[i];
	}
	return o;
}

static int parse_addr_len(const char *s, uint32_t *a, uint32_t *l, char sep, const char **rest)
{
	char *end;
	unsigned long x = strtoul(s, &end, 16);
	if (*end != ',')
		return -1;
	unsigned long y = strtoul(end + 1, &end, 16);
	if (sep && *end != sep)
		return -1;
	*a = (uint32_t)x;
	*l = (uint32_t)y;
	if (rest)
		*rest = end + (sep ? 1 : 0);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&t, NULL);
}

static void delay(void)
{
	if (opt_delay_ms)
		sleep_ms(opt_delay_ms);
}

/* Returns 1 when the connection should be dropped now. */
static int count_written(uint32_t n)
{
	written_total += n;
	return opt_drop_after >= 0 && written_total >= opt_drop_after;
}

static int covers(long long at, uint32_t a, uint32_t n)
{
	return at >= 0 && (uint64_t)at >= a && (uint64_t)at < (uint64_t)a + n;
}

static void write_ram(uint32_t a, const unsigned char *d, uint32_t n)
{
	dirty = 1;
	struct region *r = find(a, n);
	if (covers(opt_error_at, a, n)) {
		replys("E0e");
		return;
	}
	if (!r) {
		replys("OK"); /* QEMU: unmapped writes vanish */
		return;
	}
	if (r->flash) {
		replys("E01");
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		if (!covers(opt_lie_at, a + i, 1))
			r->mem[a - r->start + i] = d[i];
	replys("OK");
}

/* Dumps every region (written whole, then renamed, so a reader never sees
 * half a dump), then bumps FILE.count.  Called before answering a read, a
 * detach, a continue or a monitor command after writes, so a client that
 * verified or detached has the dump on disk before it sees the reply; and
 * at the end of each connection. */
static void dump(void)
{
	if (!opt_dump)
		return;
	char path[4096], tmp[4200];
	for (unsigned i = 0; i < nreg; i++) {
		snprintf(path, sizeof(path), "%s.%08x", opt_dump, (unsigned)reg[i].start);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		FILE *f = fopen(tmp, "wb");
		if (!f)
			continue;
		fwrite(reg[i].mem, 1, reg[i].size, f);
		fclose(f);
		rename(tmp, path);
	}
	snprintf(path, sizeof(path), "%s.count", opt_dump);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "%u\n", ++ndumps);
		fclose(f);
		rename(tmp, path);
	}
	dirty = 0;
}

/* Sends s (n bytes) again and again, pausing gap_ms after each, until the
 * client has gone (the send fails). */
static void send_forever(const char *s, size_t n, int gap_ms)
{
	for (;;) {
		if (send(fd, s, n, MSG_NOSIGNAL) != (ssize_t)n)
			return;
		if (gap_ms)
			sleep_ms(gap_ms);
	}
}

/* The --hostile behaviours; each returns when the client hangs up. */
static void hostile(void)
{
	static char block[4096];
	if (!strcmp(opt_hostile, "silent")) {
		while (read(fd, block, sizeof(block)) > 0)
			;
	} else if (!strcmp(opt_hostile, "noise")) {
		for (size_t i = 0; i < sizeof(block); i++)
			block[i] = (char)('a' + i % 26);
		send_forever(block, sizeof(block), 0);
	} else if (!strcmp(opt_hostile, "endless")) {
		memset(block, '0', sizeof(block));
		block[0] = '$';
		if (send(fd, block, sizeof(block), MSG_NOSIGNAL) == (ssize_t)sizeof(block)) {
			block[0] = '0';
			send_forever(block, sizeof(block), 0);
		}
	} else if (!strcmp(opt_hostile, "console") || !strcmp(opt_hostile, "notify")) {
		/* whole packets, as many as fit a block, again and again */
		const char *unit = opt_hostile[0] == 'c' ? "$O41#b4" : "%Stop:T05#99";
		size_t k = 0, n = strlen(unit);
		for (; k + n <= sizeof(block); k += n)
			memcpy(block + k, unit, n);
		send_forever(block, k, 0);
	} else if (!strcmp(opt_hostile, "keepalive")) {
		send_forever("$O#4f", 5, 1000);
	} else if (!strcmp(opt_hostile, "trickle")) {
		send_forever("x", 1, opt_trickle_ms);
	} else {
		die("unknown --hostile mode");
	}
}

static void serve(void)
{
	static unsigned char pkt[1 << 20];
	static char out[1 << 20];
	noack = 0;
	ilen = ipos = 0;
	for (;;) {
		long n = read_packet(pkt, sizeof(pkt) - 1);
		if (n < 0)
			return;
		pkt[n] = 0;
		const char *p = (const char *)pkt;
		if (opt_hostile && !strncmp(p, opt_hostile_at, strlen(opt_hostile_at))) {
			hostile();
			return;
		}
		if (dirty && (p[0] == 'm' || p[0] == 'D' || p[0] == 'c' || !strncmp(p, "qCRC", 4) || !strncmp(p, "qRcmd", 5)))
			dump();
		uint32_t a, l;
		const char *rest;
		if (!strncmp(p, "qSupported", 10)) {
			int any_flash = 0;
			for (unsigned i = 0; i < nreg; i++)
				any_flash |= reg[i].flash;
			snprintf(out, sizeof(out), "PacketSize=%x%s%s", opt_packet, opt_noack ? ";QStartNoAckMode+" : "",
				 any_flash ? ";qXfer:memory-map:read+" : "");
			replys(out);
		} else if (!strcmp(p, "QStartNoAckMode") && opt_noack) {
			replys("OK");
			noack = 1;
		} else if (!strncmp(p, "qXfer:memory-map:read::", 23)) {
			char xml[4096];
			size_t k = (size_t)snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n<memory-map>\n");
			for (unsigned i = 0; i < nreg; i++) {
				if (reg[i].flash)
					k += (size_t)snprintf(xml + k, sizeof(xml) - k,
							      "  <memory type=\"flash\" start=\"0x%x\" length=\"0x%x\">\n"
							      "    <property name=\"blocksize\">0x%x</property>\n  </memory>\n",
							      (unsigned)reg[i].start, (unsigned)reg[i].size, (unsigned)reg[i].block);
				else
					k += (size_t)snprintf(xml + k, sizeof(xml) - k,
							      "  <memory type=\"ram\" start=\"0x%x\" length=\"0x%x\"/>\n",
							      (unsigned)reg[i].start, (unsigned)reg[i].size);
			}
			k += (size_t)snprintf(xml + k, sizeof(xml) - k, "</memory-map>\n");
			if (parse_addr_len(p + 23, &a, &l, 0, NULL)) {
				replys("E00");
				continue;
			}
			if (a >= k) {
				replys("l");
				continue;
			}
			size_t m = k - a < l ? k - a : l;
			out[0] = a + m < k ? 'm' : 'l';
			memcpy(out + 1, xml + a, m);
			reply(out, m + 1);
		} else if (p[0] == '?') {
			replys("S05");
		} else if (p[0] == 'm') {
			if (parse_addr_len(p + 1, &a, &l, 0, NULL) || l > opt_packet) {
				replys("E01");
				continue;
			}
			struct region *r = find(a, l);
			if (!r) {
				replys("E14");
				continue;
			}
			for (uint32_t i = 0; i < l; i++)
				snprintf(out + 2 * i, 3, "%02x", r->mem[a - r->start + i]);
			/* run-length encode long runs, as real stubs may */
			size_t len = 2 * l, o = 0;
			static char rl[1 << 20];
			for (size_t i = 0; i < len;) {
				size_t j = i + 1;
				while (j < len && out[j] == out[i] && j - i < 97)
					j++;
				size_t run = j - i;
				if (run >= 4) {
					int rep = (int)run - 1;
					/* skip counts that would produce '#', '$' or '+'/'-' framing chars */
					while (rep + 29 == '#' || rep + 29 == '$')
						rep--;
					rl[o++] = out[i];
					rl[o++] = '*';
					rl[o++] = (char)(rep + 29);
					i += (size_t)rep + 1;
				} else {
					rl[o++] = out[i++];
				}
			}
			reply(rl, o);
		} else if (p[0] == 'M') {
			if (parse_addr_len(p + 1, &a, &l, ':', &rest) || strlen(rest) != 2 * (size_t)l) {
				replys("E02");
				continue;
			}
			unsigned char *d = malloc(l + 1);
			for (uint32_t i = 0; i < l; i++)
				d[i] = (unsigned char)(hexv(rest[2 * i]) << 4 | hexv(rest[2 * i + 1]));
			delay();
			if (count_written(l)) {
				free(d);
				return;
			}
			write_ram(a, d, l);
			free(d);
		} else if (p[0] == 'X') {
			if (opt_no_x) {
				replys("");
				continue;
			}
			const char *colon = memchr(p, ':', (size_t)n);
			if (!colon || parse_addr_len(p + 1, &a, &l, ':', NULL)) {
				replys("E02");
				continue;
			}
			size_t hl = (size_t)(colon + 1 - p);
			size_t dl = unescape(pkt + hl, (size_t)n - hl);
			if (dl != l) {
				replys("E03");
				continue;
			}
			delay();
			if (count_written(l))
				return;
			write_ram(a, pkt + hl, l);
		} else if (!strncmp(p, "vFlashErase:", 12)) {
			if (parse_addr_len(p + 12, &a, &l, 0, NULL)) {
				replys("E02");
				continue;
			}
			struct region *r = find(a, l);
			if (!r || !r->flash || (a - r->start) % r->block || l % r->block) {
				replys("E03");
				continue;
			}
			dirty = 1;
			memset(r->mem + (a - r->start), 0xff, l);
			replys("OK");
		} else if (!strncmp(p, "vFlashWrite:", 12)) {
			char *end;
			a = (uint32_t)strtoul(p + 12, &end, 16);
			if (*end != ':') {
				replys("E02");
				continue;
			}
			size_t hl = (size_t)(end + 1 - p);
			size_t dl = unescape(pkt + hl, (size_t)n - hl);
			struct region *r = find(a, (uint32_t)dl);
			if (!r || !r->flash) {
				replys("E.memtype");
				continue;
			}
			if (covers(opt_error_at, a, (uint32_t)dl)) {
				replys("E0e");
				continue;
			}
			delay();
			if (count_written((uint32_t)dl))
				return;
			dirty = 1;
			for (size_t i = 0; i < dl; i++)
				if (!covers(opt_lie_at, a + (uint32_t)i, 1))
					r->mem[a - r->start + i] &= pkt[hl + i]; /* flash only clears bits */
			replys("OK");
		} else if (!strcmp(p, "vFlashDone")) {
			replys("OK");
		} else if (!strncmp(p, "qCRC:", 5) && opt_crc) {
			if (parse_addr_len(p + 5, &a, &l, 0, NULL)) {
				replys("E02");
				continue;
			}
			struct region *r = find(a, l);
			if (!r) {
				replys("E14");
				continue;
			}
			uint32_t crc = 0xffffffffu;
			for (uint32_t i = 0; i < l; i++) {
				crc ^= (uint32_t)r->mem[a - r->start + i] << 24;
				for (int k = 0; k < 8; k++)
					crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u : crc << 1;
			}
			if (opt_bad_crc_after >= 0 && crc_replies++ >= opt_bad_crc_after)
				crc ^= 1;
			snprintf(out, sizeof(out), "C%x", (unsigned)crc);
			replys(out);
		} else if (!strncmp(p, "qRcmd,", 6)) {
			char text[256];
			size_t k = 0;
			for (const char *h = p + 6; h[0] && h[1] && k + 1 < sizeof(text); h += 2)
				text[k++] = (char)(hexv(h[0]) << 4 | hexv(h[1]));
			text[k] = 0;
			char msg[400];
			if (opt_qemu && strcmp(text, "system_reset"))
				snprintf(msg, sizeof(msg), "unknown command: '%s'\r\n", text);
			else if (u5_monitor(text))
				snprintf(msg, sizeof(msg), "rspsim: monitor '%s' refused\n", text);
			else
				snprintf(msg, sizeof(msg), "rspsim: monitor '%s'\n", text);
			out[0] = 'O';
			for (size_t i = 0; msg[i]; i++)
				snprintf(out + 1 + 2 * i, 3, "%02x", (unsigned char)msg[i]);
			replys(out);
			replys("OK");
		} else if (opt_qemu && !strcmp(p, "qqemu.sstepbits")) {
			replys("ENABLE=1,NOIRQ=2,NOTIMER=4");
		} else if (p[0] == 'D') {
			replys("OK");
			return;
		} else if (p[0] == 'c') {
			replys("W00");
		} else if (p[0] == 'k') {
			return;
		} else {
			replys("");
		}
	}
}

static uint32_t u5_get(uint32_t off)
{
	const unsigned char *m = u5_ns->mem + off;
	return (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24;
}

static void u5_set(uint32_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		u5_ns->mem[off + i] = u5_s->mem[off + i] = (unsigned char)(v >> (8 * i));
}

/* The option-byte commands of --u5-options; 1 when refused. */
static int u5_monitor(const char *text)
{
	unsigned off, val, mask;
	if (!u5_ns)
		return 0;
	if (!strcmp(text, "stm32l4x trustzone 0 enable")) {
		if ((u5_get(0x40) & 0xff) != 0xaa)
			return 1;
		u5_set(0x40, u5_get(0x40) | 0x80000000u);
		u5_set(0x50, (u5_get(0x50) & ~0x007f007fu) | 0x007f0000u);
		u5_set(0x60, (u5_get(0x60) & ~0x007f007fu) | 0x007f0000u);
	} else if (sscanf(text, "stm32l4x option_write 0 %x %x %x", &off, &val, &mask) == 3) {
		if (off > 0x3fc || off % 4)
			return 1;
		u5_set(off, (u5_get(off) & ~mask) | (val & mask));
	}
	return 0;
}

static void add_region(const char *spec, int flash);

static void u5_options(const char *spec)
{
	unsigned v[4] = { 0, 0x0c000000u, 0x007f0000u, 0x007f0000u };
	if (sscanf(spec, "%x,%x,%x,%x", &v[0], &v[1], &v[2], &v[3]) < 1)
		die("bad --u5-options");
	add_region("0x40022000:0x400", 0);
	u5_ns = &reg[nreg - 1];
	add_region("0x50022000:0x400", 0);
	u5_s = &reg[nreg - 1];
	memset(u5_ns->mem, 0, 0x400);
	memset(u5_s->mem, 0, 0x400);
	u5_set(0x40, v[0]);
	u5_set(0x4c, v[1]);
	u5_set(0x50, v[2]);
	u5_set(0x60, v[3]);
}

static void add_region(const char *spec, int flash)
{
	if (nreg == 8)
		die("too many regions");
	char *end;
	struct region *r = &reg[nreg];
	r->start = (uint32_t)strtoul(spec, &end, 0);
	if (*end != ':')
		die("bad region");
	r->size = (uint32_t)strtoul(end + 1, &end, 0);
	r->flash = flash;
	if (flash) {
		if (*end != ':')
			die("bad flash region (ADDR:SIZE:BLOCK)");
		r->block = (uint32_t)strtoul(end + 1, &end, 0);
		if (!r->block || r->size % r->block)
			die("bad flash block size");
	}
	if (*end || !r->size)
		die("bad region");
	r->mem = malloc(r->size);
	if (!r->mem)
		die("out of memory");
	/* RAM starts as garbage, flash erased, so no test passes by luck */
	for (uint32_t i = 0; i < r->size; i++)
		r->mem[i] = flash ? 0xff : (unsigned char)(i * 131 + 7);
	nreg++;
}

int main(int argc, char **argv)
{
	const char *port_file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && ++i)
		if (ARG("--port-file"))
			port_file = v;
		else if (ARG("--ram"))
			add_region(v, 0);
		else if (ARG("--flash"))
			add_region(v, 1);
		else if (!strcmp(a, "--no-x"))
			opt_no_x = 1;
		else if (!strcmp(a, "--qemu"))
			opt_qemu = 1;
		else if (!strcmp(a, "--crc"))
			opt_crc = 1;
		else if (ARG("--bad-crc-after"))
			opt_bad_crc_after = strtol(v, NULL, 0);
		else if (!strcmp(a, "--noack"))
			opt_noack = 1;
		else if (ARG("--packet-size"))
			opt_packet = (unsigned)strtoul(v, NULL, 0);
		else if (ARG("--corrupt-every"))
			opt_corrupt_every = atoi(v);
		else if (ARG("--drop-after"))
			opt_drop_after = strtol(v, NULL, 0);
		else if (ARG("--error-at"))
			opt_error_at = strtoll(v, NULL, 0);
		else if (ARG("--lie-at"))
			opt_lie_at = strtoll(v, NULL, 0);
		else if (ARG("--delay-ms"))
			opt_delay_ms = atoi(v);
		else if (ARG("--dump"))
			opt_dump = v;
		else if (ARG("--log"))
			opt_log = v;
		else if (ARG("--hostile"))
			opt_hostile = v;
		else if (ARG("--hostile-at"))
			opt_hostile_at = v;
		else if (ARG("--trickle-ms"))
			opt_trickle_ms = atoi(v);
		else if (ARG("--u5-options"))
			u5_options(v);
		else
			die("unknown option");
	}
	if (!port_file || !nreg)
		die("usage: rspsim --port-file F --ram ADDR:SIZE ...");
	signal(SIGPIPE, SIG_IGN);
	if (opt_log)
		logf = fopen(opt_log, "w");
	if (logf)
		setvbuf(logf, NULL, _IOLBF, 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t sl = sizeof(sa);
	if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 4) || getsockname(l, (struct sockaddr *)&sa, &sl))
		die("cannot listen");
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
	FILE *pf = fopen(tmp, "w");
	if (!pf)
		die("cannot write the port file");
	fprintf(pf, "%d\n", ntohs(sa.sin_port));
	fclose(pf);
	rename(tmp, port_file);
	for (unsigned conn = 0;; conn++) {
		fd = accept(l, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept failed");
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve();
		close(fd);
		/* faults apply to the first connection only: the retry must work */
		opt_drop_after = -1;
		opt_corrupt_every = 0;
		opt_delay_ms = 0;
		dump();
	}
}
