/* cmd_crash.c - `mvbuild crash show|core|get`: a device's crash record
 * (mvb/crash.h) shown, turned into an ELF core file for gdb
 * (src/core/crash.c), or fetched over the link (cmd_crash_get, in
 * cmd_serve.c with the other link commands). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "mvb/crashfile.h"
#include "mvb/hash.h"
#include "mvb/reason.h"

/* The record in FILE (a raw record or a core file with one) into *c;
 * what is wrong with it is a crash-record finding.  *kind says which it
 * was. */
static int load(struct cli_run *r, const char *path, struct mvb_crash *c, const char **kind)
{
	unsigned char *data;
	size_t len;
	int rc = cli_read(path, &data, &len);
	if (rc)
		return rc;
	char why[256];
	size_t off = 0;
	int bad;
	if (len >= 4 && !memcmp(data, "\177ELF", 4)) {
		*kind = "core";
		bad = mvb_crash_from_core_at(data, len, c, why, sizeof(why), &off);
	} else if (len >= 4 && !memcmp(data, "MVCR", 4)) {
		*kind = "record";
		bad = mvb_crash_check_at(data, len, c, why, sizeof(why), &off);
	} else {
		bad = -1;
		off = 0;
		snprintf(why, sizeof(why),
		         "neither a crash record (it would start with \"MVCR\") nor an ELF core file");
	}
	free(data);
	if (!bad)
		return 0;
	if (off == SIZE_MAX)
		cli_report_file(&r->diags, path, MVB_CK_CRASH_RECORD, why);
	else
		mvb_report_at(&r->diags, path, off, MVB_CK_CRASH_RECORD, "%s", why);
	return MVB_EXIT_FINDINGS;
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case 4:
		return "SIGILL";
	case 5:
		return "SIGTRAP";
	case 7:
		return "SIGBUS";
	case 8:
		return "SIGFPE";
	case 11:
		return "SIGSEGV";
	default:
		return "?";
	}
}

/* The name of bit b of reg: its architectural one, or "bitN" for a
 * reserved bit (in tmp). */
static const char *bit_name(enum mvb_crash_fsr reg, unsigned b, char tmp[16])
{
	const char *name = mvb_crash_fsr_bit(reg, b);
	if (name)
		return name;
	snprintf(tmp, 16, "bit%u", b);
	return tmp;
}

/* The names of the bits set in v, space-separated ("bit N" for a
 * reserved one), into o; "" when v is 0. */
static void fsr_str(enum mvb_crash_fsr reg, uint32_t v, char *o, size_t n)
{
	size_t at = 0;
	o[0] = 0;
	for (unsigned b = 0; b < 32; b++) {
		if (!(v & (1u << b)))
			continue;
		char tmp[16];
		const char *name = bit_name(reg, b, tmp);
		int w = snprintf(o + at, n - at, "%s%s", at ? " " : "", name);
		if (w < 0 || (size_t)w >= n - at)
			return;
		at += (size_t)w;
	}
}

/* Where the registers came from, in words. */
static void origin_str(const struct mvb_crash *c, char *o, size_t n)
{
	if (!(c->cr_flags & MVB_CRASH_F_FRAME)) {
		snprintf(o, n, "none kept (the fault came from secure state, or the app's frame was not in its RAM)");
		return;
	}
	char mode[48];
	if (c->cr_flags & MVB_CRASH_F_HANDLER)
		snprintf(mode, sizeof(mode), "handler mode, exception %u", (unsigned)(c->cr_xpsr & 0x1ffu));
	else
		snprintf(mode, sizeof(mode), "thread mode");
	snprintf(o, n, "the app's exception frame on %s (%s); r4-r11 %s",
	         (c->cr_flags & MVB_CRASH_F_PSP) ? "PSP" : "MSP", mode,
	         (c->cr_flags & MVB_CRASH_F_CALLEE) ? "live at the fault" : "not kept");
}

