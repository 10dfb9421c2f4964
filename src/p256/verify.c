/*
 * verify.c - ECDSA P-256 verification (mvp.h), written for this project
 * from the curve's published parameters (SEC 2, FIPS 186-4 D.1.2.3) and
 * the textbook algorithms:
 *
 *   numbers   eight 32-bit limbs, least significant first;
 *   modular   Montgomery multiplication (CIOS) with the modulus, its
 *             -m^-1 mod 2^32 and R^2 mod m computed on the way in, so the
 *             same code serves the field (p) and the scalars (n);
 *             inverses by Fermat (a^(m-2));
 *   points    Jacobian coordinates, doubling for a = -3, addition that
 *             falls back to doubling for equal points and to infinity for
 *             opposite ones;
 *   verify    u1 = e/s, u2 = r/s mod n, then u1*G + u2*Q with both scalars
 *             in one pass (Shamir's trick), and x(R) mod n == r.
 */
#include "mvp.h"

typedef uint32_t num[8];

struct mod {
	num m;
	uint32_t minv; /* -m^-1 mod 2^32 */
	num rr;        /* R^2 mod m, R = 2^256 */
	num one;       /* R mod m: 1 in Montgomery form */
};

struct pt {
	num x, y, z; /* Jacobian, Montgomery form; z == 0: infinity */
};

/* The curve: p, n, b and the base point G, big-endian as published. */
static const uint8_t P_BE[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
				  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
				  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t N_BE[32] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
				  0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
				  0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51 };
static const uint8_t B_BE[32] = { 0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd,
				  0x55, 0x76, 0x98, 0x86, 0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53,
				  0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b };
static const uint8_t GX_BE[32] = { 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6,
				   0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb,
				   0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96 };
static const uint8_t GY_BE[32] = { 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
				   0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
				   0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5 };

/* ---- plain 256-bit numbers */

