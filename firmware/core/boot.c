/*
 * boot.c - the boot sequence and the app's life cycle: set up the security
 * hardware once, then for every (re)start validate the installed app,
 * grant it exactly its peripherals and IRQs and enter it; on a crash,
 * report, back off and restart, or stop in safe mode.
 */
#include <mvb/crash.h>
#include <mvb/link.h>
#include <stddef.h>

#include "core_int.h"
#include "mv/mv_api.h"
#include "mv/port.h"
#include "mv_board.h"

/* What the SAU can express: 32-byte granules. */
_Static_assert(MVB_PART_APP_FLASH_NS_BASE % 32u == 0u && MVB_PART_APP_FLASH_SIZE % 32u == 0u,
               "app_flash must be SAU-aligned");
_Static_assert(MVB_PART_APP_RAM_NS_BASE % 32u == 0u && MVB_PART_APP_RAM_SIZE % 32u == 0u,
               "app_ram must be SAU-aligned");
_Static_assert(MVB_PART_MV_NSC_S_BASE % 32u == 0u && MVB_PART_MV_NSC_SIZE % 32u == 0u, "mv_nsc must be SAU-aligned");
_Static_assert(MVB_PART_APP_HEADER_SIZE >= MVB_APPHDR_SIZE, "app_header partition too small");

static struct mv_crash_state crash;
static uint32_t restart_why; /* MV_RESTART_* or MV_RESTART_WATCHDOG, set by mv_restart_app() or the tick */

/* The app's header as the last start checked it: static, not on the
 * stack, because mv_start_app's frame stays live under the app for as long
 * as it runs (BLXNS is called from below it) and every secure call and
 * fault report nests on top of it; STATUS reads it too. */
static struct mvb_app_header app_h MV_BSS_APART(app_h);
static uint32_t dev_state, dev_reason; /* what STATUS says: MVL_DEV_*, safe mode's reason */
static int app_ok; /* app_h passed every check of its last start */

/* Out of line: STATUS is rare, and inlined into the link's interrupt it
 * costs 24 bytes more (measured on microvisor-ota.elf). */
__attribute__((noinline)) void mv_boot_status(struct mvl_status *m)
{
	/* m comes zeroed (link.c) */
	m->ls_state = dev_state;
	m->ls_reason = dev_state == MVL_DEV_SAFE ? dev_reason : 0u;
	/* The app's name: the header's 31 bytes as they are, else the
	 * provisioning record's up to its NUL; zero-padded either way. */
	const char *name = app_ok ? app_h.ah_name : mv_prov_app();

	if (app_ok) {
		m->ls_app_version = app_h.ah_app_version;
		m->ls_app_counter = app_h.ah_security_counter;
		for (uint32_t i = 0; i < 32u; i++)
			m->ls_image_sha256[i] = app_h.ah_image_sha256[i];
	}
	for (uint32_t i = 0; i < 31u && (app_ok || name[i] != '\0'); i++)
		m->ls_app[i] = name[i];
	m->ls_starts = crash.starts;
	m->ls_crashes = crash.crashes;
	m->ls_last_crash = crash.last_reason;
#ifdef MV_UPDATE
	mv_update_status(m);
#endif
}



/* The watchdog: deadline (0: none) and tick of the last feed.  Armed at
 * each start from the validated header, disarmed once it fires, so the
 * back-off never counts against it. */
static volatile uint32_t wd_ms, wd_fed;
#ifdef MV_UPDATE
static volatile uint32_t wd_held; /* mv_boot_hold_watchdog() */
#else
#define wd_held 0u
#endif

/* A deferred update (ah_update_defer_ms): the running app's allowance,
 * and the tick by which it is stopped (0: none running).  The deadline is
 * kept like the watchdog's: masked interrupts or a busy handler do not
 * hold it off. */
static volatile uint32_t defer_ms, update_due;

/* The trial after an install (the image with the update client): the
 * tick at which it is decided (0: none running), whether the app runs on
 * trial, and why the running release was rejected (0: it was not; the
 * next start reverts it). */
#ifdef MV_UPDATE
static volatile uint32_t trial_due;
static uint32_t on_trial, reject_why;
#else
#define trial_due 0u
#endif

#ifdef MV_UPDATE
int32_t mv_boot_confirm(void)
{
	trial_due = 0;
	if (on_trial) {
		on_trial = 0;
		dev_state = MVL_DEV_RUNNING;
		mv_update_confirm_trial();
	}
	return MV_OK;
}
#endif

uint32_t mv_boot_trial_due(void)
{
	return trial_due;
}

