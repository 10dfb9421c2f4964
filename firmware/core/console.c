/*
 * console.c - the microvisor's console output: a printf subset small
 * enough for a 16 KiB image (its own lines are message tokens, msg.h),
 * app text sanitising.
 * Lines from the app (mv_log) and from the microvisor never share a line.
 */
#include <stdarg.h>

#include "mv/port.h"

static int app_line_open; /* the app's last text did not end its line */

/* Out of line: 12 bytes less than inlining parts of it at each use. */
__attribute__((noinline)) static void out(const char *s, uint32_t n)
{
	if (n != 0u) {
		mv_port_console_write(s, n);
		mv_link_console(s, n);
	}
}

/* "0x" and 8 digits.  Left to the compiler, which inlines it into
 * mv_printf, its one caller: 16 bytes less than out of line (measured
 * on microvisor-ota.elf). */
static void out_hex(uint32_t v)
{
	char b[10];

	b[0] = '0';
	b[1] = 'x';
	for (unsigned n = 2, sh = 28; n < sizeof b; n++, sh -= 4u) {
		uint32_t d = (v >> sh) & 15u;

		b[n] = (char)(d < 10u ? '0' + d : 'a' + d - 10u);
	}
	out(b, sizeof b);
}

static void out_dec(uint32_t v)
{
	char b[10];
	unsigned i = sizeof b;

	do {
		b[--i] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v != 0u);
	out(b + i, (uint32_t)(sizeof b - i));
}

static uint32_t str_len(const char *s)
{
	uint32_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static void vout(const char *fmt, va_list ap)
{
	/* A microvisor line never continues an unfinished app line. */
	if (app_line_open) {
		out("\n", 1);
		app_line_open = 0;
	}
	/* A format that begins with a message token begins a microvisor
	 * line: its tag first (one copy here instead of one in each). */
	if (*fmt == '{')
		out("mv: ", 4);
	for (;;) {
		const char *p = fmt;

		while (*p != '\0' && *p != '%')
			p++;
		out(fmt, (uint32_t)(p - fmt));
		if (*p == '\0')
			break;
		char c = p[1];

		fmt = p + 2;
		if (c == 's') {
			const char *s = va_arg(ap, const char *);

			out(s, str_len(s));
		} else if (c == 'u') {
			out_dec(va_arg(ap, uint32_t));
		} else if (c == 'v') { /* a version word: major.minor.patch (8.8.16 bits) */
			uint32_t v = va_arg(ap, uint32_t);

			mv_printf("%u.%u.%u", v >> 24, (v >> 16) & 0xffu, v & 0xffffu); /* 40 bytes less */
		} else if (c == 'x') {
			out_hex(va_arg(ap, uint32_t));
		} else { /* %%, or an unknown or truncated conversion: print it as is */
			out(p, c != '\0' && c != '%' ? 2u : 1u);
			if (c == '\0')
				break;
		}
	}
}

void mv_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vout(fmt, ap);
	va_end(ap);
}

void mv_msg(uint32_t w, ...)
{
	/* The token's format, rebuilt from the word: "{@ID|%k...}" and the
	 * line end unless the line goes on. */
	char f[4 + 3 * 6 + 3], *p = f;
	uint32_t id = w & 0xffu, k = (w >> 8) & 0x3ffffu;
	va_list ap;

	*p++ = '{';
	*p++ = '@';
	if (id >= 10u)
		*p++ = (char)('0' + id / 10u);
	*p++ = (char)('0' + id % 10u);
	for (; k != 0u; k >>= 3, p += 3) {
		p[0] = '|';
		p[1] = '%';
		p[2] = "?uxvs"[k & 7u];
	}
	*p++ = '}';
	if (!(w & MV_MSG_OPEN))
		*p++ = '\n';
	*p = '\0';
	va_start(ap, w);
	vout(f, ap);
	va_end(ap);
}

void mv_app_text(const char *s, uint32_t len)
{
	char b[32];
	uint32_t n = 0;

	/* Every app line carries the "app: " tag, and control bytes from
	 * the app could forge microvisor lines or drive the terminal: only
	 * printable ASCII and '\n' pass, the rest shows as '?'. */
	for (uint32_t i = 0; i < len; i++) {
		char c = s[i];

		if (!app_line_open) {
			out("app: ", 5);
			app_line_open = 1;
		}
		b[n++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ? c : '?';
		if (n == sizeof b || c == '\n') {
			out(b, n);
			n = 0;
			app_line_open = c != '\n';
		}
	}
	out(b, n);
}
