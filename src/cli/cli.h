/*
 * cli.h - the command-line front end: the command table, the run every
 * command reports into (one exit path: findings rendered or the JSON
 * document printed, the status mapped, everything released), the
 * option-table parser (which also renders --help), diagnostic and JSON
 * rendering, and loaders that read files and hand the bytes to the core.
 */
#ifndef MVB_CLI_H
#define MVB_CLI_H

#include <stdio.h>
#include <sys/types.h>
#include "mvb/api.h"
#include "mvb/app.h"
#include "mvb/board.h"
#include "mvb/buf.h"
#include "mvb/bundle.h"
#include "mvb/check.h"
#include "mvb/diag.h"
#include "mvb/elf.h"
#include "mvb/sign.h"
#include "mvb/status.h"

#define MVB_DEFAULT_BOARD "mps2-an505"

/* ---- options */
enum opt_kind { OPT_FLAG, OPT_STRING, OPT_UINT };

struct opt {
	char short_name;       /* 0 when none */
	const char *long_name; /* without the dashes */
	enum opt_kind kind;
	void *value;           /* int*, const char**, unsigned long* */
	const char *arg;       /* argument name for help, e.g. "FILE" */
	const char *help;
};

struct cmd_spec {
	const char *name;     /* "check", "boards show" */
	const char *synopsis; /* after "mvbuild ", as in the man page */
	const char *summary;
	const struct opt *opts; /* terminated by a zeroed row */
	int min_args, max_args; /* positional arguments; max -1: unlimited */
};

/* Parses argv[1..] against spec (argv[0] is the command name).  Positional
 * arguments are collected into pos (at most 16).  Returns -1 to go on, or
 * an exit status (0 after --help, 2 after a usage error, reported). */
int opt_parse(const struct cmd_spec *spec, int argc, char **argv, const char **pos, int *npos);
void opt_help(const struct cmd_spec *spec, FILE *f);

/* ---- JSON writer (into a buffer) */
struct json {
	struct mvb_buf *b;
	int depth;
	int first[32];
	int pretty;
};
void json_begin(struct json *j, struct mvb_buf *b);
void json_obj(struct json *j, const char *key); /* key NULL inside arrays */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
void json_hex(struct json *j, const char *key, unsigned long v); /* as "0x%08lx" string */
void json_raw(struct json *j, const char *key, const char *raw); /* a number already formatted */
/* "findings": [...], "errors": N, "warnings": N */
void json_diags(struct json *j, const struct mvb_diags *d);

/* ---- the run: what a command reports into, and the one exit path */
struct cli_run {
	const char *cmd;
	int json;               /* --format json: one document on standard output */
	struct mvb_diags diags; /* every finding of the run */
	size_t shown;           /* diags[0..shown) are rendered already (or hidden) */
	size_t printed, hidden; /* text: findings printed, and those past CLI_MAX_SHOWN */
	FILE *diag_out;         /* where text findings go (standard error) */
	struct mvb_buf buf;     /* the document */
	struct json doc;
	int doc_open, doc_findings;
};
/* At most this many findings are printed as text in one run; a count of
 * the rest follows (the JSON document holds them all). */
#define CLI_MAX_SHOWN 100
void cli_run_init(struct cli_run *r, const char *cmd);
/* The run's JSON document, opened with "schema": 1 on first use. */
struct json *cli_doc(struct cli_run *r);
/* Writes the run's findings (findings, errors, warnings) into the
 * document here; otherwise cli_finish adds them last. */
void cli_doc_findings(struct cli_run *r);
/* Moves the findings of d into the run (d is left empty). */
void cli_take(struct cli_run *r, struct mvb_diags *d);
/* Renders the findings not shown yet (text only), e.g. before a summary
 * that follows them. */
void cli_show(struct cli_run *r);
/* The exit status of a core return code (MVB_OK, MVB_E*). */
int cli_status(struct cli_run *r, int core_rc);
/* The one exit path, after every command: with --format json and status
 * 0 or 1 prints the document (a refusal before there was anything to
 * show gets {schema, command, findings, errors, warnings}); in text
 * renders the findings not shown yet; refuses status 1 without a finding
 * (every "input is bad" carries a check id; status 4 then); releases the
 * run.  Returns the exit status. */
int cli_finish(struct cli_run *r, int status);

