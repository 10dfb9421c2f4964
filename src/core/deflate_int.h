/*
 * deflate_int.h - raw deflate of several buffers at once, for the bundle
 * writer.  Private to the core.
 *
 * Each input is cut into MVB_DEFLATE_SEGMENT-byte segments.  A segment is
 * compressed on its own, with the 4 KiB before it as a preset dictionary,
 * and ends with a sync flush (an empty stored block, byte-aligned); the
 * last one ends the stream.  Concatenated in order they are one raw
 * deflate stream with no distance beyond 4 KiB.  The bytes depend only on
 * the input, never on how many threads compressed it, so output stays
 * deterministic; an input of one segment gives exactly what a single
 * deflate() call gives.
 */
#ifndef MVB_DEFLATE_INT_H
#define MVB_DEFLATE_INT_H

#include <stddef.h>
#include "mvb/buf.h"

#define MVB_DEFLATE_SEGMENT ((size_t)256 << 10)
#define MVB_DEFLATE_WINDOW_BITS 12 /* 4 KiB, the most a device decoder keeps */

/* Compresses in[i] (len[i] bytes) into out[i] (appended), for i < n, with
 * up to `threads` threads (0 or 1: in the calling thread).  Returns 0,
 * MVB_ENOMEM, or MVB_EINTERNAL. */
int mvb_deflate_raw(const unsigned char *const *in, const size_t *len, unsigned n, int level, unsigned threads,
                    struct mvb_buf *out);

#endif
