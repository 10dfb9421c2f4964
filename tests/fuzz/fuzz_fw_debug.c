/* fuzz_fw_debug.c - libFuzzer harness: the microvisor's debug agent
 * (firmware/core/debug.c built with MV_UPDATE=1 and MV_PORT_SOFT_BREAK=1,
 * on the host with mps2-an505's generated board header), driven by a
 * sequence of what happens to it on the device: the requests of an
 * authorized peer (mvbuild-link(5), DEBUGGING) with fuzzed payloads and
 * lengths, breakpoints reached, the halt exception, sessions that end,
 * app restarts, and power cuts at any flash write.
 *
 * The device is modelled, not faked: the app's flash and RAM partitions
 * are host arrays, and mv_port_ns_bytes() aborts for any range not inside
 * one of them (the agent must never reach anything else; on the device
 * that would be secure memory).  App flash is mapped read-only: only
 * mv_port_debug_patch() opens it, so any other store there is a SEGV.
 * The device-state partition is an array with NOR semantics, as
 * mps2-an505's port.c has them (erase sets a page to 0xff, a write ANDs
 * word by word and fails at the first word that reads back different),
 * also read-only outside the flash stubs.  Every word programmed, every
 * erase and every patch is a step; head bytes 1-4 name two steps at which
 * the power goes (the store at that step does not happen), after which
 * the device powers on again with its flash as the cut left it: session
 * closed, the app started, mv_debug_start() first, as mv_start_app()
 * does.
 *
 * Input: a 5-byte head, then operations.
 *   0     flags: 0x01 no app runs at power-on (safe mode), 0x02 torn
 *         writes (a cut may fall between the words of one write and
 *         inside an erase, as port.c's loops allow; else a write or
 *         erase is one step), 0x04 a session is open at power-on
 *   1-2   first cut: the step the power goes at (LE; 0: none)
 *   3-4   second cut (counted on from the same counter; 0: none)
 * Operations (first byte modulo 7; operands follow, zeros past the end):
 *   0, 1  a request, its payload built from its type (the right length
 *         unless asked otherwise; REGS with the halted sp unless asked;
 *         addresses from pick_addr: windows at the edges of app flash
 *         and RAM, a breakpoint in place, or raw)
 *   2     a BKPT reached at a pc (one of ours, one of the image's own,
 *         or a window of flash), haltable or not; skipped where flash
 *         holds no BKPT (the app would not trap there)
 *   3     the halt exception, if the arch was asked for it: through
 *         mv_debug_halt() (EXC_RETURN and a frame in app RAM) or
 *         mv_debug_halt_call() (the secure-call exit: a frame of its
 *         own); while the app is halted, each further operation is what
 *         one mv_arch_wait_irq() lets in, and the end of the input ends
 *         the session (the peer went quiet)
 *   4     the session: open, or end (END, or its time ran out)
 *   5     the app: restarted, stopped (safe mode), started, or a power
 *         cut now
 *   6     a raw request: type, length and payload bytes from the input
 * Requests are made with an exact-size copy of the payload (a read past
 * it is an ASan report); MVB_FUZZ_DEBUG_PAD=1 hands them over inside a
 * link-sized buffer as link.c does, to look past such a finding;
 * MVB_FUZZ_DEBUG_ATOMIC=1 ignores head flag 0x02 (every write and erase
 * one step), to look past a finding of torn writes.
 * MVB_FUZZ_TRACE=1 prints each step to stderr.
 *
 * Oracles (abort() on a violation, besides ASan/UBSan and the SEGV of a
 * store to read-only flash):
 *  - the agent reads and writes only app flash and app RAM, and asks for
 *    no byte of app memory at all for a request it refuses with 4, 9 or
 *    10 (MEM_WRITE outside app RAM writes nothing), the state partition
 *    only within itself, with aligned writes and erases;
 *  - each answer is the one the page gives: 9 for all but STATE while no
 *    app runs and for REGS while not halted, 4 for wrong lengths, 10 for
 *    addresses outside what the request may touch (a BREAK odd or outside
 *    app flash), 11 only with 8 breakpoints in place or the breakpoint
 *    page full, 5 for other types; out and len are set only for STATE
 *    (the 84-byte record, its fields the model's) and MEM_READ (lm_len
 *    bytes at the address asked, inside app memory); a MEM_WRITE writes
 *    exactly its bytes, a REGS exactly the registers, the xPSR flags only;
 *  - at most MVL_BREAK_MAX breakpoints in place, each a BKPT in the
 *    flash, and every other halfword the agent patched is the image's;
 *  - after mv_debug_start() or mv_debug_end() the app flash is the
 *    original image byte for byte, whatever came before, power cuts at
 *    any step included; the agent's state is the model's after every
 *    step; the app's watchdog is held exactly while it is halted.
 * ld_skipped counts since the harness started: the agent's RAM outlives
 * an input (and, here only, a power cut).
 *
 * Covers: firmware/core/debug.c
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <mvb/le.h>
#include <mvb/link.h>

#include "mv/arch.h"
#include "mv/core.h"
#include "mv/mv_api.h"
#include "mv/port.h"
#include "mv/reason.h"
#include "mv_board.h"

void mv_boot_restart(uint32_t why, int now);                                 /* firmware/core/core_int.h */
void mv_debug_halt_call(uint32_t *saved, volatile uint32_t *f, uint32_t sp); /* debug.c's, for the arch's asm */

