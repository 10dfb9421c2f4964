/*
 * entry.c - the secure entry points (cmse_nonsecure_entry: each gets an SG
 * veneer in .gnu.sgstubs and returns with caller-saved core and FP
 * registers cleared).  They only forward to the core; all checking
 * happens there.  Arguments are 32-bit words or pointers only
 * (CVE-2024-0151); the slot of each veneer is fixed in mv/api_slots.h.
 */
#include "mv/arch.h"
#include "mv/core.h"
#include "mv/mv_api.h"

_Static_assert(MV_CORE_ABI == MV_ABI, "mv_api.h and the core disagree on the ABI");

#define MV_ENTRY __attribute__((cmse_nonsecure_entry, used))

MV_ENTRY uint32_t mv_version(void)
{
	return MV_CORE_ABI;
}

MV_ENTRY int32_t mv_info(struct mv_info *out, uint32_t size)
{
	return mv_scall_info(out, size);
}

MV_ENTRY int32_t mv_log(const char *msg, uint32_t len)
{
	return mv_scall_log(msg, len);
}

MV_ENTRY uint32_t mv_ticks(void)
{
	return mv_arch_ticks();
}

MV_ENTRY int32_t mv_wait(uint32_t ms)
{
	return mv_scall_wait(ms);
}

MV_ENTRY int32_t mv_restart_app(uint32_t why)
{
	return mv_scall_restart(why);
}

MV_ENTRY int32_t mv_exit(uint32_t code)
{
	return mv_scall_exit(code);
}
