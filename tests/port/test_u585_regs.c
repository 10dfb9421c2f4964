/*
 * test_u585_regs.c - the stm32u585 port's register table
 * (firmware/ports/stm32u585/stm32u585.h) against the chip's documented
 * values, recorded here as data with where each comes from:
 *   [H]  ST's CMSIS device header stm32u585xx.h (STM32CubeU5,
 *        Drivers/CMSIS/Device/ST/STM32U5xx/Include): the *_TypeDef register
 *        offsets, *_Pos bit positions, *_BASE_S addresses, IRQn numbers;
 *   [RM] RM0456 (STM32U5 reference manual): what the header does not
 *        carry (unlock keys, geometry, reset clock, which bits a SECCFGR
 *        implements);
 *   [LL] ST's stm32u5xx_ll_rcc.h (RCC_SECURE_MASK 0x1FFF: the
 *        implemented RCC_SECCFGR bits);
 *   [HAL] ST's stm32u5xx_hal_gtzc.h (which peripherals each GTZC register
 *        holds, in bit order, with the parts that have them);
 *   [P]  choices of the port itself, not facts of the chip.
 * Every #define of the table must have a row here: a constant added to the
 * port without its documented value fails this test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mv_board.h"
#include "stm32u585.h"

struct fact {
	const char *name;
	uint32_t port; /* the table's value */
	uint32_t doc;  /* the documented one */
	const char *source;
};
#define F(name, doc, source)                                                                                           \
	{                                                                                                              \
#name, (uint32_t)(name), (doc), source                                                                 \
	}

