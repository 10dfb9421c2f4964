/*
 * test_u585_port.c - the stm32u585 port's flash driver and its securing of
 * the system blocks, run on the host against the register model
 * (u585_model.c): what each operation leaves in flash and in the
 * controller, and that every refusal and every error the chip can report
 * ends in MV_R_UPD_FLASH with its own reason on the console and the
 * controller locked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mv/port.h"
#include "mv/reason.h"
#include "mv_board.h"
#include "stm32u585.h" /* MV_GATE_*: the gate registers by the manifest's names */
#include "u585_model.h"

/* The arch layer and the link, as far as the port and console.c need them. */
static uint32_t irq_enabled = 0xffffffffu;
void mv_arch_irq_secure_enable(uint32_t irq, uint32_t prio)
{
	(void)prio;
	irq_enabled = irq;
}
void mv_arch_irq_ack(uint32_t irq)
{
	(void)irq;
}
void mv_arch_park(void)
{
	fail_msg("parked");
	for (;;)
		;
}
void mv_link_console(const char *s, uint32_t n)
{
	(void)s;
	(void)n;
}

#define SECURE_PAGES (MVB_PART_APP_FLASH_OFFSET / 0x2000u)
#define STATE_PAGE(i) (MVB_PART_MV_STATE_S_BASE + (i)*0x2000u)
#define APP_PAGE(i) (MVB_PART_APP_FLASH_NS_BASE + (i)*0x2000u)
#define OFF(addr) ((addr)&0x1fffffu)

static int setup(void **state)
{
	(void)state;
	u5_reset(SECURE_PAGES);
	return 0;
}

static uint8_t pattern[0x2000];

