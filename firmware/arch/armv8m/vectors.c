/*
 * vectors.c - the secure vector table.  Every fault, NMI and interrupt goes
 * to the one fault entry (the port sorts violation reports from strays);
 * only the tick, the restart exception, the app entry (SVC) and the link
 * have their own handlers.
 */
#include "armv8m.h"
#include "mv_board.h"

typedef void (*mv_vector)(void);

#define F mv_arch_fault_entry

/* The range initialiser gives every interrupt the fault entry; the link's
 * receive interrupt is then set on its own (a deliberate override). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
__attribute__((section(".vectors"), used)) const mv_vector mv_vectors[16u + MVB_BOARD_NVIC_IRQS] = {
    [0] = (mv_vector)__mv_stack_seal, /* initial MSP: just below the stack seal */
    [1] = mv_arch_reset,
    [2] = F,                    /* NMI */
    [3] = F,                    /* HardFault */
    [4] = F,                    /* MemManage */
    [5] = F,                    /* BusFault */
    [6] = F,                    /* UsageFault */
    [7] = F,                    /* SecureFault */
    [11] = mv_arch_svc_isr,     /* SVCall: entering the app (ns.c) */
    [12] = F,                   /* DebugMonitor */
    [14] = mv_arch_restart_isr, /* PendSV: mv_restart_app() */
    [15] = mv_arch_tick_isr,    /* SysTick */
    [16 ... 16u + MVB_BOARD_NVIC_IRQS - 1u] = F,
#ifdef MVB_LINK_IRQ
    [16u + MVB_LINK_IRQ] = mv_port_link_isr, /* the update link's receive interrupt */
#endif
};
#pragma GCC diagnostic pop
