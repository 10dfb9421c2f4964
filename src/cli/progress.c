/* progress.c - the progress of `mvbuild flash`: a bar per phase on a
 * terminal, a line per phase otherwise, and each phase's times. */
#include <stdio.h>
#include <time.h>
#include "cli/progress.h"

double progress_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *phase_name(enum mvb_flash_phase p)
{
	return p == MVB_FLASH_ERASE ? "erasing" : p == MVB_FLASH_WRITE ? "writing" : "verifying";
}

void progress_size(uint64_t v, char *o, size_t n)
{
	if (v >= 1048576)
		snprintf(o, n, "%.1f MiB", (double)v / 1048576.0);
	else if (v >= 1024)
		snprintf(o, n, "%.1f KiB", (double)v / 1024.0);
	else
		snprintf(o, n, "%u B", (unsigned)v);
}

void progress_rate(double bytes, double secs, char *o, size_t n)
{
	double r = secs > 0 ? bytes / secs : 0;
	if (r >= 1e6)
		snprintf(o, n, "%.1f MB/s", r / 1e6);
	else
		snprintf(o, n, "%.0f kB/s", r / 1e3);
}

void progress_done(struct progress *p)
{
	if (p->started && p->tty)
		fputc('\n', stderr);
	p->started = 0;
}

void progress_update(void *ctx, const struct mvb_flash_progress *pr)
{
	struct progress *p = ctx;
	double t = progress_now();
	if (!p->phase_start[pr->phase])
		p->phase_start[pr->phase] = t;
	p->phase_end[pr->phase] = t;
	if (p->quiet)
		return;
	if (!p->started || p->phase != pr->phase) {
		progress_done(p);
		p->started = 1;
		p->phase = pr->phase;
		p->t0 = t;
		p->last = 0;
		p->total = pr->total;
		if (!p->tty) {
			char tot[32];
			progress_size(pr->total, tot, sizeof(tot));
			fprintf(stderr, "mvbuild: %s %s\n", phase_name(pr->phase), tot);
		}
	}
	if (!p->tty)
		return;
	if (pr->done != pr->total && t - p->last < 0.05)
		return;
	p->last = t;
	unsigned pct = pr->total ? (unsigned)(pr->done * 100 / pr->total) : 100;
	char bar[31], done[32], tot[32], r[32];
	unsigned fill = pct * 30 / 100;
	for (unsigned i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[30] = 0;
	progress_size(pr->done, done, sizeof(done));
	progress_size(pr->total, tot, sizeof(tot));
	progress_rate((double)pr->done, t - p->t0, r, sizeof(r));
	fprintf(stderr, "\r%-9s [%s] %3u%% %s / %s  %s  %-10s", phase_name(pr->phase), bar, pct, done, tot, r,
		pr->what ? pr->what : "");
	fflush(stderr);
}