#ifdef MV_UPDATE
int mv_boot_on_trial(void)
{
	return (int)on_trial;
}
#endif

void mv_watchdog_tick(uint32_t now)
{
	if (wd_ms != 0u && !wd_held && now - wd_fed >= wd_ms) {
		wd_ms = 0;
		mv_boot_restart(MV_RESTART_WATCHDOG, 1);
	}
#ifdef MV_UPDATE
	/* The trial's end: the healthy time ran out without a crash
	 * (confirmed), or the deadline for mv_update_confirm() passed
	 * (rejected: stopped as for an update, the restart reverts it). */
	if (trial_due != 0u && (int32_t)(now - trial_due) >= 0) {
		if (app_h.ah_flags & MVB_APPHDR_F_CONFIRM_EXPLICIT) {
			/* stopped as for an update: the restart reverts it */
			trial_due = 0;
			reject_why = MV_R_TRIAL_DEADLINE;
			mv_boot_restart(MV_RESTART_UPDATE, 1);
		} else {
			(void)mv_boot_confirm();
		}
	}
#endif
	if (update_due != 0u && (int32_t)(now - update_due) >= 0) {
		update_due = 0;
		mv_boot_restart(MV_RESTART_UPDATE, 1);
	}
}

int mv_boot_defer_update(void)
{
	if (defer_ms == 0u || update_due != 0u)
		return 0;
	uint32_t due = mv_arch_ticks() + defer_ms;

	update_due = due != 0u ? due : 1u;
	mv_msg(MV_MSGW(MV_M_UPDATE_READY), defer_ms);
	return 1;
}

int mv_boot_take_deferred(void)
{
	uint32_t was = update_due;

	update_due = 0;
	return was != 0u;
}

uint32_t mv_boot_update_due(void)
{
	return update_due;
}

int32_t mv_scall_watchdog_feed(void)
{
	wd_fed = mv_arch_ticks();
	return MV_OK;
}

#ifdef MV_UPDATE
void mv_boot_hold_watchdog(uint32_t held)
{
	wd_held = held;
	(void)mv_scall_watchdog_feed();
}
#endif

const struct mv_crash_state *mv_crash_state(void)
{
	return &crash;
}

void mv_boot_restart(uint32_t why, int now)
{
	/* What waits is never downgraded: a crash (or the watchdog) over an
	 * update session over a planned restart. */
	static const uint8_t rank[4] = {0, 2, 2, 1};

	/* restart_why is only ever set from here (or to MV_RESTART_REQUEST):
	 * always a valid index. */
	if (why < 4u && rank[why] >= rank[restart_why])
		restart_why = why;
	mv_arch_request_restart(now);
}

static uint32_t sau_setup(void)
{
	/* The fixed regions are the array's initialiser, the port's windows
	 * follow them: one copy of the constant instead of a merge loop. */
	struct mv_sau_region r[MVB_BOARD_SAU_REGIONS] = {
	    {MVB_PART_APP_FLASH_NS_BASE, MVB_PART_APP_FLASH_NS_BASE + (MVB_PART_APP_FLASH_SIZE - 1u), 0u},
	    {MVB_PART_APP_RAM_NS_BASE, MVB_PART_APP_RAM_NS_BASE + (MVB_PART_APP_RAM_SIZE - 1u), 0u},
	    {MVB_PART_MV_NSC_S_BASE, MVB_PART_MV_NSC_S_BASE + (MVB_PART_MV_NSC_SIZE - 1u), 1u},
	};
	uint32_t extra_n = 0;
	const struct mv_sau_region *extra = mv_port_sau_windows(&extra_n);

	if (3u + extra_n > MVB_BOARD_SAU_REGIONS)
		return MV_R_HW_SAU_REGIONS;
	for (uint32_t i = 0; i < extra_n; i++)
		r[3u + i] = extra[i];
	return mv_arch_sau_init(r, 3u + extra_n);
}

void mv_main(void)
{
	dev_state = MVL_DEV_STARTING; /* until an app runs, or safe mode */
	mv_port_console_init();
	mv_msg(MV_MSGW(MV_M_BOOT), MV_FW_VERSION, MV_CORE_ABI >> 16, MV_CORE_ABI & 0xffffu,
	          MVB_BOARD_NAME);

	uint32_t r = mv_arch_cpu_init(mv_port_cpu_hz());

	if (r == MV_R_NONE)
		r = mv_port_memory_gates();
	if (r == MV_R_NONE)
		r = sau_setup();
	if (r == MV_R_NONE)
		r = mv_port_security_init();
	if (r != MV_R_NONE)
		mv_halt(r);
	mv_link_init();
	mv_prov_report(mv_prov_load());
	mv_start_app();
}

