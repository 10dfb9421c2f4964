/* opt.c - option tables: parsing and the --help text come from one table. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

static const struct opt *find_long(const struct opt *o, const char *name, size_t n)
{
	for (; o->long_name; o++)
		if (strlen(o->long_name) == n && !strncmp(o->long_name, name, n))
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *o, char c)
{
	for (; o->long_name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int set_value(const struct cmd_spec *spec, const struct opt *o, const char *v)
{
	if (o->kind == OPT_STRING) {
		*(const char **)o->value = v;
		return 0;
	}
	char *end;
	if (!*v || *v == '-') {
		cli_error("%s: --%s needs a number, not '%s'", spec->name, o->long_name, v);
		return MVB_EXIT_USAGE;
	}
	/* decimal, or hex with 0x; a leading 0 is not octal */
	int hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
	unsigned long long x = strtoull(v, &end, hex ? 16 : 10);
	if (*end || x > 0xffffffffull) {
		cli_error("%s: --%s needs a number up to 4294967295, not '%s'", spec->name, o->long_name, v);
		return MVB_EXIT_USAGE;
	}
	*(unsigned long *)o->value = (unsigned long)x;
	return 0;
}

void opt_help(const struct cmd_spec *spec, FILE *f)
{
	fprintf(f, "usage: mvbuild %s\n\n%s\n", spec->synopsis, spec->summary);
	if (!spec->opts || !spec->opts[0].long_name)
		return;
	fprintf(f, "\noptions:\n");
	for (const struct opt *o = spec->opts; o->long_name; o++) {
		char left[64];
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", o->short_name ? "-" : "", o->short_name ? o->short_name : ' ',
			 o->short_name ? ", " : "  ", o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-26s %s\n", o->short_name ? left : left + 2, o->help);
	}
	fprintf(f, "  %-26s %s\n", "-h, --help", "show this help and exit");
}

int opt_parse(const struct cmd_spec *spec, int argc, char **argv, const char **pos, int *npos)
{
	static const struct opt none[] = { { 0, NULL, OPT_FLAG, NULL, NULL, NULL } };
	const struct opt *opts = spec->opts ? spec->opts : none;
	int only_pos = 0;
	*npos = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			opt_help(spec, stdout);
			return MVB_EXIT_OK;
		}
		if (!only_pos && !strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt *o = find_long(opts, name, n);
			if (!o) {
				size_t nopts = 0;
				while (opts[nopts].short_name || opts[nopts].long_name)
					nopts++;
				const char *near = cli_suggest(name, n, &opts[0].long_name, nopts, sizeof(opts[0]));
				char clean[64];
				cli_sanitize(name, clean, n + 1 < sizeof(clean) ? n + 1 : sizeof(clean));
				if (near)
					cli_error("%s: unknown option '--%s'; did you mean '--%s'? (see 'mvbuild %s --help')",
						  spec->name, clean, near, spec->name);
				else
					cli_error("%s: unknown option '--%s' (see 'mvbuild %s --help')", spec->name, clean,
						  spec->name);
				return MVB_EXIT_USAGE;
			}
			if (o->kind == OPT_FLAG) {
				if (eq) {
					cli_error("%s: --%s takes no value", spec->name, o->long_name);
					return MVB_EXIT_USAGE;
				}
				*(int *)o->value = 1;
				continue;
			}
			const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!v) {
				cli_error("%s: --%s needs %s", spec->name, o->long_name, o->arg ? o->arg : "a value");
				return MVB_EXIT_USAGE;
			}
			int rc = set_value(spec, o, v);
			if (rc)
				return rc;
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1]) {
			for (const char *c = a + 1; *c; c++) {
				const struct opt *o = find_short(opts, *c);
				if (!o) {
					cli_error("%s: unknown option '-%c' (see 'mvbuild %s --help')", spec->name, *c,
						  spec->name);
					return MVB_EXIT_USAGE;
				}
				if (o->kind == OPT_FLAG) {
					*(int *)o->value = 1;
					continue;
				}
				const char *v = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!v) {
					cli_error("%s: -%c needs %s", spec->name, *c, o->arg ? o->arg : "a value");
					return MVB_EXIT_USAGE;
				}
				int rc = set_value(spec, o, v);
				if (rc)
					return rc;
				break;
			}
			continue;
		}
		if (*npos == 16 || (spec->max_args >= 0 && *npos >= spec->max_args)) {
			cli_error("%s: unexpected argument '%s'", spec->name, a);
			return MVB_EXIT_USAGE;
		}
		pos[(*npos)++] = a;
	}
	if (*npos < spec->min_args) {
		cli_error("%s: missing argument; usage: mvbuild %s", spec->name, spec->synopsis);
		return MVB_EXIT_USAGE;
	}
	return -1;
}
