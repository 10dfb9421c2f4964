/*
 * entry.c - the secure entry points: each gets an SG veneer in
 * .gnu.sgstubs that branches to its gateway (end of file), which runs the
 * body here and returns through the one exit sequence that clears
 * caller-saved core and FP registers.  Each body opens the call (app interrupts held off, the
 * caller's secure context claimed: sctx.c), forwards to the core, where
 * all argument checking happens, and closes it.  Arguments are 32-bit
 * words or pointers only (CVE-2024-0151); the slot of each veneer is fixed
 * in mv/api_slots.h.
 */
#include "mv/arch.h"
#include "mv/core.h"
#include "mv/mv_api.h"
#include "sctx_int.h"

_Static_assert(MV_CORE_ABI == MV_ABI, "mv_api.h and the core disagree on the ABI");
_Static_assert(MV_TZ_CONTEXTS == MV_SCTX_COUNT - 1u, "mv_api.h and the core disagree on the context count");

/* The body of an entry point: reached only from its gateway (below). */
#define MV_BODY __attribute__((used, noinline))

/* Open, run `expr`, close; MV_EBUSY (or `busy`) if the context is taken.
 * `expr` may read the token (tok_): whether the caller is a handler. */
#define MV_CALL(type, busy, expr)                                                                                      \
	do {                                                                                                           \
		uint32_t tok_ = mv_arch_call_begin();                                                                  \
		if (tok_ == MV_CALL_BUSY)                                                                              \
			return (type)(busy);                                                                           \
		type r_ = (expr);                                                                                      \
		mv_arch_call_end(tok_);                                                                                \
		return r_;                                                                                             \
	} while (0)

MV_BODY uint32_t mv_e_version(void)
{
	return MV_CORE_ABI; /* a constant: touches no state, needs no context */
}

MV_BODY int32_t mv_e_info(struct mv_info *out, uint32_t size)
{
	MV_CALL(int32_t, MV_EBUSY, mv_scall_info(out, size));
}

MV_BODY int32_t mv_e_log(const char *msg, uint32_t len)
{
	MV_CALL(int32_t, MV_EBUSY, mv_scall_log(msg, len));
}

MV_BODY uint32_t mv_e_ticks(void)
{
	return mv_arch_ticks(); /* one load of a word the tick writes */
}

MV_BODY int32_t mv_e_wait(uint32_t ms)
{
	uint32_t tok = mv_arch_call_begin();

	if (tok == MV_CALL_BUSY)
		return MV_EBUSY;
	/* Preemptible while it sleeps: the context stays claimed, so a
	 * thread switched in meanwhile gets MV_EBUSY on it, never a share
	 * of this call's stack. */
	uint32_t pm = mv_arch_call_open(tok);
	int32_t r = mv_scall_wait(ms);

	mv_arch_call_close(pm);
	mv_arch_call_end(tok);
	return r;
}

MV_BODY int32_t mv_e_watchdog_feed(void)
{
	return mv_scall_watchdog_feed(); /* one store: no context, no mask */
}

MV_BODY int32_t mv_e_update_check(void)
{
	MV_CALL(int32_t, MV_EBUSY, mv_scall_update_check());
}

MV_BODY int32_t mv_e_update_confirm(void)
{
	MV_CALL(int32_t, MV_EBUSY, mv_scall_update_confirm());
}

MV_BODY int32_t mv_e_restart_app(uint32_t why)
{
	MV_CALL(int32_t, MV_EBUSY, mv_scall_restart(why));
}

MV_BODY int32_t mv_e_exit(uint32_t code)
{
	MV_CALL(int32_t, MV_EBUSY, mv_scall_exit(code));
}

/* The TrustZone context calls.  Load and Store come from the app's
 * scheduler (an exception handler), so they never wait for a context. */
MV_BODY uint32_t mv_e_tz_init(void)
{
	MV_CALL(uint32_t, 0u, mv_sctx_init_system());
}

MV_BODY uint32_t mv_e_tz_alloc(uint32_t module)
{
	(void)module; /* CMSIS passes the module; every context is alike here */
	MV_CALL(uint32_t, 0u, mv_sctx_alloc());
}

