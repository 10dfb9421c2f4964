/*
 * core.h - the portable microvisor core: app-header validation, resource
 * grants, secure-call argument checks, fault policy and the boot sequence.
 *
 * The core is plain C over memory.  It includes only the mv/ headers, the
 * shared format header <mvb/app_header.h> and the generated board config
 * "mv_board.h", so it builds unchanged on the host against the fake port
 * (firmware/host) and is unit-tested there.  Functions that check input
 * return a reason code (mv/reason.h; MV_R_NONE = accepted) and change
 * nothing before every check has passed.
 */
#ifndef MV_CORE_H
#define MV_CORE_H

#include <stdint.h>

#include <mvb/app_header.h>

#include "msg.h"
#include "reason.h"

/* Microvisor firmware version (8.8.16 bits, MVB_VERSION_PACK) and the ABI it serves. */
#define MV_FW_VERSION MVB_VERSION_PACK(0, 1, 0)
#define MV_CORE_ABI MVB_ABI_PACK(1, 4)

/* Crash policy: a crash within MV_CRASH_WINDOW_MS of the app's start counts
 * as "in a row"; the MV_CRASH_LIMIT-th such crash stops the app for good.
 * Restarts wait MV_BACKOFF_BASE_MS, doubling per crash in a row. */
#define MV_CRASH_LIMIT 3u
#define MV_CRASH_WINDOW_MS 5000u
#define MV_BACKOFF_BASE_MS 10u
#define MV_TICKS_HZ 1000u
/* Restart causes besides the app's MV_RESTART_REQUEST and MV_RESTART_CRASH. */
#define MV_RESTART_WATCHDOG 2u /* the watchdog fired */
#define MV_RESTART_UPDATE 3u   /* the other end of the link asked for an update session */

/* ---------------------------------------------------------------- crypto */
#define MV_SHA256_LEN 32u

struct mv_sha256 {
	uint32_t h[8];
	uint32_t total_lo, total_hi; /* message length in bytes */
	uint32_t fill;               /* bytes waiting in buf */
	uint8_t buf[64];
};

void mv_sha256_init(struct mv_sha256 *c);
void mv_sha256_update(struct mv_sha256 *c, const void *data, uint32_t len);
void mv_sha256_final(struct mv_sha256 *c, uint8_t out[MV_SHA256_LEN]);

/* CRC-32 as in zlib (reflected 0xEDB88320); pass 0 as crc to start. */
uint32_t mv_crc32(uint32_t crc, const void *data, uint32_t len);

/* Compare without an early exit, so timing does not tell where bytes differ. */
int mv_memeq_ct(const void *a, const void *b, uint32_t len);

/* ----------------------------------------------------------- app header */
struct mv_app_limits {
	uint32_t flash_base, flash_size; /* app_flash, non-secure alias */
	uint32_t ram_base, ram_size;     /* app_ram, non-secure alias */
	uint32_t abi;                    /* MVB_ABI_PACK the microvisor serves */
	uint32_t vtor_align;             /* alignment the image start needs as VTOR_NS */
};

/* Where and how to enter a validated app. */
struct mv_app_entry {
	uint32_t vtor;  /* image start, becomes VTOR_NS */
	uint32_t msp;   /* initial MSP_NS from vector 0 */
	uint32_t reset; /* reset handler from vector 1 (Thumb bit set) */
	uint32_t size;  /* image bytes from vtor */
};

/* The limits of this board, from the generated config. */
void mv_app_limits_board(struct mv_app_limits *lim);

/* Alignment VTOR needs for a table of 16 + nirqs vectors (power of two, >= 128). */
uint32_t mv_vtor_align(uint32_t nirqs);

/* Header fields only: magic, format, size, CRC, flags, ABI, image range
 * and alignment.  `h` must be a private copy (the caller copies the header
 * out of flash once and checks that copy only). */
uint32_t mv_apphdr_check(const struct mvb_app_header *h, const struct mv_app_limits *lim);

