/* test_optbytes.c - the STM32U5 option-byte rule shared with the
 * microvisor (src/optbytes) and the core's use of it (mvb_optb_*): its
 * constants against RM0456 / stm32u585xx.h, a table of register values
 * {what, OPTR, SECBOOTADD0R, SECWM1R1, SECWM2R1, items wrong, stuck},
 * the fixes putting every fixable item right (applied to the values, the
 * rule then finds nothing), the commands mvbuild gives OpenOCD (never a
 * WRP, lock or RDP write), and the board that has option bytes. */
#include <string.h>
#include "testutil.h"
#include "mvb/optbytes.h"
#include "mvo.h"

/* [H] stm32u585xx.h, [RM] RM0456: the documented values */
static void constants(void **state)
{
	(void)state;
	assert_int_equal(MVO_U5_OPTR, 0x40);         /* [H] FLASH_TypeDef.OPTR */
	assert_int_equal(MVO_U5_SECBOOTADD0R, 0x4c); /* [H] FLASH_TypeDef.SECBOOTADD0R */
	assert_int_equal(MVO_U5_SECWM1R1, 0x50);     /* [H] FLASH_TypeDef.SECWM1R1 */
	assert_int_equal(MVO_U5_SECWM2R1, 0x60);     /* [H] FLASH_TypeDef.SECWM2R1 */
	assert_int_equal(MVO_U5_SWAP_BANK, 1u << 20); /* [H] FLASH_OPTR_SWAP_BANK_Pos 20 */
	assert_int_equal(MVO_U5_NSWBOOT0, 1u << 26);  /* [H] FLASH_OPTR_nSWBOOT0_Pos 26 */
	assert_int_equal(MVO_U5_NBOOT0, 1u << 27);    /* [H] FLASH_OPTR_nBOOT0_Pos 27 */
	assert_int_equal(MVO_U5_TZEN, 1u << 31);      /* [H] FLASH_OPTR_TZEN_Pos 31 */
	assert_int_equal(MVO_U5_RDP_LEVEL0, 0xaa);    /* [RM] RDP level 0 */
	assert_int_equal(MVO_U5_RDP_LEVEL05, 0x55);   /* [RM] RDP level 0.5 */
	assert_int_equal(MVO_U5_RDP_LEVEL2, 0xcc);    /* [RM] RDP level 2 */
	assert_int_equal(MVO_U5_BOOTADD_MASK, 0xffffff80u); /* [H] SECBOOTADD0_Pos 7, 25 bits */
	assert_int_equal(MVO_U5_WM_MASK, 0x007f007fu); /* [H] SECWM1_PSTRT 0-6, SECWM1_PEND 16-22 */
}

#define GOOD_OPTR 0x9feff8aau /* TZEN, RDP level 0, nSWBOOT0 and nBOOT0 1 (ST's defaults but TZEN) */
#define GOOD_WM1 0x001f0000u  /* stm32u585: app_flash at 0x40000, 32 secure pages */
#define GOOD_WM2 0x0000007fu
#define BOOT 0x0c000000u
#define B(i) MVO_U5_BIT(MVO_U5_ITEM_##i)

