/*
 * cmse.c - checks on pointers handed in by the non-secure app.  A pointer
 * is an allegation until the TT instruction (through ACLE's
 * cmse_check_address_range) confirms that the caller itself, with its own
 * privilege and MPU, may access every byte; secure memory never passes.
 */
#include <arm_cmse.h>

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
 * through the microvisor either. */
static int caller_flags(void)
{
	uint32_t control_ns;

	if (mv_ipsr() != 0u)
		return 0; /* called from an NS handler: privileged */
	__asm__ volatile("mrs %0, control_ns" : "=r"(control_ns));
	return (control_ns & 1u) ? CMSE_MPU_UNPRIV : 0;
}

int mv_arch_ns_readable(const void *p, uint32_t len)
{
	if (p == 0 || len == 0u || !in_app_memory((uintptr_t)p, len, 0))
		return 0;
	return cmse_check_address_range((void *)(uintptr_t)p, len, CMSE_NONSECURE | CMSE_MPU_READ | caller_flags()) !=
	       0;
}

int mv_arch_ns_writable(void *p, uint32_t len)
{
	if (p == 0 || len == 0u || !in_app_memory((uintptr_t)p, len, 1))
		return 0;
	return cmse_check_address_range(p, len, CMSE_NONSECURE | CMSE_MPU_READWRITE | caller_flags()) != 0;
}

int mv_arch_caller_is_handler(void)
{
	return mv_ipsr() != 0u;
}
