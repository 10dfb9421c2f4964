/*
 * mvo.h - the STM32U5 option bytes a microvisor needs before it can boot
 * and be flashed, written once: the port checks them at every boot
 * (firmware/ports/stm32u585/port.c), `mvbuild flash` checks them through
 * the probe before it writes anything, and `mvbuild provision` writes the
 * values mvo_u5_fix gives.
 * Freestanding C: <stdint.h> only, no C library call, no state
 * (tests/tools/freestanding.sh).
 *
 * Register offsets are from the flash controller's base (FLASH at
 * 0x40022000 non-secure, 0x50022000 secure); bits from RM0456 and ST's
 * stm32u585xx.h, checked in tests/unit/test_optbytes.c.
 */
#ifndef MVO_H
#define MVO_H

#include <stdint.h>

#define MVO_U5_OPTR 0x40u         /* user options: RDP, SWAP_BANK, boot, TZEN */
#define MVO_U5_SECBOOTADD0R 0x4cu /* secure boot address 0 (address bits 31:7), BOOT_LOCK */
#define MVO_U5_SECWM1R1 0x50u     /* bank 1 secure watermark: first page 6:0, last page 22:16 */
#define MVO_U5_SECWM2R1 0x60u     /* bank 2 */

#define MVO_U5_RDP_MASK 0xffu
#define MVO_U5_RDP_LEVEL0 0xaau
#define MVO_U5_RDP_LEVEL05 0x55u
#define MVO_U5_RDP_LEVEL2 0xccu
#define MVO_U5_SWAP_BANK (1u << 20)
#define MVO_U5_NSWBOOT0 (1u << 26) /* 0: nBOOT0 decides, not the BOOT0 pin */
#define MVO_U5_NBOOT0 (1u << 27)
#define MVO_U5_TZEN (1u << 31)
#define MVO_U5_BOOTADD_MASK 0xffffff80u
#define MVO_U5_BOOT_LOCK (1u << 0)
#define MVO_U5_WM_PSTRT 0x7fu
#define MVO_U5_WM_PEND_SHIFT 16u
#define MVO_U5_WM_MASK 0x007f007fu
#define MVO_U5_PAGES_PER_BANK 128u

/* The registers as the flash controller shows them. */
struct mvo_u5 {
	uint32_t optr, secbootadd0r, secwm1r1, secwm2r1;
};

/* What the board's layout asks for: pages 0 .. secure_pages - 1 of bank
 * 1 secure, nothing else; boot from boot_addr (the secure alias of the
 * microvisor's vector table, 128-byte aligned). */
struct mvo_u5_need {
	uint32_t secure_pages, boot_addr;
};

/* The items, in the order they must be put right (RDP first: nothing else
 * can be written above level 0; TZEN before the watermarks, which it
 * resets). */
enum mvo_u5_item {
	MVO_U5_ITEM_RDP,        /* level 0, or a probe cannot write secure flash */
	MVO_U5_ITEM_TZEN,       /* TrustZone on */
	MVO_U5_ITEM_SWAP_BANK,  /* banks not swapped */
	MVO_U5_ITEM_BOOT0,      /* not forced into the system bootloader */
	MVO_U5_ITEM_SECWM1,     /* bank 1: exactly the secure pages */
	MVO_U5_ITEM_SECWM2,     /* bank 2: no secure page */
	MVO_U5_ITEM_SECBOOTADD0 /* boots the microvisor */
};
#define MVO_U5_ITEMS 7
#define MVO_U5_BIT(item) (1u << (item))
/* What a microvisor that is running can still find wrong about itself:
 * it booted, so the boot address and BOOT0 were right, and RDP is the
 * probe's concern, not its own. */
#define MVO_U5_AT_BOOT                                                                                                 \
	(MVO_U5_BIT(MVO_U5_ITEM_TZEN) | MVO_U5_BIT(MVO_U5_ITEM_SWAP_BANK) | MVO_U5_BIT(MVO_U5_ITEM_SECWM1) |           \
	 MVO_U5_BIT(MVO_U5_ITEM_SECWM2))

/* One bit (MVO_U5_BIT) per item that is wrong; 0 when all are right. */
uint32_t mvo_u5_check(const struct mvo_u5 *r, const struct mvo_u5_need *n);

/* How an item is put right: the register (offset) and the bits of it that
 * change (mask) to what (value); have and want are the field as it is and
 * as it must be (for messages).  fixable is 0 when no option-byte write
 * may do it here: RDP above level 0 (going back to level 0 erases the
 * flash, which is the owner's call) and a boot address held by BOOT_LOCK. */
struct mvo_u5_fix {
	uint32_t reg, value, mask, have, want;
	int fixable;
};
void mvo_u5_fix(enum mvo_u5_item item, const struct mvo_u5 *r, const struct mvo_u5_need *n, struct mvo_u5_fix *f);

#endif
