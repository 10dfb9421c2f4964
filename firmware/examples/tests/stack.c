/* stack - recurses until MSPLIM_NS stops it: a stack-overflow UsageFault
 * (STKOF) in the app's world, reported to the microvisor by the start-up. */
#include "testapp.h"

static volatile uint32_t bottom = 0xffffffffu; /* never reached: MSPLIM stops us first */

static uint32_t dive(uint32_t depth)
{
	volatile uint32_t pad[64];

	pad[0] = depth;
	if (depth == bottom)
		return pad[0];
	return dive(depth + 1u) + pad[0];
}

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("overflowing the stack\n");
	mv_print_dec("depth ", dive(0));
	return 1;
}
