/*
 * hash.h - SHA-256 and CRC-32 over memory.  The only door to hash
 * implementations for the rest of the core.
 *
 * SHA-256 is implemented here (FIPS 180-4): with the x86 SHA extensions
 * when the CPU has them (checked at run time), else in portable C.  Both
 * give the same digests; tests compare them with mbedTLS.  A context holds
 * no pointers and needs no release.
 */
#ifndef MVB_HASH_H
#define MVB_HASH_H

#include <stddef.h>
#include <stdint.h>

struct mvb_sha256 {
	uint32_t h[8];
	uint64_t bytes;        /* message bytes so far */
	unsigned char buf[64]; /* a partial block */
	unsigned fill;         /* bytes in buf */
	int accel;             /* 1: SHA extensions (set by init; tests may clear it) */
};

void mvb_sha256_init(struct mvb_sha256 *c);
void mvb_sha256_update(struct mvb_sha256 *c, const void *data, size_t len);
/* Writes the digest; c must be initialised again before reuse. */
void mvb_sha256_final(struct mvb_sha256 *c, uint8_t out[32]);
/* One-shot SHA-256 of data. */
void mvb_sha256(const void *data, size_t len, uint8_t out[32]);
/* 1 when this CPU runs the accelerated SHA-256. */
int mvb_sha256_accelerated(void);

/* CRC-32 (IEEE 802.3, as zlib's crc32) of data. */
uint32_t mvb_crc32(const void *data, size_t len);
/* The same CRC continued from crc over len more bytes (crc 0 to start):
 * the CRC the shared update rules take (mvu_crc32_fn, src/update/mvu.h). */
uint32_t mvb_crc32_update(uint32_t crc, const void *data, uint32_t len);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void mvb_hex(const uint8_t *in, size_t n, char *out);

#endif
