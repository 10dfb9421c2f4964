/*
 * port.c - the stm32u585 port: console on USART1 (polled, secure), memory
 * gates (MPCBB per SRAM, flash watermarks checked, not written: they are
 * option bytes, provisioned by the flashing tool), the system blocks GTZC
 * does not gate (RCC, PWR, EXTI, GPIO) made secure through their own
 * SECCFGR, peripheral gates (GTZC TZSC, bit set = secure), illegal-access
 * reports (GTZC TZIC, IRQ 8), the flash driver of the update client, the
 * clock (160 MHz, instruction cache on) and the image hash (HASH).
 * Addresses come from the generated mv_board.h, offsets and bits from
 * stm32u585.h.  Builds, and runs on the host against a register model
 * (tests/port); not yet run on hardware.
 */
#include <mvb/devstate.h>

#include "armv8m.h"
#include "mvo.h"
#include "mv/port.h"
#include "mv/reason.h"
#include "mv_board.h"
#include "stm32u585.h"

_Static_assert(MVB_PART_APP_FLASH_OFFSET + MVB_PART_APP_FLASH_SIZE == MVB_MEM_FLASH_SIZE,
               "app_flash must run to the end of flash: the watermark makes everything below it secure");
_Static_assert(MVB_PART_APP_FLASH_OFFSET % MVB_MEM_FLASH_GRANULE == 0u && MVB_PART_APP_FLASH_OFFSET > 0u,
               "app_flash must start on a flash page, after the secure pages");
_Static_assert(MVB_PART_APP_FLASH_OFFSET <= MVB_MEM_FLASH_SIZE / 2u,
               "the secure pages must all be in bank 1 (one watermark)");
_Static_assert(MVB_MEM_FLASH_ERASE_SIZE == FLASH_PAGE_SIZE && MVB_MEM_FLASH_WRITE_SIZE == FLASH_QUADWORD &&
                   MVB_MEM_FLASH_SIZE == 2u * FLASH_BANK_SIZE,
               "the manifest's flash geometry is the chip's");
_Static_assert(MVB_UREC_SIZE % FLASH_QUADWORD == 0u && MVB_APPHDR_SIZE % FLASH_QUADWORD == 0u,
               "the update client writes whole quad-words");

static uint32_t le32(const uint8_t *p);

/* ------------------------------------------------------------- clock */
/* What the CPU runs at (the tick and the console's baud rate follow it). */
static uint32_t cpu_hz = U585_CPU_HZ;
/* Why the clock stayed at 4 MHz (0: it did not), said once the console is up. */
static const char *clock_why;
static uint32_t clock_reg;

/* Until (reg & mask) == want, at most U585_SPIN_MAX polls. */
static int wait_for(uint32_t reg, uint32_t mask, uint32_t want)
{
	for (uint32_t i = 0; i < U585_SPIN_MAX; i++)
		if ((U585_RD(reg) & mask) == want)
			return 1;
	clock_reg = U585_RD(reg);
	return 0;
}

/* RM0456 "RCC", "PWR", "FLASH": voltage range 1 (VOSRDY), 4 flash wait
 * states (read back before the clock rises), PLL1 from MSIS (4 MHz, input
 * range 4-8 MHz, M 1, N 80, R 2: 160 MHz), the EPOD booster on (its input
 * is PLL1's source, MBOOST 1: 4 MHz) and ready before PLL1 starts, PLL1
 * locked, SYSCLK switched and the switch read back in SWS.  Any flag that
 * never comes stops the climb: the chip stays on MSIS at 4 MHz (every
 * step so far only allows a faster clock), and the console says which. */
