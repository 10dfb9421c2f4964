/*
 * bundle_format.h - the byte layout of an mvbuild bundle (.mvb), format 1.
 *
 * Freestanding (<stdint.h> only): the firmware's update engine compiles this
 * file too, so it is the single definition of the format.  mvbuild-bundle(5)
 * documents it and a test checks that page against this header.
 *
 * A bundle is, in order, with every offset and size checked against what
 * remains before use:
 *
 *   header      struct mvb_bundle_header (64 B)           \
 *   manifest    struct mvb_bundle_manifest (192 B)         |  signed bytes:
 *   layers      bh_layer_count x struct mvb_bundle_layer   |  [0, bh_payload_off)
 *   chunks      bh_chunk_count x 32 B SHA-256              /
 *   payload     each layer's encoded stream, bh_payload_size bytes
 *   signatures  struct mvb_bundle_sigs + bs_count x struct mvb_bundle_sig,
 *               to the end of the file (bs_count may be 0: unsigned)
 *
 * The signatures cover SHA-256 of the signed bytes.  The signed bytes hold
 * each chunk's hash and each layer's installed-image hash, so every payload
 * byte is covered: a device can check each chunk as it arrives, before it
 * writes it, and resume an interrupted download at a chunk boundary.
 * Signatures sit outside the signed bytes, so they can be added later
 * (detached signing, several keys) without changing what they sign.
 *
 * All integers are little-endian; all reserved bytes are zero.
 */
#ifndef MVB_BUNDLE_FORMAT_H
#define MVB_BUNDLE_FORMAT_H

#include <stdint.h>

#define MVB_BUNDLE_MAGIC 0x3142564du      /* bytes "MVB1" */
#define MVB_BUNDLE_SIGS_MAGIC 0x5342564du /* bytes "MVBS" */
#define MVB_BUNDLE_FORMAT 1u
#define MVB_BUNDLE_CHUNK_SIZE 4096u       /* default; any power of two 512..65536 */
/* The largest chunk the microvisor's update client buffers (it checks a
 * chunk whole before it uses a byte of it): mvbuild makes bundles for a
 * board with chunks of at most this size. */
#define MVB_BUNDLE_DEVICE_CHUNK_MAX 1024u
#define MVB_BUNDLE_MAX_LAYERS 8u
#define MVB_BUNDLE_MAX_SIGS 8u

/* Layer roles. */
#define MVB_LAYER_MICROVISOR 1u
#define MVB_LAYER_APP 2u
/* The app layer undone: a delta whose base is the image the app layer
 * installs (bl_base_sha256 is the app layer's bl_sha256) and whose result
 * is the app image this release replaces (bl_sha256, bl_size), at the app
 * layer's bl_target_addr.  At most one, after the app layer; a device
 * that reverts a rejected release keeps it, one that cannot ignores it. */
#define MVB_LAYER_REVERT 3u

/* Layer encodings. */
#define MVB_ENC_RAW 0u
#define MVB_ENC_DEFLATE 1u /* raw deflate (RFC 1951), window <= 4 KiB */
#define MVB_ENC_DELTA 2u   /* reserved for delta from bl_base_sha256 */

/* Signature algorithms. */
#define MVB_SIG_ECDSA_P256_SHA256 1u

struct mvb_bundle_header {
	uint32_t bh_magic;          /* 0x00 MVB_BUNDLE_MAGIC */
	uint16_t bh_format;         /* 0x04 MVB_BUNDLE_FORMAT */
	uint16_t bh_header_size;    /* 0x06 64 */
	uint32_t bh_flags;          /* 0x08 reserved, 0 */
	uint32_t bh_manifest_off;   /* 0x0c offset of the manifest */
	uint32_t bh_manifest_size;  /* 0x10 192 */
	uint32_t bh_layers_off;     /* 0x14 offset of the layer table */
	uint16_t bh_layer_count;    /* 0x18 1..MVB_BUNDLE_MAX_LAYERS */
	uint16_t bh_layer_size;     /* 0x1a 96 */
	uint32_t bh_chunks_off;     /* 0x1c offset of the chunk hash table */
	uint32_t bh_chunk_count;    /* 0x20 entries in it, all layers */
	uint32_t bh_chunk_size;     /* 0x24 bytes of encoded stream per chunk */
	uint32_t bh_payload_off;    /* 0x28 end of the signed bytes, start of the payload */
	uint32_t bh_payload_size;   /* 0x2c bytes of payload */
	uint8_t bh_reserved[16];    /* 0x30 */
};

