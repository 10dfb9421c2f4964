/*
 * port.c - the stm32u585 port: console on USART1 (polled, secure), memory
 * gates (MPCBB per SRAM, flash watermarks checked, not written: they are
 * option bytes, provisioned by the flashing tool), peripheral gates (GTZC
 * TZSC, bit set = secure), illegal-access reports (GTZC TZIC, IRQ 8).
 * Addresses come from the generated mv_board.h.  Builds; not yet run on
 * hardware.
 */
#include "armv8m.h"
#include "mv/port.h"
#include "mv_board.h"
#include "stm32u585.h"

_Static_assert(MVB_PART_APP_FLASH_OFFSET + MVB_PART_APP_FLASH_SIZE == MVB_MEM_FLASH_SIZE,
               "app_flash must run to the end of flash: the watermark makes everything below it secure");
_Static_assert(MVB_PART_APP_FLASH_OFFSET % MVB_MEM_FLASH_GRANULE == 0u && MVB_PART_APP_FLASH_OFFSET > 0u,
               "app_flash must start on a flash page, after the secure pages");
_Static_assert(MVB_PART_APP_FLASH_OFFSET <= MVB_MEM_FLASH_SIZE / 2u,
               "the secure pages must all be in bank 1 (one watermark)");

/* ------------------------------------------------------------ console */
void mv_port_console_init(void)
{
	MV_REG(RCC + RCC_AHB2ENR1) |= RCC_AHB2ENR1_GPIOAEN;
	MV_REG(RCC + RCC_APB2ENR) |= RCC_APB2ENR_USART1EN;
	mv_barrier();
	/* PA9/PA10: alternate function 7 (MODER 0b10, AFRH nibbles 1 and 2). */
	uint32_t moder = MV_REG(GPIOA + GPIO_MODER) & ~((3u << 18) | (3u << 20));

	MV_REG(GPIOA + GPIO_MODER) = moder | (2u << 18) | (2u << 20);
	uint32_t afrh = MV_REG(GPIOA + GPIO_AFRH) & ~((0xfu << 4) | (0xfu << 8));

	MV_REG(GPIOA + GPIO_AFRH) = afrh | (7u << 4) | (7u << 8);

	MV_REG(MVB_CONSOLE_S_BASE + USART_CR1) = 0;
	MV_REG(MVB_CONSOLE_S_BASE + USART_BRR) = (U585_CPU_HZ + U585_CONSOLE_BAUD / 2u) / U585_CONSOLE_BAUD;
	MV_REG(MVB_CONSOLE_S_BASE + USART_CR1) = USART_CR1_UE | USART_CR1_TE;
}

void mv_port_console_write(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		while ((MV_REG(MVB_CONSOLE_S_BASE + USART_ISR) & USART_ISR_TXE) == 0u)
			;
		MV_REG(MVB_CONSOLE_S_BASE + USART_TDR) = (uint8_t)s[i];
	}
}

/* ------------------------------------------------------- memory gates */
/* Every SRAM of the chip and its block gate; all are written in full. */
static const struct {
	uint32_t gate, size, block;
} mpcbbs[] = {
    {MVB_MEM_SRAM1_GATE_BASE, MVB_MEM_SRAM1_SIZE, MVB_MEM_SRAM1_GRANULE},
    {MVB_MEM_SRAM2_GATE_BASE, MVB_MEM_SRAM2_SIZE, MVB_MEM_SRAM2_GRANULE},
    {MVB_MEM_SRAM3_GATE_BASE, MVB_MEM_SRAM3_SIZE, MVB_MEM_SRAM3_GRANULE},
    {MVB_MEM_SRAM4_GATE_BASE, MVB_MEM_SRAM4_SIZE, MVB_MEM_SRAM4_GRANULE},
};

/* Where an app partition may sit: flash (watermarks) or an SRAM. */
static const uint32_t gates[] = {
    MVB_MEM_FLASH_GATE_BASE, MVB_MEM_SRAM1_GATE_BASE, MVB_MEM_SRAM2_GATE_BASE,
    MVB_MEM_SRAM3_GATE_BASE, MVB_MEM_SRAM4_GATE_BASE,
};

#define N_MPCBB (sizeof mpcbbs / sizeof mpcbbs[0])