static void fill(uint32_t seed)
{
	for (uint32_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(seed + i * 7u + (i >> 8));
}

static void assert_locked(void)
{
	assert_true(u5->cr[U5_S] & (1u << 31));
	assert_true(u5->cr[U5_NS] & (1u << 31));
	assert_int_equal(u5->cr[U5_S] & 3u, 0); /* PG, PER off */
	assert_int_equal(u5->cr[U5_NS] & 3u, 0);
}

/* The console names `reason` in a "flash: %r at ..." message (msg.h). */
static void assert_console_reason(uint32_t reason)
{
	char tok[32];

	snprintf(tok, sizeof tok, "mv: {@26|0x%08x|", (unsigned)reason);
	u5->console[u5->console_len] = '\0';
	if (strstr(u5->console, tok) == NULL)
		fail_msg("console lacks %s: '%s'", tok, u5->console);
}

/* ---------------------------------------------------------------- erase */
static void erase_secure_page(void **state)
{
	(void)state;
	memset(u5->flash + OFF(STATE_PAGE(1)) - 16, 0x11, 0x2000 + 32); /* neighbours too */
	assert_int_equal(mv_port_flash_erase(STATE_PAGE(1)), MV_R_NONE);
	for (uint32_t i = 0; i < 0x2000u; i++)
		assert_int_equal(u5->flash[OFF(STATE_PAGE(1)) + i], 0xff);
	assert_int_equal(u5->flash[OFF(STATE_PAGE(1)) - 1], 0x11);
	assert_int_equal(u5->flash[OFF(STATE_PAGE(1)) + 0x2000], 0x11);
	assert_int_equal(u5->erases, 1);
	/* through SECCR: page number in PNB, bank 1 */
	uint32_t cr = u5->last_erase_cr[U5_S];

	assert_int_equal((cr >> 3) & 0x7fu, OFF(STATE_PAGE(1)) / 0x2000u);
	assert_int_equal(cr & (1u << 11), 0);
	assert_int_equal(u5->last_erase_cr[U5_NS], 0);
	assert_locked();
	assert_int_equal(u5->console_len, 0);
}

static void erase_app_page_in_bank2(void **state)
{
	(void)state;
	uint32_t addr = MVB_MEM_FLASH_NS_BASE + 0x100000u + 5u * 0x2000u; /* bank 2, page 5 */

	memset(u5->flash + OFF(addr), 0, 0x2000);
	assert_int_equal(mv_port_flash_erase(addr), MV_R_NONE);
	assert_int_equal(u5->flash[OFF(addr) + 0x1fff], 0xff);
	uint32_t cr = u5->last_erase_cr[U5_NS];

	assert_int_equal((cr >> 3) & 0x7fu, 5);
	assert_true(cr & (1u << 11)); /* BKER */
	assert_int_equal(u5->last_erase_cr[U5_S], 0);
	assert_locked();
}

/* Stale flags from before are cleared first: no PGSERR from them. */
static void erase_after_stale_flags(void **state)
{
	(void)state;
	u5->sr[U5_NS] = (1u << 7) | (1u << 3);
	assert_int_equal(mv_port_flash_erase(APP_PAGE(0)), MV_R_NONE);
	assert_int_equal(u5->erases, 1);
}

/* ------------------------------------------------------------- program */
static void write_record_and_page(void **state)
{
	(void)state;
	fill(3);
	assert_int_equal(mv_port_flash_write(STATE_PAGE(2), pattern, 128), MV_R_NONE);
	assert_memory_equal(u5->flash + OFF(STATE_PAGE(2)), pattern, 128);
	assert_int_equal(u5->flash[OFF(STATE_PAGE(2)) + 128], 0xff);
	fill(9);
	assert_int_equal(mv_port_flash_write(APP_PAGE(17), pattern, 0x2000), MV_R_NONE);
	assert_memory_equal(u5->flash + OFF(APP_PAGE(17)), pattern, 0x2000);
	assert_int_equal(u5->programs, 8 + 512);
	assert_locked();
	assert_int_equal(u5->console_len, 0);
}

/* The revert partition (trial boot): erased and written through its
 * secure alias like mv_state. */
static void revert_partition_written(void **state)
{
	(void)state;
	fill(7);
	assert_int_equal(mv_port_flash_erase(MVB_PART_MV_REVERT_S_BASE + MVB_PART_MV_REVERT_ERASE_SIZE), MV_R_NONE);
	assert_int_equal(mv_port_flash_write(MVB_PART_MV_REVERT_S_BASE + MVB_PART_MV_REVERT_ERASE_SIZE, pattern, 1024),
	                 MV_R_NONE);
	assert_memory_equal(u5->flash + OFF(MVB_PART_MV_REVERT_S_BASE + MVB_PART_MV_REVERT_ERASE_SIZE), pattern, 1024);
	assert_locked();
	assert_int_equal(u5->console_len, 0);
}

/* An unaligned source buffer is read bytewise. */
static void write_from_unaligned_buffer(void **state)
{
	(void)state;
	fill(5);
	assert_int_equal(mv_port_flash_write(MVB_PART_APP_HEADER_S_BASE, pattern + 1, 256), MV_R_NONE);
	assert_memory_equal(u5->flash + OFF(MVB_PART_APP_HEADER_S_BASE), pattern + 1, 256);
}

/* -------------------------------------------------- refused up front */
struct refusal {
	const char *what;
	int erase; /* 1 erase, 0 write */
	uint32_t addr, n;
};

static const struct refusal refusals[] = {
    {"erase the microvisor's code", 1, MVB_PART_MV_CODE_S_BASE, 0},
    {"erase the veneers", 1, MVB_PART_MV_NSC_S_BASE, 0},
    {"erase inside a page", 1, STATE_PAGE(1) + 16u, 0},
    {"erase app_flash through the secure alias", 1, MVB_PART_APP_FLASH_S_BASE, 0},
    {"erase mv_state through the non-secure alias", 1, MVB_PART_MV_STATE_NS_BASE, 0},
    {"erase mv_revert through the non-secure alias", 1, MVB_PART_MV_REVERT_NS_BASE, 0},
    {"write across the end of mv_revert", 0, MVB_PART_MV_REVERT_S_BASE + MVB_PART_MV_REVERT_SIZE - 16u, 32},
    {"erase past the end of flash", 1, MVB_MEM_FLASH_NS_BASE + 0x200000u, 0},
    {"write not quad-word aligned", 0, STATE_PAGE(1) + 4u, 16},
    {"write not whole quad-words", 0, STATE_PAGE(1), 20},
    {"write across the end of mv_state", 0, MVB_PART_MV_STATE_S_BASE + MVB_PART_MV_STATE_SIZE - 16u, 32},
    {"write the microvisor's code", 0, MVB_PART_MV_CODE_S_BASE, 16},
    {"write app_flash through the secure alias", 0, MVB_PART_APP_FLASH_S_BASE, 16},
    {"write past the end of app_flash", 0, MVB_PART_APP_FLASH_NS_BASE + MVB_PART_APP_FLASH_SIZE - 16u, 32},
    {"write with a length that wraps", 0, MVB_PART_APP_FLASH_NS_BASE + 16u, 0xfffffff0u},
};

static void refused_before_any_access(void **state)
{
	(void)state;
	fill(1);
	for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++) {
		const struct refusal *t = &refusals[i];

		u5_reset(SECURE_PAGES);
		uint32_t r = t->erase ? mv_port_flash_erase(t->addr) : mv_port_flash_write(t->addr, pattern, t->n);

		if (r != MV_R_UPD_FLASH || u5->key_writes != 0 || u5->flash_stores != 0 || u5->erases != 0)
			fail_msg("%s: reason %#x, %u key writes, %u stores", t->what, (unsigned)r,
			         (unsigned)u5->key_writes, (unsigned)u5->flash_stores);
		assert_console_reason(MV_R_UPD_FLASH_RANGE);
	}
}

