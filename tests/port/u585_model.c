/*
 * u585_model.c - the STM32U585 register model behind U585_RD/U585_WR of
 * the port's host build (u585_model.h says what it models).  Facts, with
 * their source (RM0456 rev 4 and ST's CMSIS stm32u585xx.h):
 *   FLASH at 0x50022000 (secure alias): NSKEYR 0x08, SECKEYR 0x0C, NSSR
 *     0x20, SECSR 0x24, NSCR 0x28, SECCR 0x2C, ECCR 0x30, OPTR 0x40,
 *     SECWM1R1 0x50, SECWM2R1 0x60; keys 0x45670123 then 0xCDEF89AB; SR:
 *     EOP 0, OPERR 1, PROGERR 3, WRPERR 4, PGAERR 5, SIZERR 6, PGSERR 7,
 *     BSY 16, WDW 17; CR: PG 0, PER 1, PNB 3-9, BKER 11, STRT 16, LOCK 31;
 *     ECCR: ECCC 30, ECCD 31; SECWMxR1: PSTRT 0-6, PEND 16-22; 8 KiB
 *     pages, 1 MiB banks, 128-bit programming; flash at 0x08000000
 *     (non-secure alias) and 0x0C000000 (secure alias).
 *   RCC at 0x56020C00: AHB2ENR1 0x8C (GPIOxEN bits 0-8), AHB3ENR 0x94
 *     (PWREN bit 2), SECCFGR 0x110, bits 0-12 implemented.
 *   PWR at 0x56020800: SECCFGR 0x30, WUP1SEC-WUP8SEC bits 0-7, LPMSEC 12,
 *     VDMSEC 13, VBSEC 14, APCSEC 15.
 *   EXTI at 0x56022000: SECCFGR1 0x14, lines 0-23.
 *   GPIOA at 0x52020000, ports every 0x400 to GPIOI: SECCFGR 0x30, 16 pins.
 *   USART1 at 0x50013800: ISR 0x1C (TXE 7), TDR 0x28.
 *   Clocks: RCC_CR 0x00 (PLL1ON 24, PLL1RDY 25), RCC_CFGR1 0x1C (SW 1:0,
 *     SWS 3:2), RCC_PLL1CFGR 0x28, RCC_PLL1DIVR 0x34, RCC_AHB2ENR1 HASHEN
 *     17; PWR_VOSR 0x0C (BOOSTRDY 14, VOSRDY 15, VOS 17:16, BOOSTEN 18);
 *     FLASH_ACR 0x00 (LATENCY 3:0); ICACHE at 0x50030400: CR 0x00 (EN 0),
 *     SR 0x04 (BUSYF 0).
 *   HASH at 0x520C0400: CR 0x00 (INIT 2, DATATYPE 5:4, ALGO bits 18 and
 *     7), DIN 0x04, STR 0x08 (NBLW 4:0, DCAL 8), SR 0x24 (DCIS 1), digest
 *     HR0-HR7 at 0x310 (big-endian words).
 */
#include "u585_model.h"

#include <string.h>

#include "mv/core.h" /* the software SHA-256 the HASH model computes with */

static struct u5_model model;
struct u5_model *u5 = &model;

static uint32_t *cell(uint32_t addr, int create);

#define FLASH_REGS 0x50022000u
#define FLASH_NS_ALIAS 0x08000000u
#define FLASH_S_ALIAS 0x0c000000u
#define PAGE 0x2000u
#define BANK 0x100000u
#define SR_EOP (1u << 0)
#define SR_OPERR (1u << 1)
#define SR_PROGERR (1u << 3)
#define SR_WRPERR (1u << 4)
#define SR_PGAERR (1u << 5)
#define SR_SIZERR (1u << 6)
#define SR_PGSERR (1u << 7)
#define SR_BSY (1u << 16)
#define SR_WDW (1u << 17)
#define SR_ERRORS (SR_OPERR | SR_PROGERR | SR_WRPERR | SR_PGAERR | SR_SIZERR | SR_PGSERR)
#define CR_PG (1u << 0)
#define CR_PER (1u << 1)
#define CR_BKER (1u << 11)
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)
#define RCC_BASE 0x56020c00u
#define PWR_BASE 0x56020800u
#define EXTI_BASE 0x56022000u
#define GPIO_BASE 0x52020000u
#define USART1_BASE 0x50013800u
#define ICACHE_BASE 0x50030400u
#define HASH_BASE 0x520c0400u

