/*
 * buf.h - growable byte/string buffers with a ceiling, and the bounds-checked
 * cursor every parser of untrusted bytes reads through.
 *
 * struct mvb_buf owns its memory (release with mvb_buf_release).  Appends
 * fail (return MVB_ELIMIT/MVB_ENOMEM) instead of growing past max, and the
 * data stays NUL-terminated so text output can be used as a string.
 *
 * struct mvb_cur borrows its bytes.  Every read checks `need > len - pos`
 * (never `pos + need > len`, which can wrap) before touching memory.
 */
#ifndef MVB_BUF_H
#define MVB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/le.h"

struct mvb_buf {
	unsigned char *data;
	size_t len, alloc, max;
};

#define MVB_BUF_DEFAULT_MAX ((size_t)256 << 20)
#define MVB_BUF_INIT { NULL, 0, 0, MVB_BUF_DEFAULT_MAX }

void mvb_buf_init(struct mvb_buf *b, size_t max);
void mvb_buf_release(struct mvb_buf *b);
int mvb_buf_append(struct mvb_buf *b, const void *p, size_t n);
int mvb_buf_puts(struct mvb_buf *b, const char *s);
int mvb_buf_printf(struct mvb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n zero bytes. */
int mvb_buf_zero(struct mvb_buf *b, size_t n);
/* Gives the bytes to the caller (free() them); the buffer is left empty. */
unsigned char *mvb_buf_detach(struct mvb_buf *b, size_t *len);

struct mvb_cur {
	const unsigned char *base;
	size_t len, pos;
};

static inline void mvb_cur_init(struct mvb_cur *c, const void *base, size_t len)
{
	c->base = (const unsigned char *)base;
	c->len = len;
	c->pos = 0;
}

/* 1 when n bytes remain at the cursor. */
static inline int mvb_cur_has(const struct mvb_cur *c, size_t n)
{
	return c->pos <= c->len && n <= c->len - c->pos;
}

/* 1 when [off, off+n) lies inside a buffer of len bytes, without overflow. */
static inline int mvb_range_ok(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

int mvb_cur_seek(struct mvb_cur *c, size_t pos);
int mvb_cur_skip(struct mvb_cur *c, size_t n);
int mvb_cur_u8(struct mvb_cur *c, uint8_t *v);
int mvb_cur_le16(struct mvb_cur *c, uint16_t *v);
int mvb_cur_le32(struct mvb_cur *c, uint32_t *v);
/* Points *p at the next n bytes (borrowed) and advances. */
int mvb_cur_bytes(struct mvb_cur *c, size_t n, const unsigned char **p);
/* Reads a ULEB128 of at most 32 bits. */
int mvb_cur_uleb32(struct mvb_cur *c, uint32_t *v);

/* Little-endian fields: the one implementation is le.h (freestanding,
 * shared with the microvisor). */
static inline uint32_t mvb_le32(const unsigned char *p)
{
	return mvb_get_le32(p);
}
static inline uint16_t mvb_le16(const unsigned char *p)
{
	return mvb_get_le16(p);
}
static inline void mvb_put_le32(unsigned char *p, uint32_t v)
{
	mvb_set_le32(p, v);
}
static inline void mvb_put_le16(unsigned char *p, uint16_t v)
{
	mvb_set_le16(p, v);
}

#endif
