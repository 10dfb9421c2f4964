/*
 * sign.h - ECDSA P-256 keys and signatures.  The only module that includes
 * mbedTLS's public-key code.
 *
 * Signing is deterministic (RFC 6979): the same key and digest always give
 * the same signature bytes; the random seed callers pass only blinds the
 * computation against side channels.  Key material is wiped when freed.
 */
#ifndef MVB_SIGN_H
#define MVB_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"

struct mvb_key;

/* A new P-256 key pair from seed (at least 32 random bytes); PEM text of
 * the private key (PKCS#1/SEC1) and public key (SubjectPublicKeyInfo). */
int mvb_key_generate(const uint8_t *seed, size_t seedlen, struct mvb_buf *priv_pem, struct mvb_buf *pub_pem);
/* The private key in pem (unencrypted PEM or DER) encrypted under pass, as
 * PEM "ENCRYPTED PRIVATE KEY": PKCS#8 PBES2 with PBKDF2-HMAC-SHA256 over
 * `iterations` rounds and DES-EDE3-CBC, which mbedTLS 2.28 and OpenSSL both
 * read.  rnd: 16 bytes of salt then 8 of IV, random.  0, MVB_EINPUT (no key
 * or empty pass), or MVB_EINTERNAL. */
#define MVB_KEY_PBKDF2_ITERATIONS 600000u /* what keygen uses (OWASP 2023 for PBKDF2-HMAC-SHA256) */
int mvb_key_encrypt_pem(const unsigned char *pem, size_t pemlen, const char *pass, const uint8_t rnd[24],
			unsigned iterations, struct mvb_buf *out);
/* Loads a private key (PEM or DER; pass may be NULL), or a public key; a
 * private key also serves as its public key.  err gets a reason on failure.
 * Returns 0 or MVB_EINPUT. */
int mvb_key_load(struct mvb_key **k, const unsigned char *data, size_t len, const char *pass, int want_private,
		 char *err, size_t errlen);
void mvb_key_free(struct mvb_key *k);
int mvb_key_is_p256(const struct mvb_key *k);
/* The public point, uncompressed: 0x04 || X || Y (big-endian). */
void mvb_key_point(const struct mvb_key *k, uint8_t pt[65]);
/* First 8 bytes of SHA-256 of the public point (0x04 || X || Y). */
void mvb_key_id(const struct mvb_key *k, uint8_t id[8]);
/* DER signature of a SHA-256 digest into sig[72].  seed blinds the
 * computation only.  Returns 0 or an error. */
int mvb_key_sign(const struct mvb_key *k, const uint8_t digest[32], const uint8_t *seed, size_t seedlen, uint8_t sig[72],
		 size_t *siglen);
/* 0 when sig is a valid DER signature of digest by k. */
int mvb_key_verify(const struct mvb_key *k, const uint8_t digest[32], const uint8_t *sig, size_t siglen);
/* PEM of the public half. */
int mvb_key_public_pem(const struct mvb_key *k, struct mvb_buf *out);

#endif
