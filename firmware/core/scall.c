/*
 * scall.c - the bodies of the secure calls.  Every argument comes from the
 * untrusted app: values are range-checked, pointers are checked against
 * the caller's own view of memory, input is copied once into secure memory
 * before use (the app may change its buffer meanwhile), and an error path
 * never writes to the caller's memory.
 */
#include <stddef.h>

#include "core_int.h"
#include "mv/mv_api.h"
#include "mv/port.h"

#define MV_WAIT_MAX_MS 60000u

/* True if [p, p + len) wraps the address space (len > 0). */
static int wraps(const void *p, uint32_t len)
{
	return (uintptr_t)p > UINTPTR_MAX - (uintptr_t)(len - 1u);
}

int32_t mv_scall_info(void *out, uint32_t size)
{
	const struct mv_crash_state *cs = mv_crash_state();
	struct mv_info info;
	uint32_t n = size < sizeof info ? size : (uint32_t)sizeof info;

	if (size == 0u)
		return MV_EINVAL;
	if (out == NULL || wraps(out, n) || !mv_arch_ns_writable(out, n))
		return MV_EFAULT;

	info.mi_abi = MV_CORE_ABI;
	info.mi_fw_version = MV_FW_VERSION;
	info.mi_starts = cs->starts;
	info.mi_crashes = cs->crashes;
	info.mi_last_reason = cs->last_reason;
	info.mi_ticks_hz = MV_TICKS_HZ;
	info.mi_update_due = mv_boot_update_due();
	info.mi_trial_due = mv_boot_trial_due();

	/* Byte copy through a volatile pointer: the destination is app
	 * memory, the compiler must not widen or merge these stores. */
	volatile uint8_t *dst = out;
	const uint8_t *src = (const uint8_t *)&info;

	for (uint32_t i = 0; i < n; i++)
		dst[i] = src[i];
	return (int32_t)n;
}

int32_t mv_scall_log(const char *msg, uint32_t len)
{
	char local[MV_LOG_MAX];

	if (msg == NULL)
		return MV_EFAULT;
	if (len > MV_LOG_MAX)
		return MV_E2BIG;
	/* An empty message is checked too: its pointer must still be one
	 * the app could read a byte at. */
	if (wraps(msg, len ? len : 1u) || !mv_arch_ns_readable(msg, len ? len : 1u))
		return MV_EFAULT;
	if (len == 0u)
		return MV_OK;

	/* Copy once, then print the copy: a second read of app memory could
	 * see different bytes (TOCTOU). */
	const volatile char *src = msg;

	for (uint32_t i = 0; i < len; i++)
		local[i] = src[i];
	mv_app_text(local, len);
	return MV_OK;
}

int32_t mv_scall_wait(uint32_t ms)
{
	if (ms > MV_WAIT_MAX_MS)
		return MV_EINVAL;
	/* App interrupts preempt the WFI and run; the tick wakes us too. */
	if (ms == 0u)
		mv_arch_wait_irq();
	else
		mv_delay_ms(ms);
	return MV_OK;
}

int32_t mv_scall_restart(uint32_t why)
{
	if (why != MV_RESTART_REQUEST && why != MV_RESTART_CRASH)
		return MV_EINVAL;
	mv_boot_restart(why, why == MV_RESTART_CRASH);
	/* A planned restart waits until the app's handlers have returned and
	 * its interrupts are unmasked: the caller may run on until then.  A
	 * crash is taken at once; this is reached only if it could not be. */
	return why == MV_RESTART_REQUEST ? MV_OK : MV_ESTATE;
}

int32_t mv_scall_exit(uint32_t code)
{
	if (!mv_port_can_exit())
		return MV_ENOTSUP;
	if (code > MV_EXIT_APP_MAX)
		return MV_EINVAL; /* 64 and up would impersonate a microvisor outcome */
	mv_msg(MV_MSGW(MV_M_EXIT), code);
	mv_port_exit(code);
}

#ifdef MV_UPDATE
/* Out of line: 12 bytes less than inlined into its entry point
 * (measured on microvisor-ota.elf). */
__attribute__((noinline)) int32_t mv_scall_update_check(void)
{
	if (!mv_link_up())
		return MV_ENOTSUP;
	return mv_link_ask_update(1) == 0 ? MV_OK : MV_EBUSY;
}

int32_t mv_scall_update_confirm(void)
{
	return mv_boot_confirm();
}
#else
int32_t mv_scall_update_check(void)
{
	return MV_ENOTSUP;
}

int32_t mv_scall_update_confirm(void)
{
	return MV_ENOTSUP;
}
#endif
