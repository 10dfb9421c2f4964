/* yaml.c - strict one-document YAML loader over libyaml, and the typed
 * accessors manifest parsers use.  The only file that includes <yaml.h>. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "yaml_int.h"
#include "mvb/status.h"

struct mvb_loc y_loc(const struct ycx *cx, const struct ynode *n)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = cx->file;
	if (n) {
		l.line = n->line;
		l.col = n->col;
	}
	return l;
}

static int report_at(struct ycx *cx, unsigned line, unsigned col, enum mvb_check c, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int report_at(struct ycx *cx, unsigned line, unsigned col, enum mvb_check c, const char *fmt, ...)
{
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = cx->file;
	l.line = line;
	l.col = col;
	va_list ap;
	va_start(ap, fmt);
	int rc = mvb_vreport(cx->d, &l, c, mvb_check_info(c)->severity, NULL, fmt, ap);
	va_end(ap);
	return rc;
}

static struct ynode *node_new(struct ydoc *doc, enum ynode_kind kind, const yaml_mark_t *m)
{
	if (doc->nall == doc->alloc) {
		size_t na = doc->alloc ? doc->alloc * 2 : 64;
		struct ynode **nv = realloc(doc->all, na * sizeof(*nv));
		if (!nv)
			return NULL;
		doc->all = nv;
		doc->alloc = na;
	}
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	doc->all[doc->nall++] = n;
	return n;
}

static int add_kid(struct ynode *p, struct ynode *k)
{
	/* grow by doubling; n is small in manifests but bounded by node limit */
	if ((p->n & (p->n - 1)) == 0) {
		size_t na = p->n ? p->n * 2 : 4;
		struct ynode **nv = realloc(p->kids, na * sizeof(*nv));
		if (!nv)
			return MVB_ENOMEM;
		p->kids = nv;
	}
	p->kids[p->n++] = k;
	return 0;
}

void mvb_yaml_free(struct ydoc *doc)
{
	for (size_t i = 0; i < doc->nall; i++) {
		free(doc->all[i]->str);
		free(doc->all[i]->kids);
		free(doc->all[i]);
	}
	free(doc->all);
	memset(doc, 0, sizeof(*doc));
}

/* Rejects anchors and explicit tags on a node event. */
static int check_props(struct ycx *cx, const yaml_event_t *ev, const yaml_char_t *anchor, const yaml_char_t *tag,
		       int implicit)
{
	unsigned line = (unsigned)ev->start_mark.line + 1, col = (unsigned)ev->start_mark.column + 1;
	if (anchor)
		return report_at(cx, line, col, MVB_CK_YAML_ALIAS, "anchor '&%s' is not allowed in a manifest",
				 (const char *)anchor);
	if (tag && !implicit)
		return report_at(cx, line, col, MVB_CK_YAML_TAG, "explicit tag is not allowed in a manifest%s", "");
	return 0;
}

