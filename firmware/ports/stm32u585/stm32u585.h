/*
 * stm32u585.h - the one table of every register offset, bit and key the
 * stm32u585 port uses (GTZC, FLASH, RCC, PWR, EXTI, GPIO, USART).  Base
 * addresses come from the generated mv_board.h; everything else is here
 * and nowhere else in the port.  tests/port/test_u585_regs.c checks every
 * #define of this file against the values of ST's CMSIS header
 * stm32u585xx.h and RM0456, recorded there as data with their source.
 *
 * Every register access of the port goes through U585_RD/U585_WR, so the
 * host build (MV_PORT_HOST_REGS) runs the same code against a model of the
 * chip's registers (tests/port).
 */
#ifndef MV_STM32U585_H
#define MV_STM32U585_H

#include <stdint.h>

#include "mv_board.h"

#ifdef MV_PORT_HOST_REGS
uint32_t mv_port_host_rd(uint32_t addr);
void mv_port_host_wr(uint32_t addr, uint32_t v);
#define U585_RD(addr) mv_port_host_rd(addr)
#define U585_WR(addr, v) mv_port_host_wr((addr), (v))
#else
#define U585_RD(addr) MV_REG(addr)
#define U585_WR(addr, v) (MV_REG(addr) = (v))
#endif

/* Reset clock: MSIS at 4 MHz, AHB/APB prescalers 1 (RM0456 "RCC"); the
 * port raises it to 160 MHz: PLL1 from MSIS, M = 1 (4 MHz in, input
 * range 4-8 MHz), N = 80 (VCO 320 MHz), R = 2. */
#define U585_CPU_HZ 4000000u
#define U585_FAST_HZ 160000000u
#define U585_CONSOLE_BAUD 115200u
/* Polls of a ready flag before the port gives up on it (some ms at 4 MHz). */
#define U585_SPIN_MAX 0x00100000u

/* ------------------------------------------------------------- GTZC */
/* TZSC at the start of each GTZC block, TZIC 0x400 after it. */
#define TZSC1 MVB_PERIPH_GTZC1_S_BASE
#define TZSC2 MVB_PERIPH_GTZC2_S_BASE
#define TZIC_OFFSET 0x400u
#define TZIC1 (TZSC1 + TZIC_OFFSET)
#define TZIC2 (TZSC2 + TZIC_OFFSET)
#define TZSC_SECCFGR1 0x10u /* bit = 1: peripheral secure */
#define TZSC_SECCFGR2 0x14u
#define TZSC_SECCFGR3 0x18u
#define TZIC_IER1 0x00u /* IERn at 4 (n - 1), SRn at 0x10 + 4 (n - 1), FCRn at 0x20 + 4 (n - 1) */
#define TZIC_SR1 0x10u
#define TZIC_FCR1 0x20u
#define U585_TZIC1_REGS 4u /* IER1-4: the peripherals of SECCFGR1-3, then the TrustZone-aware blocks */
#define U585_TZIC2_REGS 2u /* IER1-2: the peripherals of GTZC2's SECCFGR1, then its TrustZone-aware blocks */
/* The bits each TZSC SECCFGR implements on the STM32U585 (one per
 * peripheral; the rest reserved, kept at 0); TZIC IERn/SRn/FCRn n = 1-3
 * (GTZC1) and 1 (GTZC2) have the same bits for the same peripherals. */
#define TZSC1_SECCFGR1_IMPL 0x000fffffu /* TIM2 0 ... UCPD1 19 */
#define TZSC1_SECCFGR2_IMPL 0x000001ffu /* TIM1 0 ... SAI2 8 */
#define TZSC1_SECCFGR3_IMPL 0x007fffffu /* MDF1 0 ... RAMCFG 22 */
#define TZSC2_SECCFGR1_IMPL 0x00001bffu /* SPI3 0 ... VREFBUF 9, DAC1 11, ADF1 12 */
#define U585_IRQ_GTZC 8u

/* MPCBB (SRAM block gates): one bit per 512-byte block, 1 = secure. */
#define MPCBB_SECCFGR1 0x100u

/* --------------------------------------------------------------- FLASH */
/* Registers through the secure alias (both halves of the controller are
 * reachable from there); the non-secure alias is closed to the app by
 * the SAU (port.c, mv_port_sau_windows). */
