/* app.c - app manifest parser (schema 1) and its resolution against a board. */
#include <stdio.h>
#include <string.h>
#include "mvb/app.h"
#include "mvb/app_header.h"
#include "mvb/status.h"
#include "yaml_int.h"

int mvb_version_parse(const char *s, unsigned *major, unsigned *minor, unsigned *patch)
{
	unsigned v[3] = { 0, 0, 0 };
	static const unsigned lim[3] = { 255, 255, 65535 };
	for (int i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (*s == '0' && s[1] >= '0' && s[1] <= '9')
			return -1; /* no leading zeros */
		unsigned long x = 0;
		while (*s >= '0' && *s <= '9') {
			x = x * 10 + (unsigned long)(*s++ - '0');
			if (x > lim[i])
				return -1;
		}
		v[i] = (unsigned)x;
		if (i < 2 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	*major = v[0];
	*minor = v[1];
	*patch = v[2];
	return 0;
}

int mvb_app_parse_ms(const char *s, uint32_t *ms)
{
	uint64_t v = 0;
	size_t i = 0;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > 0xffffffffu)
			return -1;
	}
	if (strcmp(s + i, "s") == 0)
		v *= 1000;
	else if (strcmp(s + i, "m") == 0)
		v *= 60000;
	else if (strcmp(s + i, "h") == 0)
		v *= 3600000;
	else if (strcmp(s + i, "ms") != 0)
		return -1;
	if (v > 0xffffffffu)
		return -1;
	*ms = (uint32_t)v;
	return 0;
}

uint32_t mvb_app_trial_default_ms(uint32_t watchdog_ms)
{
	/* a watchdog is at most an hour, so twice it fits */
	return watchdog_ms > MVB_APP_TRIAL_DEFAULT_MS / 2 ? 2 * watchdog_ms : MVB_APP_TRIAL_DEFAULT_MS;
}

void mvb_app_init(struct mvb_app *a)
{
	memset(a, 0, sizeof(*a));
	a->trial_ms = MVB_APP_TRIAL_DEFAULT_MS;
}

/* confirm: 'after DURATION', 'explicit within DURATION' or 'at-install',
 * for an app with the watchdog deadline wd_ms (0: none).  Returns nonzero
 * after reporting what is wrong at n. */
static int parse_confirm(struct ycx *cx, const struct ynode *n, uint32_t wd_ms, struct mvb_app *a)
{
	char v[48], buf[48], *w[4];
	unsigned nw = 0;
	if (y_str(cx, n, "confirm", v, sizeof(v)))
		return 1;
	memcpy(buf, v, strlen(v) + 1);
	for (char *p = buf; *p && nw < 4;) {
		while (*p == ' ')
			*p++ = 0;
		if (*p)
			w[nw++] = p;
		while (*p && *p != ' ')
			p++;
	}
	struct mvb_loc l = y_loc(cx, n);
	const char *dur = NULL;
	if (nw == 1 && !strcmp(w[0], "at-install")) {
		a->confirm_flags = 0;
		a->trial_ms = 0;
		return 0;
	}
	if (nw >= 1 && nw <= 2 && !strcmp(w[0], "after")) {
		dur = nw == 2 ? w[1] : "";
	} else if (nw >= 1 && nw <= 3 && !strcmp(w[0], "explicit") && (nw == 1 || !strcmp(w[1], "within"))) {
		dur = nw == 3 ? w[2] : "";
		a->confirm_flags = MVB_APPHDR_F_CONFIRM_EXPLICIT;
	} else {
		return mvb_report_hint(cx->d, &l, MVB_CK_YAML_ENUM,
				       "write 'after DURATION', 'explicit within DURATION' or 'at-install'",
				       "confirm '%s' is not a way to confirm a release", v);
	}
	if (!*dur)
		return mvb_report_hint(cx->d, &l, MVB_CK_YAML_RANGE, "write e.g. 'after 60s' or 'explicit within 10m'",
				       "confirm '%s' needs a duration", v);
	if (mvb_app_parse_ms(dur, &a->trial_ms) || a->trial_ms < MVB_APP_TRIAL_MIN_MS ||
	    a->trial_ms > MVB_APPHDR_TRIAL_MAX_MS)
		return mvb_report_hint(cx->d, &l, MVB_CK_YAML_RANGE, "write e.g. 60s, 10m or 2h, from 1s to 24h",
				       "confirm '%s': '%s' is not a trial the microvisor keeps", v, dur);
	/* confirmed after a time without a crash: an app that hangs at its
	 * start would be confirmed before its watchdog fired */
	if (!a->confirm_flags && wd_ms && a->trial_ms <= wd_ms)
		return mvb_report_hint(cx->d, &l, MVB_CK_YAML_RANGE,
				       "make the trial longer than the watchdog, or use 'explicit within DURATION'",
				       "confirm '%s' ends the trial before the watchdog (%u ms) can catch an app that "
				       "hangs at its start",
				       v, wd_ms);
	return 0;
}

