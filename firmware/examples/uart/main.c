/*
 * uart - an app that owns UART1 (peripheral and TX interrupt, both granted
 * by the microvisor from the manifest) and writes to it directly through
 * the non-secure alias.
 */
#include <stdint.h>

#include <mv/app_print.h>
#include <mv/mv_api.h>

#include "mv_board.h"

#define UART1 MVB_PERIPH_UART1_NS_BASE
#define UART_REG(off) (*(volatile uint32_t *)(UART1 + (off)))
#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_CTRL 0x08u
#define UART_INTSTATUS 0x0cu /* write 1 to clear */
#define UART_BAUDDIV 0x10u
#define UART_TX_IRQ 35u

#define NVIC_ISER(n) (*(volatile uint32_t *)(0xE000E100u + 4u * (n)))

static volatile uint32_t tx_irqs;

/* The TX interrupt of UART1: overrides the startup's weak default. */
void app_irq(uint32_t irq)
{
	if (irq == UART_TX_IRQ) {
		UART_REG(UART_INTSTATUS) = 1u;
		tx_irqs++;
		return;
	}
	mv_print_dec("unexpected irq ", irq);
}

static void uart_puts(const char *s)
{
	for (; *s != '\0'; s++) {
		while (UART_REG(UART_STATE) & 1u)
			;
		UART_REG(UART_DATA) = (uint8_t)*s;
	}
}

int main(void)
{
	UART_REG(UART_BAUDDIV) = 16u;
	UART_REG(UART_CTRL) = 1u | (1u << 2); /* TX enable, TX interrupt enable */
	NVIC_ISER(UART_TX_IRQ / 32u) = 1u << (UART_TX_IRQ % 32u);

	uart_puts("uart1: hello from the app, straight to the UART\n");

	/* Each byte sent raises the TX interrupt; give them time to land. */
	for (int i = 0; i < 10 && tx_irqs == 0u; i++)
		(void)mv_wait(1);
	mv_print_dec("uart1 tx interrupts seen: ", tx_irqs);
	return tx_irqs != 0u ? 0 : 3;
}
