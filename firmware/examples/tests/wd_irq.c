/* wd_irq - declares a 100 ms watchdog and hangs inside its own interrupt
 * handler (UART1 TX) with interrupts masked: the watchdog restarts it
 * (the handler is unwound first), the second start reports 0x4519. */
#include "testapp.h"

#define UART1_REG(off) (*(volatile uint32_t *)(MVB_PERIPH_UART1_NS_BASE + (off)))
#define UART_TX_IRQ 35u
#define NVIC_ISER(n) (*(volatile uint32_t *)(0xE000E100u + 4u * (n)))

void app_irq(uint32_t irq)
{
	(void)irq;
	__asm__ volatile("cpsid i" ::: "memory");
	for (;;)
		;
}

int main(void)
{
	struct mv_info info;

	if (test_start_number(&info) > 1u)
		return test_after_restart(&info);
	mv_print("hanging in the uart1 interrupt\n");
	UART1_REG(0x10) = 16u;
	UART1_REG(0x08) = 1u | (1u << 2);
	NVIC_ISER(UART_TX_IRQ / 32u) = 1u << (UART_TX_IRQ % 32u);
	UART1_REG(0x00) = '.';
	for (volatile uint32_t i = 0; i < 100000000u; i++)
		;
	mv_print("no interrupt\n");
	return 1;
}
