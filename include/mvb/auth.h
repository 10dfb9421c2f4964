/*
 * auth.h - the host's half of the link's authorized operations
 * (mvbuild-link(5), the debug stream and CRASH): read a device's
 * CHALLENGE, answer it with an AUTH signed by the debug key the device
 * was provisioned to trust (mvbuild-provision(5), pv_debug), and put
 * together a crash record the device sends in parts.
 *
 * Pure: no I/O, no globals; the signature is made through mvb/sign.h
 * (the one module that includes mbedTLS).  Payloads are read and written
 * byte by byte, little-endian, whatever the host's order; every length is
 * checked before a byte is read.
 */
#ifndef MVB_AUTH_H
#define MVB_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/crash.h"
#include "mvb/link.h"
#include "mvb/sign.h"

#define MVB_AUTH_CHALLENGE_SIZE 0x40u /* struct mvl_challenge on the wire */
#define MVB_AUTH_SIZE 0x80u           /* struct mvl_auth on the wire */
#define MVB_AUTH_SECONDS_DEFAULT 600u /* mvbuild crash get without --seconds */

/* The CHALLENGE response payload p[0..n) into *c: exactly
 * MVB_AUTH_CHALLENGE_SIZE bytes.  0, or -1 for another size (*c zeroed). */
int mvb_auth_challenge_get(const uint8_t *p, size_t n, struct mvl_challenge *c);
/* *c as a payload (for tests and simulated devices). */
void mvb_auth_challenge_put(uint8_t out[MVB_AUTH_CHALLENGE_SIZE], const struct mvl_challenge *c);

/* Why mvb_auth_build made no AUTH. */
enum mvb_auth_status {
	MVB_AUTH_OK = 0,
	MVB_AUTH_NO_DEBUG_KEY, /* lc_key_id is zero: the device trusts no debug key */
	MVB_AUTH_OTHER_KEY,    /* lc_key_id is not the id of the key given */
	MVB_AUTH_SECONDS,      /* seconds is 0, over MVL_AUTH_MAX_S, or over a nonzero lc_max_s */
	MVB_AUTH_NO_PRIVATE,   /* the key has no private half */
	MVB_AUTH_SIGN_FAILED,  /* the signer failed (a bug, or no memory) */
};

/* The AUTH answering challenge c, signed with k: la_magic, la_seconds =
 * seconds, la_nonce and la_serial copied from c, la_key_id k's id
 * (mvb_key_id, as pv_debug holds it), la_sig r || s (big-endian, 32
 * bytes each) of ECDSA P-256 over the SHA-256 of the first
 * MVL_AUTH_SIGNED bytes of the payload.  seed (random, at least 32
 * bytes) only blinds the signing: the signature is deterministic
 * (RFC 6979).  Checks first, in this order: the device trusts a debug
 * key, k is that key, seconds fits.  MVB_AUTH_OK with *a filled, or the
 * reason (*a zeroed). */
enum mvb_auth_status mvb_auth_build(struct mvl_auth *a, const struct mvl_challenge *c, const struct mvb_key *k,
				    uint32_t seconds, const uint8_t *seed, size_t seedlen);
/* *a as the AUTH payload. */
void mvb_auth_put(uint8_t out[MVB_AUTH_SIZE], const struct mvl_auth *a);
/* An AUTH payload (a saved one: mvbuild crash get --auth-file) into *a:
 * exactly MVB_AUTH_SIZE bytes starting with MVL_AUTH_MAGIC.  0, or -1. */
int mvb_auth_get(const uint8_t *p, size_t n, struct mvl_auth *a);
/* The digest la_sig signs: SHA-256 of the payload's first MVL_AUTH_SIGNED bytes. */
void mvb_auth_digest(const struct mvl_auth *a, uint8_t digest[32]);

/* What an error response MVL_E_AUTH's le_detail (MVL_A_*) means, in
 * words that follow "the device refused the authorization: " (or, for
 * MVL_A_NONE, stand alone); NULL for a detail format 1 does not define. */
const char *mvb_auth_detail_text(uint32_t detail);

/* ---- a crash record read in parts (CRASH requests) */

struct mvb_auth_fetch {
	uint8_t rec[MVB_CRASH_SIZE]; /* the record's bytes as they came */
	uint32_t size;               /* its cr_size, from the first part; 0 before it */
	uint32_t have;               /* bytes [0, have) are in rec: the next lq_offset */
};

/* Cannot fail: nothing read yet. */
void mvb_auth_fetch_init(struct mvb_auth_fetch *f);
/* One CRASH response payload p[0..n): the record's bytes from `asked`
 * (always f->have).  The first part (asked 0) gives the record's size,
 * its cr_size (bytes 6-7), which must lie in [MVB_CRASH_HEAD,
 * MVB_CRASH_SIZE].  Refused (-1, a reason in err[errcap], f unchanged):
 * an offset that is not f->have, a first part too short to hold
 * cr_size, a size out of range, no bytes, more than MVL_CRASH_CHUNK or
 * more than are left.  Returns 1 when the record is whole (have ==
 * size), 0 when more is to be asked. */
int mvb_auth_fetch_part(struct mvb_auth_fetch *f, uint32_t asked, const uint8_t *p, size_t n, char *err,
			size_t errcap);

#endif
