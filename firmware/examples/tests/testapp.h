/*
 * testapp.h - shared by the QEMU test apps: each misbehaves on its first
 * start and, once the microvisor has restarted it, reports what the
 * microvisor recorded and ends the run with status 0.
 */
#ifndef MV_TESTAPP_H
#define MV_TESTAPP_H

#include <stdint.h>

#include <mv/app_print.h>
#include <mv/mv_api.h>

#include "mv_board.h"

static inline uint32_t test_start_number(struct mv_info *info)
{
	if (mv_info(info, sizeof *info) != (int32_t)sizeof *info)
		return 0;
	return info->mi_starts;
}

/* Second start: show what the microvisor says happened, end the test. */
static inline int test_after_restart(const struct mv_info *info)
{
	mv_print_hex("restarted, last crash reason ", info->mi_last_reason);
	mv_print_dec("crashes in a row ", info->mi_crashes);
	return 0;
}

#endif
