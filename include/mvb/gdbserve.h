/*
 * gdbserve.h - the server side of the GDB remote serial protocol, as
 * gdb-multiarch speaks it to `mvbuild debug`: bytes from gdb in, reply
 * bytes out, and for each request the operation on the device's debug
 * agent (mvbuild-link(5), DEBUGGING) through the callbacks of struct
 * mvb_gdbs_ops.  Pure: no I/O, no clock, no allocation; the CLI owns the
 * socket, the link and the 50 ms polling while the app runs.
 *
 * Invariants:
 *  - input is bounded: a packet is at most MVB_GDBS_PACKET_MAX bytes
 *    between '$' and '#'; a longer one is answered "E01" (after its '+'),
 *    a bad checksum with '-' (none in no-ack mode), and a malformed
 *    request with an error reply: no input makes the engine read or
 *    write outside its own buffers;
 *  - output is bounded: one call of mvb_gdbs_feed handles at most one
 *    packet, whose reply fits g->out (MVB_GDBS_OUT_MAX); the caller sends
 *    g->out[0..out_len) and sets out_len to 0 before the next call;
 *  - the engine inserts at most MVL_BREAK_MAX breakpoints and remembers,
 *    for each, the 2 bytes it replaced (read before the insert): memory
 *    reads show gdb those, never the device's BKPT;
 *  - gdb sees one thread (1) of one process, an Armv8-M core with the
 *    org.gnu.gdb.arm.m-profile registers of struct mvl_regs (17, no FP).
 *
 * Stepping: the engine offers gdb no 's' (vCont? says "vCont;c;C"), and
 * gdb steps by itself: it decodes the instruction and inserts breakpoints
 * (Z0) at every successor, then continues (gdb 13, checked with a
 * scripted stub; gdb does the same for arm-none-eabi targets).
 *
 * Errors sent to gdb ("Exx", two hex digits, an errno value as gdbserver
 * uses them): 01 a malformed or oversize packet, 05 (EIO) the link to
 * the device failed, 0e (EFAULT) MVL_E_ACCESS (gdb: "Cannot access
 * memory"), 10 (EBUSY) MVL_E_RUNNING, 1c (ENOSPC) MVL_E_FULL or the
 * engine's own table full, 16 (EINVAL) a kind, address or register the
 * device cannot take, 01 (EPERM) MVL_E_AUTH, 13 any other device error.
 */
#ifndef MVB_GDBSERVE_H
#define MVB_GDBSERVE_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/link.h"

#define MVB_GDBS_PACKET_MAX 1024u                         /* PacketSize offered to gdb */
#define MVB_GDBS_OUT_MAX (2u * MVB_GDBS_PACKET_MAX + 16u) /* one reply, escaped and framed, and an ack */
#define MVB_GDBS_NREGS 17u                                /* r0-r12, sp, lr, pc, xpsr */
#define MVB_GDBS_TEXT_MAX 200u                            /* a 'monitor' answer or an 'O' line */

/* The device's debug agent.  Every call returns 0, or the MVL_E_* code of
 * the device's error response (> 0), or -1 when the link failed (the
 * engine then answers gdb E05 and mvb_gdbs_feed/poll return
 * MVB_GDBS_EV_LINK).  The CLI implements them as blocking requests with
 * a deadline each. */
struct mvb_gdbs_ops {
	int (*halt)(void *ctx);                         /* HALT: asks; STATE says when it is halted */
	int (*state)(void *ctx, struct mvl_dstate *st); /* STATE */
	int (*regs_write)(void *ctx, const struct mvl_regs *r);
	int (*cont)(void *ctx); /* CONTINUE */
	/* MEM_READ/MEM_WRITE of 1 to MVL_MEM_MAX bytes (the engine splits) */
	int (*mem_read)(void *ctx, uint32_t addr, uint8_t *out, uint32_t len);
	int (*mem_write)(void *ctx, uint32_t addr, const uint8_t *data, uint32_t len);
	int (*brk)(void *ctx, uint32_t addr, int insert); /* BREAK */
	/* RESTART; returns once the restarted app is halted again (or an
	 * error): gdb still sees a stopped target after 'monitor reset' */
	int (*restart)(void *ctx);
};

/* What a call of mvb_gdbs_feed or mvb_gdbs_poll leaves the caller to do. */
enum mvb_gdbs_event {
	MVB_GDBS_EV_NONE,     /* send g->out, go on */
	MVB_GDBS_EV_STOPPED,  /* a stop was reported to gdb (g->out holds it) */
	MVB_GDBS_EV_DETACHED, /* 'D': breakpoints removed, the app runs on; send g->out and close */
	MVB_GDBS_EV_KILLED,   /* 'k': the same; gdb expects no answer */
	MVB_GDBS_EV_LINK,     /* a callback returned -1: the link to the device failed */
};

struct mvb_gdbs_bp {
	uint32_t addr;
	uint8_t orig[2]; /* what the BKPT replaced, as read before the insert */
	uint8_t used;
};

struct mvb_gdbs {
	const struct mvb_gdbs_ops *ops;
	void *ctx;
	/* input: the packet being read */
	int in_state; /* 0 between packets, 1 in one, 2 after '}', 3-4 the checksum digits */
	uint8_t pkt[MVB_GDBS_PACKET_MAX + 1];
	size_t plen;
	int overflow;
	uint8_t sum, got_sum;
	int noack;
	/* output: the reply to send, and the last packet sent (for a '-') */
	uint8_t out[MVB_GDBS_OUT_MAX];
	size_t out_len;
	uint8_t last[MVB_GDBS_OUT_MAX];
	size_t last_len;
	/* the target as gdb sees it */
	int running;    /* continued (or halting for '?'): the next stop is reported */
	int stop_sig;   /* the signal of the stop reported then: 5, or 2 after ^C */
	int have_state; /* st is the device's state since the last stop */
	struct mvl_dstate st;
	uint32_t starts; /* ld_starts when the breakpoints went in */
	int starts_known;
	uint32_t skipped;  /* the device's ld_skipped, last seen */
	unsigned restarts; /* app restarts seen while gdb was attached */
	struct mvb_gdbs_bp bp[MVL_BREAK_MAX];
	int ended;
};

/* Cannot fail; the target is taken as halted until '?' asks. */
void mvb_gdbs_init(struct mvb_gdbs *g, const struct mvb_gdbs_ops *ops, void *ctx);

/* Bytes from gdb: handles them up to the end of the first whole packet,
 * sets *used to the bytes taken (call again with the rest after sending
 * g->out).  ^C (0x03) while the app runs asks the device to HALT. */
enum mvb_gdbs_event mvb_gdbs_feed(struct mvb_gdbs *g, const uint8_t *in, size_t n, size_t *used);

/* While g->running: asks the device's STATE once; reports the stop when
 * the app is halted (T05, T02 after ^C); re-inserts the breakpoints when
 * ld_starts changed (the app restarted, and with it the device removed
 * them). */
enum mvb_gdbs_event mvb_gdbs_poll(struct mvb_gdbs *g);

/* A console line while the app runs, to gdb as an 'O' packet (appended to
 * g->out; nothing when the app is halted, gdb would take it for a reply). */
void mvb_gdbs_console(struct mvb_gdbs *g, const char *text, size_t len);

/* gdb went away without 'D' (or the run ends): the breakpoints removed,
 * a halted app continued.  0, or what the first failing callback said. */
int mvb_gdbs_release(struct mvb_gdbs *g);

/* The target description gdb reads (qXfer:features:read:target.xml). */
extern const char mvb_gdbs_target_xml[];

#endif