/* -------------------------------------------- what the chip reports */
struct chip_error {
	const char *what;
	uint32_t inject_sr, inject_eccr;
	int stuck_busy, keys_refused, programmed_before, flip, wrong_watermark;
	uint32_t reason; /* on the console */
};

static const struct chip_error chip_errors[] = {
    {"write over programmed bytes", 0, 0, 0, 0, 1, 0, 0, MV_R_UPD_FLASH_PROG},
    {"WRPERR", 1u << 4, 0, 0, 0, 0, 0, 0, MV_R_UPD_FLASH_WRP},
    {"PGSERR", 1u << 7, 0, 0, 0, 0, 0, 0, MV_R_UPD_FLASH_PGS},
    {"SIZERR", 1u << 6, 0, 0, 0, 0, 0, 0, MV_R_UPD_FLASH_SIZE},
    {"PGAERR", 1u << 5, 0, 0, 0, 0, 0, 0, MV_R_UPD_FLASH_PGA},
    {"OPERR", 1u << 1, 0, 0, 0, 0, 0, 0, MV_R_UPD_FLASH_OP},
    {"ECCD on the read-back", 0, 1u << 31, 0, 0, 0, 0, 0, MV_R_UPD_FLASH_ECC},
    {"BSY never clears", 0, 0, 1, 0, 0, 0, 0, MV_R_UPD_FLASH_BUSY},
    {"the keys do not unlock", 0, 0, 0, 1, 0, 0, 0, MV_R_UPD_FLASH_LOCKED},
    {"a word reads back wrong", 0, 0, 0, 0, 0, 1, 0, MV_R_UPD_FLASH_VERIFY},
    {"the watermark does not cover mv_state", 0, 0, 0, 0, 0, 0, 1, MV_R_UPD_FLASH_WRP},
};

