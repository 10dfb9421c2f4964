/*
 * cli.h - shared pieces of the command-line front end: the command table,
 * the option-table parser (which also renders --help), diagnostic and JSON
 * rendering, and loaders that read files and hand the bytes to the core.
 */
#ifndef MVB_CLI_H
#define MVB_CLI_H

#include <stdio.h>
#include "mvb/api.h"
#include "mvb/board.h"
#include "mvb/buf.h"
#include "mvb/diag.h"
#include "mvb/status.h"

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

/* ---- commands */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};
int cmd_check(int argc, char **argv);
int cmd_boards(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_bundle(int argc, char **argv);
int cmd_flash(int argc, char **argv);
int cmd_delta(int argc, char **argv);
int cmd_patch(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_releases(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_serve(int argc, char **argv);

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

/* ---- JSON writer (into a buffer) */
struct json {
	struct mvb_buf *b;
	int depth;
	int first[32];
	int pretty;
};
void json_begin(struct json *j, struct mvb_buf *b);
void json_obj(struct json *j, const char *key);  /* key NULL inside arrays */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, long long v);
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
void json_hex(struct json *j, const char *key, unsigned long v); /* as "0x%08lx" string */
void json_raw(struct json *j, const char *key, const char *raw); /* a number already formatted */
void json_diags(struct json *j, const struct mvb_diags *d);
/* A --format json document: json_doc_begin opens the top object, with
 * "schema": 1, in b; json_doc_print closes it, prints it on standard
 * output and releases b. */
void json_doc_begin(struct json *j, struct mvb_buf *b);
void json_doc_print(struct json *j);

/* ---- loaders; each returns an exit status (0 ok) after reporting */
#define CLI_MAX_INPUT ((size_t)256 << 20)
int cli_read(const char *path, unsigned char **data, size_t *len);
/* NAME (boards/NAME.yaml in the data dir) or a path to a manifest. */
int cli_load_board(const char *arg, struct mvb_board *b, struct mvb_diags *d);
struct mvb_bundle_view;
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
/* Writes out atomically (or to stdout for "-"). */
int cli_write(const char *path, const void *data, size_t len, unsigned mode);

#define MVB_DEFAULT_BOARD "mps2-an505"

#endif

/* ---- the check pipeline, shared by check and bundle */
#include "mvb/app.h"
#include "mvb/check.h"
#include "mvb/elf.h"

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

/* ---- keys */
#include "mvb/sign.h"
/* Loads a private key for signing: refuses a file readable by group or
 * others; the passphrase comes from $MVBUILD_KEY_PASSPHRASE or from file
 * descriptor pass_fd (>= 0), never from the command line. */
int cli_load_signing_key(const char *path, int pass_fd, struct mvb_key **k);
/* The passphrase for a private key into *pass: read from file descriptor
 * pass_fd (>= 0; up to 511 bytes, trailing newlines dropped), else
 * $MVBUILD_KEY_PASSPHRASE, else NULL.  malloc'd; wipe and free it.
 * Returns an exit status (0 ok) after reporting. */
int cli_passphrase(int pass_fd, char **pass);
/* Loads one public (or private) key for verification. */
int cli_load_public_key(const char *path, struct mvb_key **k);
/* Loads the comma-separated key files of list (NULL: none) into k[], at
 * most CLI_MAX_KEYS; on failure reports, frees what it loaded and returns
 * an exit status with *nk 0.  Free the keys with cli_free_keys. */
#define CLI_MAX_KEYS 8
int cli_load_public_keys(const char *cmd, const char *list, struct mvb_key **k, unsigned *nk);
void cli_free_keys(struct mvb_key **k, unsigned *nk);
/* Random bytes for blinding and key generation. */
int cli_random(void *buf, size_t n);
int cmd_keygen(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
#include "mvb/bundle.h"
/* Signs a parsed bundle with a loaded key into sig (ECDSA with RFC 6979
 * nonces, blinded with random bytes).  Returns 0 or an exit status. */
int cli_sign_view(const struct mvb_bundle_view *v, const struct mvb_key *k, struct mvb_bundle_sig *sig);
/* A finding about a file as a whole (one that is not there). */
void cli_report_file(struct mvb_diags *d, const char *file, enum mvb_check c, const char *msg);
/* Reads and parses a bundle; on failure renders and returns a status. */
int cli_load_bundle(const char *path, unsigned char **data, size_t *len, struct mvb_bundle_view *v);
/* As cli_load_bundle, but a malformed bundle's finding goes into d (for
 * JSON output) instead of standard error; I/O errors are still reported. */
int cli_load_bundle_diags(const char *path, unsigned char **data, size_t *len, struct mvb_bundle_view *v,
			  struct mvb_diags *d);
/* "X.Y.Z" of a packed version. */
void cli_version_str(uint32_t v, char *out, size_t n);
/* A bundle's identity and layers as JSON members of the object being
 * written: board, app {name, version, security_counter, min_abi}, layers
 * [{role, encoding, target, size, encoded_size, sha256}]. */
void cli_json_bundle(struct json *j, const struct mvb_bundle_view *v);
/* For each layer the builder sent whole because more pages change than
 * the device patcher rewrites in one update, says so on standard error
 * (what names the update, e.g. "delta 1.1.0 -> 1.2.0"). */
void cli_note_layers(const struct mvb_build_report *rep, const char *what);
