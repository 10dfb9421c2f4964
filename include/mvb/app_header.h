/*
 * app_header.h - the installed-app header: the record mvbuild writes into
 * the board's 'app-header' partition and the microvisor reads at boot.
 *
 * Freestanding (<stdint.h> only): the firmware compiles this file too, and
 * it is the single definition of the layout.  man/mvbuild-app-header.5
 * documents it and a test checks that page against this header.
 *
 * All fields are little-endian.  The header lives in secure memory, so the
 * app cannot rewrite it; the CRC only catches torn or decayed writes, the
 * SHA-256 binds the header to the app image it describes.
 */
#ifndef MVB_APP_HEADER_H
#define MVB_APP_HEADER_H

#include <stdint.h>

#define MVB_APPHDR_MAGIC 0x5041564du /* bytes "MVAP" */
#define MVB_APPHDR_FORMAT 1u
#define MVB_APPHDR_SIZE 256u
#define MVB_APPHDR_NAME_MAX 32u
#define MVB_APPHDR_PERIPH_WORDS 2u /* up to 64 board peripherals */
#define MVB_APPHDR_IRQ_WORDS 8u    /* up to 256 NVIC interrupts */
#define MVB_APPHDR_WATCHDOG_MIN_MS 10u      /* shortest watchdog deadline */
#define MVB_APPHDR_WATCHDOG_MAX_MS 3600000u /* longest: an hour */
#define MVB_APPHDR_UPDATE_DEFER_MAX_MS 600000u /* longest an app may put off an update: ten minutes */

#define MVB_APPHDR_TRIAL_MAX_MS 86400000u /* longest trial: a day */

/* ah_flags.  After an install with a revert layer the new release runs
 * on trial (mvbuild-app-manifest(5), "confirm").  Without this flag it is
 * confirmed once it has run ah_trial_ms without a crash; with it, it must
 * call mv_update_confirm() within ah_trial_ms of a start.  ah_trial_ms 0:
 * confirmed at install, no trial. */
#define MVB_APPHDR_F_CONFIRM_EXPLICIT 0x1u
#define MVB_APPHDR_F_ALL 0x1u

/* Version numbers are packed major.minor.patch as 8.8.16 bits. */
#define MVB_VERSION_PACK(ma, mi, pa) \
	((((uint32_t)(ma) & 0xffu) << 24) | (((uint32_t)(mi) & 0xffu) << 16) | ((uint32_t)(pa) & 0xffffu))
/* ABI versions are packed major.minor as 16.16 bits. */
#define MVB_ABI_PACK(ma, mi) ((((uint32_t)(ma) & 0xffffu) << 16) | ((uint32_t)(mi) & 0xffffu))

struct mvb_app_header {
	uint32_t ah_magic;            /* 0x00 MVB_APPHDR_MAGIC */
	uint16_t ah_format;           /* 0x04 MVB_APPHDR_FORMAT */
	uint16_t ah_size;             /* 0x06 sizeof(struct mvb_app_header) */
	uint32_t ah_app_version;      /* 0x08 MVB_VERSION_PACK */
	uint32_t ah_security_counter; /* 0x0c anti-rollback counter */
	uint32_t ah_min_abi;          /* 0x10 MVB_ABI_PACK: oldest microvisor ABI the app runs on */
	uint32_t ah_image_addr;       /* 0x14 non-secure address of the image (app flash start) */
	uint32_t ah_image_size;       /* 0x18 bytes of image from ah_image_addr */
	uint32_t ah_flags;            /* 0x1c MVB_APPHDR_F_*; other bits 0 */
	uint32_t ah_periph_mask[MVB_APPHDR_PERIPH_WORDS]; /* 0x20 bit i: board peripheral i */
	uint32_t ah_irq_mask[MVB_APPHDR_IRQ_WORDS];       /* 0x28 bit n: NVIC IRQ n */
	uint8_t ah_image_sha256[32];  /* 0x48 SHA-256 of the image bytes */
	char ah_name[MVB_APPHDR_NAME_MAX]; /* 0x68 app name, NUL-padded */
	uint32_t ah_watchdog_ms;      /* 0x88 watchdog deadline in ms, 0: none */
	uint32_t ah_update_defer_ms;  /* 0x8c how long the app may put off an update it is told of, 0: none */
	uint32_t ah_trial_ms;         /* 0x90 trial after an install (see below), 0: none */
	uint8_t ah_reserved[104];     /* 0x94 zero */
	uint32_t ah_crc32;            /* 0xfc CRC-32 (IEEE, zlib's) of bytes 0x00-0xfb */
};

/* Keep the layout honest on every compiler that includes this file. */
typedef char mvb_apphdr_size_check[(sizeof(struct mvb_app_header) == MVB_APPHDR_SIZE) ? 1 : -1];

#endif