static void show_text(const struct mvb_crash *c)
{
	char s[256], ver[24], hex[65];
	const char *rt = c->cr_reason ? mvb_reason_text(c->cr_reason) : NULL;
	printf("crash %u, reason 0x%04x%s%s\n", (unsigned)c->cr_number, (unsigned)c->cr_reason, rt ? ": " : "",
	       rt ? rt : "");
	printf("uptime:     %u.%03u s\n", (unsigned)(c->cr_uptime_ms / 1000), (unsigned)(c->cr_uptime_ms % 1000));
	mvb_hex(c->cr_image_sha256, 32, hex);
	if (c->cr_app_version) {
		cli_version_str(c->cr_app_version, ver, sizeof(ver));
		printf("app:        %s, image sha256 %s\n", ver, hex);
	} else {
		printf("app:        none named\n");
	}
	int sig = mvb_crash_signal(c);
	printf("signal:     %s (%d) in a core file\n", signal_name(sig), sig);
	origin_str(c, s, sizeof(s));
	printf("registers:  %s\n", s);
	if (c->cr_flags & MVB_CRASH_F_FRAME) {
		printf("  pc   0x%08x  lr   0x%08x  sp   0x%08x  xpsr 0x%08x\n", (unsigned)c->cr_pc, (unsigned)c->cr_lr,
		       (unsigned)c->cr_sp, (unsigned)c->cr_xpsr);
		printf("  r0   0x%08x  r1   0x%08x  r2   0x%08x  r3   0x%08x\n", (unsigned)c->cr_r[0],
		       (unsigned)c->cr_r[1], (unsigned)c->cr_r[2], (unsigned)c->cr_r[3]);
		if (c->cr_flags & MVB_CRASH_F_CALLEE) {
			printf("  r4   0x%08x  r5   0x%08x  r6   0x%08x  r7   0x%08x\n", (unsigned)c->cr_r[4],
			       (unsigned)c->cr_r[5], (unsigned)c->cr_r[6], (unsigned)c->cr_r[7]);
			printf("  r8   0x%08x  r9   0x%08x  r10  0x%08x  r11  0x%08x\n", (unsigned)c->cr_r[8],
			       (unsigned)c->cr_r[9], (unsigned)c->cr_r[10], (unsigned)c->cr_r[11]);
		}
		printf("  r12  0x%08x\n", (unsigned)c->cr_r[12]);
	}
	printf("  exc_return 0x%08x  msp_ns 0x%08x  psp_ns 0x%08x  control_ns 0x%08x\n", (unsigned)c->cr_exc_return,
	       (unsigned)c->cr_msp_ns, (unsigned)c->cr_psp_ns, (unsigned)c->cr_control_ns);
	printf("faults:\n");
	fsr_str(MVB_CRASH_CFSR, c->cr_cfsr, s, sizeof(s));
	printf("  cfsr     0x%08x  %s%s(microvisor's bank)\n", (unsigned)c->cr_cfsr, s, s[0] ? " " : "");
	fsr_str(MVB_CRASH_CFSR, c->cr_cfsr_ns, s, sizeof(s));
	printf("  cfsr_ns  0x%08x  %s%s(app's bank)\n", (unsigned)c->cr_cfsr_ns, s, s[0] ? " " : "");
	fsr_str(MVB_CRASH_HFSR, c->cr_hfsr, s, sizeof(s));
	printf("  hfsr     0x%08x%s%s\n", (unsigned)c->cr_hfsr, s[0] ? "  " : "", s);
	fsr_str(MVB_CRASH_SFSR, c->cr_sfsr, s, sizeof(s));
	printf("  sfsr     0x%08x%s%s\n", (unsigned)c->cr_sfsr, s[0] ? "  " : "", s);
	struct mvb_crash_addr a[3];
	unsigned na = mvb_crash_fault_addrs(c, a);
	if (!na)
		printf("  address  none valid\n");
	for (unsigned i = 0; i < na; i++)
		printf("  address  0x%08x (%s)\n", (unsigned)a[i].addr, a[i].name);
	if (c->cr_flags & MVB_CRASH_F_FP) {
		printf("fp:         fpscr 0x%08x\n", (unsigned)c->cr_fpscr);
		for (unsigned i = 0; i < 32; i += 4) {
			char n0[8], n1[8], n2[8], n3[8];
			snprintf(n0, sizeof(n0), "s%u", i);
			snprintf(n1, sizeof(n1), "s%u", i + 1);
			snprintf(n2, sizeof(n2), "s%u", i + 2);
			snprintf(n3, sizeof(n3), "s%u", i + 3);
			printf("  %-4s 0x%08x  %-4s 0x%08x  %-4s 0x%08x  %-4s 0x%08x\n", n0, (unsigned)c->cr_s[i], n1,
			       (unsigned)c->cr_s[i + 1], n2, (unsigned)c->cr_s[i + 2], n3, (unsigned)c->cr_s[i + 3]);
		}
	} else {
		printf("fp:         not kept\n");
	}
	if ((c->cr_flags & MVB_CRASH_F_STACK) && c->cr_stack_len)
		printf("stack:      %u bytes kept, 0x%08x-0x%08x\n", (unsigned)c->cr_stack_len,
		       (unsigned)c->cr_stack_addr, (unsigned)(c->cr_stack_addr + c->cr_stack_len - 1));
	else
		printf("stack:      none kept\n");
}