#define FAIL(...)                                                                                                      \
	do {                                                                                                           \
		fprintf(stderr, "fuzz_fw_debug: " __VA_ARGS__);                                                        \
		fputc('\n', stderr);                                                                                   \
		abort();                                                                                               \
	} while (0)

#define FL_BASE MVB_PART_APP_FLASH_NS_BASE
#define FL_SIZE MVB_PART_APP_FLASH_SIZE
#define RAM_BASE MVB_PART_APP_RAM_NS_BASE
#define RAM_SIZE MVB_PART_APP_RAM_SIZE
#define ST_BASE MVB_PART_MV_STATE_BASE
#define ST_SIZE MVB_PART_MV_STATE_SIZE
#define ST_PAGE MVB_PART_MV_STATE_ERASE_SIZE
#define BK_PAGE (ST_BASE + 3u * ST_PAGE) /* debug.c's breakpoint page */
#define BKPT 0xbe00u
#define HEAD 5u
#define F_NO_APP 0x01u
#define F_TORN 0x02u
#define F_SESSION 0x04u
#define MAX_TOUCHED 4096u

enum { JB_NONE, JB_CUT, JB_RESTART, JB_STOP };

/* ---- the device's memories */
static uint8_t *flash;       /* app flash, read-only but in mv_port_debug_patch() */
static uint8_t *image;       /* what the app flash holds with no breakpoint */
static uint8_t *ram;         /* app RAM */
static uint8_t *state;       /* device-state partition, read-only but in the flash stubs */
static uint32_t own_bkpt[3]; /* offsets of BKPTs of the image's own */

/* ---- the model: what the agent's state must be */
static struct {
	int runs, session, pended, held, depth;
	uint32_t st, why, starts, skipped, sp;
	uint32_t placed[64];
	uint32_t n_placed;
	uint32_t touched[MAX_TOUCHED]; /* every address patched this input */
	uint32_t n_touched;
	int touched_overflow;
	uint32_t steps, cut1, cut2, torn;
	volatile uint32_t *frame; /* the halted code's frame */
	uint32_t *saved;
	int restart_asked;
	unsigned ns_calls;
} m;

static jmp_buf jb;
static int trace, pad, atomic;
static const uint8_t *in_p;
static size_t in_n, in_i;

static int in(uint32_t a, uint32_t n, uint32_t base, uint32_t size)
{
	return a >= base && n <= size && a - base <= size - n;
}

static void prot(uint8_t *p, size_t n, int rw)
{
	if (mprotect(p, n, rw ? PROT_READ | PROT_WRITE : PROT_READ) != 0)
		FAIL("mprotect failed");
}

static uint16_t fl16(uint32_t a)
{
	return (uint16_t)(flash[a - FL_BASE] | flash[a - FL_BASE + 1u] << 8);
}

static uint16_t im16(uint32_t a)
{
	return (uint16_t)(image[a - FL_BASE] | image[a - FL_BASE + 1u] << 8);
}

/* A step of the flash: the power may go before it. */
static void step(void)
{
	m.steps++;
	if (m.steps == m.cut1 || m.steps == m.cut2) {
		prot(state, ST_SIZE, 0);
		if (trace)
			fprintf(stderr, "  power cut at step %u\n", m.steps);
		longjmp(jb, JB_CUT);
	}
}

/* ---- the port, the arch and the rest of the core around debug.c */
const uint8_t *mv_port_ns_bytes(uint32_t a, uint32_t len)
{
	m.ns_calls++;
	if (in(a, len, FL_BASE, FL_SIZE))
		return flash + (a - FL_BASE);
	if (in(a, len, RAM_BASE, RAM_SIZE))
		return ram + (a - RAM_BASE);
	FAIL("the agent asked for %u bytes at %#x, outside app flash and app RAM", len, a);
}

