/*
 * api_slots.h - the one table of secure entry points: veneer slot and the
 * ABI version that introduced each entry.
 *
 * The firmware build checks the linked import library against this table
 * (slot = (veneer address - NSC base) / 8) and writes mv_api.yaml from it,
 * so a veneer that moves fails the build instead of breaking apps.  New
 * entries go at the end with the next free slot; never reuse a slot.
 * Keep one X(...) per line: cmake/mv_api_yaml.cmake reads this file.
 */
#ifndef MV_API_SLOTS_H
#define MV_API_SLOTS_H

/* X(name, slot, since_major, since_minor) */
#define MV_API_SLOTS(X)                                                                                                \
	X(mv_version, 0, 1, 0)                                                                                         \
	X(mv_info, 1, 1, 0)                                                                                            \
	X(mv_log, 2, 1, 0)                                                                                             \
	X(mv_ticks, 3, 1, 0)                                                                                           \
	X(mv_wait, 4, 1, 0)                                                                                            \
	X(mv_restart_app, 5, 1, 0)                                                                                     \
	X(mv_exit, 6, 1, 0)                                                                                            \
	X(TZ_InitContextSystem_S, 7, 1, 1)                                                                             \
	X(TZ_AllocModuleContext_S, 8, 1, 1)                                                                            \
	X(TZ_FreeModuleContext_S, 9, 1, 1)                                                                             \
	X(TZ_LoadContext_S, 10, 1, 1)                                                                                  \
	X(TZ_StoreContext_S, 11, 1, 1)                                                                                 \
	X(mv_watchdog_feed, 12, 1, 1)                                                                                  \
	X(mv_update_check, 13, 1, 2)                                                                                   \
	X(mv_update_confirm, 14, 1, 4)

#endif