static void from_be(num a, const uint8_t b[32])
{
	for (int i = 0; i < 8; i++) {
		const uint8_t *q = b + 28 - 4 * i;
		a[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
	}
}

static int is_zero(const num a)
{
	uint32_t o = 0;
	for (int i = 0; i < 8; i++)
		o |= a[i];
	return o == 0;
}

/* -1, 0 or 1 as a <, ==, > b */
static int cmp(const num a, const num b)
{
	for (int i = 7; i >= 0; i--)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* r = a + b; returns the carry */
static uint32_t add(num r, const num a, const num b)
{
	uint64_t c = 0;
	for (int i = 0; i < 8; i++) {
		c += (uint64_t)a[i] + b[i];
		r[i] = (uint32_t)c;
		c >>= 32;
	}
	return (uint32_t)c;
}

/* r = a - b; returns the borrow */
static uint32_t sub(num r, const num a, const num b)
{
	int64_t c = 0;
	for (int i = 0; i < 8; i++) {
		c += (int64_t)a[i] - b[i];
		r[i] = (uint32_t)c;
		c >>= 32; /* arithmetic: 0 or -1 */
	}
	return (uint32_t)(c & 1);
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
		memcpy(r, t, sizeof(num));
}

static void mod_sub(num r, const num a, const num b, const struct mod *md)
{
	if (sub(r, a, b))
		add(r, r, md->m);
}

/* r = a * b / R mod m (CIOS); r may be a or b */
static void mont_mul(num r, const num a, const num b, const struct mod *md)
{
	uint32_t t[10] = { 0 };
	for (int i = 0; i < 8; i++) {
		uint64_t c = 0;
		for (int j = 0; j < 8; j++) {
			c += (uint64_t)a[j] * b[i] + t[j];
			t[j] = (uint32_t)c;
			c >>= 32;
		}
		c += t[8];
		t[8] = (uint32_t)c;
		t[9] = (uint32_t)(c >> 32);
		uint32_t u = t[0] * md->minv;
		c = ((uint64_t)u * md->m[0] + t[0]) >> 32;
		for (int j = 1; j < 8; j++) {
			c += (uint64_t)u * md->m[j] + t[j];
			t[j - 1] = (uint32_t)c;
			c >>= 32;
		}
		c += t[8];
		t[7] = (uint32_t)c;
		t[8] = t[9] + (uint32_t)(c >> 32);
	}
	num d;
	uint32_t borrow = sub(d, t, md->m);
	if (t[8] || !borrow)
		memcpy(r, d, sizeof(num));
	else
		memcpy(r, t, sizeof(num));
}

static void mod_init(struct mod *md, const uint8_t m_be[32])
{
	from_be(md->m, m_be);
	/* m^-1 mod 2^32 by Newton's iteration (m odd): each step doubles the
	 * correct low bits, 1 -> 2 -> ... -> 32 after five */
	uint32_t inv = 1;
	for (int i = 0; i < 5; i++)
		inv *= 2u - md->m[0] * inv;
	md->minv = 0u - inv;
	/* R mod m = 2^256 - m (m > 2^255 for both moduli), then doubled 256
	 * times: R^2 mod m */
	num zero = { 0 };
	sub(md->one, zero, md->m);
	memcpy(md->rr, md->one, sizeof(num));
	for (int i = 0; i < 256; i++)
		mod_add(md->rr, md->rr, md->rr, md);
}

static void to_mont(num r, const num a, const struct mod *md)
{
	mont_mul(r, a, md->rr, md);
}

static void from_mont(num r, const num a, const struct mod *md)
{
	num one = { 1 };
	mont_mul(r, a, one, md);
}

/* r = a^(m-2) = a^-1 (Montgomery form in and out); a != 0 */
static void mod_inv(num r, const num a, const struct mod *md)
{
	num e, acc;
	memcpy(e, md->m, sizeof(num));
	e[0] -= 2; /* m is odd and its low limb above 2: no borrow */
	memcpy(acc, md->one, sizeof(num));
	for (int i = 255; i >= 0; i--) {
		mont_mul(acc, acc, acc, md);
		if (bit(e, i))
			mont_mul(acc, acc, a, md);
	}
	memcpy(r, acc, sizeof(num));
}

/* ---- points over the field (struct mod *f is p's) */

/* The point formulas as programs over a work array of field elements,
 * run by one loop: three bytes a step (operation and destination, then
 * the two operands), so the formulas cost bytes of data instead of a call
 * sequence each.  Slots 0-2 hold the first point, 3-5 the second. */
enum { F_MUL = 0, F_ADD = 1, F_SUB = 2 };
#define STEP(op, d, a, b) (uint8_t)((op) << 5 | (d)), (uint8_t)(a), (uint8_t)(b)

static void field_run(num *w, const uint8_t *p, unsigned steps, const struct mod *f)
{
	for (; steps--; p += 3) {
		uint32_t *d = w[p[0] & 31u];
		const uint32_t *x = w[p[1]], *y = w[p[2]];
		if (p[0] >> 5 == F_MUL)
			mont_mul(d, x, y, f);
		else if (p[0] >> 5 == F_ADD)
			mod_add(d, x, y, f);
		else
			mod_sub(d, x, y, f);
	}
}

/* Doubling for a = -3 ("dbl-2001-b"): X Y Z in 0-2, the result in 12-14. */
enum { D_DELTA = 6, D_GAMMA, D_BETA, D_ALPHA, D_T, D_U, D_X3, D_Y3, D_Z3, D_SLOTS };
static const uint8_t DBL[] = {
	STEP(F_MUL, D_DELTA, 2, 2),           STEP(F_MUL, D_GAMMA, 1, 1),
	STEP(F_MUL, D_BETA, 0, D_GAMMA),      STEP(F_SUB, D_T, 0, D_DELTA),
	STEP(F_ADD, D_U, 0, D_DELTA),         STEP(F_MUL, D_ALPHA, D_T, D_U),
	STEP(F_ADD, D_T, D_ALPHA, D_ALPHA),   STEP(F_ADD, D_ALPHA, D_T, D_ALPHA), /* 3 (x - delta)(x + delta) */
	STEP(F_ADD, D_T, D_BETA, D_BETA),     STEP(F_ADD, D_T, D_T, D_T),         /* 4 beta */
	STEP(F_ADD, D_U, D_T, D_T),                                               /* 8 beta */
	STEP(F_MUL, D_X3, D_ALPHA, D_ALPHA),  STEP(F_SUB, D_X3, D_X3, D_U),
	STEP(F_ADD, D_U, 1, 2),               STEP(F_MUL, D_Z3, D_U, D_U),
	STEP(F_SUB, D_Z3, D_Z3, D_GAMMA),     STEP(F_SUB, D_Z3, D_Z3, D_DELTA),
	STEP(F_SUB, D_T, D_T, D_X3),          STEP(F_MUL, D_Y3, D_ALPHA, D_T),
	STEP(F_MUL, D_U, D_GAMMA, D_GAMMA),   STEP(F_ADD, D_U, D_U, D_U),
	STEP(F_ADD, D_U, D_U, D_U),           STEP(F_ADD, D_U, D_U, D_U), /* 8 gamma^2 */
	STEP(F_SUB, D_Y3, D_Y3, D_U),
};

/* Addition ("add-1998-cmo-2"): the first point in 0-2, the second in 3-5;
 * ADD1 leaves H and R, ADD2 the result in 6-8 (slots dead by then). */
enum { A_Z1Z1 = 6, A_Z2Z2, A_U1, A_U2, A_S1, A_S2, A_H, A_R, A_HH, A_HHH, A_V, A_T, A_SLOTS };
enum { A_X3 = A_Z1Z1, A_Y3 = A_Z2Z2, A_Z3 = A_U1 };
static const uint8_t ADD1[] = {
	STEP(F_MUL, A_Z1Z1, 2, 2),  STEP(F_MUL, A_Z2Z2, 5, 5),  STEP(F_MUL, A_U1, 0, A_Z2Z2),
	STEP(F_MUL, A_U2, 3, A_Z1Z1), STEP(F_MUL, A_T, 5, A_Z2Z2), STEP(F_MUL, A_S1, 1, A_T),
	STEP(F_MUL, A_T, 2, A_Z1Z1),  STEP(F_MUL, A_S2, 4, A_T),   STEP(F_SUB, A_H, A_U2, A_U1),
	STEP(F_SUB, A_R, A_S2, A_S1),
};
static const uint8_t ADD2[] = {
	STEP(F_MUL, A_HH, A_H, A_H),   STEP(F_MUL, A_HHH, A_H, A_HH), STEP(F_MUL, A_V, A_U1, A_HH),
	STEP(F_MUL, A_X3, A_R, A_R),   STEP(F_SUB, A_X3, A_X3, A_HHH), STEP(F_SUB, A_X3, A_X3, A_V),
	STEP(F_SUB, A_X3, A_X3, A_V),  STEP(F_SUB, A_T, A_V, A_X3),   STEP(F_MUL, A_Y3, A_R, A_T),
	STEP(F_MUL, A_T, A_S1, A_HHH), STEP(F_SUB, A_Y3, A_Y3, A_T),  STEP(F_MUL, A_T, 2, 5),
	STEP(F_MUL, A_Z3, A_T, A_H),
};
_Static_assert(A_SLOTS <= 32 && D_SLOTS <= 32, "slot numbers fit five bits");

static void pt_dbl(struct pt *r, const struct pt *a, const struct mod *f)
{
	if (is_zero(a->z) || is_zero(a->y)) {
		memset(r, 0, sizeof(*r));
		return;
	}
	num w[D_SLOTS];
	memcpy(w, a, sizeof(*a));
	field_run(w, DBL, sizeof(DBL) / 3, f);
	memcpy(r, w + D_X3, sizeof(*r));
}

static void pt_add(struct pt *r, const struct pt *a, const struct pt *b, const struct mod *f)
{
	if (is_zero(a->z)) {
		memcpy(r, b, sizeof(*r));
		return;
	}
	if (is_zero(b->z)) {
		memcpy(r, a, sizeof(*r));
		return;
	}
	num w[A_SLOTS];
	memcpy(w, a, sizeof(*a));
	memcpy(w + 3, b, sizeof(*b));
	field_run(w, ADD1, sizeof(ADD1) / 3, f);
	if (is_zero(w[A_H])) {
		if (is_zero(w[A_R]))
			pt_dbl(r, a, f); /* the same point */
		else
			memset(r, 0, sizeof(*r)); /* opposite points */
		return;
	}
	field_run(w, ADD2, sizeof(ADD2) / 3, f);
	memcpy(r, w + A_X3, sizeof(*r));
}

static int on_curve(struct pt *q, const num x, const num y, const struct mod *f)
{
	num b, lhs, rhs, t;
	from_be(t, B_BE);
	to_mont(b, t, f);
	to_mont(q->x, x, f);
	to_mont(q->y, y, f);
	memcpy(q->z, f->one, sizeof(num));
	mont_mul(lhs, q->y, q->y, f);
	mont_mul(t, q->x, q->x, f);
	mont_mul(rhs, t, q->x, f);
	mod_sub(rhs, rhs, q->x, f);
	mod_sub(rhs, rhs, q->x, f);
	mod_sub(rhs, rhs, q->x, f);
	mod_add(rhs, rhs, b, f);
	return cmp(lhs, rhs) == 0;
}

int mvp_verify_rs(const uint8_t pub[64], const uint8_t hash[32], const uint8_t r_be[32], const uint8_t s_be[32])
{
	struct mod f, n;
	mod_init(&f, P_BE);
	mod_init(&n, N_BE);
	num qx, qy, r, s, e;
	struct pt q, g, gq, acc;
	from_be(qx, pub);
	from_be(qy, pub + 32);
	if (cmp(qx, f.m) >= 0 || cmp(qy, f.m) >= 0 || !on_curve(&q, qx, qy, &f))
		return MVP_E_KEY;
	from_be(r, r_be);
	from_be(s, s_be);
	if (is_zero(r) || is_zero(s) || cmp(r, n.m) >= 0 || cmp(s, n.m) >= 0)
		return MVP_E_SIG;
	from_be(e, hash);
	if (cmp(e, n.m) >= 0) /* e < 2^256 < 2n */
		sub(e, e, n.m);

	/* u1 = e / s, u2 = r / s (mod n) */
	num sm, w, t, u1, u2;
	to_mont(sm, s, &n);
	mod_inv(w, sm, &n);
	to_mont(t, e, &n);
	mont_mul(t, t, w, &n);
	from_mont(u1, t, &n);
	to_mont(t, r, &n);
	mont_mul(t, t, w, &n);
	from_mont(u2, t, &n);

	num gx, gy;
	from_be(gx, GX_BE);
	from_be(gy, GY_BE);
	to_mont(g.x, gx, &f);
	to_mont(g.y, gy, &f);
	memcpy(g.z, f.one, sizeof(num));
	pt_add(&gq, &g, &q, &f);
	memset(&acc, 0, sizeof(acc));
	for (int i = 255; i >= 0; i--) {
		pt_dbl(&acc, &acc, &f);
		int b1 = bit(u1, i), b2 = bit(u2, i);
		if (b1 && b2)
			pt_add(&acc, &acc, &gq, &f);
		else if (b1)
			pt_add(&acc, &acc, &g, &f);
		else if (b2)
			pt_add(&acc, &acc, &q, &f);
	}
	if (is_zero(acc.z))
		return MVP_E_BAD;
	/* affine x = X / Z^2, then mod n (x < p < 2n) */
	num zi, x;
	mod_inv(zi, acc.z, &f);
	mont_mul(zi, zi, zi, &f);
	mont_mul(x, acc.x, zi, &f);
	from_mont(x, x, &f);
	if (cmp(x, n.m) >= 0)
		sub(x, x, n.m);
	return cmp(x, r) == 0 ? MVP_OK : MVP_E_BAD;
}

/* One DER INTEGER at p[0..len): its value's bytes (without a sign byte)
 * into out[32], right-aligned.  Returns the bytes the INTEGER took, or 0. */
static size_t der_int(const uint8_t *p, size_t len, uint8_t out[32])
{
	if (len < 3 || p[0] != 0x02 || p[1] < 1 || p[1] > 33 || (size_t)p[1] + 2 > len)
		return 0;
	size_t n = p[1];
	const uint8_t *v = p + 2;
	if (v[0] & 0x80)
		return 0; /* negative */
	if (n > 1 && v[0] == 0 && !(v[1] & 0x80))
		return 0; /* a zero byte that is not needed */
	if (v[0] == 0 && n > 1) {
		v++;
		n--;
	}
	if (n > 32)
		return 0;
	memset(out, 0, 32);
	memcpy(out + 32 - n, v, n);
	return (size_t)p[1] + 2;
}

int mvp_der_decode(const uint8_t *der, size_t der_len, uint8_t r[32], uint8_t s[32])
{
	if (der_len < 2 || der[0] != 0x30 || der[1] > 0x7f || (size_t)der[1] + 2 != der_len)
		return MVP_E_SIG;
	size_t a = der_int(der + 2, der_len - 2, r);
	if (!a)
		return MVP_E_SIG;
	size_t b = der_int(der + 2 + a, der_len - 2 - a, s);
	if (!b || 2 + a + b != der_len)
		return MVP_E_SIG;
	return MVP_OK;
}

int mvp_verify_der(const uint8_t pub[64], const uint8_t hash[32], const uint8_t *der, size_t der_len)
{
	uint8_t r[32], s[32];
	int rc = mvp_der_decode(der, der_len, r, s);
	return rc ? rc : mvp_verify_rs(pub, hash, r, s);
}
