/* test_apphdr.c - app-header and image validation, table-driven: each row
 * changes a valid app in one way and names the reason it must get.  Plus
 * the property that no single-bit change to the CRC-covered bytes passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_port.h"
#include "mv/port.h"

#define IMG_SIZE 0x400u
#define FLASH MVB_PART_APP_FLASH_NS_BASE
#define RAM_END (MVB_PART_APP_RAM_NS_BASE + MVB_PART_APP_RAM_SIZE)

static void put32(uint32_t off, uint32_t v)
{
	fake_flash[off] = (uint8_t)v;
	fake_flash[off + 1] = (uint8_t)(v >> 8);
	fake_flash[off + 2] = (uint8_t)(v >> 16);
	fake_flash[off + 3] = (uint8_t)(v >> 24);
}

/* After changing image bytes on purpose: a header that matches them. */
static void rehash(void)
{
	struct mv_sha256 c;

	mv_sha256_init(&c);
	mv_sha256_update(&c, fake_flash, fake_header.ah_image_size);
	mv_sha256_final(&c, fake_header.ah_image_sha256);
	fake_seal_header(&fake_header);
}

static uint32_t validate(struct mv_app_entry *e)
{
	struct mv_app_limits lim;
	struct mvb_app_header h = fake_header;

	mv_app_limits_board(&lim);
	uint32_t r = mv_apphdr_check(&h, &lim);

	if (r == MV_R_NONE)
		r = mv_app_verify_image(&h, mv_port_ns_bytes(h.ah_image_addr, h.ah_image_size), &lim, e);
	return r;
}

