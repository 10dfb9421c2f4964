/* auth.c - the AUTH that answers a device's CHALLENGE (signed with the
 * debug key it trusts), and a crash record put together from its CRASH
 * parts (mvbuild-link(5)). */
#include <stdio.h>
#include <string.h>
#include "mvb/auth.h"
#include "mvb/buf.h"
#include "mvb/hash.h"
#include "mvb/status.h"

int mvb_auth_challenge_get(const uint8_t *p, size_t n, struct mvl_challenge *c)
{
	memset(c, 0, sizeof(*c));
	if (n != MVB_AUTH_CHALLENGE_SIZE)
		return -1;
	memcpy(c->lc_nonce, p, MVL_NONCE_SIZE);
	memcpy(c->lc_serial, p + 0x10, sizeof(c->lc_serial));
	memcpy(c->lc_key_id, p + 0x30, sizeof(c->lc_key_id));
	c->lc_max_s = mvb_get_le32(p + 0x38);
	c->lc_reserved = mvb_get_le32(p + 0x3c);
	return 0;
}

void mvb_auth_challenge_put(uint8_t o[MVB_AUTH_CHALLENGE_SIZE], const struct mvl_challenge *c)
{
	memcpy(o, c->lc_nonce, MVL_NONCE_SIZE);
	memcpy(o + 0x10, c->lc_serial, sizeof(c->lc_serial));
	memcpy(o + 0x30, c->lc_key_id, sizeof(c->lc_key_id));
	mvb_put_le32(o + 0x38, c->lc_max_s);
	mvb_put_le32(o + 0x3c, c->lc_reserved);
}

void mvb_auth_put(uint8_t o[MVB_AUTH_SIZE], const struct mvl_auth *a)
{
	mvb_put_le32(o, a->la_magic);
	mvb_put_le32(o + 0x04, a->la_seconds);
	memcpy(o + 0x08, a->la_nonce, MVL_NONCE_SIZE);
	memcpy(o + 0x18, a->la_serial, sizeof(a->la_serial));
	memcpy(o + 0x38, a->la_key_id, sizeof(a->la_key_id));
	memcpy(o + 0x40, a->la_sig, sizeof(a->la_sig));
}

int mvb_auth_get(const uint8_t *p, size_t n, struct mvl_auth *a)
{
	memset(a, 0, sizeof(*a));
	if (n != MVB_AUTH_SIZE || mvb_get_le32(p) != MVL_AUTH_MAGIC)
		return -1;
	a->la_magic = MVL_AUTH_MAGIC;
	a->la_seconds = mvb_get_le32(p + 0x04);
	memcpy(a->la_nonce, p + 0x08, MVL_NONCE_SIZE);
	memcpy(a->la_serial, p + 0x18, sizeof(a->la_serial));
	memcpy(a->la_key_id, p + 0x38, sizeof(a->la_key_id));
	memcpy(a->la_sig, p + 0x40, sizeof(a->la_sig));
	return 0;
}

void mvb_auth_digest(const struct mvl_auth *a, uint8_t dg[32])
{
	uint8_t p[MVB_AUTH_SIZE];
	mvb_auth_put(p, a);
	mvb_sha256(p, MVL_AUTH_SIGNED, dg);
}

/* One INTEGER of a DER ECDSA-Sig-Value at d[*pos..n) as a 32-byte
 * big-endian number: short-form length, at most 33 bytes of which only a
 * leading zero may go beyond 32.  0, or -1. */
static int der_int32(const uint8_t *d, size_t n, size_t *pos, uint8_t out[32])
{
	size_t i = *pos;
	if (n - i < 2 || d[i] != 0x02 || d[i + 1] < 1 || d[i + 1] > 33 || d[i + 1] > n - i - 2)
		return -1;
	size_t len = d[i + 1];
	const uint8_t *v = d + i + 2;
	*pos = i + 2 + len;
	if (len == 33) {
		if (v[0])
			return -1;
		v++;
		len--;
	}
	memset(out, 0, 32);
	memcpy(out + 32 - len, v, len);
	return 0;
}