static void chip_errors_reported(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof chip_errors / sizeof chip_errors[0]; i++) {
		const struct chip_error *t = &chip_errors[i];

		for (int erase = 0; erase < 2; erase++) {
			if (erase && (t->programmed_before || t->flip))
				continue; /* write-only cases */
			u5_reset(t->wrong_watermark ? SECURE_PAGES - 8u : SECURE_PAGES);
			fill((uint32_t)i);
			if (t->programmed_before)
				memset(u5->flash + OFF(STATE_PAGE(1)) + 32, 0x00, 16);
			u5->inject_sr = t->inject_sr;
			u5->inject_eccr = t->inject_eccr;
			u5->stuck_busy = t->stuck_busy;
			u5->keys_refused = t->keys_refused;
			if (t->flip)
				u5->flip_at = OFF(STATE_PAGE(1)) + 37u;
			uint32_t r = erase ? mv_port_flash_erase(STATE_PAGE(1))
			                   : mv_port_flash_write(STATE_PAGE(1), pattern, 64);

			if (r != MV_R_UPD_FLASH)
				fail_msg("%s (%s): reason %#x", t->what, erase ? "erase" : "write", (unsigned)r);
			assert_console_reason(t->reason);
			assert_locked();
		}
	}
}

/* A corrected single error reads right: the write stands, the console says so. */
static void corrected_ecc_is_reported_only(void **state)
{
	(void)state;
	fill(4);
	u5->inject_eccr = 1u << 30;
	assert_int_equal(mv_port_flash_write(APP_PAGE(3), pattern, 48), MV_R_NONE);
	u5->console[u5->console_len] = '\0';
	assert_non_null(strstr(u5->console, "mv: {@27|")); /* "flash: corrected a single-bit error" */
	assert_int_equal(u5->eccr, 0); /* flag cleared */
}

/* -------------------------------------------------- the system blocks */
struct block {
	const char *name;
	uint32_t reg, want; /* RM0456 / stm32u585xx.h: every implemented bit set */
};

static const struct block blocks[] = {
    {"RCC_SECCFGR", 0x56020c00u + 0x110u, 0x00001fffu},  {"PWR_SECCFGR", 0x56020800u + 0x30u, 0x0000f0ffu},
    {"EXTI_SECCFGR1", 0x56022000u + 0x14u, 0x00ffffffu}, {"GPIOA_SECCFGR", 0x52020000u + 0x30u, 0xffffu},
    {"GPIOB_SECCFGR", 0x52020400u + 0x30u, 0xffffu},     {"GPIOC_SECCFGR", 0x52020800u + 0x30u, 0xffffu},
    {"GPIOD_SECCFGR", 0x52020c00u + 0x30u, 0xffffu},     {"GPIOE_SECCFGR", 0x52021000u + 0x30u, 0xffffu},
    {"GPIOF_SECCFGR", 0x52021400u + 0x30u, 0xffffu},     {"GPIOG_SECCFGR", 0x52021800u + 0x30u, 0xffffu},
    {"GPIOH_SECCFGR", 0x52021c00u + 0x30u, 0xffffu},     {"GPIOI_SECCFGR", 0x52022000u + 0x30u, 0xffffu},
};

static void system_blocks_secured(void **state)
{
	(void)state;
	assert_int_equal(mv_port_security_init(), MV_R_NONE);
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
		if (u5_peek(blocks[i].reg) != blocks[i].want)
			fail_msg("%s = %#x, want %#x", blocks[i].name, (unsigned)u5_peek(blocks[i].reg),
			         (unsigned)blocks[i].want);
	assert_int_equal(irq_enabled, 8); /* GTZC's illegal-access interrupt */
}

/* Each block that does not take its value stops the boot. */
static void system_block_read_back(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		u5_reset(SECURE_PAGES);
		u5->stuck_reg = blocks[i].reg;
		if (mv_port_security_init() != MV_R_HW_SECCTL)
			fail_msg("%s stuck at 0 was not noticed", blocks[i].name);
	}
}

