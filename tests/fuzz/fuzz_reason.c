/* fuzz_reason.c - libFuzzer harness: the decoder of the microvisor's
 * reason tokens (src/core/reason.c) fed an arbitrary console, as
 * 'mvbuild decode' and 'mvbuild serve' read one from a device.  Oracles:
 * each token mvb_reason_find names is exactly "{#%x}" of a code with a
 * text, and no '{' before it starts one (checked with sscanf/snprintf, not
 * the decoder's own parser); mvb_reason_decode writes what the find loop
 * writes, within every cap (a prefix, NUL-terminated, the whole length
 * returned); decoded in pieces cut where the input says, with the bytes
 * mvb_reason_pending names held back, the stream decodes the same.
 *
 * Covers: src/core/reason.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/reason.h"

#define IN_MAX 4096

/* The token at p[0..n) by the firmware's printing rule, independently:
 * its length when it is one of a listed code, else 0. */
static size_t listed_token(const char *p, size_t n)
{
	char s[MVB_REASON_TOKEN_MAX + 1], again[32];
	size_t k = n < MVB_REASON_TOKEN_MAX ? n : MVB_REASON_TOKEN_MAX;
	memcpy(s, p, k);
	s[k] = 0; /* a NUL in the input ends the string: no token holds one */
	unsigned v;
	int used = 0;
	if (sscanf(s, "{#%8x}%n", &v, &used) != 1 || used == 0)
		return 0;
	snprintf(again, sizeof(again), "{#%x}", v);
	if ((size_t)used != strlen(again) || memcmp(s, again, (size_t)used) != 0 || !mvb_reason_text(v))
		return 0;
	return (size_t)used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char whole[IN_MAX * 32], part[IN_MAX * 32], buf[IN_MAX + MVB_REASON_TOKEN_MAX];
	if (size < 1 || size > IN_MAX)
		return 0;
	/* the first byte says where the pieces are cut */
	unsigned step = data[0] % 37 + 1;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	/* the find loop against the independent parser, building the output */
	size_t o = 0, at = 0;
	while (at <= len) {
		size_t tl;
		uint32_t code;
		size_t f = at + mvb_reason_find(in + at, len - at, &tl, &code);
		for (size_t i = at; i < f; i++)
			if (in[i] == '{' && listed_token(in + i, len - i))
				abort(); /* a token the find passed over */
		if (f > len || (tl == 0) != (f == len))
			abort();
		memcpy(whole + o, in + at, f - at);
		o += f - at;
		if (!tl)
			break;
		char tok[32];
		snprintf(tok, sizeof(tok), "{#%x}", (unsigned)code);
		const char *t = mvb_reason_text(code);
		if (!t || tl != strlen(tok) || memcmp(in + f, tok, tl) != 0 || listed_token(in + f, len - f) != tl)
			abort();
		if (strlen(t) > sizeof(whole) - o)
			abort(); /* a text longer than the harness allows for: grow IN_MAX * 32 */
		memcpy(whole + o, t, strlen(t));
		o += strlen(t);
		at = f + tl;
	}

	/* decode: the same bytes, at every cap */
	size_t n = mvb_reason_decode(in, len, part, sizeof(part));
	if (n != o || memcmp(part, whole, o) != 0 || part[o] != 0)
		abort();
	size_t cap = data[0] % (o + 2);
	memset(part, 'Z', cap + 1);
	if (mvb_reason_decode(in, len, part, cap) != o)
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
		held = mvb_reason_pending(buf, m);
		if (held >= MVB_REASON_TOKEN_MAX)
			abort();
		p += mvb_reason_decode(buf, m - held, part + p, sizeof(part) - p);
		memmove(buf, buf + m - held, held);
	}
	p += mvb_reason_decode(buf, held, part + p, sizeof(part) - p);
	if (p != n || memcmp(part, whole, n) != 0)
		abort();
	return 0;
}