/* r || s of the DER signature mvb_key_sign made. */
static int der_to_rs(const uint8_t *d, size_t n, uint8_t rs[64])
{
	size_t pos = 2;
	if (n < 2 || d[0] != 0x30 || d[1] != n - 2)
		return -1;
	if (der_int32(d, n, &pos, rs) || der_int32(d, n, &pos, rs + 32))
		return -1;
	return pos == n ? 0 : -1;
}

enum mvb_auth_status mvb_auth_build(struct mvl_auth *a, const struct mvl_challenge *c, const struct mvb_key *k,
				    uint32_t seconds, const uint8_t *seed, size_t seedlen)
{
	static const uint8_t zero[8];
	uint8_t id[8], dg[32], der[72];
	size_t dlen = 0;
	memset(a, 0, sizeof(*a));
	if (!memcmp(c->lc_key_id, zero, sizeof(zero)))
		return MVB_AUTH_NO_DEBUG_KEY;
	mvb_key_id(k, id);
	if (memcmp(c->lc_key_id, id, sizeof(id)))
		return MVB_AUTH_OTHER_KEY;
	if (!seconds || seconds > MVL_AUTH_MAX_S || (c->lc_max_s && seconds > c->lc_max_s))
		return MVB_AUTH_SECONDS;
	a->la_magic = MVL_AUTH_MAGIC;
	a->la_seconds = seconds;
	memcpy(a->la_nonce, c->lc_nonce, MVL_NONCE_SIZE);
	memcpy(a->la_serial, c->lc_serial, sizeof(a->la_serial));
	memcpy(a->la_key_id, id, sizeof(id));
	mvb_auth_digest(a, dg);
	int rc = mvb_key_sign(k, dg, seed, seedlen, der, &dlen);
	if (rc || der_to_rs(der, dlen, a->la_sig)) {
		memset(a, 0, sizeof(*a));
		return rc == MVB_EINPUT ? MVB_AUTH_NO_PRIVATE : MVB_AUTH_SIGN_FAILED;
	}
	return MVB_AUTH_OK;
}

const char *mvb_auth_detail_text(uint32_t detail)
{
	switch (detail) {
	case MVL_A_NONE: return "the request needs an authorized session and none is open";
	case MVL_A_NO_KEY: return "it trusts no debug key (none was provisioned)";
	case MVL_A_DEVICE: return "it was signed for another device (its serial is not this one's)";
	case MVL_A_NONCE: return "its nonce was not the last one it issued (replayed or stale)";
	case MVL_A_KEY: return "it was signed with a key the device does not trust for debugging";
	case MVL_A_SIGNATURE: return "its signature does not verify";
	case MVL_A_DURATION: return "the session it asks for is 0 s or longer than the device allows";
	case MVL_A_FORMAT: return "it has the wrong size or magic";
	default: return NULL;
	}
}

void mvb_auth_fetch_init(struct mvb_auth_fetch *f)
{
	memset(f, 0, sizeof(*f));
}

int mvb_auth_fetch_part(struct mvb_auth_fetch *f, uint32_t asked, const uint8_t *p, size_t n, char *err,
			size_t errcap)
{
	uint32_t size = f->size;
	if (asked != f->have || (size && asked >= size)) {
		snprintf(err, errcap, "a CRASH response at offset %u when %u bytes of the record are in", (unsigned)asked,
			 (unsigned)f->have);
		return -1;
	}
	if (!asked) {
		if (n < 8) {
			snprintf(err, errcap, "the record's first part is %zu bytes, too short to hold its size (cr_size)",
				 n);
			return -1;
		}
		size = mvb_get_le16(p + 6);
		if (size < MVB_CRASH_HEAD || size > MVB_CRASH_SIZE) {
			snprintf(err, errcap, "the record says it is %u bytes (cr_size), not %u to %u", (unsigned)size,
				 (unsigned)MVB_CRASH_HEAD, (unsigned)MVB_CRASH_SIZE);
			return -1;
		}
	}
	uint32_t left = size - asked;
	if (!n || n > MVL_CRASH_CHUNK || n > left) {
		snprintf(err, errcap, "a CRASH response of %zu bytes at offset %u (%u left, at most %u a part)", n,
			 (unsigned)asked, (unsigned)left, (unsigned)MVL_CRASH_CHUNK);
		return -1;
	}
	memcpy(f->rec + asked, p, n);
	f->size = size;
	f->have = asked + (uint32_t)n;
	return f->have == f->size;
}
