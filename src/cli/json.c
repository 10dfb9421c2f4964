/* json.c - a small streaming JSON writer for --format json output. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static void put(struct json *j, const char *s)
{
	mvb_buf_puts(j->b, s);
}

static void indent(struct json *j)
{
	mvb_buf_puts(j->b, "\n");
	for (int i = 0; i < j->depth; i++)
		mvb_buf_puts(j->b, "  ");
}

static void escaped(struct json *j, const char *s)
{
	put(j, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': put(j, "\\\""); break;
		case '\\': put(j, "\\\\"); break;
		case '\n': put(j, "\\n"); break;
		case '\t': put(j, "\\t"); break;
		case '\r': put(j, "\\r"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				mvb_buf_printf(j->b, "\\u%04x", *p);
			else
				mvb_buf_append(j->b, p, 1);
		}
	}
	put(j, "\"");
}

/* Separator, indentation and key before a value. */
static void key(struct json *j, const char *k)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			put(j, ",");
		j->first[j->depth] = 0;
		indent(j);
	}
	if (k) {
		escaped(j, k);
		put(j, ": ");
	}
}

void json_begin(struct json *j, struct mvb_buf *b)
{
	memset(j, 0, sizeof(*j));
	j->b = b;
}

static void open_(struct json *j, const char *k, const char *c)
{
	key(j, k);
	put(j, c);
	if (j->depth < 31)
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_(struct json *j, const char *c)
{
	int empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	put(j, c);
	if (j->depth == 0)
		put(j, "\n");
}

void json_obj(struct json *j, const char *k) { open_(j, k, "{"); }
void json_arr(struct json *j, const char *k) { open_(j, k, "["); }
void json_end_obj(struct json *j) { close_(j, "}"); }
void json_end_arr(struct json *j) { close_(j, "]"); }

void json_str(struct json *j, const char *k, const char *v)
{
	key(j, k);
	if (v)
		escaped(j, v);
	else
		put(j, "null");
}

void json_int(struct json *j, const char *k, long long v)
{
	key(j, k);
	mvb_buf_printf(j->b, "%lld", v);
}

void json_bool(struct json *j, const char *k, int v)
{
	key(j, k);
	put(j, v ? "true" : "false");
}

void json_null(struct json *j, const char *k)
{
	key(j, k);
	put(j, "null");
}

void json_hex(struct json *j, const char *k, unsigned long v)
{
	char s[16];
	snprintf(s, sizeof(s), "0x%08lx", v);
	json_str(j, k, s);
}

static const char *const sev_names[] = { "note", "warning", "error" };

void json_diags(struct json *j, const struct mvb_diags *d)
{
	json_arr(j, "findings");
	for (size_t i = 0; i < d->n; i++) {
		const struct mvb_diag *g = &d->v[i];
		json_obj(j, NULL);
		json_str(j, "id", mvb_check_info(g->check)->id);
		json_str(j, "severity", sev_names[g->severity]);
		json_str(j, "message", g->message);
		if (g->hint)
			json_str(j, "hint", g->hint);
		else
			json_null(j, "hint");
		json_obj(j, "location");
		json_str(j, "file", g->file);
		if (g->line) {
			json_int(j, "line", g->line);
			json_int(j, "column", g->col);
		}
		if (g->segment >= 0)
			json_int(j, "segment", g->segment);
		if (g->section)
			json_str(j, "section", g->section);
		if (g->has_range) {
			json_hex(j, "start", g->lo);
			json_hex(j, "end", g->hi);
		}
		if (g->has_offset)
			json_int(j, "offset", (long long)g->offset);
		json_end_obj(j);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_int(j, "errors", d->errors);
	json_int(j, "warnings", d->warnings);
}

void json_raw(struct json *j, const char *k, const char *raw)
{
	key(j, k);
	put(j, raw);
}