/* ---- commands */
struct command {
	const char *name;
	const char *summary;
	int (*run)(struct cli_run *r, int argc, char **argv);
};
int cmd_check(struct cli_run *r, int argc, char **argv);
int cmd_boards(struct cli_run *r, int argc, char **argv);
int cmd_gen(struct cli_run *r, int argc, char **argv);
int cmd_init(struct cli_run *r, int argc, char **argv);
int cmd_bundle(struct cli_run *r, int argc, char **argv);
int cmd_verify(struct cli_run *r, int argc, char **argv);
int cmd_inspect(struct cli_run *r, int argc, char **argv);
int cmd_keygen(struct cli_run *r, int argc, char **argv);
int cmd_digest(struct cli_run *r, int argc, char **argv);
int cmd_sign(struct cli_run *r, int argc, char **argv);
int cmd_flash(struct cli_run *r, int argc, char **argv);
int cmd_provision(struct cli_run *r, int argc, char **argv);
int cmd_delta(struct cli_run *r, int argc, char **argv);
int cmd_patch(struct cli_run *r, int argc, char **argv);
int cmd_publish(struct cli_run *r, int argc, char **argv);
int cmd_releases(struct cli_run *r, int argc, char **argv);
int cmd_fetch(struct cli_run *r, int argc, char **argv);
int cmd_serve(struct cli_run *r, int argc, char **argv);
int cmd_status(struct cli_run *r, int argc, char **argv);
/* 'crash get' (cmd_serve.c), run by cmd_crash: argv[0] is "get". */
int cmd_crash_get(struct cli_run *r, int argc, char **argv);
int cmd_logs(struct cli_run *r, int argc, char **argv);
int cmd_decode(struct cli_run *r, int argc, char **argv);
int cmd_crash(struct cli_run *r, int argc, char **argv);
int cmd_debug(struct cli_run *r, int argc, char **argv);

/* ---- console decoding (cmd_decode.c) */
/* Copies fd to out with the microvisor's tokens decoded, as it comes,
 * until the end of fd: MVB_EXIT_OK, or MVB_EXIT_IO when reading failed
 * (name says what in the message). */
int cli_decode_stream(int fd, FILE *out, const char *name);
/* A child process that decodes what is written to fd into out_fd: what
 * a QEMU console is wired to, so that it shows texts.  finish closes fd
 * and waits until the child wrote everything. */
struct cli_decoder {
	int fd;
	pid_t pid;
};
int cli_decoder_start(int out_fd, struct cli_decoder *d);
void cli_decoder_finish(struct cli_decoder *d);

/* ---- messages */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints diagnostics as text to f. */
void cli_render_diags(FILE *f, const struct mvb_diags *d);
/* "4 MiB", "1 KiB" or "123 B". */
void cli_size_str(uint32_t v, char *out, size_t n);
/* Checks a --format value; *json is 1 for json.  Returns 0 or MVB_EXIT_USAGE. */
int cli_format(const char *cmd, const char *format, int *json);
/* Replaces control characters for printing. */
void cli_sanitize(const char *in, char *out, size_t n);
/* The candidate closest to word[0..n) by edit distance, when close enough
 * to be a likely typo (at most 2 edits, and fewer than half its length),
 * else NULL.  names points at the first candidate's name pointer, the
 * others follow every stride bytes (a member of a table of structs); NULL
 * names are skipped. */
const char *cli_suggest(const char *word, size_t n, const void *names, size_t count, size_t stride);
/* A finding about a file as a whole (one that is not there). */
void cli_report_file(struct mvb_diags *d, const char *file, enum mvb_check c, const char *msg);
/* "X.Y.Z" of a packed version. */
void cli_version_str(uint32_t v, char *out, size_t n);

/* ---- loaders; each returns an exit status (0 ok), an I/O or usage
 * problem said on standard error, findings in the run (or d) */
#define CLI_MAX_INPUT ((size_t)256 << 20)
int cli_read(const char *path, unsigned char **data, size_t *len);
/* Writes out atomically (or to stdout for "-"). */
int cli_write(const char *path, const void *data, size_t len, unsigned mode);
/* NAME (boards/NAME.yaml in the data dir) or a path to a manifest. */
int cli_load_board(const char *arg, struct mvb_board *b, struct mvb_diags *d);
/* As cli_load_board, the findings into the run; b is released when it
 * does not load. */
int cli_run_board(struct cli_run *r, const char *arg, struct mvb_board *b);
/* The board of a bundle, as a device knows its own: board_arg (NAME|FILE)
 * or else the board the bundle names (a plain name only; one this mvbuild
 * does not know is a bundle-board finding), which must be the bundle's
 * (bundle-board).  Callers then check the layers against it
 * (mvb_bundle_check_layers).  Findings go to d; b is loaded when the
 * board was.  Returns 0, MVB_EXIT_FINDINGS, or the exit status of a board
 * that does not load. */
