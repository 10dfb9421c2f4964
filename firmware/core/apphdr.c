/*
 * apphdr.c - validation of the installed-app header and of the image it
 * describes, in the order that never touches a byte it has not bounded:
 * magic, format, size, CRC, flags, ABI, image range, then hash, vectors.
 */
#include <stddef.h>

#include "mv/core.h"
#ifdef MV_PORT_SHA256
#include "mv/port.h" /* mv_port_sha256: the port's hash engine */
#endif
#include "mv_board.h"

/* mv_vtor_align() as a constant expression, for the table below. */
#define MV_VTOR_BYTES ((16u + MVB_BOARD_NVIC_IRQS) * 4u)
#define MV_VTOR_ALIGN_BOARD                                                                                            \
	(MV_VTOR_BYTES <= 128u    ? 128u                                                                               \
	 : MV_VTOR_BYTES <= 256u  ? 256u                                                                               \
	 : MV_VTOR_BYTES <= 512u  ? 512u                                                                               \
	 : MV_VTOR_BYTES <= 1024u ? 1024u                                                                              \
	                          : 2048u)
_Static_assert(MV_VTOR_BYTES <= 2048u, "MV_VTOR_ALIGN_BOARD stops at 2 KiB");

/* One copy of a constant table: less code than six stores of constants
 * wherever it is inlined. */
void mv_app_limits_board(struct mv_app_limits *lim)
{
	static const struct mv_app_limits board = {MVB_PART_APP_FLASH_NS_BASE,
	                                           MVB_PART_APP_FLASH_SIZE,
	                                           MVB_PART_APP_RAM_NS_BASE,
	                                           MVB_PART_APP_RAM_SIZE,
	                                           MV_CORE_ABI,
	                                           MV_VTOR_ALIGN_BOARD};

	*lim = board;
}

uint32_t mv_vtor_align(uint32_t nirqs)
{
	/* VTOR ignores the low bits up to the table size rounded up to a
	 * power of two; 128 bytes is the architectural minimum. */
	uint32_t bytes = (16u + nirqs) * 4u, a = 128u;

	while (a < bytes)
		a <<= 1;
	return a;
}

static uint32_t check_abi(uint32_t want, uint32_t have)
{
	uint32_t want_major = want >> 16, have_major = have >> 16;

	if (want_major > have_major)
		return MV_R_ABI_TOO_NEW;
	if (want_major < have_major)
		return MV_R_ABI_MAJOR; /* a major bump breaks old apps by definition */
	if ((want & 0xffffu) > (have & 0xffffu))
		return MV_R_ABI_TOO_NEW;
	return MV_R_NONE;
}

uint32_t mv_apphdr_check(const struct mvb_app_header *h, const struct mv_app_limits *lim)
{
	if (h->ah_magic != MVB_APPHDR_MAGIC)
		return MV_R_NO_APP;
	/* Format before CRC: another format may keep its CRC elsewhere. */
	if (h->ah_format != MVB_APPHDR_FORMAT)
		return MV_R_HDR_FORMAT;
	if (h->ah_size != MVB_APPHDR_SIZE)
		return MV_R_HDR_SIZE;
	if (mv_crc32(0, h, (uint32_t)offsetof(struct mvb_app_header, ah_crc32)) != h->ah_crc32)
		return MV_R_HDR_CRC;
	/* Unknown flags may ask for something this microvisor cannot do; a
	 * trial past a day is refused with them (no reason code of its own
	 * yet): the two together say how the release is confirmed. */
	if ((h->ah_flags & ~MVB_APPHDR_F_ALL) != 0u || h->ah_trial_ms > MVB_APPHDR_TRIAL_MAX_MS)
		return MV_R_HDR_FLAGS;
	if (h->ah_watchdog_ms != 0u &&
	    (h->ah_watchdog_ms < MVB_APPHDR_WATCHDOG_MIN_MS || h->ah_watchdog_ms > MVB_APPHDR_WATCHDOG_MAX_MS))
		return MV_R_HDR_WATCHDOG;
	if (h->ah_update_defer_ms > MVB_APPHDR_UPDATE_DEFER_MAX_MS)
		return MV_R_HDR_UPDATE_DEFER;

	uint32_t r = check_abi(h->ah_min_abi, lim->abi);

	if (r != MV_R_NONE)
		return r;

	/* The image must lie inside app_flash; subtract, never add, so that
	 * no sum can wrap (MCUboot #2025: bound the size before hashing). */
	uint32_t addr = h->ah_image_addr, size = h->ah_image_size;

	if (addr < lim->flash_base)
		return MV_R_IMG_RANGE;
	uint32_t off = addr - lim->flash_base;

	if (off >= lim->flash_size || size > lim->flash_size - off || size < 8u)
		return MV_R_IMG_RANGE;
	if ((addr & (lim->vtor_align - 1u)) != 0u)
		return MV_R_IMG_ALIGN;
	return MV_R_NONE;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint32_t mv_app_verify_image(const struct mvb_app_header *h, const uint8_t *image, const struct mv_app_limits *lim,
                             struct mv_app_entry *out)
{
	struct mv_sha256 c;
	uint8_t digest[MV_SHA256_LEN];

#ifdef MV_PORT_SHA256
	if (mv_port_sha256(image, h->ah_image_size, digest) != 0)
#endif
	{
		mv_sha256_init(&c);
		mv_sha256_update(&c, image, h->ah_image_size);
		mv_sha256_final(&c, digest);
	}
	if (!mv_memeq_ct(digest, h->ah_image_sha256, MV_SHA256_LEN))
		return MV_R_IMG_HASH;

	/* The vectors were covered by the hash, so they are the signed-off
	 * values; still refuse ones that would start the app outside itself. */
	uint32_t sp = le32(image), reset = le32(image + 4);
	uint32_t sp_off = sp - lim->ram_base;

	/* Room for the 32-byte frame the app is entered through. */
	if (sp < lim->ram_base || sp_off < 32u || sp_off > lim->ram_size || (sp & 7u) != 0u)
		return MV_R_IMG_SP;
	uint32_t pc = reset & ~1u;

	/* Thumb bit set, and past the two vectors but inside the image. */
	if ((reset & 1u) == 0u || pc < h->ah_image_addr || pc - h->ah_image_addr < 8u ||
	    pc - h->ah_image_addr >= h->ah_image_size)
		return MV_R_IMG_ENTRY;

	out->vtor = h->ah_image_addr;
	out->msp = sp;
	out->reset = reset;
	out->size = h->ah_image_size;
	return MV_R_NONE;
}
