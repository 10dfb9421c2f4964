/* cmd_provision.c - `mvbuild provision`: read a chip's option bytes
 * through the probe and, only when asked, write the ones the microvisor
 * needs (STM32U5: TrustZone, the secure watermarks, the boot address,
 * the banks not swapped) through OpenOCD's own commands; or print that
 * recipe for doing it by hand.  Never a write-protection, lock or RDP
 * command. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/cli.h"
#include "cli/probe.h"
#include "mvb/optbytes.h"
#include "mvb/rsp.h"

static void say_lines(const char *prefix, char *text, int error)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (error)
			cli_error("%s%s", prefix, line);
		else
			fprintf(stderr, "mvbuild: %s%s\n", prefix, line);
	}
}

/* The recipe for a chip fresh from the factory, as OpenOCD command lines. */
static void print_recipe(const struct mvb_board *b, const struct mvb_optb *o)
{
	uint32_t fresh[MVB_OPTB_REGS] = { 0 };
	char cmds[2048];
	mvb_optb_openocd(o, fresh, 1, cmds, sizeof(cmds));
	printf("# The option bytes of board '%s' by hand, with Debian's OpenOCD 0.12: two runs,\n"
	       "# the first turns TrustZone on (RDP must be level 0) and reloads the option bytes;\n"
	       "# that makes all flash secure, so the second sets the watermarks and the boot address.\n"
	       "# No write-protection, lock or RDP command: check afterwards with\n"
	       "#   mvbuild provision --board %s --check\n",
	       b->name, b->name);
	char *line = strtok(cmds, "\n");
	while (line) {
		printf("openocd -f %s -f %s -c '" PROBE_OPENOCD_RESET "' -c init -c 'reset halt'", b->openocd_config[0] ? b->openocd_config : "interface/stlink-dap.cfg",
		       b->openocd_target);
		for (; line && strcmp(line, "# then"); line = strtok(NULL, "\n"))
			printf(" -c '%s'", line);
		printf(" -c shutdown\n");
		if (line)
			line = strtok(NULL, "\n");
	}
}

static void show_values(const uint32_t v[MVB_OPTB_REGS])
{
	printf("OPTR 0x%08x SECBOOTADD0R 0x%08x SECWM1R1 0x%08x SECWM2R1 0x%08x\n", (unsigned)v[0], (unsigned)v[1],
	       (unsigned)v[2], (unsigned)v[3]);
}

/* Up to three rounds: read, check, write what is wrong (TrustZone alone
 * first), read again.  What the chip reads back decides, not what the
 * server answered: OpenOCD answers OK to a monitor command that failed. */
static int rounds(struct mvb_rsp *c, const struct mvb_board *b, const struct mvb_optb *o, int check_only)
{
	uint32_t v[MVB_OPTB_REGS];
	char why[2048], cmds[1024];
	for (int round = 0;; round++) {
		unsigned stuck;
		if (probe_read_optbytes(c, o, v)) {
			cli_error("provision: cannot read the option bytes: %s", c->err);
			return MVB_EXIT_IO;
		}
		unsigned n = mvb_optb_check(o, v, why, sizeof(why), &stuck);
		if (!n) {
			printf("%s: option bytes as the microvisor needs them: ", b->name);
			show_values(v);
			return MVB_EXIT_OK;
		}
		if (check_only || stuck || round == 3) {
			say_lines("provision: option bytes: ", why, 1);
			if (check_only)
				cli_error("provision: not provisioned (mvbuild provision --board %s sets %s)", b->name,
					  stuck ? "all but the items above that it cannot" : "them");
			else if (stuck)
				cli_error("provision: nothing was written: mvbuild does not do what the first item needs");
			else
				cli_error("provision: the option bytes still read wrong after %d rounds of writes", round);
			return MVB_EXIT_IO;
		}
		say_lines("provision: ", why, 0);
		mvb_optb_openocd(o, v, 0, cmds, sizeof(cmds));
		for (char *line = strtok(cmds, "\n"); line; line = strtok(NULL, "\n")) {
			fprintf(stderr, "mvbuild: provision: monitor %s\n", line);
			if (mvb_rsp_monitor(c, line)) {
				cli_error("provision: '%s': %s", line, c->err);
				return MVB_EXIT_IO;
			}
		}
		/* the option-byte load reset the chip: halt it again before reading */
		if (mvb_rsp_monitor(c, "reset halt")) {
			cli_error("provision: the probe lost the chip after the option-byte load (%s); run 'mvbuild "
				  "provision --board %s' again to go on", c->err, b->name);
			return MVB_EXIT_IO;
		}
	}
}

