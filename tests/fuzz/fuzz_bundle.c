/* fuzz_bundle.c - libFuzzer harness: bundle reader, payload checks
 * (chunk hashes, inflate, image hashes), the signature rule against a
 * fixed trusted key (mvb_bundle_check_sigs) and re-signing paths.
 *
 * Covers: src/core/bundle.c src/core/deflate.c src/core/sign.c
 */
#include <stdlib.h>
#include <string.h>
#include "mvb/bundle.h"
#include "mvb/sign.h"

/* The key of the committed seeds is not known here; a fixed key still
 * runs the key-id match and, for inputs carrying its id, DER parsing. */
static struct mvb_key *trusted(void)
{
	static struct mvb_key *k;
	if (!k) {
		uint8_t seed[32] = { 0x42 };
		struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT;
		char err[64];
		if (mvb_key_generate(seed, sizeof(seed), &priv, &pub) ||
		    mvb_key_load(&k, pub.data, pub.len, NULL, 0, err, sizeof(err)))
			abort();
		mvb_buf_release(&priv);
		mvb_buf_release(&pub);
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvb_key *k = trusted();
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_bundle_view v;
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (mvb_bundle_parse(&v, "fuzz.mvb", copy, size, &d) == 0) {
		mvb_bundle_check_payload(&v, "fuzz.mvb", &d);
		unsigned good;
		mvb_bundle_check_sigs(&v, "fuzz.mvb", &k, 1, &good, &d);
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
