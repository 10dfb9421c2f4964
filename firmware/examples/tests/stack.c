/* stack - recurses until MSPLIM_NS stops it: a stack-overflow UsageFault
 * (STKOF) in the app's world, reported to the microvisor by the start-up. */
#include "testapp.h"

static uint32_t dive(volatile uint32_t depth)
{
	volatile uint32_t pad[64];

	pad[0] = depth;
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
