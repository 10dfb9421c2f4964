/* sign.c - P-256 keys, deterministic ECDSA signing and verification over
 * mbedTLS 2.28. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/pkcs5.h>
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
	struct seed_src src = {seed, seedlen, 0};
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
	/* A wrong passphrase mostly fails the CBC padding check (PASSWORD_MISMATCH),
	 * but about one time in 256 the padding looks right and the garbage then
	 * fails to parse: for an encrypted key, that is a wrong passphrase too. */
	int encrypted = strstr((const char *)copy, "ENCRYPTED") != NULL;
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
		if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED)
			snprintf(err, errlen, "the key is encrypted and no passphrase was given");
		else if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH ||
		         (encrypted && pass && pass[0] && (-rc & 0xff80) == -MBEDTLS_ERR_PK_KEY_INVALID_FORMAT))
			snprintf(err, errlen, "wrong passphrase");
		else if (rc == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE || rc == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE)
			/* OpenSSL 3 encrypts PKCS#8 keys with AES, which mbedTLS 2.28 cannot undo */
			snprintf(err, errlen,
			         "the key is encrypted with a cipher mbedTLS 2.28 does not read (PKCS#8 with AES); "
			         "re-encrypt it "
			         "with 'openssl pkcs8 -topk8 -v2 des3 -v2prf hmacWithSHA256' or 'openssl ec -aes256', "
			         "or make it "
			         "with 'mvbuild keygen --encrypt'");
		else
			snprintf(err, errlen, "%s", msg);
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

void mvb_key_point(const struct mvb_key *k, uint8_t pt[65])
{
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(k->pk);
	size_t n = 0;
	memset(pt, 0, 65);
	mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &n, pt, 65);
}

void mvb_key_id(const struct mvb_key *k, uint8_t id[8])
{
	unsigned char pt[65];
	uint8_t h[32];
	mvb_key_point(k, pt);
	mvb_sha256(pt, sizeof(pt), h);
	memcpy(id, h, 8);
}