int mvb_app_parse(struct mvb_app *a, const char *file, const void *text, size_t len, struct mvb_diags *d)
{
	struct ycx cxs = { file, d }, *cx = &cxs;
	struct ydoc doc;
	mvb_app_init(a);
	int rc = mvb_yaml_load(cx, text, len, &doc);
	if (rc)
		return rc;
	static const char *const keys[] = { "schema", "name", "version", "security-counter", "peripherals", "irqs",
					    "watchdog", "update-defer", "confirm", NULL };
	static const char *const req[] = { "schema", "name", "version", NULL };
	const struct ynode *root = doc.root, *n;
	int e;
	if ((e = y_keys(cx, root, "the app manifest", keys, req)))
		goto out;
	uint32_t schema;
	if ((e = y_u32(cx, y_get(root, "schema"), "schema", 0, 0xffffffffu, &schema)))
		goto out;
	if (schema != 1) {
		struct mvb_loc l = y_loc(cx, y_get(root, "schema"));
		e = mvb_report_hint(d, &l, MVB_CK_APP_SCHEMA, "this mvbuild reads schema 1",
				    "app manifest schema %u is not supported", schema);
		goto out;
	}
	a->schema = schema;
	n = y_get(root, "name");
	if (!(e = y_str(cx, n, "app name", a->name, sizeof(a->name)))) {
		int ok = a->name[0] != 0;
		for (const char *s = a->name; *s && ok; s++)
			ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
			     *s == '_' || *s == '-' || *s == '.';
		if (!ok) {
			struct mvb_loc l = y_loc(cx, n);
			e = mvb_report(d, &l, MVB_CK_APP_NAME, "app name '%s' may only use letters, digits, '.', '_' and '-'",
				       a->name);
		}
	}
	n = y_get(root, "version");
	char ver[32];
	if (!y_str(cx, n, "version", ver, sizeof(ver))) {
		if (mvb_version_parse(ver, &a->major, &a->minor, &a->patch)) {
			struct mvb_loc l = y_loc(cx, n);
			e |= mvb_report_hint(d, &l, MVB_CK_APP_VERSION, "write e.g. 1.4.0",
					     "version '%s' is not MAJOR.MINOR.PATCH (max 255.255.65535)", ver);
		}
	} else {
		e = 1;
	}
	if ((n = y_get(root, "security-counter")))
		e |= y_u32(cx, n, "security-counter", 0, 0xffffffffu, &a->security_counter);
	if ((n = y_get(root, "watchdog"))) {
		char wd[24];
		if (y_str(cx, n, "watchdog", wd, sizeof(wd)))
			e = 1;
		else if (mvb_app_parse_ms(wd, &a->watchdog_ms) || a->watchdog_ms < MVB_APPHDR_WATCHDOG_MIN_MS ||
			 a->watchdog_ms > MVB_APPHDR_WATCHDOG_MAX_MS) {
			struct mvb_loc l = y_loc(cx, n);
			e |= mvb_report_hint(d, &l, MVB_CK_YAML_RANGE, "write e.g. 2s or 500ms, from 10ms to 3600s",
					     "watchdog '%s' is not a deadline the microvisor keeps", wd);
		}
	}
	if ((n = y_get(root, "update-defer"))) {
		char ud[24];
		if (y_str(cx, n, "update-defer", ud, sizeof(ud)))
			e = 1;
		else if (mvb_app_parse_ms(ud, &a->update_defer_ms) || a->update_defer_ms > MVB_APPHDR_UPDATE_DEFER_MAX_MS) {
			struct mvb_loc l = y_loc(cx, n);
			e |= mvb_report_hint(d, &l, MVB_CK_YAML_RANGE, "write e.g. 30s or 500ms, from 0 to 600s",
					     "update-defer '%s' is not a delay the microvisor grants", ud);
		}
	}
	/* after the watchdog: the default trial and the check depend on it */
	int wd_ok = a->watchdog_ms <= MVB_APPHDR_WATCHDOG_MAX_MS;
	a->trial_ms = mvb_app_trial_default_ms(wd_ok ? a->watchdog_ms : 0);
	if ((n = y_get(root, "confirm")) && parse_confirm(cx, n, wd_ok ? a->watchdog_ms : 0, a))
		e = 1;
	if ((n = y_get(root, "peripherals"))) {
		if (y_expect(cx, n, YN_SEQ, "peripherals"))
			e = 1;
		else if (n->n > MVB_APP_MAX_PERIPHERALS) {
			struct mvb_loc l = y_loc(cx, n);
			e |= mvb_report(d, &l, MVB_CK_YAML_RANGE, "more than %d peripherals", MVB_APP_MAX_PERIPHERALS);
		} else {
			for (size_t i = 0; i < n->n; i++) {
				unsigned k = a->nperipherals;
				if (y_str(cx, n->kids[i], "peripheral name", a->peripherals[k], MVB_NAME_MAX)) {
					e = 1;
					continue;
				}
				a->periph_line[k] = n->kids[i]->line;
				a->periph_col[k] = n->kids[i]->col;
				a->nperipherals++;
			}
		}
	}
	if ((n = y_get(root, "irqs"))) {
		if (y_expect(cx, n, YN_SEQ, "irqs"))
			e = 1;
		else if (n->n > MVB_APP_MAX_IRQS) {
			struct mvb_loc l = y_loc(cx, n);
			e |= mvb_report(d, &l, MVB_CK_YAML_RANGE, "more than %d IRQs", MVB_APP_MAX_IRQS);
		} else {
			for (size_t i = 0; i < n->n; i++) {
				uint32_t irq;
				if (y_u32(cx, n->kids[i], "IRQ number", 0, 255, &irq)) {
					e = 1;
					continue;
				}
				a->irqs[a->nirqs] = (uint16_t)irq;
				a->irq_line[a->nirqs] = n->kids[i]->line;
				a->irq_col[a->nirqs] = n->kids[i]->col;
				a->nirqs++;
			}
		}
	}
out:
	mvb_yaml_free(&doc);
	return e ? MVB_EINPUT : 0;
}

