/* forever - runs until it is stopped from outside: prints a tick once a
 * second and never ends the run (for `mvbuild flash --timeout`). */
#include "testapp.h"

/* The over-the-air tests' releases (test_ota1, test_ota2) carry 32
 * KiB of table, so that an update rewrites pages: release 2 changes half
 * of it, and its longer code moves all of it. */
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE >= 2
static const uint32_t table[8192] = {[0 ... 4095] = 0x12345678u, [4096 ... 8191] = 0x0badf00du};
#define TABLE(n) (*(volatile const uint32_t *)&table[(n) & 8191u] == 0u)
#elif defined(FOREVER_RELEASE) && FOREVER_RELEASE == 1
static const uint32_t table[8192] = {[0 ... 8191] = 0x12345678u};
#define TABLE(n) (*(volatile const uint32_t *)&table[(n) & 8191u] == 0u)
#else
#define TABLE(n) 0u
#endif

int main(void)
{
#if defined(FOREVER_RELEASE) && FOREVER_RELEASE == 3
	/* a bad release (test_ota3): crashes at every start */
	mv_print("release 3 crashes\n");
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
	mv_print("running until stopped\n");
	for (uint32_t n = 1;; n++) {
		mv_wait(1000u);
		mv_print_dec("tick ", n + TABLE(n));
	}
}
