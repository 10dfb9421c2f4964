/*
 * status.h - process exit statuses and library return codes.
 *
 * The exit statuses are a stable interface (mvbuild(1) documents them):
 * scripts and CI branch on them, so values never change meaning.
 */
#ifndef MVB_STATUS_H
#define MVB_STATUS_H

enum mvb_exit {
	MVB_EXIT_OK = 0,       /* success, no findings that count */
	MVB_EXIT_FINDINGS = 1, /* the input is bad: errors (or warnings with --werror) */
	MVB_EXIT_USAGE = 2,    /* bad command line */
	MVB_EXIT_IO = 3,       /* I/O or environment: missing file, no permission, no tool */
	MVB_EXIT_INTERNAL = 4, /* a bug in mvbuild */
	MVB_EXIT_CONFLICT = 5, /* another writer changed what was to be replaced (publish to S3): run again */
};

/* Library functions return 0 on success or one of these (negated never). */
enum mvb_rc {
	MVB_OK = 0,
	MVB_EINPUT = 1,  /* input rejected; details are in the diagnostics */
	MVB_ENOMEM = 2,  /* allocation failed */
	MVB_ELIMIT = 3,  /* input exceeds a hard limit (size, depth, count) */
	MVB_EINTERNAL = 4,
};

#endif
