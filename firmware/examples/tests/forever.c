/* forever - runs until it is stopped from outside: prints a tick once a
 * second and never ends the run (for `mvbuild flash --timeout`). */
#include "testapp.h"

/* The over-the-air tests' releases (test_ota1..4) carry a table of 32
 * KiB that deflate cannot squeeze (a multiplicative hash of the index),
 * so that an update spans many chunks and rewrites pages: release 2
 * changes 1 KiB of it, and its longer code moves all of it. */
#if defined(FOREVER_RELEASE)
#define SALT(i) ((FOREVER_RELEASE >= 2 && (i) >= 4096u && (i) < 4352u) ? 0x5a5a5a5au : 0u)
#define X(i) (((uint32_t)(i) * 2654435761u) ^ SALT(i))
#define R4(i) X(i), X((i) + 1u), X((i) + 2u), X((i) + 3u)
#define R16(i) R4(i), R4((i) + 4u), R4((i) + 8u), R4((i) + 12u)
#define R64(i) R16(i), R16((i) + 16u), R16((i) + 32u), R16((i) + 48u)
#define R256(i) R64(i), R64((i) + 64u), R64((i) + 128u), R64((i) + 192u)
#define R1K(i) R256(i), R256((i) + 256u), R256((i) + 512u), R256((i) + 768u)
#define R4K(i) R1K(i), R1K((i) + 1024u), R1K((i) + 2048u), R1K((i) + 3072u)
static const uint32_t table[8192] = {R4K(0u), R4K(4096u)};
#define TABLE(n) (*(volatile const uint32_t *)&table[(n) & 8191u] == 0u)
#else
#define TABLE(n) 0u
#endif

int main(void)
{
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 3
	/* a bad release (test_ota3): crashes at every start */
	mv_print("release 3 crashes\n");
	if (TABLE(3))
		mv_print("never\n"); /* the table stays: a small delta from release 1 */
	__builtin_trap();
#endif
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 2
	/* the next release (test_ota2): another line, and its ticks say so */
	mv_print("release 2 running until stopped\n");
	for (uint32_t n = 1;; n++) {
		mv_wait(500u);
		mv_print_dec("release 2 tick ", n + TABLE(n));
	}
#endif
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 5
	/* puts an update off (test_ota5, update-defer in its manifest):
	 * watches mv_info, finishes its work (half a second here), then asks
	 * for the update itself, long before the microvisor would stop it */
	mv_print("running, watching for updates\n");
	for (uint32_t n = 1;; n++) {
		struct mv_info info;

		mv_wait(100u);
		if (mv_info(&info, sizeof info) == (int32_t)sizeof info && info.mi_update_due != 0u) {
			mv_print_dec("update due in ms: ", info.mi_update_due - mv_ticks());
			mv_wait(500u);
			mv_print("work saved, updating now\n");
			mv_print_dec("mv_update_check: ", (uint32_t)mv_update_check());
		}
		if (TABLE(n))
			mv_print("never\n");
	}
#endif
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 6
	/* a release that checks itself and confirms (test_ota6, confirm:
	 * explicit in its manifest): on trial, it says by when, confirms,
	 * and is no longer on trial */
	struct mv_info ti;

	if (mv_info(&ti, sizeof ti) == (int32_t)sizeof ti && ti.mi_trial_due != 0u) {
		mv_print_dec("on trial, ms left: ", ti.mi_trial_due - mv_ticks());
		/* no update session while on trial: it would replace the way
		 * back (off trial, this would stop the app for one) */
		mv_print_dec("mv_update_check on trial: ", (uint32_t)-mv_update_check());
	}
	mv_wait(300u);
	mv_print_dec("mv_update_confirm: ", (uint32_t)mv_update_confirm());
	if (mv_info(&ti, sizeof ti) == (int32_t)sizeof ti)
		mv_print_dec("trial due after confirming: ", ti.mi_trial_due);
#endif
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 7
	/* a release that hangs (test_ota7, a watchdog in its manifest): it
	 * never feeds the watchdog */
	mv_print("release 7 hangs\n");
	for (;;)
		if (TABLE(0))
			mv_print("never\n");
#endif
	mv_print("running until stopped\n");
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 4
	/* asks for an update itself (test_ota4): from thread mode the app
	 * stops at once, so the line below shows only a refusal */
	mv_wait(200u);
	mv_print_dec("mv_update_check refused: ", (uint32_t)mv_update_check());
#endif
	for (uint32_t n = 1;; n++) {
		mv_wait(1000u);
		mv_print_dec("tick ", n + TABLE(n));
	}
}
