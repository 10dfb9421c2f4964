/* diag.c - the diagnostics list and the check-id table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mvb/diag.h"
#include "mvb/status.h"

#define MVB_CHECK_ROW(c, id, sev, sum) { id, MVB_SEV_##sev, sum },
static const struct mvb_check_info check_rows[] = { MVB_CHECK_TABLE(MVB_CHECK_ROW) };
#undef MVB_CHECK_ROW

const struct mvb_check_info *mvb_check_info(enum mvb_check c)
{
	if ((unsigned)c >= MVB_CK__COUNT)
		MVB_BUG("check id out of range");
	return &check_rows[c];
}

int mvb_check_by_id(const char *id)
{
	for (size_t i = 0; i < MVB_CK__COUNT; i++)
		if (!strcmp(check_rows[i].id, id))
			return (int)i;
	return -1;
}

void mvb_diags_init(struct mvb_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void mvb_diags_release(struct mvb_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].section);
		free(d->v[i].message);
		free(d->v[i].hint);
	}
	free(d->v);
	mvb_diags_init(d);
}

int mvb_diags_move(struct mvb_diags *to, struct mvb_diags *from)
{
	int rc = 0;
	if (to->n + from->n > to->alloc) {
		size_t na = to->alloc ? to->alloc : 16;
		while (na < to->n + from->n)
			na *= 2;
		struct mvb_diag *nv = realloc(to->v, na * sizeof(*nv));
		if (!nv) {
			to->oom = 1;
			mvb_diags_release(from);
			return MVB_ENOMEM;
		}
		to->v = nv;
		to->alloc = na;
	}
	if (from->n)
		memcpy(to->v + to->n, from->v, from->n * sizeof(*from->v));
	to->n += from->n;
	to->errors += from->errors;
	to->warnings += from->warnings;
	to->notes += from->notes;
	to->oom |= from->oom;
	free(from->v); /* the strings are to's now */
	mvb_diags_init(from);
	return rc;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *vformat(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

int mvb_vreport(struct mvb_diags *d, const struct mvb_loc *loc, enum mvb_check c, enum mvb_severity sev,
		const char *hint, const char *fmt, va_list ap)
{
	int rc = sev == MVB_SEV_ERROR ? MVB_EINPUT : 0;
	if (sev == MVB_SEV_ERROR)
		d->errors++;
	else if (sev == MVB_SEV_WARNING)
		d->warnings++;
	else
		d->notes++;
	if (d->n == d->alloc) {
		size_t na = d->alloc ? d->alloc * 2 : 16;
		struct mvb_diag *nv = realloc(d->v, na * sizeof(*nv));
		if (!nv) {
			d->oom = 1;
			return rc;
		}
		d->v = nv;
		d->alloc = na;
	}
	struct mvb_diag *g = &d->v[d->n];
	memset(g, 0, sizeof(*g));
	g->check = c;
	g->severity = sev;
	g->segment = -1;
	if (loc) {
		g->file = dup_or_null(loc->file);
		g->line = loc->line;
		g->col = loc->col;
		g->segment = loc->segment;
		g->section = dup_or_null(loc->section);
		g->has_range = loc->has_range;
		g->lo = loc->lo;
		g->hi = loc->hi;
		g->has_offset = loc->has_offset;
		g->offset = loc->offset;
	}
	g->message = vformat(fmt, ap);
	g->hint = dup_or_null(hint);
	if (!g->message) {
		free(g->file);
		free(g->section);
		free(g->hint);
		d->oom = 1;
		return rc;
	}
	d->n++;
	return rc;
}

int mvb_report(struct mvb_diags *d, const struct mvb_loc *loc, enum mvb_check c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = mvb_vreport(d, loc, c, mvb_check_info(c)->severity, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

int mvb_report_hint(struct mvb_diags *d, const struct mvb_loc *loc, enum mvb_check c, const char *hint,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = mvb_vreport(d, loc, c, mvb_check_info(c)->severity, hint, fmt, ap);
	va_end(ap);
	return rc;
}

int mvb_report_at(struct mvb_diags *d, const char *file, uint64_t offset, enum mvb_check c, const char *fmt, ...)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	l.has_offset = 1;
	l.offset = offset;
	va_list ap;
	va_start(ap, fmt);
	mvb_vreport(d, &l, c, MVB_SEV_ERROR, NULL, fmt, ap);
	va_end(ap);
	return MVB_EINPUT;
}

size_t mvb_diags_count(const struct mvb_diags *d, enum mvb_check c)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].check == c;
	return n;
}

const struct mvb_diag *mvb_diags_find(const struct mvb_diags *d, enum mvb_check c)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].check == c)
			return &d->v[i];
	return NULL;
}

_Noreturn void mvb_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "mvbuild: BUG: %s:%d: %s\n", file, line, msg);
	abort();
}