/* Registers of the clock tree and cache whose writes are logged. */
static int logged(uint32_t addr)
{
	return addr == RCC_BASE + 0x00u || addr == RCC_BASE + 0x1cu || addr == RCC_BASE + 0x28u ||
	       addr == RCC_BASE + 0x34u || addr == PWR_BASE + 0x0cu || addr == FLASH_REGS + 0x00u ||
	       addr == ICACHE_BASE + 0x00u;
}

/* Read side effects of the ready flags: each follows what it reports on. */
static uint32_t ready_flags(uint32_t addr, uint32_t v)
{
	if (addr == RCC_BASE + 0x00u)
		v = (v & ~(1u << 25)) | ((v >> 24) & 1u) << 25; /* PLL1RDY follows PLL1ON */
	else if (addr == RCC_BASE + 0x1cu)
		v = (v & ~0xcu) | (v & 3u) << 2; /* SWS follows SW */
	else if (addr == PWR_BASE + 0x0cu)
		v = (v & ~((1u << 14) | (1u << 15))) | (((v >> 16) & 3u) == 3u ? 1u << 15 : 0u) |
		    ((v >> 18) & 1u) << 14; /* VOSRDY in range 1, BOOSTRDY follows BOOSTEN */
	if (addr == model.dead_reg)
		v &= ~model.dead_bits;
	return v;
}

static uint32_t hash_read(uint32_t off)
{
	if (off == 0x24u)
		return model.hash_dead ? 0u : u5_peek(HASH_BASE + 0x24u);
	return u5_peek(HASH_BASE + off);
}

static void hash_write(uint32_t off, uint32_t v)
{
	if (off == 0x00u) {
		model.hash_cr = v;
		if (v & (1u << 2)) {
			model.hash_n = 0;
			*cell(HASH_BASE + 0x24u, 1) = 0u;
		}
	} else if (off == 0x04u) {
		for (int b = 0; b < 4 && model.hash_n < sizeof model.hash_in; b++)
			model.hash_in[model.hash_n++] = (uint8_t)(v >> (8 * b));
	} else if (off == 0x08u && (v & (1u << 8))) {
		/* NBLW valid bits in the last word: drop the bytes past them */
		uint32_t nblw = v & 0x1fu;

		if (nblw != 0u)
			model.hash_n -= 4u - nblw / 8u;
		struct mv_sha256 c;
		uint8_t d[32];

		mv_sha256_init(&c);
		mv_sha256_update(&c, model.hash_in, model.hash_n);
		mv_sha256_final(&c, d);
		/* only SHA-256 of bytes is modelled; anything else digests garbage */
		if (model.hash_cr != ((1u << 2) | (2u << 4) | 0x00040080u))
			d[0] ^= 0xffu;
		for (uint32_t w = 0; w < 8u; w++) {
			uint32_t *c2 = cell(HASH_BASE + 0x310u + 4u * w, 1);

			*c2 = (uint32_t)d[4 * w] << 24 | (uint32_t)d[4 * w + 1] << 16 | (uint32_t)d[4 * w + 2] << 8 | d[4 * w + 3];
		}
		*cell(HASH_BASE + 0x24u, 1) = 1u << 1; /* DCIS */
	}
}

void u5_reset(uint32_t secure_pages)
{
	memset(&model, 0, sizeof model);
	memset(model.flash, 0xff, sizeof model.flash);
	model.optr = 0x80000000u | 0xaau;                  /* TZEN, RDP level 0 */
	model.secwm1r1 = ((secure_pages - 1u) << 16) | 0u; /* pages 0 .. n-1 */
	model.secwm2r1 = 0x7fu;                            /* start 127 > end 0: none */
	model.cr[0] = model.cr[1] = CR_LOCK;
	model.busy_polls = 3;
	model.flip_at = 0xffffffffu;
}

static uint32_t *cell(uint32_t addr, int create)
{
	for (uint32_t i = 0; i < model.n_regs; i++)
		if (model.regs[i].addr == addr)
			return &model.regs[i].val;
	if (!create || model.n_regs == sizeof model.regs / sizeof model.regs[0])
		return 0;
	model.regs[model.n_regs].addr = addr;
	return &model.regs[model.n_regs++].val;
}

uint32_t u5_peek(uint32_t addr)
{
	uint32_t *c = cell(addr, 0);

	return c ? *c : 0u;
}

