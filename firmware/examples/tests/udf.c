/* udf - executes a permanently undefined instruction: the app's own
 * UsageFault, which the SDK start-up hands to the microvisor
 * (mv_restart_app(MV_RESTART_CRASH)). */
#include "testapp.h"

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("executing udf\n");
	__asm__ volatile("udf #0");
	mv_print("udf returned\n");
	return 1;
}
