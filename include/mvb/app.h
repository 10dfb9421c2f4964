/*
 * app.h - the app manifest: what an app is called, its version, and the
 * peripherals and IRQs it asks the microvisor for.
 *
 * One model, two sources: a YAML file passed with --app, or the same YAML
 * text embedded by the SDK in the ELF's non-alloc `.mvb.app` section.
 * Names refer to the board's peripherals; mvb_app_resolve checks them.
 */
#ifndef MVB_APP_H
#define MVB_APP_H

#include <stdint.h>
#include "mvb/board.h"
#include "mvb/diag.h"

#define MVB_APP_NAME_MAX 32
#define MVB_APP_MAX_PERIPHERALS 64
#define MVB_APP_MAX_IRQS 64

struct mvb_app {
	unsigned schema;
	char name[MVB_APP_NAME_MAX];
	unsigned major, minor, patch;
	uint32_t security_counter;
	uint32_t watchdog_ms; /* 0: none */
	uint32_t update_defer_ms; /* 0: the app is stopped for an update at once */
	/* confirm: how a release on trial after an install is kept */
	uint32_t confirm_flags; /* MVB_APPHDR_F_CONFIRM_EXPLICIT or 0 (ah_flags) */
	uint32_t trial_ms;      /* ah_trial_ms; 0: confirmed at install, no trial */
	char peripherals[MVB_APP_MAX_PERIPHERALS][MVB_NAME_MAX];
	unsigned periph_line[MVB_APP_MAX_PERIPHERALS], periph_col[MVB_APP_MAX_PERIPHERALS];
	unsigned nperipherals;
	uint16_t irqs[MVB_APP_MAX_IRQS];
	unsigned irq_line[MVB_APP_MAX_IRQS], irq_col[MVB_APP_MAX_IRQS];
	unsigned nirqs;
};

/* The shortest trial a manifest may ask for, and the default one:
 * `confirm: after 60s`, stretched to twice the watchdog deadline when that
 * is longer, so that an app which hangs at its start meets its watchdog
 * before it is confirmed. */
#define MVB_APP_TRIAL_MIN_MS 1000u
#define MVB_APP_TRIAL_DEFAULT_MS 60000u
uint32_t mvb_app_trial_default_ms(uint32_t watchdog_ms);

/* The app that asked for nothing (no manifest): all zero, but for the
 * default confirm.  Cannot fail. */
void mvb_app_init(struct mvb_app *a);

/* Parses an app manifest.  Returns 0, MVB_EINPUT or MVB_ENOMEM. */
int mvb_app_parse(struct mvb_app *a, const char *file, const void *text, size_t len, struct mvb_diags *d);

/* The grant an app gets on a board: bit i of periph_mask is board
 * peripheral i; bit n of irq_mask is NVIC IRQ n. */
struct mvb_grant {
	uint32_t periph_mask[2];
	uint32_t irq_mask[8];
};

/* Checks the app's peripherals and IRQs against the board (periph-unknown,
 * periph-not-assignable, irq-not-owned) and computes the grant.  file names
 * the manifest in diagnostics.  Returns the number of errors added. */
unsigned mvb_app_resolve(const struct mvb_app *a, const struct mvb_board *b, const char *file, struct mvb_grant *g,
			 struct mvb_diags *d);

/* Parses a duration "<digits>" followed by "ms", "s", "m" or "h" into
 * milliseconds; 0 on success, -1 for anything else or past 2^32 - 1 ms. */
int mvb_app_parse_ms(const char *s, uint32_t *ms);

/* Parses "MAJOR.MINOR.PATCH" within 255.255.65535; 0 on success. */
int mvb_version_parse(const char *s, unsigned *major, unsigned *minor, unsigned *patch);

#endif
