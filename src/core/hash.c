/* hash.c - SHA-256 (mbedTLS) and CRC-32 (zlib) behind one small interface. */
#include <mbedtls/sha256.h>
#include <zlib.h>
#include "mvb/hash.h"

void mvb_sha256(const void *data, size_t len, uint8_t out[32])
{
	/* mbedTLS 2.28: 0 selects SHA-256 rather than SHA-224 */
	mbedtls_sha256_ret((const unsigned char *)data, len, out, 0);
}

uint32_t mvb_crc32(const void *data, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);
	const unsigned char *p = data;
	while (len) {
		uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
		c = crc32(c, p, n);
		p += n;
		len -= n;
	}
	return (uint32_t)c;
}

void mvb_hex(const uint8_t *in, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}
