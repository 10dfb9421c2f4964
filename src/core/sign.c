/* sign.c - P-256 keys, deterministic ECDSA signing and verification over
 * mbedTLS 2.28. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include "mvb/hash.h"
#include "mvb/sign.h"
#include "mvb/status.h"

struct mvb_key {
	mbedtls_pk_context pk;
	int priv;
};

/* ctr_drbg entropy source that hands out the caller's seed bytes. */
struct seed_src {
	const uint8_t *p;
	size_t n, pos;
};

static int seed_entropy(void *ctx, unsigned char *out, size_t n)
{
	struct seed_src *s = ctx;
	for (size_t i = 0; i < n; i++) {
		out[i] = s->n ? s->p[s->pos % s->n] ^ (unsigned char)(s->pos / (s->n ? s->n : 1)) : 0;
		s->pos++;
	}
	return 0;
}

static int drbg_init(mbedtls_ctr_drbg_context *d, struct seed_src *src)
{
	mbedtls_ctr_drbg_init(d);
	return mbedtls_ctr_drbg_seed(d, seed_entropy, src, (const unsigned char *)"mvbuild", 7);
}

int mvb_key_generate(const uint8_t *seed, size_t seedlen, struct mvb_buf *priv_pem, struct mvb_buf *pub_pem)
{
	if (seedlen < 32)
		return MVB_EINPUT;
	struct seed_src src = { seed, seedlen, 0 };
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context pk;
	mbedtls_pk_init(&pk);
	int rc = drbg_init(&drbg, &src);
	if (!rc)
		rc = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
	if (!rc)
		rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), mbedtls_ctr_drbg_random, &drbg);
	unsigned char buf[1024];
	if (!rc)
		rc = mbedtls_pk_write_key_pem(&pk, buf, sizeof(buf));
	if (!rc)
		rc = mvb_buf_puts(priv_pem, (const char *)buf) ? -1 : 0;
	mbedtls_platform_zeroize(buf, sizeof(buf));
	if (!rc)
		rc = mbedtls_pk_write_pubkey_pem(&pk, buf, sizeof(buf));
	if (!rc)
		rc = mvb_buf_puts(pub_pem, (const char *)buf) ? -1 : 0;
	mbedtls_pk_free(&pk);
	mbedtls_ctr_drbg_free(&drbg);
	return rc ? MVB_EINTERNAL : 0;
}

int mvb_key_load(struct mvb_key **out, const unsigned char *data, size_t len, const char *pass, int want_private,
		 char *err, size_t errlen)
{
	*out = NULL;
	struct mvb_key *k = calloc(1, sizeof(*k));
	if (!k)
		return MVB_ENOMEM;
	mbedtls_pk_init(&k->pk);
	/* PEM input must be NUL-terminated and the length must count the NUL */
	unsigned char *copy = malloc(len + 1);
	if (!copy) {
		free(k);
		return MVB_ENOMEM;
	}
	memcpy(copy, data, len);
	copy[len] = 0;
	size_t n = len + (strstr((const char *)copy, "-----BEGIN") ? 1 : 0);
	int rc = mbedtls_pk_parse_key(&k->pk, copy, n, (const unsigned char *)pass, pass ? strlen(pass) : 0);
	if (!rc)
		k->priv = 1;
	else if (!want_private) {
		int rc2 = mbedtls_pk_parse_public_key(&k->pk, copy, n);
		if (!rc2)
			rc = 0;
	}
	mbedtls_platform_zeroize(copy, len + 1);
	free(copy);
	if (rc) {
		char msg[128];
		mbedtls_strerror(rc, msg, sizeof(msg));
		snprintf(err, errlen, "%s", rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED ? "the key is encrypted and no passphrase was given"
					   : rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH ? "wrong passphrase"
										    : msg);
		mbedtls_pk_free(&k->pk);
		free(k);
		return MVB_EINPUT;
	}
	if (!mvb_key_is_p256(k)) {
		snprintf(err, errlen, "not an ECDSA P-256 key");
		mvb_key_free(k);
		return MVB_EINPUT;
	}
	*out = k;
	return 0;
}

void mvb_key_free(struct mvb_key *k)
{
	if (!k)
		return;
	mbedtls_pk_free(&k->pk); /* zeroizes the key material */
	free(k);
}

int mvb_key_is_p256(const struct mvb_key *k)
{
	if (!mbedtls_pk_can_do(&k->pk, MBEDTLS_PK_ECKEY))
		return 0;
	return mbedtls_pk_ec(k->pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1;
}

void mvb_key_id(const struct mvb_key *k, uint8_t id[8])
{
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(k->pk);
	unsigned char pt[65];
	size_t n = 0;
	uint8_t h[32];
	memset(pt, 0, sizeof(pt));
	mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &n, pt, sizeof(pt));
	mvb_sha256(pt, n, h);
	memcpy(id, h, 8);
}

int mvb_key_sign(const struct mvb_key *k, const uint8_t digest[32], const uint8_t *seed, size_t seedlen, uint8_t sig[72],
		 size_t *siglen)
{
	if (!k->priv)
		return MVB_EINPUT;
	struct seed_src src = { seed, seedlen, 0 };
	mbedtls_ctr_drbg_context drbg;
	unsigned char buf[MBEDTLS_ECDSA_MAX_LEN];
	size_t n = 0;
	int rc = drbg_init(&drbg, &src);
	if (!rc)
		rc = mbedtls_pk_sign((mbedtls_pk_context *)&k->pk, MBEDTLS_MD_SHA256, digest, 32, buf, &n,
				     mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ctr_drbg_free(&drbg);
	if (rc || n > 72)
		return MVB_EINTERNAL;
	memcpy(sig, buf, n);
	*siglen = n;
	return 0;
}

int mvb_key_verify(const struct mvb_key *k, const uint8_t digest[32], const uint8_t *sig, size_t siglen)
{
	return mbedtls_pk_verify((mbedtls_pk_context *)&k->pk, MBEDTLS_MD_SHA256, digest, 32, sig, siglen) ? MVB_EINPUT : 0;
}

int mvb_key_public_pem(const struct mvb_key *k, struct mvb_buf *out)
{
	unsigned char buf[512];
	if (mbedtls_pk_write_pubkey_pem((mbedtls_pk_context *)&k->pk, buf, sizeof(buf)))
		return MVB_EINTERNAL;
	return mvb_buf_puts(out, (const char *)buf);
}
