/*
 * repo_format.h - the signed index of one channel of an update repository,
 * format 1 (mvbuild-repo(5)).
 *
 * Freestanding (<stdint.h> and the bundle header, which is freestanding
 * too): a device's update client can read an index with this file alone,
 * streaming it entry by entry in a few hundred bytes of RAM, because every
 * entry has a fixed size and the header states the counts up front.
 *
 * An index is, in order, with no gaps:
 *
 *   header      struct mvb_repo_header (128 B)             \  signed bytes:
 *   releases    rh_release_count x struct mvb_repo_release  |  [0, start of
 *   deltas      rh_delta_count x struct mvb_repo_delta     /   the signatures)
 *   signatures  struct mvb_repo_sigs + rs_count x struct mvb_bundle_sig
 *               (the bundle's signature entry: same keys, same key ids)
 *
 * Releases are sorted by strictly increasing security counter, so the last
 * one is the channel's latest.  A release's bundle (and a delta bundle) is
 * the object "objects/<sha256 in lowercase hex>.mvb" in the app's directory
 * of the repository: content-addressed, so it never changes once written.
 *
 * All integers are little-endian; all reserved bytes are zero.
 */
#ifndef MVB_REPO_FORMAT_H
#define MVB_REPO_FORMAT_H

#include <stdint.h>
#include "mvb/bundle_format.h"

#define MVB_REPO_MAGIC 0x3152564du      /* bytes "MVR1" */
#define MVB_REPO_SIGS_MAGIC 0x5352564du /* bytes "MVRS" */
#define MVB_REPO_FORMAT 1u
#define MVB_REPO_MAX_RELEASES 128u /* publish drops the oldest beyond this */
#define MVB_REPO_MAX_DELTAS 512u
#define MVB_REPO_MAX_SIGS 8u

struct mvb_repo_header {
	uint32_t rh_magic;         /* 0x00 MVB_REPO_MAGIC */
	uint16_t rh_format;        /* 0x04 MVB_REPO_FORMAT */
	uint16_t rh_header_size;   /* 0x06 128 */
	uint32_t rh_flags;         /* 0x08 reserved, 0 */
	uint32_t rh_index_version; /* 0x0c 1 for the first index, +1 for each one after */
	uint16_t rh_release_count; /* 0x10 1..MVB_REPO_MAX_RELEASES */
	uint16_t rh_release_size;  /* 0x12 48 */
	uint16_t rh_delta_count;   /* 0x14 0..MVB_REPO_MAX_DELTAS */
	uint16_t rh_delta_size;    /* 0x16 48 */
	uint32_t rh_expires_lo;    /* 0x18 UTC seconds after which no device accepts it */
	uint32_t rh_expires_hi;    /* 0x1c */
	uint32_t rh_published_lo;  /* 0x20 UTC seconds when it was written */
	uint32_t rh_published_hi;  /* 0x24 */
	char rh_board[32];         /* 0x28 board name, NUL-padded */
	char rh_app[32];           /* 0x48 app name, NUL-padded */
	char rh_channel[16];       /* 0x68 channel name, NUL-padded */
	uint8_t rh_reserved[8];    /* 0x78 */
};

struct mvb_repo_release {
	uint32_t rr_version;          /* 0x00 MVB_VERSION_PACK of the bundle's app version */
	uint32_t rr_security_counter; /* 0x04 the bundle's bm_security_counter */
	uint32_t rr_size;             /* 0x08 bytes of the bundle file */
	uint32_t rr_flags;            /* 0x0c reserved, 0 */
	uint8_t rr_sha256[32];        /* 0x10 SHA-256 of the bundle file: its object name */
};

struct mvb_repo_delta {
	uint32_t rd_from_version; /* 0x00 the release a device must run */
	uint32_t rd_to_version;   /* 0x04 the release it installs */
	uint32_t rd_size;         /* 0x08 bytes of the delta bundle file */
	uint32_t rd_flags;        /* 0x0c reserved, 0 */
	uint8_t rd_sha256[32];    /* 0x10 SHA-256 of the delta bundle file: its object name */
};

struct mvb_repo_sigs {
	uint32_t rs_magic;      /* 0x00 MVB_REPO_SIGS_MAGIC */
	uint16_t rs_count;      /* 0x04 0..MVB_REPO_MAX_SIGS */
	uint16_t rs_entry_size; /* 0x06 88 (struct mvb_bundle_sig) */
};

#define MVB_REPO_HEADER_SIZE 128u
#define MVB_REPO_RELEASE_SIZE 48u
#define MVB_REPO_DELTA_SIZE 48u
#define MVB_REPO_SIGS_SIZE 8u
/* The largest index a reader has to accept: a bound for downloads. */
#define MVB_REPO_MAX_SIZE                                                                           \
	(MVB_REPO_HEADER_SIZE + MVB_REPO_MAX_RELEASES * MVB_REPO_RELEASE_SIZE +                     \
	 MVB_REPO_MAX_DELTAS * MVB_REPO_DELTA_SIZE + MVB_REPO_SIGS_SIZE + MVB_REPO_MAX_SIGS * MVB_BUNDLE_SIG_SIZE)

typedef char mvb_rh_size_check[(sizeof(struct mvb_repo_header) == MVB_REPO_HEADER_SIZE) ? 1 : -1];
typedef char mvb_rr_size_check[(sizeof(struct mvb_repo_release) == MVB_REPO_RELEASE_SIZE) ? 1 : -1];
typedef char mvb_rd_size_check[(sizeof(struct mvb_repo_delta) == MVB_REPO_DELTA_SIZE) ? 1 : -1];
typedef char mvb_rs_size_check[(sizeof(struct mvb_repo_sigs) == MVB_REPO_SIGS_SIZE) ? 1 : -1];

#endif
