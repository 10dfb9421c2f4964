/* invep - branches into microvisor code that is not a veneer: SecureFault
 * (INVEP), the secure side is never entered. */
#include "testapp.h"

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("calling into secure code past the veneers\n");
	void (*f)(void) = (void (*)(void))(MVB_PART_MV_CODE_S_BASE + 0x200u + 1u);

	f();
	mv_print("secure code returned\n");
	return 1;
}
