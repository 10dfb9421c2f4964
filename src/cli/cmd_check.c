/* cmd_check.c - `mvbuild check`: load, check, render text or JSON. */
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"

void check_run_release(struct check_run *r)
{
	mvb_elf_release(&r->elf);
	free(r->elf_data);
	mvb_board_release(&r->board);
	mvb_diags_release(&r->diags);
}

int check_run_exec(struct check_run *r, const char *elf, const char *board, const char *app, const char *api)
{
	memset(r, 0, sizeof(*r));
	mvb_app_init(&r->app); /* what an app without a manifest gets */
	r->elf_path = elf;
	r->board_arg = board;
	r->app_path = app;
	r->api_path = api;
	int rc = cli_read(r->elf_path, &r->elf_data, &r->elf_len);
	if (rc)
		return rc;
	if ((rc = cli_load_board(r->board_arg, &r->board, &r->diags)))
		return rc;
	rc = mvb_elf_parse(&r->elf, r->elf_path, r->elf_data, r->elf_len, &r->diags);
	if (rc == MVB_ENOMEM) {
		cli_error("out of memory");
		return MVB_EXIT_IO;
	}
	if (rc)
		return MVB_EXIT_FINDINGS;

	/* the app manifest: --app, else the copy embedded by the SDK */
	unsigned char *app_text = NULL;
	size_t app_len = 0;
	if (r->app_path) {
		if ((rc = cli_read(r->app_path, &app_text, &app_len)))
			return rc;
		r->app_file = r->app_path;
	} else if (r->elf.app_manifest) {
		snprintf(r->app_file_buf, sizeof(r->app_file_buf), "%s(.mvb.app)", r->elf_path);
		r->app_file = r->app_file_buf;
	}
	if (r->app_file) {
		const void *t = app_text ? (const void *)app_text : (const void *)r->elf.app_manifest;
		size_t n = app_text ? app_len : r->elf.app_manifest_len;
		/* a non-alloc section may be padded with NULs after the text */
		while (!app_text && n && ((const char *)t)[n - 1] == 0)
			n--;
		rc = mvb_app_parse(&r->app, r->app_file, t, n, &r->diags);
		if (!rc && app_text && r->elf.app_manifest) {
			size_t en = r->elf.app_manifest_len;
			while (en && r->elf.app_manifest[en - 1] == 0)
				en--;
			if (en != app_len || memcmp(app_text, r->elf.app_manifest, en)) {
				struct mvb_loc l = MVB_LOC_INIT;
				l.file = r->app_path;
				mvb_report(&r->diags, &l, MVB_CK_APP_MANIFEST_DIFFERS,
					   "'%s' differs from the manifest embedded in '%s'; using '%s'", r->app_path,
					   r->elf_path, r->app_path);
			}
		}
		free(app_text);
		if (rc == MVB_ENOMEM) {
			cli_error("out of memory");
			return MVB_EXIT_IO;
		}
		if (rc)
			return MVB_EXIT_FINDINGS;
		r->have_app = 1;
	}
	if ((rc = cli_load_api(r->api_path, &r->board, &r->api, &r->have_api, &r->diags)))
		return rc;
	struct mvb_check_in in = { &r->elf, r->elf_path, &r->board, r->have_app ? &r->app : NULL, r->app_file,
				   r->have_api ? &r->api : NULL };
	r->errors = mvb_check_run(&in, &r->out, &r->diags);
	return -1;
}

static int granted(const struct check_run *x, size_t i)
{
	return (x->out.grant.periph_mask[i / 32] & (1u << (i % 32))) != 0;
}

/* The pins the app gets with its peripherals (boards that list pins). */
static void print_pins(const struct check_run *x)
{
	int board_pins = 0, any = 0;
	for (size_t i = 0; i < x->board.nper; i++)
		board_pins |= x->board.per[i].npins != 0;
	if (!board_pins)
		return;
	printf("  pins:");
	for (size_t i = 0; i < x->board.nper; i++) {
		const struct mvb_peripheral *p = &x->board.per[i];
		if (!granted(x, i) || !p->npins)
			continue;
		printf("%s %s", any++ ? ";" : "", p->name);
		for (unsigned k = 0; k < p->npins; k++)
			printf("%s %s P%c%u AF%u", k ? "," : "", p->pins[k].signal, 'A' + p->pins[k].port, p->pins[k].num,
			       p->pins[k].af);
	}
	printf("%s\n", any ? "" : " none");
}