static int key_equal(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

struct keyref {
	const struct ynode *k;
	size_t at; /* position in the mapping's kids */
};

static int cmp_keyref(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	if (x->k->len != y->k->len)
		return x->k->len < y->k->len ? -1 : 1;
	int c = memcmp(x->k->str, y->k->str, x->k->len);
	return c ? c : x->at < y->at ? -1 : x->at > y->at;
}

/* Finishes a mapping: keys must be scalars and unique.  The keys are
 * sorted to find repeats (a mapping may hold 50,000 keys: comparing every
 * pair took seconds); each repeat is reported in file order, with the line
 * of the key's first use. */
static int check_map(struct ycx *cx, const struct ynode *m)
{
	int rc = 0;
	size_t nk = m->n / 2, nv = 0;
	struct keyref *v = malloc(nk * sizeof(*v) + 1);
	const struct ynode **first = calloc(nk + 1, sizeof(*first)); /* by key: its first use, when repeated */
	if (!v || !first) {
		free(v);
		free(first);
		cx->d->oom = 1;
		return MVB_ENOMEM;
	}
	for (size_t i = 0; i < nk; i++)
		if (m->kids[2 * i]->kind == YN_SCALAR)
			v[nv++] = (struct keyref){ m->kids[2 * i], i };
	qsort(v, nv, sizeof(*v), cmp_keyref);
	for (size_t a = 0, b; a < nv; a = b)
		for (b = a + 1; b < nv && key_equal(v[a].k, v[b].k); b++)
			first[v[b].at] = v[a].k;
	for (size_t i = 0; i < nk; i++) {
		const struct ynode *k = m->kids[2 * i];
		if (k->kind != YN_SCALAR) {
			rc = report_at(cx, k->line, k->col, MVB_CK_YAML_TYPE, "mapping keys must be plain words%s", "");
		} else if (first[i]) {
			char shown[48], hint[64];
			y_show(k, shown, sizeof(shown));
			struct mvb_loc l = y_loc(cx, k);
			snprintf(hint, sizeof(hint), "first defined at line %u", first[i]->line);
			rc = mvb_report_hint(cx->d, &l, MVB_CK_YAML_DUPLICATE_KEY, hint, "duplicate key '%s'", shown);
		}
	}
	free(v);
	free(first);
	return rc;
}

int mvb_yaml_load(struct ycx *cx, const void *text, size_t len, struct ydoc *doc)
{
	memset(doc, 0, sizeof(*doc));
	if (len > YAML_MAX_BYTES)
		return report_at(cx, 0, 0, MVB_CK_YAML_LIMIT, "manifest larger than 4 MiB%s", "");
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return MVB_ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);

	struct ynode *stack[YAML_MAX_DEPTH + 1];
	size_t depth = 0;
	int docs = 0, rc = 0, done = 0;
	while (!done && !rc) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			char msg[160];
			snprintf(msg, sizeof(msg), "%s%s%s", p.problem ? p.problem : "syntax error",
				 p.context ? " " : "", p.context ? p.context : "");
			rc = report_at(cx, (unsigned)p.problem_mark.line + 1, (unsigned)p.problem_mark.column + 1,
				       MVB_CK_YAML_SYNTAX, "%s", msg);
			break;
		}
		struct ynode *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = report_at(cx, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
					       MVB_CK_YAML_DOCUMENTS, "a second YAML document%s", "");
			break;
		case YAML_ALIAS_EVENT:
			rc = report_at(cx, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
				       MVB_CK_YAML_ALIAS, "alias '*%s' is not allowed in a manifest",
				       (const char *)ev.data.alias.anchor);
			break;
		case YAML_SCALAR_EVENT:
			rc = check_props(cx, &ev, ev.data.scalar.anchor, ev.data.scalar.tag,
					 ev.data.scalar.plain_implicit || ev.data.scalar.quoted_implicit);
			if (rc)
				break;
			n = node_new(doc, YN_SCALAR, &ev.start_mark);
			if (!n || !(n->str = malloc(ev.data.scalar.length + 1))) {
				rc = MVB_ENOMEM;
				break;
			}
			memcpy(n->str, ev.data.scalar.value, ev.data.scalar.length);
			n->str[ev.data.scalar.length] = 0;
			n->len = ev.data.scalar.length;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			int seq = ev.type == YAML_SEQUENCE_START_EVENT;
			rc = check_props(cx, &ev, seq ? ev.data.sequence_start.anchor : ev.data.mapping_start.anchor,
					 seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag,
					 seq ? ev.data.sequence_start.implicit : ev.data.mapping_start.implicit);
			if (rc)
				break;
			if (depth >= YAML_MAX_DEPTH) {
				rc = report_at(cx, (unsigned)ev.start_mark.line + 1, (unsigned)ev.start_mark.column + 1,
					       MVB_CK_YAML_LIMIT, "nesting deeper than %s levels", "32");
				break;
			}
			n = node_new(doc, seq ? YN_SEQ : YN_MAP, &ev.start_mark);
			if (!n)
				rc = MVB_ENOMEM;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth == 0)
				MVB_BUG("unbalanced YAML events");
			depth--;
			if (stack[depth]->kind == YN_MAP)
				rc = check_map(cx, stack[depth]);
			break;
		default:
			break;
		}
		if (!rc && n) {
			if (doc->nall > YAML_MAX_NODES)
				rc = report_at(cx, n->line, n->col, MVB_CK_YAML_LIMIT, "more than %s nodes", "100000");
			else if (depth > 0)
				rc = add_kid(stack[depth - 1], n);
			else if (!doc->root)
				doc->root = n;
			if (!rc && n->kind != YN_SCALAR)
				stack[depth++] = n;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (!rc && !doc->root) {
		rc = report_at(cx, 1, 1, MVB_CK_YAML_TYPE, "the manifest is empty%s", "");
	}
	if (rc) {
		mvb_yaml_free(doc);
		return rc == MVB_ENOMEM ? MVB_ENOMEM : MVB_EINPUT;
	}
	return 0;
}

