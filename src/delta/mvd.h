/*
 * mvd.h - the device side of delta patches (format: mvb/delta_format.h):
 * a streaming inflater for raw deflate with a 4 KiB window, the Thumb-2
 * reference predictor shared with the encoder, and the in-place, resumable
 * patcher.  Freestanding C: no heap, no libc beyond memcpy/memset; the same
 * source is built into mvbuild, the tests and the firmware.
 *
 * Ownership: struct mvd and struct mvd_inflate are plain memory the caller
 * owns (static or on a stack it can afford: sizeof is printed by
 * bench/delta/m33.sh); the page buffer given to mvd_init is borrowed until
 * the patch is done.  Nothing here allocates or keeps pointers to the
 * input chunks after a call returns.
 */
#ifndef MVD_H
#define MVD_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/delta_format.h"

/* The only C library functions used, declared here so that a freestanding
 * build needs no libc headers (the firmware provides both). */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);

/* ---- results (negative: the patch or the device is bad) */
#define MVD_END 1         /* inflate: stream finished */
#define MVD_DONE 3        /* patch: new image written and its SHA-256 checked */
#define MVD_E_CORRUPT -1  /* the patch is malformed */
#define MVD_E_LIMIT -2    /* the patch exceeds this decoder's limits */
#define MVD_E_BASE -3     /* the old image is not the patch's base */
#define MVD_E_CRC -4      /* a rebuilt page does not match its CRC (nothing written) */
#define MVD_E_HASH -5     /* the finished image does not match dh_new_sha256 */
#define MVD_E_IO -6       /* a flash operation failed */
#define MVD_E_READ -8     /* ops->patch could not give the patch's bytes (its caller knows why) */

/* ---- limits (RAM: see sizeof(struct mvd)); the number of steps has none */
#ifndef MVD_MAX_MAP
#define MVD_MAX_MAP 80u /* so that struct mvd fits the microvisor's scratch (7 KiB) */
#endif
#ifndef MVD_MAX_PAGES
#define MVD_MAX_PAGES 512u
#endif
#define MVD_WINDOW (1u << MVD_WINDOW_BITS)
/* ---- input: bytes pulled from a source, a piece at a time.  get
 * returns a pointer to *n (>= 1) bytes from offset off on, valid until the
 * next call, or 0 when they cannot be had. */
struct mvd_src {
	const uint8_t *(*get)(void *ctx, uint32_t off, uint32_t *n);
	void *ctx;
	const uint8_t *p, *q;  /* the bytes in hand */
	uint32_t off, end;     /* the next offset to get; where the input ends */
	int err;               /* the first failure: MVD_E_READ, or MVD_E_CORRUPT (the input ended) */
};

/* A source over bytes in memory: ctx is a struct mvd_mem. */
struct mvd_mem {
	const uint8_t *p;
	uint32_t n;
};
const uint8_t *mvd_mem_get(void *ctx, uint32_t off, uint32_t *n);

/* The next byte, or -1 (err says why). */
int mvd_src_byte(struct mvd_src *in);
/* The offset of the next byte mvd_src_byte would return. */
uint32_t mvd_src_used(const struct mvd_src *in);

/* ---- inflater: raw deflate (RFC 1951), distances up to MVD_WINDOW.
 * Every output byte goes to sink, which may stop decoding by returning a
 * negative result. */
typedef int (*mvd_sink)(void *arg, uint8_t byte);

struct mvd_inflate {
	uint32_t bits;          /* bit buffer, LSB first */
	uint8_t nbits;
	uint16_t wpos, wfill;
	struct mvd_src *in;     /* the stream's source, sink and its argument */
	mvd_sink sink;
	void *arg;
	uint8_t lens[320];
	uint16_t lit[16 + 288], dist[16 + 30]; /* codes: counts per length, then symbols */
	uint8_t win[MVD_WINDOW]; /* last */
};

/* Inflates one whole stream from in: MVD_END (in's next byte is the one
 * after the stream), or a negative result (MVD_E_CORRUPT, in->err, or
 * the sink's). */
int mvd_inflate(struct mvd_inflate *s, struct mvd_src *in, mvd_sink sink, void *arg);

/* ---- label map and prediction (shared by the encoder) */
struct mvd_map_entry {
	uint32_t start; /* old offset */
	int32_t delta;  /* new offset - old offset from start on */
};

struct mvd_map {
	const struct mvd_map_entry *e; /* sorted by start */
	uint32_t n;
	uint32_t flags; /* MVD_FLAG_* */
	uint32_t base;  /* dh_base_addr */
	uint32_t old_size;
};

/* The delta at old offset off. */
int32_t mvd_map_delta(const struct mvd_map *m, uint32_t off);
/* Rewrites buf, len old bytes read from old offset src, into the bytes
 * predicted at new offset dst (MVD_REC_PRED). */
void mvd_predict(uint8_t *buf, uint32_t len, uint32_t src, uint32_t dst, const struct mvd_map *m);
/* CRC-32 as zlib's crc32(); pass 0 to start.  Weak in patch.c: an image
 * with a CRC-32 of its own may define it instead (the microvisor does). */
uint32_t mvd_crc32(uint32_t crc, const uint8_t *p, uint32_t n);

/* ---- the patcher */
#define MVD_STATE_PAGE 0xffffffffu /* page number of the spare state page */

struct mvd_ops {
	/* The patch: a pointer to the bytes from patch offset off on (off is
	 * below the patch size), *n (>= 1) of them, valid until the next call;
	 * 0 when they cannot be had (the patcher then returns MVD_E_READ). */
	const uint8_t *(*patch)(void *ctx, uint32_t off, uint32_t *n);
	/* Reads n bytes at offset off of page (a region page, or MVD_STATE_PAGE);
	 * off + n <= page size.  0 or nonzero on failure. */
	int (*read)(void *ctx, uint32_t page, uint32_t off, void *buf, uint32_t n);
	int (*erase)(void *ctx, uint32_t page);
	/* Programs a whole erased page from buf (page size bytes). */
	int (*prog)(void *ctx, uint32_t page, const void *buf);
	/* 0 when the first len bytes of the region hash to want (SHA-256). */
	int (*sha256_check)(void *ctx, uint32_t len, const uint8_t want[32]);
};

struct mvd {
	const struct mvd_ops *ops;
	void *ctx;
	uint8_t *page;         /* page buffer (borrowed), pagebuf_size bytes */
	/* the step being applied and the record being decoded, then the
	 * patch and its header: first, so that the Thumb code reaches them
	 * (the header's words up to dh_map_count) with 16-bit loads */
	uint8_t rst, kind, self_read;
	uint32_t rv, rshift, o, n, pos, k, m;
	int32_t prev_d;
	uint32_t step_page, content;
	struct mvd_src in;     /* the patch */
	uint32_t off;          /* patch offset being read (where an error was found) */
	uint32_t size;         /* the patch's bytes */
	uint8_t hdr[MVD_HEADER_SIZE]; /* the header as read */
	uint32_t pagebuf_size;
	uint8_t written[MVD_MAX_PAGES / 8];
	struct mvd_map_entry map[MVD_MAX_MAP];
	struct mvd_inflate inf;
};

/* Applies (or resumes applying: the same call) the patch of size bytes
 * that ops->patch reads to the region the other ops reach; pagebuf holds
 * one page (>= the patch's dh_page_size).  Returns MVD_DONE or a negative
 * result; d->off is then the patch offset it stopped at. */
int mvd_apply(struct mvd *d, const struct mvd_ops *ops, void *ctx, uint8_t *pagebuf, uint32_t pagebuf_size,
	      uint32_t size);

#endif