/* The image itself: SHA-256 against the header, then the two vectors.
 * `image` is ah_image_size readable bytes; call only after mv_apphdr_check
 * accepted `h`, which bounds the size by the partition before any hashing. */
uint32_t mv_app_verify_image(const struct mvb_app_header *h, const uint8_t *image, const struct mv_app_limits *lim,
                             struct mv_app_entry *out);

/* Word `w` of a gate lookup table in which blocks [first, last) are set:
 * memory gates (MPC, MPCBB) keep one bit per block, 32 blocks a word. */
uint32_t mv_block_mask(uint32_t first, uint32_t last, uint32_t w);

/* Memory gates, for the ports: the app partitions (app_flash, app_ram)
 * are the only non-secure memory.  mv_gate_layout() refuses a board
 * where an app partition sits behind none of the port's `gates`, or is
 * not made of whole blocks of the gate at `gate` (block bytes each,
 * `blocks` blocks in all); mv_gate_ns_word() is word `w` of that gate's
 * lookup table with a bit set for every app block (1 = non-secure). */
uint32_t mv_gate_layout(const uint32_t *gates, uint32_t n_gates);
uint32_t mv_gate_geometry(uint32_t gate, uint32_t block, uint32_t blocks);
uint32_t mv_gate_ns_word(uint32_t gate, uint32_t block, uint32_t w);

/* Peripheral gates, for the ports: `of[i]` is board peripheral i's gate
 * register (0: none) and bit.  For each of the port's registers regs[g],
 * ns[g] gets the bits of the peripherals in `periph`, named[g] the bits
 * of every peripheral of the board (named may be NULL: not wanted).
 * MV_R_HW_PPC if a peripheral in `periph` has no gate among `regs`. */
struct mv_gate_bit {
	uint32_t reg;
	uint32_t bit;
};
uint32_t mv_gate_bits(const uint32_t periph[MVB_APPHDR_PERIPH_WORDS], const struct mv_gate_bit *of, uint32_t n_periph,
                      const uint32_t *regs, uint32_t n_regs, uint32_t *ns, uint32_t *named);

/* -------------------------------------------------------------- grants */
struct mv_grant {
	uint32_t periph[MVB_APPHDR_PERIPH_WORDS]; /* bit i: board peripheral i is the app's */
	uint32_t irq[MVB_APPHDR_IRQ_WORDS];       /* bit n: NVIC IRQ n targets the app */
};

/* Turn the header's requests into a grant, refusing anything the board
 * does not mark owner: app, anything without a gate, and IRQs that do not
 * belong to a granted peripheral.  `g` is written only on success. */
uint32_t mv_grant_plan(const struct mvb_app_header *h, struct mv_grant *g);
/* Name of board peripheral `index` as the manifest spells it. */
const char *mv_periph_name(uint32_t index);

/* ---------------------------------------------------------------- faults */
struct mv_fault {
	uint32_t exc;     /* exception number (IPSR) */
	uint32_t from_ns; /* the interrupted context was non-secure */
	uint32_t reason;  /* MV_R_APP_* or MV_R_MV_* classification */
	uint32_t cfsr, hfsr, sfsr, bfar;
	uint32_t frame_ok; /* pc/lr/xpsr below came from a checked stack frame */
	uint32_t pc, lr, xpsr;
	const char *extra_name; /* port status register worth printing (e.g. "SECPPCINTSTAT"), or NULL */
	uint32_t extra;
	uint32_t nested; /* another exception is still active: no clean restart possible */
	uint32_t psp;    /* the app's frame is on its PSP (thread mode, CONTROL_NS.SPSEL) */
};

/* What a fault handler knows that the app cannot forge, for deciding whose
 * fault it is (mv_fault_origin). */
struct mv_fault_facts {
	uint32_t exc;       /* exception number (IPSR) */
	uint32_t sfsr;      /* secure fault status */
	uint32_t cfsr;      /* secure bank of CFSR */
	uint32_t frame_ns;  /* the fault's frame went to a non-secure stack */
	uint32_t violation; /* a port's violation interrupt (PPC/MPC) */
};

