/*
 * repo.h - the signed channel index of an update repository (layout:
 * repo_format.h): a strict fail-fast reader, a canonical writer, the
 * signature rule, what a device checks before trusting an index (channel,
 * expiry, rollback), how publish adds a release, and how fetch picks what
 * to download.
 *
 * struct mvb_repo_index holds host-order copies of every field and owns
 * nothing, so it can be copied and freed with free().  It is about 32 KiB:
 * callers allocate it on the heap.  Names are NUL-terminated.
 */
#ifndef MVB_REPO_H
#define MVB_REPO_H

#include <stddef.h>
#include <stdint.h>
#include "mvb/buf.h"
#include "mvb/diag.h"
#include "mvb/repo_format.h"

struct mvb_repo_index {
	uint32_t index_version;
	uint64_t expires, published; /* UTC seconds */
	char board[32], app[32], channel[16];
	struct mvb_repo_release rel[MVB_REPO_MAX_RELEASES]; /* by increasing security counter */
	unsigned nrel;
	struct mvb_repo_delta del[MVB_REPO_MAX_DELTAS];
	unsigned ndel;
	struct mvb_bundle_sig sig[MVB_REPO_MAX_SIGS];
	unsigned nsig;
	size_t signed_len; /* set by parse and encode: bytes the signatures cover */
};

/* 1 when s is a name that may appear in a repository path: 1..max-1 bytes
 * of [A-Za-z0-9._-], not starting with '.'. */
int mvb_repo_name_ok(const char *s, size_t max);

/* Reads an index; every field is checked, including the order of the
 * releases and that each delta names two of them.  Returns 0 or MVB_EINPUT
 * (one finding, with the field's offset). */
int mvb_repo_parse(struct mvb_repo_index *x, const char *file, const unsigned char *data, size_t len,
		   struct mvb_diags *d);
/* Writes the canonical bytes of x with its signatures x->sig[0..nsig);
 * sets x->signed_len.  Returns 0, MVB_EINPUT (x breaks a rule parse
 * enforces) or MVB_ENOMEM. */
int mvb_repo_encode(struct mvb_repo_index *x, struct mvb_buf *out);
/* SHA-256 of the signed bytes of an encoded index (data from encode or parse). */
void mvb_repo_digest(const struct mvb_repo_index *x, const unsigned char *data, uint8_t out[32]);

struct mvb_key;
/* The signature rule of bundles, for an index: every signature by a trusted
 * key must verify (repo-signature), and at least one must (repo-unsigned).
 * data are the bytes x was parsed from. */
int mvb_repo_check_sigs(const struct mvb_repo_index *x, const unsigned char *data, const char *file,
			struct mvb_key *const *keys, unsigned nk, unsigned *good, struct mvb_diags *d);

/* What a device last accepted for this channel (0 / zero hash: nothing). */
struct mvb_repo_seen {
	uint32_t index_version;
	uint8_t sha256[32]; /* of the whole index file */
};
/* The device's freshness rules: the index is for board/app/channel
 * (repo-channel), has not expired at now (repo-expired), and is not older
 * than what it last accepted, nor a different index with the same version
 * (repo-rollback).  sha256 is of the whole index file.  Reports every
 * failure.  Returns 0 or MVB_EINPUT. */
int mvb_repo_check_fresh(const struct mvb_repo_index *x, const char *file, const char *board, const char *app,
			 const char *channel, uint64_t now, const struct mvb_repo_seen *seen, const uint8_t sha256[32],
			 struct mvb_diags *d);

/* The rollback rule (src/update/mvu.h, the device's own code) applied to the
 * channel's latest release for a device that runs have_version with
 * have_counter (0: not known): 0 to install it, 1 when the device runs
 * that version already, or MVB_EINPUT with a finding at the release's
 * entry: repo-downgrade (a lower security counter: never) or repo-older
 * (an older version, unless allow_older). */
int mvb_repo_check_offer(const struct mvb_repo_index *x, const char *file, uint32_t have_version,
			 uint32_t have_counter, int allow_older, struct mvb_diags *d);

/* Index of the release with this version, or -1. */
int mvb_repo_find(const struct mvb_repo_index *x, uint32_t version);
/* Appends a release: its security counter must be above the latest's and
 * its version new (repo-counter).  When the index is full the oldest
 * release and the deltas that name it are dropped. */
int mvb_repo_add_release(struct mvb_repo_index *x, const struct mvb_repo_release *r, const char *file,
			 struct mvb_diags *d);