/* The header's name field, NUL-padded and untrusted: bounded, printable. */
static void app_name(const struct mvb_app_header *h, char out[MVB_APPHDR_NAME_MAX + 1u])
{
	uint32_t i;

	for (i = 0; i < MVB_APPHDR_NAME_MAX && h->ah_name[i] != '\0'; i++) {
		char c = h->ah_name[i];

		out[i] = (c > 0x20 && c < '{' && c != '\'') ? c : '?'; /* no token syntax: { | } */
	}
	out[i] = '\0';
}

_Static_assert(offsetof(struct mv_grant, irq) == sizeof(uint32_t) * MVB_APPHDR_PERIPH_WORDS, "grant words");

/* Out of line: inlined into mv_start_app, its one caller, the image is
 * larger (28 bytes, measured on microvisor-ota.elf). */
__attribute__((noinline)) static void print_grants(const struct mv_grant *g)
{
	/* One line per start, so a test (or a person) sees what the app got:
	 * one pass over the grant's words, the peripherals' then the IRQs'. */
	const uint32_t *bits = (const uint32_t *)(const void *)g;
	const uint32_t npb = 32u * MVB_APPHDR_PERIPH_WORDS;

	mv_msg(MV_MSGW(MV_M_GRANTED) | MV_MSG_OPEN);
	for (uint32_t i = 0; i < 32u * (MVB_APPHDR_PERIPH_WORDS + MVB_APPHDR_IRQ_WORDS); i++) {
		if (i == npb)
			mv_printf(" irqs:");
		if ((bits[i / 32u] >> (i % 32u)) & 1u) {
			if (i < npb)
				mv_printf(" %s", mv_periph_name(i));
			else
				mv_printf(" %u", i - npb);
		}
	}
	mv_printf("\n");
}

/* Take everything back from the app before saying anything (the safe
 * state is "all secure, app never runs again"), then begin the line that
 * says so; the caller ends it. */
static void safe_state(uint32_t reason)
{
	static const uint32_t none[MVB_APPHDR_PERIPH_WORDS];

	(void)mv_arch_irq_target(none, MVB_APPHDR_PERIPH_WORDS); /* the words past them: none too */
	(void)mv_port_grant_periph(none);
	dev_state = MVL_DEV_SAFE;
	dev_reason = reason;
	mv_msg(MV_MSGW(MV_M_SAFE_MODE) | MV_MSG_OPEN, reason);
}

/* Safe mode that keeps asking for an update (the image with the update
 * client): the app is stopped for good, its grants taken back, and every
 * start runs update sessions until one installs.  Only for the app's own
 * failures; the microvisor's and the hardware's still halt. */
#ifdef MV_UPDATE
static uint32_t safe_reason;

static int app_side(uint32_t r)
{
	return MV_REASON_EXIT(r) < MV_EXIT_MV_FAULT;
}

static void safe_mode(uint32_t reason)
{
	safe_state(reason);
	safe_reason = reason;
	mv_printf("%s\n", MV_MSG(MV_M_ASKING)); /* the safe-mode line goes on: no tag */
	mv_link_hello(0, MVL_DEV_SAFE, reason, mv_update_floor(), mv_update_index_version());
}
#else
static const uint32_t safe_reason = MV_R_NONE;
#define app_side(r) 0
#define safe_mode(r) ((void)0)
#endif

/* Also the body of mv_wait() (scall.c): one copy of the loop. */
void mv_delay_ms(uint32_t ms)
{
	uint32_t start = mv_arch_ticks();

	while (mv_arch_ticks() - start < ms)
		mv_arch_wait_irq();
}

