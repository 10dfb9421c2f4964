/*
 * stm32u585.h - register layouts of the STM32U585 security hardware (GTZC:
 * TZSC, TZIC, MPCBB; flash watermarks) and of the polled USART console.
 * Addresses come from the generated mv_board.h; this file holds offsets,
 * bits and facts the manifest does not carry.  Sources: ST's CMSIS
 * stm32u585xx.h and the STM32U585 SVD (see /tmp/stm32u585-facts.md, kept
 * by the board-file author); items marked "unverified" still need RM0456.
 */
#ifndef MV_STM32U585_H
#define MV_STM32U585_H

#include "mv_board.h"

/* Reset clock: MSIS at 4 MHz, AHB/APB prescalers 1 (unverified). */
#define U585_CPU_HZ 4000000u
#define U585_CONSOLE_BAUD 115200u

/* GTZC: TZSC at the start of each GTZC block, TZIC 0x400 after it. */
#define TZSC1 MVB_PERIPH_GTZC1_S_BASE
#define TZSC2 MVB_PERIPH_GTZC2_S_BASE
#define TZIC1 (TZSC1 + 0x400u)
#define TZIC2 (TZSC2 + 0x400u)
#define TZSC_SECCFGR(n) (0x10u + 4u * ((n)-1u)) /* bit = 1: peripheral secure */
#define TZIC_IER(n) (0x00u + 4u * ((n)-1u))
#define TZIC_SR(n) (0x10u + 4u * ((n)-1u))
#define TZIC_FCR(n) (0x20u + 4u * ((n)-1u))
#define U585_TZIC1_REGS 4u
#define U585_TZIC2_REGS 4u /* unverified how many GTZC2 implements; extra ones read as zero */
#define U585_IRQ_GTZC 8u

/* Gate registers by the names the board manifest uses (gate: {reg: ...},
 * '-' turned into '_' by mvbuild gen): full secure-alias addresses, since
 * the peripherals are split over two TZSCs.  `none`: no gate. */
#define MV_GATE_tzsc1_seccfgr1 (TZSC1 + TZSC_SECCFGR(1))
#define MV_GATE_tzsc1_seccfgr2 (TZSC1 + TZSC_SECCFGR(2))
#define MV_GATE_tzsc1_seccfgr3 (TZSC1 + TZSC_SECCFGR(3))
#define MV_GATE_tzsc2_seccfgr1 (TZSC2 + TZSC_SECCFGR(1))
#define MV_GATE_none 0u

/* MPCBB (SRAM block gates): one bit per 512-byte block, 1 = secure. */
#define MPCBB_SECCFGR(w) (0x100u + 4u * (w))

/* Flash interface (secure alias). */
#define FLASH_IF MVB_PERIPH_FLASH_IF_S_BASE
#define FLASH_OPTR 0x40u
#define FLASH_SECWM1R1 0x50u
#define FLASH_SECWM2R1 0x60u
#define FLASH_OPTR_TZEN (1u << 31)
#define SECWM_PSTRT(v) ((v)&0x7fu)
#define SECWM_PEND(v) (((v) >> 16) & 0x7fu)

/* RCC (secure alias). */
#define RCC MVB_PERIPH_RCC_S_BASE
#define RCC_AHB1ENR 0x88u
#define RCC_AHB2ENR1 0x8cu
#define RCC_AHB3ENR 0x94u
#define RCC_APB2ENR 0xa4u
#define RCC_AHB1ENR_GTZC1EN (1u << 24)
#define RCC_AHB2ENR1_GPIOAEN (1u << 0)
#define RCC_AHB3ENR_GTZC2EN (1u << 12)
#define RCC_APB2ENR_USART1EN (1u << 14)

/* Console: USART1 on PA9 (TX) / PA10 (RX), alternate function 7. */
#define GPIOA MVB_PERIPH_GPIOA_S_BASE
#define GPIO_MODER 0x00u
#define GPIO_AFRH 0x24u
#define USART_CR1 0x00u
#define USART_BRR 0x0cu
#define USART_ISR 0x1cu
#define USART_TDR 0x28u
#define USART_CR1_UE (1u << 0)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_TXE (1u << 7) /* TXFNF in FIFO mode, same bit */

#endif