/* ------------------------------------------------------------------ typed access */

void y_show(const struct ynode *n, char *out, size_t outsz)
{
	size_t o = 0;
	if (!outsz)
		return;
	if (n->kind != YN_SCALAR) {
		snprintf(out, outsz, "%s", n->kind == YN_MAP ? "{...}" : "[...]");
		return;
	}
	for (size_t i = 0; i < n->len && o + 1 < outsz; i++) {
		unsigned char c = (unsigned char)n->str[i];
		if (o + 4 >= outsz && i + 1 < n->len) {
			/* leave room for the ellipsis */
			out[o++] = '.';
			if (o + 1 < outsz)
				out[o++] = '.';
			break;
		}
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	out[o] = 0;
}

const struct ynode *y_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YN_MAP)
		return NULL;
	size_t kl = strlen(key);
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->kind == YN_SCALAR && map->kids[i]->len == kl && !memcmp(map->kids[i]->str, key, kl))
			return map->kids[i + 1];
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t prev[41], cur[41];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(size_t) * (lb + 1));
	}
	return prev[lb];
}

const char *y_suggest(const char *s, const char *const *words)
{
	const char *best = NULL;
	size_t bd = 3;
	for (; *words; words++) {
		size_t d = edit_distance(s, *words);
		if (d < bd) {
			bd = d;
			best = *words;
		}
	}
	return best;
}

int y_expect(struct ycx *cx, const struct ynode *n, enum ynode_kind kind, const char *what)
{
	static const char *const names[] = { "a single value", "a list", "a mapping" };
	if (n->kind == kind)
		return 0;
	struct mvb_loc l = y_loc(cx, n);
	return mvb_report(cx->d, &l, MVB_CK_YAML_TYPE, "%s must be %s, not %s", what, names[kind], names[n->kind]);
}

int y_keys(struct ycx *cx, const struct ynode *map, const char *what, const char *const *allowed,
	   const char *const *required)
{
	int rc = y_expect(cx, map, YN_MAP, what);
	if (rc)
		return rc;
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		if (k->kind != YN_SCALAR)
			continue; /* already reported by the loader */
		int known = 0;
		for (const char *const *a = allowed; *a && !known; a++)
			known = strlen(*a) == k->len && !memcmp(*a, k->str, k->len);
		if (known)
			continue;
		char shown[48], hint[80];
		y_show(k, shown, sizeof(shown));
		const char *s = y_suggest(shown, allowed);
		if (s)
			snprintf(hint, sizeof(hint), "did you mean '%s'?", s);
		struct mvb_loc l = y_loc(cx, k);
		rc = mvb_report_hint(cx->d, &l, MVB_CK_YAML_UNKNOWN_KEY, s ? hint : NULL, "unknown key '%s' in %s", shown,
				     what);
	}
	for (const char *const *r = required; r && *r; r++) {
		if (!y_get(map, *r)) {
			struct mvb_loc l = y_loc(cx, map);
			rc = mvb_report(cx->d, &l, MVB_CK_YAML_MISSING_KEY, "%s has no '%s'", what, *r);
		}
	}
	return rc;
}