/* SFSR and CFSR bits the classification reads (Armv8-M). */
#define MV_SFSR_INVEP (1u << 0)
#define MV_SFSR_INVIS (1u << 1)
#define MV_SFSR_INVER (1u << 2)
#define MV_SFSR_AUVIOL (1u << 3)
#define MV_SFSR_INVTRAN (1u << 4)
#define MV_SFSR_LSPERR (1u << 5)
#define MV_SFSR_LSERR (1u << 7)
#define MV_CFSR_INVSTATE (1u << 17)
#define MV_CFSR_INVPC (1u << 18)
#define MV_CFSR_STKOF (1u << 20)

/* Non-zero if the fault is the app's doing (contained: count and
 * restart), zero if it is the microvisor's own (safe mode).  The app's:
 * anything stacked on its own stacks, every fault of a security-state
 * transition it made (a call into secure code, an exception return into
 * secure code, a branch to non-secure code, lazy FP stacking), an invalid
 * exception return and a secure stack overflow (frames it stacked on a
 * secure context by preempting calls).  Never decided from EXC_RETURN
 * bits alone: an app handler can return with any value. */
int mv_fault_is_app(const struct mv_fault_facts *ff);

struct mv_crash_state {
	uint32_t starts;      /* app starts since power-on */
	uint32_t crashes;     /* crashes in a row */
	uint32_t last_reason; /* reason of the last crash */
	uint32_t start_tick;  /* mv ticks at the last start */
};

enum mv_crash_action { MV_ACT_RESTART = 0, MV_ACT_SAFE = 1 };

/* Book a start (at tick `now`). */
void mv_crash_started(struct mv_crash_state *s, uint32_t now);
/* Book a crash at tick `now`; returns MV_ACT_RESTART with *delay_ms set,
 * or MV_ACT_SAFE once MV_CRASH_LIMIT crashes came in a row. */
enum mv_crash_action mv_crash_decide(struct mv_crash_state *s, uint32_t reason, uint32_t now, uint32_t *delay_ms);

/* ------------------------------------------------------ secure contexts */
/* Secure calls from app threads run in secure thread mode on a secure
 * context (a stack of its own, PSP_S): context 0 is shared by every
 * thread; 1..MV_SCTX_COUNT-1 are handed out through the TrustZone context
 * calls, so that an RTOS can give each thread its own.  A context holds
 * the frames of at most one call in progress: a thread-mode call that
 * finds its context busy is refused (MV_EBUSY), which keeps every secure
 * stack strictly last-in first-out whatever the app's scheduler does.
 * The bookkeeping is here; the stacks and PSP_S are the arch layer's. */
#define MV_SCTX_COUNT 8u

/* Every app start: all contexts free and empty, context 0 loaded. */
void mv_sctx_reset(void);
/* Thread-mode call entry: claim the loaded context (*idx = its index);
 * 0 if a call is already in progress on it. */
int mv_sctx_claim(uint32_t *idx);
void mv_sctx_release(uint32_t idx);
/* The TrustZone context calls (CMSIS semantics: 1 ok, 0 refused; alloc
 * returns the id or 0).  `handler` is non-zero when the caller is an app
 * exception handler: only there may the loaded context change. */
uint32_t mv_sctx_init_system(void);
uint32_t mv_sctx_alloc(void);
uint32_t mv_sctx_free(uint32_t id, int handler);
uint32_t mv_sctx_load(uint32_t id, int handler);
uint32_t mv_sctx_store(uint32_t id, int handler);
/* Index of the loaded context (tests, status). */
uint32_t mv_sctx_current(void);

/* ------------------------------------------------- secure-call back ends */
/* Each takes the raw NS arguments; the cmse_nonsecure_entry wrappers in
 * the arch layer only forward them.  Pointers are checked here. */
