/* refuse_periph - its manifest asks for UART0, which the board keeps for
 * the microvisor: the app must never start. */
#include "testapp.h"

int main(void)
{
	mv_print("refused app started\n");
	return 1;
}