int cli_bundle_board(const struct mvb_bundle_view *v, const char *path, const char *board_arg, struct mvb_board *b,
		     struct mvb_diags *d);
/* The board's secure entry table from firmware/prebuilt, or from path when
 * given.  *have is 0 when there is none for the board. */
int cli_load_api(const char *path, const struct mvb_board *b, struct mvb_api *api, int *have, struct mvb_diags *d);
/* Reads and parses a bundle, a malformed one's finding into the run. */
int cli_load_bundle(struct cli_run *r, const char *path, unsigned char **data, size_t *len, struct mvb_bundle_view *v);

/* ---- keys */
/* Loads a private key for signing: refuses a file readable by group or
 * others; the passphrase comes from $MVBUILD_KEY_PASSPHRASE or from file
 * descriptor pass_fd (>= 0), never from the command line.  A file that is
 * no usable key (or a wrong passphrase) is a key-format finding. */
int cli_load_signing_key(struct cli_run *r, const char *path, int pass_fd, struct mvb_key **k);
/* The passphrase for a private key into *pass: read from file descriptor
 * pass_fd (>= 0; up to 511 bytes, trailing newlines dropped), else
 * $MVBUILD_KEY_PASSPHRASE, else NULL.  malloc'd; wipe and free it. */
int cli_passphrase(int pass_fd, char **pass);
/* Loads one public (or private) key for verification. */
int cli_load_public_key(struct cli_run *r, const char *path, struct mvb_key **k);
/* Loads the comma-separated key files of list (NULL: none) into k[], at
 * most CLI_MAX_KEYS; on failure frees what it loaded, with *nk 0.  Free
 * the keys with cli_free_keys. */
#define CLI_MAX_KEYS 8
int cli_load_public_keys(struct cli_run *r, const char *list, struct mvb_key **k, unsigned *nk);
void cli_free_keys(struct mvb_key **k, unsigned *nk);
/* Random bytes for blinding and key generation. */
int cli_random(void *buf, size_t n);
/* Signs a parsed bundle with a loaded key into sig (ECDSA with RFC 6979
 * nonces, blinded with random bytes).  Returns 0 or an exit status. */
int cli_sign_view(const struct mvb_bundle_view *v, const struct mvb_key *k, struct mvb_bundle_sig *sig);

/* ---- bundles */
/* A bundle's identity and layers as JSON members of the object being
 * written: board, app {name, version, security_counter, min_abi, confirm},
 * layers [{role, encoding, target, size, encoded_size, sha256}]. */
void cli_json_bundle(struct json *j, const struct mvb_bundle_view *v);
/* How a release on trial is confirmed (ah_flags, ah_trial_ms): the member
 * "confirm": {"mode": "after"|"explicit"|"at-install", "ms": N}. */
void cli_json_confirm(struct json *j, uint32_t flags, uint32_t trial_ms);
/* The summary line "  confirm: ..." on standard output, left out for the
 * default of an app with this watchdog (mvb_app_trial_default_ms). */
void cli_print_confirm(uint32_t flags, uint32_t trial_ms, uint32_t watchdog_ms);
/* The members a layer's object starts with: role, encoding, target, size,
 * encoded_size. */
void cli_json_layer(struct json *j, const struct mvb_bundle_layer *l);
/* For each layer the builder sent whole because more pages change than
 * the device patcher rewrites in one update, says so on standard error
 * (what names the update, e.g. "delta 1.1.0 -> 1.2.0"). */
void cli_note_layers(const struct mvb_build_report *rep, const char *what);

/* ---- the check pipeline, shared by check and bundle */
struct check_run {
	/* inputs */
	const char *elf_path, *board_arg, *app_path, *api_path;
	/* loaded state (release with check_run_release) */
	unsigned char *elf_data;
	size_t elf_len;
	struct mvb_elf elf;
	struct mvb_board board;
	struct mvb_app app;
	int have_app;
	const char *app_file; /* manifest location for diagnostics */
	char app_file_buf[600];
	struct mvb_api api;
	int have_api;
	struct mvb_check_out out;
	struct mvb_diags diags;
	unsigned errors;
};

/* Resets r, loads everything and runs the checks.  app and api may be NULL.
 * Returns an exit status for failures before the checks ran (usage, I/O,
 * malformed input), or -1 when the checks ran (see errors and diags). */
int check_run_exec(struct check_run *r, const char *elf, const char *board, const char *app, const char *api);
void check_run_release(struct check_run *r);

#endif