int32_t mv_scall_info(void *out, uint32_t size);
int32_t mv_scall_log(const char *msg, uint32_t len);
int32_t mv_scall_wait(uint32_t ms);
int32_t mv_scall_restart(uint32_t why);
int32_t mv_scall_exit(uint32_t code);
int32_t mv_scall_watchdog_feed(void);
int32_t mv_scall_update_check(void);
int32_t mv_scall_update_confirm(void);

/* The secure tick, every millisecond: a missed watchdog deadline pends a
 * restart of the app as a crash (MV_R_APP_WATCHDOG). */
void mv_watchdog_tick(uint32_t now);

/* ---------------------------------------------------------- provisioning */
/* The provisioning record (mvbuild-provision(5)) in the device-state
 * partition: load and check it (MV_PROV_*), then its trust anchors
 * (X || Y, 64 bytes each) and serial for the update client and HELLO. */
#define MV_PROV_OK 0u
#define MV_PROV_NONE 1u       /* no valid record */
#define MV_PROV_NO_ANCHORS 2u /* a record without trust anchors */
uint32_t mv_prov_load(void);
/* The same from a copy of the partition's first 512 bytes (host tests). */
uint32_t mv_prov_parse(const volatile uint8_t *src);
void mv_prov_report(uint32_t r);
uint32_t mv_prov_anchors(void);
const uint8_t *mv_prov_anchor_point(uint32_t i);
const uint8_t *mv_prov_anchor_id(uint32_t i);
const char *mv_prov_serial(void);
/* The app the device follows (pv_app): "" when the record names none. */
const char *mv_prov_app(void);
/* The debug key the device trusts (8-byte key id, then X || Y), or 0. */
const uint8_t *mv_prov_debug_key(void);

/* ------------------------------------------------------------------ link */
/* The update link (mvbuild-link(5)) on the board's 'link' UART, if any:
 * mv_link_init at boot (before any output worth mirroring), then HELLO at
 * every app start and in safe mode, every console byte mirrored as LINE
 * frames, and each received byte from the port's interrupt. */
void mv_link_init(void);
int mv_link_up(void);
void mv_link_hello(const struct mvb_app_header *h, uint32_t state, uint32_t reason, uint32_t floor,
                   uint32_t index_version);
void mv_link_console(const char *s, uint32_t n);
void mv_link_rx_byte(uint8_t b);
/* From the microvisor's thread with the app stopped: send a request and
 * wait for its response (MV_LINK_TRIES tries of MV_LINK_WAIT_MS each);
 * 0 with the payload in resp (*n bytes), or MV_LINK_E_*.  cap 0: sent
 * once, no response waited for (MV_LINK_E_TIMEOUT). */
#define MV_LINK_TRIES 3u
#define MV_LINK_WAIT_MS 1000u
#define MV_LINK_E_TIMEOUT (-1) /* no response */
#define MV_LINK_E_ERROR (-2)   /* an error response */
#define MV_LINK_E_BAD (-3)     /* a response larger than asked for */
int mv_link_call(uint8_t stream, uint8_t type, const void *req, uint32_t len, uint8_t *resp, uint32_t cap,
                 uint32_t *n);
void mv_link_report(uint32_t outcome, uint32_t reason, uint32_t from, uint32_t to, uint32_t bytes);
/* UPDATE_NOW arrived (and was answered): the app is being stopped for an
 * update session; done clears it. */
int mv_link_update_asked(void);
void mv_link_update_done(void);
void mv_link_update_busy(void);
/* Ask for an update session with the app stopped: from the other end
 * (UPDATE_NOW: from_app 0) an app that declared an update deferral is
 * told and stopped at its deadline instead (mv_boot_defer_update); from
 * the app (mv_update_check: from_app 1) at once, a deferred one too.  0,
 * -1 when one is already asked for (or no link), -2 while a release is
 * on trial (no session then: mv_update_session never runs on trial). */
