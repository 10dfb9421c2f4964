/*
 * fake_port.h - the host stand-in for a board port and the Armv8-M layer,
 * so the portable core runs in unit tests.  Memory is host buffers mapped
 * at the fixture board's non-secure addresses; "non-secure" for the
 * pointer checks means inside a region registered with fake_ns_region();
 * calls that never return on hardware (enter the app, exit) longjmp back
 * to the test through fake_jmp.
 */
#ifndef MV_FAKE_PORT_H
#define MV_FAKE_PORT_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "mv/arch.h"
#include "mv/core.h"
#include "mv_board.h"

enum fake_stop { FAKE_RUNNING = 0, FAKE_ENTERED = 1, FAKE_EXITED = 2 };

struct fake_state {
	/* set by tests */
	uint32_t r_cpu, r_gates, r_sau, r_security, r_irq_target, r_grant; /* reasons to return */
	int can_exit;
	int caller_is_handler;
	uint32_t ticks;
	/* recorded */
	char console[16384];
	size_t console_len;
	uint32_t exit_status;
	struct mv_app_entry entry;
	uint32_t granted[MVB_APPHDR_PERIPH_WORDS];
	uint32_t irq_ns[MVB_APPHDR_IRQ_WORDS];
	uint32_t grant_calls, irq_target_calls, ns_resets, restart_requests, waits;
	uint32_t restart_now; /* the `now` of the last restart request */
	struct mv_sau_region sau[16];
	uint32_t sau_n;
	uint32_t sctx_loaded, sctx_sp, sctx_switches; /* secure context register state */
	int has_link;                                 /* set by tests: the board has a link */
	uint8_t link_out[8192];                       /* what went out on it */
	uint32_t link_out_len;
};

extern struct fake_state fake;
extern jmp_buf fake_jmp;

/* App flash and RAM of the fixture board, as host buffers. */
extern uint8_t fake_flash[MVB_PART_APP_FLASH_SIZE];
extern struct mvb_app_header fake_header;

/* Fresh state for each test (also clears flash and header). */
void fake_reset(void);
/* Mark [p, p + n) as memory the non-secure caller may read (and write). */
void fake_ns_region(const void *p, size_t n, int writable);
/* Run fn() until it "returns" through enter/exit; gives how it stopped. */
enum fake_stop fake_run(void (*fn)(void));
/* Build a valid header for the `size` bytes at the start of fake_flash. */
void fake_make_app(uint32_t size);
void fake_seal_header(struct mvb_app_header *h);

#endif