const uint8_t *mv_port_flash_bytes(uint32_t a, uint32_t len)
{
	if (!in(a, len, ST_BASE, ST_SIZE))
		FAIL("the agent read %u bytes of flash at %#x, outside the device-state partition", len, a);
	return state + (a - ST_BASE);
}

uint32_t mv_port_flash_erase(uint32_t a)
{
	if (!in(a, ST_PAGE, ST_BASE, ST_SIZE) || (a - ST_BASE) % ST_PAGE != 0u)
		FAIL("erase at %#x: not a page of the device-state partition", a);
	if (!m.torn)
		step();
	for (uint32_t i = 0; i < ST_PAGE; i += 4u) {
		if (m.torn)
			step();
		prot(state, ST_SIZE, 1);
		memset(state + (a - ST_BASE) + i, 0xff, 4);
		prot(state, ST_SIZE, 0);
	}
	return MV_R_NONE;
}

uint32_t mv_port_flash_write(uint32_t a, const void *src, uint32_t n)
{
	const uint8_t *b = src;

	if (!in(a, n, ST_BASE, ST_SIZE) || (a & 3u) || (n & 3u))
		FAIL("write of %u bytes at %#x: outside the device-state partition or unaligned", n, a);
	if (!m.torn)
		step();
	for (uint32_t i = 0; i < n; i += 4u) {
		uint8_t *w = state + (a - ST_BASE) + i;
		uint32_t v = mvb_get_le32(b + i), was = mvb_get_le32(w);

		if (m.torn)
			step();
		prot(state, ST_SIZE, 1);
		mvb_set_le32(w, was & v);
		prot(state, ST_SIZE, 0);
		if ((was & v) != v)
			return MV_R_UPD_FLASH; /* NOR: a bit that was not erased stays 0 */
	}
	return MV_R_NONE;
}

static void touch(uint32_t a)
{
	for (uint32_t i = 0; i < m.n_touched; i++)
		if (m.touched[i] == a)
			return;
	if (m.n_touched == MAX_TOUCHED)
		m.touched_overflow = 1;
	else
		m.touched[m.n_touched++] = a;
}

int mv_port_debug_patch(uint32_t a, uint16_t v)
{
	if ((a & 1u) || !in(a, 2u, FL_BASE, FL_SIZE))
		FAIL("patch at %#x: not a halfword of app flash", a);
	step();
	touch(a);
	uint8_t *h = flash + (a - FL_BASE);
	uint8_t *page = flash + ((a - FL_BASE) & ~4095u);

	prot(page, 4096, 1);
	h[0] = (uint8_t)v;
	h[1] = (uint8_t)(v >> 8);
	prot(page, 4096, 0);
	return 1;
}

void mv_arch_debug_pend(void)
{
	m.pended = 1;
}

static uint32_t frame_off; /* where mv_arch_ns_frame() finds the frame; ~0: nowhere */

volatile uint32_t *mv_arch_ns_frame(uint32_t exc_return)
{
	(void)exc_return;
	if (frame_off == ~0u || !in(RAM_BASE + frame_off, 32u, RAM_BASE, RAM_SIZE))
		return 0;
	return (volatile uint32_t *)(void *)(ram + frame_off);
}

int mv_arch_app_masked(void)
{
	return 0;
}

void mv_boot_hold_watchdog(uint32_t h)
{
	m.held = h != 0;
}

int mv_boot_app_runs(void)
{
	return m.runs;
}

void mv_boot_restart(uint32_t why, int now)
{
	if (why != MV_RESTART_REQUEST || !now)
		FAIL("mv_boot_restart(%u, %d) from the agent", why, now);
	m.restart_asked = 1;
}

static struct mv_crash_state crash_state;

const struct mv_crash_state *mv_crash_state(void)
{
	return &crash_state;
}

static void end_session(void);

int mv_link_debugging(void)
{
	return m.session;
}

static void run_op(void);

/* The halted app's loop: each wait lets one operation in. */
void mv_arch_wait_irq(void)
{
	if (m.depth != 1 || mv_dbg_state != MVL_DS_HALTED || !m.held)
		FAIL("a wait with depth %d, state %u, watchdog %s", m.depth, mv_dbg_state, m.held ? "held" : "free");
	if (in_i >= in_n) {
		if (trace)
			fprintf(stderr, "  input ends while halted: the session ends\n");
		end_session();
		return;
	}
	run_op();
}