static void json_fsr(struct json *j, const char *key, enum mvb_crash_fsr reg, uint32_t v)
{
	json_obj(j, key);
	json_hex(j, "value", v);
	json_arr(j, "bits");
	for (unsigned b = 0; b < 32; b++) {
		if (!(v & (1u << b)))
			continue;
		char tmp[16];
		const char *name = bit_name(reg, b, tmp);
		json_str(j, NULL, name);
	}
	json_end_arr(j);
	json_end_obj(j);
}

static void show_json(struct json *j, const char *path, const char *kind, const struct mvb_crash *c)
{
	char ver[24], hex[65], name[8];
	json_str(j, "file", path);
	json_str(j, "kind", kind);
	json_int(j, "number", c->cr_number);
	json_int(j, "reason", c->cr_reason);
	const char *rt = c->cr_reason ? mvb_reason_text(c->cr_reason) : NULL;
	if (rt)
		json_str(j, "reason_text", rt);
	else
		json_null(j, "reason_text");
	json_int(j, "uptime_ms", c->cr_uptime_ms);
	if (c->cr_app_version) {
		cli_version_str(c->cr_app_version, ver, sizeof(ver));
		json_str(j, "app_version", ver);
	} else {
		json_null(j, "app_version");
	}
	mvb_hex(c->cr_image_sha256, 32, hex);
	json_str(j, "image_sha256", hex);
	json_int(j, "signal", mvb_crash_signal(c));
	json_obj(j, "flags");
	json_hex(j, "value", c->cr_flags);
	json_bool(j, "frame", (c->cr_flags & MVB_CRASH_F_FRAME) != 0);
	json_bool(j, "callee", (c->cr_flags & MVB_CRASH_F_CALLEE) != 0);
	json_bool(j, "fp", (c->cr_flags & MVB_CRASH_F_FP) != 0);
	json_bool(j, "stack", (c->cr_flags & MVB_CRASH_F_STACK) != 0);
	json_bool(j, "handler", (c->cr_flags & MVB_CRASH_F_HANDLER) != 0);
	json_bool(j, "psp", (c->cr_flags & MVB_CRASH_F_PSP) != 0);
	json_end_obj(j);
	/* the registers the record holds; those it does not are null */
	int frame = (c->cr_flags & MVB_CRASH_F_FRAME) != 0, callee = (c->cr_flags & MVB_CRASH_F_CALLEE) != 0;
	json_obj(j, "registers");
	for (unsigned i = 0; i < 13; i++) {
		snprintf(name, sizeof(name), "r%u", i);
		if (i >= 4 && i <= 11 ? callee : frame)
			json_hex(j, name, c->cr_r[i]);
		else
			json_null(j, name);
	}
	static const char *const special[] = {"sp", "lr", "pc", "xpsr"};
	const uint32_t sv[] = {c->cr_sp, c->cr_lr, c->cr_pc, c->cr_xpsr};
	for (unsigned i = 0; i < 4; i++) {
		if (frame)
			json_hex(j, special[i], sv[i]);
		else
			json_null(j, special[i]);
	}
	json_hex(j, "exc_return", c->cr_exc_return);
	json_hex(j, "msp_ns", c->cr_msp_ns);
	json_hex(j, "psp_ns", c->cr_psp_ns);
	json_hex(j, "control_ns", c->cr_control_ns);
	json_end_obj(j);
	json_obj(j, "faults");
	json_fsr(j, "cfsr", MVB_CRASH_CFSR, c->cr_cfsr);
	json_fsr(j, "cfsr_ns", MVB_CRASH_CFSR, c->cr_cfsr_ns);
	json_fsr(j, "hfsr", MVB_CRASH_HFSR, c->cr_hfsr);
	json_fsr(j, "sfsr", MVB_CRASH_SFSR, c->cr_sfsr);
	json_hex(j, "mmfar_ns", c->cr_mmfar_ns);
	json_hex(j, "bfar", c->cr_bfar);
	json_hex(j, "sfar", c->cr_sfar);
	json_arr(j, "addresses");
	struct mvb_crash_addr a[3];
	unsigned na = mvb_crash_fault_addrs(c, a);
	for (unsigned i = 0; i < na; i++) {
		json_obj(j, NULL);
		json_str(j, "register", a[i].name);
		json_hex(j, "address", a[i].addr);
		json_end_obj(j);
	}
	json_end_arr(j);
	json_end_obj(j);
	if (c->cr_flags & MVB_CRASH_F_FP) {
		json_obj(j, "fp");
		json_hex(j, "fpscr", c->cr_fpscr);
		json_arr(j, "s");
		for (unsigned i = 0; i < 32; i++)
			json_hex(j, NULL, c->cr_s[i]);
		json_end_arr(j);
		json_end_obj(j);
	} else {
		json_null(j, "fp");
	}
	if ((c->cr_flags & MVB_CRASH_F_STACK) && c->cr_stack_len) {
		char bytes[2 * MVB_CRASH_STACK_MAX + 1];
		mvb_hex(c->cr_stack, c->cr_stack_len, bytes);
		json_obj(j, "stack");
		json_hex(j, "address", c->cr_stack_addr);
		json_int(j, "length", c->cr_stack_len);
		json_str(j, "bytes", bytes);
		json_end_obj(j);
	} else {
		json_null(j, "stack");
	}
}

