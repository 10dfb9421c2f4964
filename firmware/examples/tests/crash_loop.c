/* crash_loop - faults on every start: the microvisor backs off, then
 * stops in safe mode after MV_CRASH_LIMIT crashes in a row. */
#include "testapp.h"

int main(void)
{
	mv_print("crashing again\n");
	(void)*(volatile uint32_t *)MVB_PART_MV_RAM_S_BASE;
	return 1;
}