int cmd_provision(struct cli_run *r, int argc, char **argv)
{
	const char *probe_arg = NULL, *board_arg = NULL;
	int print = 0, check_only = 0;
	unsigned long reply_timeout = MVB_RSP_DEFAULT_TIMEOUT_MS / 1000;
	const struct opt opts[] = {
		{ 'b', "board", OPT_STRING, &board_arg, "NAME|FILE", "the board (required)" },
		{ 'p', "probe", OPT_STRING, &probe_arg, "openocd|gdb://HOST:PORT",
		  "how to reach the chip (default openocd; gdb:// must be an OpenOCD)" },
		{ 0, "check", OPT_FLAG, &check_only, NULL, "only read the option bytes and say what is wrong" },
		{ 0, "print", OPT_FLAG, &print, NULL, "print the OpenOCD commands for a fresh chip; touch nothing" },
		{ 0, "reply-timeout", OPT_UINT, &reply_timeout, "SECONDS",
		  "each reply of the GDB server must be complete within this (default 5)" },
		{ 0, NULL, OPT_FLAG, NULL, NULL, NULL },
	};
	const struct cmd_spec spec = {
		"provision",
		"provision --board NAME|FILE [--probe openocd|gdb://HOST:PORT] [--check] [--print] [--reply-timeout SECONDS]",
		"Read a chip's option bytes through the probe and set the ones the microvisor\n"
		"needs (STM32U5: TrustZone, secure watermarks, boot address, banks not swapped).\n"
		"Never write protection, never RDP.",
		opts, 0, 0 };
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!board_arg) {
		cli_error("provision: --board is required");
		return MVB_EXIT_USAGE;
	}
	if (reply_timeout == 0 || reply_timeout > 3600) {
		cli_error("provision: --reply-timeout must be 1..3600 seconds");
		return MVB_EXIT_USAGE;
	}
	struct mvb_board b;
	struct mvb_optb o;
	if ((rc = cli_run_board(r, board_arg, &b)))
		return rc;
	struct probe p = { .child = -1 };
	struct probe_conn k = { -1, NULL };
	struct mvb_rsp c;
	int have_rsp = 0;
	if (!mvb_optb_board(&b, &o)) {
		cli_error("provision: board '%s' has no option bytes mvbuild knows (its flash has no flash-wm gate)", b.name);
		rc = MVB_EXIT_USAGE;
		goto out;
	}
	if (print) {
		print_recipe(&b, &o);
		rc = MVB_EXIT_OK;
		goto out;
	}
	if (probe_arg && strcmp(probe_arg, "openocd") && strncmp(probe_arg, "gdb://", 6)) {
		cli_error("provision: the probe must be openocd or gdb://HOST:PORT (an OpenOCD), not '%s'", probe_arg);
		rc = MVB_EXIT_USAGE;
		goto out;
	}
	if ((rc = probe_parse(probe_arg ? probe_arg : "openocd", &b, &p)))
		goto out;
	if ((rc = probe_connect("provision", &p, &b, -1, &k, &c, &have_rsp, reply_timeout)))
		goto out;
	rc = rounds(&c, &b, &o, check_only);
	if (mvb_rsp_detach(&c) && !rc) {
		cli_error("provision: %s", c.err);
		rc = MVB_EXIT_IO;
	}
out:
	if (have_rsp)
		mvb_rsp_release(&c);
	if (k.fd >= 0)
		close(k.fd);
	probe_stop(&p);
	mvb_board_release(&b);
	return rc;
}
