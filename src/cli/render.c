/* render.c - compiler-style text diagnostics and tool messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include "cli/cli.h"

/* Edit distance of a[0..an) and b: insertions, deletions, substitutions
 * and swaps of two neighbours ("sing" for "sign") count one each (optimal
 * string alignment).  Words over 32 bytes are never suggested (9). */
static unsigned edits(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);
	if (an > 32 || bn > 32)
		return 9;
	unsigned d[33][33];
	for (size_t i = 0; i <= an; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= bn; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= an; i++)
		for (size_t j = 1; j <= bn; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[an][bn] > 9 ? 9 : d[an][bn];
}

const char *cli_suggest(const char *word, size_t n, const void *names, size_t count, size_t stride)
{
	const char *best = NULL;
	unsigned bd = 3;
	for (size_t i = 0; i < count; i++) {
		const char *name = *(const char *const *)((const char *)names + i * stride);
		if (!name)
			continue;
		unsigned d = edits(word, n, name);
		if (d < bd && 2 * d < strlen(name)) {
			bd = d;
			best = name;
		}
	}
	return best;
}

void cli_sanitize(const char *in, char *out, size_t n)
{
	size_t o = 0;
	for (; in && *in && o + 1 < n; in++)
		out[o++] = ((unsigned char)*in < 0x20 || *in == 0x7f) ? '?' : *in;
	if (n)
		out[o] = 0;
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	char msg[1024], clean[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	cli_sanitize(msg, clean, sizeof(clean));
	fprintf(stderr, "mvbuild: %s: %s\n", kind, clean);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("error", fmt, ap);
	va_end(ap);
}

void cli_warning(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning", fmt, ap);
	va_end(ap);
}

static int use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	return isatty(fileno(f)) && !(nc && *nc) && !(term && !strcmp(term, "dumb"));
}

void cli_render_diags(FILE *f, const struct mvb_diags *d)
{
	static const char *const sev[] = { "note", "warning", "error" };
	static const char *const col[] = { "\033[1;36m", "\033[1;35m", "\033[1;31m" };
	int color = use_color(f);
	for (size_t i = 0; i < d->n; i++) {
		const struct mvb_diag *g = &d->v[i];
		char file[512], msg[1024];
		cli_sanitize(g->file ? g->file : "mvbuild", file, sizeof(file));
		cli_sanitize(g->message, msg, sizeof(msg));
		fputs(file, f);
		if (g->line)
			fprintf(f, ":%u:%u", g->line, g->col);
		fputs(":", f);
		if (g->segment >= 0 || g->has_range || g->section) {
			if (g->segment >= 0)
				fprintf(f, " segment [%d]", g->segment);
			else if (g->section && !g->has_range)
				fprintf(f, " section %s", g->section);
			else
				fprintf(f, " address");
			if (g->has_range) {
				fputs(" (", f);
				if (g->section)
					fprintf(f, "%s, ", g->section);
				fprintf(f, "0x%08x-0x%08x)", g->lo, g->hi);
			}
			fputs(":", f);
		}
		if (g->has_offset)
			fprintf(f, " offset 0x%llx:", (unsigned long long)g->offset);
		if (color)
			fprintf(f, " %s%s:\033[0m %s [%s]\n", col[g->severity], sev[g->severity], msg,
				mvb_check_info(g->check)->id);
		else
			fprintf(f, " %s: %s [%s]\n", sev[g->severity], msg, mvb_check_info(g->check)->id);
		if (g->hint) {
			cli_sanitize(g->hint, msg, sizeof(msg));
			fprintf(f, "  hint: %s\n", msg);
		}
	}
	if (d->oom)
		fprintf(f, "mvbuild: warning: some diagnostics were lost (out of memory)\n");
}

void cli_size_str(uint32_t v, char *out, size_t n)
{
	if (v >= 1024 * 1024 && v % (1024 * 1024) == 0)
		snprintf(out, n, "%u MiB", v >> 20);
	else if (v >= 1024 && v % 1024 == 0)
		snprintf(out, n, "%u KiB", v >> 10);
	else
		snprintf(out, n, "%u B", v);
}

int cli_format(const char *cmd, const char *format, int *json)
{
	*json = !strcmp(format, "json");
	if (*json || !strcmp(format, "text"))
		return 0;
	cli_error("%s: --format must be text or json, not '%s'", cmd, format);
	return MVB_EXIT_USAGE;
}