/* --- header field changes (CRC recomputed, so the field check decides) */
static void magic_zero(void)
{
	fake_header.ah_magic = 0;
	fake_seal_header(&fake_header);
}
static void magic_erased(void)
{
	fake_header.ah_magic = 0xffffffffu;
	fake_seal_header(&fake_header);
}
static void format_0(void)
{
	fake_header.ah_format = 0;
	fake_seal_header(&fake_header);
}
static void format_2(void)
{
	fake_header.ah_format = 2;
	fake_seal_header(&fake_header);
}
static void size_255(void)
{
	fake_header.ah_size = 255;
	fake_seal_header(&fake_header);
}
static void size_512(void)
{
	fake_header.ah_size = 512;
	fake_seal_header(&fake_header);
}
static void crc_flip(void)
{
	fake_header.ah_crc32 ^= 1u;
}
static void name_flip_unsealed(void)
{
	fake_header.ah_name[3] ^= 0x20;
}
static void flags_2(void)
{
	fake_header.ah_flags = 2;
	fake_seal_header(&fake_header);
}
static void flags_top(void)
{
	fake_header.ah_flags = 0x80000000u;
	fake_seal_header(&fake_header);
}
static void flags_explicit_and_more(void)
{
	fake_header.ah_flags = MVB_APPHDR_F_CONFIRM_EXPLICIT | 0x100u;
	fake_header.ah_trial_ms = 600000u;
	fake_seal_header(&fake_header);
}
static void confirm_explicit(void)
{
	fake_header.ah_flags = MVB_APPHDR_F_CONFIRM_EXPLICIT;
	fake_header.ah_trial_ms = 600000u;
	fake_seal_header(&fake_header);
}
static void confirm_after(void)
{
	fake_header.ah_trial_ms = 60000u;
	fake_seal_header(&fake_header);
}
static void trial_longest(void)
{
	fake_header.ah_flags = MVB_APPHDR_F_ALL;
	fake_header.ah_trial_ms = MVB_APPHDR_TRIAL_MAX_MS;
	fake_seal_header(&fake_header);
}
static void trial_too_long(void)
{
	fake_header.ah_trial_ms = MVB_APPHDR_TRIAL_MAX_MS + 1u;
	fake_seal_header(&fake_header);
}
static void trial_wraps(void)
{
	fake_header.ah_flags = MVB_APPHDR_F_CONFIRM_EXPLICIT;
	fake_header.ah_trial_ms = 0xffffffffu;
	fake_seal_header(&fake_header);
}
static void abi_minor_newer(void)
{
	fake_header.ah_min_abi = MV_CORE_ABI + 1u;
	fake_seal_header(&fake_header);
}
static void watchdog_too_short(void)
{
	fake_header.ah_watchdog_ms = MVB_APPHDR_WATCHDOG_MIN_MS - 1u;
	fake_seal_header(&fake_header);
}
static void watchdog_too_long(void)
{
	fake_header.ah_watchdog_ms = MVB_APPHDR_WATCHDOG_MAX_MS + 1u;
	fake_seal_header(&fake_header);
}
static void watchdog_ok(void)
{
	fake_header.ah_watchdog_ms = 2000u;
	fake_seal_header(&fake_header);
}
static void defer_too_long(void)
{
	fake_header.ah_update_defer_ms = MVB_APPHDR_UPDATE_DEFER_MAX_MS + 1u;
	fake_seal_header(&fake_header);
}
static void defer_longest(void)
{
	fake_header.ah_update_defer_ms = MVB_APPHDR_UPDATE_DEFER_MAX_MS;
	fake_seal_header(&fake_header);
}
static void abi_major_newer(void)
{
	fake_header.ah_min_abi = MVB_ABI_PACK(2, 0);
	fake_seal_header(&fake_header);
}
static void abi_major_older(void)
{
	fake_header.ah_min_abi = MVB_ABI_PACK(0, 9);
	fake_seal_header(&fake_header);
}
static void abi_same(void)
{
	fake_header.ah_min_abi = MVB_ABI_PACK(1, 0);
	fake_seal_header(&fake_header);
}
static void addr_below(void)
{
	fake_header.ah_image_addr = FLASH - 0x100u;
	fake_seal_header(&fake_header);
}
static void addr_at_end(void)
{
	fake_header.ah_image_addr = FLASH + MVB_PART_APP_FLASH_SIZE;
	fake_seal_header(&fake_header);
}
static void addr_wraps(void)
{
	fake_header.ah_image_addr = 0xffffff00u;
	fake_header.ah_image_size = 0x200;
	fake_seal_header(&fake_header);
}
static void addr_misaligned(void)
{
	fake_header.ah_image_addr = FLASH + 0x80u;
	fake_header.ah_image_size = 0x100;
	fake_seal_header(&fake_header);
}
static void size_zero(void)
{
	fake_header.ah_image_size = 0;
	fake_seal_header(&fake_header);
}
static void size_seven(void)
{
	fake_header.ah_image_size = 7;
	fake_seal_header(&fake_header);
}
static void size_past_end(void)
{
	fake_header.ah_image_size = MVB_PART_APP_FLASH_SIZE + 1u;
	fake_seal_header(&fake_header);
}
static void size_huge(void)
{
	fake_header.ah_image_size = 0xffffffffu;
	fake_seal_header(&fake_header);
}
static void size_tail_past_end(void)
{
	fake_header.ah_image_addr = FLASH + 0x8000u;
	fake_header.ah_image_size = 0x8001u;
	fake_seal_header(&fake_header);
}
static void size_whole_partition(void)
{
	fake_header.ah_image_size = MVB_PART_APP_FLASH_SIZE;
	rehash();
}