static int page_secure(uint32_t off)
{
	uint32_t wm = off < BANK ? model.secwm1r1 : model.secwm2r1, page = off % BANK / PAGE;

	return (wm & 0x7fu) <= page && page <= ((wm >> 16) & 0x7fu);
}

/* Implemented bits of a register, and whether its block has its clock. */
static uint32_t implemented(uint32_t addr, int *clocked)
{
	*clocked = 1;
	if (addr == RCC_BASE + 0x110u)
		return 0x1fffu;
	if (addr >= PWR_BASE && addr < PWR_BASE + 0x400u) {
		*clocked = (u5_peek(RCC_BASE + 0x94u) >> 2) & 1u;
		return addr == PWR_BASE + 0x30u ? 0xf0ffu : 0xffffffffu;
	}
	if (addr == EXTI_BASE + 0x14u)
		return 0x00ffffffu;
	if (addr >= GPIO_BASE && addr < GPIO_BASE + 9u * 0x400u) {
		*clocked = (u5_peek(RCC_BASE + 0x8cu) >> ((addr - GPIO_BASE) / 0x400u)) & 1u;
		return (addr & 0x3ffu) == 0x30u ? 0xffffu : 0xffffffffu;
	}
	return 0xffffffffu;
}

static void end_op(int h)
{
	model.sr[h] |= SR_EOP | model.inject_sr;
	model.inject_sr = 0;
	model.busy[h] = model.busy_polls;
}

static void erase(int h, uint32_t cr)
{
	uint32_t bank = (cr & CR_BKER) ? 1u : 0u, page = (cr >> 3) & 0x7fu, off = bank * BANK + page * PAGE;

	model.last_erase_cr[h] = cr;
	if ((model.sr[h] & SR_ERRORS) != 0u)
		model.sr[h] |= SR_PGSERR;
	else if (page_secure(off) != (h == U5_S))
		model.sr[h] |= SR_WRPERR; /* a page changes only through its own half */
	else {
		memset(model.flash + off, 0xff, PAGE);
		model.erases++;
	}
	end_op(h);
}

static void flash_store(uint32_t addr, uint32_t v)
{
	int h = addr >= FLASH_S_ALIAS ? U5_S : U5_NS;
	uint32_t off = addr - (h == U5_S ? FLASH_S_ALIAS : FLASH_NS_ALIAS);

	model.flash_stores++;
	if ((model.cr[h] & CR_PG) == 0u || (model.cr[h] & CR_LOCK) != 0u) {
		model.sr[h] |= SR_PGSERR;
		return;
	}
	if (page_secure(off) != (h == U5_S)) {
		model.sr[h] |= SR_WRPERR;
		return;
	}
	if (model.qw_n[h] == 0u ? off % 16u != 0u : off != model.qw_addr[h] + 4u * model.qw_n[h]) {
		model.sr[h] |= SR_PGAERR;
		model.qw_n[h] = 0;
		return;
	}
	if (model.qw_n[h] == 0u)
		model.qw_addr[h] = off;
	model.qw[h][model.qw_n[h]++] = v;
	if (model.qw_n[h] < 4u)
		return;
	model.qw_n[h] = 0;
	off = model.qw_addr[h];
	for (uint32_t i = 0; i < 16u; i++)
		if (model.flash[off + i] != 0xffu) {
			model.sr[h] |= SR_PROGERR;
			end_op(h);
			return;
		}
	for (uint32_t w = 0; w < 4u; w++)
		for (uint32_t b = 0; b < 4u; b++)
			model.flash[off + 4u * w + b] = (uint8_t)(model.qw[h][w] >> (8u * b));
	if (model.flip_at >= off && model.flip_at < off + 16u)
		model.flash[model.flip_at] ^= 0x01u;
	model.programs++;
	end_op(h);
}