#define FLASH_IF MVB_PERIPH_FLASH_IF_S_BASE
#define FLASH_ACR 0x00u
#define FLASH_ACR_LATENCY_MASK 0xfu
#define FLASH_ACR_LATENCY_160 4u /* wait states at 160 MHz in voltage range 1 */
#define FLASH_NSKEYR 0x08u
#define FLASH_SECKEYR 0x0cu
#define FLASH_NSSR 0x20u
#define FLASH_SECSR 0x24u
#define FLASH_NSCR 0x28u
#define FLASH_SECCR 0x2cu
#define FLASH_ECCR 0x30u
#define FLASH_OPTR 0x40u
#define FLASH_SECBOOTADD0R 0x4cu
#define FLASH_SECWM1R1 0x50u
#define FLASH_SECWM1R2 0x54u
#define FLASH_SECWM2R1 0x60u
#define FLASH_SECWM2R2 0x64u
#define FLASH_KEY1 0x45670123u /* the unlock sequence of NSKEYR and SECKEYR */
#define FLASH_KEY2 0xcdef89abu
/* NSSR and SECSR (same layout; error flags are write-1-to-clear) */
#define FLASH_SR_EOP (1u << 0)
#define FLASH_SR_OPERR (1u << 1)
#define FLASH_SR_PROGERR (1u << 3)
#define FLASH_SR_WRPERR (1u << 4)
#define FLASH_SR_PGAERR (1u << 5)
#define FLASH_SR_SIZERR (1u << 6)
#define FLASH_SR_PGSERR (1u << 7)
#define FLASH_SR_BSY (1u << 16)
#define FLASH_SR_WDW (1u << 17)
/* NSCR and SECCR (same layout for the bits used here) */
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_PER (1u << 1)
#define FLASH_CR_PNB_SHIFT 3u
#define FLASH_CR_PNB_MASK (0x7fu << 3) /* 7 bits: 128 pages per bank on 2 MiB parts */
#define FLASH_CR_BKER (1u << 11)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)
/* ECCR */
#define FLASH_ECCR_ECCC (1u << 30) /* a single error was corrected */
#define FLASH_ECCR_ECCD (1u << 31) /* a double error was detected */
/* OPTR */
#define FLASH_OPTR_RDP_MASK 0xffu
#define FLASH_OPTR_SWAP_BANK (1u << 20)
#define FLASH_OPTR_DUALBANK (1u << 21)
#define FLASH_OPTR_TZEN (1u << 31)
/* SECWMxR1: first and last secure page of the bank (7 bits each) */
#define FLASH_SECWM_PSTRT_MASK 0x7fu
#define FLASH_SECWM_PEND_SHIFT 16u
#define FLASH_SECWM_PEND_MASK (0x7fu << 16)
/* geometry: two banks of 1 MiB, 8 KiB pages, 128-bit (quad-word) programming */
#define FLASH_PAGE_SIZE 0x2000u
#define FLASH_BANK_SIZE 0x100000u
#define FLASH_QUADWORD 16u

/* ----------------------------------------------------------------- RCC */
#define RCC MVB_PERIPH_RCC_S_BASE
#define RCC_CR 0x00u
#define RCC_CR_PLL1ON (1u << 24)
#define RCC_CR_PLL1RDY (1u << 25)
#define RCC_CFGR1 0x1cu
#define RCC_CFGR1_SW_MASK 0x3u
#define RCC_CFGR1_SW_PLL1 0x3u
#define RCC_CFGR1_SWS_SHIFT 2u
#define RCC_PLL1CFGR 0x28u
#define RCC_PLL1CFGR_MSIS_4_8 0x00040009u /* PLL1SRC MSIS, PLL1RGE 4-8 MHz, M and MBOOST 1, PLL1REN */
#define RCC_PLL1DIVR 0x34u
#define RCC_PLL1DIVR_160 0x0101024fu /* N 80, P Q R 2 (each field: value - 1) */
#define RCC_AHB2ENR1_HASHEN (1u << 17)
#define RCC_AHB1ENR 0x88u
#define RCC_AHB2ENR1 0x8cu
#define RCC_AHB3ENR 0x94u
#define RCC_APB2ENR 0xa4u
#define RCC_SECCFGR 0x110u
#define RCC_AHB1ENR_GTZC1EN (1u << 24)
#define RCC_AHB2ENR1_GPIOAEN (1u << 0) /* GPIOxEN at bit x - 'A', A to I */
#define RCC_AHB3ENR_PWREN (1u << 2)
#define RCC_AHB3ENR_GTZC2EN (1u << 12)
#define RCC_APB2ENR_USART1EN (1u << 14)
/* HSI, HSE, MSI, LSI, LSE, SYSCLK, PRESC, PLL1-3, ICLK, HSI48, RMVF (bits 0-12) */
#define RCC_SECCFGR_ALL 0x00001fffu

