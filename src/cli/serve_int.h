/* serve_int.h - what the link commands share (private to src/cli):
 * struct run and its loop (cmd_serve.c), which `mvbuild serve`, `status`,
 * `logs` and `crash get` each drive in their own mode, and the helpers
 * they print with.  `crash get`'s exchange (cmd_crash_get.c) hooks into
 * the loop through cg_tick and cg_response.
 *
 * run_new gives a struct run the caller owns: run_close releases its link,
 * the caller frees it (and what it hangs on it: r->cg, r->held, r->ses.x). */
#ifndef MVB_CLI_SERVE_INT_H
#define MVB_CLI_SERVE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "cli/cli.h"
#include "cli/link_dev.h"
#include "cli/store.h"
#include "link/mvl.h"
#include "mvb/serve.h"

#define CACHE_SLOTS 4      /* objects kept in memory: index, bundle, and two more */
#define SESSION_OBJECTS 16 /* objects listed per session; more are counted together */

/* ---- the repository, with the objects a session reads kept in memory */

struct slot {
	char name[MVB_SERVE_PATH_MAX + 1];
	struct mvb_buf data;
	unsigned long long used; /* 0: empty */
};

struct repo {
	struct store s;
	struct slot slot[CACHE_SLOTS];
	unsigned long long tick;
};

struct object {
	char name[MVB_SERVE_PATH_MAX + 1];
	uint32_t total, reach; /* reach: the highest byte read + 1 */
	uint64_t bytes;        /* sent, repeats included */
	int kind;              /* 0 index, 1 full bundle, 2 delta bundle, 3 a bundle the index does not list */
	double t0;
};

struct session {
	int hello_seen;
	struct mvl_hello hello;
	double t0;
	struct object obj[SESSION_OBJECTS];
	unsigned nobj;
	uint64_t bytes, other_bytes;
	int have_report;
	struct mvl_report report; /* the session's REPORT (not the trial's) */
	double t_report;
	struct mvb_serve_follow fw; /* how far the session has got: its trial and outcome */
	double t_trial, t_outcome;  /* when the trial was first seen, when its outcome came */
	struct mvb_repo_index *x; /* the index the device read, parsed (NULL: none yet) */
	int update;               /* of the last bundle read: 1 full, 2 delta, 0 not known */
	uint32_t from, to;
};

enum end_kind { END_NONE, END_REPORT, END_TIMEOUT, END_CLOSED, END_QEMU, END_INTERRUPTED, END_ERROR };

struct crash_get; /* cmd_crash_get.c */
struct held_line; /* cmd_serve.c: the logs mode's held LINEs */

struct run {
	/* options */
	const char *tag; /* what say() prefixes: "serve", "crash get" */
	const char *repo_arg, *device, *qemu_image;
	int once, update_now, json;
	unsigned long timeout;
	FILE *dev_out; /* the device's log and console */
	/* the link */
	struct link_dev ld;
	/* protocol */
	struct mvl_rx rx;
	struct mvb_serve core;
	struct mvb_serve_out out;
	struct repo repo;
	struct session ses;
	unsigned sessions;
	/* UPDATE_NOW: sent after the first HELLO, repeated (same lf_seq) like
	 * any request until answered, three times in all */
	unsigned un_sent;
	int un_answered;
	double un_at;
	uint16_t un_seq;
	/* counts */
	uint64_t bytes_in, bytes_out, frames_out;
	unsigned bad, unsupported, stray, read_errors[6]; /* read_errors by MVL_E_* */
	/* progress */
	int tty, live;
	double live_at;
	double start, deadline; /* deadline 0: none */
	double await_until;     /* --once, installed: waiting for the new app's HELLO until then (0: not, or on trial) */
	enum end_kind end;
	/* mvbuild status: STATUS sent once a second until answered */
	int status_mode, st_have;
	unsigned st_sent;
	double st_at;
	uint16_t st_seq;
	uint32_t st_error; /* an error response's code */
	struct mvl_status st;
	/* mvbuild logs: the LINE frames on stdout, gaps counted */
	int logs_mode, follow, seen_line;
	uint32_t next_seq, lines, lost;
	double last_line;
	struct json *lj; /* --format json: the lines array being written */
	/* ... first the lines the device kept (LOG_READ, sent like STATUS),
	 * the LINEs that come meanwhile held back (r->held, LR_HELD of them) */
	int lr_waiting, lr_skip; /* lr_skip: LINEs before lr_next were shown from the kept ones */
	unsigned lr_sent, nheld;
	double lr_at;
	uint16_t lr_seq;
	uint32_t lr_from, lr_next;
	struct held_line *held;
	/* mvbuild crash get: CHALLENGE, AUTH, the CRASH parts, END */
	struct crash_get *cg;
};

/* ---- cmd_serve.c: the run */

struct run *run_new(const char *device, const char *qemu, unsigned long timeout, int json);
int run_open(struct run *r, unsigned long baud, int baud_set);
void run_close(struct run *r);
void serve_loop(struct run *r, double deadline);
int send_wire(struct run *r, const uint8_t *wire, size_t n);
int no_repo_get(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail);

/* ---- cmd_serve.c: options and output */

int baud_given(int argc, char **argv);
void say(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void live_clear(struct run *r);
void ascii(const char *in, size_t len, char *out, size_t n);
void version_or_none(uint32_t v, char *o, size_t n);
const char *state_name(uint32_t s);
void reason_str(uint32_t reason, char *o, size_t n);
void json_reason(struct json *j, uint32_t code);

/* ---- cmd_crash_get.c: the loop's hooks while r->cg is set */

void cg_tick(struct run *r, double t);
int cg_response(struct run *r, const struct mvl_header *h, const uint8_t *payload);

#endif
