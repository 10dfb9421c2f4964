/*
 * progress.h - what `mvbuild flash` shows while it works: a bar per phase
 * (erasing, writing, verifying) on a terminal, one line per phase
 * otherwise, and the times each phase took, for the summary.
 */
#ifndef MVB_CLI_PROGRESS_H
#define MVB_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/flash.h"

struct progress {
	int quiet, tty;
	double t0, last;
	enum mvb_flash_phase phase;
	int started;
	uint64_t total;
	double phase_start[3], phase_end[3]; /* by enum mvb_flash_phase */
};

/* The flash writer's progress callback (ctx: a struct progress). */
void progress_update(void *ctx, const struct mvb_flash_progress *pr);
/* Ends the bar's line on a terminal. */
void progress_done(struct progress *p);
/* Seconds on the monotonic clock. */
double progress_now(void);
/* "1.2 MiB", "3.4 KiB", "56 B" and "12.3 MB/s", "456 kB/s". */
void progress_size(uint64_t v, char *o, size_t n);
void progress_rate(double bytes, double secs, char *o, size_t n);

#endif
