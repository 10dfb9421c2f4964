/* buf.c - bounded growable buffers and the bounds-checked input cursor. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/buf.h"
#include "mvb/status.h"

void mvb_buf_init(struct mvb_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->max = max ? max : MVB_BUF_DEFAULT_MAX;
}

void mvb_buf_release(struct mvb_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

/* Makes room for n more bytes plus the terminating NUL. */
static int reserve(struct mvb_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return MVB_ELIMIT;
	size_t need = b->len + n + 1;
	if (need <= b->alloc)
		return 0;
	size_t na = b->alloc ? b->alloc : 64;
	while (na < need)
		na = na > SIZE_MAX / 2 ? need : na * 2;
	unsigned char *p = realloc(b->data, na);
	if (!p)
		return MVB_ENOMEM;
	b->data = p;
	b->alloc = na;
	return 0;
}

int mvb_buf_append(struct mvb_buf *b, const void *p, size_t n)
{
	int rc = reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int mvb_buf_zero(struct mvb_buf *b, size_t n)
{
	int rc = reserve(b, n);
	if (rc)
		return rc;
	memset(b->data + b->len, 0, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

int mvb_buf_puts(struct mvb_buf *b, const char *s)
{
	return mvb_buf_append(b, s, strlen(s));
}

int mvb_buf_printf(struct mvb_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MVB_EINTERNAL;
	int rc = reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

unsigned char *mvb_buf_detach(struct mvb_buf *b, size_t *len)
{
	unsigned char *p = b->data;
	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->alloc = 0;
	return p;
}

int mvb_cur_seek(struct mvb_cur *c, size_t pos)
{
	if (pos > c->len)
		return MVB_EINPUT;
	c->pos = pos;
	return 0;
}

int mvb_cur_skip(struct mvb_cur *c, size_t n)
{
	if (!mvb_cur_has(c, n))
		return MVB_EINPUT;
	c->pos += n;
	return 0;
}

int mvb_cur_u8(struct mvb_cur *c, uint8_t *v)
{
	if (!mvb_cur_has(c, 1))
		return MVB_EINPUT;
	*v = c->base[c->pos++];
	return 0;
}

int mvb_cur_le16(struct mvb_cur *c, uint16_t *v)
{
	if (!mvb_cur_has(c, 2))
		return MVB_EINPUT;
	*v = mvb_le16(c->base + c->pos);
	c->pos += 2;
	return 0;
}

int mvb_cur_le32(struct mvb_cur *c, uint32_t *v)
{
	if (!mvb_cur_has(c, 4))
		return MVB_EINPUT;
	*v = mvb_le32(c->base + c->pos);
	c->pos += 4;
	return 0;
}

int mvb_cur_bytes(struct mvb_cur *c, size_t n, const unsigned char **p)
{
	if (!mvb_cur_has(c, n))
		return MVB_EINPUT;
	*p = c->base + c->pos;
	c->pos += n;
	return 0;
}

int mvb_cur_uleb32(struct mvb_cur *c, uint32_t *v)
{
	uint32_t r = 0;
	for (unsigned shift = 0; shift < 35; shift += 7) {
		uint8_t b;
		if (mvb_cur_u8(c, &b))
			return MVB_EINPUT;
		if (shift == 28 && (b & 0x70))
			return MVB_EINPUT; /* more than 32 bits */
		r |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return MVB_EINPUT;
}