/* ---- reading the input */
static uint8_t get8(void)
{
	return in_i < in_n ? in_p[in_i++] : 0u;
}

static uint16_t get16(void)
{
	uint16_t v = get8();

	return (uint16_t)(v | get8() << 8);
}

static uint32_t get32(void)
{
	uint32_t v = get16();

	return v | (uint32_t)get16() << 16;
}

static uint32_t pick_addr(void)
{
	uint8_t k = get8();
	uint32_t x = get32();

	switch (k % 8u) {
	case 0:
		return x;
	case 1:
		return FL_BASE + x % 0x800u;
	case 2:
		return FL_BASE + FL_SIZE - 0x40u + x % 0x80u;
	case 3:
		return RAM_BASE + x % 0x800u;
	case 4:
		return RAM_BASE + RAM_SIZE - 0x40u + x % 0x80u;
	case 5:
		return m.n_placed ? m.placed[x % m.n_placed] : FL_BASE + 2u * (x % 0x400u);
	case 6:
		return FL_BASE - 8u + x % 16u;
	default:
		return 0u - 1u - x % 0x100u; /* wraps */
	}
}

/* ---- the checks */
static int placed_at(uint32_t a)
{
	for (uint32_t i = 0; i < m.n_placed; i++)
		if (m.placed[i] == a)
			return 1;
	return 0;
}

static void unplace(uint32_t a)
{
	for (uint32_t i = 0; i < m.n_placed; i++)
		if (m.placed[i] == a) {
			m.placed[i] = m.placed[--m.n_placed];
			return;
		}
}

static void check_flash(const char *when)
{
	if (m.n_placed > MVL_BREAK_MAX)
		FAIL("%s: %u breakpoints in place", when, m.n_placed);
	for (uint32_t i = 0; i < m.n_placed; i++)
		if (fl16(m.placed[i]) != BKPT)
			FAIL("%s: no BKPT at %#x, a breakpoint in place (%#06x)", when, m.placed[i], fl16(m.placed[i]));
	for (uint32_t i = 0; i < m.n_touched; i++) {
		uint32_t a = m.touched[i];

		if (!placed_at(a) && fl16(a) != im16(a))
			FAIL("%s: app flash at %#x holds %#06x, the image %#06x", when, a, fl16(a), im16(a));
	}
	if (m.touched_overflow && m.n_placed == 0 && memcmp(flash, image, FL_SIZE) != 0)
		FAIL("%s: app flash differs from the image", when);
}

static void check_state(const char *when)
{
	if (mv_dbg_state != m.st)
		FAIL("%s: agent state %u, expected %u", when, mv_dbg_state, m.st);
	check_flash(when);
}

/* After mv_debug_start() or mv_debug_end(): no breakpoint anywhere. */
static void check_clean(const char *when)
{
	m.n_placed = 0;
	m.st = MVL_DS_RUNNING;
	check_state(when);
}

static void end_session(void)
{
	if (!m.session)
		return;
	m.session = 0;
	mv_debug_end();
	check_clean("session end");
}

/* An app start: mv_start_app() calls mv_debug_start() first. */
static void app_start(int runs)
{
	crash_state.starts++;
	m.runs = runs;
	m.pended = 0;
	mv_debug_start();
	if (m.held)
		FAIL("the watchdog held after mv_debug_start()");
	check_clean("app start");
}

static void power_on(void)
{
	m.session = 0;
	m.held = 0;
	m.depth = 0;
	crash_state.starts = 0;
	app_start(m.runs);
}

/* ---- requests */
static struct mvl_dstate dbuf;
static uint8_t padbuf[MVL_PAYLOAD_MAX + 8u];
static const uint8_t sentinel;

static void check_dstate(void)
{
	const struct mvl_dstate *d = &dbuf;
	uint32_t want = m.runs ? m.st : MVL_DS_NO_APP;

	if (d->ld_state != want || d->ld_starts != crash_state.starts || d->ld_skipped != m.skipped)
		FAIL("STATE: state %u starts %u skipped %u, expected %u %u %u", d->ld_state, d->ld_starts,
		     d->ld_skipped, want, crash_state.starts, m.skipped);
	struct mvl_regs g;

	memset(&g, 0, sizeof g);
	uint32_t why = 0;

	if (want == MVL_DS_HALTED) {
		volatile uint32_t *f = m.frame;

		why = m.why;
		for (uint32_t i = 0; i < 4u; i++)
			g.lg_r[i] = f[i];
		for (uint32_t i = 4u; i < 12u; i++)
			g.lg_r[i] = m.saved[i - 3u];
		g.lg_r[12] = f[4];
		g.lg_sp = m.sp;
		g.lg_lr = f[5];
		g.lg_pc = f[6];
		g.lg_xpsr = f[7];
	}
	if (d->ld_why != why || memcmp(&d->ld_regs, &g, sizeof g) != 0)
		FAIL("STATE: why %u (expected %u) or the registers are not the model's", d->ld_why, why);
}

