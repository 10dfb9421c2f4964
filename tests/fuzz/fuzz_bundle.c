/* fuzz_bundle.c - libFuzzer harness: bundle reader, payload checks
 * (chunk hashes, inflate, image hashes) and signature parsing paths. */
#include <stdlib.h>
#include <string.h>
#include "mvb/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_bundle_parse(&v, "fuzz.mvb", copy, size, &d) == 0) {
		mvb_bundle_check_payload(&v, "fuzz.mvb", &d);
		uint8_t dg[32];
		mvb_bundle_digest(&v, dg);
		struct mvb_buf o = MVB_BUF_INIT;
		mvb_bundle_with_sigs(&v, v.s, v.ns, &o);
		mvb_buf_release(&o);
	}
	mvb_diags_release(&d);
	free(copy);
	return 0;
}