unsigned mvb_app_resolve(const struct mvb_app *a, const struct mvb_board *b, const char *file, struct mvb_grant *g,
			 struct mvb_diags *d)
{
	unsigned errors = 0;
	struct mvb_loc l = MVB_LOC_INIT;
	l.file = file;
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < a->nperipherals; i++) {
		l.line = a->periph_line[i];
		l.col = a->periph_col[i];
		size_t k;
		for (k = 0; k < b->nper; k++)
			if (!strcmp(b->per[k].name, a->peripherals[i]))
				break;
		if (k == b->nper) {
			errors += mvb_report_hint(d, &l, MVB_CK_PERIPH_UNKNOWN, "'mvbuild boards show' lists them",
						  "board '%s' has no peripheral '%s'", b->name, a->peripherals[i]) != 0;
			continue;
		}
		if (b->per[k].owner != MVB_OWNER_APP) {
			errors += mvb_report(d, &l, MVB_CK_PERIPH_NOT_ASSIGNABLE,
					     "peripheral '%s' belongs to the microvisor on board '%s'", a->peripherals[i],
					     b->name) != 0;
			continue;
		}
		g->periph_mask[k / 32] |= 1u << (k % 32);
	}
	for (unsigned i = 0; i < a->nirqs; i++) {
		l.line = a->irq_line[i];
		l.col = a->irq_col[i];
		int owned = 0;
		for (size_t k = 0; k < b->nper && !owned; k++) {
			if (!(g->periph_mask[k / 32] & (1u << (k % 32))))
				continue;
			for (unsigned q = 0; q < b->per[k].nirqs; q++)
				owned |= b->per[k].irqs[q] == a->irqs[i];
		}
		if (!owned) {
			errors += mvb_report_hint(d, &l, MVB_CK_IRQ_NOT_OWNED, "declare the peripheral that raises it",
						  "IRQ %u belongs to none of the app's peripherals", a->irqs[i]) != 0;
			continue;
		}
		g->irq_mask[a->irqs[i] / 32] |= 1u << (a->irqs[i] % 32);
	}
	return errors;
}
