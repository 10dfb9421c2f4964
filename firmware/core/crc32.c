/*
 * crc32.c - CRC-32 (IEEE 802.3, reflected, zlib's crc32()) for the app
 * header.  A 16-entry nibble table: 64 bytes of flash, the header is 252
 * bytes, speed does not matter here.
 */
#include "mv/core.h"

uint32_t mv_crc32(uint32_t crc, const void *data, uint32_t len)
{
	static const uint32_t nib[16] = {
	    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
	    0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu, 0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
	};
	const uint8_t *p = data;

	crc = ~crc;
	while (len-- > 0u) {
		crc ^= *p++;
		crc = (crc >> 4) ^ nib[crc & 15u];
		crc = (crc >> 4) ^ nib[crc & 15u];
	}
	return ~crc;
}

/* The delta patcher's CRC (src/delta/mvd.h, declared here as it is there:
 * this file is also built where that header is not on the path), the
 * same function: it takes the place of the patcher's own bitwise copy,
 * which is weak, so that an image carries one CRC-32. */
uint32_t mvd_crc32(uint32_t crc, const uint8_t *p, uint32_t n);
uint32_t mvd_crc32(uint32_t crc, const uint8_t *p, uint32_t n)
{
	return mv_crc32(crc, p, n);
}

int mv_memeq_ct(const void *a, const void *b, uint32_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t acc = 0;

	for (uint32_t i = 0; i < len; i++)
		acc |= (uint8_t)(x[i] ^ y[i]);
	return acc == 0u;
}
