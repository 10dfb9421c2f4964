/*
 * startup.c - non-secure start-up: the vector table the microvisor points
 * VTOR_NS at, the C and C++ runtime, and what happens when the app faults
 * or main returns.  The microvisor has set MSP_NS from vector 0 before
 * entry.  Needs no C library (nothing here becomes a memcpy or memset
 * call) and uses the one that is linked (picolibc's TLS) when there is.
 */
#include <stdint.h>

#include <mv/mv_api.h>

#include "mv_board.h"

extern uint32_t __app_stack_top[], __app_stack_bottom[];
extern uint32_t __app_data_load[], __app_data_start[], __app_data_end[];
extern uint32_t __app_tdata_load[], __app_tdata_start[], __app_tdata_end[];
extern uint32_t __app_bss_start[], __app_bss_end[];

typedef void (*app_init_fn)(void);
extern app_init_fn __app_preinit_array_start[], __app_preinit_array_end[];
extern app_init_fn __app_init_array_start[], __app_init_array_end[];

/* picolibc keeps errno and other per-thread state in TLS; it is linked
 * only if the app uses that state, and then gets the one thread's block. */
void _set_tls(void *tls) __attribute__((weak));

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

/* Sizes as integers: comparing pointers to different linker symbols is
 * undefined in C, and the compiler may act on that. */
static uint32_t words(const uint32_t *start, const uint32_t *end)
{
	return ((uintptr_t)end - (uintptr_t)start) / 4u;
}

/* Stores through volatile: no compiler turns these loops into memcpy or
 * memset calls, which an app without a C library could not link. */
static void copy_words(uint32_t *dst, const uint32_t *src, uint32_t n)
{
	volatile uint32_t *d = dst;

	for (uint32_t i = 0; i < n; i++)
		d[i] = src[i];
}

static void zero_words(uint32_t *dst, uint32_t n)
{
	volatile uint32_t *d = dst;

	for (uint32_t i = 0; i < n; i++)
		d[i] = 0;
}

static void run_array(app_init_fn *start, app_init_fn *end)
{
	uint32_t n = ((uintptr_t)end - (uintptr_t)start) / sizeof(app_init_fn);

	for (uint32_t i = 0; i < n; i++)
		start[i]();
}

void app_reset(void)
{
	/* Stack overflow faults instead of overwriting .bss. */
	__asm__ volatile("msr msplim, %0" : : "r"(__app_stack_bottom));

	copy_words(__app_data_start, __app_data_load, words(__app_data_start, __app_data_end));
	copy_words(__app_tdata_start, __app_tdata_load, words(__app_tdata_start, __app_tdata_end));
	zero_words(__app_bss_start, words(__app_bss_start, __app_bss_end));
	if (_set_tls)
		_set_tls(__app_tdata_start);

	/* MemManage and UsageFault get their own handlers (app_fault), so the
	 * microvisor can clear them on restart; BusFault is the microvisor's. */
	SCB_SHCSR |= (1u << 16) | (1u << 18);
	__asm__ volatile("dsb\n\tisb" ::: "memory");

	run_array(__app_preinit_array_start, __app_preinit_array_end);
	run_array(__app_init_array_start, __app_init_array_end);

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

/* exit() of the C library ends here: the same as returning from main. */
void _exit(int status) __attribute__((weak, noreturn));

void _exit(int status)
{
	(void)mv_exit((uint32_t)status);
	for (;;)
		(void)mv_wait(0);
}