/* The app's peripheral window leaves out the FLASH registers, and only them. */
static void flash_registers_closed_to_the_app(void **state)
{
	(void)state;
	uint32_t n = 0;
	const struct mv_sau_region *w = mv_port_sau_windows(&n);
	uint64_t covered = 0;

	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(w[i].base % 32u, 0);
		assert_int_equal((w[i].limit + 1u) % 32u, 0);
		assert_int_equal(w[i].nsc, 0);
		assert_false(w[i].base <= 0x400223ffu && w[i].limit >= 0x40022000u);
		covered += (uint64_t)w[i].limit - w[i].base + 1u;
	}
	assert_true(covered == 0x10000000u - 0x400u);
}

/* The boot's option-byte check: TZEN, the watermarks, the banks not swapped. */
static void option_bytes_checked(void **state)
{
	(void)state;
	assert_int_equal(mv_port_memory_gates(), MV_R_NONE);
	u5_reset(SECURE_PAGES);
	u5->optr |= 1u << 20; /* SWAP_BANK */
	assert_int_equal(mv_port_memory_gates(), MV_R_HW_MPC);
	u5_reset(SECURE_PAGES);
	u5->optr &= ~(1u << 31); /* TZEN off */
	assert_int_equal(mv_port_memory_gates(), MV_R_HW_MPC);
	u5_reset(SECURE_PAGES + 1u);
	assert_int_equal(mv_port_memory_gates(), MV_R_HW_MPC);
	u5_reset(SECURE_PAGES);
	u5->secwm2r1 = 0x007f0000u; /* bank 2 all secure */
	assert_int_equal(mv_port_memory_gates(), MV_R_HW_MPC);
}

/* -------------------------------------------------------------- pins */
#define GPIO(port) (0x52020000u + 0x400u * (port)) /* [H] GPIOA_BASE_S, ports every 0x400 */
#define SECCFGR 0x30u
#define MODER 0x00u
#define AFRL 0x20u
#define AFRH 0x24u

static void grant(uint32_t periph_index_or_none)
{
	uint32_t g[MVB_APPHDR_PERIPH_WORDS] = {0};

	if (periph_index_or_none != ~0u)
		g[periph_index_or_none / 32u] |= 1u << (periph_index_or_none % 32u);
	assert_int_equal(mv_port_grant_periph(g), MV_R_NONE);
}

/* Granting usart2 gives the app PA2/PA3 in AF7 (AFRL), i2c1 PB8/PB9 in AF4
 * (AFRH); the console's PA9/PA10 and every pin not granted stay secure;
 * taking the grant back makes them secure again. */
static void granted_pins(void **state)
{
	(void)state;
	assert_int_equal(mv_port_security_init(), MV_R_NONE); /* all pins secure, clocks on */
	grant(MVB_PERIPH_USART2_INDEX);
	uint32_t sec = u5_peek(GPIO(0) + SECCFGR);

	assert_int_equal(sec, 0xffffu & ~((1u << 2) | (1u << 3)));
	assert_int_equal((u5_peek(GPIO(0) + MODER) >> 4) & 0xfu, 0xau); /* PA2, PA3: 0b10 each */
	assert_int_equal((u5_peek(GPIO(0) + AFRL) >> 8) & 0xffu, 0x77u);
	assert_int_equal(u5_peek(GPIO(1) + SECCFGR), 0xffffu); /* port B untouched */
	grant(MVB_PERIPH_I2C1_INDEX);
	assert_int_equal(u5_peek(GPIO(0) + SECCFGR), 0xffffu); /* usart2's pins back to secure */
	assert_int_equal(u5_peek(GPIO(1) + SECCFGR), 0xffffu & ~((1u << 8) | (1u << 9)));
	assert_int_equal(u5_peek(GPIO(1) + MODER) >> 16 & 0xfu, 0xau);
	assert_int_equal(u5_peek(GPIO(1) + AFRH) & 0xffu, 0x44u); /* PB8, PB9: AF4 */
	grant(~0u);
	for (uint32_t port = 0; port < 9u; port++)
		assert_int_equal(u5_peek(GPIO(port) + SECCFGR), 0xffffu);
}