/* The summary that follows the findings. */
static void render_text(struct cli_run *run, const struct check_run *r)
{
	cli_show(run);
	const struct check_run *x = r;
	printf("%s: ", x->elf_path);
	if (x->have_app)
		printf("app '%s' %u.%u.%u", x->app.name, x->app.major, x->app.minor, x->app.patch);
	else
		printf("app (no manifest)");
	printf(" on board %s\n", x->board.name);
	for (int i = 0; i < 2; i++) {
		const struct mvb_usage *u = &x->out.usage[i];
		char sz[32];
		cli_size_str(u->size, sz, sizeof(sz));
		printf("  %-10s 0x%08x  %9u B used of %-8s %5.1f%%\n", u->partition, u->base, u->used, sz,
		       u->size ? 100.0 * u->used / u->size : 0.0);
	}
	printf("  peripherals:");
	int any = 0;
	for (size_t i = 0; i < x->board.nper; i++)
		if (x->out.grant.periph_mask[i / 32] & (1u << (i % 32)))
			printf("%s %s", any++ ? "," : "", x->board.per[i].name);
	printf("%s\n", any ? "" : " none");
	print_pins(x);
	printf("  IRQs:");
	any = 0;
	for (unsigned i = 0; i < 256; i++)
		if (x->out.grant.irq_mask[i / 32] & (1u << (i % 32)))
			printf("%s %u", any++ ? "," : "", i);
	printf("%s\n", any ? "" : " none");
	if (x->have_app && x->app.watchdog_ms)
		printf("  watchdog: %u ms (the app feeds it with mv_watchdog_feed)\n", x->app.watchdog_ms);
	if (x->have_app && x->app.update_defer_ms)
		printf("  update deferral: up to %u ms (the app sees the deadline in mv_info)\n", x->app.update_defer_ms);
	cli_print_confirm(x->app.confirm_flags, x->app.trial_ms, x->app.watchdog_ms);
	if (x->have_api) {
		printf("  microvisor calls:");
		for (unsigned i = 0; i < x->out.ncalls; i++)
			printf("%s %s", i ? "," : "", x->out.calls[i]);
		printf("%s (needs ABI >= %u.%u; firmware has %u.%u)\n", x->out.ncalls ? "" : " none",
		       x->out.min_abi >> 16, x->out.min_abi & 0xffff, x->api.abi >> 16, x->api.abi & 0xffff);
	}
	printf("check: %u error%s, %u warning%s\n", run->diags.errors, run->diags.errors == 1 ? "" : "s",
	       run->diags.warnings, run->diags.warnings == 1 ? "" : "s");
}