/* Free, Load and Store may move MSP_S, the stack they run on (their
 * gateways note the stack pointer the call found). */
uint32_t mv_arch_tz_free(uint32_t id) __attribute__((used));
uint32_t mv_arch_tz_free(uint32_t id)
{
	MV_CALL(uint32_t, 0u, mv_sctx_free(id, (tok_ & MV_CALL_HANDLER) != 0u));
}

uint32_t mv_arch_tz_load(uint32_t id) __attribute__((used));
uint32_t mv_arch_tz_load(uint32_t id)
{
	MV_CALL(uint32_t, 0u, mv_sctx_load(id, (tok_ & MV_CALL_HANDLER) != 0u));
}

uint32_t mv_arch_tz_store(uint32_t id) __attribute__((used));
uint32_t mv_arch_tz_store(uint32_t id)
{
	MV_CALL(uint32_t, 0u, mv_sctx_store(id, (tok_ & MV_CALL_HANDLER) != 0u));
}

/*
 * The gateways: what each veneer branches to (the linker makes the veneer
 * from the name / __acle_se_name pair).  Every one runs its body and
 * leaves through the one CMSE return sequence of the image (sctx.c): it
 * clears r1-r3, r12, s0-s15, FPSCR and the flags before BXNS.  One exit
 * instead of the compiler's per-function sequence saves about 70 bytes an
 * entry, and the exit pops the {r4, lr} the gateway pushed (4 bytes an
 * entry more).  Free, Load and Store may move MSP_S, the stack they run on, so
 * theirs first note the stack pointer the call found and leave through
 * mv_arch_call_exit, which applies the switch (MV_CTX_GATEWAY); the others
 * leave through mv_arch_call_clear, which must not.
 */
#define MV_GATEWAY_(name, body, pre, exit)                                                                                   \
	__asm__(".section .text." #name ",\"ax\",%progbits\n\t"                                                        \
	        ".global " #name "\n\t"                                                                                \
	        ".global __acle_se_" #name "\n\t"                                                                      \
	        ".type " #name ", %function\n\t"                                                                       \
	        ".type __acle_se_" #name ", %function\n\t"                                                             \
	        ".thumb_func\n" #name ":\n"                                                                            \
	        "__acle_se_" #name ":\n\t" pre                                                                          \
	        "push {r4, lr}\n\t"                                                                                    \
	        "bl " #body "\n\t"                                                                                      \
	        "b.w " exit "\n\t" /* which pops {r4, lr} */                                                           \
	        ".ltorg\n\t"                                                                                           \
	        ".size " #name ", . - " #name "\n\t"                                                                  \
	        ".size __acle_se_" #name ", . - __acle_se_" #name "\n\t"                                              \
	        ".text\n")
#define MV_GATEWAY(name, body) MV_GATEWAY_(name, body, "", "mv_arch_call_clear")
#define MV_CTX_GATEWAY(name, body)                                                                                     \
	MV_GATEWAY_(name, body, "ldr r1, =mv_sctx_entry_sp\n\tmrs r2, msp\n\tstr r2, [r1]\n\t", "mv_arch_call_exit")

MV_GATEWAY(mv_version, mv_e_version);
MV_GATEWAY(mv_info, mv_e_info);
MV_GATEWAY(mv_log, mv_e_log);
MV_GATEWAY(mv_ticks, mv_e_ticks);
MV_GATEWAY(mv_wait, mv_e_wait);
MV_GATEWAY(mv_restart_app, mv_e_restart_app);
MV_GATEWAY(mv_exit, mv_e_exit);
MV_GATEWAY(TZ_InitContextSystem_S, mv_e_tz_init);
MV_GATEWAY(TZ_AllocModuleContext_S, mv_e_tz_alloc);
MV_CTX_GATEWAY(TZ_FreeModuleContext_S, mv_arch_tz_free);
MV_CTX_GATEWAY(TZ_LoadContext_S, mv_arch_tz_load);
MV_CTX_GATEWAY(TZ_StoreContext_S, mv_arch_tz_store);
MV_GATEWAY(mv_watchdog_feed, mv_e_watchdog_feed);
MV_GATEWAY(mv_update_check, mv_e_update_check);
MV_GATEWAY(mv_update_confirm, mv_e_update_confirm);
