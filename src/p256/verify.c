/*
 * verify.c - ECDSA P-256 verification (mvp.h), written for this project
 * from the curve's published parameters (SEC 2, FIPS 186-4 D.1.2.3) and
 * the textbook algorithms:
 *
 *   numbers   eight 32-bit limbs, least significant first;
 *   modular   Montgomery multiplication (FIOS: multiplication and
 *             reduction in one pass) with the modulus, its -m^-1 mod 2^32
 *             and R^2 mod m computed on the way in, so the same code
 *             serves the field (p) and the scalars (n); the one inverse
 *             (of s) by Fermat (a^(m-2));
 *   points    projective coordinates and the complete addition formula
 *             for a = -3 (Renes, Costello, Batina 2015, algorithm 4): one
 *             formula, run as a program over a work array, for sums,
 *             doublings, opposite and neutral points alike;
 *   verify    u1 = e/s, u2 = r/s mod n, then u1*G + u2*Q with both scalars
 *             in one pass (Shamir's trick), and x(R) mod n == r, compared
 *             projectively (X == r Z) so that the field needs no inverse.
 */
#include "mvp.h"

typedef uint32_t num[8];

struct mod {
	num m;
	uint32_t minv; /* -m^-1 mod 2^32 */
	num rr;        /* R^2 mod m, R = 2^256 */
};

/* The curve: p, n, b and the base point G as published, in 32-bit limbs
 * least significant first (each limb is eight hex digits of the
 * big-endian value, read from the right). */
static const num P = { 0xffffffff, 0xffffffff, 0xffffffff, 0x00000000,
			0x00000000, 0x00000000, 0x00000001, 0xffffffff };
static const num N = { 0xfc632551, 0xf3b9cac2, 0xa7179e84, 0xbce6faad,
			0xffffffff, 0xffffffff, 0x00000000, 0xffffffff };
static const num B = { 0x27d2604b, 0x3bce3c3e, 0xcc53b0f6, 0x651d06b0,
			0x769886bc, 0xb3ebbd55, 0xaa3a93e7, 0x5ac635d8 };
static const uint32_t G[16] = { 0xd898c296, 0xf4a13945, 0x2deb33a0, 0x77037d81, /* x */
				0x63a440f2, 0xf8bce6e5, 0xe12c4247, 0x6b17d1f2,
				0x37bf51f5, 0xcbb64068, 0x6b315ece, 0x2bce3357, /* y */
				0x7c0f9e16, 0x8ee7eb4a, 0xfe1a7f9b, 0x4fe342e2 };

/* ---- plain 256-bit numbers */

/* n 32-bit words (the C library's memcpy may be a byte loop, and the hot
 * loops copy whole numbers) */
static void fe_copy(uint32_t *r, const uint32_t *a, int n)
{
	for (int i = 0; i < n; i++)
		r[i] = a[i];
}

/* Not inlined at its calls: one copy is smaller (measured on the device) */
__attribute__((noinline)) static void fe_zero(uint32_t *r, int n)
{
	for (int i = 0; i < n; i++)
		r[i] = 0;
}

