/* mv_periph - writes UART0 (the microvisor's console) through its NS alias:
 * the PPC blocks it and raises the secure PPC interrupt.  Does it on two
 * starts in a row, so the test sees that a cleared report latches again. */
#include "testapp.h"

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 2u)
		return test_after_restart(&info);
	mv_print("writing the microvisor's uart\n");
	*(volatile uint32_t *)MVB_PERIPH_UART0_NS_BASE = 'X';
	/* The violation interrupt is asynchronous: wait for it here. */
	for (volatile uint32_t i = 0; i < 100000u; i++)
		;
	mv_print("no violation reported\n");
	return 1;
}