static const struct row {
	const char *what;
	uint32_t v[4];
	uint32_t bad;
	unsigned stuck;
} rows[] = {
	{ "provisioned", { GOOD_OPTR, BOOT, GOOD_WM1, GOOD_WM2 }, 0, 0 },
	{ "reserved bits around the fields ignored", { GOOD_OPTR, BOOT | 0x7e, GOOD_WM1 | 0xff80ff80u, GOOD_WM2 | 0xff80ff00u }, 0, 0 },
	{ "fresh from the factory", { 0x1feff8aau, BOOT, 0x007f0000u, 0x007f0000u }, B(TZEN) | B(SECWM1) | B(SECWM2), 0 },
	{ "TZEN just turned on", { GOOD_OPTR, BOOT, 0x007f0000u, 0x007f0000u }, B(SECWM1) | B(SECWM2), 0 },
	{ "one page too many secure", { GOOD_OPTR, BOOT, 0x00200000u, GOOD_WM2 }, B(SECWM1), 0 },
	{ "bank 1 starts secure at page 1", { GOOD_OPTR, BOOT, 0x001f0001u, GOOD_WM2 }, B(SECWM1), 0 },
	{ "bank 2 one secure page", { GOOD_OPTR, BOOT, GOOD_WM1, 0x00050005u }, B(SECWM2), 0 },
	{ "banks swapped", { GOOD_OPTR | MVO_U5_SWAP_BANK, BOOT, GOOD_WM1, GOOD_WM2 }, B(SWAP_BANK), 0 },
	{ "BOOT0 forced to the bootloader", { GOOD_OPTR & ~(MVO_U5_NSWBOOT0 | MVO_U5_NBOOT0), BOOT, GOOD_WM1, GOOD_WM2 }, B(BOOT0), 0 },
	{ "BOOT0 from the pin", { GOOD_OPTR & ~MVO_U5_NBOOT0, BOOT, GOOD_WM1, GOOD_WM2 }, 0, 0 },
	{ "boot address elsewhere", { GOOD_OPTR, 0x0c040000u, GOOD_WM1, GOOD_WM2 }, B(SECBOOTADD0), 0 },
	{ "boot address elsewhere and locked", { GOOD_OPTR, 0x0c040001u, GOOD_WM1, GOOD_WM2 }, B(SECBOOTADD0), 1 },
	{ "RDP level 0.5", { (GOOD_OPTR & ~0xffu) | 0x55u, BOOT, GOOD_WM1, GOOD_WM2 }, B(RDP), 1 },
	{ "RDP level 1", { (GOOD_OPTR & ~0xffu) | 0xbbu, BOOT, GOOD_WM1, GOOD_WM2 }, B(RDP), 1 },
	{ "RDP level 2", { (GOOD_OPTR & ~0xffu) | 0xccu, BOOT, GOOD_WM1, GOOD_WM2 }, B(RDP), 1 },
};

static void check_table(void **state)
{
	(void)state;
	struct mvb_board b;
	struct mvb_optb o;
	tu_board(&b, "stm32u585");
	assert_int_equal(mvb_optb_board(&b, &o), 1);
	assert_int_equal(o.secure_pages, 32);
	assert_int_equal(o.boot_addr, BOOT);
	assert_int_equal(o.base_s, 0x50022000u);
	assert_int_equal(o.base_ns, 0x40022000u);
	const struct mvo_u5_need need = { o.secure_pages, o.boot_addr };
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *t = &rows[i];
		struct mvo_u5 r = { t->v[0], t->v[1], t->v[2], t->v[3] };
		uint32_t bad = mvo_u5_check(&r, &need);
		char text[2048];
		unsigned stuck;
		unsigned n = mvb_optb_check(&o, t->v, text, sizeof(text), &stuck);
		if (bad != t->bad || stuck != t->stuck || n != (unsigned)__builtin_popcount(t->bad))
			fail_msg("%s: items %#x (want %#x), %u stuck (want %u), %u lines", t->what, (unsigned)bad,
				 (unsigned)t->bad, stuck, t->stuck, n);
		/* one line per item, each naming the register's value it wants */
		unsigned lines = 0;
		for (const char *p = text; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, n);
		if (bad & B(SECWM1))
			assert_non_null(strstr(text, "must be 0x"));
		/* the fixes, applied, leave only what cannot be fixed here */
		uint32_t v[4] = { t->v[0], t->v[1], t->v[2], t->v[3] };
		for (int item = 0; item < MVO_U5_ITEMS; item++) {
			if (!(bad & MVO_U5_BIT(item)))
				continue;
			struct mvo_u5_fix f;
			mvo_u5_fix((enum mvo_u5_item)item, &r, &need, &f);
			if (!f.fixable)
				continue;
			int k = f.reg == MVO_U5_OPTR ? 0 : f.reg == MVO_U5_SECBOOTADD0R ? 1 : f.reg == MVO_U5_SECWM1R1 ? 2 : 3;
			assert_int_equal(f.value & ~f.mask, 0);
			v[k] = (v[k] & ~f.mask) | f.value;
		}
		struct mvo_u5 after = { v[0], v[1], v[2], v[3] };
		uint32_t left = mvo_u5_check(&after, &need);
		if (t->stuck ? left == 0 : left != 0)
			fail_msg("%s: after the fixes %#x is still wrong", t->what, (unsigned)left);
	}
	mvb_board_release(&b);
}