static int crash_show(struct cli_run *r, int argc, char **argv)
{
	const char *format = "text";
	const struct opt opts[] = {
	    {0, "format", OPT_STRING, &format, "text|json", "output format (default text)"},
	    {0, NULL, OPT_FLAG, NULL, NULL, NULL},
	};
	const struct cmd_spec spec = {"crash show",
	                              "crash show FILE [--format text|json]",
	                              "Show a crash record: FILE is a record (it starts with \"MVCR\") or a core file\n"
	                              "'mvbuild crash core' or 'crash get --core' wrote.  The crash's number, reason,\n"
	                              "uptime and app, its registers, fault status decoded bit by bit, the fault\n"
	                              "address when one is valid, FP registers and the stack bytes kept.",
	                              opts,
	                              1,
	                              1};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if ((rc = cli_format("crash show", format, &r->json)))
		return rc;
	struct mvb_crash c;
	const char *kind = NULL;
	if ((rc = load(r, pos[0], &c, &kind)))
		return rc;
	if (r->json)
		show_json(cli_doc(r), pos[0], kind, &c);
	else
		show_text(&c);
	return MVB_EXIT_OK;
}

static int crash_core(struct cli_run *r, int argc, char **argv)
{
	const char *output = NULL;
	const struct opt opts[] = {
	    {'o', "output", OPT_STRING, &output, "CORE", "write the core file here (required)"},
	    {0, NULL, OPT_FLAG, NULL, NULL, NULL},
	};
	const struct cmd_spec spec = {"crash core",
	                              "crash core FILE -o CORE",
	                              "Write the ELF core file of a crash record (FILE: a record, or a core file\n"
	                              "that holds one), for 'gdb-multiarch APP.elf CORE': the app's registers as\n"
	                              "the fault left them, its FP registers and the stack bytes the record kept.\n"
	                              "Written atomically; never over FILE.",
	                              opts,
	                              1,
	                              1};
	const char *pos[16];
	int npos, rc = opt_parse(&spec, argc, argv, pos, &npos);
	if (rc >= 0)
		return rc;
	if (!output) {
		cli_error("crash core: -o CORE is required");
		return MVB_EXIT_USAGE;
	}
	struct mvb_crash c;
	const char *kind = NULL;
	if ((rc = load(r, pos[0], &c, &kind)))
		return rc;
	struct mvb_buf core = MVB_BUF_INIT;
	if (mvb_crash_core(&c, &core)) {
		mvb_buf_release(&core);
		cli_error("crash core: out of memory");
		return MVB_EXIT_IO;
	}
	/* the app's registers and stack: for its owner only, as 'crash get'
	 * writes them */
	rc = cli_write(output, core.data, core.len, 0600);
	mvb_buf_release(&core);
	return rc;
}