/* --- image changes */
static void image_flip(void)
{
	fake_flash[100] ^= 1;
}
static void byte_after_image_flip(void)
{
	fake_flash[IMG_SIZE] ^= 1;
}
static void hash_flip(void)
{
	fake_header.ah_image_sha256[31] ^= 1;
	fake_seal_header(&fake_header);
}
static void sp_below_ram(void)
{
	put32(0, MVB_PART_APP_RAM_NS_BASE - 8u);
	rehash();
}
static void sp_ram_base(void)
{
	put32(0, MVB_PART_APP_RAM_NS_BASE);
	rehash();
}
static void sp_no_room_for_frame(void)
{
	put32(0, MVB_PART_APP_RAM_NS_BASE + 24u); /* the entry frame needs 32 bytes below it */
	rehash();
}
static void sp_just_room(void)
{
	put32(0, MVB_PART_APP_RAM_NS_BASE + 32u);
	rehash();
}
static void sp_past_ram(void)
{
	put32(0, RAM_END + 8u);
	rehash();
}
static void sp_misaligned(void)
{
	put32(0, RAM_END - 4u);
	rehash();
}
static void sp_secure(void)
{
	put32(0, MVB_PART_MV_RAM_S_BASE + 0x100u);
	rehash();
}
static void reset_arm_state(void)
{
	put32(4, FLASH + 0x100u);
	rehash();
}
static void reset_in_vectors(void)
{
	put32(4, FLASH + 5u);
	rehash();
}
static void reset_past_image(void)
{
	put32(4, FLASH + IMG_SIZE + 1u);
	rehash();
}
static void reset_before_image(void)
{
	put32(4, FLASH - 0x100u + 1u);
	rehash();
}
static void reset_secure(void)
{
	put32(4, MVB_PART_MV_CODE_S_BASE + 1u);
	rehash();
}
static void reset_last_halfword(void)
{
	put32(4, FLASH + IMG_SIZE - 2u + 1u);
	rehash();
}

static const struct {
	const char *what;
	void (*change)(void);
	uint32_t want;
} cases[] = {
    {"valid", NULL, MV_R_NONE},
    {"magic zero", magic_zero, MV_R_NO_APP},
    {"magic erased", magic_erased, MV_R_NO_APP},
    {"format 0", format_0, MV_R_HDR_FORMAT},
    {"format 2", format_2, MV_R_HDR_FORMAT},
    {"size 255", size_255, MV_R_HDR_SIZE},
    {"size 512", size_512, MV_R_HDR_SIZE},
    {"crc flipped", crc_flip, MV_R_HDR_CRC},
    {"name changed, crc not", name_flip_unsealed, MV_R_HDR_CRC},
    {"flags 2", flags_2, MV_R_HDR_FLAGS},
    {"flags top bit", flags_top, MV_R_HDR_FLAGS},
    {"confirm explicit and an unknown flag", flags_explicit_and_more, MV_R_HDR_FLAGS},
    {"confirm explicit within 10 min", confirm_explicit, MV_R_NONE},
    {"confirm after 60 s", confirm_after, MV_R_NONE},
    {"trial of a day", trial_longest, MV_R_NONE},
    /* no reason code of its own: refused with the flags it goes with */
    {"trial over a day", trial_too_long, MV_R_HDR_FLAGS},
    {"trial of 2^32-1 ms", trial_wraps, MV_R_HDR_FLAGS},
    {"abi minor newer", abi_minor_newer, MV_R_ABI_TOO_NEW},
    {"watchdog under 10 ms", watchdog_too_short, MV_R_HDR_WATCHDOG},
    {"watchdog over an hour", watchdog_too_long, MV_R_HDR_WATCHDOG},
    {"watchdog 2 s", watchdog_ok, MV_R_NONE},
    {"update deferral over ten minutes", defer_too_long, MV_R_HDR_UPDATE_DEFER},
    {"update deferral of ten minutes", defer_longest, MV_R_NONE},
    {"abi major newer", abi_major_newer, MV_R_ABI_TOO_NEW},
    {"abi major older", abi_major_older, MV_R_ABI_MAJOR},
    {"abi same", abi_same, MV_R_NONE},
    {"image below partition", addr_below, MV_R_IMG_RANGE},
    {"image at partition end", addr_at_end, MV_R_IMG_RANGE},
    {"image wraps", addr_wraps, MV_R_IMG_RANGE},
    {"image misaligned for VTOR", addr_misaligned, MV_R_IMG_ALIGN},
    {"image size 0", size_zero, MV_R_IMG_RANGE},
    {"image size 7", size_seven, MV_R_IMG_RANGE},
    {"image size past partition", size_past_end, MV_R_IMG_RANGE},
    {"image size 0xffffffff", size_huge, MV_R_IMG_RANGE},
    {"image tail past partition", size_tail_past_end, MV_R_IMG_RANGE},
    {"image fills the partition", size_whole_partition, MV_R_NONE},
    {"image byte changed", image_flip, MV_R_IMG_HASH},
    {"byte after image changed", byte_after_image_flip, MV_R_NONE},
    {"hash field changed", hash_flip, MV_R_IMG_HASH},
    {"sp below app ram", sp_below_ram, MV_R_IMG_SP},
    {"sp at app ram base", sp_ram_base, MV_R_IMG_SP},
    {"sp without room for the entry frame", sp_no_room_for_frame, MV_R_IMG_SP},
    {"sp with just room for the entry frame", sp_just_room, MV_R_NONE},
    {"sp past app ram", sp_past_ram, MV_R_IMG_SP},
    {"sp misaligned", sp_misaligned, MV_R_IMG_SP},
    {"sp in secure ram", sp_secure, MV_R_IMG_SP},
    {"reset without thumb bit", reset_arm_state, MV_R_IMG_ENTRY},
    {"reset inside the vectors", reset_in_vectors, MV_R_IMG_ENTRY},
    {"reset past the image", reset_past_image, MV_R_IMG_ENTRY},
    {"reset before the image", reset_before_image, MV_R_IMG_ENTRY},
    {"reset in secure code", reset_secure, MV_R_IMG_ENTRY},
    {"reset at last halfword", reset_last_halfword, MV_R_NONE},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mv_app_entry e = {0, 0, 0, 0};

		fake_reset();
		fake_make_app(IMG_SIZE);
		if (cases[i].change != NULL)
			cases[i].change();
		uint32_t got = validate(&e);

		if (got != cases[i].want)
			fail_msg("case '%s': reason 0x%04x, want 0x%04x", cases[i].what, (unsigned)got,
			         (unsigned)cases[i].want);
	}
}

