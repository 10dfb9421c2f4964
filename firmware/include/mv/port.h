/*
 * port.h - what a board port provides to the core and the arch layer.
 *
 * One port per board under firmware/ports/<board>/; the host fake port in
 * firmware/host implements the same functions for unit tests.  Functions
 * returning uint32_t return a reason code (mv/reason.h), MV_R_NONE on
 * success; every one that programs security hardware reads it back.
 */
#ifndef MV_PORT_H
#define MV_PORT_H

#include <stdint.h>

#include <mvb/app_header.h>

#include "arch.h"
#include "core.h"

#ifdef MV_PORT_SHA256
/* A port with a hash engine: SHA-256 of [p, p + n) into out, 0; or -1,
 * and the core hashes in software. */
int mv_port_sha256(const uint8_t *p, uint32_t n, uint8_t out[32]);
#endif

/* Console (the board's `console:` peripheral, secure alias). */
void mv_port_console_init(void);
void mv_port_console_write(const char *s, uint32_t len);

/* The update link's UART (board manifest 'link'): set it up with its
 * receive interrupt calling mv_link_rx_byte() for every byte; 0 if the
 * board has no link.  Writes wait until every byte is sent. */
int mv_port_link_init(void);
void mv_port_link_write(const uint8_t *p, uint32_t len);

/* Memory gates: make exactly app_flash and app_ram non-secure, every
 * other block of every gated memory secure. */
uint32_t mv_port_memory_gates(void);

/* Secure-controller set-up that does not depend on the app: NSC for the
 * veneer memory, bus errors for blocked accesses, violation interrupts. */
uint32_t mv_port_security_init(void);

/* Extra SAU windows the board needs besides app_flash, app_ram and
 * mv_nsc (e.g. the non-secure peripheral alias, where the PPC decides). */
const struct mv_sau_region *mv_port_sau_windows(uint32_t *count);

/* Peripheral gates: make exactly the peripherals in `periph` non-secure. */
uint32_t mv_port_grant_periph(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS]);

/* The installed app header (secure memory) and a secure-side view of
 * non-secure memory for hashing (identity on hardware). */
const struct mvb_app_header *mv_port_app_header(void);
const uint8_t *mv_port_ns_bytes(uint32_t ns_addr, uint32_t len);

/* The board's flash, for the update client.  Addresses are in the alias
 * of their partition's world (mv_board.h BASE); erase takes a whole page
 * (MVB_PART_APP_FLASH_ERASE_SIZE bytes, page-aligned), write programs
 * erased bytes (n and addr multiples of 4).  MV_R_NONE, or
 * MV_R_UPD_FLASH when the flash reports an error or reads back wrong. */
uint32_t mv_port_flash_erase(uint32_t addr);
/* A secure-side view of len bytes of flash at addr (an address of the
 * kind above): identity on hardware, a buffer on the host. */
const uint8_t *mv_port_flash_bytes(uint32_t addr, uint32_t len);
uint32_t mv_port_flash_write(uint32_t addr, const void *src, uint32_t n);

/* A secure interrupt fired: if it is a violation report (PPC/MPC), fill
 * f->reason and the port's status register, acknowledge it and return 1. */
int mv_port_irq_fault(uint32_t irq, struct mv_fault *f);

/* Core clock, for the tick timer. */
uint32_t mv_port_cpu_hz(void);

/* End of the road: a test build ends the emulator with `status`
 * (semihosting); a production build parks the core.  Never returns. */
void mv_port_exit(uint32_t status) __attribute__((noreturn));
/* Whether mv_port_exit can end a run (test builds). */
int mv_port_can_exit(void);

#endif