static void clock_raise(void)
{
	cpu_hz = U585_CPU_HZ;
	clock_why = 0;
	U585_WR(RCC + RCC_AHB3ENR, U585_RD(RCC + RCC_AHB3ENR) | RCC_AHB3ENR_PWREN);
	mv_barrier();
	U585_WR(PWR + PWR_VOSR, U585_RD(PWR + PWR_VOSR) | PWR_VOSR_VOS_RANGE1);
	if (!wait_for(PWR + PWR_VOSR, PWR_VOSR_VOSRDY, PWR_VOSR_VOSRDY)) {
		clock_why = "voltage range 1 never ready (PWR_VOSR";
		return;
	}
	U585_WR(FLASH_IF + FLASH_ACR, (U585_RD(FLASH_IF + FLASH_ACR) & ~FLASH_ACR_LATENCY_MASK) | FLASH_ACR_LATENCY_160);
	if (!wait_for(FLASH_IF + FLASH_ACR, FLASH_ACR_LATENCY_MASK, FLASH_ACR_LATENCY_160)) {
		clock_why = "flash wait states did not take (FLASH_ACR";
		return;
	}
	U585_WR(RCC + RCC_PLL1CFGR, RCC_PLL1CFGR_MSIS_4_8);
	U585_WR(PWR + PWR_VOSR, U585_RD(PWR + PWR_VOSR) | PWR_VOSR_BOOSTEN);
	if (!wait_for(PWR + PWR_VOSR, PWR_VOSR_BOOSTRDY, PWR_VOSR_BOOSTRDY)) {
		clock_why = "EPOD booster never ready (PWR_VOSR";
		return;
	}
	U585_WR(RCC + RCC_PLL1DIVR, RCC_PLL1DIVR_160);
	U585_WR(RCC + RCC_CR, U585_RD(RCC + RCC_CR) | RCC_CR_PLL1ON);
	if (!wait_for(RCC + RCC_CR, RCC_CR_PLL1RDY, RCC_CR_PLL1RDY)) {
		clock_why = "PLL1 never locked (RCC_CR";
		return;
	}
	U585_WR(RCC + RCC_CFGR1, (U585_RD(RCC + RCC_CFGR1) & ~RCC_CFGR1_SW_MASK) | RCC_CFGR1_SW_PLL1);
	if (!wait_for(RCC + RCC_CFGR1, RCC_CFGR1_SW_MASK << RCC_CFGR1_SWS_SHIFT,
	              RCC_CFGR1_SW_PLL1 << RCC_CFGR1_SWS_SHIFT)) {
		/* back to MSIS, which runs with the wait states set */
		U585_WR(RCC + RCC_CFGR1, U585_RD(RCC + RCC_CFGR1) & ~RCC_CFGR1_SW_MASK);
		clock_why = "SYSCLK did not switch to PLL1 (RCC_CFGR1";
		return;
	}
	cpu_hz = U585_FAST_HZ;
}

/* The instruction cache (it serves data reads of flash too, the image
 * hash among them): on once its reset invalidation is done. */
static void icache_on(void)
{
	if (wait_for(ICACHE + ICACHE_SR, ICACHE_SR_BUSYF, 0u))
		U585_WR(ICACHE + ICACHE_CR, U585_RD(ICACHE + ICACHE_CR) | ICACHE_CR_EN);
	else
		clock_why = clock_why ? clock_why : "instruction cache still invalidating (ICACHE_SR";
}

/* ------------------------------------------------------------ console */
void mv_port_console_init(void)
{
	/* First of all the port's hooks: the clock everything else runs at. */
	clock_raise();
	icache_on();
	U585_WR(RCC + RCC_AHB2ENR1, U585_RD(RCC + RCC_AHB2ENR1) | RCC_AHB2ENR1_GPIOAEN);
	U585_WR(RCC + RCC_APB2ENR, U585_RD(RCC + RCC_APB2ENR) | RCC_APB2ENR_USART1EN);
	mv_barrier();
	/* PA9/PA10: alternate function 7 (MODER 0b10, AFRH nibbles 1 and 2). */
	uint32_t moder = U585_RD(GPIOA + GPIO_MODER) & ~((3u << 18) | (3u << 20));

	U585_WR(GPIOA + GPIO_MODER, moder | (2u << 18) | (2u << 20));
	uint32_t afrh = U585_RD(GPIOA + GPIO_AFRH) & ~((0xfu << 4) | (0xfu << 8));

	U585_WR(GPIOA + GPIO_AFRH, afrh | (7u << 4) | (7u << 8));

	/* USART1's kernel clock is PCLK2 (reset RCC_CCIPR1), the CPU clock. */
	U585_WR(MVB_CONSOLE_S_BASE + USART_CR1, 0u);
	U585_WR(MVB_CONSOLE_S_BASE + USART_BRR, (cpu_hz + U585_CONSOLE_BAUD / 2u) / U585_CONSOLE_BAUD);
	U585_WR(MVB_CONSOLE_S_BASE + USART_CR1, USART_CR1_UE | USART_CR1_TE);
	if (clock_why)
		mv_msg(MV_MSGW(MV_M_CLOCK), clock_why, clock_reg, cpu_hz);
}