static uint32_t mpcbb_program(uint32_t m)
{
	uint32_t gate = mpcbbs[m].gate, blk = mpcbbs[m].block, blocks = mpcbbs[m].size / blk;
	uint32_t r = mv_gate_geometry(gate, blk, blocks);

	if (r != MV_R_NONE)
		return r;
	for (uint32_t w = 0; w < blocks / 32u; w++) {
		/* Opposite polarity to an MPC LUT: a set bit keeps the block secure. */
		uint32_t v = ~mv_gate_ns_word(gate, blk, w);

		MV_REG(gate + MPCBB_SECCFGR(w)) = v;
		if (MV_REG(gate + MPCBB_SECCFGR(w)) != v)
			return MV_R_HW_MPC;
	}
	return MV_R_NONE;
}

/* The flash watermarks are option bytes: the microvisor never writes
 * them (that would cost an option-byte load and a reset every boot); it
 * refuses to run unless they say exactly "bank 1 below app_flash secure,
 * nothing else". */
static uint32_t flash_check(void)
{
	uint32_t pages = MVB_PART_APP_FLASH_OFFSET / MVB_MEM_FLASH_GRANULE;
	uint32_t wm1 = MV_REG(FLASH_IF + FLASH_SECWM1R1), wm2 = MV_REG(FLASH_IF + FLASH_SECWM2R1);

	if ((MV_REG(FLASH_IF + FLASH_OPTR) & FLASH_OPTR_TZEN) == 0u)
		return MV_R_HW_MPC;
	if (SECWM_PSTRT(wm1) != 0u || SECWM_PEND(wm1) != pages - 1u)
		return MV_R_HW_MPC;
	/* Bank 2: start after end means no secure page (unverified encoding). */
	if (SECWM_PSTRT(wm2) <= SECWM_PEND(wm2))
		return MV_R_HW_MPC;
	return MV_R_NONE;
}

uint32_t mv_port_memory_gates(void)
{
	/* GTZC registers need their clocks before anything else. */
	MV_REG(RCC + RCC_AHB1ENR) |= RCC_AHB1ENR_GTZC1EN;
	MV_REG(RCC + RCC_AHB3ENR) |= RCC_AHB3ENR_GTZC2EN;
	mv_barrier();
	if ((MV_REG(RCC + RCC_AHB1ENR) & RCC_AHB1ENR_GTZC1EN) == 0u ||
	    (MV_REG(RCC + RCC_AHB3ENR) & RCC_AHB3ENR_GTZC2EN) == 0u)
		return MV_R_HW_SECCTL;

	uint32_t r = mv_gate_layout(gates, sizeof gates / sizeof gates[0]);

	if (r != MV_R_NONE)
		return r;
	for (uint32_t m = 0; m < N_MPCBB; m++) {
		r = mpcbb_program(m);
		if (r != MV_R_NONE)
			return r;
	}
	mv_barrier();
	return flash_check();
}

/* -------------------------------------------------- secure controller */
uint32_t mv_port_security_init(void)
{
	/* Report every illegal access (the app touching secure peripherals
	 * or memory) through TZIC; start with clean flags. */
	for (uint32_t n = 1; n <= U585_TZIC1_REGS; n++) {
		MV_REG(TZIC1 + TZIC_FCR(n)) = 0xffffffffu;
		MV_REG(TZIC1 + TZIC_IER(n)) = 0xffffffffu;
	}
	for (uint32_t n = 1; n <= U585_TZIC2_REGS; n++) {
		MV_REG(TZIC2 + TZIC_FCR(n)) = 0xffffffffu;
		MV_REG(TZIC2 + TZIC_IER(n)) = 0xffffffffu;
	}
	mv_barrier();
	/* Unimplemented bits read as zero, so only "something enabled" can
	 * be checked here. */
	if (MV_REG(TZIC1 + TZIC_IER(1)) == 0u)
		return MV_R_HW_SECCTL;
	mv_arch_irq_secure_enable(U585_IRQ_GTZC, PRIO_VIOLATION);
	return MV_R_NONE;
}

/* The NS peripheral alias: the TZSC, not the SAU, decides per device. */
static const struct mv_sau_region windows[] = {
    {0x40000000u, 0x4fffffffu, 0u},
};

const struct mv_sau_region *mv_port_sau_windows(uint32_t *count)
{
	*count = sizeof windows / sizeof windows[0];
	return windows;
}