/* A SECCFGR that does not take the grant stops it. */
static void pin_read_back(void **state)
{
	(void)state;
	uint32_t g[MVB_APPHDR_PERIPH_WORDS] = {0};

	assert_int_equal(mv_port_security_init(), MV_R_NONE);
	u5->stuck_reg = GPIO(3) + SECCFGR; /* usart3: PD8/PD9 */
	g[MVB_PERIPH_USART3_INDEX / 32u] |= 1u << (MVB_PERIPH_USART3_INDEX % 32u);
	assert_int_equal(mv_port_grant_periph(g), MV_R_HW_PPC);
}

/* ------------------------------------------------------------ clock */
#define RCC_B 0x56020c00u
#define PWR_B 0x56020800u
#define FLASH_B 0x50022000u
#define ICACHE_B 0x50030400u
#define USART1_BRR (0x50013800u + 0x0cu)

/* RM0456's order: voltage range 1 ready, wait states set, PLL1's source,
 * the booster ready, PLL1's dividers, PLL1 on and locked, SYSCLK switched;
 * then the cache; the console at 160 MHz. */
static void clock_to_160mhz(void **state)
{
	(void)state;
	static const uint32_t order[] = {
	    PWR_B + 0x0cu,  /* VOS range 1 */
	    FLASH_B + 0x00u, /* LATENCY 4 */
	    RCC_B + 0x28u,  /* PLL1CFGR */
	    PWR_B + 0x0cu,  /* BOOSTEN */
	    RCC_B + 0x34u,  /* PLL1DIVR */
	    RCC_B + 0x00u,  /* PLL1ON */
	    RCC_B + 0x1cu,  /* SW = PLL1 */
	    ICACHE_B + 0x00u, /* EN */
	};

	mv_port_console_init();
	assert_int_equal(mv_port_cpu_hz(), 160000000u);
	assert_int_equal(u5->n_wlog, sizeof order / sizeof order[0]);
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (u5->wlog[i] != order[i])
			fail_msg("write %zu went to %#x, want %#x", i, (unsigned)u5->wlog[i], (unsigned)order[i]);
	assert_int_equal(u5_peek(FLASH_B) & 0xfu, 4);                     /* 4 wait states, range 1 at 160 MHz */
	assert_int_equal(u5_peek(RCC_B + 0x28u), 0x00040009u);             /* MSIS, 4-8 MHz, M 1, PLL1REN */
	assert_int_equal(u5_peek(RCC_B + 0x34u), 0x0101024fu);             /* N 80, P Q R 2: 4 * 80 / 2 */
	assert_int_equal((u5_peek(PWR_B + 0x0cu) >> 16) & 7u, 7u);          /* VOS 11, BOOSTEN */
	assert_int_equal(u5_peek(RCC_B + 0x1cu) & 3u, 3u);                 /* SW PLL1 */
	assert_int_equal(u5_peek(ICACHE_B) & 1u, 1u);                      /* EN */
	assert_int_equal(u5_peek(USART1_BRR), 1389u);                      /* 160 MHz / 115200 */
	assert_int_equal(u5->console_len, 0);
}

/* Each ready flag that never comes leaves the chip at 4 MHz, the console
 * at 4 MHz's baud rate, and says which flag. */