void mv_port_console_write(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		while ((U585_RD(MVB_CONSOLE_S_BASE + USART_ISR) & USART_ISR_TXE) == 0u)
			;
		U585_WR(MVB_CONSOLE_S_BASE + USART_TDR, (uint8_t)s[i]);
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

		U585_WR(gate + MPCBB_SECCFGR1 + 4u * w, v);
		if (U585_RD(gate + MPCBB_SECCFGR1 + 4u * w) != v)
			return MV_R_HW_MPC;
	}
	return MV_R_NONE;
}

/* The flash watermarks are option bytes: the microvisor never writes
 * them (that would cost an option-byte load and a reset every boot); it
 * refuses to run unless they say exactly "bank 1 below app_flash secure,
 * nothing else", with TrustZone on and the banks not swapped (SWAP_BANK
 * would put bank 2's pages where the watermark of bank 1 is checked).
 * The rule is the one `mvbuild flash` applies through the probe
 * (src/optbytes); what is wrong is said before the halt, since the halt's
 * own reason names only the memory gates. */
static uint32_t flash_check(void)
{
	const struct mvo_u5 ob = {
	    U585_RD(FLASH_IF + FLASH_OPTR),
	    U585_RD(FLASH_IF + FLASH_SECBOOTADD0R),
	    U585_RD(FLASH_IF + FLASH_SECWM1R1),
	    U585_RD(FLASH_IF + FLASH_SECWM2R1),
	};
	const struct mvo_u5_need need = {MVB_PART_APP_FLASH_OFFSET / FLASH_PAGE_SIZE, MVB_PART_MV_CODE_S_BASE};
	uint32_t bad = mvo_u5_check(&ob, &need) & MVO_U5_AT_BOOT;

	if (bad == 0u)
		return MV_R_NONE;
	mv_msg(MV_MSGW(MV_M_OPTION_BYTES),
	          bad, ob.optr, ob.secwm1r1, ob.secwm2r1);
	return MV_R_HW_MPC;
}

