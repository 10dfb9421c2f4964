/*
 * cmse.c - checks on pointers handed in by the non-secure app.  A pointer
 * is an allegation until the TT instruction (as ACLE's
 * cmse_check_address_range uses it) confirms that the caller itself, with
 * its own privilege and MPU, may access every byte; secure memory never
 * passes.
 */
#include "armv8m.h"
#include "mv/arch.h"
#include "mv_board.h"

/* The allow-list: the app's own memory and nothing else.  TT only says
 * whether an address is non-secure; the system control space and the
 * non-secure peripheral window pass that test, yet the microvisor would
 * touch them in secure state, where the same addresses are the secure
 * bank (SHPR3, SysTick) or a bus error (a gated or empty peripheral
 * slot).  So a buffer must also lie entirely in app_ram (reads and
 * writes) or app_flash (reads). */
static int in_app_memory(uintptr_t p, uint32_t len, int write)
{
	uintptr_t ram = MVB_PART_APP_RAM_NS_BASE, flash = MVB_PART_APP_FLASH_NS_BASE;

	if (p >= ram && p - ram <= MVB_PART_APP_RAM_SIZE && len <= MVB_PART_APP_RAM_SIZE - (p - ram))
		return 1;
	return !write && p >= flash && p - flash <= MVB_PART_APP_FLASH_SIZE &&
	       len <= MVB_PART_APP_FLASH_SIZE - (p - flash);
}

/* The caller's privilege decides which of its MPU's permissions apply:
 * unprivileged NS thread code must not reach privileged-only NS memory
 * through the microvisor either.  Out of line: one copy for its two
 * callers is 12 bytes less (measured on microvisor-ota.elf). */
__attribute__((noinline)) static int caller_unpriv(void)
{
	uint32_t control_ns;

	if (mv_ipsr() != 0u)
		return 0; /* called from an NS handler: privileged */
	__asm__ volatile("mrs %0, control_ns" : "=r"(control_ns));
	return control_ns & 1u;
}

/* What ACLE's cmse_check_address_range(p, len, CMSE_NONSECURE | ...)
 * decides, for the three flag sets the microvisor passes, in a third of
 * libgcc's 226 bytes: the range must not wrap, the TTA (TTAT for an
 * unprivileged caller) answers for its first and last byte must be equal
 * (no MPU, SAU or IDAU region boundary inside it), and that answer must
 * have `bit` set (NSR, NSRW) or clear (S).  Inlined at its three calls:
 * 24 bytes less than one copy (measured on microvisor-ota.elf). */
__attribute__((always_inline)) inline int mv_arch_ns_range(uintptr_t p, uint32_t len, int unpriv, uint32_t bit, uint32_t set)
{
	uintptr_t q = p + len - 1u;
	uint32_t b, e;

	if (UINTPTR_MAX - p < len)
		return 0;
	if (unpriv)
		__asm__ volatile("ttat %0, %2\n\tttat %1, %3" : "=&r"(b), "=r"(e) : "r"(p), "r"(q));
	else
		__asm__ volatile("tta %0, %2\n\ttta %1, %3" : "=&r"(b), "=r"(e) : "r"(p), "r"(q));
	return b == e && ((b & bit) != 0u) == set;
}

int mv_arch_ns_readable(const void *p, uint32_t len)
{
	if (p == 0 || len == 0u || !in_app_memory((uintptr_t)p, len, 0))
		return 0;
	return mv_arch_ns_range((uintptr_t)p, len, caller_unpriv(), MV_TT_NSR, 1);
}

int mv_arch_ns_writable(void *p, uint32_t len)
{
	if (p == 0 || len == 0u || !in_app_memory((uintptr_t)p, len, 1))
		return 0;
	return mv_arch_ns_range((uintptr_t)p, len, caller_unpriv(), MV_TT_NSRW, 1);
}

int mv_arch_caller_is_handler(void)
{
	return mv_ipsr() != 0u;
}