static void flash_reg_write(uint32_t r, uint32_t v)
{
	int h = (r & 4u) ? U5_S : U5_NS; /* NS registers at 0x08/0x20/0x28, S at 0x0C/0x24/0x2C */

	switch (r) {
	case 0x00u:
		*cell(FLASH_REGS, 1) = v;
		return;
	case 0x08u:
	case 0x0cu:
		model.key_writes++;
		if (model.key_dead[h] || model.keys_refused)
			return;
		if (model.key_step[h] == 0 && v == 0x45670123u)
			model.key_step[h] = 1;
		else if (model.key_step[h] == 1 && v == 0xcdef89abu) {
			model.key_step[h] = 0;
			model.cr[h] &= ~CR_LOCK;
		} else
			model.key_dead[h] = 1; /* locked until the next reset */
		return;
	case 0x20u:
	case 0x24u:
		model.sr[h] &= ~(v & (SR_ERRORS | SR_EOP));
		return;
	case 0x28u:
	case 0x2cu:
		if ((model.cr[h] & CR_LOCK) != 0u) {
			model.ignored_cr_writes++;
			return;
		}
		model.cr[h] = v & ~CR_STRT;
		if ((v & (CR_STRT | CR_PER)) == (CR_STRT | CR_PER))
			erase(h, v);
		return;
	case 0x30u:
		model.eccr &= ~(v & 0xc0000000u);
		return;
	default:
		return;
	}
}

static uint32_t flash_reg_read(uint32_t r)
{
	int h = (r & 4u) ? U5_S : U5_NS;

	switch (r) {
	case 0x00u:
		return ready_flags(FLASH_REGS, u5_peek(FLASH_REGS) & 0xfu);
	case 0x20u:
	case 0x24u: {
		uint32_t v = model.sr[h];

		if (model.stuck_busy || model.busy[h] > 0u) {
			v |= SR_BSY;
			if (model.busy[h] > 0u)
				model.busy[h]--;
		}
		if (model.qw_n[h] != 0u)
			v |= SR_WDW;
		return v;
	}
	case 0x28u:
	case 0x2cu:
		return model.cr[h];
	case 0x30u:
		return model.eccr;
	case 0x40u:
		return model.optr;
	case 0x50u:
		return model.secwm1r1;
	case 0x60u:
		return model.secwm2r1;
	default:
		return 0;
	}
}

uint32_t mv_port_host_rd(uint32_t addr)
{
	if ((addr >= FLASH_NS_ALIAS && addr < FLASH_NS_ALIAS + U5_FLASH_SIZE) ||
	    (addr >= FLASH_S_ALIAS && addr < FLASH_S_ALIAS + U5_FLASH_SIZE)) {
		uint32_t off = addr & (U5_FLASH_SIZE - 1u);

		model.eccr |= model.inject_eccr;
		model.inject_eccr = 0;
		return (uint32_t)model.flash[off] | ((uint32_t)model.flash[off + 1u] << 8) |
		       ((uint32_t)model.flash[off + 2u] << 16) | ((uint32_t)model.flash[off + 3u] << 24);
	}
	if (addr >= FLASH_REGS && addr < FLASH_REGS + 0x400u)
		return flash_reg_read(addr - FLASH_REGS);
	if (addr == USART1_BASE + 0x1cu)
		return 1u << 7; /* TXE: always room */
	if (addr >= HASH_BASE && addr < HASH_BASE + 0x400u)
		return hash_read(addr - HASH_BASE);
	if (addr == ICACHE_BASE + 0x04u)
		return addr == model.dead_reg ? 1u : 0u; /* BUSYF: invalidated, or stuck */
	int clocked;
	uint32_t mask = implemented(addr, &clocked);

	return clocked ? ready_flags(addr, u5_peek(addr) & mask) : 0u;
}

void mv_port_host_wr(uint32_t addr, uint32_t v)
{
	if (logged(addr) && model.n_wlog < sizeof model.wlog / sizeof model.wlog[0])
		model.wlog[model.n_wlog++] = addr;
	if (addr >= HASH_BASE && addr < HASH_BASE + 0x400u) {
		hash_write(addr - HASH_BASE, v);
		return;
	}
	if ((addr >= FLASH_NS_ALIAS && addr < FLASH_NS_ALIAS + U5_FLASH_SIZE) ||
	    (addr >= FLASH_S_ALIAS && addr < FLASH_S_ALIAS + U5_FLASH_SIZE)) {
		flash_store(addr, v);
		return;
	}
	if (addr >= FLASH_REGS && addr < FLASH_REGS + 0x400u) {
		flash_reg_write(addr - FLASH_REGS, v);
		return;
	}
	if (addr == USART1_BASE + 0x28u) {
		if (model.console_len + 1u < sizeof model.console)
			model.console[model.console_len++] = (char)v;
		return;
	}
	int clocked;
	uint32_t mask = implemented(addr, &clocked);
	uint32_t *c = cell(addr, 1);

	if (!clocked || c == 0 || addr == model.stuck_reg)
		return;
	*c = v & mask;
}
