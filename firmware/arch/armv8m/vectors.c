/*
 * vectors.c - the secure vector table.  Every fault, NMI and interrupt goes
 * to the one fault entry (the port sorts violation reports from strays),
 * and so does the restart exception (PendSV: fault.c tells it by IPSR, and
 * it wants the fault stack too); only the tick, the app entry (SVC) and
 * the link have their own handlers.
 */
#include "armv8m.h"
#include "mv_board.h"

typedef void (*mv_vector)(void);

#define F mv_arch_fault_entry

/* The range initialiser gives every interrupt the fault entry; the link's
 * receive interrupt is then set on its own (a deliberate override). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
/* The table ends after the last interrupt the microvisor takes itself
 * (MV_SECURE_IRQS, armv8m.h): every other line is the app's or stays
 * disabled, and only secure code can enable a secure-targeted line, so
 * no vector past the end is ever fetched.  It saves 4 bytes of flash per
 * line the board has beyond that (0.3 KiB on mps2-an505). */
__attribute__((section(".vectors"), used)) const mv_vector mv_vectors[16u + MV_SECURE_IRQS] = {
    [0] = (mv_vector)__mv_stack_seal, /* initial MSP: just below the stack seal */
    [1] = mv_arch_reset,
    [2] = F,                 /* NMI */
    [3] = F,                 /* HardFault */
    [4] = F,                 /* MemManage */
    [5] = F,                 /* BusFault */
    [6] = F,                 /* UsageFault */
    [7] = F,                 /* SecureFault */
    [11] = mv_arch_svc_isr,  /* SVCall: entering the app (ns.c) */
    [12] = F,                /* DebugMonitor */
    [14] = F,                /* PendSV: mv_restart_app() (fault.c tells it by IPSR) */
    [15] = mv_arch_tick_isr, /* SysTick */
#if MV_SECURE_IRQS > 0
    [16 ... 16u + MV_SECURE_IRQS - 1u] = F,
#endif
#ifdef MVB_LINK_IRQ
    [16u + MVB_LINK_IRQ] = mv_port_link_isr, /* the update link's receive interrupt */
#endif
};
#pragma GCC diagnostic pop
