/* refuse_irq - its manifest asks for UART1 and an IRQ of UART2: the app must
 * never start. */
#include "testapp.h"

int main(void)
{
	mv_print("refused app started\n");
	return 1;
}
