/* fuzz_reason.c - libFuzzer harness: the decoder of the microvisor's
 * tokens (src/core/reason.c), reasons "{#HEX}" and messages "{@ID|...}",
 * fed an arbitrary console, as 'mvbuild decode' and 'mvbuild serve' read
 * one from a device.  Oracles: each token mvb_token_find names is one by
 * the firmware's printing rules and no '{' before it starts one, and its
 * text is what those rules give (checked with sscanf/snprintf and string
 * functions, not the decoder's own parser); mvb_console_decode writes what
 * the find loop writes, within every cap (a prefix, NUL-terminated, the
 * whole length returned); decoded in pieces cut where the input says, with
 * the bytes mvb_console_pending names held back, the stream decodes the
 * same.
 *
 * Covers: src/core/reason.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/reason.h"

#define IN_MAX 4096

/* The token at p[0..n) by the firmware's printing rules, independently:
 * its length when it is one that is replaced, else 0; its text into
 * text[0..cap) (cut short where it does not fit). */
static size_t listed_token(const char *p, size_t n, char *text, size_t cap)
{
	char s[MVB_TOKEN_MAX + 1], again[32];
	size_t k = n < MVB_TOKEN_MAX ? n : MVB_TOKEN_MAX;
	memcpy(s, p, k);
	s[k] = 0; /* a NUL in the input ends the string: no token holds one */
	unsigned v;
	int used = 0;
	if (sscanf(s, "{#%8x}%n", &v, &used) == 1 && used != 0) {
		snprintf(again, sizeof(again), "{#%x}", v);
		if ((size_t)used != strlen(again) || memcmp(s, again, (size_t)used) != 0 || !mvb_reason_text(v))
			return 0;
		snprintf(text, cap, "%s", mvb_reason_text(v));
		return (size_t)used;
	}
	if (sscanf(s, "{@%u%n", &v, &used) != 1 || used == 0)
		return 0;
	snprintf(again, sizeof(again), "{@%u", v);
	const char *t = mvb_msg_text(v);
	if ((size_t)used != strlen(again) || memcmp(s, again, (size_t)used) != 0 || !t)
		return 0;
	/* the values: where each starts and how long it is */
	const char *val[32];
	size_t vlen[32], nv = 0, at = (size_t)used;
	while (s[at] == '|') {
		size_t l = strcspn(s + at + 1, "{|}");
		for (size_t i = 0; i < l; i++)
			if (s[at + 1 + i] < 0x20 || s[at + 1 + i] > 0x7e)
				return 0;
		if (nv == 32)
			return 0;
		val[nv] = s + at + 1;
		vlen[nv++] = l;
		at += 1 + l;
	}
	size_t want = 0;
	for (const char *c = t; (c = strchr(c, '%')) != NULL; c++)
		want++;
	if (s[at] != '}' || nv != want)
		return 0;
	/* the text: each conversion takes the next value; %r and %R a reason
	 * printed as %x */
	size_t o = 0, j = 0;
	text[0] = 0;
	for (const char *c = t; *c; c++) {
		char piece[256];
		if (*c != '%') {
			snprintf(piece, sizeof(piece), "%c", *c);
		} else {
			char conv = *++c;
			unsigned code;
			int u = 0;
			char hex[16];
			const char *rt = NULL;
			if ((conv == 'r' || conv == 'R') && vlen[j] == 10 &&
			    sscanf(val[j], "0x%8x%n", &code, &u) == 1 && u == 10) {
				snprintf(hex, sizeof(hex), "0x%08x", code);
				if (!memcmp(hex, val[j], 10))
					rt = mvb_reason_text(code);
			}
			if (rt && conv == 'R')
				snprintf(piece, sizeof(piece), "%s (reason %.*s)", rt, (int)vlen[j], val[j]);
			else if (rt)
				snprintf(piece, sizeof(piece), "%s", rt);
			else
				snprintf(piece, sizeof(piece), "%s%.*s", conv == 'R' ? "reason " : "", (int)vlen[j], val[j]);
			j++;
		}
		o += (size_t)snprintf(text + o, o < cap ? cap - o : 0, "%s", piece);
		if (o >= cap)
			o = cap - 1;
	}
	return at + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char whole[IN_MAX * 32], part[IN_MAX * 32], buf[IN_MAX + MVB_TOKEN_MAX];
	if (size < 1 || size > IN_MAX)
		return 0;
	/* the first byte says where the pieces are cut */
	unsigned step = data[0] % 37 + 1;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	/* the find loop against the independent parser, building the output */
	size_t o = 0, at = 0;
	char text[1024], mine[1024];
	while (at <= len) {
		size_t tl;
		size_t f = at + mvb_token_find(in + at, len - at, &tl);
		for (size_t i = at; i < f; i++)
			if (in[i] == '{' && listed_token(in + i, len - i, text, sizeof(text)))
				abort(); /* a token the find passed over */
		if (f > len || (tl == 0) != (f == len))
			abort();
		memcpy(whole + o, in + at, f - at);
		o += f - at;
		if (!tl)
			break;
		if (listed_token(in + f, len - f, text, sizeof(text)) != tl)
			abort();
		size_t tn = mvb_token_text(in + f, tl, mine, sizeof(mine));
		if (tn != strlen(text) || strcmp(mine, text) != 0)
			abort();
		if (tn > sizeof(whole) - o)
			abort(); /* a text longer than the harness allows for: grow IN_MAX * 32 */
		memcpy(whole + o, mine, tn);
		o += tn;
		at = f + tl;
	}

	/* decode: the same bytes, at every cap */
	size_t n = mvb_console_decode(in, len, part, sizeof(part));
	if (n != o || memcmp(part, whole, o) != 0 || part[o] != 0)
		abort();
	size_t cap = data[0] % (o + 2);
	memset(part, 'Z', cap + 1);
	if (mvb_console_decode(in, len, part, cap) != o)
		abort();
	if (cap && (memcmp(part, whole, cap - 1 < o ? cap - 1 : o) != 0 || part[cap - 1 < o ? cap - 1 : o] != 0))
		abort();
	if (part[cap] != 'Z')
		abort();

	/* in pieces of `step` bytes, as mvbuild decode reads a stream */
	size_t held = 0, p = 0;
	o = 0;
	for (size_t i = 0; i < len; i += step) {
		size_t k = len - i < step ? len - i : step;
		memcpy(buf + held, in + i, k);
		size_t m = held + k;
		held = mvb_console_pending(buf, m);
		if (held >= MVB_TOKEN_MAX)
			abort();
		p += mvb_console_decode(buf, m - held, part + p, sizeof(part) - p);
		memmove(buf, buf + m - held, held);
	}
	p += mvb_console_decode(buf, held, part + p, sizeof(part) - p);
	if (p != n || memcmp(part, whole, n) != 0)
		abort();
	return 0;
}
