/*
 * provision.h - the provisioning record, format 1: what a device is given
 * once, at the factory, and an update never changes: the public keys it
 * trusts for updates (its trust anchors) and its serial number.
 *
 * Freestanding (<stdint.h> only): the microvisor reads it at boot from the
 * first bytes of the board's 'device-state' partition (secure, so the app
 * cannot touch it); 'mvbuild bundle --factory --trust KEY.pem' writes it
 * there.  mvbuild-provision(5) documents it and a test checks that page
 * against this header.  Little-endian.  Erased flash (no record) reads
 * as a bad magic: such a device accepts no update and says so at boot.
 */
#ifndef MVB_PROVISION_H
#define MVB_PROVISION_H

#include <stdint.h>

#define MVB_PROV_MAGIC 0x5650564du /* bytes "MVPV" */
#define MVB_PROV_FORMAT 1u
#define MVB_PROV_SIZE 512u
#define MVB_PROV_ANCHORS_MAX 4u
#define MVB_PROV_ANCHOR_SIZE 72u /* 8-byte key id, 64-byte point */
#define MVB_PROV_SERIAL_MAX 32u
#define MVB_PROV_APP_MAX 32u

struct mvb_provision {
	uint32_t pv_magic;          /* 0x00 MVB_PROV_MAGIC */
	uint16_t pv_format;         /* 0x04 MVB_PROV_FORMAT */
	uint16_t pv_size;           /* 0x06 MVB_PROV_SIZE */
	uint32_t pv_count;          /* 0x08 trust anchors in use, 0 to MVB_PROV_ANCHORS_MAX */
	uint32_t pv_reserved0;      /* 0x0c zero */
	char pv_serial[32];         /* 0x10 the device's serial number, NUL-padded */
	uint8_t pv_anchors[288];    /* 0x30 MVB_PROV_ANCHORS_MAX x (key id, X || Y), unused ones zero */
	char pv_app[32];            /* 0x150 the app the device follows, NUL-padded (empty: not named) */
	uint8_t pv_debug[72];       /* 0x170 the debug key it trusts (key id, X || Y); zero: none */
	uint8_t pv_reserved[68];    /* 0x1b8 zero */
	uint32_t pv_crc32;          /* 0x1fc CRC-32 (zlib's) of bytes 0x00-0x1fb */
};

#endif