static const struct fact facts[] = {
    F(U585_CPU_HZ, 4000000u, "[RM] MSIS at 4 MHz after reset, prescalers 1"),
    F(U585_CONSOLE_BAUD, 115200u, "[P] the console's rate"),
    F(U585_FAST_HZ, 160000000u, "[RM] the STM32U585's maximum SYSCLK, voltage range 1"),
    F(U585_SPIN_MAX, 0x00100000u, "[P] polls of a ready flag"),
    F(RCC_CR, 0x00u, "[H] RCC_TypeDef.CR"),
    F(RCC_CR_PLL1ON, 1u << 24, "[H] RCC_CR_PLL1ON_Pos 24"),
    F(RCC_CR_PLL1RDY, 1u << 25, "[H] RCC_CR_PLL1RDY_Pos 25"),
    F(RCC_CFGR1, 0x1cu, "[H] RCC_TypeDef.CFGR1"),
    F(RCC_CFGR1_SW_MASK, 0x3u, "[H] RCC_CFGR1_SW_Msk"),
    F(RCC_CFGR1_SW_PLL1, 0x3u, "[H] RCC_CFGR1_SW 0b11: PLL1"),
    F(RCC_CFGR1_SWS_SHIFT, 2u, "[H] RCC_CFGR1_SWS_Pos 2"),
    F(RCC_PLL1CFGR, 0x28u, "[H] RCC_TypeDef.PLL1CFGR"),
    F(RCC_PLL1CFGR_MSIS_4_8, (1u << 0) | (2u << 2) | (1u << 18),
      "[H] PLL1SRC_Pos 0 (01 MSIS), PLL1RGE_Pos 2 (10: 4-8 MHz), PLL1REN_Pos 18; OpenOCD stm32u5x.cfg writes 0x00040009"),
    F(RCC_PLL1DIVR, 0x34u, "[H] RCC_TypeDef.PLL1DIVR"),
    F(RCC_PLL1DIVR_160, (80u - 1u) | ((2u - 1u) << 9) | ((2u - 1u) << 16) | ((2u - 1u) << 24),
      "[H] PLL1N_Pos 0, PLL1P_Pos 9, PLL1Q_Pos 16, PLL1R_Pos 24 (value - 1); OpenOCD writes 0x0101024F"),
    F(RCC_AHB2ENR1_HASHEN, 1u << 17, "[H] RCC_AHB2ENR1_HASHEN_Pos 17"),
    F(PWR_VOSR, 0x0cu, "[H] PWR_TypeDef.VOSR"),
    F(PWR_VOSR_BOOSTRDY, 1u << 14, "[H] PWR_VOSR_BOOSTRDY_Pos 14"),
    F(PWR_VOSR_VOSRDY, 1u << 15, "[H] PWR_VOSR_VOSRDY_Pos 15"),
    F(PWR_VOSR_VOS_RANGE1, 3u << 16, "[H] PWR_VOSR_VOS_Pos 16, 0b11 range 1"),
    F(PWR_VOSR_BOOSTEN, 1u << 18, "[H] PWR_VOSR_BOOSTEN_Pos 18"),
    F(FLASH_ACR, 0x00u, "[H] FLASH_TypeDef.ACR"),
    F(FLASH_ACR_LATENCY_MASK, 0xfu, "[H] FLASH_ACR_LATENCY_Msk"),
    F(FLASH_ACR_LATENCY_160, 4u, "[RM] 4 wait states up to 160 MHz in range 1"),
    F(ICACHE, 0x50030400u, "[H] ICACHE_BASE_S"),
    F(ICACHE_CR, 0x00u, "[H] ICACHE_TypeDef.CR"),
    F(ICACHE_CR_EN, 1u << 0, "[H] ICACHE_CR_EN_Pos 0"),
    F(ICACHE_SR, 0x04u, "[H] ICACHE_TypeDef.SR"),
    F(ICACHE_SR_BUSYF, 1u << 0, "[H] ICACHE_SR_BUSYF_Pos 0"),
    F(HASH, 0x520c0400u, "[H] HASH_BASE_S"),
    F(HASH_CR, 0x00u, "[H] HASH_TypeDef.CR"),
    F(HASH_CR_INIT, 1u << 2, "[H] HASH_CR_INIT_Pos 2"),
    F(HASH_CR_DATATYPE_BYTES, 2u << 4, "[H] HASH_CR_DATATYPE_Pos 4, 0b10 8-bit data"),
    F(HASH_CR_ALGO_SHA256, 0x00040080u, "[H] HASH_CR_ALGO_Msk (0x801 << 7): both bits, SHA-256"),
    F(HASH_DIN, 0x04u, "[H] HASH_TypeDef.DIN"),
    F(HASH_STR, 0x08u, "[H] HASH_TypeDef.STR"),
    F(HASH_STR_DCAL, 1u << 8, "[H] HASH_STR_DCAL_Pos 8"),
    F(HASH_SR, 0x24u, "[H] HASH_TypeDef.SR"),
    F(HASH_SR_DCIS, 1u << 1, "[H] HASH_SR_DCIS_Pos 1"),
    F(HASH_HR0, 0x310u, "[H] HASH_DIGEST_BASE - HASH_BASE"),
    /* GTZC */
    F(TZSC1, 0x50032400u, "[H] GTZC_TZSC1_BASE_S"),
    F(TZSC2, 0x56023000u, "[H] GTZC_TZSC2_BASE_S"),
    F(TZIC_OFFSET, 0x400u, "[H] GTZC_TZIC1_BASE_S - GTZC_TZSC1_BASE_S"),
    F(TZIC1, 0x50032800u, "[H] GTZC_TZIC1_BASE_S"),
    F(TZIC2, 0x56023400u, "[H] GTZC_TZIC2_BASE_S"),
    F(TZSC_SECCFGR1, 0x10u, "[H] GTZC_TZSC_TypeDef.SECCFGR1"),
    F(TZSC_SECCFGR2, 0x14u, "[H] GTZC_TZSC_TypeDef.SECCFGR2"),
    F(TZSC_SECCFGR3, 0x18u, "[H] GTZC_TZSC_TypeDef.SECCFGR3"),
    F(TZIC_IER1, 0x00u, "[H] GTZC_TZIC_TypeDef.IER1"),
    F(TZIC_SR1, 0x10u, "[H] GTZC_TZIC_TypeDef.SR1"),
    F(TZIC_FCR1, 0x20u, "[H] GTZC_TZIC_TypeDef.FCR1"),
    F(U585_TZIC1_REGS, 4u, "[H] GTZC_TZIC_TypeDef: IER1-IER4"),
    F(U585_TZIC2_REGS, 2u, "[HAL] stm32u5xx_hal_gtzc.h: GTZC2 peripherals only in REG1 and REG2"),
    F(TZSC1_SECCFGR1_IMPL, 0x000fffffu, "[HAL] hal_gtzc_periph_t GTZC1 REG1: TIM2 ... UCPD1, bits 0-19 (USART6, I2C5, I2C6: not on U585)"),
    F(TZSC1_SECCFGR2_IMPL, 0x000001ffu, "[HAL] GTZC1 REG2: TIM1 ... SAI2, bits 0-8 (LTDC/USB, DSI, GFXTIM: not on U585)"),
    F(TZSC1_SECCFGR3_IMPL, 0x007fffffu, "[HAL] GTZC1 REG3: MDF1 ... RAMCFG, bits 0-22 (GPU2D ... JPEG: not on U585)"),
    F(TZSC2_SECCFGR1_IMPL, 0x00001bffu, "[HAL] GTZC2 REG1: SPI3 0 ... VREFBUF 9, DAC1 11, ADF1 12 (bit 10 reserved)"),
    F(U585_IRQ_GTZC, 8u, "[H] GTZC_IRQn"),
    F(MPCBB_SECCFGR1, 0x100u, "[H] GTZC_MPCBB_TypeDef.SECCFGR[0]"),
    F(MV_GATE_tzsc1_seccfgr1, 0x50032410u, "[H] GTZC_TZSC1_BASE_S + SECCFGR1"),
    F(MV_GATE_tzsc1_seccfgr2, 0x50032414u, "[H] GTZC_TZSC1_BASE_S + SECCFGR2"),
    F(MV_GATE_tzsc1_seccfgr3, 0x50032418u, "[H] GTZC_TZSC1_BASE_S + SECCFGR3"),
    F(MV_GATE_tzsc2_seccfgr1, 0x56023010u, "[H] GTZC_TZSC2_BASE_S + SECCFGR1"),
    F(MV_GATE_none, 0u, "[P] no gate"),
    /* FLASH */
    F(FLASH_IF, 0x50022000u, "[H] FLASH_R_BASE_S"),
    F(FLASH_NSKEYR, 0x08u, "[H] FLASH_TypeDef.NSKEYR"),
    F(FLASH_SECKEYR, 0x0cu, "[H] FLASH_TypeDef.SECKEYR"),
    F(FLASH_NSSR, 0x20u, "[H] FLASH_TypeDef.NSSR"),
    F(FLASH_SECSR, 0x24u, "[H] FLASH_TypeDef.SECSR"),
    F(FLASH_NSCR, 0x28u, "[H] FLASH_TypeDef.NSCR"),
    F(FLASH_SECCR, 0x2cu, "[H] FLASH_TypeDef.SECCR"),
    F(FLASH_ECCR, 0x30u, "[H] FLASH_TypeDef.ECCR"),
    F(FLASH_OPTR, 0x40u, "[H] FLASH_TypeDef.OPTR"),
    F(FLASH_SECBOOTADD0R, 0x4cu, "[H] FLASH_TypeDef.SECBOOTADD0R"),
    F(FLASH_SECWM1R1, 0x50u, "[H] FLASH_TypeDef.SECWM1R1"),
    F(FLASH_SECWM1R2, 0x54u, "[H] FLASH_TypeDef.SECWM1R2"),
    F(FLASH_SECWM2R1, 0x60u, "[H] FLASH_TypeDef.SECWM2R1"),
    F(FLASH_SECWM2R2, 0x64u, "[H] FLASH_TypeDef.SECWM2R2"),
    F(FLASH_KEY1, 0x45670123u, "[RM] FLASH_NSKEYR/SECKEYR: KEY1"),
    F(FLASH_KEY2, 0xcdef89abu, "[RM] FLASH_NSKEYR/SECKEYR: KEY2"),
    F(FLASH_SR_EOP, 1u << 0, "[H] FLASH_NSSR_EOP_Pos / FLASH_SECSR_EOP_Pos 0"),
    F(FLASH_SR_OPERR, 1u << 1, "[H] FLASH_xSSR_OPERR_Pos 1"),
    F(FLASH_SR_PROGERR, 1u << 3, "[H] FLASH_xSSR_PROGERR_Pos 3"),
    F(FLASH_SR_WRPERR, 1u << 4, "[H] FLASH_xSSR_WRPERR_Pos 4"),
    F(FLASH_SR_PGAERR, 1u << 5, "[H] FLASH_xSSR_PGAERR_Pos 5"),
    F(FLASH_SR_SIZERR, 1u << 6, "[H] FLASH_xSSR_SIZERR_Pos 6"),
    F(FLASH_SR_PGSERR, 1u << 7, "[H] FLASH_xSSR_PGSERR_Pos 7"),
    F(FLASH_SR_BSY, 1u << 16, "[H] FLASH_xSSR_BSY_Pos 16"),
    F(FLASH_SR_WDW, 1u << 17, "[H] FLASH_xSSR_WDW_Pos 17"),
    F(FLASH_CR_PG, 1u << 0, "[H] FLASH_NSCR_PG_Pos / FLASH_SECCR_PG_Pos 0"),
    F(FLASH_CR_PER, 1u << 1, "[H] FLASH_xSCR_PER_Pos 1"),
    F(FLASH_CR_PNB_SHIFT, 3u, "[H] FLASH_xSCR_PNB_Pos 3"),
    F(FLASH_CR_PNB_MASK, 0x000003f8u, "[H] FLASH_xSCR_PNB_Msk (0x7F << 3)"),
    F(FLASH_CR_BKER, 1u << 11, "[H] FLASH_xSCR_BKER_Pos 11"),
    F(FLASH_CR_STRT, 1u << 16, "[H] FLASH_xSCR_STRT_Pos 16"),
    F(FLASH_CR_LOCK, 1u << 31, "[H] FLASH_xSCR_LOCK_Pos 31"),
    F(FLASH_ECCR_ECCC, 1u << 30, "[H] FLASH_ECCR_ECCC_Pos 30"),
    F(FLASH_ECCR_ECCD, 1u << 31, "[H] FLASH_ECCR_ECCD_Pos 31"),
    F(FLASH_OPTR_RDP_MASK, 0xffu, "[H] FLASH_OPTR_RDP_Msk"),
    F(FLASH_OPTR_SWAP_BANK, 1u << 20, "[H] FLASH_OPTR_SWAP_BANK_Pos 20"),
    F(FLASH_OPTR_DUALBANK, 1u << 21, "[H] FLASH_OPTR_DUALBANK_Pos 21"),
    F(FLASH_OPTR_TZEN, 1u << 31, "[H] FLASH_OPTR_TZEN_Pos 31"),
    F(FLASH_SECWM_PSTRT_MASK, 0x7fu, "[H] FLASH_SECWM1R1_SECWM1_PSTRT_Msk"),
    F(FLASH_SECWM_PEND_SHIFT, 16u, "[H] FLASH_SECWM1R1_SECWM1_PEND_Pos"),
    F(FLASH_SECWM_PEND_MASK, 0x007f0000u, "[H] FLASH_SECWM1R1_SECWM1_PEND_Msk"),
    F(FLASH_PAGE_SIZE, 0x2000u, "[H] FLASH_PAGE_SIZE"),
    F(FLASH_BANK_SIZE, 0x100000u, "[H] FLASH_SIZE_DEFAULT 0x200000 / 2 banks"),
    F(FLASH_QUADWORD, 16u, "[RM] 128-bit programming"),
    /* RCC */
    F(RCC, 0x56020c00u, "[H] RCC_BASE_S"),
    F(RCC_AHB1ENR, 0x88u, "[H] RCC_TypeDef.AHB1ENR"),
    F(RCC_AHB2ENR1, 0x8cu, "[H] RCC_TypeDef.AHB2ENR1"),
    F(RCC_AHB3ENR, 0x94u, "[H] RCC_TypeDef.AHB3ENR"),
    F(RCC_APB2ENR, 0xa4u, "[H] RCC_TypeDef.APB2ENR"),
    F(RCC_SECCFGR, 0x110u, "[H] RCC_TypeDef.SECCFGR"),
    F(RCC_AHB1ENR_GTZC1EN, 1u << 24, "[H] RCC_AHB1ENR_GTZC1EN_Pos 24"),
    F(RCC_AHB2ENR1_GPIOAEN, 1u << 0, "[H] RCC_AHB2ENR1_GPIOAEN_Pos 0 (GPIOIEN 8)"),
    F(RCC_AHB3ENR_PWREN, 1u << 2, "[H] RCC_AHB3ENR_PWREN_Pos 2"),
    F(RCC_AHB3ENR_GTZC2EN, 1u << 12, "[H] RCC_AHB3ENR_GTZC2EN_Pos 12"),
    F(RCC_APB2ENR_USART1EN, 1u << 14, "[H] RCC_APB2ENR_USART1EN_Pos 14"),
    F(RCC_SECCFGR_ALL, 0x1fffu, "[LL] RCC_SECURE_MASK: HSISEC .. RMVFSEC, bits 0-12"),
    /* PWR */
    F(PWR, 0x56020800u, "[H] PWR_BASE_S"),
    F(PWR_SECCFGR, 0x30u, "[H] PWR_TypeDef.SECCFGR"),
    F(PWR_SECCFGR_ALL, 0xf0ffu, "[H] PWR_SECCFGR_WUP1SEC-WUP8SEC 0-7, LPMSEC 12, VDMSEC 13, VBSEC 14, APCSEC 15"),
    /* EXTI */
    F(EXTI, 0x56022000u, "[H] EXTI_BASE_S"),
    F(EXTI_SECCFGR1, 0x14u, "[H] EXTI_TypeDef.SECCFGR1"),
    F(EXTI_SECCFGR1_ALL, 0x00ffffffu, "[H] EXTI lines 0-23 (EXTI_IMR1_IM0-IM23)"),
    /* GPIO */
    F(GPIOA, 0x52020000u, "[H] GPIOA_BASE_S"),
    F(GPIO_PORT_STRIDE, 0x400u, "[H] GPIOB_BASE_S - GPIOA_BASE_S"),
    F(U585_GPIO_PORTS, 9u, "[H] GPIOA-GPIOI (RCC_AHB2ENR1_GPIOAEN-GPIOIEN)"),
    F(GPIO_MODER, 0x00u, "[H] GPIO_TypeDef.MODER"),
    F(GPIO_MODER_AF, 2u, "[RM] GPIOx_MODER MODEy 0b10: alternate function mode"),
    F(GPIO_AFRL, 0x20u, "[H] GPIO_TypeDef.AFR[0]"),
    F(GPIO_AFRH, 0x24u, "[H] GPIO_TypeDef.AFR[1]"),
    F(GPIO_SECCFGR, 0x30u, "[H] GPIO_TypeDef.SECCFGR"),
    F(GPIO_SECCFGR_ALL, 0xffffu, "[RM] GPIOx_SECCFGR SEC0-SEC15"),
    /* USART */
    F(USART_CR1, 0x00u, "[H] USART_TypeDef.CR1"),
    F(USART_BRR, 0x0cu, "[H] USART_TypeDef.BRR"),
    F(USART_ISR, 0x1cu, "[H] USART_TypeDef.ISR"),
    F(USART_TDR, 0x28u, "[H] USART_TypeDef.TDR"),
    F(USART_CR1_UE, 1u << 0, "[H] USART_CR1_UE_Pos 0"),
    F(USART_CR1_TE, 1u << 3, "[H] USART_CR1_TE_Pos 3"),
    F(USART_ISR_TXE, 1u << 7, "[H] USART_ISR_TXE_TXFNF_Pos 7"),
};