static void render_json(struct cli_run *run, const struct check_run *r, int ran)
{
	struct json *j = cli_doc(run);
	json_str(j, "file", r->elf_path);
	json_str(j, "board", r->board.name[0] ? r->board.name : NULL);
	if (r->have_app) {
		char v[32];
		snprintf(v, sizeof(v), "%u.%u.%u", r->app.major, r->app.minor, r->app.patch);
		json_obj(j, "app");
		json_str(j, "name", r->app.name);
		json_str(j, "version", v);
		json_str(j, "manifest", r->app_file);
		json_end_obj(j);
	} else {
		json_null(j, "app");
	}
	json_bool(j, "checked", ran);
	cli_doc_findings(run);
	json_arr(j, "partitions");
	for (int i = 0; ran && i < 2; i++) {
		const struct mvb_usage *u = &r->out.usage[i];
		json_obj(j, NULL);
		json_str(j, "name", u->partition);
		json_hex(j, "base", u->base);
		json_int(j, "size", u->size);
		json_int(j, "used", u->used);
		char pct[16];
		snprintf(pct, sizeof(pct), "%.1f", u->size ? 100.0 * u->used / u->size : 0.0);
		json_raw(j, "percent", pct);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_arr(j, "peripherals");
	for (size_t i = 0; ran && i < r->board.nper; i++)
		if (r->out.grant.periph_mask[i / 32] & (1u << (i % 32)))
			json_str(j, NULL, r->board.per[i].name);
	json_end_arr(j);
	json_arr(j, "pins");
	for (size_t i = 0; ran && i < r->board.nper; i++)
		for (unsigned k = 0; granted(r, i) && k < r->board.per[i].npins; k++) {
			const struct mvb_pin *pn = &r->board.per[i].pins[k];
			char name[8];
			snprintf(name, sizeof(name), "P%c%u", 'A' + pn->port, pn->num);
			json_obj(j, NULL);
			json_str(j, "peripheral", r->board.per[i].name);
			json_str(j, "signal", pn->signal);
			json_str(j, "pin", name);
			json_int(j, "af", pn->af);
			json_end_obj(j);
		}
	json_end_arr(j);
	json_arr(j, "irqs");
	for (unsigned i = 0; ran && i < 256; i++)
		if (r->out.grant.irq_mask[i / 32] & (1u << (i % 32)))
			json_int(j, NULL, i);
	json_end_arr(j);
	json_int(j, "watchdog_ms", ran && r->have_app ? r->app.watchdog_ms : 0);
	json_int(j, "update_defer_ms", ran && r->have_app ? r->app.update_defer_ms : 0);
	if (ran)
		cli_json_confirm(j, r->app.confirm_flags, r->app.trial_ms);
	else
		json_null(j, "confirm");
	if (ran && r->have_api) {
		char v[16];
		json_obj(j, "microvisor");
		snprintf(v, sizeof(v), "%u.%u", r->api.abi >> 16, r->api.abi & 0xffff);
		json_str(j, "firmware_abi", v);
		snprintf(v, sizeof(v), "%u.%u", r->out.min_abi >> 16, r->out.min_abi & 0xffff);
		json_str(j, "min_abi", v);
		json_arr(j, "calls");
		for (unsigned i = 0; i < r->out.ncalls; i++)
			json_str(j, NULL, r->out.calls[i]);
		json_end_arr(j);
		json_end_obj(j);
	} else {
		json_null(j, "microvisor");
	}
}

int cmd_check(struct cli_run *run, int argc, char **argv)
{
	const char *board = MVB_DEFAULT_BOARD, *app = NULL, *format = "text", *api = NULL;
	int werror = 0;
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board, "NAME|FILE", "board name or manifest path (default mps2-an505)" },
		{ 'a', "app", OPT_STRING, &app, "FILE", "app manifest (default: the one embedded in the ELF)" },
		{ 0, "api", OPT_STRING, &api, "FILE", "secure entry table (default: the board's prebuilt firmware)" },
		{ 0, "format", OPT_STRING, &format, "text|json", "output format (default text)" },
		{ 0, "werror", OPT_FLAG, &werror, NULL, "treat warnings as errors for the exit status" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = { "check",
				       "check APP.elf [--board NAME|FILE] [--app FILE] [--api FILE] [--format text|json] [--werror]",
				       "Check a non-secure app ELF against a board manifest, the app's manifest and the\n"
				       "microvisor's secure entry table; report every finding.",
				       opts, 1, 1 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if ((rc = cli_format("check", format, &run->json)))
		return rc;
	run->diag_out = stdout; /* the report: findings, then the summary */
	struct check_run r;
	rc = check_run_exec(&r, pos[0], board, app, api);
	cli_take(run, &r.diags);
	if (rc >= 0 && rc != MVB_EXIT_FINDINGS) {
		check_run_release(&r);
		return rc;
	}
	int ran = rc < 0;
	if (run->json)
		render_json(run, &r, ran);
	else if (ran)
		render_text(run, &r);
	int status = (run->diags.errors || !ran || (werror && run->diags.warnings)) ? MVB_EXIT_FINDINGS : MVB_EXIT_OK;
	check_run_release(&r);
	return status;
}