/* Whether the breakpoint page has a slot with both words erased. */
static int page_has_free(void)
{
	for (uint32_t i = 0; i < ST_PAGE; i += 8u) {
		const uint8_t *s = state + (BK_PAGE - ST_BASE) + i;

		if ((mvb_get_le32(s) & mvb_get_le32(s + 4)) == 0xffffffffu)
			return 1;
	}
	return 0;
}

static uint8_t *req_copy; /* the exact-size copy: a cut may longjmp out before it is freed */

static void request(uint32_t type, const uint8_t *pl, uint32_t n)
{
	free(req_copy);
	req_copy = pad ? NULL : malloc(n ? n : 1u);
	uint8_t *p = pad ? padbuf : req_copy;
	const void *out = &sentinel;
	uint32_t len = 0xdeadbeefu, code, want = 0, full_ok = 0;
	uint32_t a = n >= 4u ? mvb_get_le32(pl) : 0u, k = n >= 6u ? mvb_get_le16(pl + 4) : 0u;
	volatile uint32_t *f = m.frame;
	uint32_t f7 = 0, saved0 = 0, saved9 = 0;

	if (!p)
		FAIL("out of memory");
	memcpy(p, pl, n);
	if (!m.session) { /* link.c answers error 8 without asking the agent: an AUTH first */
		m.session = 1;
		if (trace)
			fprintf(stderr, "  session opened\n");
	}
	/* what mvbuild-link(5) says the answer is */
	if (!m.runs && type != MVL_T_STATE) {
		want = MVL_E_RUNNING;
	} else {
		switch (type) {
		case MVL_T_HALT:
		case MVL_T_STATE:
		case MVL_T_CONTINUE:
		case MVL_T_RESTART:
			break;
		case MVL_T_REGS:
			if (m.st != MVL_DS_HALTED)
				want = MVL_E_RUNNING;
			else if (n != sizeof(struct mvl_regs) || mvb_get_le32(pl + 0x34) != m.sp)
				want = MVL_E_BAD_REQUEST;
			else {
				f7 = f[7];
				saved0 = m.saved[0];
				saved9 = m.saved[9];
			}
			break;
		case MVL_T_MEM_READ:
		case MVL_T_MEM_WRITE:
			if (n < 8u || k == 0u || k > MVL_MEM_MAX || (type == MVL_T_MEM_WRITE && n != 8u + k))
				want = MVL_E_BAD_REQUEST;
			else if (type == MVL_T_MEM_WRITE ? !in(a, k, RAM_BASE, RAM_SIZE)
			                                 : !in(a, k, RAM_BASE, RAM_SIZE) && !in(a, k, FL_BASE, FL_SIZE))
				want = MVL_E_ACCESS;
			break;
		case MVL_T_BREAK:
			if (n != sizeof(struct mvl_break))
				want = MVL_E_BAD_REQUEST;
			else if ((a & 1u) || !in(a, 2u, FL_BASE, FL_SIZE))
				want = MVL_E_ACCESS;
			else if (mvb_get_le32(pl + 4) != 0u && !placed_at(a)) {
				if (m.n_placed >= MVL_BREAK_MAX)
					want = MVL_E_FULL;
				else
					full_ok = !page_has_free() &&
					          m.n_placed != 0u; /* the page: no slot free, none erasable */
			}
			break;
		default:
			want = MVL_E_UNSUPPORTED;
			break;
		}
	}
	m.ns_calls = 0;
	m.restart_asked = 0;
	code = mv_debug_request(type, p, n, &dbuf, &out, &len);
	if (trace)
		fprintf(stderr, "  request %u, %u bytes -> %u (expected %u)\n", type, n, code, want);
	if (code > MVL_E_FULL)
		FAIL("request %u: error %u, not one mvbuild-link(5) defines", type, code);
	if (code != want && !(full_ok && code == MVL_E_FULL))
		FAIL("request %u (%u bytes): answered %u, expected %u", type, n, code, want);
	if ((code == MVL_E_BAD_REQUEST || code == MVL_E_RUNNING || code == MVL_E_ACCESS) && m.ns_calls)
		FAIL("request %u refused with %u after asking for app memory", type, code);
	if (m.restart_asked != (code == 0u && type == MVL_T_RESTART))
		FAIL("request %u: a restart %s", type, m.restart_asked ? "asked" : "not asked");
	int gives = code == 0u && (type == MVL_T_STATE || type == MVL_T_MEM_READ);

	if (!gives && (out != &sentinel || len != 0xdeadbeefu))
		FAIL("request %u (error %u) set a response", type, code);
	if (code == 0u && type == MVL_T_STATE) {
		if (out != &dbuf || len != sizeof dbuf)
			FAIL("STATE: a response of %u bytes not in the buffer", len);
		check_dstate();
	}
	if (code == 0u && type == MVL_T_MEM_READ) {
		const uint8_t *w = in(a, k, RAM_BASE, RAM_SIZE) ? ram + (a - RAM_BASE) : flash + (a - FL_BASE);

		if (out != w || len != k)
			FAIL("MEM_READ %#x+%u: answered %u bytes at the wrong place", a, k, len);
	}
	if (code == 0u && type == MVL_T_MEM_WRITE && memcmp(ram + (a - RAM_BASE), pl + 8, k) != 0)
		FAIL("MEM_WRITE %#x+%u: the bytes are not in RAM", a, k);
	if (code == 0u && type == MVL_T_REGS) {
		struct mvl_regs g;

		memcpy(&g, pl, sizeof g);
		for (uint32_t i = 0; i < 4u; i++)
			if (f[i] != g.lg_r[i])
				FAIL("REGS: r%u not written", i);
		for (uint32_t i = 4u; i < 12u; i++)
			if (m.saved[i - 3u] != g.lg_r[i])
				FAIL("REGS: r%u not written", i);
		if (f[4] != g.lg_r[12] || f[5] != g.lg_lr || f[6] != (g.lg_pc & ~1u) ||
		    f[7] != ((f7 & ~0xf80f0000u) | (g.lg_xpsr & 0xf80f0000u)) || m.saved[0] != saved0 ||
		    m.saved[9] != saved9)
			FAIL("REGS: r12, lr, pc or xPSR wrong, or more written");
	}
	/* the model follows the answer */
	if (code == 0u) {
		if (type == MVL_T_HALT && m.st == MVL_DS_RUNNING) {
			m.st = MVL_DS_HALTING;
			m.why = MVL_DW_REQUEST;
			if (!m.pended)
				FAIL("HALT did not ask the arch for the halt exception");
		}
		if (type == MVL_T_CONTINUE && m.st == MVL_DS_HALTED)
			m.st = MVL_DS_RUNNING;
		if (type == MVL_T_BREAK && mvb_get_le32(pl + 4) != 0u && !placed_at(a))
			m.placed[m.n_placed++] = a;
		else if (type == MVL_T_BREAK && mvb_get_le32(pl + 4) == 0u)
			unplace(a);
	}
	check_state("request");
	if (m.restart_asked)
		longjmp(jb, JB_RESTART);
}