/* ---------------------------------------------------- peripheral gates */
static const uint32_t gate_regs[] = {
    MV_GATE_tzsc1_seccfgr1,
    MV_GATE_tzsc1_seccfgr2,
    MV_GATE_tzsc1_seccfgr3,
    MV_GATE_tzsc2_seccfgr1,
};

#define N_GATES (sizeof gate_regs / sizeof gate_regs[0])

static const struct mv_gate_bit periph_gate[MVB_PERIPH_COUNT] = {
#define MV_GATE_OF(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                      \
	[(index)] = {MV_GATE_##gate_reg, (gate_bit)},
    MVB_PERIPH_TABLE(MV_GATE_OF)
#undef MV_GATE_OF
};

uint32_t mv_port_grant_periph(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS])
{
	uint32_t ns[N_GATES], named[N_GATES];
	uint32_t r = mv_gate_bits(periph, periph_gate, MVB_PERIPH_COUNT, gate_regs, N_GATES, ns, named);

	if (r != MV_R_NONE)
		return r;
	/* Bit set = secure: everything secure but the grants, including bits
	 * the manifest does not name; only the named ones must read back. */
	for (uint32_t g = 0; g < N_GATES; g++)
		MV_REG(gate_regs[g]) = ~ns[g];
	mv_barrier();
	for (uint32_t g = 0; g < N_GATES; g++)
		if ((MV_REG(gate_regs[g]) & named[g]) != (~ns[g] & named[g]))
			return MV_R_HW_PPC;
	return MV_R_NONE;
}

/* ---------------------------------------------------------- the link */
/* No link on this board yet (its manifest names none): updates only
 * through a probe. */
int mv_port_link_init(void)
{
	return 0;
}

void mv_port_link_write(const uint8_t *p, uint32_t len)
{
	(void)p;
	(void)len;
}

/* ------------------------------------------------------------ the app */
const struct mvb_app_header *mv_port_app_header(void)
{
	return (const struct mvb_app_header *)MVB_PART_APP_HEADER_BASE;
}

const uint8_t *mv_port_ns_bytes(uint32_t ns_addr, uint32_t len)
{
	/* Through the NS alias: after the SAU is on, an NS transaction, which
	 * the watermark lets into the app's pages. */
	(void)len;
	return (const uint8_t *)ns_addr;
}

int mv_port_irq_fault(uint32_t irq, struct mv_fault *f)
{
	if (irq != U585_IRQ_GTZC)
		return 0;
	f->reason = MV_R_APP_PPC;
	f->extra_name = "TZIC_SR";
	f->extra = 0;
	for (uint32_t n = 1; n <= U585_TZIC1_REGS; n++) {
		uint32_t sr = MV_REG(TZIC1 + TZIC_SR(n));

		if (sr != 0u && f->extra == 0u)
			f->extra = sr;
		MV_REG(TZIC1 + TZIC_FCR(n)) = sr;
	}
	for (uint32_t n = 1; n <= U585_TZIC2_REGS; n++) {
		uint32_t sr = MV_REG(TZIC2 + TZIC_SR(n));

		if (sr != 0u && f->extra == 0u)
			f->extra = sr;
		MV_REG(TZIC2 + TZIC_FCR(n)) = sr;
	}
	mv_arch_irq_ack(irq);
	return 1;
}

uint32_t mv_port_cpu_hz(void)
{
	return U585_CPU_HZ;
}

int mv_port_can_exit(void)
{
	return 0;
}

void mv_port_exit(uint32_t status)
{
	/* No debugger to end a run on: a halted microvisor parks for good,
	 * the app stays off and the console has said why. */
	(void)status;
	mv_arch_park();
}

/* ------------------------------------------------------------ flash */
/* No flash driver yet (the over-the-air issue lists it): the update
 * client refuses to install, with the flash's reason, and writes nothing. */
uint32_t mv_port_flash_erase(uint32_t addr)
{
	(void)addr;
	return MV_R_UPD_FLASH;
}

const uint8_t *mv_port_flash_bytes(uint32_t addr, uint32_t len)
{
	(void)len;
	return (const uint8_t *)addr;
}

uint32_t mv_port_flash_write(uint32_t addr, const void *src, uint32_t n)
{
	(void)addr;
	(void)src;
	(void)n;
	return MV_R_UPD_FLASH;
}
