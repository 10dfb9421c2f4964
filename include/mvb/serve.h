/*
 * serve.h - the other end of the device link (mvbuild-link(5)): what
 * 'mvbuild serve' answers to each frame a device sends, and how it names
 * what the device read.  Pure: the caller decodes frames with src/link,
 * hands each one here with a callback that reads the repository, sends
 * the response it gets back, and does all the printing.
 *
 * Rules kept here, so the unit tests and the fuzz harness hold them:
 *  - a response answers a request the device sent (same stream, type and
 *    lf_seq); nothing is ever sent unasked, and a frame the device marks
 *    as a response, or a LINE, gets none;
 *  - a READ is answered with a DATA record and the bytes, or an error
 *    record: 4 when mvl_get_read refuses it (a bad name, a length the
 *    device's payload limit cannot carry, a wrong size) or no HELLO named
 *    the device's board and app yet, 1 when the name, read in the
 *    directory of that board and app, is no object of the repository
 *    layout (CHANNEL/index or objects/SHA256.mvb there) or the
 *    repository has no such file,
 *    2 when the offset lies past the object's end, 3 when the repository
 *    cannot be read; a DATA response never carries more than the
 *    device's lh_payload_max;
 *  - a request of a stream or type not served gets error 5, one that
 *    does not parse (a HELLO or REPORT of the wrong size, stray flag bits)
 *    error 4.
 *
 * struct mvb_serve keeps only what the device said in its last HELLO
 * (its payload limit, board and app); it owns no memory.
 */
#ifndef MVB_SERVE_H
#define MVB_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/link.h"

/* A frame on the wire as mvl_encode writes it, both zeros counted. */
#define MVB_SERVE_WIRE_MAX MVL_WIRE_MAX
/* A READ's path from the repository's root: BOARD/APP/ and the name. */
#define MVB_SERVE_PATH_MAX (MVL_NAME_MAX + MVL_NAME_MAX + MVL_OBJECT_MAX)

/* The repository, as the core sees it: the whole object `name` (a path
 * from the repository's root that fits the layout, NUL-terminated) in
 * *data and *len, borrowed until the next call; returns 0, or
 * MVL_E_NOT_FOUND, or MVL_E_REPOSITORY with *detail (an errno, say). */
typedef int (*mvb_serve_get_fn)(void *ctx, const char *name, const uint8_t **data, size_t *len, uint32_t *detail);

struct mvb_serve {
	mvb_serve_get_fn get;
	void *ctx;
	uint16_t payload_max; /* the device's lh_payload_max; MVL_PAYLOAD_MAX until its HELLO */
	int have_hello;
	char board[MVL_NAME_MAX], app[MVL_NAME_MAX]; /* from the last HELLO, NUL-terminated */
};

/* What a frame was (struct mvb_serve_out.what). */
enum mvb_serve_what {
	MVB_SERVE_HELLO,       /* answered; .hello */
	MVB_SERVE_READ,        /* answered with data or an error; .name, .read, .served, .total, .error */
	MVB_SERVE_REPORT,      /* answered; .report */
	MVB_SERVE_PING,        /* answered */
	MVB_SERVE_LINE,        /* a log line, not answered; .line, .text */
	MVB_SERVE_RESPONSE,    /* the device answers a request of ours; .error for an error response */
	MVB_SERVE_BAD,         /* a request that does not parse: error 4 (a LINE that does not: ignored) */
	MVB_SERVE_UNSUPPORTED, /* a stream or type not served: error 5 */
};

struct mvb_serve_out {
	enum mvb_serve_what what;
	/* The response, ready for the wire (leading and closing zero
	 * included); wire_len 0 when there is none. */
	uint8_t wire[MVB_SERVE_WIRE_MAX];
	size_t wire_len;
	struct mvl_header rh; /* its header (lf_len: payload bytes) */
	/* What the frame said, by `what`. */
	struct mvl_hello hello;
	struct mvl_read read;
	char name[MVB_SERVE_PATH_MAX + 1]; /* READ: its path, NUL-terminated (or the name as sent, when it did not parse) */
	uint32_t served;               /* READ: object bytes sent */
	uint32_t total;                /* READ: the object's size, when it was read */
	uint32_t error;                /* READ, BAD, UNSUPPORTED: the MVL_E_* sent (0: data); RESPONSE: le_code */
	uint32_t detail;               /* with error */
	struct mvl_report report;
	struct mvl_line line;
	const uint8_t *text; /* LINE: the text, in the caller's payload (no NUL) */
	size_t text_len;
};