static void op_request(int raw)
{
	uint8_t t = get8(), fl = 0;
	uint32_t type = raw ? t : (t >= 0xf0u ? t & 0x0fu : 4u + t % 8u), n = 0;
	static uint8_t pl[MVL_PAYLOAD_MAX];

	memset(pl, 0, sizeof pl);
	if (raw) {
		n = get16() % (MVL_PAYLOAD_MAX + 1u);
		for (uint32_t i = 0; i < n; i++)
			pl[i] = get8();
		request(type, pl, n);
		return;
	}
	switch (type) {
	case MVL_T_REGS:
		fl = get8();
		for (uint32_t i = 0; i < sizeof(struct mvl_regs); i++)
			pl[i] = get8();
		if (!(fl & 1u))
			mvb_set_le32(pl + 0x34, m.sp);
		n = (fl & 2u) ? get8() : sizeof(struct mvl_regs);
		break;
	case MVL_T_MEM_READ:
	case MVL_T_MEM_WRITE: {
		uint32_t a = pick_addr(), k = get16();

		fl = get8();
		k = (k & 0x8000u) ? k & 0x7fffu : 1u + k % MVL_MEM_MAX;
		mvb_set_le32(pl, a);
		mvb_set_le16(pl + 4, (uint16_t)k);
		n = 8u;
		if (type == MVL_T_MEM_WRITE && k <= MVL_MEM_MAX) {
			for (uint32_t i = 0; i < k; i++)
				pl[8u + i] = (fl & 4u) ? (uint8_t)(i * 13u) : get8();
			n += k;
		}
		if (fl & 1u)
			n = get16() % (MVL_PAYLOAD_MAX + 1u);
		break;
	}
	case MVL_T_BREAK:
		mvb_set_le32(pl, pick_addr());
		fl = get8();
		mvb_set_le32(pl + 4, (fl & 0x80u) ? get32() : fl & 1u);
		n = (fl & 2u) ? get8() % 16u : 8u;
		break;
	default:
		fl = get8();
		n = (fl & 1u) ? get8() % 16u : 0u;
		for (uint32_t i = 0; i < n; i++)
			pl[i] = get8();
		break;
	}
	request(type, pl, n);
}

