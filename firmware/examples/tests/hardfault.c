/* hardfault - the app's own HardFault: with its UsageFault handler off, an
 * undefined instruction escalates to the NS HardFault, whose SDK handler
 * reports to the microvisor.  The NS HardFault stays active while the
 * microvisor restarts the app, so this exercises the unwinding. */
#include "testapp.h"

#define SHCSR (*(volatile uint32_t *)0xE000ED24u)

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	SHCSR &= ~((1u << 16) | (1u << 18)); /* MemManage and UsageFault handlers off */
	__asm__ volatile("dsb\n\tisb" ::: "memory");
	mv_print("executing udf with the usagefault handler off\n");
	__asm__ volatile("udf #1");
	mv_print("udf returned\n");
	return 1;
}