void mv_start_app(void)
{
	const struct mvb_app_header *src = mv_port_app_header();
	struct mv_app_limits lim;
	struct mv_app_entry e;
	struct mv_grant g;
	char name[MVB_APPHDR_NAME_MAX + 1u];

#ifdef MV_UPDATE
	mv_debug_start(); /* before the image is checked: no breakpoint stays in it */
#endif
again:
#ifdef MV_UPDATE
	/* A release rejected on trial: the record says so first (REVERTING),
	 * then the loop below puts the old one back. */
	if (reject_why != MV_R_NONE) {
		mv_update_reject(reject_why);
		crash.crashes = 0; /* the release put back starts with a clean slate */
	}
	reject_why = on_trial = 0;
#endif
	/* An install that was begun is finished first: the app in flash is
	 * half written (its header is gone) until then.  In safe mode (the
	 * image with the update client) the same: no app runs until an
	 * update is installed.  The device keeps asking, every few seconds. */
	while (mv_update_pending() || safe_reason != MV_R_NONE) {
		if (safe_reason == MV_R_NONE)
			dev_state = MVL_DEV_INSTALLING;
		mv_link_update_busy();
		uint32_t r = mv_update_session();

		mv_link_update_done();
		if (r != MVL_R_INSTALLED) {
			mv_delay_ms(MV_UPDATE_RETRY_MS);
			continue;
		}
#ifdef MV_UPDATE
		safe_reason = MV_R_NONE;
#endif
	}

	/* Validate a private copy: what is checked is what is used. */
	const volatile uint8_t *s = (const volatile uint8_t *)src;
	uint8_t *d = (uint8_t *)&app_h;

	for (uint32_t i = 0; i < sizeof app_h; i++)
		d[i] = s[i];

	mv_app_limits_board(&lim);
	uint32_t r = mv_apphdr_check(&app_h, &lim);
#ifdef MV_UPDATE
	int trial = mv_update_on_trial(); /* the record says the installed release is on trial */
#endif

	if (r == MV_R_NONE && app_h.ah_security_counter < mv_update_floor())
		r = MV_R_IMG_ROLLBACK;

	if (r == MV_R_NONE)
		r = mv_app_verify_image(&app_h, mv_port_ns_bytes(app_h.ah_image_addr, app_h.ah_image_size), &lim, &e);
	if (r == MV_R_NONE)
		r = mv_grant_plan(&app_h, &g);
	app_ok = r == MV_R_NONE; /* STATUS: the installed app, also while it crash-loops */
	if (r != MV_R_NONE && app_side(r)) {
#ifdef MV_UPDATE
		/* a release on trial that does not pass the boot checks any
		 * more is rejected: safe mode would refuse updates meanwhile */
		if (trial) {
			reject_why = r;
			goto again;
		}
#endif
		safe_mode(r);
		goto again;
	}
	if (r != MV_R_NONE)
		mv_halt(r);

	app_name(&app_h, name);
	mv_msg(MV_MSGW(MV_M_APP_VERIFIED), name, app_h.ah_app_version, app_h.ah_image_size,
	          app_h.ah_image_addr, app_h.ah_min_abi >> 16, app_h.ah_min_abi & 0xffffu);

	/* Old NS state and old grants go before new ones are made. */
	mv_arch_ns_reset(lim.ram_base);
	r = mv_arch_irq_target(g.irq, MVB_APPHDR_IRQ_WORDS);
	if (r == MV_R_NONE)
		r = mv_port_grant_periph(g.periph);
	if (r != MV_R_NONE)
		mv_halt(r);
	print_grants(&g);

	mv_crash_started(&crash, mv_arch_ticks());
	wd_fed = crash.start_tick;
	wd_ms = app_h.ah_watchdog_ms;
	if (wd_ms != 0u)
		mv_msg(MV_MSGW(MV_M_WATCHDOG), wd_ms);
	defer_ms = app_h.ah_update_defer_ms;
	dev_state = MVL_DEV_RUNNING;
#ifdef MV_UPDATE
	if (app_h.ah_trial_ms != 0u && trial) {
		on_trial = 1;
		trial_due = (crash.start_tick + app_h.ah_trial_ms) | 1u; /* never 0; a millisecond late at most */
		dev_state = MVL_DEV_TRIAL;
		/* one format for both messages: their ids are adjacent */
		_Static_assert(MV_M_TRIAL_EXPLICIT(MV_MSG_ID_) == MV_M_TRIAL_AFTER(MV_MSG_ID_) + 1 &&
		                   MVB_APPHDR_F_CONFIRM_EXPLICIT == 1u, "trial messages");
		mv_msg(MV_MSGW(MV_M_TRIAL_AFTER) + (app_h.ah_flags & 1u), app_h.ah_app_version, app_h.ah_trial_ms);
	}
#endif
	/* The floor is the larger of the record's and this app's counter,
	 * which the rollback check above made the app's.  On trial the
	 * record's floor is still the old release's: HELLO says the app's,
	 * which the floor becomes at confirm (STATUS reads the record). */
	mv_link_hello(&app_h, dev_state, 0, app_h.ah_security_counter, mv_update_index_version());
	mv_msg(MV_MSGW(MV_M_ENTERING), e.reset, crash.starts);
	mv_arch_enter_ns(&e, lim.ram_base);
}