uint32_t mv_port_memory_gates(void)
{
	/* GTZC registers need their clocks before anything else. */
	U585_WR(RCC + RCC_AHB1ENR, U585_RD(RCC + RCC_AHB1ENR) | RCC_AHB1ENR_GTZC1EN);
	U585_WR(RCC + RCC_AHB3ENR, U585_RD(RCC + RCC_AHB3ENR) | RCC_AHB3ENR_GTZC2EN);
	mv_barrier();
	if ((U585_RD(RCC + RCC_AHB1ENR) & RCC_AHB1ENR_GTZC1EN) == 0u ||
	    (U585_RD(RCC + RCC_AHB3ENR) & RCC_AHB3ENR_GTZC2EN) == 0u)
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
/* The microvisor's system blocks that GTZC does not gate: each has a
 * security register of its own whose set bits make its functions secure
 * (RM0456: RCC_SECCFGR: oscillators, PLLs, SYSCLK and prescalers, reset
 * flags; PWR_SECCFGR: wake-up pins, low-power modes, voltage monitoring,
 * backup domain, pull configuration; EXTI_SECCFGR1: lines 0-23; GPIOx_SECCFGR:
 * every pin).  All of them secure, and read back.  FLASH has no such
 * register: its non-secure registers (option bytes, RDP, NSCR) are closed
 * to the app by the SAU instead (mv_port_sau_windows). */
static const struct {
	uint32_t reg, bits;
} system_blocks[] = {
    {RCC + RCC_SECCFGR, RCC_SECCFGR_ALL},
    {PWR + PWR_SECCFGR, PWR_SECCFGR_ALL},
    {EXTI + EXTI_SECCFGR1, EXTI_SECCFGR1_ALL},
};

static uint32_t secure_one(uint32_t reg, uint32_t bits)
{
	U585_WR(reg, U585_RD(reg) | bits);
	mv_barrier();
	return (U585_RD(reg) & bits) == bits ? MV_R_NONE : MV_R_HW_SECCTL;
}

static uint32_t secure_system_blocks(void)
{
	uint32_t r = MV_R_NONE;

	/* PWR and the GPIO ports answer only with their clocks on. */
	U585_WR(RCC + RCC_AHB3ENR, U585_RD(RCC + RCC_AHB3ENR) | RCC_AHB3ENR_PWREN);
	U585_WR(RCC + RCC_AHB2ENR1,
	        U585_RD(RCC + RCC_AHB2ENR1) | (((1u << U585_GPIO_PORTS) - 1u) * RCC_AHB2ENR1_GPIOAEN));
	mv_barrier();
	for (uint32_t i = 0; i < sizeof system_blocks / sizeof system_blocks[0] && r == MV_R_NONE; i++)
		r = secure_one(system_blocks[i].reg, system_blocks[i].bits);
	for (uint32_t p = 0; p < U585_GPIO_PORTS && r == MV_R_NONE; p++)
		r = secure_one(GPIOA + p * GPIO_PORT_STRIDE + GPIO_SECCFGR, GPIO_SECCFGR_ALL);
	return r;
}

/* TZIC registers (IERn at TZICx + 4 (n - 1)) of the peripheral gates,
 * with their implemented bits. */
static const struct {
	uint32_t reg, bits;
} tzic_on[] = {
    {TZIC1 + 0u, TZSC1_SECCFGR1_IMPL},
    {TZIC1 + 4u, TZSC1_SECCFGR2_IMPL},
    {TZIC1 + 8u, TZSC1_SECCFGR3_IMPL},
    {TZIC2 + 0u, TZSC2_SECCFGR1_IMPL},
};

uint32_t mv_port_security_init(void)
{
	uint32_t r = secure_system_blocks();

	if (r != MV_R_NONE)
		return r;
	/* Report every illegal access of the app to a secure peripheral
	 * through TZIC; start with clean flags; only implemented bits.  The
	 * TrustZone-aware blocks' registers (GTZC1 IER4, GTZC2 IER2: flash,
	 * SRAMs, RCC, PWR, EXTI) stay off: their bit positions are not in
	 * this table yet, and an app access there is a bus error or a
	 * SecureFault, reported as the app's, all the same. */
	for (uint32_t i = 0; i < sizeof tzic_on / sizeof tzic_on[0]; i++) {
		U585_WR(tzic_on[i].reg + TZIC_FCR1, tzic_on[i].bits);
		U585_WR(tzic_on[i].reg + TZIC_IER1, tzic_on[i].bits);
	}
	mv_barrier();
	for (uint32_t i = 0; i < sizeof tzic_on / sizeof tzic_on[0]; i++)
		if ((U585_RD(tzic_on[i].reg + TZIC_IER1) & tzic_on[i].bits) != tzic_on[i].bits)
			return MV_R_HW_SECCTL;
	mv_arch_irq_secure_enable(U585_IRQ_GTZC, PRIO_VIOLATION);
	return MV_R_NONE;
}

/* The NS peripheral alias, where the TZSC, not the SAU, decides per
 * device; but for the FLASH registers (0x40022000, 1 KiB), which no TZSC
 * bit gates: an app that reached them could program option bytes, raise
 * RDP or erase its own pages behind the microvisor's back. */
static const struct mv_sau_region windows[] = {
    {0x40000000u, MVB_PERIPH_FLASH_IF_NS_BASE - 1u, 0u},
    {MVB_PERIPH_FLASH_IF_NS_BASE + MVB_PERIPH_FLASH_IF_SIZE, 0x4fffffffu, 0u},
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

/* The bits each of them implements: reserved bits are never written. */
static const uint32_t gate_impl[] = {
    TZSC1_SECCFGR1_IMPL,
    TZSC1_SECCFGR2_IMPL,
    TZSC1_SECCFGR3_IMPL,
    TZSC2_SECCFGR1_IMPL,
};

#define N_GATES (sizeof gate_regs / sizeof gate_regs[0])
_Static_assert(sizeof gate_impl / sizeof gate_impl[0] == N_GATES, "an implemented-bit mask per gate register");

static const struct mv_gate_bit periph_gate[MVB_PERIPH_COUNT] = {
#define MV_GATE_OF(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit)                                      \
	[(index)] = {MV_GATE_##gate_reg, (gate_bit)},
    MVB_PERIPH_TABLE(MV_GATE_OF)
#undef MV_GATE_OF
};

#ifdef MVB_PIN_COUNT
/* The pins of the board's peripherals (manifest 'pins', generated). */
static const struct {
	uint8_t periph, port, pin, af;
} pins[MVB_PIN_COUNT] = {
#define MV_PIN_OF(periph, port, pin, af) {(periph), (port), (pin), (af)},
    MVB_PIN_TABLE(MV_PIN_OF)
#undef MV_PIN_OF
};

/* A granted peripheral's pins get their alternate function while still
 * secure, then turn non-secure; every other listed pin is (again) secure,
 * its mode left alone (the microvisor's console among them).  Each
 * SECCFGR bit, mode and function is read back. */
static uint32_t grant_pins(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS])
{
	for (uint32_t i = 0; i < MVB_PIN_COUNT; i++) {
		uint32_t gpio = GPIOA + pins[i].port * GPIO_PORT_STRIDE, bit = 1u << pins[i].pin;
		uint32_t p = pins[i].periph, app = (periph[p / 32u] >> (p % 32u)) & 1u;
		uint32_t sec = U585_RD(gpio + GPIO_SECCFGR);

		if (app) {
			uint32_t mshift = 2u * pins[i].pin, afr = gpio + (pins[i].pin < 8u ? GPIO_AFRL : GPIO_AFRH);
			uint32_t ashift = 4u * (pins[i].pin % 8u);
			uint32_t moder = (U585_RD(gpio + GPIO_MODER) & ~(3u << mshift)) | (GPIO_MODER_AF << mshift);
			uint32_t af = (U585_RD(afr) & ~(0xfu << ashift)) | ((uint32_t)pins[i].af << ashift);

			U585_WR(afr, af);
			U585_WR(gpio + GPIO_MODER, moder);
			mv_barrier();
			if (U585_RD(afr) != af || U585_RD(gpio + GPIO_MODER) != moder)
				return MV_R_HW_PPC;
			sec &= ~bit;
		} else {
			sec |= bit;
		}
		U585_WR(gpio + GPIO_SECCFGR, sec);
		mv_barrier();
		if ((U585_RD(gpio + GPIO_SECCFGR) & bit) != (sec & bit))
			return MV_R_HW_PPC;
	}
	return MV_R_NONE;
}
#endif

uint32_t mv_port_grant_periph(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS])
{
	uint32_t ns[N_GATES], named[N_GATES];
	uint32_t r = mv_gate_bits(periph, periph_gate, MVB_PERIPH_COUNT, gate_regs, N_GATES, ns, named);

	if (r != MV_R_NONE)
		return r;
#ifdef MVB_PIN_COUNT
	r = grant_pins(periph);
	if (r != MV_R_NONE)
		return r;
#endif
	/* Bit set = secure: every implemented bit secure but the grants,
	 * including peripherals the manifest does not name (OCTOSPI, SDMMC,
	 * USB ...); reserved bits stay 0.  Every implemented bit reads back. */
	for (uint32_t g = 0; g < N_GATES; g++) {
		if ((ns[g] & ~gate_impl[g]) != 0u || (named[g] & ~gate_impl[g]) != 0u)
			return MV_R_HW_PPC; /* a manifest bit the chip does not have */
		U585_WR(gate_regs[g], gate_impl[g] & ~ns[g]);
	}
	mv_barrier();
	for (uint32_t g = 0; g < N_GATES; g++)
		if ((U585_RD(gate_regs[g]) & gate_impl[g]) != (gate_impl[g] & ~ns[g]))
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
	return (const uint8_t *)(uintptr_t)ns_addr;
}

static uint32_t tzic_collect(uint32_t tzic, uint32_t regs, uint32_t first)
{
	for (uint32_t n = 0; n < regs; n++) {
		uint32_t sr = U585_RD(tzic + TZIC_SR1 + 4u * n);

		if (sr != 0u && first == 0u)
			first = sr;
		U585_WR(tzic + TZIC_FCR1 + 4u * n, sr);
	}
	return first;
}

int mv_port_irq_fault(uint32_t irq, struct mv_fault *f)
{
	if (irq != U585_IRQ_GTZC)
		return 0;
	f->reason = MV_R_APP_PPC;
	f->extra_name = "TZIC_SR";
	f->extra = tzic_collect(TZIC2, U585_TZIC2_REGS, tzic_collect(TZIC1, U585_TZIC1_REGS, 0u));
	mv_arch_irq_ack(irq);
	return 1;
}

uint32_t mv_port_cpu_hz(void)
{
	return cpu_hz;
}

/* ------------------------------------------------------------- HASH */
/* The image check through the HASH peripheral (mv/port.h): bytes in
 * memory order (DATATYPE 8-bit), the last word's valid bits in NBLW, the
 * digest from HR0-HR7.  -1 hands the check back to software SHA-256: no
 * bytes, or a digest that never completes. */
int mv_port_sha256(const uint8_t *p, uint32_t n, uint8_t out[32])
{
	if (n == 0u)
		return -1;
	U585_WR(RCC + RCC_AHB2ENR1, U585_RD(RCC + RCC_AHB2ENR1) | RCC_AHB2ENR1_HASHEN);
	mv_barrier();
	U585_WR(HASH + HASH_CR, HASH_CR_INIT | HASH_CR_DATATYPE_BYTES | HASH_CR_ALGO_SHA256);
	uint32_t i = 0;

	for (; n - i >= 4u; i += 4u)
		U585_WR(HASH + HASH_DIN, le32(p + i));
	uint32_t last = 0, rest = n - i;

	for (uint32_t k = 0; k < rest; k++)
		last |= (uint32_t)p[i + k] << (8u * k);
	if (rest != 0u)
		U585_WR(HASH + HASH_DIN, last);
	U585_WR(HASH + HASH_STR, (8u * rest) | HASH_STR_DCAL);
	if (!wait_for(HASH + HASH_SR, HASH_SR_DCIS, HASH_SR_DCIS)) {
		mv_msg(MV_MSGW(MV_M_NO_HASH), clock_reg);
		return -1;
	}
	for (uint32_t w = 0; w < 8u; w++) {
		uint32_t v = U585_RD(HASH + HASH_HR0 + 4u * w);

		out[4u * w] = (uint8_t)(v >> 24);
		out[4u * w + 1u] = (uint8_t)(v >> 16);
		out[4u * w + 2u] = (uint8_t)(v >> 8);
		out[4u * w + 3u] = (uint8_t)v;
	}
	return 0;
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
/* RM0456, embedded flash with TrustZone on (TZEN=1): a page is secure when
 * a watermark (or a SECBB bit, left at its reset 0) says so, and is then
 * erased and programmed only through SECCR, by secure transactions (the
 * 0x0C000000 alias); every other page only through NSCR, by non-secure
 * transactions (the 0x08000000 alias).  The core hands every partition in
 * the alias of its world (mv_board.h BASE): mv_state and app_header in the
 * secure one, app_flash, which the watermark leaves non-secure, in the
 * non-secure one (a store there from secure code is a non-secure
 * transaction: the SAU says so for app_flash).  So the address chooses
 * the half of the controller, and anything outside those three
 * partitions, the microvisor's own code among it, is refused.
 * Each half is unlocked for one operation and locked again after it; the
 * result is read back and compared.  A double ECC error on that read is an
 * NMI on this chip before ECCR can be looked at; a corrected single error
 * (ECCC) reads right and is only reported. */
struct flash_half {
	uint32_t keyr, sr, cr; /* register offsets */
	uint32_t mem;          /* the alias its pages are written through */
};

static const struct flash_half flash_sec = {FLASH_SECKEYR, FLASH_SECSR, FLASH_SECCR, MVB_MEM_FLASH_S_BASE};
static const struct flash_half flash_nsec = {FLASH_NSKEYR, FLASH_NSSR, FLASH_NSCR, MVB_MEM_FLASH_NS_BASE};

#define FLASH_SR_ERRORS                                                                                                \
	(FLASH_SR_OPERR | FLASH_SR_PROGERR | FLASH_SR_WRPERR | FLASH_SR_PGAERR | FLASH_SR_SIZERR | FLASH_SR_PGSERR)
/* Polls of BSY before giving up: about 0.5 s at 160 MHz, some seconds at
 * the 4 MHz reset clock; a page erase takes a few ms, a quad-word some us. */
#define FLASH_SPIN_MAX 0x01000000u

static int inside(uint32_t addr, uint32_t n, uint32_t base, uint32_t size)
{
	return addr >= base && addr - base <= size && n <= size - (addr - base);
}

/* The half of the controller that may change [addr, addr + n), or 0. */
static const struct flash_half *flash_half_of(uint32_t addr, uint32_t n)
{
	if (inside(addr, n, MVB_PART_MV_STATE_S_BASE, MVB_PART_MV_STATE_SIZE) ||
	    inside(addr, n, MVB_PART_APP_HEADER_S_BASE, MVB_PART_APP_HEADER_SIZE) ||
	    inside(addr, n, MVB_PART_MV_REVERT_S_BASE, MVB_PART_MV_REVERT_SIZE))
		return &flash_sec;
	if (inside(addr, n, MVB_PART_APP_FLASH_NS_BASE, MVB_PART_APP_FLASH_SIZE))
		return &flash_nsec;
	return 0;
}

/* The console says what the flash reported; the core gets the one reason
 * its contract names (port.h). */
static uint32_t flash_fail(uint32_t why, uint32_t addr, uint32_t status)
{
	mv_msg(MV_MSGW(MV_M_FLASH_ERROR), why, addr, status);
	return MV_R_UPD_FLASH;
}

static uint32_t flash_sr_reason(uint32_t sr)
{
	if (sr & FLASH_SR_WRPERR)
		return MV_R_UPD_FLASH_WRP;
	if (sr & FLASH_SR_PROGERR)
		return MV_R_UPD_FLASH_PROG;
	if (sr & FLASH_SR_PGSERR)
		return MV_R_UPD_FLASH_PGS;
	if (sr & FLASH_SR_SIZERR)
		return MV_R_UPD_FLASH_SIZE;
	if (sr & FLASH_SR_PGAERR)
		return MV_R_UPD_FLASH_PGA;
	if (sr & FLASH_SR_OPERR)
		return MV_R_UPD_FLASH_OP;
	return MV_R_NONE;
}

/* Until BSY and WDW are clear (bounded); then its flags are cleared and
 * their reason returned. */
static uint32_t flash_wait(const struct flash_half *h, uint32_t *status)
{
	uint32_t sr = U585_RD(FLASH_IF + h->sr);

	for (uint32_t i = 0; (sr & (FLASH_SR_BSY | FLASH_SR_WDW)) != 0u; i++) {
		if (i == FLASH_SPIN_MAX) {
			*status = sr;
			return MV_R_UPD_FLASH_BUSY;
		}
		sr = U585_RD(FLASH_IF + h->sr);
	}
	*status = sr;
	if ((sr & (FLASH_SR_ERRORS | FLASH_SR_EOP)) != 0u)
		U585_WR(FLASH_IF + h->sr, sr & (FLASH_SR_ERRORS | FLASH_SR_EOP));
	return flash_sr_reason(sr);
}

/* Unlock the half (the keys go only to a locked register: a wrong sequence
 * would lock it until the next reset), wait for any operation under way
 * and clear flags left from before, which would fail the next operation
 * with PGSERR. */
static uint32_t flash_open(const struct flash_half *h, uint32_t *status)
{
	if ((U585_RD(FLASH_IF + h->cr) & FLASH_CR_LOCK) != 0u) {
		U585_WR(FLASH_IF + h->keyr, FLASH_KEY1);
		U585_WR(FLASH_IF + h->keyr, FLASH_KEY2);
		if ((U585_RD(FLASH_IF + h->cr) & FLASH_CR_LOCK) != 0u) {
			*status = U585_RD(FLASH_IF + h->sr);
			return MV_R_UPD_FLASH_LOCKED;
		}
	}
	uint32_t r = flash_wait(h, status);

	return r == MV_R_UPD_FLASH_BUSY ? r : MV_R_NONE;
}

static void flash_close(const struct flash_half *h)
{
	U585_WR(FLASH_IF + h->cr, FLASH_CR_LOCK); /* PG and PER off, locked */
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* [addr, addr + n) against src (0: erased), then the ECC flags. */
static uint32_t flash_verify(uint32_t addr, const uint8_t *src, uint32_t n, uint32_t *status)
{
	uint32_t r = MV_R_NONE;

	for (uint32_t i = 0; i < n && r == MV_R_NONE; i += 4u)
		if (U585_RD(addr + i) != (src ? le32(src + i) : 0xffffffffu)) {
			*status = addr + i;
			r = MV_R_UPD_FLASH_VERIFY;
		}
	uint32_t ecc = U585_RD(FLASH_IF + FLASH_ECCR);

	if ((ecc & (FLASH_ECCR_ECCC | FLASH_ECCR_ECCD)) != 0u) {
		U585_WR(FLASH_IF + FLASH_ECCR, ecc & (FLASH_ECCR_ECCC | FLASH_ECCR_ECCD));
		if ((ecc & FLASH_ECCR_ECCD) != 0u) {
			*status = ecc;
			return MV_R_UPD_FLASH_ECC;
		}
		mv_msg(MV_MSGW(MV_M_FLASH_CORRECTED), addr, ecc);
	}
	return r;
}

uint32_t mv_port_flash_erase(uint32_t addr)
{
	const struct flash_half *h = flash_half_of(addr, FLASH_PAGE_SIZE);

	if (h == 0 || (addr - h->mem) % FLASH_PAGE_SIZE != 0u)
		return flash_fail(MV_R_UPD_FLASH_RANGE, addr, 0u);
	uint32_t off = addr - h->mem, status = 0;
	uint32_t cr = FLASH_CR_PER | ((off % FLASH_BANK_SIZE / FLASH_PAGE_SIZE) << FLASH_CR_PNB_SHIFT) |
	              (off >= FLASH_BANK_SIZE ? FLASH_CR_BKER : 0u);
	uint32_t r = flash_open(h, &status);

	if (r == MV_R_NONE) {
		U585_WR(FLASH_IF + h->cr, cr);
		U585_WR(FLASH_IF + h->cr, cr | FLASH_CR_STRT);
		r = flash_wait(h, &status);
	}
	flash_close(h);
	if (r == MV_R_NONE)
		r = flash_verify(addr, 0, FLASH_PAGE_SIZE, &status);
	return r == MV_R_NONE ? MV_R_NONE : flash_fail(r, addr, status);
}

const uint8_t *mv_port_flash_bytes(uint32_t addr, uint32_t len)
{
	(void)len;
	return (const uint8_t *)(uintptr_t)addr;
}

/* Quad-words (16 bytes, 16-byte aligned) only: the update client writes
 * whole records, headers and patch pages, all multiples of 16 at page
 * starts; anything else is refused before a byte is written. */
uint32_t mv_port_flash_write(uint32_t addr, const void *src, uint32_t n)
{
	const struct flash_half *h = flash_half_of(addr, n);
	const uint8_t *b = src;

	if (h == 0 || addr % FLASH_QUADWORD != 0u || n % FLASH_QUADWORD != 0u)
		return flash_fail(MV_R_UPD_FLASH_RANGE, addr, n);
	uint32_t status = 0, at = addr;
	uint32_t r = flash_open(h, &status);

	if (r == MV_R_NONE)
		U585_WR(FLASH_IF + h->cr, FLASH_CR_PG);
	/* Four word stores fill the controller's buffer; the fourth starts the
	 * programming (WDW until then, BSY during it). */
	while (r == MV_R_NONE && at - addr < n) {
		for (uint32_t w = 0; w < FLASH_QUADWORD; w += 4u)
			U585_WR(at + w, le32(b + (at - addr) + w));
		r = flash_wait(h, &status);
		if (r == MV_R_NONE)
			at += FLASH_QUADWORD;
	}
	flash_close(h);
	if (r != MV_R_NONE)
		return flash_fail(r, at, status);
	r = flash_verify(addr, b, n, &status);
	return r == MV_R_NONE ? MV_R_NONE : flash_fail(r, addr, status);
}
