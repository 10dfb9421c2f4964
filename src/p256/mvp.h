/*
 * mvp.h - ECDSA P-256 signature verification for the device side (the
 * microvisor's update engine checks bundle and index signatures with it).
 * Freestanding C: no heap, no libc beyond memset/memcpy, no static state;
 * the same source is built into mvbuild's tests and, for size, for the
 * Cortex-M33 (bench/p256/m33.sh).
 *
 * Verification handles no secret, so nothing here needs to run in constant
 * time.  Inputs are checked before any arithmetic: the public key must be
 * a point of the curve with coordinates below p, r and s must lie in
 * [1, n-1], and a DER signature must be strict DER (one encoding per
 * signature: short-form lengths, minimal non-negative integers).
 */
#ifndef MVP_H
#define MVP_H

#include <stddef.h>
#include <stdint.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);

#define MVP_OK 0
#define MVP_E_KEY -1 /* the public key is not a point of P-256 */
#define MVP_E_SIG -2 /* the signature's encoding or range is wrong */
#define MVP_E_BAD -3 /* well formed, but it does not verify */

/* pub: X || Y, 32 bytes each, big-endian (an uncompressed point without
 * its 0x04).  hash: the 32-byte SHA-256 of the message. */
int mvp_verify_rs(const uint8_t pub[64], const uint8_t hash[32], const uint8_t r[32], const uint8_t s[32]);
/* As mvp_verify_rs, the signature an ASN.1 DER ECDSA-Sig-Value. */
int mvp_verify_der(const uint8_t pub[64], const uint8_t hash[32], const uint8_t *der, size_t der_len);
/* r and s of a strict-DER ECDSA-Sig-Value, as 32-byte big-endian numbers
 * (at most 32 significant bytes each).  MVP_OK or MVP_E_SIG. */
int mvp_der_decode(const uint8_t *der, size_t der_len, uint8_t r[32], uint8_t s[32]);

#endif