void mv_restart_entry(uint32_t ms)
{
	mv_delay_ms(ms);
	if (mv_link_update_asked()) {
		dev_state = MVL_DEV_INSTALLING;
		(void)mv_update_session();
		mv_link_update_done();
	}
	mv_start_app();
}

static void report(const char *what, const struct mv_fault *f)
{
	mv_msg(MV_MSGW(MV_M_FAULT) | MV_MSG_OPEN, what, f->reason, f->sfsr, f->cfsr,
	          f->hfsr, f->bfar);
	if (f->extra_name != 0)
		mv_printf(" %s=%x", f->extra_name, f->extra);
	/* One call for both (4 bytes less): the second format takes nothing. */
	mv_printf(f->frame_ok ? " pc=%x lr=%x\n" : " pc=unknown\n", f->pc, f->lr);
}

uint32_t mv_on_app_fault(struct mv_fault *f)
{
	uint32_t delay = 0;

	wd_ms = 0; /* no watchdog until the next start */
	defer_ms = update_due = 0; /* an update asked for runs at the restart */
#ifdef MV_UPDATE
	trial_due = 0; /* the trial's clock starts again with the app */
#endif

	int own = MV_REASON_EXIT(f->reason) == MV_EXIT_MV_FAULT;

	report(own ? "microvisor fault" : "app fault", f);
	if (own)
		mv_halt(f->reason);
#ifdef MV_UPDATE
	/* The crash record's header, over what the fault handler kept. */
	static uint32_t crashes_total;
	struct mvb_crash *c = &mv_crash_rec;

	c->cr_number = ++crashes_total;
	c->cr_reason = f->reason;
	c->cr_uptime_ms = mv_arch_ticks();
	c->cr_app_version = app_h.ah_app_version;
	for (uint32_t i = 0; i < 32u; i++)
		c->cr_image_sha256[i] = app_h.ah_image_sha256[i];
	c->cr_size = (uint16_t)(MVB_CRASH_HEAD + c->cr_stack_len);
	c->cr_format = MVB_CRASH_FORMAT;
	c->cr_magic = MVB_CRASH_MAGIC;
#endif
	uint32_t safe = f->nested ? MV_R_NESTED : MV_R_NONE;

	if (safe == MV_R_NONE && mv_crash_decide(&crash, f->reason, mv_arch_ticks(), &delay) == MV_ACT_SAFE)
		safe = MV_R_CRASH_LOOP;
#ifdef MV_UPDATE
	/* On trial: as many crashes as the policy allows, a missed watchdog
	 * or a missed confirm reject the release; the restart reverts it. */
	if (on_trial && (safe != MV_R_NONE || f->reason == MV_R_APP_WATCHDOG)) {
		reject_why = safe != MV_R_NONE ? safe : f->reason;
		return 0;
	}
#endif
	if (safe != MV_R_NONE && app_side(safe)) {
		safe_mode(safe);
		return 0; /* the restart finds safe mode and asks for an update */
	}
	if (safe != MV_R_NONE)
		mv_halt(safe);
	mv_msg(MV_MSGW(MV_M_RESTARTING), delay, crash.crashes, MV_CRASH_LIMIT);
	return delay;
}

int mv_boot_app_runs(void)
{
	return dev_state == MVL_DEV_RUNNING || dev_state == MVL_DEV_TRIAL;
}

int mv_restart_is_crash(void)
{
	return restart_why == MV_RESTART_WATCHDOG || restart_why == MV_RESTART_CRASH;
}

uint32_t mv_on_restart_request(struct mv_fault *ns)
{
	uint32_t why = restart_why;

	restart_why = MV_RESTART_REQUEST;
	wd_ms = 0;
	defer_ms = update_due = 0;
	if (why == MV_RESTART_WATCHDOG || why == MV_RESTART_CRASH) {
		ns->reason = why == MV_RESTART_WATCHDOG ? MV_R_APP_WATCHDOG : MV_R_APP_REPORTED;
		ns->from_ns = 1;
		return mv_on_app_fault(ns);
	}
#ifdef MV_UPDATE
	if (reject_why != MV_R_NONE)
		return 0; /* a trial's deadline passed: the restart says so */
#endif
	mv_msg(why == MV_RESTART_UPDATE ? MV_MSGW(MV_M_STOPPED) : MV_MSGW(MV_M_RESTART_ASKED));
	return 0;
}

void mv_halt(uint32_t reason)
{
	safe_state(reason);
	mv_printf("\n");
	mv_link_hello(0, MVL_DEV_SAFE, reason, 0, 0);
	mv_port_exit(MV_REASON_EXIT(reason));
}
