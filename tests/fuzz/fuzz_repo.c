/* fuzz_repo.c - libFuzzer harness: the channel index reader, with an
 * oracle: an index the reader accepts is canonical, so encoding what it
 * read gives back the same bytes; then the freshness rules and the choice
 * of download run over it.
 *
 * Covers: src/core/repo.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvb/repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_repo_index *x = malloc(sizeof(*x));
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (x && mvb_repo_parse(x, "fuzz.idx", copy, size, &d) == 0) {
		struct mvb_buf b = MVB_BUF_INIT;
		if (mvb_repo_encode(x, &b) || b.len != size || memcmp(b.data, copy, size))
			abort(); /* accepted but not canonical */
		mvb_buf_release(&b);
		uint8_t h[32] = { 0 };
		struct mvb_repo_seen seen = { 2, { 0 } };
		mvb_repo_check_fresh(x, "fuzz.idx", "mps2-an505", "hello", "stable", 1000, &seen, h, &d);
		for (unsigned i = 0; i < x->nrel; i++) {
			struct mvb_repo_step s;
			mvb_repo_pick(x, 1, x->rel[i].rr_version, &s);
			if (!s.up_to_date && !s.sha256)
				abort();
		}
	}
	mvb_diags_release(&d);
	free(x);
	free(copy);
	return 0;
}
