/* fuzz_delta.c - libFuzzer harness: the device patcher (through the host
 * apply over a simulated flash) on arbitrary patch bytes against a fixed
 * old image, and the inflater on the same bytes as a raw deflate stream.
 *
 * Covers: src/delta/patch.c src/delta/inflate.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvb/delta.h"
#include "mvd.h"

/* The old image the seeds were made against (tests/fuzz/seeds/fuzz_delta). */
static void old_image(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 5) + (i % 251 == 0 ? 0x5a : 0));
}

static int count(void *arg, uint8_t b)
{
	(void)b;
	return ++*(size_t *)arg > (1u << 20) ? MVD_E_LIMIT : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char old[12288];
	static struct mvd_inflate inf;
	old_image(old, sizeof(old));
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_buf out = MVB_BUF_INIT;
	struct mvb_diags d = MVB_DIAGS_INIT;
	mvb_delta_apply(old, sizeof(old), copy, size, "fuzz.mvd", &out, &d);
	mvb_buf_release(&out);
	mvb_diags_release(&d);
	size_t n = 0;
	struct mvd_mem all = { copy, (uint32_t)size };
	struct mvd_src in = { mvd_mem_get, &all, NULL, NULL, 0, (uint32_t)size, 0 };
	mvd_inflate(&inf, &in, count, &n);
	free(copy);
	return 0;
}