int mv_link_ask_update(int from_app);
/* The running app's update deferral (boot.c): 1 when it declared one and
 * its deadline now runs (the tick stops the app when it passes), 0 when
 * it must stop at once; take_deferred ends a running deferral (1 if one
 * ran). */
int mv_boot_defer_update(void);
int mv_boot_take_deferred(void);
/* The tick by which a deferred update stops the app (mv_info), 0: none. */
uint32_t mv_boot_update_due(void);
/* STATUS (mvbuild-link(5)): the boot's part of the device's status: state,
 * safe mode's reason, the app its last start checked, the crash counts. */
struct mvl_status;
void mv_boot_status(struct mvl_status *m);

/* ---------------------------------------------------------------- update */
/* One update session over the link with the app stopped
 * (mvbuild-link(5), "The device's update session"): returns the REPORT
 * outcome it sent. */
uint32_t mv_update_session(void);
/* From the device's update record: the rollback floor (the highest
 * security counter installed), and whether an install waits to be
 * finished (the app must not run then). */
uint32_t mv_update_floor(void);
/* Non-zero if sig (r || s) is pub's ECDSA P-256 signature of hash; for
 * the link's AUTH, while an app runs (the image with the update client). */
int mv_update_verify_rs(const uint8_t pub[64], const uint8_t hash[32], const uint8_t sig[64]);
/* While held (non-zero), the app's watchdog does not run out: the
 * microvisor holds the app off for a long check (an AUTH's signature);
 * released, the app's deadline starts again. */
void mv_boot_hold_watchdog(uint32_t held);
/* Non-zero while an app runs (on trial or not): no install, no safe mode. */
int mv_boot_app_runs(void);
uint32_t mv_update_index_version(void); /* the last channel index version accepted */
int mv_update_pending(void); /* an install, or a revert, waits to be finished */
/* The trial after an install (mvbuild-devstate(5)): whether the record
 * says the installed release is on trial; confirm it (IDLE, floor raised,
 * a REPORT); reject it (REVERTING: the next session puts the replaced
 * release back); the record's part of STATUS. */
int mv_update_on_trial(void);
void mv_update_confirm_trial(void);
void mv_update_reject(uint32_t why);
void mv_update_status(struct mvl_status *m);
/* boot.c: end the running trial with a confirm (mv_update_confirm()), and
 * the tick at which the running trial is decided (mv_info), 0: none. */
int32_t mv_boot_confirm(void);
uint32_t mv_boot_trial_due(void);
/* Whether the running (or restarting) app runs on trial. */
int mv_boot_on_trial(void);
#define MV_UPDATE_RETRY_MS 5000u /* between sessions while an install waits */

/* A static of more than a few words goes in a .bss section of its own,
 * which microvisor.ld places before the rest: the compiler addresses the
 * other statics from one anchor, and with no buffer among them their
 * offsets stay below 128 bytes, in reach of 16-bit loads and stores
 * (356 bytes less code in microvisor-ota.elf, 280 in microvisor.elf). */
#define MV_BSS_APART(name) __attribute__((section(".bss.mv_" #name)))

/* --------------------------------------------------------------- console */
/* printf subset: %s %% and, taking uint32_t, %u, %x (always "0x"
 * and 8 digits) and %v (a version word as major.minor.patch).  The
 * microvisor's own lines are message tokens (msg.h) that mvbuild decode
 * and mvbuild serve replace with their texts: the texts live on the
 * host, not in the microvisor's flash.  A format that begins with a
 * token ('{') begins a line: "mv: " goes out first (a token that goes on
 * a line is printed through "%s").  No format attribute: uint32_t is
 * unsigned long on the target and unsigned int on the host. */
void mv_printf(const char *fmt, ...);
/* A message token (msg.h) from its word, MV_MSGW(MV_M_NAME), and its
 * values: the same bytes as mv_printf(MV_MSG(MV_M_NAME) "\n", ...), or
 * without the line end with MV_MSG_OPEN in the word, from a word in
 * place of a format string (about 290 bytes less in all). */
