/* reason.c - the microvisor's reason texts on the host (its own table,
 * firmware/include/mv/reason.h) and the decoder of its "{#HEX}" tokens. */
#include <string.h>
#include "mvb/reason.h"
#include "mv/reason.h"

static const struct {
	uint32_t code;
	const char *text;
} table[] = {
#define MVB_REASON_ROW(name, code, text) {(code), (text)},
    MV_REASON_TABLE(MVB_REASON_ROW)
#undef MVB_REASON_ROW
};

const char *mvb_reason_text(uint32_t code)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].code == code)
			return table[i].text;
	return NULL;
}

/* 0-15 for a lowercase hex digit, else -1: the firmware prints lowercase. */
static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The length of the well-formed token at p[0..n) (any code), its code in
 * *code; 0 when p does not start with one. */
static size_t token_at(const char *p, size_t n, uint32_t *code)
{
	if (n < 4 || p[0] != '{' || p[1] != '#')
		return 0;
	uint32_t v = 0;
	size_t i = 2;
	for (; i < n && i < 10; i++) {
		int d = digit(p[i]);
		if (d < 0)
			break;
		v = v << 4 | (uint32_t)d;
	}
	if (i == 2 || i == n || p[i] != '}')
		return 0;
	if (i > 3 && p[2] == '0') /* leading zeros: not what the firmware prints */
		return 0;
	*code = v;
	return i + 1;
}

size_t mvb_reason_find(const char *in, size_t len, size_t *tok_len, uint32_t *code)
{
	size_t i = 0;
	while (i < len) {
		const char *b = memchr(in + i, '{', len - i);
		if (!b)
			break;
		i = (size_t)(b - in);
		uint32_t c;
		size_t n = token_at(in + i, len - i, &c);
		if (n && mvb_reason_text(c)) {
			*tok_len = n;
			*code = c;
			return i;
		}
		i++;
	}
	*tok_len = 0;
	return len;
}

/* Appends p[0..n) to out[0..cap) at *o, keeping room for the NUL; *o
 * counts every byte, also those that did not fit. */
static void put(char *out, size_t cap, size_t *o, const char *p, size_t n)
{
	if (*o + 1 < cap) {
		size_t room = cap - 1 - *o;
		memcpy(out + *o, p, n < room ? n : room);
	}
	*o += n;
}

size_t mvb_reason_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	while (len) {
		size_t tl;
		uint32_t code;
		size_t at = mvb_reason_find(in, len, &tl, &code);
		put(out, cap, &o, in, at);
		if (!tl)
			break;
		const char *t = mvb_reason_text(code);
		put(out, cap, &o, t, strlen(t));
		in += at + tl;
		len -= at + tl;
	}
	if (cap)
		out[o < cap ? o : cap - 1] = 0;
	return o;
}

size_t mvb_reason_pending(const char *in, size_t len)
{
	/* only one '{' can begin an unfinished token: the last within reach */
	size_t k = len < MVB_REASON_TOKEN_MAX - 1 ? len : MVB_REASON_TOKEN_MAX - 1;
	const char *p = NULL;
	for (size_t i = len - k; i < len; i++)
		if (in[i] == '{')
			p = in + i;
	if (!p)
		return 0;
	size_t n = (size_t)(in + len - p);
	if (n >= 2 && p[1] != '#')
		return 0;
	for (size_t i = 2; i < n; i++)
		if (digit(p[i]) < 0 || (i == 3 && p[2] == '0'))
			return 0;
	return n;
}