/* A BKPT reached at pc. */
static void op_trap(void)
{
	static uint32_t frame[8];
	uint8_t k = get8();
	uint32_t x = get32(), pc;
	int haltable = (k & 0x80u) && m.depth == 0; /* a halted app runs only its handlers */

	switch (k % 3u) {
	case 0:
		pc = m.n_placed ? m.placed[x % m.n_placed] : FL_BASE + 2u * (x % 0x400u);
		break;
	case 1:
		pc = FL_BASE + own_bkpt[x % 3u];
		break;
	default:
		pc = FL_BASE + 2u * (x % 0x400u);
		break;
	}
	if (!in(pc, 2u, FL_BASE, FL_SIZE) || fl16(pc) != BKPT || !m.runs)
		return; /* no BKPT there: the app does not trap */
	for (uint32_t i = 0; i < 8u; i++)
		frame[i] = 0x11111111u * i;
	frame[6] = pc;
	uint32_t ours = placed_at(pc);
	int r = mv_debug_trap(frame, haltable);

	if (trace)
		fprintf(stderr, "  trap at %#x%s -> %d (expected %u)\n", pc, haltable ? " haltable" : "", r, ours);
	if (r != (int)ours)
		FAIL("trap at %#x: %d, expected %u", pc, r, ours);
	if (ours && m.session && !haltable) {
		unplace(pc);
		m.skipped++;
	} else if (ours && m.session) {
		m.st = MVL_DS_HALTING;
		m.why = MVL_DW_BREAK;
		if (!m.pended)
			FAIL("a breakpoint did not ask for the halt exception");
	}
	check_state("trap");
}

/* The halt exception (or a secure call's exit) over the app's thread. */
static void op_halt(void)
{
	static uint32_t saved[10];
	static uint32_t sframe[8];
	uint8_t k = get8();
	uint32_t xo = get32();

	for (uint32_t i = 0; i < 10u; i++)
		saved[i] = (k & 2u) ? get32() : 0x01010101u * (i + 3u);
	if (!m.pended || m.depth != 0 || !m.runs)
		return;
	m.pended = 0;
	int halts = m.st == MVL_DS_HALTING;
	volatile uint32_t *f;
	uint32_t sp = 0;

	if (k & 1u) {
		frame_off = (k & 4u) ? ~0u : (xo % RAM_SIZE) & ~7u;
		f = mv_arch_ns_frame(saved[9]);
		if (f == 0)
			halts = 0;
		else
			sp = (uint32_t)(uintptr_t)f + ((saved[9] & 0x10u) ? 32u : 104u) + ((f[7] >> 7) & 4u);
	} else {
		for (uint32_t i = 0; i < 8u; i++)
			sframe[i] = (k & 8u) ? get32() : 0x10203040u + i;
		f = sframe;
		sp = xo;
	}
	if (halts) {
		m.frame = f;
		m.saved = saved;
		m.sp = sp;
		m.st = MVL_DS_HALTED;
	}
	if (trace)
		fprintf(stderr, "  halt exception%s\n", halts ? ": halted" : " (no halt)");
	m.depth++;
	if (k & 1u)
		mv_debug_halt(saved);
	else
		mv_debug_halt_call(saved, sframe, sp);
	m.depth--;
	if (m.held)
		FAIL("the watchdog still held after the halt");
	if (halts && m.st == MVL_DS_HALTED)
		FAIL("the halt ended while the model says halted");
	check_state("halt");
}

