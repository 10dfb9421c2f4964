/* other_periph - writes UART2, an app-ownable peripheral this app did not
 * ask for: its PPC port stays secure, the PPC interrupt fires. */
#include "testapp.h"

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("writing uart2, not granted\n");
	*(volatile uint32_t *)(MVB_PERIPH_UART2_NS_BASE + 0x08u) = 1u;
	for (volatile uint32_t i = 0; i < 100000u; i++)
		;
	mv_print("no violation reported\n");
	return 1;
}
