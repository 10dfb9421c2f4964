/*
 * startup.c - non-secure start-up: the vector table the microvisor points
 * VTOR_NS at, the C runtime, and what happens when the app faults or main
 * returns.  The microvisor has set MSP_NS from vector 0 before entry.
 */
#include <stdint.h>

#include <mv/mv_api.h>

#include "mv_board.h"

extern uint32_t __app_stack_top[], __app_stack_bottom[];
extern uint32_t __app_data_load[], __app_data_start[], __app_data_end[];
extern uint32_t __app_bss_start[], __app_bss_end[];

int main(void);
void app_reset(void) __attribute__((noreturn));
void app_fault(void) __attribute__((noreturn));
void app_irq_entry(void);

/* Override these in the app; the defaults treat a stray exception or
 * interrupt as a crash. */
void app_irq(uint32_t irq) __attribute__((weak));
void app_unexpected(void);
void SVC_Handler(void) __attribute__((weak, alias("app_unexpected")));
void PendSV_Handler(void) __attribute__((weak, alias("app_unexpected")));
void SysTick_Handler(void) __attribute__((weak, alias("app_unexpected")));

typedef void (*app_vector)(void);

__attribute__((section(".vectors"), used)) const app_vector app_vectors[16u + MVB_BOARD_NVIC_IRQS] = {
    [0] = (app_vector)__app_stack_top,
    [1] = app_reset,
    [2] = app_fault, /* NMI, HardFault, MemManage, BusFault, UsageFault */
    [3] = app_fault,
    [4] = app_fault,
    [5] = app_fault,
    [6] = app_fault,
    [11] = SVC_Handler,
    [12] = app_fault, /* DebugMonitor */
    [14] = PendSV_Handler,
    [15] = SysTick_Handler,
    [16 ... 16u + MVB_BOARD_NVIC_IRQS - 1u] = app_irq_entry,
};

#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)

void app_reset(void)
{
	/* Stack overflow faults instead of overwriting .bss. */
	__asm__ volatile("msr msplim, %0" : : "r"(__app_stack_bottom));

	/* Sizes as integers: comparing pointers to different linker symbols
	 * is undefined in C, and the compiler may act on that. */
	uint32_t data_words = ((uintptr_t)__app_data_end - (uintptr_t)__app_data_start) / 4u;
	uint32_t bss_words = ((uintptr_t)__app_bss_end - (uintptr_t)__app_bss_start) / 4u;

	for (uint32_t i = 0; i < data_words; i++)
		__app_data_start[i] = __app_data_load[i];
	for (uint32_t i = 0; i < bss_words; i++)
		__app_bss_start[i] = 0;

	/* MemManage and UsageFault get their own handlers (app_fault), so the
	 * microvisor can clear them on restart; BusFault is the microvisor's. */
	SCB_SHCSR |= (1u << 16) | (1u << 18);
	__asm__ volatile("dsb\n\tisb" ::: "memory");

	int rc = main();

	/* A test build of the microvisor ends the emulator run with main's
	 * status; a production one refuses, and the app idles. */
	(void)mv_exit((uint32_t)rc);
	for (;;)
		(void)mv_wait(0);
}

/* Faults that stay in the app's own world (MemManage, UsageFault, the
 * app's HardFault): report to the microvisor, which counts the crash,
 * backs off and restarts the app. */
void app_fault(void)
{
	(void)mv_restart_app(MV_RESTART_CRASH);
	for (;;)
		;
}

void app_unexpected(void)
{
	app_fault();
}

void app_irq_entry(void)
{
	uint32_t ipsr;

	__asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
	app_irq((ipsr & 0x1ffu) - 16u);
}

void app_irq(uint32_t irq)
{
	(void)irq;
	app_fault();
}
