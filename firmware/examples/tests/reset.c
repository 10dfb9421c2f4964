/* reset - requests a system reset: AIRCR.SYSRESETREQS keeps that for the
 * secure side, so the write is ignored and the app carries on.  (With
 * -no-reboot a real reset would also end QEMU with status 0, so the test
 * asserts the line printed after the write.) */
#include "testapp.h"

#define AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

int main(void)
{
	mv_print("requesting a system reset\n");
	AIRCR = (0x05FAu << 16) | (1u << 2);
	__asm__ volatile("dsb\n\tisb" ::: "memory");
	for (volatile uint32_t i = 0; i < 10000u; i++)
		;
	mv_print("reset request ignored\n");
	return 0;
}
