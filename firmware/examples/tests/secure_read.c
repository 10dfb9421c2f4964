/* secure_read - reads microvisor RAM: SAU says secure, SecureFault (AUVIOL). */
#include "testapp.h"

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("reading secure ram\n");
	uint32_t v = *(volatile uint32_t *)MVB_PART_MV_RAM_S_BASE;

	mv_print_hex("secure ram read gave ", v); /* must not be reached */
	return 1;
}
