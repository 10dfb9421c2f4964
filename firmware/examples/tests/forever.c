/* forever - runs until it is stopped from outside: prints a tick once a
 * second and never ends the run (for `mvbuild flash --timeout`). */
#include "testapp.h"

int main(void)
{
	mv_print("running until stopped\n");
	for (uint32_t n = 1;; n++) {
		mv_wait(1000u);
		mv_print_dec("tick ", n);
	}
}
