/* restart_irq - asks for a planned restart from its own interrupt handler
 * (UART1 TX) while its thread sleeps in mv_wait: the restart waits until
 * the handler has returned, the second start sees no crash. */
#include "testapp.h"

#define UART1_REG(off) (*(volatile uint32_t *)(MVB_PERIPH_UART1_NS_BASE + (off)))
#define UART_TX_IRQ 35u
#define NVIC_ISER(n) (*(volatile uint32_t *)(0xE000E100u + 4u * (n)))

static volatile int32_t irq_rc = 99;

void app_irq(uint32_t irq)
{
	(void)irq;
	UART1_REG(0x08) = 1u; /* TX interrupt off (it stays raised while TX is empty) */
	UART1_REG(0x0c) = 1u; /* and cleared */
	irq_rc = mv_restart_app(MV_RESTART_REQUEST);
	mv_print_dec("handler: mv_restart_app returned ", (uint32_t)irq_rc);
}

int main(void)
{
	struct mv_info info;
	uint32_t n = test_start_number(&info);

	if (n > 1u) {
		mv_print_dec("second start, crashes in a row ", info.mi_crashes);
		return info.mi_crashes == 0u ? 0 : 1;
	}
	UART1_REG(0x10) = 16u;            /* BAUDDIV */
	UART1_REG(0x08) = 1u | (1u << 2); /* TX enable, TX interrupt enable */
	NVIC_ISER(UART_TX_IRQ / 32u) = 1u << (UART_TX_IRQ % 32u);
	mv_print("asking for a restart from the uart1 interrupt\n");
	UART1_REG(0x00) = '.';
	(void)mv_wait(1000u);
	mv_print("mv_wait returned without a restart\n");
	return 1;
}