/* The OpenOCD commands: TrustZone alone first; then writes with masks
 * that touch only the fields, and an option-byte load; never anything
 * that protects, locks or changes RDP. */
static void openocd_commands(void **state)
{
	(void)state;
	struct mvb_board b;
	struct mvb_optb o;
	char out[2048];
	tu_board(&b, "stm32u585");
	assert_int_equal(mvb_optb_board(&b, &o), 1);
	const uint32_t fresh[4] = { 0x1feff8aau, BOOT, 0x007f0000u, 0x007f0000u };
	mvb_optb_openocd(&o, fresh, 0, out, sizeof(out));
	assert_string_equal(out, "stm32l4x trustzone 0 enable\n");
	const uint32_t tz[4] = { GOOD_OPTR, BOOT, 0x007f0000u, 0x007f0000u };
	mvb_optb_openocd(&o, tz, 0, out, sizeof(out));
	assert_string_equal(out, "stm32l4x option_write 0 0x50 0x001f0000 0x007f007f\n"
				 "stm32l4x option_write 0 0x60 0x0000007f 0x007f007f\n"
				 "stm32l4x option_load 0\n");
	const uint32_t good[4] = { GOOD_OPTR, BOOT, GOOD_WM1, GOOD_WM2 };
	mvb_optb_openocd(&o, good, 0, out, sizeof(out));
	assert_string_equal(out, "");
	/* RDP level 1 and a locked boot address: nothing for them */
	const uint32_t stuck[4] = { (GOOD_OPTR & ~0xffu) | 0xbbu, 0x0c040001u, GOOD_WM1, GOOD_WM2 };
	mvb_optb_openocd(&o, stuck, 0, out, sizeof(out));
	assert_string_equal(out, "");
	mvb_optb_openocd(&o, fresh, 1, out, sizeof(out));
	assert_non_null(strstr(out, "# then\n"));
	for (const char *bad = "wrp\0protect\0lock \0unlock\0mass_erase\0otp\0"; *bad; bad += strlen(bad) + 1)
		if (strstr(out, bad))
			fail_msg("the recipe holds '%s':\n%s", bad, out);
	/* no write reaches RDP (OPTR bits 0-7) or the boot lock (SECBOOTADD0R bit 0) */
	unsigned writes = 0;
	for (const char *p = strstr(out, "option_write"); p; p = strstr(p + 1, "option_write")) {
		unsigned reg, val, mask;
		assert_int_equal(sscanf(p, "option_write 0 %x %x %x", &reg, &val, &mask), 3);
		if (reg == MVO_U5_OPTR)
			assert_int_equal(mask & MVO_U5_RDP_MASK, 0);
		if (reg == MVO_U5_SECBOOTADD0R)
			assert_int_equal(mask & MVO_U5_BOOT_LOCK, 0);
		writes++;
	}
	assert_int_equal(writes, 5);
	mvb_board_release(&b);
}

/* A board without flash watermarks has no option bytes here. */
static void other_boards(void **state)
{
	(void)state;
	struct mvb_board b;
	struct mvb_optb o;
	tu_board(&b, "mps2-an505");
	assert_int_equal(mvb_optb_board(&b, &o), 0);
	mvb_board_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(constants),
		cmocka_unit_test(check_table),
		cmocka_unit_test(openocd_commands),
		cmocka_unit_test(other_boards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
