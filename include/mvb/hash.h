/*
 * hash.h - SHA-256 and CRC-32 over memory.  The only door to the hash
 * implementations (mbedTLS, zlib) for the rest of the core.
 */
#ifndef MVB_HASH_H
#define MVB_HASH_H

#include <stddef.h>
#include <stdint.h>

void mvb_sha256(const void *data, size_t len, uint8_t out[32]);
/* CRC-32 (IEEE 802.3, as zlib's crc32) of data. */
uint32_t mvb_crc32(const void *data, size_t len);
/* Lowercase hex of n bytes into out (2n+1 bytes). */
void mvb_hex(const uint8_t *in, size_t n, char *out);

#endif
