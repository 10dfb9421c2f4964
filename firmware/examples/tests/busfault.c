/* busfault - reads an address inside the NS peripheral window where no
 * device answers: a BusFault, which stays with the microvisor
 * (AIRCR.BFHFNMINS = 0). */
#include "testapp.h"

#define NOTHING_THERE 0x4ff00000u

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("reading an empty bus address\n");
	uint32_t v = *(volatile uint32_t *)NOTHING_THERE;

	mv_print_hex("bus read gave ", v);
	return 1;
}
