/* hash.c - SHA-256 (FIPS 180-4; x86 SHA extensions when present, portable C
 * otherwise) and CRC-32 (zlib) behind one small interface. */
#include <string.h>
#include <zlib.h>
#include "mvb/hash.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define MVB_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The compression function in C, one 64-byte block at a time. */
static void blocks_portable(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	for (; nblocks; nblocks--, p += 64) {
		uint32_t w[64], s[8];
		for (int t = 0; t < 16; t++)
			w[t] = be32(p + 4 * t);
		for (int t = 16; t < 64; t++) {
			uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
			uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
			w[t] = w[t - 16] + s0 + w[t - 7] + s1;
		}
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
		for (int t = 0; t < 64; t++) {
			uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
			uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		s[0] = a, s[1] = b, s[2] = c, s[3] = d, s[4] = e, s[5] = f, s[6] = g, s[7] = h;
		for (int i = 0; i < 8; i++)
			st[i] += s[i];
	}
}

#ifdef MVB_SHA_X86
/*
 * The SHA extensions keep the eight working variables in two registers,
 * lanes (3..0) = A B E F and C D G H; SHA256RNDS2 does two rounds and its
 * output A B E F is the C D G H of the two rounds after.  MSG1/MSG2 build
 * the message schedule four words at a time.
 */
__attribute__((target("sha,sse4.1"))) static void blocks_shani(uint32_t st[8], const unsigned char *p, size_t nblocks)
{
	const __m128i bswap = _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)st), 0xb1);       /* b a d c */
	__m128i u = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(const void *)(st + 4)), 0x1b); /* h g f e */
	__m128i abef = _mm_alignr_epi8(t, u, 8);                                                       /* f e b a */
	__m128i cdgh = _mm_blend_epi16(u, t, 0xf0);                                                    /* h g d c */
	for (; nblocks; nblocks--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, m[4];
#pragma GCC unroll 16
		for (int g = 0; g < 16; g++) {
			__m128i *w = &m[g & 3];
			if (g < 4)
				*w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + 16 * g)),
				                      bswap);
			else
				*w = _mm_sha256msg2_epu32(
				    _mm_add_epi32(_mm_sha256msg1_epu32(*w, m[(g + 1) & 3]),
				                  _mm_alignr_epi8(m[(g + 3) & 3], m[(g + 2) & 3], 4)),
				    m[(g + 3) & 3]);
			__m128i wk = _mm_add_epi32(*w, _mm_loadu_si128((const __m128i *)(const void *)(K + 4 * g)));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	t = _mm_shuffle_epi32(abef, 0x1b); /* a b e f */
	u = _mm_shuffle_epi32(cdgh, 0xb1); /* g h c d */
	_mm_storeu_si128((__m128i *)(void *)st, _mm_blend_epi16(t, u, 0xf0));
	_mm_storeu_si128((__m128i *)(void *)(st + 4), _mm_alignr_epi8(u, t, 8));
}
#endif

int mvb_sha256_accelerated(void)
{
#ifdef MVB_SHA_X86
	/* CPUID once (a VM exit under a hypervisor); every caller computes the
	 * same answer, so a race only repeats the question.  Not
	 * __builtin_cpu_supports("sha"): clang 14 (the fuzz builds) lacks it. */
	static int known = -1;
	if (known < 0) {
		unsigned a, b, c, d, sha = 0, sse41 = 0;
		if (__get_cpuid(1, &a, &b, &c, &d))
			sse41 = (c >> 19) & 1;
		if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
			sha = (b >> 29) & 1;
		known = (int)(sha & sse41);
	}
	return known;
#else
	return 0;
#endif
}

static void blocks(struct mvb_sha256 *c, const unsigned char *p, size_t nblocks)
{
#ifdef MVB_SHA_X86
	if (c->accel) {
		blocks_shani(c->h, p, nblocks);
		return;
	}
#endif
	blocks_portable(c->h, p, nblocks);
}

void mvb_sha256_init(struct mvb_sha256 *c)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, iv, sizeof(iv));
	c->bytes = 0;
	c->fill = 0;
	c->accel = mvb_sha256_accelerated();
}

void mvb_sha256_update(struct mvb_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	c->bytes += len;
	if (c->fill) {
		size_t n = 64 - c->fill < len ? 64 - c->fill : len;
		memcpy(c->buf + c->fill, p, n);
		c->fill += (unsigned)n;
		p += n;
		len -= n;
		if (c->fill < 64)
			return;
		blocks(c, c->buf, 1);
		c->fill = 0;
	}
	if (len >= 64) {
		blocks(c, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len) {
		memcpy(c->buf, p, len);
		c->fill = (unsigned)len;
	}
}

void mvb_sha256_final(struct mvb_sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->bytes * 8;
	unsigned char pad[72];
	size_t n = (c->fill < 56 ? 56 : 120) - c->fill; /* 0x80, zeros, then 8 length bytes end a block */
	memset(pad, 0, sizeof(pad));
	pad[0] = 0x80;
	for (int i = 0; i < 8; i++)
		pad[n + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	uint64_t keep = c->bytes;
	mvb_sha256_update(c, pad, n + 8);
	c->bytes = keep;
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void mvb_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct mvb_sha256 c;
	mvb_sha256_init(&c);
	mvb_sha256_update(&c, data, len);
	mvb_sha256_final(&c, out);
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

uint32_t mvb_crc32_update(uint32_t crc, const void *data, uint32_t len)
{
	return (uint32_t)crc32(crc, data, len);
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
