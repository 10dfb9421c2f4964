/*
 * devstate.h - what the microvisor keeps in the board's device-state
 * partition besides the provisioning record (provision.h): its update
 * record and the patcher's spare page.  Format 1.
 * Freestanding (<stdint.h> only): the microvisor and mvbuild both compile
 * this file.  mvbuild-link(5) ("The device's update record") documents it.
 *
 * The partition, in erase pages of its memory (P bytes each):
 *   page 0   the provisioning record (written by the factory image only)
 *   page 1   update record, copy A  \  the valid copy with the higher
 *   page 2   update record, copy B  /  ur_seq counts; a torn write leaves
 *                                      the other copy
 *   last     the patcher's spare page, one patch page (S bytes, a multiple
 *            of P: see mvbuild-delta(5)) at the partition's end (src/delta:
 *            a page whose rebuild reads its own old bytes is copied there
 *            first)
 * so the partition holds at least 3 P + S bytes (8 KiB on mps2-an505:
 * P 1 KiB, S 4 KiB).  A copy is valid when its magic,
 * format and CRC-32 (zlib's, over bytes 0x00-0x7b) hold; erased flash
 * (0xff) and zeros are not valid: no record means nothing accepted yet
 * (floors 0) and nothing being installed.
 *
 * The record is written before the first byte of an install is written
 * (ur_state INSTALLING, naming the bundle and, when the revert partition
 * holds what undoes it, ur_revert_size), after the installed image and its
 * header are verified (TRIAL when the install can be undone, else IDLE
 * with the floors raised), when the trial ends (confirmed: IDLE, floors
 * raised; rejected: REVERTING, then IDLE with ur_rejected_version once the
 * old release is back), and after a channel index is accepted with
 * nothing to install (IDLE, index floor raised).  The fields that were
 * reserved in the first records of format 1 are zero there, which means
 * what it says: no revert, nothing rejected.
 *
 * The revert partition (board role 'revert'), in its memory's erase pages:
 *   page 0   the app header of ur_from_version, as it was (256 bytes)
 *   page 1-  the bundle's revert layer: its encoded bytes, ur_revert_size
 *            of them, each chunk checked against its signed hash as it was
 *            copied (before the INSTALLING record that names them).  Everything in it is also checked elsewhere: a bundle
 * named by an INSTALLING record is verified again, whole, before the
 * install resumes.  All integers are little-endian.
 */
#ifndef MVB_DEVSTATE_H
#define MVB_DEVSTATE_H

#include <stdint.h>

#define MVB_UREC_MAGIC 0x5255564du /* bytes "MVUR" */
#define MVB_UREC_FORMAT 1u
#define MVB_UREC_SIZE 128u
#define MVB_UREC_PAGE_A 1u     /* page of copy A in the device-state partition */
#define MVB_UREC_PAGE_B 2u     /* page of copy B */

/* ur_state */
#define MVB_UREC_IDLE 0u       /* no install in progress */
#define MVB_UREC_INSTALLING 1u /* an install of ur_object has begun: finish it before anything else */
#define MVB_UREC_TRIAL 2u      /* ur_to_version runs on trial; the revert partition can undo it */
#define MVB_UREC_REVERTING 3u  /* ur_to_version was rejected (ur_reason): put ur_from_version back first */

struct mvb_update_record {
	uint32_t ur_magic;         /* 0x00 MVB_UREC_MAGIC */
	uint16_t ur_format;        /* 0x04 MVB_UREC_FORMAT */
	uint16_t ur_size;          /* 0x06 MVB_UREC_SIZE */
	uint32_t ur_seq;           /* 0x08 1 for the first record, +1 for each one after */
	uint32_t ur_state;         /* 0x0c MVB_UREC_* */
	uint32_t ur_index_version; /* 0x10 highest channel index version accepted (0: none) */
	uint32_t ur_counter_floor; /* 0x14 highest security counter installed (rollback floor) */
	uint32_t ur_to_version;    /* 0x18 INSTALLING: the app version being installed */
	uint32_t ur_to_counter;    /* 0x1c INSTALLING: its security counter */
	uint32_t ur_object_size;   /* 0x20 INSTALLING: bytes of the bundle object */
	uint32_t ur_reason;        /* 0x24 REVERTING, and IDLE after a revert: why ur_rejected_version was rejected */
	uint8_t ur_object[32];     /* 0x28 INSTALLING: SHA-256 of the bundle object (its name) */
	char ur_app[32];           /* 0x48 INSTALLING: app name (its directory in the repository) */
	uint32_t ur_from_version;  /* 0x68 INSTALLING, TRIAL, REVERTING: the release being replaced */
	uint32_t ur_reserved2;     /* 0x6c zero */
	uint32_t ur_revert_size;   /* 0x70 bytes of revert patch in the revert partition; 0: the install cannot be undone */
	uint32_t ur_rejected_version; /* 0x74 the last release rejected on trial here (refused from then on); 0: none */
	uint8_t ur_reserved1[4];   /* 0x78 zero */
	uint32_t ur_crc32;         /* 0x7c CRC-32 of bytes 0x00-0x7b */
};

typedef char mvb_urec_size_check[(sizeof(struct mvb_update_record) == MVB_UREC_SIZE) ? 1 : -1];

#endif
