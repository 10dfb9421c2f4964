/*
 * diag.h - diagnostics collected by the core and rendered by the CLI.
 *
 * The core never prints: checkers append findings to a struct mvb_diags and
 * return; the CLI renders them as text or JSON.  A diagnostic owns copies of
 * all its strings, so the inputs it describes may be freed first.
 */
#ifndef MVB_DIAG_H
#define MVB_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include "mvb/checks.h"

/* Where a finding is.  Each part is optional; the renderer prints the parts
 * that are set in the order file, line:col | segment/section/range | offset. */
struct mvb_loc {
	const char *file;       /* borrowed while building, copied into the diag */
	unsigned line, col;     /* 1-based, 0 when unknown */
	int segment;            /* program header index, -1 when none */
	const char *section;    /* section name or NULL */
	int has_range;
	uint32_t lo, hi;        /* inclusive address range */
	int has_offset;
	uint64_t offset;        /* file offset of the bad field */
};

#define MVB_LOC_INIT { NULL, 0, 0, -1, NULL, 0, 0, 0, 0, 0 }

struct mvb_diag {
	enum mvb_check check;
	enum mvb_severity severity;
	char *file;
	unsigned line, col;
	int segment;
	char *section;
	int has_range;
	uint32_t lo, hi;
	int has_offset;
	uint64_t offset;
	char *message; /* lowercase, no trailing period */
	char *hint;    /* NULL or a suggestion how to fix it */
};

struct mvb_diags {
	struct mvb_diag *v;
	size_t n, alloc;
	unsigned errors, warnings, notes;
	int oom; /* set when a diagnostic could not be stored */
};

#define MVB_DIAGS_INIT { NULL, 0, 0, 0, 0, 0, 0 }

void mvb_diags_init(struct mvb_diags *d);
/* Frees every diagnostic; d may be reused after init. */
void mvb_diags_release(struct mvb_diags *d);

/* Records a finding with the check's default severity and returns
 * MVB_EINPUT when that severity is error, else 0, so parsers can write
 * `return mvb_report(...)`. */
int mvb_report(struct mvb_diags *d, const struct mvb_loc *loc, enum mvb_check c, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* As mvb_report, with a fix hint. */
int mvb_report_hint(struct mvb_diags *d, const struct mvb_loc *loc, enum mvb_check c, const char *hint,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int mvb_vreport(struct mvb_diags *d, const struct mvb_loc *loc, enum mvb_check c, enum mvb_severity sev,
		const char *hint, const char *fmt, va_list ap);

/* An error at a file offset (parsers of binary input); returns MVB_EINPUT. */
int mvb_report_at(struct mvb_diags *d, const char *file, uint64_t offset, enum mvb_check c, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Moves every finding of from to the end of to, in order; from is left
 * empty and may be reused.  MVB_ENOMEM (to->oom set) when to cannot grow:
 * from is released then. */
int mvb_diags_move(struct mvb_diags *to, struct mvb_diags *from);

/* Number of findings with the given check id (tests use this). */
size_t mvb_diags_count(const struct mvb_diags *d, enum mvb_check c);
/* First finding with the id, or NULL. */
const struct mvb_diag *mvb_diags_find(const struct mvb_diags *d, enum mvb_check c);

/* Looks a check up by its id string; returns -1 when unknown. */
int mvb_check_by_id(const char *id);

/* Prints a bug message naming file:line and aborts: broken invariants only. */
#define MVB_BUG(msg) mvb_bug(__FILE__, __LINE__, (msg))
_Noreturn void mvb_bug(const char *file, int line, const char *msg);

#endif
