/* run.c - the one exit path of every command: the findings of the run
 * rendered as text, or the --format json document (with its findings)
 * printed, the status checked and the run released. */
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

void cli_run_init(struct cli_run *r, const char *cmd)
{
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	r->diag_out = stderr;
	mvb_buf_init(&r->buf, MVB_BUF_DEFAULT_MAX);
}

struct json *cli_doc(struct cli_run *r)
{
	if (!r->doc_open) {
		json_begin(&r->doc, &r->buf);
		json_obj(&r->doc, NULL);
		json_int(&r->doc, "schema", 1);
		r->doc_open = 1;
	}
	return &r->doc;
}

void cli_doc_findings(struct cli_run *r)
{
	json_diags(cli_doc(r), &r->diags);
	r->doc_findings = 1;
	r->shown = r->diags.n;
}

void cli_take(struct cli_run *r, struct mvb_diags *d)
{
	if (mvb_diags_move(&r->diags, d))
		cli_error("out of memory: findings were lost");
}

/* Renders the findings not shown yet to f, up to CLI_MAX_SHOWN in the
 * whole run (a hostile input can make 100,000); the rest are counted. */
static void show_to(struct cli_run *r, FILE *f)
{
	struct mvb_diags rest = r->diags;
	if (rest.v) /* none yet: no pointer to move (NULL + 0 is undefined) */
		rest.v += r->shown;
	rest.n -= r->shown;
	size_t room = r->printed < CLI_MAX_SHOWN ? CLI_MAX_SHOWN - r->printed : 0;
	if (rest.n > room) {
		r->hidden += rest.n - room;
		rest.n = room;
	}
	rest.oom = r->diags.oom && r->shown + rest.n == r->diags.n;
	cli_render_diags(f, &rest);
	r->printed += rest.n;
	r->shown = r->diags.n;
}

void cli_show(struct cli_run *r)
{
	if (r->json || r->shown == r->diags.n)
		return;
	show_to(r, r->diag_out);
}

int cli_status(struct cli_run *r, int rc)
{
	(void)r;
	switch (rc) {
	case MVB_OK:
		return MVB_EXIT_OK;
	case MVB_EINPUT:
	case MVB_ELIMIT:
		return MVB_EXIT_FINDINGS;
	case MVB_ENOMEM:
		cli_error("out of memory");
		return MVB_EXIT_IO;
	default:
		return MVB_EXIT_INTERNAL;
	}
}

int cli_finish(struct cli_run *r, int status)
{
	/* "the input is bad" always says what and where, with a check id */
	if (status == MVB_EXIT_FINDINGS && !r->diags.n) {
		cli_error("internal error: '%s' refused its input without a finding (a bug in mvbuild)", r->cmd);
		status = MVB_EXIT_INTERNAL;
	}
	if (r->json && status <= MVB_EXIT_FINDINGS) {
		/* a command that refused its input before it had anything to
		 * show still prints one document: what it was, and why */
		if (!r->doc_open)
			json_str(cli_doc(r), "command", r->cmd);
		if (!r->doc_findings)
			cli_doc_findings(r);
		json_end_obj(&r->doc);
		fwrite(r->buf.data, 1, r->buf.len, stdout);
	} else {
		/* text; or with json, usage and I/O problems: their message is on
		 * standard error and nothing goes to standard output, findings
		 * made before go there too */
		show_to(r, r->json ? stderr : r->diag_out);
	}
	if (r->hidden)
		fprintf(stderr, "mvbuild: %zu more finding%s not shown (%u error%s and %u warning%s in all; --format json lists every one)\n",
			r->hidden, r->hidden == 1 ? "" : "s", r->diags.errors, r->diags.errors == 1 ? "" : "s",
			r->diags.warnings, r->diags.warnings == 1 ? "" : "s");
	mvb_diags_release(&r->diags);
	mvb_buf_release(&r->buf);
	return status;
}
