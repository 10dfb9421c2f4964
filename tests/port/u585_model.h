/*
 * u585_model.h - a model of the STM32U585 registers the port touches, for
 * running firmware/ports/stm32u585/port.c on the host: the flash
 * controller (both halves, keys, page erase, quad-word programming, the
 * watermarks deciding which half may change a page, error and ECC flags,
 * BSY), the 2 MiB flash behind both aliases, the security registers of
 * RCC, PWR, EXTI and GPIO (unimplemented bits read as zero, PWR and GPIO
 * deaf without their clocks), GTZC as plain storage, USART1 as the
 * console, the clock tree's ready flags (VOSRDY, BOOSTRDY, PLL1RDY, SWS,
 * FLASH_ACR latency, ICACHE BUSYF) and the HASH peripheral (SHA-256 of the
 * bytes fed, by the core's software SHA-256).  Its facts are data written from RM0456 and stm32u585xx.h, not
 * the port's own table, so the port's constants are checked by it.
 */
#ifndef U585_MODEL_H
#define U585_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define U5_FLASH_SIZE 0x200000u
#define U5_NS 0 /* half of the flash controller: NSCR/NSSR/NSKEYR */
#define U5_S 1  /* SECCR/SECSR/SECKEYR */

struct u5_model {
	uint8_t flash[U5_FLASH_SIZE];
	uint32_t optr, secwm1r1, secwm2r1, eccr;
	uint32_t cr[2], sr[2];
	int key_step[2], key_dead[2];
	uint32_t busy[2];     /* SR reads left with BSY set */
	uint32_t busy_polls;  /* BSY after each start, in SR reads */
	int stuck_busy;       /* BSY never clears */
	int keys_refused;     /* the key sequence never unlocks */
	uint32_t inject_sr;   /* error flags the next operation ends with */
	uint32_t inject_eccr; /* ECCR flags the next flash read raises */
	uint32_t flip_at;     /* flash offset whose programmed word reads back wrong (~0: none) */
	uint32_t qw_addr[2], qw_n[2], qw[2][4];
	struct {
		uint32_t addr, val;
	} regs[512];
	uint32_t n_regs;
	uint32_t stuck_reg; /* writes to this address are lost (0: none) */
	/* a ready flag that never comes: these bits of this register read 0 */
	uint32_t dead_reg, dead_bits;
	/* the clock and cache registers written, in order (addresses) */
	uint32_t wlog[64];
	uint32_t n_wlog;
	/* HASH: the bytes fed since INIT, the algorithm and data type chosen */
	uint8_t hash_in[0x10000];
	uint32_t hash_n, hash_cr;
	int hash_dead; /* DCIS never comes */
	/* what happened */
	uint32_t erases, programs, flash_stores, ignored_cr_writes, key_writes;
	uint32_t last_erase_cr[2];
	char console[8192];
	size_t console_len;
};

extern struct u5_model *u5;

/* A fresh chip: TZEN on, bank 1 pages 0 to (secure_pages - 1) secure,
 * bank 2 none, both control registers locked, flash erased. */
void u5_reset(uint32_t secure_pages);
uint32_t u5_peek(uint32_t addr); /* a register's stored value, no side effects */

#endif