/* Appends a delta between two releases of x (MVB_EINPUT when it names an
 * unknown release or goes backwards, MVB_ELIMIT when the table is full). */
int mvb_repo_add_delta(struct mvb_repo_index *x, const struct mvb_repo_delta *dl);

/* What fetch downloads to go from the release `have` to the latest. */
struct mvb_repo_step {
	int delta;                /* 1: x->del[idx], 0: x->rel[idx] (a full bundle) */
	unsigned idx;
	uint32_t size;
	const uint8_t *sha256;    /* points into x */
	int up_to_date;           /* have is the latest: nothing to download */
};
/* The smallest download: the latest full bundle or a delta from `have`
 * straight to the latest (a device installs one bundle per update, so
 * chains of deltas are not considered).  have_known is 0 when the device
 * cannot name its version. */
void mvb_repo_pick(const struct mvb_repo_index *x, int have_known, uint32_t have, struct mvb_repo_step *s);

/* "objects/<hex>.mvb" for a SHA-256 (out: at least 80 bytes). */
void mvb_repo_object_name(const uint8_t sha256[32], char *out, size_t n);

/* ---- what a device accepts (fetch is the device's client on the host) */

/* What the device knows when it reads a channel's index. */
struct mvb_repo_device {
	const char *board, *app, *channel;
	uint64_t now;                     /* UTC seconds; 0: expiry not checked */
	const struct mvb_repo_seen *seen; /* the index it accepted last; NULL: it keeps no record */
	int runs_known;                   /* 0: it cannot name the release it runs */
	uint32_t runs_version;
	/* 0: the counter of what it runs is the one the index gives
	 * runs_version (trusted only once the signature is), or 0 when the
	 * index does not list it: the version alone then bounds the offer */
	int runs_counter_known;
	uint32_t runs_counter;
	int allow_older; /* an older version (never a lower counter) may be installed */
};

/* The device's acceptance of an index it downloaded (data, len: the bytes
 * x was parsed from): a valid signature by one of keys (repo-signature,
 * repo-unsigned), then its board, app and channel, expiry and replay
 * (mvb_repo_check_fresh), then, when the device names what it runs, the
 * rollback rule on the latest release (mvb_repo_check_offer).  Returns 0,
 * with *runs_latest 1 when the device runs the latest release already
 * (runs_latest may be NULL), or MVB_EINPUT (refused, with every finding
 * of the first stage that failed). */
int mvb_repo_accept_index(const struct mvb_repo_index *x, const unsigned char *data, size_t len, const char *file,
			  const struct mvb_repo_device *dev, struct mvb_key *const *keys, unsigned nk, int *runs_latest,
			  struct mvb_diags *d);

struct mvb_bundle_view;
/* The device's acceptance of the object it downloaded for step st of an
 * accepted index: exactly the size and SHA-256 the index gives, then, as
 * a bundle, its structure, its payload (delta layers decoded over base,
 * the bundle the device runs; NULL: none), its signatures by keys, and a
 * manifest naming the index's board and app and the latest release's
 * version and counter (repo-object: mix-and-match).  Returns 0 or
 * MVB_EINPUT. */
int mvb_repo_accept_object(const struct mvb_repo_index *x, const struct mvb_repo_step *st, const unsigned char *data,
			   size_t len, const char *file, const struct mvb_bundle_view *base, struct mvb_key *const *keys,
			   unsigned nk, struct mvb_diags *d);

/* The device's record of the indexes it accepted (fetch --state), one text
 * line per channel: "<board>/<app>/<channel> <index version> <sha256 of
 * the index, hex>".  At most MVB_REPO_STATE_LINES lines of at most
 * MVB_REPO_STATE_LINE bytes. */
#define MVB_REPO_STATE_LINES 256
#define MVB_REPO_STATE_LINE 200
/* Reads a record through the bounded cursor: the entry of channel key
 * (board/app/channel) into seen (zeroed when it has none), every other
 * line appended to others, so that the record can be written back with
 * that entry replaced (mvb_repo_state_put).  A malformed line is
 * repo-state at its line and column.  Returns 0, MVB_EINPUT or
 * MVB_ENOMEM. */
int mvb_repo_state_read(const unsigned char *data, size_t len, const char *file, const char *key,
			struct mvb_repo_seen *seen, struct mvb_buf *others, struct mvb_diags *d);
/* Appends the line of channel key to out. */
int mvb_repo_state_put(struct mvb_buf *out, const char *key, uint32_t index_version, const uint8_t sha256[32]);

#endif