static void run_op(void)
{
	uint8_t op = get8();

	if (trace)
		fprintf(stderr, "op %u at %zu (depth %d, state %u)\n", op % 7u, in_i - 1u, m.depth, m.st);
	switch (op % 7u) {
	case 0:
	case 1:
		op_request(0);
		break;
	case 2:
		op_trap();
		break;
	case 3:
		op_halt();
		break;
	case 4:
		if (get8() & 1u)
			end_session();
		else
			m.session = 1;
		break;
	case 5: {
		uint8_t k = get8() % 4u;

		if (k == 0u) /* the app restarted (its watchdog, a crash, mv_restart_app) */
			longjmp(jb, JB_RESTART);
		if (k == 1u) /* it stops: an update, safe mode */
			longjmp(jb, JB_STOP);
		if (k == 2u && !m.runs && m.depth == 0) { /* an app starts again */
			app_start(1);
			break;
		}
		if (k == 3u)
			longjmp(jb, JB_CUT);
		break;
	}
	default:
		op_request(1);
		break;
	}
}

static void setup(void)
{
	void *a = mmap(NULL, FL_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *s = mmap(NULL, ST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t x = 0x2545f491u;

	image = malloc(FL_SIZE);
	ram = calloc(1, RAM_SIZE);
	if (a == MAP_FAILED || s == MAP_FAILED || !image || !ram)
		FAIL("no memory for the device");
	flash = a;
	state = s;
	for (uint32_t i = 0; i < FL_SIZE; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		image[i] = (uint8_t)x;
	}
	/* the app's own BKPTs, and erased halfwords (what a torn slot holds) */
	own_bkpt[0] = 0x100u, own_bkpt[1] = 0x102u, own_bkpt[2] = 0x7fe;
	for (uint32_t i = 0; i < 3u; i++)
		image[own_bkpt[i]] = 0x00, image[own_bkpt[i] + 1u] = 0xbe;
	memset(image + 0x200, 0xff, 0x20);
	memcpy(flash, image, FL_SIZE);
	prot(flash, FL_SIZE, 0);
	memset(state, 0xff, ST_SIZE);
	prot(state, ST_SIZE, 0);
	trace = getenv("MVB_FUZZ_TRACE") != NULL;
	pad = getenv("MVB_FUZZ_DEBUG_PAD") != NULL && strcmp(getenv("MVB_FUZZ_DEBUG_PAD"), "0") != 0;
	atomic = getenv("MVB_FUZZ_DEBUG_ATOMIC") != NULL && strcmp(getenv("MVB_FUZZ_DEBUG_ATOMIC"), "0") != 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;

	if (size < HEAD)
		return 0;
	if (!started) {
		setup();
		started = 1;
	}
	/* a fresh device: the image as built, the state partition erased */
	prot(flash, FL_SIZE, 1);
	for (uint32_t i = 0; i < m.n_touched; i++)
		memcpy(flash + (m.touched[i] - FL_BASE), image + (m.touched[i] - FL_BASE), 2);
	if (m.touched_overflow)
		memcpy(flash, image, FL_SIZE);
	prot(flash, FL_SIZE, 0);
	prot(state, ST_SIZE, 1);
	memset(state, 0xff, ST_SIZE);
	prot(state, ST_SIZE, 0);
	uint32_t skipped = m.skipped;

	memset(&m, 0, sizeof m);
	m.skipped = skipped;
	m.torn = (data[0] & F_TORN) != 0 && !atomic;
	m.runs = !(data[0] & F_NO_APP);
	in_p = data + HEAD;
	in_n = size - HEAD;
	in_i = 0;
	frame_off = 0;

	power_on(); /* a fresh device: nothing to cut yet */
	if (data[0] & F_SESSION)
		m.session = 1;
	m.steps = 0;
	m.cut1 = mvb_get_le16(data + 1);
	m.cut2 = mvb_get_le16(data + 3);
	for (;;) {
		/* where a power cut, a restart or a stop lands (setjmp only as a
		 * switch's whole controlling expression) */
		switch (setjmp(jb)) {
		case JB_CUT:
			if (trace)
				fprintf(stderr, "  power on\n");
			power_on();
			continue;
		case JB_RESTART:
			if (trace)
				fprintf(stderr, "  app restart\n");
			m.depth = 0;
			app_start(m.runs);
			continue;
		case JB_STOP:
			if (trace)
				fprintf(stderr, "  app stops\n");
			m.depth = 0;
			app_start(0);
			continue;
		default:
			break;
		}
		if (in_i >= in_n)
			break;
		run_op();
		if (m.held)
			FAIL("the watchdog held while the app runs");
	}
	end_session();
	check_state("input end");
	return 0;
}
