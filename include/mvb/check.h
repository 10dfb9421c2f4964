/*
 * check.h - `mvbuild check`: an app ELF against a board, its app manifest
 * and the firmware's secure entry table.  Collects every finding (never
 * stops at the first) and reports partition usage and the microvisor ABI
 * the app needs.
 */
#ifndef MVB_CHECK_H
#define MVB_CHECK_H

#include <stdint.h>
#include "mvb/api.h"
#include "mvb/app.h"
#include "mvb/board.h"
#include "mvb/diag.h"
#include "mvb/elf.h"

struct mvb_check_in {
	const struct mvb_elf *elf;
	const char *elf_file;
	const struct mvb_board *board;
	const struct mvb_app *app; /* NULL: no manifest */
	const char *app_file;      /* where the manifest came from, for locations */
	const struct mvb_api *api; /* NULL: calls not checked */
};

struct mvb_usage {
	const char *partition; /* borrowed from the board */
	uint32_t base, size, used;
};

#define MVB_CHECK_MAX_CALLS 64

struct mvb_check_out {
	struct mvb_usage usage[2]; /* app flash, app RAM */
	struct mvb_grant grant;
	uint32_t min_abi;          /* MVB_ABI_PACK; 1.0 when the app calls nothing newer */
	unsigned ncalls;           /* distinct microvisor entries referenced */
	const char *calls[MVB_CHECK_MAX_CALLS]; /* their names, borrowed from the api */
	uint32_t vector_entries;   /* vector table entries examined */
};

/* Runs every check; findings go to d.  Returns the number of errors found. */
unsigned mvb_check_run(const struct mvb_check_in *in, struct mvb_check_out *out, struct mvb_diags *d);

#endif
