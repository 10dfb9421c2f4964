/* app.c - a tiny non-secure app for the check tests.  Built at test time
 * with arm-none-eabi-gcc; -D switches plant one violation each. */
#include <stdint.h>

#define IRQS 92
extern uint32_t __stack_top;
extern int mv_log(const char *, uint32_t);

void reset_handler(void);
void default_handler(void);
void uart1_rx_handler(void);

void default_handler(void)
{
	for (;;)
		;
}

void uart1_rx_handler(void)
{
	*(volatile uint32_t *)0x40201000u = 'x'; /* UART1 data register */
}

#ifdef IRQ_HANDLER_EXTRA
void timer1_handler(void)
{
	for (;;)
		;
}
#endif

#ifndef SP_VALUE
#define SP_VALUE ((uint32_t)&__stack_top)
#endif
#ifndef RESET_VALUE
#define RESET_VALUE ((uint32_t)reset_handler)
#endif

typedef void (*vec_t)(void);
__attribute__((section(".vectors"), used)) const uint32_t vectors[16 + IRQS] = {
	[0] = SP_VALUE,
	[1] = RESET_VALUE,
	[2 ... 6] = (uint32_t)default_handler,
	[11] = (uint32_t)default_handler,
	[14 ... 15] = (uint32_t)default_handler,
	[16 ... 16 + IRQS - 1] = (uint32_t)default_handler,
	[16 + 34] = (uint32_t)uart1_rx_handler,
#ifdef IRQ_HANDLER_EXTRA
	[16 + 4] = (uint32_t)timer1_handler,
#endif
};

volatile uint32_t counter = 1;
#ifdef BIG_DATA
uint8_t big[BIG_DATA] = { 1 };
#endif
#ifdef BIG_BSS
uint8_t bigbss[BIG_BSS];
#endif

int main(void);
int main(void)
{
#ifdef TOUCH_UART2
	*(volatile uint32_t *)0x40202000u = 1; /* not declared */
#endif
#ifdef TOUCH_SECURE
	*(volatile uint32_t *)0x50200000u = 1; /* secure alias of UART0 */
#endif
#ifdef CALL_MV
	mv_log("hi", 2);
#endif
#ifdef USE_DOUBLE
	volatile double d = counter;
	counter = (uint32_t)(d * 1.5);
#endif
#ifdef USE_FLOAT
	volatile float f = (float)counter;
	counter = (uint32_t)(f * 1.5f);
#endif
	for (;;)
		counter++;
}

void reset_handler(void)
{
	main();
}