static void test_valid_entry(void **state)
{
	struct mv_app_entry e;

	(void)state;
	fake_reset();
	fake_make_app(IMG_SIZE);
	assert_int_equal(validate(&e), MV_R_NONE);
	assert_int_equal(e.vtor, FLASH);
	assert_int_equal(e.msp, RAM_END);
	assert_int_equal(e.reset, FLASH + 0x101u);
}

/* Every single-bit change to a CRC-covered byte is refused (by a field
 * check or by the CRC); past the first 8 bytes it is the CRC. */
static void test_every_bit(void **state)
{
	(void)state;
	for (uint32_t off = 0; off < offsetof(struct mvb_app_header, ah_crc32); off++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			struct mv_app_entry e;

			fake_reset();
			fake_make_app(IMG_SIZE);
			((uint8_t *)&fake_header)[off] ^= (uint8_t)(1u << bit);
			uint32_t got = validate(&e);

			assert_int_not_equal(got, MV_R_NONE);
			if (off >= 8)
				assert_int_equal(got, MV_R_HDR_CRC);
		}
	}
}

static void test_vtor_align(void **state)
{
	(void)state;
	assert_int_equal(mv_vtor_align(0), 128);
	assert_int_equal(mv_vtor_align(16), 128);
	assert_int_equal(mv_vtor_align(17), 256);
	assert_int_equal(mv_vtor_align(40), 256);
	assert_int_equal(mv_vtor_align(124), 1024);
	assert_int_equal(mv_vtor_align(480), 2048);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_valid_entry),
	    cmocka_unit_test(test_every_bit),
	    cmocka_unit_test(test_vtor_align),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