/* Cannot fail; s is ready for a device that has not said HELLO yet. */
void mvb_serve_init(struct mvb_serve *s, mvb_serve_get_fn get, void *ctx);

/* One frame the receiver delivered: its header and lf_len payload bytes.
 * Fills *out (about 1.3 KiB: callers keep it off small stacks). */
void mvb_serve_handle(struct mvb_serve *s, const struct mvl_header *h, const uint8_t *payload,
                      struct mvb_serve_out *out);

/* Which object of the repository layout a READ's path is: */
enum mvb_serve_object {
	MVB_SERVE_OBJ_NONE,   /* not one: answered "not found" */
	MVB_SERVE_OBJ_INDEX,  /* BOARD/APP/CHANNEL/index */
	MVB_SERVE_OBJ_BUNDLE, /* BOARD/APP/objects/SHA256.mvb (lowercase hex) */
};
enum mvb_serve_object mvb_serve_object_of(const char *name);

struct mvb_repo_index;
/* What a bundle name means in index x (of the same board and app): a full
 * bundle (1, *to its version, *from 0) or a delta bundle (2, *from and
 * *to); 0 when x does not list it. */
int mvb_serve_update_kind(const struct mvb_repo_index *x, const char *name, uint32_t *from, uint32_t *to);

/* How an update session ends, followed frame by frame (mvbuild-serve(1),
 * --once): the session's REPORT; after INSTALLED, the installed release's
 * first HELLO; when that HELLO says MVL_DEV_TRIAL, the REPORT of the
 * trial's outcome (CONFIRMED or REVERTED).
 *
 *   SESSION   a REPORT of INSTALLED: STARTING; CONFIRMED or REVERTED (the
 *             end of a trial that began before we listened): DONE; any
 *             other REPORT: DONE.  A HELLO that says TRIAL: TRIAL (a
 *             device on trial refuses updates until its outcome).
 *   STARTING  a HELLO that says TRIAL: TRIAL; any other HELLO: DONE (an
 *             install without a trial).  A REPORT: as in SESSION.
 *   TRIAL     a REPORT of CONFIRMED or REVERTED: DONE.  Nothing else ends
 *             it: the device may start again on trial, say HELLO while it
 *             reverts (INSTALLING), or refuse a session on trial.
 *   DONE      stays; the caller starts over with mvb_serve_follow_init.
 *
 * Holds no memory; frames the core refused (BAD) change nothing. */
enum mvb_serve_phase {
	MVB_SERVE_PH_SESSION,
	MVB_SERVE_PH_STARTING,
	MVB_SERVE_PH_TRIAL,
	MVB_SERVE_PH_DONE,
};

struct mvb_serve_follow {
	enum mvb_serve_phase phase;
	int installed;             /* a REPORT of INSTALLED came */
	struct mvl_report install; /* ... this one */
	int trial;                 /* a HELLO said TRIAL: the release on trial */
	uint32_t trial_version;    /* its lh_app_version */
	int have_outcome;          /* DONE by a REPORT (not by the installed release's HELLO): */
	struct mvl_report outcome; /* ... that REPORT */
};

/* Cannot fail. */
void mvb_serve_follow_init(struct mvb_serve_follow *f);
/* One frame mvb_serve_handle decoded; returns the phase after it. */
enum mvb_serve_phase mvb_serve_follow_step(struct mvb_serve_follow *f, const struct mvb_serve_out *o);

/* The microvisor's text for a reason code (firmware/include/mv/reason.h),
 * or NULL for a code it does not list. */
const char *mvb_serve_reason_text(uint32_t reason);

#endif