struct mvb_bundle_manifest {
	char bm_board[32];            /* 0x00 board name, NUL-padded */
	char bm_app_name[32];         /* 0x20 app name, NUL-padded */
	uint32_t bm_app_version;      /* 0x40 MVB_VERSION_PACK (app_header.h) */
	uint32_t bm_security_counter; /* 0x44 anti-rollback counter */
	uint32_t bm_min_abi;          /* 0x48 MVB_ABI_PACK: oldest microvisor ABI the app runs on */
	uint32_t bm_flags;            /* 0x4c MVB_APPHDR_F_* (ah_flags); other bits 0 */
	uint32_t bm_periph_mask[2];   /* 0x50 bit i: board peripheral i */
	uint32_t bm_irq_mask[8];      /* 0x58 bit n: NVIC IRQ n */
	uint32_t bm_build_time_lo;    /* 0x78 SOURCE_DATE_EPOCH, or 0 */
	uint32_t bm_build_time_hi;    /* 0x7c */
	uint32_t bm_watchdog_ms;      /* 0x80 the app's watchdog deadline in ms (ah_watchdog_ms), 0: none */
	uint32_t bm_update_defer_ms;  /* 0x84 how long the app may put off an update (ah_update_defer_ms), 0: none */
	uint32_t bm_trial_ms;         /* 0x88 the trial after an install (ah_trial_ms), 0: none */
	uint8_t bm_reserved[52];      /* 0x8c */
};

struct mvb_bundle_layer {
	uint8_t bl_role;            /* 0x00 MVB_LAYER_* */
	uint8_t bl_encoding;        /* 0x01 MVB_ENC_* */
	uint16_t bl_reserved0;      /* 0x02 */
	uint32_t bl_target_addr;    /* 0x04 where the installed image goes */
	uint32_t bl_size;           /* 0x08 bytes of installed image */
	uint32_t bl_encoded_size;   /* 0x0c bytes of encoded stream in the payload */
	uint32_t bl_payload_off;    /* 0x10 offset of the stream from bh_payload_off */
	uint32_t bl_first_chunk;    /* 0x14 index of its first chunk hash */
	uint32_t bl_chunk_count;    /* 0x18 ceil(bl_encoded_size / bh_chunk_size) */
	uint32_t bl_reserved1;      /* 0x1c */
	uint8_t bl_sha256[32];      /* 0x20 SHA-256 of the installed image */
	uint8_t bl_base_sha256[32]; /* 0x40 delta base image, zero otherwise */
};

struct mvb_bundle_sigs {
	uint32_t bs_magic;      /* 0x00 MVB_BUNDLE_SIGS_MAGIC */
	uint16_t bs_count;      /* 0x04 0..MVB_BUNDLE_MAX_SIGS */
	uint16_t bs_entry_size; /* 0x06 88 */
};

struct mvb_bundle_sig {
	uint8_t sg_key_id[8];   /* 0x00 first 8 bytes of SHA-256 of the public key (0x04 || X || Y) */
	uint16_t sg_alg;        /* 0x08 MVB_SIG_* */
	uint16_t sg_len;        /* 0x0a bytes of DER signature, 8..72 */
	uint8_t sg_der[72];     /* 0x0c ASN.1 DER ECDSA-Sig-Value, zero-padded */
	uint32_t sg_reserved;   /* 0x54 */
};

#define MVB_BUNDLE_HEADER_SIZE 64u
#define MVB_BUNDLE_MANIFEST_SIZE 192u
#define MVB_BUNDLE_LAYER_SIZE 96u
#define MVB_BUNDLE_SIGS_SIZE 8u
#define MVB_BUNDLE_SIG_SIZE 88u

typedef char mvb_bh_size_check[(sizeof(struct mvb_bundle_header) == MVB_BUNDLE_HEADER_SIZE) ? 1 : -1];
typedef char mvb_bm_size_check[(sizeof(struct mvb_bundle_manifest) == MVB_BUNDLE_MANIFEST_SIZE) ? 1 : -1];
typedef char mvb_bl_size_check[(sizeof(struct mvb_bundle_layer) == MVB_BUNDLE_LAYER_SIZE) ? 1 : -1];
typedef char mvb_bs_size_check[(sizeof(struct mvb_bundle_sigs) == MVB_BUNDLE_SIGS_SIZE) ? 1 : -1];
typedef char mvb_sg_size_check[(sizeof(struct mvb_bundle_sig) == MVB_BUNDLE_SIG_SIZE) ? 1 : -1];

#endif