/* ----------------------------------------------------------------- PWR */
#define PWR MVB_PERIPH_PWR_S_BASE
#define PWR_VOSR 0x0cu
#define PWR_VOSR_BOOSTRDY (1u << 14)
#define PWR_VOSR_VOSRDY (1u << 15)
#define PWR_VOSR_VOS_RANGE1 (3u << 16)
#define PWR_VOSR_BOOSTEN (1u << 18)
#define PWR_SECCFGR 0x30u
/* WUP1-8 (bits 0-7), LPM (12), VDM (13), VB (14), APC (15) */
#define PWR_SECCFGR_ALL 0x0000f0ffu

/* ---------------------------------------------------------------- EXTI */
#define EXTI MVB_PERIPH_EXTI_S_BASE
#define EXTI_SECCFGR1 0x14u
#define EXTI_SECCFGR1_ALL 0x00ffffffu /* lines 0-23 */

/* ---------------------------------------------------------------- GPIO */
#define GPIOA MVB_PERIPH_GPIOA_S_BASE
#define GPIO_PORT_STRIDE 0x400u /* GPIOB = GPIOA + 0x400 ... GPIOI */
#define U585_GPIO_PORTS 9u      /* A to I */
#define GPIO_MODER 0x00u
#define GPIO_MODER_AF 2u /* two bits per pin: 0b10 alternate function */
#define GPIO_AFRL 0x20u  /* four bits per pin: pins 0-7 in AFRL, 8-15 in AFRH */
#define GPIO_AFRH 0x24u
#define GPIO_SECCFGR 0x30u
#define GPIO_SECCFGR_ALL 0x0000ffffu /* one bit per pin, 1 = secure */

/* -------------------------------------------------------------- ICACHE */
#define ICACHE MVB_PERIPH_ICACHE_S_BASE
#define ICACHE_CR 0x00u
#define ICACHE_CR_EN (1u << 0)
#define ICACHE_SR 0x04u
#define ICACHE_SR_BUSYF (1u << 0)

/* ---------------------------------------------------------------- HASH */
#define HASH MVB_PERIPH_HASH_S_BASE
#define HASH_CR 0x00u
#define HASH_CR_INIT (1u << 2)
#define HASH_CR_DATATYPE_BYTES (2u << 4) /* bytes in memory order */
#define HASH_CR_ALGO_SHA256 0x00040080u  /* ALGO[1] bit 18, ALGO[0] bit 7 */
#define HASH_DIN 0x04u
#define HASH_STR 0x08u
#define HASH_STR_DCAL (1u << 8)
#define HASH_SR 0x24u
#define HASH_SR_DCIS (1u << 1)
#define HASH_HR0 0x310u /* HASH_DIGEST HR0-HR7, big-endian words of the digest */

/* --------------------------------------------------------------- USART */
#define USART_CR1 0x00u
#define USART_BRR 0x0cu
#define USART_ISR 0x1cu
#define USART_TDR 0x28u
#define USART_CR1_UE (1u << 0)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_TXE (1u << 7) /* TXFNF in FIFO mode, same bit */

/* Gate registers by the names the board manifest uses (gate: {reg: ...},
 * '-' turned into '_' by mvbuild gen): full secure-alias addresses, since
 * the peripherals are split over two TZSCs.  `none`: no gate. */
#define MV_GATE_tzsc1_seccfgr1 (TZSC1 + TZSC_SECCFGR1)
#define MV_GATE_tzsc1_seccfgr2 (TZSC1 + TZSC_SECCFGR2)
#define MV_GATE_tzsc1_seccfgr3 (TZSC1 + TZSC_SECCFGR3)
#define MV_GATE_tzsc2_seccfgr1 (TZSC2 + TZSC_SECCFGR1)
#define MV_GATE_none 0u

#endif
