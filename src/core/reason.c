/* reason.c - the microvisor's texts on the host (its own tables,
 * firmware/include/mv/reason.h and msg.h) and the decoder of its tokens,
 * "{#HEX}" for a reason and "{@ID|ARG...}" for a console message. */
#include <string.h>

#include "mvb/reason.h"
#include "mv/msg.h"
#include "mv/reason.h"

static const struct {
	uint32_t code;
	const char *text;
} reasons[] = {
#define MVB_REASON_ROW(name, code, text) {(code), (text)},
    MV_REASON_TABLE(MVB_REASON_ROW)
#undef MVB_REASON_ROW
};

static const struct {
	uint32_t id;
	const char *text;
} msgs[] = {
#define MVB_MSG_FIELDS(id, args, text) {(id), (text)},
#define MVB_MSG_ROW(m) m(MVB_MSG_FIELDS)
    MV_MSG_LIST(MVB_MSG_ROW)
#undef MVB_MSG_ROW
#undef MVB_MSG_FIELDS
};

const char *mvb_reason_text(uint32_t code)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].text;
	return NULL;
}

const char *mvb_msg_text(uint32_t id)
{
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (msgs[i].id == id)
			return msgs[i].text;
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

/* A byte of a message's value: printable ASCII but the token's own. */
static int value_char(char c)
{
	return c >= 0x20 && c <= 0x7e && c != '{' && c != '|' && c != '}';
}

/* The values a message text takes: one per '%'. */
static unsigned conversions(const char *t)
{
	unsigned n = 0;
	for (; *t; t++)
		n += *t == '%';
	return n;
}

/* The length of the well-formed reason token at p[0..n) (any code), its
 * code in *code; 0 when p does not start with one. */
static size_t reason_at(const char *p, size_t n, uint32_t *code)
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

/* The length of the well-formed message token at p[0..n) of a listed id
 * with its number of values, its text in *text; else 0. */
static size_t msg_at(const char *p, size_t n, const char **text)
{
	if (n < 4 || p[0] != '{' || p[1] != '@' || p[2] == '0')
		return 0;
	uint32_t id = 0;
	size_t i = 2;
	for (; i < n && i < 8 && p[i] >= '0' && p[i] <= '9'; i++)
		id = id * 10u + (uint32_t)(p[i] - '0');
	const char *t = i > 2 ? mvb_msg_text(id) : NULL;
	if (!t)
		return 0;
	unsigned values = 0;
	for (;;) {
		if (i >= n || i >= MVB_TOKEN_MAX)
			return 0;
		if (p[i] == '}')
			break;
		if (p[i] != '|')
			return 0;
		values++;
		for (i++; i < n && value_char(p[i]); i++)
			;
	}
	if (values != conversions(t))
		return 0;
	*text = t;
	return i + 1;
}

/* The length of the token at p[0..n) that is replaced, else 0. */
static size_t token_at(const char *p, size_t n)
{
	uint32_t code;
	const char *t;
	size_t k = reason_at(p, n, &code);
	if (k)
		return mvb_reason_text(code) ? k : 0;
	return msg_at(p, n, &t);
}

size_t mvb_token_find(const char *in, size_t len, size_t *tok_len)
{
	size_t i = 0;
	while (i < len) {
		const char *b = memchr(in + i, '{', len - i);
		if (!b)
			break;
		i = (size_t)(b - in);
		size_t n = token_at(in + i, len - i);
		if (n) {
			*tok_len = n;
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

/* A %r value as the firmware prints %x ("0x" and 8 digits): its reason's
 * text, or NULL. */
static const char *value_reason(const char *v, size_t n)
{
	uint32_t code = 0;
	if (n != 10 || v[0] != '0' || v[1] != 'x')
		return NULL;
	for (size_t i = 2; i < n; i++) {
		int d = digit(v[i]);
		if (d < 0)
			return NULL;
		code = code << 4 | (uint32_t)d;
	}
	return mvb_reason_text(code);
}

static size_t expand(const char *tok, size_t tok_len, char *out, size_t cap)
{
	size_t o = 0;
	uint32_t code;
	const char *t;
	if (reason_at(tok, tok_len, &code)) {
		t = mvb_reason_text(code);
		put(out, cap, &o, t, strlen(t));
	} else if (msg_at(tok, tok_len, &t)) {
		const char *v = memchr(tok, '|', tok_len); /* the first value's '|' */
		for (; *t; t++) {
			if (*t != '%') {
				put(out, cap, &o, t, 1);
				continue;
			}
			char conv = *++t;
			size_t n = 1;
			while (value_char(v[n]))
				n++;
			const char *rt = conv == 'r' || conv == 'R' ? value_reason(v + 1, n - 1) : NULL;
			if (conv == 'R' && !rt)
				put(out, cap, &o, "reason ", 7);
			put(out, cap, &o, rt ? rt : v + 1, rt ? strlen(rt) : n - 1);
			if (conv == 'R' && rt) {
				put(out, cap, &o, " (reason ", 9);
				put(out, cap, &o, v + 1, n - 1);
				put(out, cap, &o, ")", 1);
			}
			v += n;
		}
	}
	return o;
}

size_t mvb_token_text(const char *tok, size_t tok_len, char *out, size_t cap)
{
	size_t o = expand(tok, tok_len, out, cap);
	if (cap)
		out[o < cap ? o : cap - 1] = 0;
	return o;
}

size_t mvb_console_decode(const char *in, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	while (len) {
		size_t tl, at = mvb_token_find(in, len, &tl);
		put(out, cap, &o, in, at);
		if (!tl)
			break;
		o += expand(in + at, tl, o < cap ? out + o : NULL, o < cap ? cap - o : 0);
		in += at + tl;
		len -= at + tl;
	}
	if (cap)
		out[o < cap ? o : cap - 1] = 0;
	return o;
}

size_t mvb_console_pending(const char *in, size_t len)
{
	/* no token holds a '{' past its first byte: only the last '{' within
	 * reach can begin an unfinished one */
	size_t k = len < MVB_TOKEN_MAX - 1 ? len : MVB_TOKEN_MAX - 1;
	const char *p = NULL;
	for (size_t i = len - k; i < len; i++)
		if (in[i] == '{')
			p = in + i;
	if (!p)
		return 0;
	size_t n = (size_t)(in + len - p), i = 2;
	if (n < 2)
		return n;
	if (p[1] == '#') { /* "{#" and up to 8 digits, no leading zero */
		if (n > 10)
			return 0;
		for (; i < n; i++)
			if (digit(p[i]) < 0 || (i == 3 && p[2] == '0'))
				return 0;
		return n;
	}
	if (p[1] != '@')
		return 0;
	/* "{@", up to 6 digits not starting with 0, then '|' and values */
	for (; i < n && i < 8 && p[i] >= '0' && p[i] <= '9'; i++)
		if (p[2] == '0')
			return 0;
	if (i < n && (i == 2 || p[i] != '|'))
		return 0;
	for (; i < n; i++)
		if (p[i] != '|' && !value_char(p[i]))
			return 0;
	return n;
}
