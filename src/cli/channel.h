/*
 * channel.h - what the repository commands (publish, releases, fetch)
 * share: a channel's directory and its objects' paths, the names a
 * repository allows, reading a channel's index, and how sizes and times
 * print.
 */
#ifndef MVB_CLI_CHANNEL_H
#define MVB_CLI_CHANNEL_H

#include <stddef.h>
#include <stdint.h>
#include "cli/store.h"
#include "mvb/diag.h"
#include "mvb/repo.h"

#define DEFAULT_CHANNEL "stable"

/* "12.3 MiB", "45.6 KiB" (from 10 of them), "789 B". */
void channel_size_str(unsigned long long v, char *o, size_t n);
/* "2026-11-22 00:33:33 UTC" (text) and "2026-11-22T00:33:33Z" (JSON). */
void channel_utc_str(uint64_t t, char *o, size_t n);
void channel_iso_str(uint64_t t, char *o, size_t n);
/* "board/app/channel": the channel's directory, and the key of its entry
 * in a device's state record. */
void channel_dir(char *o, size_t n, const char *board, const char *app, const char *channel);
/* "board/app/objects/<sha256>.mvb" */
void channel_object(char *o, size_t n, const char *board, const char *app, const uint8_t sha[32]);
/* "board/app/objects/<sha256>.cdx.json": the SBOM of the bundle with
 * that SHA-256, next to it (named by the bundle, so an index leads to it) */
void channel_sbom(char *o, size_t n, const char *board, const char *app, const uint8_t sha[32]);
/* 0, or MVB_EXIT_USAGE after saying which name a repository path cannot hold. */
int channel_check_names(const char *cmd, const char *board, const char *app, const char *channel);
/* Reads and parses a channel's index (label gets its path or URL).
 * Returns 0, STORE_MISSING, an exit status after reporting an I/O error,
 * or MVB_EXIT_FINDINGS with the reader's finding in d.  raw keeps the
 * bytes (signatures cover them); etag, when not NULL, gets the ETag they
 * came with (S3: what a conditional replace names). */
int channel_load_index(struct store *s, const char *dir, struct mvb_repo_index *x, struct mvb_buf *raw, char *label,
		       size_t ln, char *etag, struct mvb_diags *d);

#endif
