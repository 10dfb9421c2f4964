/* deflate.c - raw deflate in independent segments (see deflate_int.h), so
 * that large layers compress on several cores with identical output. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "deflate_int.h"
#include "mvb/status.h"

struct seg {
	const unsigned char *base; /* the whole input: the dictionary lies before start */
	size_t start, end, total;
	unsigned char *out;
	size_t outlen;
	int level, rc;
};

struct pool {
	struct seg *seg;
	size_t nseg;
	atomic_size_t next;
};

static int compress_seg(struct seg *s)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, s->level, Z_DEFLATED, -MVB_DEFLATE_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return MVB_ENOMEM;
	size_t dict = s->start < (1u << MVB_DEFLATE_WINDOW_BITS) ? s->start : (1u << MVB_DEFLATE_WINDOW_BITS);
	int rc = 0;
	if (dict && deflateSetDictionary(&z, s->base + s->start - dict, (uInt)dict) != Z_OK)
		rc = MVB_EINTERNAL;
	size_t n = s->end - s->start, cap = deflateBound(&z, (uLong)n) + 16; /* + the sync flush's stored block */
	if (!rc && !(s->out = malloc(cap)))
		rc = MVB_ENOMEM;
	if (!rc) {
		int last = s->end == s->total;
		z.next_in = (Bytef *)(uintptr_t)(s->base + s->start);
		z.avail_in = (uInt)n;
		z.next_out = s->out;
		z.avail_out = (uInt)cap;
		int zr = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
		if (zr != (last ? Z_STREAM_END : Z_OK) || z.avail_in || !z.avail_out)
			rc = MVB_EINTERNAL;
		s->outlen = z.total_out;
	}
	deflateEnd(&z);
	return rc;
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->nseg)
			return NULL;
		p->seg[i].rc = compress_seg(&p->seg[i]);
	}
}

int mvb_deflate_raw(const unsigned char *const *in, const size_t *len, unsigned n, int level, unsigned threads,
                    struct mvb_buf *out)
{
	size_t nseg = 0;
	for (unsigned i = 0; i < n; i++)
		nseg += len[i] ? (len[i] + MVB_DEFLATE_SEGMENT - 1) / MVB_DEFLATE_SEGMENT : 1;
	struct pool p = {calloc(nseg, sizeof(struct seg)), nseg, 0};
	if (!p.seg)
		return MVB_ENOMEM;
	size_t k = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t at = 0;
		do {
			size_t end = len[i] - at > MVB_DEFLATE_SEGMENT ? at + MVB_DEFLATE_SEGMENT : len[i];
			p.seg[k++] = (struct seg){in[i], at, end, len[i], NULL, 0, level, 0};
			at = end;
		} while (at < len[i]);
	}
	/* the calling thread works too; a thread that cannot start is work
	 * the others pick up */
	pthread_t tid[15];
	unsigned started = 0, want = threads > 16 ? 16 : threads;
	if ((size_t)want > nseg)
		want = (unsigned)nseg;
	while (started + 1 < want && !pthread_create(&tid[started], NULL, worker, &p))
		started++;
	worker(&p);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	int rc = 0;
	k = 0;
	for (unsigned i = 0; i < n; i++) {
		size_t at = 0;
		do {
			struct seg *s = &p.seg[k++];
			if (!rc)
				rc = s->rc ? s->rc : mvb_buf_append(&out[i], s->out, s->outlen);
			free(s->out);
			at = s->end;
		} while (at < len[i]);
	}
	free(p.seg);
	return rc;
}
