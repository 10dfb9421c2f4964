/*
 * sha256.c - SHA-256 (FIPS 180-4) for binding the app header to its image.
 * Small rather than fast: one 64-byte block buffer, rolled rounds.
 */
#include "mv/core.h"
#include "mvb/le.h"

static const uint32_t k256[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32u - (n))))

/* Rounds with the state in eight locals and the full 64-word schedule
 * computed up front: the compiler keeps the hot loop in registers
 * (a 16-word ring saves 192 bytes of stack but costs ~2x the time). */
static void block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64];
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];

	for (unsigned i = 0; i < 16u; i++)
		w[i] = __builtin_bswap32(mvb_get_le32(p + 4 * i)); /* big-endian words */
	for (unsigned i = 16; i < 64u; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	for (unsigned i = 0; i < 64u; i++) {
		uint32_t t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + k256[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

void mv_sha256_init(struct mv_sha256 *c)
{
	static const uint32_t iv[8] = {
	    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
	};

	/* A loop, not eight constants loaded and stored: 16 bytes less (GCC;
	 * clang, which builds the host fuzz harnesses, has no unroll 0). */
#ifndef __clang__
#pragma GCC unroll 0
#endif
	for (unsigned i = 0; i < 8u; i++)
		c->h[i] = iv[i];
	c->total_lo = 0;
	c->total_hi = 0;
	c->fill = 0;
}

void mv_sha256_update(struct mv_sha256 *c, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint32_t lo = c->total_lo + len;

	c->total_hi += (lo < c->total_lo) ? 1u : 0u;
	c->total_lo = lo;

	while (len > 0u) {
		if (c->fill == 0u && len >= 64u) {
			block(c->h, p);
			p += 64;
			len -= 64u;
			continue;
		}
		uint32_t n = 64u - c->fill;

		if (n > len)
			n = len;
		for (uint32_t i = 0; i < n; i++)
			c->buf[c->fill + i] = p[i];
		c->fill += n;
		p += n;
		len -= n;
		if (c->fill == 64u) {
			block(c->h, c->buf);
			c->fill = 0;
		}
	}
}

static void put_be32(uint8_t *p, uint32_t v)
{
	mvb_set_le32(p, __builtin_bswap32(v));
}

void mv_sha256_final(struct mv_sha256 *c, uint8_t out[MV_SHA256_LEN])
{
	/* 0x80, zeros up to 56 bytes into a block, the length in bits
	 * (big-endian, taken before the padding is added). */
	uint8_t pad[72] = {0x80u};
	uint32_t padlen = (c->fill < 56u) ? (56u - c->fill) : (120u - c->fill);

	put_be32(pad + padlen, (c->total_hi << 3) | (c->total_lo >> 29));
	put_be32(pad + padlen + 4u, c->total_lo << 3);
	mv_sha256_update(c, pad, padlen + 8u);
	for (unsigned i = 0; i < 8u; i++)
		put_be32(out + 4u * i, c->h[i]);
}
