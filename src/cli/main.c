/* main.c - the command table and dispatch: every command runs inside a
 * struct cli_run and leaves through cli_finish, then standard output is
 * checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"

static const struct command commands[] = {
	{ "check", "check an app ELF against a board, its app manifest and the firmware", cmd_check },
	{ "boards", "list boards, show a board's resolved layout, validate a manifest", cmd_boards },
	{ "gen", "generate the firmware config header or linker regions from a board", cmd_gen },
	{ "init", "create an app project from the template", cmd_init },
	{ "bundle", "link an app with the microvisor into a signed bundle or a factory image", cmd_bundle },
	{ "verify", "check a bundle's structure, hashes, board and signatures", cmd_verify },
	{ "inspect", "show what a bundle or app holds, where it lands, and a memory map", cmd_inspect },
	{ "keygen", "generate an ECDSA P-256 signing key", cmd_keygen },
	{ "digest", "print (and write) what a bundle's signatures cover", cmd_digest },
	{ "sign", "add a signature to a bundle", cmd_sign },
	{ "flash", "write a bundle or factory image to a device through a GDB server, verified", cmd_flash },
	{ "provision", "check or set a chip's option bytes (TrustZone, watermarks, boot address)", cmd_provision },
	{ "delta", "make an in-place patch from one raw image to another", cmd_delta },
	{ "patch", "apply a patch to a raw image as the device would", cmd_patch },
	{ "publish", "add a signed bundle (and deltas) to an update repository, index last", cmd_publish },
	{ "releases", "list the releases and deltas an update repository publishes", cmd_releases },
	{ "fetch", "download the latest release as a device would, checking the signed index", cmd_fetch },
	{ "serve", "answer a device's link: its update reads, log lines and report", cmd_serve },
	{ "status", "ask a device over its link what it runs and how it fares", cmd_status },
	{ "logs", "show a device's log as its link carries it, lost lines counted", cmd_logs },
	{ "decode", "turn the reason tokens of a microvisor console back into their texts", cmd_decode },
	{ "crash", "show a device's crash record, write it as a core file for gdb, fetch it", cmd_crash },
	{ "debug", "debug a device's app with gdb over its link, authorized by the debug key", cmd_debug },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mvbuild [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'mvbuild COMMAND --help' describes a command; mvbuild(1) the exit statuses.\n");
}

/* Standard output is flushed and closed here, after every command: output
 * that did not reach it (a full disk, /dev/full) is status 3, never 0. */
static int finish(int rc)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int e = errno;
	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		cli_error("cannot write to standard output: %s", strerror(e));
		if (rc == MVB_EXIT_OK || rc == MVB_EXIT_FINDINGS)
			rc = MVB_EXIT_IO;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MVB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return finish(MVB_EXIT_OK);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("mvbuild %s\n", MVB_VERSION_STRING);
		return finish(MVB_EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		struct cli_run r;
		cli_run_init(&r, commands[i].name);
		return finish(cli_finish(&r, commands[i].run(&r, argc - 1, argv + 1)));
	}
	const char *near = cli_suggest(argv[1], strlen(argv[1]), &commands[0].name, sizeof(commands) / sizeof(commands[0]),
				       sizeof(commands[0]));
	char clean[64];
	cli_sanitize(argv[1], clean, sizeof(clean));
	if (near)
		cli_error("unknown command '%s'; did you mean '%s'? (see 'mvbuild --help')", clean, near);
	else
		cli_error("unknown command '%s' (see 'mvbuild --help')", clean);
	return MVB_EXIT_USAGE;
}