#define N_FACTS (sizeof facts / sizeof facts[0])

static void table_matches_the_documents(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < N_FACTS; i++)
		if (facts[i].port != facts[i].doc) {
			fprintf(stderr, "%s = %#x in the port, %#x in %s\n", facts[i].name, (unsigned)facts[i].port,
			        (unsigned)facts[i].doc, facts[i].source);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* Every object-like #define of the header has a row: nothing in the table
 * goes unchecked. */
static void every_constant_has_a_row(void **state)
{
	FILE *f = fopen(U585_HEADER, "r");
	char line[512];
	int missing = 0, seen = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		char name[128];
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "#define", 7) != 0)
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = 0;

		while (n + 1 < sizeof name && (p[n] == '_' || (p[n] >= 'A' && p[n] <= 'Z') ||
		                               (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9')))
			n++;
		memcpy(name, p, n);
		name[n] = '\0';
		if (p[n] == '(' || p[n] == '\n' || p[n] == '\0' || strcmp(name, "MV_STM32U585_H") == 0)
			continue; /* function-like, empty, or the include guard */
		seen++;
		size_t i = 0;

		while (i < N_FACTS && strcmp(facts[i].name, name) != 0)
			i++;
		if (i == N_FACTS) {
			fprintf(stderr, "%s: no documented value in %s\n", name, __FILE__);
			missing++;
		}
	}
	fclose(f);
	assert_int_equal(missing, 0);
	assert_int_equal(seen, (int)N_FACTS); /* and no row for a constant that is gone */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(table_matches_the_documents),
	    cmocka_unit_test(every_constant_has_a_row),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