int y_u32(struct ycx *cx, const struct ynode *n, const char *what, uint32_t min, uint32_t max, uint32_t *out)
{
	int rc = y_expect(cx, n, YN_SCALAR, what);
	if (rc)
		return rc;
	struct mvb_loc l = y_loc(cx, n);
	char shown[48];
	y_show(n, shown, sizeof(shown));
	const char *s = n->str;
	uint64_t v = 0;
	int digits = 0;
	/* Read every digit; past 32 bits v only stays above the range, so a
	 * too-large number is reported as out of range, not as "not a number". */
	if (n->plain && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (s += 2; isxdigit((unsigned char)*s); s++, digits++)
			if (v <= 0xffffffffu)
				v = v * 16 + (uint64_t)(isdigit((unsigned char)*s) ? *s - '0'
										   : (tolower((unsigned char)*s) - 'a' + 10));
	} else if (n->plain) {
		for (; isdigit((unsigned char)*s); s++, digits++)
			if (v <= 0xffffffffu)
				v = v * 10 + (uint64_t)(*s - '0');
	}
	uint64_t mul = 1;
	if (digits) {
		if (!strcmp(s, "KiB"))
			mul = 1024, s += 3;
		else if (!strcmp(s, "MiB"))
			mul = 1024 * 1024, s += 3;
		else if (!strcmp(s, "GiB"))
			mul = 1024 * 1024 * 1024, s += 3;
	}
	if (!digits || *s || (size_t)(s - n->str) != n->len)
		return mvb_report_hint(cx->d, &l, MVB_CK_YAML_TYPE, "write a decimal or 0x hex number, optionally with KiB or MiB",
				       "%s must be a number, not '%s'", what, shown);
	if (v <= 0xffffffffu)
		v *= mul; /* at most 2^32 * 2^30: no wrap */
	if (v < min || v > max)
		return mvb_report(cx->d, &l, MVB_CK_YAML_RANGE, "%s %s is out of range (%lu to %lu)", what, shown,
				  (unsigned long)min, (unsigned long)max);
	*out = (uint32_t)v;
	return 0;
}

int y_str(struct ycx *cx, const struct ynode *n, const char *what, char *out, size_t outsz)
{
	int rc = y_expect(cx, n, YN_SCALAR, what);
	if (rc)
		return rc;
	struct mvb_loc l = y_loc(cx, n);
	if (n->len >= outsz)
		return mvb_report(cx->d, &l, MVB_CK_YAML_RANGE, "%s is longer than %zu characters", what, outsz - 1);
	for (size_t i = 0; i < n->len; i++) {
		unsigned char c = (unsigned char)n->str[i];
		if (c < 0x20 || c == 0x7f)
			return mvb_report(cx->d, &l, MVB_CK_YAML_TYPE, "%s contains a control character", what);
	}
	memcpy(out, n->str, n->len + 1);
	return 0;
}

int y_enum(struct ycx *cx, const struct ynode *n, const char *what, const char *const *words, int *out)
{
	int rc = y_expect(cx, n, YN_SCALAR, what);
	if (rc)
		return rc;
	for (int i = 0; words[i]; i++) {
		if (strlen(words[i]) == n->len && !memcmp(words[i], n->str, n->len)) {
			*out = i;
			return 0;
		}
	}
	char shown[48], list[256] = "";
	y_show(n, shown, sizeof(shown));
	for (int i = 0; words[i]; i++) {
		size_t o = strlen(list);
		snprintf(list + o, sizeof(list) - o, "%s'%s'", i ? ", " : "", words[i]);
	}
	char hint[300];
	snprintf(hint, sizeof(hint), "use one of %s", list);
	struct mvb_loc l = y_loc(cx, n);
	return mvb_report_hint(cx->d, &l, MVB_CK_YAML_ENUM, hint, "%s '%s' is not a known value", what, shown);
}

int y_bool(struct ycx *cx, const struct ynode *n, const char *what, int *out)
{
	static const char *const words[] = { "false", "true", NULL };
	return y_enum(cx, n, what, words, out);
}
