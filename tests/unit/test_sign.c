/* test_sign.c - keys: encrypted private keys (PKCS#8 PBES2) load back as
 * the same key under the right passphrase, and fail with a reason under a
 * wrong one or none; what cannot be encrypted is refused. */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "mvb/sign.h"
#include "mvb/status.h"

struct kcase {
	const char *pass_used; /* to load; NULL: none */
	int want_rc;
	const char *want_err; /* substring */
};

static void test_encrypted_keys(void **state)
{
	(void)state;
	uint8_t seed[32], rnd[24];
	memset(seed, 0x42, sizeof(seed));
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)(i * 37 + 1);
	struct mvb_buf priv = MVB_BUF_INIT, pub = MVB_BUF_INIT, enc = MVB_BUF_INIT;
	assert_int_equal(mvb_key_generate(seed, sizeof(seed), &priv, &pub), 0);
	/* few rounds: the test is about the format, not the cost */
	assert_int_equal(mvb_key_encrypt_pem(priv.data, priv.len, "s3cret pass", rnd, 1000, &enc), 0);
	assert_int_equal(mvb_buf_puts(&enc, ""), 0);
	assert_non_null(strstr((const char *)enc.data, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
	assert_null(strstr((const char *)enc.data, "BEGIN EC PRIVATE KEY"));

	struct mvb_key *plain, *k;
	char err[400];
	uint8_t id0[8], id1[8];
	assert_int_equal(mvb_key_load(&plain, pub.data, pub.len, NULL, 0, err, sizeof(err)), 0);
	mvb_key_id(plain, id0);
	static const struct kcase c[] = {
	    {"s3cret pass", 0, NULL},
	    {"s3cret pas", MVB_EINPUT, "wrong passphrase"},
	    {"", MVB_EINPUT, "no passphrase"},
	    {NULL, MVB_EINPUT, "no passphrase"},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("load case %zu\n", i);
		err[0] = 0;
		int rc = mvb_key_load(&k, enc.data, enc.len, c[i].pass_used && *c[i].pass_used ? c[i].pass_used : NULL,
		                      1, err, sizeof(err));
		assert_int_equal(rc, c[i].want_rc);
		if (rc) {
			assert_null(k);
			if (!strstr(err, c[i].want_err))
				fail_msg("case %zu: '%s' not in '%s'", i, c[i].want_err, err);
			continue;
		}
		mvb_key_id(k, id1);
		assert_memory_equal(id0, id1, 8); /* the same key */
		uint8_t dg[32] = {1, 2, 3}, sig[72];
		size_t n;
		assert_int_equal(mvb_key_sign(k, dg, seed, sizeof(seed), sig, &n), 0);
		assert_int_equal(mvb_key_verify(plain, dg, sig, n), 0);
		mvb_key_free(k);
	}
	/* nothing to encrypt, or no passphrase: refused */
	struct mvb_buf o = MVB_BUF_INIT;
	assert_int_equal(mvb_key_encrypt_pem(pub.data, pub.len, "x", rnd, 1000, &o), MVB_EINPUT);
	assert_int_equal(mvb_key_encrypt_pem(priv.data, priv.len, "", rnd, 1000, &o), MVB_EINPUT);
	assert_int_equal(mvb_key_encrypt_pem(priv.data, priv.len, NULL, rnd, 1000, &o), MVB_EINPUT);
	assert_int_equal(o.len, 0);
	mvb_key_free(plain);
	mvb_buf_release(&priv);
	mvb_buf_release(&pub);
	mvb_buf_release(&enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encrypted_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