int mvb_key_sign(const struct mvb_key *k, const uint8_t digest[32], const uint8_t *seed, size_t seedlen,
                 uint8_t sig[72], size_t *siglen)
{
	if (!k->priv)
		return MVB_EINPUT;
	struct seed_src src = {seed, seedlen, 0};
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

/* One DER INTEGER of an ECDSA-Sig-Value at p[0..n): tag, short-form
 * length, minimal and non-negative (a leading zero only before a byte
 * with its top bit set), at most 33 bytes.  Returns its whole length, or
 * 0 when it is not such an integer. */
static size_t der_uint(const uint8_t *p, size_t n)
{
	if (n < 3 || p[0] != 0x02 || p[1] < 1 || p[1] > 33 || (size_t)p[1] + 2 > n)
		return 0;
	if (p[2] & 0x80)
		return 0; /* negative */
	if (p[1] > 1 && p[2] == 0 && !(p[3] & 0x80))
		return 0; /* a zero byte that is not needed */
	return (size_t)p[1] + 2;
}

/* Strict DER: mbedTLS's reader also takes BER (long-form lengths, lengths
 * with leading zeros) and integers missing their sign byte, so one
 * signature would have several encodings that verify. */
static int der_sig_ok(const uint8_t *sig, size_t n)
{
	if (n < 2 || sig[0] != 0x30 || sig[1] > 0x7f || (size_t)sig[1] + 2 != n)
		return 0;
	size_t r = der_uint(sig + 2, n - 2);
	if (!r)
		return 0;
	size_t s = der_uint(sig + 2 + r, n - 2 - r);
	return s && 2 + r + s == n;
}

int mvb_key_verify(const struct mvb_key *k, const uint8_t digest[32], const uint8_t *sig, size_t siglen)
{
	if (!der_sig_ok(sig, siglen))
		return MVB_EINPUT;
	return mbedtls_pk_verify((mbedtls_pk_context *)&k->pk, MBEDTLS_MD_SHA256, digest, 32, sig, siglen) ? MVB_EINPUT
	                                                                                                   : 0;
}

int mvb_key_public_pem(const struct mvb_key *k, struct mvb_buf *out)
{
	unsigned char buf[512];
	if (mbedtls_pk_write_pubkey_pem((mbedtls_pk_context *)&k->pk, buf, sizeof(buf)))
		return MVB_EINTERNAL;
	return mvb_buf_puts(out, (const char *)buf);
}

/*
 * Encrypted private keys: PKCS#8 EncryptedPrivateKeyInfo with PBES2,
 * PBKDF2-HMAC-SHA256 and DES-EDE3-CBC, the one PBES2 cipher mbedTLS 2.28
 * decrypts (OpenSSL reads it too).  ASN.1 is written back to front, as
 * mbedTLS's writer works; each W() adds what it wrote to the length.
 */
#define W(expr)                                                                                                        \
	do {                                                                                                           \
		int w_ = (expr);                                                                                       \
		if (w_ < 0)                                                                                            \
			goto fail;                                                                                     \
		len += (size_t)w_;                                                                                     \
	} while (0)

static int seq_header(unsigned char **p, unsigned char *start, size_t len)
{
	int a = mbedtls_asn1_write_len(p, start, len);
	if (a < 0)
		return a;
	int b = mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
	return b < 0 ? b : a + b;
}

/* An AlgorithmIdentifier around par_len bytes of parameters already
 * written (none: NULL); returns only what it adds, unlike mbedTLS's. */
static int alg_id(unsigned char **p, unsigned char *start, const char *oid, size_t oidlen, size_t par_len)
{
	int r = mbedtls_asn1_write_algorithm_identifier(p, start, oid, oidlen, par_len);
	return r < 0 ? r : r - (int)par_len;
}

int mvb_key_encrypt_pem(const unsigned char *pem, size_t pemlen, const char *pass, const uint8_t rnd[24],
                        unsigned iterations, struct mvb_buf *out)
{
	struct mvb_key *k;
	char err[64];
	if (!pass || !*pass || !iterations || iterations > 0x7fffffffu)
		return MVB_EINPUT;
	if (mvb_key_load(&k, pem, pemlen, NULL, 1, err, sizeof(err)))
		return MVB_EINPUT;
	/* plain: PrivateKeyInfo { 0, { id-ecPublicKey, secp256r1 }, OCTET STRING ECPrivateKey } */
	unsigned char plain[512], params[128], enc[512 + 16], der[768], text[1536];
	unsigned char *p = plain + sizeof(plain);
	size_t len = 0, plen, olen = 0;
	int rc = -1;
	int sec1 = mbedtls_pk_write_key_der(&k->pk, plain, sizeof(plain) - 64);
	if (sec1 < 0)
		goto fail;
	/* the SEC1 DER sits at the end of plain[0..sizeof-64); move it to the end */
	memmove(plain + sizeof(plain) - sec1, plain + sizeof(plain) - 64 - sec1, (size_t)sec1);
	p = plain + sizeof(plain) - sec1;
	len = (size_t)sec1;
	W(mbedtls_asn1_write_len(&p, plain, (size_t)sec1));
	W(mbedtls_asn1_write_tag(&p, plain, MBEDTLS_ASN1_OCTET_STRING));
	size_t before = len;
	W(mbedtls_asn1_write_oid(&p, plain, MBEDTLS_OID_EC_GRP_SECP256R1,
	                         MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_GRP_SECP256R1)));
	W(alg_id(&p, plain, MBEDTLS_OID_EC_ALG_UNRESTRICTED, MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_ALG_UNRESTRICTED),
	         len - before));
	W(mbedtls_asn1_write_int(&p, plain, 0));
	W(seq_header(&p, plain, len));
	plen = len;
	const unsigned char *pki = p;

	/* PBES2-params { { pbkdf2, { salt, iterations, { hmacWithSHA256, NULL } } }, { des-ede3-cbc, iv } } */
	p = params + sizeof(params);
	len = 0;
	W(mbedtls_asn1_write_octet_string(&p, params, rnd + 16, 8));
	W(alg_id(&p, params, MBEDTLS_OID_DES_EDE3_CBC, MBEDTLS_OID_SIZE(MBEDTLS_OID_DES_EDE3_CBC), len));
	size_t kdf = len;
	W(alg_id(&p, params, MBEDTLS_OID_HMAC_SHA256, MBEDTLS_OID_SIZE(MBEDTLS_OID_HMAC_SHA256), 0));
	W(mbedtls_asn1_write_int(&p, params, (int)iterations));
	W(mbedtls_asn1_write_octet_string(&p, params, rnd, 16));
	W(seq_header(&p, params, len - kdf));
	W(alg_id(&p, params, MBEDTLS_OID_PKCS5_PBKDF2, MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS5_PBKDF2), len - kdf));
	size_t body = len;
	W(seq_header(&p, params, body));
	mbedtls_asn1_buf pb = {MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, body, params + sizeof(params) - body};
	size_t elen = (plen / 8 + 1) * 8; /* PKCS#7 padding to the DES block */
	if (elen > sizeof(enc) ||
	    mbedtls_pkcs5_pbes2(&pb, MBEDTLS_PKCS5_ENCRYPT, (const unsigned char *)pass, strlen(pass), pki, plen, enc))
		goto fail;
	size_t plen_params = len;

	/* EncryptedPrivateKeyInfo { { pbes2, PBES2-params }, OCTET STRING enc } */
	p = der + sizeof(der);
	len = 0;
	W(mbedtls_asn1_write_octet_string(&p, der, enc, elen));
	if ((size_t)(p - der) < plen_params)
		goto fail;
	p -= plen_params;
	memcpy(p, params + sizeof(params) - plen_params, plen_params);
	len += plen_params;
	W(alg_id(&p, der, MBEDTLS_OID_PKCS5_PBES2, MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS5_PBES2), plen_params));
	W(seq_header(&p, der, len - 0));
	if (mbedtls_pem_write_buffer("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", "-----END ENCRYPTED PRIVATE KEY-----\n",
	                             p, len, text, sizeof(text), &olen))
		goto fail;
	rc = mvb_buf_puts(out, (const char *)text) ? MVB_ENOMEM : 0;
fail:
	mbedtls_platform_zeroize(plain, sizeof(plain));
	mbedtls_platform_zeroize(enc, sizeof(enc));
	mbedtls_platform_zeroize(der, sizeof(der));
	mbedtls_platform_zeroize(text, sizeof(text));
	mvb_key_free(k);
	return rc < 0 ? MVB_EINTERNAL : rc;
}