static void from_be(num a, const uint8_t b[32])
{
	for (int i = 0; i < 8; i++) {
		const uint8_t *q = b + 28 - 4 * i;
		a[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	}
}

/* Not inlined at its calls: one copy is smaller (measured on the device) */
__attribute__((noinline)) static int is_zero(const num a)
{
	uint32_t o = 0;
	for (int i = 0; i < 8; i++)
		o |= a[i];
	return o == 0;
}

/* r = a + b, or a - b as a + ~b + 1 when neg is all ones; returns the
 * carry out (for a subtraction, 1 when there was no borrow) */
static uint32_t addc(num r, const num a, const num b, uint32_t neg)
{
	uint64_t c = neg & 1u;
	for (int i = 0; i < 8; i++) {
		c += (uint64_t)a[i] + (b[i] ^ neg);
		r[i] = (uint32_t)c;
		c >>= 32;
	}
	return (uint32_t)c;
}

/* r = a + b; returns the carry */
static uint32_t add(num r, const num a, const num b)
{
	return addc(r, a, b, 0);
}

/* r = a - b; returns the borrow */
static uint32_t sub(num r, const num a, const num b)
{
	return addc(r, a, b, ~0u) ^ 1u;
}

/* a < b: a - b borrows */
static int below(const num a, const num b)
{
	num t;
	return (int)sub(t, a, b);
}

static int bit(const num a, int i)
{
	return (int)(a[i / 32] >> (i % 32) & 1u);
}

/* ---- modular arithmetic; operands below m */

static void mod_add(num r, const num a, const num b, const struct mod *md)
{
	num t;
	uint32_t carry = add(r, a, b);
	if (sub(t, r, md->m) <= carry) /* r >= m, or the sum overflowed 2^256 */
		fe_copy(r, t, 8);
}

static void mod_sub(num r, const num a, const num b, const struct mod *md)
{
	if (sub(r, a, b))
		add(r, r, md->m);
}

/* r = a * b / R mod m; r may be a or b.  Montgomery multiplication with
 * the multiplication and the reduction in one pass over the limbs (FIOS):
 * t stays below 2m, and one subtraction at the end brings it below m
 * (a < 2^256 and b < m are enough). */
static void mont_mul(num r, const num a, const num b, const struct mod *md)
{
	uint32_t t[9];
	fe_zero(t, 9);
	for (int i = 0; i < 8; i++) {
		uint64_t c = (uint64_t)a[0] * b[i] + t[0];
		uint32_t u = (uint32_t)c * md->minv;
		uint64_t d = (uint64_t)u * md->m[0] + (uint32_t)c; /* low word 0 */
		c >>= 32;
		d >>= 32;
		for (int j = 1; j < 8; j++) {
			c += (uint64_t)a[j] * b[i] + t[j];
			d += (uint64_t)u * md->m[j] + (uint32_t)c;
			t[j - 1] = (uint32_t)d;
			c >>= 32;
			d >>= 32;
		}
		c += t[8];
		d += (uint32_t)c;
		t[7] = (uint32_t)d;
		t[8] = (uint32_t)(c >> 32) + (uint32_t)(d >> 32);
	}
	num d;
	uint32_t borrow = sub(d, t, md->m);
	fe_copy(r, t[8] || !borrow ? d : t, 8);
}

static void mod_init(struct mod *md, const num m)
{
	fe_copy(md->m, m, 8);
	/* m^-1 mod 2^32 by Newton's iteration (m odd): each step doubles the
	 * correct low bits, 1 -> 2 -> ... -> 32 after five */
	uint32_t inv = 1;
	for (int i = 0; i < 5; i++)
		inv *= 2u - md->m[0] * inv;
	md->minv = 0u - inv;
	/* R mod m = 2^256 - m (m > 2^255 for both moduli), then doubled 256
	 * times: R^2 mod m */
	fe_zero(md->rr, 8);
	sub(md->rr, md->rr, md->m);
	for (int i = 0; i < 256; i++)
		mod_add(md->rr, md->rr, md->rr, md);
}

/* Not inlined at its six calls: one copy is smaller */
__attribute__((noinline)) static void to_mont(num r, const num a, const struct mod *md)
{
	mont_mul(r, a, md->rr, md);
}

/* r = a^(m-2) = a^-1 (Montgomery form in and out); a != 0; r is not a.
 * The exponent's top bit is set (m > 2^255): r starts as a, at the next. */
static void mod_inv(num r, const num a, const struct mod *md)
{
	fe_copy(r, a, 8);
	for (int i = 254; i >= 0; i--) {
		mont_mul(r, r, r, md);
		/* m - 2 differs from m in the low limb only (m is odd and that
		 * limb above 2: no borrow) */
		if ((md->m[i / 32] - (i < 32 ? 2u : 0u)) >> (i % 32) & 1u)
			mont_mul(r, r, a, md);
	}
}

/* ---- points over the field (struct mod *f is p's) */

/* The point formulas as programs over a work array of field elements
 * (slot i is the 8 words at w + 8 i), run by one loop: a 16-bit word a
 * step (operation, destination and the two operands, four bits each), so
 * the formulas cost bytes of data instead of a call sequence each.  A
 * point is three slots, X Y Z, projective, in Montgomery form.  Slots 0-2
 * hold the accumulator, which the formulas update in place, 3-5 the point
 * added to it, the slots above the intermediate values. */
enum { F_MUL = 0, F_ADD = 1, F_SUB = 2 };
#define STEP(op, d, a, b) (uint16_t)((op) << 12 | (d) << 8 | (a) << 4 | (b))

#define SLOT(w, i) ((w) + 8 * (i))

static void field_run(uint32_t *w, const uint16_t *p, unsigned steps, const struct mod *f)
{
	for (; steps--; p++) {
		uint32_t *d = SLOT(w, *p >> 8 & 15u);
		const uint32_t *x = SLOT(w, *p >> 4 & 15u), *y = SLOT(w, *p & 15u);
		if (*p >> 12 == F_MUL)
			mont_mul(d, x, y, f);
		else if (*p >> 12 == F_ADD)
			mod_add(d, x, y, f);
		else
			mod_sub(d, x, y, f);
	}
}

/* Addition, complete ("add-2015-rcb", Renes, Costello, Batina: algorithm
 * 4 for a = -3): in projective coordinates (x = X/Z, y = Y/Z, the
 * neutral point (0 : 1 : 0)), one formula for every pair of points, equal,
 * opposite or neutral ones included, so doubling is adding a point to
 * itself.  The first point in 0-2 becomes the sum, the second in 3-5, b
 * in 6; 3-5 serve as temporaries once the inputs are read. */
enum { A_B = 6, A_XX, A_YY, A_ZZ, A_XY, A_YZ, A_XZ, A_T, A_U, A_SLOTS };
enum { A_YM = 3, A_YP = 4, A_V = 5 };
static const uint16_t ADD[] = {
	STEP(F_MUL, A_XX, 0, 3),       STEP(F_MUL, A_YY, 1, 4),       STEP(F_MUL, A_ZZ, 2, 5),
	STEP(F_ADD, A_T, 0, 1),        STEP(F_ADD, A_U, 3, 4),        STEP(F_MUL, A_XY, A_T, A_U),
	STEP(F_ADD, A_T, A_XX, A_YY),  STEP(F_SUB, A_XY, A_XY, A_T), /* X1 Y2 + X2 Y1 */
	STEP(F_ADD, A_T, 1, 2),        STEP(F_ADD, A_U, 4, 5),        STEP(F_MUL, A_YZ, A_T, A_U),
	STEP(F_ADD, A_T, A_YY, A_ZZ),  STEP(F_SUB, A_YZ, A_YZ, A_T), /* Y1 Z2 + Y2 Z1 */
	STEP(F_ADD, A_T, 0, 2),        STEP(F_ADD, A_U, 3, 5),        STEP(F_MUL, A_XZ, A_T, A_U),
	STEP(F_ADD, A_T, A_XX, A_ZZ),  STEP(F_SUB, A_XZ, A_XZ, A_T), /* X1 Z2 + X2 Z1; inputs read */
	STEP(F_MUL, A_T, A_B, A_ZZ),   STEP(F_SUB, A_T, A_XZ, A_T),   STEP(F_ADD, A_U, A_T, A_T),
	STEP(F_ADD, A_T, A_U, A_T),    STEP(F_SUB, A_YM, A_YY, A_T),  STEP(F_ADD, A_YP, A_YY, A_T),
	STEP(F_ADD, A_T, A_ZZ, A_ZZ),  STEP(F_ADD, A_ZZ, A_T, A_ZZ), /* 3 ZZ */
	STEP(F_MUL, A_T, A_B, A_XZ),   STEP(F_ADD, A_U, A_ZZ, A_XX),  STEP(F_SUB, A_T, A_T, A_U),
	STEP(F_ADD, A_U, A_T, A_T),    STEP(F_ADD, A_T, A_U, A_T),    /* 3 (b XZ - 3 ZZ - XX) */
	STEP(F_ADD, A_U, A_XX, A_XX),  STEP(F_ADD, A_U, A_U, A_XX),   STEP(F_SUB, A_U, A_U, A_ZZ), /* 3 XX - 3 ZZ */
	STEP(F_MUL, 0, A_YP, A_XY),    STEP(F_MUL, A_V, A_YZ, A_T),   STEP(F_SUB, 0, 0, A_V),
	STEP(F_MUL, 1, A_YP, A_YM),    STEP(F_MUL, A_V, A_U, A_T),    STEP(F_ADD, 1, 1, A_V),
	STEP(F_MUL, 2, A_YM, A_YZ),    STEP(F_MUL, A_V, A_XY, A_U),   STEP(F_ADD, 2, 2, A_V),
};
_Static_assert(A_SLOTS <= 16, "slot numbers fit four bits");

/* slots 0-2 += the point at b (which may be slot 0: doubling) */
static void pt_add(uint32_t *w, const uint32_t *b, const struct mod *f)
{
	fe_copy(SLOT(w, 3), b, 24);
	field_run(w, ADD, sizeof(ADD) / sizeof(ADD[0]), f);
}

/* The curve's equation in projective coordinates, Y^2 Z = X^3 - 3 X Z^2 +
 * b Z^3: the point in slots 0-2, b in 6; slot 4 ends as the difference of
 * the two sides, 0 on the curve (3, 5 and 7 are overwritten). */
static const uint16_t CURVE[] = {
	STEP(F_MUL, 3, 1, 1), STEP(F_MUL, 3, 3, 2), STEP(F_MUL, 4, 0, 0), STEP(F_MUL, 4, 4, 0),
	STEP(F_MUL, 5, 2, 2), STEP(F_MUL, 7, 5, 0), STEP(F_SUB, 4, 4, 7), STEP(F_SUB, 4, 4, 7),
	STEP(F_SUB, 4, 4, 7), STEP(F_MUL, 5, 5, 2), STEP(F_MUL, 5, 5, A_B), STEP(F_ADD, 4, 4, 5),
	STEP(F_SUB, 4, 4, 3),
};

/* Out of line: the device calls it twice (mvp_verify_der for updates,
 * the link's AUTH), and inlined into both it would be there twice. */
__attribute__((noinline)) int mvp_verify_rs(const uint8_t pub[64], const uint8_t hash[32], const uint8_t r_be[32], const uint8_t s_be[32])
{
	struct mod f, n;
	num rs[2], e, u2;
	uint32_t w[A_SLOTS * 8], t[3 * 24]; /* t: G, Q and G + Q, what each pair of scalar bits adds */
	mod_init(&f, P);
	mod_init(&n, N);

	/* Q: coordinates below p, on the curve.  A point (x, y) goes in as
	 * the plain numbers (x : y : 1), not converted: read as Montgomery
	 * forms they are the field elements (x/R : y/R : 1/R), the same
	 * projective point. */
	from_be(SLOT(w, 0), pub);
	from_be(SLOT(w, 1), pub + 32);
	if (!below(SLOT(w, 0), f.m) || !below(SLOT(w, 1), f.m))
		return MVP_E_KEY;
	fe_zero(SLOT(w, 2), 8);
	SLOT(w, 2)[0] = 1; /* Z, kept for G below */
	to_mont(SLOT(w, A_B), B, &f);
	field_run(w, CURVE, sizeof(CURVE) / sizeof(CURVE[0]), &f);
	if (!is_zero(SLOT(w, 4)))
		return MVP_E_KEY;
	fe_copy(t + 24, w, 24);

	/* r and s in [1, n - 1] */
	for (int k = 0; k < 2; k++) {
		from_be(rs[k], k ? s_be : r_be);
		if (is_zero(rs[k]) || !below(rs[k], n.m))
			return MVP_E_SIG;
	}
	from_be(e, hash);

	/* u1 = e / s, u2 = r / s (mod n): 1/s in Montgomery form, and the
	 * Montgomery product of a plain number with it is plain (and reduced:
	 * e < 2^256 needs no reduction first, a product below nR is enough) */
	to_mont(rs[1], rs[1], &n);
	mod_inv(u2, rs[1], &n);
	mont_mul(e, e, u2, &n);
	mont_mul(u2, rs[0], u2, &n);

	/* G, then G + Q by the accumulator */
	fe_copy(w, G, 16);
	fe_copy(t, w, 24);
	pt_add(w, t + 24, &f);
	fe_copy(t + 48, w, 24);

	/* u1 G + u2 Q, both scalars in one pass, from the neutral point: any
	 * (0 : Y : 0) with Y != 0 is it, so Y need not be 1 */
	fe_zero(w, 24);
	SLOT(w, 1)[0] = 1;
	for (int i = 255; i >= 0; i--) {
		pt_add(w, w, &f);
		int k = bit(e, i) | bit(u2, i) << 1;
		if (k)
			pt_add(w, t + 24 * (k - 1), &f);
	}
	if (is_zero(SLOT(w, 2)))
		return MVP_E_BAD;
	/* x = X / Z < p < 2n, so x mod n == r when x is r or r + n: X == r Z
	 * or X == (r + n) Z, the latter only where r + n < p (no inversion;
	 * e, u1, is free now) */
	for (;;) {
		to_mont(e, rs[0], &f);
		mont_mul(e, e, SLOT(w, 2), &f);
		sub(e, e, w); /* 0 when they are equal */
		if (is_zero(e))
			return MVP_OK;
		if (add(rs[0], rs[0], n.m) || !below(rs[0], f.m))
			return MVP_E_BAD;
	}
}

/* One DER INTEGER at p[0..len): its value's bytes (without a sign byte)
 * into out[32], right-aligned.  Returns the bytes the INTEGER took, or 0.
 * Not inlined at its call, in a loop of two: smaller (measured on the
 * device). */
__attribute__((noinline)) static size_t der_int(const uint8_t *p, size_t len, uint8_t out[32])
{
	if (len < 3 || p[0] != 0x02 || p[1] < 1 || p[1] > 33 || (size_t)p[1] + 2 > len)
		return 0;
	size_t n = p[1];
	const uint8_t *v = p + 2;
	if (v[0] & 0x80)
		return 0; /* negative */
	if (v[0] == 0 && n > 1) {
		if (!(v[1] & 0x80))
			return 0; /* a zero byte that is not needed */
		v++;
		n--;
	}
	if (n > 32)
		return 0;
	/* zeros, then the value (one loop: smaller than memset and memcpy) */
	for (size_t i = 0; i < 32; i++)
		out[i] = i < 32 - n ? 0 : v[i - (32 - n)];
	return (size_t)p[1] + 2;
}

int mvp_der_decode(const uint8_t *der, size_t der_len, uint8_t r[32], uint8_t s[32])
{
	/* a SEQUENCE whose short-form length (at most 0x7f) is the rest
	 * (der_len - 2 wraps to a large value when der_len < 2) */
	if (der_len - 2 > 0x7f || der[0] != 0x30 || der[1] != der_len - 2)
		return MVP_E_SIG;
	size_t o = 2;
	for (int k = 0; k < 2; k++) {
		size_t a = der_int(der + o, der_len - o, k ? s : r);
		if (!a)
			return MVP_E_SIG;
		o += a;
	}
	return o == der_len ? MVP_OK : MVP_E_SIG;
}

int mvp_verify_der(const uint8_t pub[64], const uint8_t hash[32], const uint8_t *der, size_t der_len)
{
	uint8_t r[32], s[32];
	int rc = mvp_der_decode(der, der_len, r, s);
	return rc ? rc : mvp_verify_rs(pub, hash, r, s);
}