static void clock_flags_that_never_come(void **state)
{
	(void)state;
	static const struct {
		uint32_t reg, bits;
		const char *said;
	} rows[] = {
	    {PWR_B + 0x0cu, 1u << 15, "voltage range 1 never ready"},
	    {FLASH_B + 0x00u, 0xfu, "flash wait states did not take"},
	    {PWR_B + 0x0cu, 1u << 14, "EPOD booster never ready"},
	    {RCC_B + 0x00u, 1u << 25, "PLL1 never locked"},
	    {RCC_B + 0x1cu, 0xcu, "SYSCLK did not switch to PLL1"},
	    {ICACHE_B + 0x04u, 1u, "instruction cache still invalidating"},
	};

	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		u5_reset(SECURE_PAGES);
		u5->dead_reg = rows[i].reg;
		u5->dead_bits = rows[i].bits;
		mv_port_console_init();
		u5->console[u5->console_len] = '\0';
		if (strstr(u5->console, rows[i].said) == NULL)
			fail_msg("'%s' not said: '%s'", rows[i].said, u5->console);
		if (rows[i].reg == ICACHE_B + 0x04u) {
			assert_int_equal(mv_port_cpu_hz(), 160000000u); /* the clock is up, the cache off */
			assert_int_equal(u5_peek(ICACHE_B) & 1u, 0u);
			continue;
		}
		assert_int_equal(mv_port_cpu_hz(), 4000000u);
		assert_int_equal(u5_peek(USART1_BRR), 35u); /* 4 MHz / 115200 */
		assert_non_null(strstr(u5->console, "|4000000}\n")); /* "running at %u Hz" */
		assert_int_equal(u5_peek(RCC_B + 0x1cu) & 3u, 0u); /* SYSCLK on MSIS */
	}
}

/* -------------------------------------------------------------- HASH */
/* The digest through the HASH model equals the software one for every
 * length that ends a word differently, and FIPS 180-2's "abc". */
static void hash_equals_software(void **state)
{
	(void)state;
	static const uint8_t abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	                                0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	                                0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t hw[32], sw[32];

	assert_int_equal(mv_port_sha256((const uint8_t *)"abc", 3, hw), 0);
	assert_memory_equal(hw, abc, 32);
	fill(11);
	static const uint32_t lens[] = {1, 2, 3, 4, 5, 55, 56, 63, 64, 65, 127, 128, 1000, 4096, 8191};
	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		struct mv_sha256 c;

		assert_int_equal(mv_port_sha256(pattern, lens[i], hw), 0);
		mv_sha256_init(&c);
		mv_sha256_update(&c, pattern, lens[i]);
		mv_sha256_final(&c, sw);
		if (memcmp(hw, sw, 32) != 0)
			fail_msg("length %u: the HASH digest differs", (unsigned)lens[i]);
	}
	assert_int_equal(u5_peek(RCC_B + 0x8cu) & (1u << 17), 1u << 17); /* HASHEN */
}

/* No digest: -1 (software takes over), said; nothing to hash: -1. */
static void hash_falls_back(void **state)
{
	(void)state;
	uint8_t d[32];

	assert_int_equal(mv_port_sha256(pattern, 0, d), -1);
	u5->hash_dead = 1;
	assert_int_equal(mv_port_sha256(pattern, 64, d), -1);
	u5->console[u5->console_len] = '\0';
	assert_non_null(strstr(u5->console, "mv: {@25|")); /* "hash: no digest from the HASH peripheral" */
}

/* --------------------------------------------------------- GTZC gates */
#define TZSC1_B 0x50032400u /* [H] GTZC_TZSC1_BASE_S */
#define TZSC2_B 0x56023000u /* [H] GTZC_TZSC2_BASE_S */
static const struct {
	uint32_t reg, impl; /* stm32u5xx_hal_gtzc.h: the U585's peripherals of each register */
} gate_facts[] = {
    {TZSC1_B + 0x10u, 0x000fffffu},
    {TZSC1_B + 0x14u, 0x000001ffu},
    {TZSC1_B + 0x18u, 0x007fffffu},
    {TZSC2_B + 0x10u, 0x00001bffu},
};

/* The gates hold every implemented bit secure but the grants, and never
 * a reserved one; TZIC reports the same peripherals, GTZC2's with its 2
 * registers, the TrustZone-aware blocks' registers untouched. */