void mv_msg(uint32_t w, ...);
/* App text: "app: " at each line start, anything but printable ASCII and
 * '\n' shown as '?'. */
void mv_app_text(const char *s, uint32_t len);

/* ------------------------------------------------------------------ boot */
/* First boot, after the port's C runtime start-up: set up the security
 * hardware, then validate and enter the app.  Does not return. */
void mv_main(void) __attribute__((noreturn));
/* (Re)start the app: validate, grant, enter.  Thread mode only. */
void mv_start_app(void) __attribute__((noreturn));
/* Thread-mode landing point after a fault or restart request: wait
 * `delay_ms`, then mv_start_app(). */
void mv_restart_entry(uint32_t delay_ms) __attribute__((noreturn));
/* Handler mode: an app fault was caught; report it and return the restart
 * delay, or stop in safe mode (no return). */
uint32_t mv_on_app_fault(struct mv_fault *f);
/* Handler mode: a restart asked for through mv_restart_app(); `ns` holds
 * the app's own fault status registers (for a reported crash).  Returns
 * the delay, or stops in safe mode. */
uint32_t mv_on_restart_request(struct mv_fault *ns);
/* Non-zero if the restart being asked for counts as the app's crash
 * (its watchdog, or mv_restart_app(MV_RESTART_CRASH)). */
int mv_restart_is_crash(void);
#ifdef MV_UPDATE
/* The app's last crash (mvb/crash.h): the arch fills the registers and
 * the stack at the fault, mv_on_app_fault the header; zero magic: none. */
extern struct mvb_crash mv_crash_rec;
#endif
#ifdef MV_UPDATE
/*
 * The debug agent (core/debug.c; mvbuild-link(5), DEBUGGING).  The app is
 * halted in its own thread mode by the arch's halt exception, which
 * calls mv_debug_halt() with the registers the exception left live
 * (saved: r3-r11, then EXC_RETURN); software breakpoints are BKPTs in app
 * flash, listed in a page of the device-state partition first, so that
 * any start (a power cut, a restart) puts the instructions back before
 * the image is checked.
 */
extern volatile uint32_t mv_dbg_state; /* MVL_DS_RUNNING, _HALTING (asked), _HALTED */
void mv_debug_start(void); /* every app start: breakpoints out, running */
void mv_debug_halt(uint32_t *saved);    /* the halt exception, from the app's thread mode */
/* A BKPT at pc stopped the app (frame: its exception frame); 1 if it was
 * a breakpoint of the agent's (the app goes on: halted, or over it), 0
 * if it is the app's own fault. */
int mv_debug_trap(volatile uint32_t *frame, int haltable);
void mv_debug_end(void);                /* the authorized session ended */
/* What link.c answers (the request's payload p, n bytes): 0, or an
 * MVL_E_* code; the response, when there is one, in *out and *len (STATE's
 * in buf). */
struct mvl_dstate;
uint32_t mv_debug_request(uint32_t type, const uint8_t *p, uint32_t n, struct mvl_dstate *buf, const void **out,
                          uint32_t *len);
int mv_link_debugging(void);            /* an authorized session is open (ends it if it ran out) */
/* The arch's part: ask for the halt exception; the app's exception
 * frame for an EXC_RETURN of its thread mode, 0 if outside app RAM; 1 if
 * the app masks its interrupts (PRIMASK, FAULTMASK, BASEPRI). */
void mv_arch_debug_pend(void);
volatile uint32_t *mv_arch_ns_frame(uint32_t exc_return);
int mv_arch_app_masked(void);
/* The port's: write a halfword of app flash in place (a breakpoint); 0 if
 * it cannot. */
int mv_port_debug_patch(uint32_t addr, uint16_t v);
#endif
/* Stop for good: print the reason, leave the app off, end a test run. */
void mv_halt(uint32_t reason) __attribute__((noreturn));
/* Snapshot of the crash bookkeeping, for mv_info and tests. */
const struct mv_crash_state *mv_crash_state(void);

#endif