static const struct {
	const char *name;
	int (*run)(struct cli_run *r, int argc, char **argv);
	const char *cmd; /* the run's name, for its messages and JSON */
} subs[] = {
    {"show", crash_show, "crash show"},
    {"core", crash_core, "crash core"},
    {"get", cmd_crash_get, "crash get"},
};

int cmd_crash(struct cli_run *r, int argc, char **argv)
{
	/* the options of all three forms, for this help and the man page;
	 * each form parses its own */
	const char *s = NULL;
	unsigned long u = 0;
	int f = 0;
	const struct opt opts[] = {
	    {0, "format", OPT_STRING, &s, "text|json", "show, get: output format (default text)"},
	    {'o', "output", OPT_STRING, &s, "FILE", "core: the core file; get: the crash record (both required)"},
	    {'d', "device", OPT_STRING, &s, "tcp:HOST:PORT|/dev/ttyX",
	     "get: the link, a TCP socket (QEMU's chardev server) or a serial port"},
	    {0, "baud", OPT_UINT, &u, "N", "get: serial port speed (default 115200)"},
	    {0, "qemu", OPT_STRING, &s, "IMAGE.elf", "get: start QEMU mps2-an505 with this image and ask it"},
	    {0, "key", OPT_STRING, &s, "DEBUG.pem", "get: the private debug key the device trusts"},
	    {0, "passphrase-fd", OPT_UINT, &u, "N", "get: read the key's passphrase from file descriptor N"},
	    {0, "core", OPT_STRING, &s, "CORE", "get: also write the core file here"},
	    {0, "seconds", OPT_UINT, &u, "N", "get: how long the authorized session may last (default 600)"},
	    {'t', "timeout", OPT_UINT, &u, "SECONDS", "get: give up after this long (default 10)"},
	    {0, "save-auth", OPT_STRING, &s, "FILE", "get, for tests: also write the AUTH sent to FILE"},
	    {0, "auth-file", OPT_STRING, &s, "FILE", "get, for tests: send this saved AUTH instead of signing one"},
	    {0, NULL, OPT_FLAG, &f, NULL, NULL},
	};
	const struct cmd_spec spec = {
	    "crash",
	    "crash show FILE [--format text|json] | core FILE -o CORE | get (--device tcp:HOST:PORT|/dev/ttyX "
	    "[--baud N] | --qemu IMAGE.elf) (--key DEBUG.pem | --auth-file FILE) -o RECORD [--core CORE] "
	    "[--seconds N] [--passphrase-fd N] [--timeout SECONDS] [--save-auth FILE] [--format text|json]",
	    "The record a device keeps of its app's last crash (mvbuild-crash(5)):\n"
	    "  show  print it: registers, fault status decoded, fault address, stack kept\n"
	    "  core  write it as an ELF core file: gdb-multiarch APP.elf CORE, then bt\n"
	    "  get   fetch it from a device over its link, in an authorized session\n"
	    "'mvbuild crash show|core|get --help' describes each one.",
	    opts,
	    0,
	    0};
	if (argc < 2) {
		cli_error("crash: missing subcommand: show, core or get (see 'mvbuild crash --help')");
		return MVB_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		opt_help(&spec, stdout);
		return MVB_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(sub, subs[i].name))
			continue;
		r->cmd = subs[i].cmd;
		return subs[i].run(r, argc - 1, argv + 1);
	}
	char clean[64];
	cli_sanitize(sub, clean, sizeof(clean));
	const char *near =
	    cli_suggest(sub, strlen(sub), &subs[0].name, sizeof(subs) / sizeof(subs[0]), sizeof(subs[0]));
	if (near)
		cli_error("crash: unknown subcommand '%s'; did you mean '%s'? (see 'mvbuild crash --help')", clean,
		          near);
	else
		cli_error("crash: unknown subcommand '%s': show, core or get (see 'mvbuild crash --help')", clean);
	return MVB_EXIT_USAGE;
}
