/* fuzz_repo.c - libFuzzer harness: the channel index reader, with an
 * oracle: an index the reader accepts is canonical, so encoding what it
 * read gives back the same bytes; then the freshness rules and the choice
 * of download run over it.  The signature rule runs against a fixed
 * trusted key for one input in 16 (ECDSA costs milliseconds).  Then what
 * publish does to an index it has read: add the next release and a delta
 * to it, re-sign it by the trusted key (for one index in 64) and read it
 * back; oracles: adding a release with a higher counter and a new version
 * always succeeds, the result reads back to the same index, and its
 * signature verifies.
 *
 * Covers: src/core/repo.c
 */
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "mvb/repo.h"
#include "mvb/sign.h"
#include "mvb/status.h"

static struct mvb_key *key; /* private; also the trusted public key */

/* What publish does with an index it has read: the next release (and a
 * delta to it from the previous latest), signed when sign is set. */
static void publish_next(const struct mvb_repo_index *in, int sign)
{
	struct mvb_repo_index *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));
	struct mvb_diags d = MVB_DIAGS_INIT;
	struct mvb_buf tbs = MVB_BUF_INIT, out = MVB_BUF_INIT;
	if (!x || !y)
		abort();
	*x = *in;
	struct mvb_repo_release r;
	memset(&r, 0, sizeof(r));
	uint32_t last_v = x->nrel ? x->rel[x->nrel - 1].rr_version : 0;
	uint32_t last_c = x->nrel ? x->rel[x->nrel - 1].rr_security_counter : 0;
	if (last_c == UINT32_MAX)
		goto out; /* no counter above it */
	r.rr_security_counter = last_c + 1;
	r.rr_version = last_v + 1;
	while (mvb_repo_find(x, r.rr_version) >= 0)
		r.rr_version++;
	r.rr_size = 4096;
	memset(r.rr_sha256, 0x5a, 32);
	if (mvb_repo_add_release(x, &r, "next.idx", &d))
		abort(); /* a higher counter and a new version must be accepted */
	if (x->nrel >= 2) {
		struct mvb_repo_delta dl;
		memset(&dl, 0, sizeof(dl));
		dl.rd_from_version = x->rel[x->nrel - 2].rr_version;
		dl.rd_to_version = r.rr_version;
		dl.rd_size = 512;
		memset(dl.rd_sha256, 0xa5, 32);
		int rc = mvb_repo_add_delta(x, &dl);
		if (rc && rc != MVB_ELIMIT)
			abort(); /* only a full table may refuse it */
	}
	x->nsig = 0;
	if (mvb_repo_encode(x, &tbs))
		abort();
	if (sign) {
		uint8_t dg[32], der[72];
		size_t n;
		mvb_repo_digest(x, tbs.data, dg);
		if (mvb_key_sign(key, dg, dg, sizeof(dg), der, &n))
			abort();
		memset(&x->sig[0], 0, sizeof(x->sig[0]));
		mvb_key_id(key, x->sig[0].sg_key_id);
		x->sig[0].sg_alg = MVB_SIG_ECDSA_P256_SHA256;
		x->sig[0].sg_len = (uint16_t)n;
		memcpy(x->sig[0].sg_der, der, n);
		x->nsig = 1;
	}
	if (mvb_repo_encode(x, &out) || mvb_repo_parse(y, "next.idx", out.data, out.len, &d))
		abort(); /* what publish writes, fetch must read */
	if (y->nrel != x->nrel || y->ndel != x->ndel || memcmp(y->rel, x->rel, x->nrel * sizeof(x->rel[0])))
		abort();
	unsigned good;
	if (sign && (mvb_repo_check_sigs(y, out.data, "next.idx", &key, 1, &good, &d) || good != 1))
		abort();
out:
	mvb_buf_release(&tbs);
	mvb_buf_release(&out);
	mvb_diags_release(&d);
	free(x);
	free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	key = fuzz_trusted_key();
	unsigned char *copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	struct mvb_repo_index *x = malloc(sizeof(*x));
	struct mvb_diags d = MVB_DIAGS_INIT;
	if (x && mvb_repo_parse(x, "fuzz.idx", copy, size, &d) == 0) {
		struct mvb_buf b = MVB_BUF_INIT;
		if (mvb_repo_encode(x, &b) || b.len != size || memcmp(b.data, copy, size))
			abort(); /* accepted but not canonical */
		mvb_buf_release(&b);
		uint32_t h32 = fuzz_hash(data, size);
		unsigned good;
		if ((h32 & 15) == 0)
			mvb_repo_check_sigs(x, copy, "fuzz.idx", &key, 1, &good, &d);
		uint8_t h[32] = { 0 };
		struct mvb_repo_seen seen = { 2, { 0 } };
		mvb_repo_check_fresh(x, "fuzz.idx", "mps2-an505", "hello", "stable", 1000, &seen, h, &d);
		for (unsigned i = 0; i < x->nrel; i++) {
			struct mvb_repo_step s;
			mvb_repo_pick(x, 1, x->rel[i].rr_version, &s);
			if (!s.up_to_date && !s.sha256)
				abort();
		}
		publish_next(x, (h32 >> 4 & 63) == 0);
	}
	mvb_diags_release(&d);
	free(x);
	free(copy);
	return 0;
}