static void gates_only_implemented_bits(void **state)
{
	(void)state;
	assert_int_equal(mv_port_security_init(), MV_R_NONE);
	grant(~0u);
	for (size_t i = 0; i < sizeof gate_facts / sizeof gate_facts[0]; i++)
		assert_int_equal(u5_peek(gate_facts[i].reg), gate_facts[i].impl);
	grant(MVB_PERIPH_USART2_INDEX); /* tzsc1-seccfgr1 bit 9 */
	assert_int_equal(u5_peek(TZSC1_B + 0x10u), 0x000fffffu & ~(1u << 9));
	grant(MVB_PERIPH_DAC1_INDEX); /* tzsc2-seccfgr1 bit 11 */
	assert_int_equal(u5_peek(TZSC2_B + 0x10u), 0x00001bffu & ~(1u << 11));
	assert_int_equal(u5_peek(TZSC1_B + 0x10u), 0x000fffffu);
	/* TZIC: IER1-3 of GTZC1 and IER1 of GTZC2 as the gates; IER4/IER2 off */
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(u5_peek(TZSC1_B + 0x400u + 4u * i), gate_facts[i].impl);
	assert_int_equal(u5_peek(TZSC1_B + 0x400u + 12u), 0u);
	assert_int_equal(u5_peek(TZSC2_B + 0x400u), 0x00001bffu);
	assert_int_equal(u5_peek(TZSC2_B + 0x404u), 0u);
	assert_int_equal(u5_peek(TZSC2_B + 0x408u), 0u); /* no third or fourth register */
	assert_int_equal(u5_peek(TZSC2_B + 0x40cu), 0u);
	assert_int_equal(u5_peek(TZSC2_B + 0x428u), 0u); /* FCR3 */
}

/* Every gate bit the manifest names is one the chip has. */
static void manifest_gates_implemented(void **state)
{
	(void)state;
	static const struct {
		uint32_t reg, bit;
	} named[] = {
#define NAMED(name, index, s_base, ns_base, size, owner, gate_reg, gate_bit) {MV_GATE_##gate_reg, (gate_bit)},
	    MVB_PERIPH_TABLE(NAMED)
#undef NAMED
	};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (named[i].reg == 0u)
			continue;
		size_t g = 0;

		while (g < 4u && gate_facts[g].reg != named[i].reg)
			g++;
		assert_true(g < 4u);
		if ((gate_facts[g].impl & (1u << named[i].bit)) == 0u)
			fail_msg("peripheral %zu: gate %#x bit %u is reserved", i, (unsigned)named[i].reg, (unsigned)named[i].bit);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(erase_secure_page, setup),
	    cmocka_unit_test_setup(erase_app_page_in_bank2, setup),
	    cmocka_unit_test_setup(erase_after_stale_flags, setup),
	    cmocka_unit_test_setup(write_record_and_page, setup),
	    cmocka_unit_test_setup(revert_partition_written, setup),
	    cmocka_unit_test_setup(write_from_unaligned_buffer, setup),
	    cmocka_unit_test_setup(refused_before_any_access, setup),
	    cmocka_unit_test_setup(chip_errors_reported, setup),
	    cmocka_unit_test_setup(corrected_ecc_is_reported_only, setup),
	    cmocka_unit_test_setup(system_blocks_secured, setup),
	    cmocka_unit_test_setup(system_block_read_back, setup),
	    cmocka_unit_test_setup(flash_registers_closed_to_the_app, setup),
	    cmocka_unit_test_setup(option_bytes_checked, setup),
	    cmocka_unit_test_setup(granted_pins, setup),
	    cmocka_unit_test_setup(pin_read_back, setup),
	    cmocka_unit_test_setup(clock_to_160mhz, setup),
	    cmocka_unit_test_setup(clock_flags_that_never_come, setup),
	    cmocka_unit_test_setup(hash_equals_software, setup),
	    cmocka_unit_test_setup(hash_falls_back, setup),
	    cmocka_unit_test_setup(gates_only_implemented_bits, setup),
	    cmocka_unit_test_setup(manifest_gates_implemented, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
